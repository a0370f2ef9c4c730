"""Load, validate and locate routine files; every problem becomes one readable line.

Problems name the file, the key path and (where it can be found) the line, and an unknown
key gets a did-you-mean. Nothing here raises a traceback at a user: `check_file` returns
problems, and `load_routine` raises `RoutineFileError` carrying them.
"""

from __future__ import annotations

import difflib
import logging
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from companion.core.routine import Exercise, Position, Routine, Tempo
from companion.errors import KnownError
from companion.routines.schema import (
    AlternativeFile,
    ExerciseFile,
    RoutineFile,
    TempoFile,
    _ExerciseBase,
)

log = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).resolve().parent.parent.parent / "resources" / "routines"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, printable as `file:line: key.path: message`."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class RoutineFileError(KnownError):
    """A routine file that cannot be used; `problems` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# -- locating keys in the source text -------------------------------------------------------
_TABLE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")


def _key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Map key paths like ('exercise', 1, 'reps') to 1-based line numbers."""
    lines: dict[tuple[str | int, ...], int] = {}
    prefix: tuple[str | int, ...] = ()
    counters: dict[str, int] = {}
    for no, raw in enumerate(text.splitlines(), start=1):
        m = _TABLE.match(raw)
        if m:
            parts = [p.strip().strip("\"'") for p in m.group(2).split(".")]
            if m.group(1) == "[[":
                name = ".".join(parts)
                counters[name] = counters.get(name, -1) + 1
                # reset nested array counters under a new parent element
                for k in list(counters):
                    if k.startswith(name + "."):
                        del counters[k]
                prefix = (*_resolve(parts[:-1], counters), parts[-1], counters[name])
            else:
                prefix = _resolve(parts, counters)
            lines.setdefault(prefix, no)
            continue
        key = _KEY.match(raw)
        if key:
            lines.setdefault((*prefix, key.group(1).strip("\"'")), no)
    return lines


def _resolve(parts: list[str], counters: dict[str, int]) -> tuple[str | int, ...]:
    out: list[str | int] = []
    for i, part in enumerate(parts):
        out.append(part)
        name = ".".join(parts[: i + 1])
        if name in counters:
            out.append(counters[name])
    return tuple(out)


