"""The routine library: the built-in routines and the user's folder, each file loaded or
listed with its problems; a user file with a built-in's id takes its place."""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from companion.core.routine import Exercise, Routine
from companion.datafile import Problem
from companion.routines.loader import (
    BUILTIN_DIR,
    RoutineFileError,
    load_routine_full,
    make_id,
    read_routine_file,
)

log = logging.getLogger(__name__)


def routine_files(folder: Path) -> list[Path]:
    """The files of a routines folder that are (or look meant to be) routines: `.toml` in
    any case (`MINE.TOML`), plus `.toml.txt` that Windows Notepad makes, to be reported,
    and anything else named `.toml` (a folder, a link to nothing), said as a problem rather
    than left out without a word."""
    try:
        children = sorted(folder.iterdir())
    except OSError as exc:
        log.warning("cannot list %s: %s", folder, exc)
        return []
    out = []
    for path in children:
        name = path.name.lower()
        if name.startswith("."):
            continue
        if name.endswith(".toml") or (name.endswith(".toml.txt") and path.is_file()):
            out.append(path)
    return out


def id_collision(path: Path, other: Path, routine_id: str) -> Problem:
    """The problem of a second file using a routine id already taken by `other`."""
    line = 1
    try:
        for no, raw in enumerate(read_routine_file(path).splitlines(), start=1):
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
                    # said where it matters: the start screen, `routines list` and `check`
                    log.info("routine file %s has problems: %s", path, exc)
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
