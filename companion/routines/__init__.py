"""Routine files: TOML on disk -> validated `Routine` objects, with every problem collected."""

from companion.routines.loader import (
    Problem,
    RoutineEntry,
    RoutineFileError,
    RoutineLibrary,
    check_file,
    load_routine,
    routine_to_toml,
)

__all__ = [
    "Problem",
    "RoutineEntry",
    "RoutineFileError",
    "RoutineLibrary",
    "check_file",
    "load_routine",
    "routine_to_toml",
]
