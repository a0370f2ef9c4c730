"""A session plan of nothing but timed cues, for the figures about when cues come
(bench_timing: how late the engine fires them; bench_voice: when they are heard)."""

from __future__ import annotations

from collections.abc import Sequence

from companion.core.routine import Exercise, Routine
from companion.core.timeline import (
    Cue,
    CueKind,
    Priority,
    Segment,
    SegmentKind,
    SessionPlan,
    TimelineOptions,
)


def cue_plan(texts: Sequence[str], spacing: float, *, speak: bool = True,
             tail: int = 1) -> SessionPlan:
    """One arrival segment with a TIMED countdown cue every `spacing` s (the first at
    `spacing`), one per text, then the end. The exercise lasts `len(texts) + tail` spacings
    and the arrival one spacing more (s)."""
    length = (len(texts) + tail) * spacing
    routine = Routine("bench", "Bench", 1, 0, (Exercise("Tick", seconds=length),))
    cues = tuple(Cue((i + 1) * spacing, CueKind.COUNTDOWN, text, speak=speak,
                     priority=Priority.TIMED) for i, text in enumerate(texts))
    arrival = Segment(SegmentKind.ARRIVAL, length + spacing, cues, length + spacing)
    end = Segment(SegmentKind.END, 0.5, (Cue(0, CueKind.END, "", speak=False),), 0.5)
    return SessionPlan(routine, (arrival, end), TimelineOptions())
