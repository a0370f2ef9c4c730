"""Judicious overload: suggest one small step up, only on clear evidence it is safe.

The rule (SPEC "Progression"): after the last two sessions of the same routine were both
completed with effort <= 6 on every set and no amber or red sign, suggest +2 reps or +10 s
on one exercise. Never right after a red flag (of any routine); the user decides.
Missing effort is missing evidence, so it blocks a suggestion rather than passing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from companion.core.routine import Routine, SetKind

MAX_EFFORT = 6
REPS_STEP = 2
SECONDS_STEP = 10.0
REPS_LIMIT = 100
SECONDS_LIMIT = 600.0


@dataclass(frozen=True)
class SessionSummary:
    """What the rule needs to know about one past session (newest first in lists)."""

    routine_id: str
    status: str
    efforts: dict[str, tuple[int | None, ...]]
    amber: bool = False
    red_flag: bool = False


@dataclass(frozen=True)
class Suggestion:
    routine_id: str
    exercise_index: int
    exercise: str
    field: str  # "reps" or "seconds"
    old: float
    new: float

    @property
    def text(self) -> str:
        unit = "reps" if self.field == "reps" else "seconds"
        return (
            f"Your last two sessions felt manageable. Ready for a small step? "
            f"{self.exercise}: {self.old:g} -> {self.new:g} {unit}. It's your choice."
        )


def _qualifies(summary: SessionSummary) -> bool:
    if summary.status != "completed" or summary.amber or summary.red_flag:
        return False
    efforts = [e for per in summary.efforts.values() for e in per]
    return bool(efforts) and all(e is not None and e <= MAX_EFFORT for e in efforts)


def suggest(routine: Routine, recent: Sequence[SessionSummary]) -> Suggestion | None:
    """`recent`: sessions of any routine, newest first."""
    if not recent or recent[0].red_flag or recent[0].status == "stopped_red_flag":
        return None
    mine = [s for s in recent if s.routine_id == routine.id][:2]
    if len(mine) < 2 or not all(_qualifies(s) for s in mine):
        return None
    best: tuple[int, int] | None = None
    for index, ex in enumerate(routine.exercises):
        if ex.kind is SetKind.TO_FATIGUE:
            continue
        if ex.kind is SetKind.REPS and (ex.reps or 0) + REPS_STEP > REPS_LIMIT:
            continue
        if ex.kind is SetKind.TIMED and (ex.seconds or 0) + SECONDS_STEP > SECONDS_LIMIT:
            continue
        efforts = [e for s in mine for e in s.efforts.get(ex.name, ()) if e is not None]
        if not efforts:
            continue
        hardest = max(efforts)
        if best is None or hardest < best[0]:
            best = (hardest, index)
    if best is None:
        return None
    index = best[1]
    ex = routine.exercises[index]
    if ex.kind is SetKind.REPS:
        return Suggestion(routine.id, index, ex.name, "reps", ex.reps or 0,
                          (ex.reps or 0) + REPS_STEP)
    return Suggestion(routine.id, index, ex.name, "seconds", ex.seconds or 0,
                      (ex.seconds or 0) + SECONDS_STEP)


def apply(routine: Routine, suggestion: Suggestion) -> Routine:
    """The routine with the step taken (the caller saves it as the user's own copy)."""
    exercises = list(routine.exercises)
    ex = exercises[suggestion.exercise_index]
    if suggestion.field == "reps":
        exercises[suggestion.exercise_index] = replace(ex, reps=int(suggestion.new))
    else:
        exercises[suggestion.exercise_index] = replace(ex, seconds=suggestion.new)
    return replace(routine, exercises=tuple(exercises), builtin=False)
