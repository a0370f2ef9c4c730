"""The timeline holds for every valid routine (issue 16, finding 2: short rests).

Hypothesis generates routines (any rest from 0 s, every kind of set, any voice speed) and
checks what a person hears: cue times never go backwards, every set is announced once, every
check-in is followed by the effort question with time to answer it, "Next up" is said before
the set it announces, and the engine keeps every effort answer given in that time.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.cli import main
from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.events import EffortRecorded, SessionEnded, State
from companion.core.routine import Routine
from companion.core.timeline import (
    EFFORT_QUESTION,
    CueKind,
    SegmentKind,
    TimelineOptions,
    Verbosity,
    compile_plan,
    estimate_speech,
    flatten,
)
from companion.routines.schema import RoutineFile
from tests.helpers.routine_strategies import routine_data, to_routine
from tests.helpers.sessions import to_next_deadline

EPS = 1e-6
PROPS = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


#: what a person needs at least, after the effort question, to say a number (the app gives 5 s)
ANSWER = 4.0


def _routine(data: dict[str, Any]) -> Routine:
    return to_routine(RoutineFile.model_validate(data))


routines = routine_data(max_exercises=4, max_rounds=3, timeline_friendly=True).map(_routine)


@st.composite
def options(draw: st.DrawFn) -> TimelineOptions:
    speed = draw(st.sampled_from([0.6, 1.0, 1.7]))  # a fast, the estimated, a slow voice
    return TimelineOptions(verbosity=draw(st.sampled_from(list(Verbosity))),
                           speech_duration=lambda text: estimate_speech(text) * speed)


@PROPS
@given(routine=routines, opts=options())
def test_every_routine_gives_a_script_that_holds(routine: Routine,
                                                 opts: TimelineOptions) -> None:
    plan = compile_plan(routine, opts)
    cues = flatten(plan)
    times = [c.t for c in cues]
    assert all(b >= a - EPS for a, b in itertools.pairwise(times)), \
        "cue times go backwards"

    # every set announced, once, in play order
    announced = [c for c in cues if c.kind is CueKind.EXERCISE]
    sets = routine.sets()
    assert len(announced) == len(sets)
    for cue, (_rnd, _idx, ex) in zip(announced, sets, strict=True):
        assert cue.text.startswith(f"{ex.name}.")

    # every check-in is followed by the effort question, with time to answer it
    for i, cue in enumerate(cues):
        if cue.kind is not CueKind.CHECKIN:
            continue
        after = cues[i + 1:]
        question = next(c for c in after if EFFORT_QUESTION in c.text)
        assert not any(c.kind is CueKind.EXERCISE and c.t < question.t for c in after)
        answer_until = question.t + question.duration + ANSWER
        for c in after:
            if c.kind in (CueKind.NEXT, CueKind.EXERCISE, CueKind.COOLDOWN) and c is not question:
                assert c.t >= answer_until - EPS, "the next words cut the effort answer off"
                break

    # "Next up" names the set that follows and is said in full before it
    for i, cue in enumerate(cues):
        if cue.kind is CueKind.NEXT:
            nxt = next(c for c in cues[i + 1:] if c.kind is CueKind.EXERCISE)
            assert cue.t + cue.duration <= nxt.t + EPS
            name = cue.text.removeprefix("Next up: ")
            assert name.startswith(nxt.text.split(".")[0]) or nxt.text.startswith(
                name.split(",")[0].rstrip("."))


@PROPS
@given(routine=routines, opts=options(), effort=st.integers(0, 8))
def test_every_effort_answer_in_time_is_kept(routine: Routine, opts: TimelineOptions,
                                             effort: int) -> None:
    """Answer each effort question at the last moment of its answer window: kept, always."""
    plan = compile_plan(routine, opts)
    clock = FakeClock()
    engine = SessionEngine(plan, clock)
    events: list[object] = []
    engine.subscribe(events.append)
    engine.start()
    window = ANSWER
    for _ in range(100_000):
        if engine.is_over:
            break
        if engine.state is State.CHECKIN:
            engine.answer_checkin(True)
            seg = engine.segment
            assert seg is not None and seg.kind in (SegmentKind.REST, SegmentKind.COOLDOWN)
            question = seg.cues[0]
            assert EFFORT_QUESTION in question.text
            clock.advance(question.duration + window - 0.05)
            engine.tick()
            engine.record_effort(effort)
            continue
        to_next_deadline(engine, clock, 1e-4)
    assert any(isinstance(e, SessionEnded) for e in events)
    kept = sorted(e.set_no for e in events if isinstance(e, EffortRecorded))
    assert kept == list(range(len(routine.sets())))


@pytest.mark.parametrize("rest", [0, 2, 6])
def test_a_rest_too_short_is_lengthened_and_said_so(rest: int, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    text = ('name = "Short rests"\nrounds = 2\n'
            f'rest_seconds = {rest}\n'
            '[[exercise]]\nname = "Squats"\nreps = 5\n'
            '[[exercise]]\nname = "Lunges"\nreps = 5\n')
    path = tmp_path / "short.toml"
    path.write_text(text, encoding="utf-8")

    assert main(["routines", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"short.toml:3: rest_seconds: warning: a rest of {rest} s leaves no time" in out
    assert out.rstrip().endswith("short.toml: ok")

    assert main(["preview", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"-- note: Rests of {rest} s are too short" in out
    rests = [line for line in out.splitlines() if " rest " in line]
    assert rests and all("Rest for 0 seconds" not in line for line in rests)


def test_a_long_rest_is_not_touched() -> None:
    data = {"name": "Long", "rounds": 2, "rest_seconds": 75,
            "exercise": [{"name": "Squats", "reps": 5}]}
    plan = compile_plan(_routine(data))
    rest = next(s for s in plan.segments if s.kind is SegmentKind.REST)
    assert rest.duration == 75 and plan.notes == ()
