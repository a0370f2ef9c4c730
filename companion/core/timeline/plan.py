"""The compiled session: segments of cues, the options that shaped them, and the plan.

A session is a list of segments (arrival, one per set, check-in, rest, cool-down, end).
Cue times are offsets inside their segment, so the engine can hold at a check-in for as
long as it takes and re-plan a rest (+15 s, amber +30 s) without touching anything else.
`flatten()` lays the segments end to end as if every check-in were answered at once:
that is what `companion preview` prints and what `--audio` renders.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from companion.core.breathing import BreathingSession
from companion.core.routine import Exercise, Routine
from companion.core.timeline.cues import Cue, Verbosity, estimate_speech


class SegmentKind(enum.Enum):
    ARRIVAL = "arrival"
    SET = "set"
    CHECKIN = "checkin"
    REST = "rest"
    COOLDOWN = "cooldown"
    END = "end"
    BREATHING = "breathing"  # a stand-alone breathing session's guided breaths


@dataclass(frozen=True)
class Segment:
    """A stretch of the session; cue times are relative to its start.

    For a set, `countdown_at` and `work_at` split it into announce / countdown / work.
    `duration` is how long it runs if nothing intervenes (to-fatigue: the safety cap);
    `nominal` is what the preview assumes (to-fatigue: the expected time). For a rest,
    `requested` is what the routine asked for (shorter than `duration` when lengthened).
    """

    kind: SegmentKind
    duration: float
    cues: tuple[Cue, ...]
    nominal: float
    set_no: int | None = None
    round: int | None = None
    exercise: Exercise | None = None
    countdown_at: float = 0.0
    work_at: float = 0.0
    hold: bool = False
    open_ended: bool = False
    requested: float | None = None


@dataclass(frozen=True)
class TimelineOptions:
    """Everything besides the routine that shapes the script."""

    verbosity: Verbosity = Verbosity.FULL
    speech_duration: Callable[[str], float] = estimate_speech
    rest_pattern: str = ""
    calm_pattern: str = "coherent"
    voiced_breaths: int = 2
    arrival_breaths: int = 3
    cooldown_seconds: float = 60.0
    no_breath_hold: bool = False
    ask_mood_before: bool = True
    #: something listens for spoken answers ("all clear", "stop"); False: the check-in's
    #: words name the keys instead (CHECKIN_QUESTION_KEYS, CHECKIN_REASK_KEYS, and the
    #: caption CHECKIN_STALLED_KEYS)
    voice_answers: bool = True
    extra_cues: dict[str, str] = field(default_factory=dict)
    #: set for a stand-alone breathing session: the plan is that session, and the routine
    #: given to `compile_plan` is only its label (`breathing_routine()`)
    breathing: BreathingSession | None = None


@dataclass(frozen=True)
class SessionPlan:
    """The compiled session: the routine as run plus its segments in order."""

    routine: Routine
    segments: tuple[Segment, ...]
    options: TimelineOptions

    @property
    def total_seconds(self) -> float:
        return sum(s.nominal for s in self.segments)

    @property
    def set_count(self) -> int:
        return sum(1 for s in self.segments if s.kind is SegmentKind.SET)

    @property
    def breathing(self) -> BreathingSession | None:
        return self.options.breathing

    @property
    def kind(self) -> str:
        """What history stores: "workout", or "breathing" for a stand-alone session."""
        return "breathing" if self.options.breathing is not None else "workout"

    @property
    def notes(self) -> tuple[str, ...]:
        """What runs differently from what the routine says, in plain words (shown in the
        previews; `companion routines check` warns about the same)."""
        stretched = [s for s in self.segments if s.kind is SegmentKind.REST
                     and s.requested is not None and s.requested + 1e-9 < s.duration]
        if not stretched:
            return ()
        asked = " / ".join(f"{v:g}" for v in sorted({s.requested or 0.0 for s in stretched}))
        lows = min(s.duration for s in stretched)
        highs = max(s.duration for s in stretched)
        got = f"{lows:g}" if lows == highs else f"{lows:g}-{highs:g}"
        return (f"Rests of {asked} s are too short to say how hard the set was and to hear "
                f"the next exercise, so they last {got} s.",)


def flatten(plan: SessionPlan) -> list[Cue]:
    """Absolute cues as if every check-in were answered the moment it is asked."""
    out: list[Cue] = []
    t0 = 0.0
    for seg in plan.segments:
        for cue in seg.cues:
            if not seg.open_ended or cue.t < seg.nominal - 1e-9:
                out.append(cue.at(t0 + cue.t))
        t0 += seg.nominal
    return out


__all__ = [
    "Segment",
    "SegmentKind",
    "SessionPlan",
    "TimelineOptions",
    "flatten",
]
