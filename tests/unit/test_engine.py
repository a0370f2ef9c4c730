"""The session engine driven by a FakeClock: whole sessions in milliseconds, no sleeping."""

from __future__ import annotations

import pytest

from companion.core.events import (
    CheckinAnswered,
    CueDue,
    EndStatus,
    MoodRecorded,
    Paused,
    RestExtended,
    Resumed,
    SessionEnded,
    SetFinished,
    SetStarted,
    Skipped,
    State,
    StateChanged,
)
from companion.core.timeline import CueKind, compile_plan, flatten
from tests.helpers.sessions import engine_at, make_engine, play_through, run_until, tiny_routine


def _of(kind: type, events: list) -> list:  # type: ignore[type-arg]
    return [e for e in events if isinstance(e, kind)]


def test_a_whole_session_runs_from_arrival_to_completed() -> None:
    engine, clock, seen = make_engine()
    engine.start(mood_before=3)
    play_through(engine, clock)
    assert engine.state is State.ENDED
    ended = _of(SessionEnded, seen)
    assert [e.status for e in ended] == [EndStatus.COMPLETED]
    assert len(_of(SetFinished, seen)) == 6
    assert _of(MoodRecorded, seen)[0].mood == 3
    states = [e.new for e in _of(StateChanged, seen)]
    assert states[0] is State.ARRIVAL
    for expected in (State.ANNOUNCE, State.COUNTDOWN, State.WORK, State.CHECKIN, State.REST,
                     State.COOLDOWN, State.ENDED):
        assert expected in states


def test_cues_fire_at_the_times_the_preview_promises() -> None:
    engine, clock, seen = make_engine()
    engine.start()
    play_through(engine, clock)
    fired = [(round(e.t, 6), e.cue.text) for e in _of(CueDue, seen)]
    planned = [(round(c.t, 6), c.text) for c in flatten(engine.plan)]
    # to-fatigue sets run to their cap here (nobody said "done"), so compare the first set only
    first_checkin = next(i for i, (_, text) in enumerate(planned) if text.startswith("Check-in"))
    assert fired[: first_checkin + 1] == planned[: first_checkin + 1]


def test_late_ticks_do_not_accumulate_drift() -> None:
    engine, clock, seen = make_engine()
    engine.start()
    for _ in range(200):
        if engine.state is State.CHECKIN:
            break
        deadline = engine.next_deadline()
        assert deadline is not None
        clock.advance(max(0.0, deadline - clock.now()) + 0.3)  # every wake-up is 300 ms late
        engine.tick()
    cues = _of(CueDue, seen)
    assert all(c.late < 0.3 + 1e-6 for c in cues)
    planned = flatten(engine.plan)[: len(cues)]
    # each cue is stamped with its scheduled time: lateness never shifts what comes after
    assert [round(c.t, 6) for c in cues] == [round(p.t, 6) for p in planned]
    assert [c.cue.text for c in cues] == [p.text for p in planned]


def test_a_checkin_waits_for_an_answer_however_long_it_takes() -> None:
    engine, clock, _ = engine_at(State.CHECKIN)
    for _ in range(10):
        clock.advance(3600)
        engine.tick()
        assert engine.state is State.CHECKIN
    assert engine.checkin_stalled
    assert engine.next_deadline() is None


def test_pause_freezes_the_session_and_resume_continues_where_it_was() -> None:
    engine, clock, seen = engine_at(State.WORK)
    remaining = engine.remaining_in_segment()
    engine.pause()
    assert engine.state is State.PAUSED
    clock.advance(600)
    engine.tick()
    assert engine.state is State.PAUSED
    assert engine.remaining_in_segment() == pytest.approx(remaining)
    engine.resume()
    assert engine.state is State.WORK
    assert _of(Resumed, seen)[0].paused_for == pytest.approx(600)
    assert engine.remaining_in_segment() == pytest.approx(remaining)
    assert _of(Paused, seen)


def test_skip_ends_a_set_early_but_still_asks_the_checkin() -> None:
    engine, _clock, seen = engine_at(State.WORK)
    engine.skip()
    assert engine.state is State.CHECKIN
    finished = _of(SetFinished, seen)[-1]
    assert finished.skipped
    assert _of(Skipped, seen)


