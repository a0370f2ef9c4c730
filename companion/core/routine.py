"""The routine model: what a session plays, as plain frozen data.

Loading and validating routine files lives in `companion.routines`; this module only
describes a routine once it is known to be good, so the engine never sees bad data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from pathlib import Path


class SetKind(enum.Enum):
    """How a set is measured: counted reps, a fixed time, or until near fatigue."""

    REPS = "reps"
    TIMED = "timed"
    TO_FATIGUE = "to_fatigue"


class Position(enum.Enum):
    """Body position, so adaptations (e.g. no lying on the back) can find exercises."""

    STANDING = "standing"
    SEATED = "seated"
    KNEELING = "kneeling"
    PRONE = "prone"
    SUPINE = "supine"
    SIDE = "side"


@dataclass(frozen=True)
class Tempo:
    """Seconds for the lowering and the lifting half of one rep."""

    down: float = 2.0
    up: float = 1.0

    @property
    def rep_seconds(self) -> float:
        return self.down + self.up


@dataclass(frozen=True)
class Exercise:
    """One exercise of a circuit; exactly one of reps / seconds / to_fatigue applies."""

    name: str
    reps: int | None = None
    seconds: float | None = None
    to_fatigue: bool = False
    id: str = ""
    cues: tuple[str, ...] = ()
    tempo: Tempo = field(default_factory=Tempo)
    rest_seconds: float | None = None
    equipment: tuple[str, ...] = ()
    description: str = ""
    position: Position = Position.STANDING
    easier: str = ""
    cap_seconds: float = 90.0
    expected_seconds: float = 40.0
    balance_cue: str = ""

    @property
    def kind(self) -> SetKind:
        if self.reps is not None:
            return SetKind.REPS
        if self.seconds is not None:
            return SetKind.TIMED
        return SetKind.TO_FATIGUE

    @property
    def target_text(self) -> str:
        """Readable target for previews and history ("12 reps", "30 s", "to near fatigue")."""
        if self.kind is SetKind.REPS:
            return f"{self.reps} reps"
        if self.kind is SetKind.TIMED:
            return f"{_fmt_seconds(self.seconds or 0)} hold"
        return "to near fatigue"

    def nominal_work_seconds(self) -> float:
        """How long the work phase lasts if all goes to plan (to-fatigue: the expected time)."""
        if self.kind is SetKind.REPS:
            return (self.reps or 0) * self.tempo.rep_seconds
        if self.kind is SetKind.TIMED:
            return float(self.seconds or 0)
        return min(self.expected_seconds, self.cap_seconds)


@dataclass(frozen=True)
class Routine:
    """A circuit: every exercise once per round, a check-in and a rest after every set."""

    id: str
    name: str
    rounds: int
    rest_seconds: float
    exercises: tuple[Exercise, ...]
    description: str = ""
    breathing: str = "extended_exhale"
    schema_version: int = 1
    source: Path | None = None
    builtin: bool = False

    def rest_after(self, exercise: Exercise) -> float:
        return exercise.rest_seconds if exercise.rest_seconds is not None else self.rest_seconds

    def sets(self) -> list[tuple[int, int, Exercise]]:
        """Every set in play order as (round 1-based, exercise index, exercise)."""
        return [
            (rnd, idx, ex)
            for rnd in range(1, self.rounds + 1)
            for idx, ex in enumerate(self.exercises)
        ]

    def with_exercises(self, exercises: tuple[Exercise, ...]) -> Routine:
        return replace(self, exercises=exercises)


def _fmt_seconds(seconds: float) -> str:
    return f"{seconds:g} s"
