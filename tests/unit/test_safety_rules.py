"""The engine's safety rules, run with a FakeClock: red flags, check-ins, amber effort, failures.

Every test drives a real `SessionEngine` over a compiled plan; time only moves when the test
moves it, so "hours of silence" take microseconds and nothing here depends on the machine.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.events import (
    AmberSign,
    CancelSpeech,
    CheckinAsked,
    CheckinStalled,
    CueDue,
    EffortRecorded,
    EndStatus,
    Event,
    RedFlagRaised,
    RestExtended,
    SessionEnded,
    State,
    StateChanged,
    Symptom,
    SymptomSpecified,
)
from companion.core.routine import Exercise, Routine
from companion.core.timeline import (
    CHECKIN_QUESTION,
    CHECKIN_QUESTION_KEYS,
    CHECKIN_REASK,
    CHECKIN_REASK_KEYS,
    CHECKIN_STALLED,
    CHECKIN_STALLED_KEYS,
    STOP_MESSAGE,
    CueKind,
    Priority,
    SegmentKind,
    TimelineOptions,
    compile_plan,
    estimate_speech,
)
from tests.helpers.sessions import tiny_routine

STEP = 0.25
REST = 20.0


def _routine() -> Routine:
    """Two short exercises in one round: arrival, set, check-in, rest, set, check-in, cool-down."""
    return replace(tiny_routine(), rounds=1, rest_seconds=REST, exercises=(
        Exercise("Squats", reps=2, easier="squats to a chair"),
        Exercise("Plank", seconds=10, easier="a plank from your knees"),
    ))


def _engine(options: TimelineOptions | None = None) -> tuple[SessionEngine, FakeClock]:
    clock = FakeClock()
    engine = SessionEngine(compile_plan(_routine(), options), clock)
    engine.start()
    return engine, clock


def _run_until(engine: SessionEngine, clock: FakeClock, want: State, limit: float = 600.0) -> None:
    """Tick in small steps until the engine is in `want`, answering check-ins on the way."""
    waited = 0.0
    while engine.state is not want:
        if engine.state is State.CHECKIN:
            engine.answer_checkin(all_clear=True)
            continue
        assert waited < limit, f"never reached {want} (stuck in {engine.state})"
        clock.advance(STEP)
        waited += STEP
        engine.tick()


def _reach(state: State) -> tuple[SessionEngine, FakeClock]:
    engine, clock = _engine()
    if state is State.PAUSED:
        _run_until(engine, clock, State.WORK)
        engine.pause()
        assert engine.state is State.PAUSED
        return engine, clock
    if state is State.COOLDOWN:
        # answer both check-ins on the way
        _run_until(engine, clock, State.COOLDOWN)
        return engine, clock
    _run_until(engine, clock, state)
    return engine, clock


EVERY_STATE = [
    State.ARRIVAL,
    State.ANNOUNCE,
    State.COUNTDOWN,
    State.WORK,
    State.CHECKIN,
    State.REST,
    State.COOLDOWN,
    State.PAUSED,
]


def _kinds(events: list[Event]) -> list[type[Event]]:
    return [type(e) for e in events]


# -- red flag from anywhere ----------------------------------------------------------------------
@pytest.mark.parametrize("state", EVERY_STATE, ids=lambda s: s.value)
def test_red_flag_stops_the_session_at_once_in_every_state(state: State) -> None:
    engine, clock = _reach(state)
    before = clock.now()

    events = engine.report_red_flag(Symptom.CHEST_PAIN)

    assert clock.now() == before  # nothing waits for time to pass
    assert engine.state is State.STOPPED
    assert engine.is_over
    assert engine.red_flag is Symptom.CHEST_PAIN
    ended = [e for e in events if isinstance(e, SessionEnded)]
    assert [e.status for e in ended] == [EndStatus.STOPPED_RED_FLAG]
    assert engine.next_deadline() is None


@pytest.mark.parametrize("state", EVERY_STATE, ids=lambda s: s.value)
def test_red_flag_events_come_in_the_safe_order_in_every_state(state: State) -> None:
    engine, _clock = _reach(state)

    events = engine.report_red_flag()

    assert _kinds(events) == [CancelSpeech, RedFlagRaised, SessionEnded, CueDue, StateChanged]
    cancel, raised, ended, cue, changed = events
    assert isinstance(raised, RedFlagRaised) and isinstance(ended, SessionEnded)
    assert isinstance(cue, CueDue) and isinstance(changed, StateChanged)
    assert ended.status is EndStatus.STOPPED_RED_FLAG
    assert cue.cue.kind is CueKind.SAFETY
    assert cue.cue.text == STOP_MESSAGE
    assert cue.cue.priority is Priority.SAFETY
    assert cue.cue.speak
    assert changed.new is State.STOPPED
    # the event records what the user was doing; a pause remembers what it interrupted
    assert raised.state is (State.WORK if state is State.PAUSED else state)
    assert cancel.t == raised.t == ended.t


@pytest.mark.parametrize("state", EVERY_STATE, ids=lambda s: s.value)
def test_session_cannot_be_resumed_after_a_red_flag(state: State) -> None:
    engine, clock = _reach(state)
    engine.report_red_flag(Symptom.DIZZINESS)

    assert engine.resume() == []
    assert engine.toggle_pause() == []
    assert engine.skip() == []
    assert engine.done() == []
    assert engine.answer_checkin(all_clear=True) == []
    assert engine.add_rest() == []
    assert engine.stop() == []
    for _ in range(3):
        clock.advance(3600)
        assert engine.tick() == []
    assert engine.state is State.STOPPED
    assert engine.next_deadline() is None


def test_red_flag_during_a_pause_cannot_be_undone_by_resume() -> None:
    engine, clock = _reach(State.PAUSED)
    engine.report_red_flag()
    clock.advance(10)

    engine.resume()
    engine.tick()

    assert engine.state is State.STOPPED
    assert engine.paused_state is None


def test_effort_after_a_red_flag_stop_is_ignored_and_says_nothing() -> None:
    engine, _clock = _reach(State.CHECKIN)
    engine.report_red_flag()

    assert engine.record_effort(10) == []


def test_pressing_unwell_again_after_the_stop_keeps_the_symptom_already_chosen() -> None:
    engine, _clock = _reach(State.WORK)
    engine.report_red_flag()
    engine.specify_symptom(Symptom.HEADACHE)

    again = engine.report_red_flag()

    assert not [e for e in again if isinstance(e, SessionEnded | RedFlagRaised)]
    assert engine.red_flag is Symptom.HEADACHE


def test_red_flag_after_a_failure_does_not_end_the_session_twice() -> None:
    engine, _clock = _reach(State.REST)
    engine.fail(RuntimeError("boom"))

    events = engine.report_red_flag(Symptom.CHEST_PAIN)

    assert not [e for e in events if isinstance(e, SessionEnded)]
    assert engine.state is State.STOPPED


# -- check-in: Y is U, and the symptom is recorded -------------------------------------------------
def test_yes_at_a_check_in_does_exactly_what_the_unwell_key_does() -> None:
    by_yes, _ = _reach(State.CHECKIN)
    by_u, _ = _reach(State.CHECKIN)

    yes_events = by_yes.answer_checkin(all_clear=False)
    u_events = by_u.report_red_flag()

    assert yes_events == u_events
    assert by_yes.state is by_u.state is State.STOPPED
    assert by_yes.red_flag is by_u.red_flag is Symptom.UNSPECIFIED


def test_symptom_chosen_after_yes_is_recorded() -> None:
    engine, _clock = _reach(State.CHECKIN)
    engine.answer_checkin(all_clear=False)

    events = engine.specify_symptom(Symptom.SHARP_PAIN)

    assert events == [SymptomSpecified(events[0].t, Symptom.SHARP_PAIN)]
    assert engine.red_flag is Symptom.SHARP_PAIN
    assert engine.state is State.STOPPED


def test_not_sure_which_symptom_is_kept_as_unspecified_rather_than_dropped() -> None:
    engine, _clock = _reach(State.CHECKIN)
    engine.answer_checkin(all_clear=False)

    events = engine.specify_symptom(Symptom.UNSPECIFIED)

    assert [type(e) for e in events] == [SymptomSpecified]
    assert engine.red_flag is Symptom.UNSPECIFIED


def test_a_symptom_cannot_be_specified_without_a_red_flag() -> None:
    engine, _clock = _reach(State.CHECKIN)

    assert engine.specify_symptom(Symptom.HEADACHE) == []
    assert engine.red_flag is None


# -- silence is never "all clear" ------------------------------------------------------------------
def test_no_answer_never_advances_past_the_check_in() -> None:
    engine, clock = _reach(State.CHECKIN)
    events: list[Event] = []

    for _ in range(5):
        clock.advance(3 * 3600)
        events += engine.tick()

    assert engine.state is State.CHECKIN
    asked = [e for e in events if isinstance(e, CheckinAsked)]
    assert [(a.attempt, a.question) for a in asked] == [(2, CHECKIN_REASK)]
    assert len([e for e in events if isinstance(e, CheckinStalled)]) == 1
    assert engine.checkin_stalled
    assert engine.next_deadline() is None
    assert not [e for e in events if isinstance(e, StateChanged)]


@pytest.mark.parametrize("voice_answers", [True, False])
def test_the_check_in_words_name_how_to_answer(voice_answers: bool) -> None:
    """With something listening the question says "say all clear"; without (no microphone,
    voice commands off) it names the keys, and the second ask does not claim "I didn't
    catch that" (a tester heard both with no microphone)."""
    engine, clock = _engine(TimelineOptions(voice_answers=voice_answers))
    events: list[Event] = []
    while engine.state is not State.CHECKIN:
        clock.advance(0.25)
        events += engine.tick()
    for _ in range(4):
        clock.advance(3600)
        events += engine.tick()
    spoken = [e.cue.text for e in events if isinstance(e, CueDue) and e.cue.speak
              and e.cue.kind is CueKind.CHECKIN]
    question, reask = ((CHECKIN_QUESTION, CHECKIN_REASK) if voice_answers
                       else (CHECKIN_QUESTION_KEYS, CHECKIN_REASK_KEYS))
    assert spoken == [question, reask]
    assert ("Say" in question and "Press" not in question) is voice_answers
    assert ("didn't catch" in reask) is voice_answers
    captions = [e.cue.text for e in events if isinstance(e, CueDue) and not e.cue.speak
                and e.cue.kind is CueKind.CHECKIN]
    assert captions == [CHECKIN_STALLED if voice_answers else CHECKIN_STALLED_KEYS]
    assert engine.checkin_stalled and engine.state is State.CHECKIN


