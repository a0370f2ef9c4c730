"""Breathing blocks fill the time they are given and always end on an out-breath."""

from __future__ import annotations

import itertools

import pytest

from companion.core.breathing import PATTERNS, Phase, breath_steps, safe_pattern
from companion.core.timeline import CueKind, compile_plan, flatten
from companion.routines import RoutineLibrary


@pytest.mark.parametrize("pattern_id", list(PATTERNS))
@pytest.mark.parametrize("seconds", [8.0, 20.0, 29.2, 47.5, 60.0])
def test_a_breathing_block_fills_its_time_and_ends_breathing_out(
    pattern_id: str, seconds: float
) -> None:
    steps = breath_steps(PATTERNS[pattern_id], seconds)
    assert steps, "even a short rest gets at least one breath"
    last = steps[-1]
    assert last.phase in (Phase.OUT, Phase.HOLD_OUT)
    end = last.offset + last.seconds
    assert end <= seconds + 1e-6
    assert seconds - end < 4.5


def test_extended_exhale_is_in_four_out_six() -> None:
    steps = breath_steps(PATTERNS["extended_exhale"], 20)
    assert [(s.phase, s.seconds) for s in steps] == [
        (Phase.IN, 4), (Phase.OUT, 6), (Phase.IN, 4), (Phase.OUT, 6)
    ]


def test_coherent_breathing_is_about_five_and_a_half_breaths_a_minute() -> None:
    assert 60 / PATTERNS["coherent"].cycle_seconds == pytest.approx(5.45, abs=0.1)


def test_breath_holds_are_swapped_out_when_not_allowed() -> None:
    assert safe_pattern("box", after_effort=True, no_breath_hold=True).id == "extended_exhale"
    assert safe_pattern("4-7-8", after_effort=True, no_breath_hold=False).id == "extended_exhale"
    assert safe_pattern("box", after_effort=True, no_breath_hold=False).id == "box"


@pytest.mark.parametrize("routine_id", ["starter", "gentle-stability", "quick-ten"])
def test_no_rest_has_a_long_silent_gap(routine_id: str) -> None:
    routine = RoutineLibrary(None).find(routine_id).routine
    assert routine is not None
    cues = flatten(compile_plan(routine))
    for a, b in itertools.pairwise(cues):
        if a.kind in (CueKind.REST, CueKind.BREATHE):
            gap = b.t - (a.t + max(a.duration, a.phase_seconds or 0))
            assert gap < 6.5, f"{gap:.1f} s of nothing after {a.text!r} at {a.t:.1f}"
