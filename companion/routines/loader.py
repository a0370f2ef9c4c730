"""Load, validate and locate routine files; every problem becomes one readable line.

Problems name the file, the key path and (where it can be found) the line, and an unknown
key gets a did-you-mean. Nothing here raises a traceback at a user: `check_file` returns
problems, and `load_routine` raises `RoutineFileError` carrying them.
"""

from __future__ import annotations

import codecs
import difflib
import hashlib
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from anyascii import anyascii

from companion.core.routine import Exercise, Position, Routine, Tempo
from companion.datafile import (
    DataFileError,
    Problem,
    key_lines,
    known_keys,
    line_near,
    path_text,
    read_toml,
    validate,
)
from companion.routines.schema import (
    AlternativeFile,
    ExerciseFile,
    RoutineFile,
    TempoFile,
    _ExerciseBase,
)

log = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).resolve().parent.parent.parent / "resources" / "routines"


class RoutineFileError(DataFileError):
    """A routine file that cannot be used; `problems` says every reason."""


#: Each table's keys, for an unknown key's did-you-mean (`companion.datafile.plain_message`).
_KEYS: dict[str, list[str]] = {
    "": known_keys(RoutineFile),
    "exercise": known_keys(ExerciseFile),
    "tempo": known_keys(TempoFile),
    "alternative": known_keys(AlternativeFile),
}


# -- public API --------------------------------------------------------------------------------
MAX_FILE_BYTES = 1_000_000


def decode_routine_bytes(raw: bytes) -> str:
    """Routine file bytes -> text with '\n' line ends, whatever editor saved them.

    UTF-8 with or without a byte-order mark (Windows Notepad), UTF-16/32 with a mark
    (Notepad's "Unicode"), UTF-16 without one, and CRLF (Windows) or lone CR (classic Mac)
    line ends all load. Raises UnicodeDecodeError for text in another encoding.
    """
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        text = raw.decode("utf-32")
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16")
    elif raw.startswith(codecs.BOM_UTF8):
        text = raw[len(codecs.BOM_UTF8):].decode("utf-8")
    elif len(raw) >= 4 and len(raw) % 2 == 0 and raw[1::2].count(0) > len(raw) // 4 \
            and raw[0::2].count(0) == 0:
        text = raw.decode("utf-16-le")
    elif len(raw) >= 4 and len(raw) % 2 == 0 and raw[0::2].count(0) > len(raw) // 4 \
            and raw[1::2].count(0) == 0:
        text = raw.decode("utf-16-be")
    else:
        text = raw.decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read(path: Path) -> str:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RoutineFileError([Problem(name, "", f"is too large ({size:,} bytes); a routine "
                                            f"file is at most {MAX_FILE_BYTES:,} bytes", 1)])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RoutineFileError([Problem(name, "", "no such file")]) from None
    except IsADirectoryError:
        raise RoutineFileError([Problem(name, "", "is a folder, not a routine file")]) from None
    except OSError as exc:
        raise RoutineFileError([Problem(name, "", f"cannot read the file ({exc.strerror or exc})")]
                               ) from None
    try:
        return decode_routine_bytes(raw)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + raw[: exc.start].count(b"\r") \
            - raw[: exc.start].count(b"\r\n") + 1
        bad = raw[exc.start: exc.start + 1].hex().upper()
        raise RoutineFileError([Problem(
            name, "", f"is not UTF-8 text (byte 0x{bad}); save it as UTF-8 in your editor "
            "(\"Save as\", encoding UTF-8)", line)]) from None


def parse_routine_text(text: str, name: str) -> tuple[RoutineFile, str]:
    """Validate routine TOML text; raises RoutineFileError naming `name`, key and line."""
    data = read_toml(text, name, RoutineFileError, default_line=1)
    return validate(RoutineFile, data, text, name, RoutineFileError, _KEYS), text


def _parse(path: Path) -> tuple[RoutineFile, str]:
    return parse_routine_text(_read(path), str(path))


def check_file(path: Path) -> list[Problem]:
    """Every problem with one file (empty when it is good)."""
    try:
        load_routine_full(path)
    except RoutineFileError as exc:
        return exc.problems
    return []