def test_no_answer_is_asked_again_once_then_stalls_in_small_steps_too() -> None:
    engine, clock = _reach(State.CHECKIN)
    events: list[Event] = []

    for _ in range(int(2 * 3600 / STEP)):
        clock.advance(STEP)
        events += engine.tick()

    asked = [e for e in events if isinstance(e, CheckinAsked)]
    assert len(asked) == 1 and asked[0].attempt == 2
    assert len([e for e in events if isinstance(e, CheckinStalled)]) == 1
    reasks = [e for e in events if isinstance(e, CueDue) and e.cue.text == CHECKIN_REASK]
    assert len(reasks) == 1 and reasks[0].cue.speak
    assert engine.state is State.CHECKIN


def test_the_re_ask_comes_after_a_short_wait_not_at_once() -> None:
    engine, clock = _reach(State.CHECKIN)
    seg = engine.segment
    assert seg is not None

    clock.advance(seg.duration + engine.REASK_AFTER - 1.0)
    assert not [e for e in engine.tick() if isinstance(e, CheckinAsked)]
    clock.advance(1.0)
    assert [e.attempt for e in engine.tick() if isinstance(e, CheckinAsked)] == [2]


def test_a_stalled_check_in_still_accepts_all_clear_and_then_rests() -> None:
    engine, clock = _reach(State.CHECKIN)
    clock.advance(3600)
    engine.tick()
    assert engine.checkin_stalled

    engine.answer_checkin(all_clear=True)

    assert engine.state is State.REST
    assert not engine.checkin_stalled
    seg = engine.segment
    assert seg is not None and seg.kind is SegmentKind.REST
    assert engine.remaining_in_segment() == pytest.approx(REST)


