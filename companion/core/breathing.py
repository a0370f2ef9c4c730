"""Breathing patterns from the spec, turned into timed phases for voice, tones and the circle.

The patterns serve the rests of a workout and a stand-alone breathing session
(`BreathingSession`: one pattern for 1-10 minutes, saved in history as its own kind).
"""

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
    #: the short name the CLI and the breathing screen use ("4-6" for in 4, out 6)
    short: str = ""
    #: said and shown before a stand-alone session with this pattern ("" for none)
    note: str = ""
    #: not offered in pregnancy (the spec's note on 4-7-8), whatever the trimester
    ok_in_pregnancy: bool = True

    @property
    def cycle_seconds(self) -> float:
        return sum(seconds for _, seconds in self.steps)

    @property
    def breaths_per_minute(self) -> float:
        return 60.0 / self.cycle_seconds


PATTERNS: dict[str, BreathingPattern] = {
    p.id: p
    for p in (
        BreathingPattern(
            "coherent",
            "Coherent breathing",
            ((Phase.IN, 5.5), (Phase.OUT, 5.5)),
            "Slow, even breaths: about five and a half a minute.",
            short="coherent",
        ),
        BreathingPattern(
            "extended_exhale",
            "Longer out-breath",
            ((Phase.IN, 4.0), (Phase.OUT, 6.0)),
            "In for four, out for six: a longer out-breath helps you settle.",
            short="4-6",
        ),
        BreathingPattern(
            "box",
            "Box breathing",
            ((Phase.IN, 4.0), (Phase.HOLD_IN, 4.0), (Phase.OUT, 4.0), (Phase.HOLD_OUT, 4.0)),
            "In four, hold four, out four, hold four.",
            holds_breath=True,
            short="box",
        ),
        BreathingPattern(
            "4-7-8",
            "4-7-8 breathing",
            ((Phase.IN, 4.0), (Phase.HOLD_IN, 7.0), (Phase.OUT, 8.0)),
            "In four, hold seven, out eight. Only when resting, never right after effort.",
            holds_breath=True,
            ok_after_effort=False,
            short="4-7-8",
            note="This pattern is for when you are already resting: not during or right "
                 "after exercise, and not in pregnancy.",
            ok_in_pregnancy=False,
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


# -- a stand-alone breathing session ------------------------------------------------------------
MIN_MINUTES = 1
MAX_MINUTES = 10
DEFAULT_MINUTES = 5
#: cycles spoken aloud at the start of a stand-alone session; soft tones only after that
VOICED_CYCLES = 3

#: names accepted for a pattern (CLI, settings): the id, the short name, and spelling variants
PATTERN_NAMES: dict[str, str] = {
    **{p.id: p.id for p in PATTERNS.values()},
    **{p.short: p.id for p in PATTERNS.values() if p.short},
    "extended-exhale": "extended_exhale",
    "4-4-4-4": "box",
    "478": "4-7-8",
}


def find_pattern(name: str) -> BreathingPattern:
    """The pattern called `name` (id or short name, any case); KeyError with the choices."""
    key = PATTERN_NAMES.get(name.strip().lower())
    if key is None:
        choices = ", ".join(p.short or p.id for p in PATTERNS.values())
        raise KeyError(f"unknown breathing pattern {name!r}: choose one of {choices}")
    return PATTERNS[key]


@dataclass(frozen=True)
class BreathingSession:
    """One pattern for a chosen number of minutes (1-10), whole breaths only.

    The length is rounded to whole cycles (at least one), so every phase lasts exactly what
    the pattern says; `seconds` is the breathing time that results ("about N minutes").
    """

    pattern: BreathingPattern
    minutes: int

    def __post_init__(self) -> None:
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int) \
                or not MIN_MINUTES <= self.minutes <= MAX_MINUTES:
            raise ValueError(f"a breathing session lasts {MIN_MINUTES}-{MAX_MINUTES} minutes, "
                             f"not {self.minutes!r}")

    @property
    def cycles(self) -> int:
        return max(1, round(self.minutes * 60.0 / self.pattern.cycle_seconds))

    @property
    def seconds(self) -> float:
        return self.cycles * self.pattern.cycle_seconds

    @property
    def routine_id(self) -> str:
        """What history stores as the routine id: `breathing-<pattern id>`."""
        return f"breathing-{self.pattern.id}"

    @property
    def name(self) -> str:
        return f"Breathing: {self.pattern.name}"

    def steps(self) -> list[BreathStep]:
        return breath_steps(self.pattern, self.seconds)

    def snapshot(self) -> dict[str, object]:
        """What history keeps about the session as planned (JSON-ready)."""
        return {
            "kind": "breathing",
            "pattern": self.pattern.id,
            "pattern_name": self.pattern.name,
            "minutes": self.minutes,
            "cycles": self.cycles,
            "seconds": round(self.seconds, 3),
            "steps": [[phase.value, seconds] for phase, seconds in self.pattern.steps],
        }