def _line_for(loc: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> int | None:
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _path_text(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# -- turning pydantic errors into plain words -------------------------------------------------
_MODEL_FOR_PARENT: dict[str, type[BaseModel]] = {
    "": RoutineFile,
    "exercise": ExerciseFile,
    "tempo": TempoFile,
    "alternative": AlternativeFile,
}

_TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "string": "text in quotes",
    "bool": "true or false",
    "list": "a list like [\"a\", \"b\"]",
    "model": "a table",
    "dict": "a table",
}


def _describe(value: Any) -> str:
    kind = {bool: "true/false", int: "a number", float: "a number", str: "text",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)
    shown = repr(value) if not isinstance(value, dict | list) else kind
    return f"{kind} {shown}" if shown != kind else kind


def _num(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return repr(value)


def _message(err: dict[str, Any]) -> str:
    kind: str = err["type"]
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        parent = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
        model = _MODEL_FOR_PARENT.get(parent, RoutineFile)
        close = difflib.get_close_matches(key, list(model.model_fields), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return "is required but missing"
    for suffix, words in _TYPE_WORDS.items():
        if kind in (f"{suffix}_type", f"{suffix}_parsing"):
            return f"must be {words}, not {_describe(value)}"
    if kind == "greater_than_equal":
        return f"must be at least {_num(ctx.get('ge'))}, not {_num(value)}"
    if kind == "less_than_equal":
        return f"is too large ({_num(value)}); at most {_num(ctx.get('le'))} makes sense here"
    if kind == "too_short":
        return "must not be empty" if not value else f"is too short: {err['msg']}"
    if kind == "too_long":
        return "is too long"
    if kind == "string_pattern_mismatch":
        return f"{value!r} must be lowercase letters, digits, '-' or '_' (max 40)"
    if kind == "literal_error":
        return f"{value!r} is not one of {ctx.get('expected')}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"])


def _problems_from(exc: ValidationError, file: str, text: str) -> list[Problem]:
    lines = _key_lines(text)
    out = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        key = _path_text(loc)
        msg = _message(dict(err))
        if (key, msg) in seen:
            continue
        seen.add((key, msg))
        out.append(Problem(file, key, msg, _line_for(loc, lines)))
    return out


# -- public API --------------------------------------------------------------------------------
def _parse(path: Path) -> tuple[RoutineFile, str]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RoutineFileError([Problem(name, "", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RoutineFileError([Problem(name, "", f"cannot read the file ({exc})")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise RoutineFileError(
            [Problem(name, "", f"bad TOML syntax: {exc}", int(m.group(1)) if m else None)]
        ) from None
    try:
        return RoutineFile.model_validate(data), text
    except ValidationError as exc:
        raise RoutineFileError(_problems_from(exc, name, text)) from None


def check_file(path: Path) -> list[Problem]:
    """Every problem with one file (empty when it is good)."""
    try:
        _parse(path)
    except RoutineFileError as exc:
        return exc.problems
    return []


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:40] or "routine"


def _exercise(model: _ExerciseBase) -> Exercise:
    return Exercise(
        name=model.name,
        reps=model.reps,
        seconds=model.seconds,
        to_fatigue=model.to_fatigue,
        id=model.id or _slug(model.name),
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


@dataclass(frozen=True)
class LoadedRoutine:
    """A routine plus what adaptations may need that the core model does not carry."""

    routine: Routine
    alternatives: dict[str, Exercise] = field(default_factory=dict)


def load_routine(path: Path, *, builtin: bool = False) -> Routine:
    """Read and validate one file; raises RoutineFileError listing every problem."""
    return load_routine_full(path, builtin=builtin).routine


def load_routine_full(path: Path, *, builtin: bool = False) -> LoadedRoutine:
    model, _ = _parse(path)
    exercises = tuple(_exercise(e) for e in model.exercise)
    alternatives = {
        ex.id: _exercise(e.alternative)
        for ex, e in zip(exercises, model.exercise, strict=True)
        if e.alternative is not None
    }
    routine = Routine(
        id=model.id or _slug(path.stem),
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


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _exercise_lines(ex: Exercise) -> list[str]:
    out = [f"name = {_q(ex.name)}", f"id = {_q(ex.id)}"]
    if ex.reps is not None:
        out.append(f"reps = {ex.reps}")
    elif ex.seconds is not None:
        out.append(f"seconds = {ex.seconds:g}")
    else:
        out += ["to_fatigue = true", f"cap_seconds = {ex.cap_seconds:g}",
                f"expected_seconds = {ex.expected_seconds:g}"]
    if ex.cues:
        out.append("cues = [" + ", ".join(_q(c) for c in ex.cues) + "]")
    out.append(f"tempo = {{ down = {ex.tempo.down:g}, up = {ex.tempo.up:g} }}")
    if ex.rest_seconds is not None:
        out.append(f"rest_seconds = {ex.rest_seconds:g}")
    if ex.equipment:
        out.append("equipment = [" + ", ".join(_q(c) for c in ex.equipment) + "]")
    if ex.description:
        out.append(f"description = {_q(ex.description)}")
    if ex.position.value != "standing":
        out.append(f"position = {_q(ex.position.value)}")
    if ex.easier:
        out.append(f"easier = {_q(ex.easier)}")
    if ex.balance_cue:
        out.append(f"balance_cue = {_q(ex.balance_cue)}")
    return out


def routine_to_toml(routine: Routine, alternatives: dict[str, Exercise] | None = None) -> str:
    """Write a routine back in the same format (used for the user's own copies)."""
    out = ["schema_version = 1", f"id = {_q(routine.id)}", f"name = {_q(routine.name)}"]
    if routine.description:
        out.append(f"description = {_q(routine.description)}")
    out += [
        f"rounds = {routine.rounds}",
        f"rest_seconds = {routine.rest_seconds:g}",
        f"breathing = {_q(routine.breathing)}",
    ]
    for ex in routine.exercises:
        out += ["", "[[exercise]]", *_exercise_lines(ex)]
        alt = (alternatives or {}).get(ex.id)
        if alt is not None:
            out += ["", "[exercise.alternative]", *_exercise_lines(alt)]
    return "\n".join(out) + "\n"


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
        found: dict[str, RoutineEntry] = {}
        broken: list[RoutineEntry] = []
        dirs: list[tuple[Path, bool]] = [(self.builtin_dir, True)]
        if self.user_dir is not None:
            dirs.append((self.user_dir, False))
        for folder, builtin in dirs:
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.toml")):
                try:
                    loaded = load_routine_full(path, builtin=builtin)
                except RoutineFileError as exc:
                    log.warning("routine file %s has problems: %s", path, exc)
                    broken.append(RoutineEntry(_slug(path.stem), path, builtin, None,
                                               tuple(exc.problems)))
                    continue
                r = loaded.routine
                found[r.id] = RoutineEntry(r.id, path, builtin, r, (), loaded.alternatives)
        return list(found.values()) + broken

    def routines(self) -> list[Routine]:
        return [e.routine for e in self.entries() if e.routine is not None]

    def find(self, ref: str) -> RoutineEntry:
        """A routine by id, or by path to a file; RoutineFileError if neither works."""
        path = Path(ref).expanduser()
        if ref.endswith(".toml") or path.is_file():
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