def test_a_stalled_check_in_still_accepts_a_red_flag() -> None:
    engine, clock = _reach(State.CHECKIN)
    clock.advance(3600)
    engine.tick()

    engine.answer_checkin(all_clear=False)

    assert engine.state is State.STOPPED


def test_pausing_at_a_check_in_and_resuming_still_waits_for_an_answer() -> None:
    engine, clock = _reach(State.CHECKIN)
    engine.pause()
    clock.advance(3600)
    engine.tick()
    engine.resume()
    clock.advance(3600)
    engine.tick()

    assert engine.state is State.CHECKIN


def test_skip_does_not_skip_a_check_in() -> None:
    engine, _clock = _reach(State.CHECKIN)

    assert engine.skip() == []
    assert engine.state is State.CHECKIN


# -- amber effort -------------------------------------------------------------------------------
@pytest.mark.parametrize("effort", [9, 10])
def test_very_hard_effort_lengthens_the_next_rest_by_thirty_seconds(effort: int) -> None:
    engine, _clock = _reach(State.CHECKIN)
    engine.answer_checkin(all_clear=True)

    events = engine.record_effort(effort)

    assert engine.state is State.REST
    assert engine.remaining_in_segment() == pytest.approx(REST + 30.0)
    extended = [e for e in events if isinstance(e, RestExtended)]
    assert [(e.seconds, e.reason) for e in extended] == [(30.0, "amber")]
    recorded = [e for e in events if isinstance(e, EffortRecorded)]
    assert [(e.effort, e.amber) for e in recorded] == [(effort, True)]