def check_file_full(path: Path) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings) for one file; warnings (e.g. a rest too short for what must be
    said) do not stop the routine from loading."""
    try:
        loaded = load_routine_full(path)
    except RoutineFileError as exc:
        return exc.problems, []
    return [], routine_warnings(loaded.routine, _read(path), str(path))


def make_id(text: str, kind: str = "routine") -> str:
    """A stable id from a name in any script: transliterated to ASCII (anyascii), lowercase,
    words joined by '-', at most 40 characters. Nothing left (e.g. only symbols) gives
    `<kind>-<6 hex digits of the name's SHA-1>`; a name too long for 40 characters keeps 33
    and adds the hash, so two long names that differ late still get different ids."""
    text = unicodedata.normalize("NFC", text.strip())
    slug = re.sub(r"[^a-z0-9]+", "-", anyascii(text).lower()).strip("-")
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
    if not slug:
        return f"{kind}-{digest}"
    if len(slug) > 40:
        return f"{slug[:33].rstrip('-')}-{digest}"
    return slug


def _slug(text: str) -> str:
    return make_id(text)


def _exercise(model: _ExerciseBase, ex_id: str = "") -> Exercise:
    return Exercise(
        name=model.name,
        reps=model.reps,
        seconds=model.seconds,
        to_fatigue=model.to_fatigue,
        id=ex_id or model.id or make_id(model.name, "exercise"),
        cues=tuple(model.cues),
        tempo=Tempo(model.tempo.down, model.tempo.up),
        rest_seconds=model.rest_seconds,
        equipment=tuple(model.equipment),
        description=model.description,
        position=Position(model.position),
        easier=model.easier,
        cap_seconds=model.cap_seconds,
        expected_seconds=model.expected_seconds,
        balance_cue=model.balance_cue,
    )


def exercise_ids(model: RoutineFile, name: str = "", text: str = "") -> list[str]:
    """One unique id per exercise: the file's `id`, else one made from the name; a made id
    already taken gets -2, -3... A repeated `id` written in the file is a problem (an
    adaptation would otherwise swap in the wrong exercise's alternative)."""
    written: dict[str, int] = {}
    problems: list[Problem] = []
    lines = key_lines(text) if text else {}
    for i, ex in enumerate(model.exercise):
        if ex.id is None:
            continue
        if ex.id in written:
            loc: tuple[str | int, ...] = ("exercise", i, "id")
            problems.append(Problem(
                name, path_text(loc),
                f"'{ex.id}' is already the id of exercise[{written[ex.id]}] "
                f"({model.exercise[written[ex.id]].name}); each exercise needs its own id",
                line_near(loc, lines)))
        else:
            written[ex.id] = i
    if problems:
        raise RoutineFileError(problems)
    used = set(written)
    out: list[str] = []
    for ex in model.exercise:
        if ex.id is not None:
            out.append(ex.id)
            continue
        base = make_id(ex.name, "exercise")
        candidate, n = base, 2
        while candidate in used:
            candidate = f"{base[:36]}-{n}"
            n += 1
        used.add(candidate)
        out.append(candidate)
    return out


@dataclass(frozen=True)
class LoadedRoutine:
    """A routine plus what adaptations may need that the core model does not carry."""

    routine: Routine
    alternatives: dict[str, Exercise] = field(default_factory=dict)


def load_routine(path: Path, *, builtin: bool = False) -> Routine:
    """Read and validate one file; raises RoutineFileError listing every problem."""
    return load_routine_full(path, builtin=builtin).routine


def load_routine_full(path: Path, *, builtin: bool = False) -> LoadedRoutine:
    model, text = _parse(path)
    return build_routine(model, str(path), text, path=path, builtin=builtin)


def build_routine(model: RoutineFile, name: str, text: str = "", *, path: Path | None = None,
                  builtin: bool = False) -> LoadedRoutine:
    """A validated file model -> the routine the app plays (ids made unique), or
    RoutineFileError. `path` gives the default routine id (from the file name)."""
    ids = exercise_ids(model, name, text)
    exercises = tuple(_exercise(e, i) for e, i in zip(model.exercise, ids, strict=True))
    alternatives = {
        ex.id: _exercise(e.alternative)
        for ex, e in zip(exercises, model.exercise, strict=True)
        if e.alternative is not None
    }
    default_id = make_id(path.stem) if path is not None else make_id(model.name)
    routine = Routine(
        id=model.id or default_id,
        name=model.name,
        rounds=model.rounds,
        rest_seconds=model.rest_seconds,
        exercises=exercises,
        description=model.description,
        breathing=model.breathing,
        schema_version=model.schema_version,
        source=path,
        builtin=builtin,
    )
    return LoadedRoutine(routine, alternatives)


def routine_warnings(routine: Routine, text: str, name: str) -> list[Problem]:
    """What loads but will not run as written: rests too short for the effort question and
    the next exercise's announcement (the app lengthens them, see `TimelineBuilder.rest`)."""
    from companion.core.timeline import TimelineBuilder

    builder = TimelineBuilder(routine)
    lines = key_lines(text)
    short: dict[tuple[str | int, ...], tuple[float, float]] = {}
    sets = routine.sets()
    for n, (_rnd, idx, ex) in enumerate(sets[:-1]):
        asked = routine.rest_after(ex)
        needed = builder.min_rest(asked, sets[n + 1][2])
        if asked + 1e-9 < needed:
            loc: tuple[str | int, ...] = ("exercise", idx, "rest_seconds") \
                if ex.rest_seconds is not None else ("rest_seconds",)
            _, most = short.get(loc, (asked, 0.0))
            short[loc] = (asked, max(most, needed))
    return [
        Problem(name, path_text(loc),
                f"warning: a rest of {asked:g} s leaves no time to ask how hard the set was "
                f"and to announce the next exercise; the app rests {math.ceil(most):g} s there "
                f"instead", line_near(loc, lines))
        for loc, (asked, most) in short.items()
    ]


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


def _exercise_tables(ex: Exercise, header: str) -> str:
    """One exercise as TOML tables under `header` (written by tomli-w: any text is safe)."""
    default = Exercise(name="x", reps=1)
    body: dict[str, Any] = {"name": ex.name, "id": ex.id}
    if ex.reps is not None:
        body["reps"] = ex.reps
    elif ex.seconds is not None:
        body["seconds"] = _number(ex.seconds)
    else:
        body["to_fatigue"] = True
    if ex.cap_seconds != default.cap_seconds or ex.to_fatigue:
        body["cap_seconds"] = _number(ex.cap_seconds)
    if ex.expected_seconds != default.expected_seconds or ex.to_fatigue:
        body["expected_seconds"] = _number(ex.expected_seconds)
    if ex.rest_seconds is not None:
        body["rest_seconds"] = _number(ex.rest_seconds)
    for key in ("description", "easier", "balance_cue"):
        if getattr(ex, key):
            body[key] = getattr(ex, key)
    if ex.cues:
        body["cues"] = list(ex.cues)
    if ex.equipment:
        body["equipment"] = list(ex.equipment)
    if ex.position is not Position.STANDING:
        body["position"] = ex.position.value
    out = f"{header}\n{tomli_w.dumps(body)}"
    if ex.tempo != default.tempo:
        tempo = {"down": _number(ex.tempo.down), "up": _number(ex.tempo.up)}
        out += f"\n[{header.strip('[]')}.tempo]\n{tomli_w.dumps(tempo)}"
    return out


def routine_to_toml(routine: Routine, alternatives: dict[str, Exercise] | None = None) -> str:
    """The routine as a routine file (the editor's Save, the progression step's user copy).

    Written with tomli-w, so quotes, newlines and any script in a name or cue stay exactly
    as they were: loading the text gives the same routine (a property test checks this).
    """
    top: dict[str, Any] = {"schema_version": 1, "id": routine.id, "name": routine.name}
    if routine.description:
        top["description"] = routine.description
    top["rounds"] = routine.rounds
    top["rest_seconds"] = _number(routine.rest_seconds)
    top["breathing"] = routine.breathing
    parts = [tomli_w.dumps(top)]
    for ex in routine.exercises:
        parts.append(_exercise_tables(ex, "[[exercise]]"))
        alt = (alternatives or {}).get(ex.id)
        if alt is not None:
            parts.append(_exercise_tables(alt, "[exercise.alternative]"))
    return "\n".join(parts)


def routine_files(folder: Path) -> list[Path]:
    """The files of a routines folder that are (or look meant to be) routines: `.toml` in
    any case (`MINE.TOML`), plus `.toml.txt` that Windows Notepad makes, to be reported."""
    try:
        children = sorted(folder.iterdir())
    except OSError as exc:
        log.warning("cannot list %s: %s", folder, exc)
        return []
    out = []
    for path in children:
        name = path.name.lower()
        if name.startswith(".") or not path.is_file():
            continue
        if name.endswith(".toml") or name.endswith(".toml.txt"):
            out.append(path)
    return out


def id_collision(path: Path, other: Path, routine_id: str) -> Problem:
    """The problem of a second file using a routine id already taken by `other`."""
    line = 1
    try:
        for no, raw in enumerate(_read(path).splitlines(), start=1):
            if re.match(r"^\s*id\s*=", raw):
                line = no
                break
    except RoutineFileError:
        pass
    return Problem(str(path), "id", f"'{routine_id}' is already the id of {other}; two of "
                   f"your routines cannot share an id: set id = \"...\" in one of them", line)


@dataclass(frozen=True)
class RoutineEntry:
    """A routine file found in a routines folder: loaded, or with its problems."""

    id: str
    path: Path
    builtin: bool
    routine: Routine | None
    problems: tuple[Problem, ...] = ()
    alternatives: dict[str, Exercise] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.routine.name if self.routine else self.path.stem


class RoutineLibrary:
    """Built-in routines plus the user's; a user file with the same id overrides a built-in."""

    def __init__(self, user_dir: Path | None = None, builtin_dir: Path = BUILTIN_DIR) -> None:
        self.user_dir = user_dir
        self.builtin_dir = builtin_dir

    def entries(self) -> list[RoutineEntry]:
        """Every routine file: loaded ones first, then broken ones with their problems.

        A user file with a built-in's id takes its place (documented). Two user files with
        one id never replace each other in silence: the first (by file name) loads, the
        other is listed with a problem naming both files.
        """
        found: dict[str, RoutineEntry] = {}
        broken: list[RoutineEntry] = []
        dirs: list[tuple[Path, bool]] = [(self.builtin_dir, True)]
        if self.user_dir is not None:
            dirs.append((self.user_dir, False))
        for folder, builtin in dirs:
            if not folder.is_dir():
                continue
            for path in routine_files(folder):
                if path.suffix.lower() != ".toml":
                    broken.append(RoutineEntry(make_id(path.stem), path, builtin, None, (
                        Problem(str(path), "", "is not read: routine files end in .toml "
                                f"(your editor may have added {path.suffix}); rename it to "
                                f"{Path(path.stem).stem}.toml", 1),)))
                    continue
                try:
                    loaded = load_routine_full(path, builtin=builtin)
                except RoutineFileError as exc:
                    log.warning("routine file %s has problems: %s", path, exc)
                    broken.append(RoutineEntry(make_id(path.stem), path, builtin, None,
                                               tuple(exc.problems)))
                    continue
                r = loaded.routine
                other = found.get(r.id)
                if other is not None and other.builtin == builtin:
                    broken.append(RoutineEntry(r.id, path, builtin, None, (
                        id_collision(path, other.path, r.id),)))
                    continue
                found[r.id] = RoutineEntry(r.id, path, builtin, r, (), loaded.alternatives)
        return list(found.values()) + broken

    def routines(self) -> list[Routine]:
        return [e.routine for e in self.entries() if e.routine is not None]

    def find(self, ref: str) -> RoutineEntry:
        """A routine by id, or by path to a file; RoutineFileError if neither works."""
        path = Path(ref).expanduser()
        if ref.lower().endswith(".toml") or path.is_file():
            loaded = load_routine_full(path)
            return RoutineEntry(loaded.routine.id, path, False, loaded.routine, (),
                                loaded.alternatives)
        for entry in self.entries():
            if entry.id == ref and entry.routine is not None:
                return entry
            if entry.id == ref:
                raise RoutineFileError(list(entry.problems))
        ids = [e.id for e in self.entries() if e.routine is not None]
        close = difflib.get_close_matches(ref, ids, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise RoutineFileError([Problem(ref, "", f"no routine with this id or path{hint}; "
                                        f"known ids: {', '.join(ids)}")])
