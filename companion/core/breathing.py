"""Breathing patterns from the spec, turned into timed phases for voice, tones and the circle."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Phase(enum.Enum):
    """One part of a breath; the circle grows on IN, shrinks on OUT, stays still on holds."""

    IN = "in"
    HOLD_IN = "hold_in"
    OUT = "out"
    HOLD_OUT = "hold_out"


PHASE_WORDS: dict[Phase, str] = {
    Phase.IN: "Breathe in",
    Phase.HOLD_IN: "Hold",
    Phase.OUT: "Breathe out",
    Phase.HOLD_OUT: "Hold",
}


@dataclass(frozen=True)
class BreathingPattern:
    """A repeating cycle of (phase, seconds); flags say where it must not be used."""

    id: str
    name: str
    steps: tuple[tuple[Phase, float], ...]
    description: str
    holds_breath: bool = False
    ok_after_effort: bool = True

    @property
    def cycle_seconds(self) -> float:
        return sum(seconds for _, seconds in self.steps)


PATTERNS: dict[str, BreathingPattern] = {
    p.id: p
    for p in (
        BreathingPattern(
            "coherent",
            "Coherent breathing",
            ((Phase.IN, 5.5), (Phase.OUT, 5.5)),
            "Slow, even breaths: about five and a half a minute.",
        ),
        BreathingPattern(
            "extended_exhale",
            "Longer out-breath",
            ((Phase.IN, 4.0), (Phase.OUT, 6.0)),
            "In for four, out for six: a longer out-breath helps you settle.",
        ),
        BreathingPattern(
            "box",
            "Box breathing",
            ((Phase.IN, 4.0), (Phase.HOLD_IN, 4.0), (Phase.OUT, 4.0), (Phase.HOLD_OUT, 4.0)),
            "In four, hold four, out four, hold four.",
            holds_breath=True,
        ),
        BreathingPattern(
            "4-7-8",
            "4-7-8 breathing",
            ((Phase.IN, 4.0), (Phase.HOLD_IN, 7.0), (Phase.OUT, 8.0)),
            "In four, hold seven, out eight. Only when resting, never right after effort.",
            holds_breath=True,
            ok_after_effort=False,
        ),
    )
}

DEFAULT_PATTERN = "extended_exhale"


@dataclass(frozen=True)
class BreathStep:
    """One phase placed in time, relative to the start of the breathing block."""

    offset: float
    phase: Phase
    seconds: float
    cycle: int


def breath_steps(pattern: BreathingPattern, seconds: float) -> list[BreathStep]:
    """Phases that fill `seconds`, so a rest is never left silent and a breath never ends
    on an in-breath.

    Whole cycles first; then one last, possibly shorter breath in the time left (holds
    only where they fit), always finishing with an out-breath of at least 2 s.
    """
    steps: list[BreathStep] = []
    t = 0.0
    cycle = 0
    while t + pattern.cycle_seconds <= seconds + 1e-9:
        for phase, length in pattern.steps:
            steps.append(BreathStep(t, phase, length, cycle))
            t += length
        cycle += 1
    partial: list[BreathStep] = []
    for phase, length in pattern.steps:
        room = seconds - t
        if phase is Phase.IN:
            length = min(length, room / 2)
        elif phase is Phase.OUT:
            length = min(length, room)
        elif length > room - MIN_OUT:
            continue  # a hold that would squeeze the out-breath is left out
        if length < MIN_OUT:
            break
        partial.append(BreathStep(t, phase, length, cycle))
        t += length
    while partial and partial[-1].phase not in (Phase.OUT, Phase.HOLD_OUT):
        partial.pop()
    return steps + partial


MIN_OUT = 2.0


def safe_pattern(pattern_id: str, *, after_effort: bool, no_breath_hold: bool) -> BreathingPattern:
    """The pattern to actually use: fall back to the calming default where the spec forbids one."""
    pattern = PATTERNS.get(pattern_id, PATTERNS[DEFAULT_PATTERN])
    if (after_effort and not pattern.ok_after_effort) or (no_breath_hold and pattern.holds_breath):
        return PATTERNS[DEFAULT_PATTERN]
    return pattern
