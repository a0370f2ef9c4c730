"""A breathing session on its own (issue 20): the plan, the engine, the safety rules and
`companion preview --breathing`, without Qt."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.cli import main
from companion.core.breathing import (
    PATTERNS,
    VOICED_CYCLES,
    BreathingSession,
    Phase,
    find_pattern,
)
from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.events import (
    EndStatus,
    RedFlagRaised,
    SessionEnded,
    SessionStarted,
    State,
    StateChanged,
)
from companion.core.safety import Profile, breathing_refusal
from companion.core.timeline import CueKind, SegmentKind, Tone, compile_breathing, flatten


@pytest.mark.parametrize("name,pid", [("coherent", "coherent"), ("4-6", "extended_exhale"),
                                      ("extended_exhale", "extended_exhale"), ("BOX", "box"),
                                      ("4-7-8", "4-7-8"), (" 478 ", "4-7-8")])
def test_patterns_are_found_by_id_or_short_name(name: str, pid: str) -> None:
    assert find_pattern(name).id == pid


def test_an_unknown_pattern_names_the_choices() -> None:
    with pytest.raises(KeyError, match="coherent, 4-6, box, 4-7-8"):
        find_pattern("square")


@pytest.mark.parametrize("minutes", [0, 11, -1, True, 2.5, "5"])
def test_a_session_lasts_one_to_ten_minutes(minutes: object) -> None:
    with pytest.raises(ValueError, match="1-10 minutes"):
        BreathingSession(PATTERNS["box"], minutes)  # type: ignore[arg-type]


@given(pid=st.sampled_from(sorted(PATTERNS)), minutes=st.integers(1, 10))
def test_whole_breaths_only_each_phase_exactly_the_pattern(pid: str, minutes: int) -> None:
    session = BreathingSession(PATTERNS[pid], minutes)
    pattern = session.pattern
    assert abs(session.seconds - minutes * 60) <= pattern.cycle_seconds / 2 + 1e-9
    plan = compile_breathing(session)
    assert plan.kind == "breathing" and plan.breathing == session
    assert [s.kind for s in plan.segments] == [SegmentKind.BREATHING, SegmentKind.END]
    breaths = [c for c in flatten(plan) if c.kind is CueKind.BREATHE]
    assert len(breaths) == session.cycles * len(pattern.steps)
    for i, cue in enumerate(breaths):
        phase, seconds = pattern.steps[i % len(pattern.steps)]
        assert (cue.phase, cue.phase_seconds) == (phase, seconds)
        if i + 1 < len(breaths):
            assert math.isclose(breaths[i + 1].t - cue.t, seconds, abs_tol=1e-9)
        voiced = i < VOICED_CYCLES * len(pattern.steps)
        assert cue.speak is voiced
        assert (cue.tone is None) is voiced  # spoken, or a soft tone: never both, never neither
    spoken_after = [c for c in flatten(plan)
                    if c.speak and c.t > breaths[VOICED_CYCLES * len(pattern.steps) - 1].t
                    and c.kind is not CueKind.END]
    assert spoken_after == []


def test_the_4_7_8_note_is_said_before_it_starts() -> None:
    plan = compile_breathing(BreathingSession(PATTERNS["4-7-8"], 2))
    intro = flatten(plan)[0]
    assert intro.kind is CueKind.ARRIVAL and intro.speak
    assert "not during or right after exercise, and not in pregnancy" in intro.text
    coherent = flatten(compile_breathing(BreathingSession(PATTERNS["coherent"], 2)))[0]
    assert "pregnancy" not in coherent.text


def test_the_engine_runs_it_as_a_breathing_session_with_pause_and_stop() -> None:
    clock = FakeClock()
    plan = compile_breathing(BreathingSession(PATTERNS["extended_exhale"], 1))
    engine = SessionEngine(plan, clock)
    events: list[object] = []
    engine.subscribe(events.append)
    engine.start(mood_before=2)
    started = [e for e in events if isinstance(e, SessionStarted)]
    assert started[0].kind == "breathing" and started[0].routine_id == "breathing-extended_exhale"
    assert engine.state is State.BREATHING
    clock.advance(20)
    engine.tick()
    engine.pause()
    left = engine.remaining_in_segment()
    clock.advance(300)  # a long pause moves nothing
    engine.tick()
    assert engine.state is State.PAUSED and engine.remaining_in_segment() == left
    engine.resume()
    assert engine.state is State.BREATHING
    clock.advance(plan.total_seconds)
    engine.tick()
    ends = [e for e in events if isinstance(e, SessionEnded)]
    assert [e.status for e in ends] == [EndStatus.COMPLETED]
    states = [e.new for e in events if isinstance(e, StateChanged)]
    assert states == [State.BREATHING, State.PAUSED, State.BREATHING, State.ENDED]


def test_a_red_flag_stops_a_breathing_session_at_once() -> None:
    clock = FakeClock()
    engine = SessionEngine(compile_breathing(BreathingSession(PATTERNS["box"], 3)), clock)
    events: list[object] = []
    engine.subscribe(events.append)
    engine.start()
    clock.advance(30)
    engine.tick()
    engine.report_red_flag()
    flags = [e for e in events if isinstance(e, RedFlagRaised)]
    assert flags and flags[0].state is State.BREATHING
    assert engine.state is State.STOPPED
    assert [e.status for e in events if isinstance(e, SessionEnded)] == [
        EndStatus.STOPPED_RED_FLAG]


def test_pregnancy_rules_out_4_7_8_and_after_the_first_trimester_breath_holds() -> None:
    none = Profile()
    early = Profile(pregnant=True)
    later = Profile(pregnant=True, pregnant_after_first_trimester=True)
    offered = {name: [pid for pid, p in PATTERNS.items() if not breathing_refusal(p, prof)]
               for name, prof in (("none", none), ("early", early), ("later", later))}
    assert offered["none"] == list(PATTERNS)
    assert offered["early"] == ["coherent", "extended_exhale", "box"]
    assert offered["later"] == ["coherent", "extended_exhale"]
    assert "not for pregnancy" in breathing_refusal(PATTERNS["4-7-8"], early)
    assert breathing_refusal(PATTERNS["box"], Profile.careful())


def test_preview_breathing_prints_its_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "--breathing", "4-6", "--minutes", "2", "--json"]) == 0
    cues = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kinds = [c["kind"] for c in cues]
    assert kinds[0] == "arrival" and kinds[-1] == "end"
    breaths = [c for c in cues if c["kind"] == "breathe"]
    assert [b["phase"] for b in breaths[:2]] == ["in", "out"]
    assert [b["phase_seconds"] for b in breaths[:2]] == [4.0, 6.0]
    assert len(breaths) == 2 * BreathingSession(PATTERNS["extended_exhale"], 2).cycles
    assert breaths[6]["speak"] is False and breaths[6]["tone"] == Tone.BREATHE_IN.value
    assert main(["preview", "--breathing", "box", "--minutes", "1"]) == 0
    text = capsys.readouterr().out
    assert "breathe   Hold" in text and "(Breathing: Box breathing)" in text


@pytest.mark.parametrize("argv,message", [
    (["preview", "--breathing", "square"], "unknown breathing pattern 'square'"),
    (["preview", "--breathing", "box", "--minutes", "0"], "--minutes must be 1 to 10"),
    (["preview", "--breathing", "box", "--minutes", "11"], "--minutes must be 1 to 10"),
    (["preview", "starter", "--breathing", "box"], "not both"),
    (["preview"], "needs a ROUTINE, or --breathing"),
    (["preview", "starter", "--minutes", "3"], "--minutes goes with --breathing"),
    (["preview", "--breathing", "box", "--adapt", "pregnancy"], "--adapt applies to routines"),
])
def test_preview_breathing_refuses_bad_input_plainly(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_phase_words_and_tones_match() -> None:
    plan = compile_breathing(BreathingSession(PATTERNS["box"], 2))
    tones = {c.phase: c.tone for c in flatten(plan) if c.kind is CueKind.BREATHE and c.tone}
    assert tones == {Phase.IN: Tone.BREATHE_IN, Phase.HOLD_IN: Tone.HOLD,
                     Phase.OUT: Tone.BREATHE_OUT, Phase.HOLD_OUT: Tone.HOLD}
