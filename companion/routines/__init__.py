"""Routine files: TOML on disk -> validated `Routine` objects, with every problem collected."""

from companion.routines.library import RoutineEntry, RoutineLibrary
from companion.routines.loader import Problem, RoutineFileError, check_file, load_routine
from companion.routines.writer import routine_to_toml

__all__ = [
    "Problem",
    "RoutineEntry",
    "RoutineFileError",
    "RoutineLibrary",
    "check_file",
    "load_routine",
    "routine_to_toml",
]