def test_very_hard_effort_suggests_the_exercises_easier_variation() -> None:
    engine, _clock = _reach(State.CHECKIN)
    engine.answer_checkin(all_clear=True)

    events = engine.record_effort(9)

    amber = [e for e in events if isinstance(e, AmberSign)]
    assert len(amber) == 1
    assert "squats to a chair" in amber[0].suggestion
    assert amber[0].extra_rest == 30.0
    spoken = [e.cue.text for e in events if isinstance(e, CueDue)]
    assert any("squats to a chair" in text for text in spoken)


def test_effort_given_before_all_clear_lengthens_the_rest_that_follows() -> None:
    engine, _clock = _reach(State.CHECKIN)

    engine.record_effort(10)
    engine.answer_checkin(all_clear=True)

    assert engine.state is State.REST
    assert engine.remaining_in_segment() == pytest.approx(REST + 30.0)


def test_a_second_very_hard_rating_for_the_same_set_does_not_add_more_rest() -> None:
    engine, _clock = _reach(State.CHECKIN)
    engine.answer_checkin(all_clear=True)
    engine.record_effort(9)

    events = engine.record_effort(10)

    assert not [e for e in events if isinstance(e, AmberSign | RestExtended)]
    assert engine.remaining_in_segment() == pytest.approx(REST + 30.0)


@pytest.mark.parametrize("effort", [0, 5, 8])
def test_effort_below_nine_changes_nothing_about_the_rest(effort: int) -> None:
    engine, _clock = _reach(State.CHECKIN)
    engine.answer_checkin(all_clear=True)

    events = engine.record_effort(effort)

    assert _kinds(events) == [EffortRecorded]
    assert engine.remaining_in_segment() == pytest.approx(REST)


def test_the_lengthened_rest_really_lasts_thirty_seconds_longer() -> None:
    engine, clock = _reach(State.CHECKIN)
    engine.answer_checkin(all_clear=True)
    engine.record_effort(9)

    clock.advance(REST + 29.0)
    engine.tick()
    assert engine.state is State.REST
    clock.advance(1.5)
    engine.tick()
    assert engine.state is not State.REST


# -- failures end the session safely ------------------------------------------------------------
class _FailingSpeech:
    """A speech-length function that starts raising once armed (a voice layer gone wrong)."""

    def __init__(self) -> None:
        self.armed = False

    def __call__(self, text: str) -> float:
        if self.armed:
            raise RuntimeError("voice engine exploded")
        return estimate_speech(text)


def test_an_error_inside_the_session_loop_ends_the_session_as_interrupted() -> None:
    speech = _FailingSpeech()
    engine, clock = _engine(TimelineOptions(speech_duration=speech))
    _run_until(engine, clock, State.WORK)
    for _ in range(400):  # reach the check-in without answering it
        if engine.state is State.CHECKIN:
            break
        clock.advance(STEP)
        engine.tick()
    assert engine.state is State.CHECKIN
    speech.armed = True
    clock.advance(60)  # the re-ask is due, and timing it needs the voice

    events = engine.tick()

    ended = [e for e in events if isinstance(e, SessionEnded)]
    assert [e.status for e in ended] == [EndStatus.INTERRUPTED]
    assert "voice engine exploded" in ended[0].error
    assert engine.state is State.STOPPED
    assert isinstance(events[0], CancelSpeech)
    assert any(isinstance(e, CueDue) and "stopped" in e.cue.text for e in events)
    assert engine.tick() == []


def test_an_interrupted_session_cannot_be_resumed() -> None:
    engine, clock = _reach(State.REST)
    engine.fail(RuntimeError("adapter failed"))

    assert engine.resume() == []
    assert engine.skip() == []
    clock.advance(3600)
    assert engine.tick() == []
    assert engine.state is State.STOPPED


def test_a_failing_listener_never_stops_the_red_flag_stop() -> None:
    engine, _clock = _reach(State.WORK)
    seen: list[type[Event]] = []

    def broken(event: Event) -> None:
        raise RuntimeError("screen broke")

    engine.subscribe(broken)
    engine.subscribe(lambda e: seen.append(type(e)))

    engine.report_red_flag()

    assert seen == [CancelSpeech, RedFlagRaised, SessionEnded, CueDue, StateChanged]
    assert engine.state is State.STOPPED


def test_listeners_see_the_stop_committed_before_the_stop_message() -> None:
    """Storage commits on RedFlagRaised; the voice speaks on CueDue: commit must come first."""
    engine, _clock = _reach(State.REST)
    log: list[str] = []

    def listener(event: Event) -> None:
        if isinstance(event, RedFlagRaised):
            log.append("commit")
        elif isinstance(event, CueDue) and event.cue.kind is CueKind.SAFETY:
            log.append("speak")
        elif isinstance(event, StateChanged) and event.new is State.STOPPED:
            log.append("screen")

    engine.subscribe(listener)
    engine.report_red_flag()

    assert log == ["commit", "speak", "screen"]
