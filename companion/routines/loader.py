"""Load, validate and locate routine files; every problem becomes one readable line.

Problems name the file, the key path and (where it can be found) the line, and an unknown
key gets a did-you-mean. Nothing here raises a traceback at a user: `check_file` returns
problems, and `load_routine` raises `RoutineFileError` carrying them.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from anyascii import anyascii

from companion.core.routine import Exercise, Position, Routine, Tempo
from companion.datafile import (
    RESOURCES,
    DataFileError,
    Problem,
    key_lines,
    known_keys,
    line_near,
    parse_toml,
    path_text,
)
from companion.routines.schema import (
    AlternativeFile,
    ExerciseFile,
    RoutineFile,
    TempoFile,
    _ExerciseBase,
)

log = logging.getLogger(__name__)

BUILTIN_DIR = RESOURCES / "routines"


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


def read_routine_file(path: Path) -> str:
    """The text of a routine file (any common encoding, `decode_routine_bytes`); raises
    RoutineFileError naming the file when it is missing, too large, a folder or unreadable."""
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
    return parse_toml(text, name, RoutineFile, RoutineFileError, _KEYS), text


def _parse(path: Path) -> tuple[RoutineFile, str]:
    return parse_routine_text(read_routine_file(path), str(path))


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
    return [], routine_warnings(loaded.routine, read_routine_file(path), str(path))


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