def test_skip_during_rest_starts_the_next_exercise() -> None:
    engine, _clock, seen = engine_at(State.CHECKIN)
    engine.answer_checkin(True)
    assert engine.state is State.REST
    engine.skip()
    assert engine.state is State.ANNOUNCE
    assert _of(SetStarted, seen)[-1].exercise == "Push-ups"


def test_skip_is_refused_at_a_checkin() -> None:
    engine, _clock, _ = engine_at(State.CHECKIN)
    assert engine.skip() == []
    assert engine.state is State.CHECKIN


def test_adding_rest_lengthens_the_current_rest_by_fifteen_seconds() -> None:
    engine, clock, seen = engine_at(State.CHECKIN)
    engine.answer_checkin(True)
    clock.advance(5)
    engine.tick()
    before = engine.remaining_in_segment()
    engine.add_rest()
    assert engine.remaining_in_segment() == pytest.approx(before + 15)
    assert _of(RestExtended, seen)[0].seconds == 15
    clock.advance(before + 14)
    engine.tick()
    assert engine.state is State.REST
    clock.advance(1.1)
    engine.tick()
    assert engine.state is State.ANNOUNCE


def test_done_finishes_a_to_fatigue_set_and_records_the_time() -> None:
    engine, clock, seen = engine_at(State.CHECKIN)
    engine.answer_checkin(True)
    run_until(engine, clock, State.WORK)
    assert _of(SetStarted, seen)[-1].exercise == "Push-ups"
    clock.advance(7)
    engine.tick()
    engine.done()
    assert engine.state is State.CHECKIN
    finished = _of(SetFinished, seen)[-1]
    assert finished.exercise == "Push-ups"
    assert finished.actual_seconds == pytest.approx(7, abs=0.1)
    assert not finished.capped


def test_a_to_fatigue_set_ends_itself_at_the_safety_cap() -> None:
    engine, clock, seen = engine_at(State.CHECKIN)
    engine.answer_checkin(True)
    run_until(engine, clock, State.WORK)
    run_until(engine, clock, State.CHECKIN)
    finished = _of(SetFinished, seen)[-1]
    assert finished.capped and finished.actual_seconds == pytest.approx(20)
    assert any("limit" in e.cue.text for e in _of(CueDue, seen))


def test_escape_ends_the_session_as_stopped_by_user() -> None:
    engine, clock, seen = engine_at(State.WORK)
    engine.stop()
    assert engine.state is State.ENDED
    assert _of(SessionEnded, seen)[-1].status is EndStatus.STOPPED_BY_USER
    clock.advance(100)
    assert engine.tick() == []


def test_repeat_says_the_last_prompt_again() -> None:
    engine, _clock, seen = engine_at(State.CHECKIN)
    engine.repeat()
    last = _of(CueDue, seen)[-1]
    assert last.cue.kind is CueKind.CHECKIN


def test_all_clear_moves_on_to_the_rest_and_is_recorded() -> None:
    engine, _clock, seen = engine_at(State.CHECKIN)
    engine.answer_checkin(True)
    assert engine.state is State.REST
    answered = _of(CheckinAnswered, seen)
    assert answered[0].answer == "all_clear" and answered[0].set_no == 0


def test_progress_only_moves_forward_and_reaches_the_total() -> None:
    engine, clock, _ = make_engine()
    engine.start()
    last = -1.0
    for _ in range(2000):
        if engine.is_over:
            break
        if engine.state is State.CHECKIN:
            engine.answer_checkin(True)
        deadline = engine.next_deadline()
        if deadline is not None:
            clock.advance(max(0.0, deadline - clock.now()))
            engine.tick()
        done, total = engine.progress()
        assert done + 1e-6 >= last
        last = done
    assert engine.is_over
    assert last == pytest.approx(total, rel=0.2)


def test_the_plan_total_matches_the_flattened_preview() -> None:
    plan = compile_plan(tiny_routine())
    cues = flatten(plan)
    assert cues[-1].t <= plan.total_seconds
    assert plan.total_seconds - cues[-1].t < 10
