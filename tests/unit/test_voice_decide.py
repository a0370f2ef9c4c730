"""The fail-safe rules for spoken answers: a mishearing may ask again or stop, never carry on."""

from __future__ import annotations

import math

import pytest

from companion.core.events import (
    CheckinAnswered,
    CueDue,
    EffortRecorded,
    EndStatus,
    SessionEnded,
    State,
)
from companion.core.timeline import CueKind
from companion.voice.decide import (
    ALL_CLEAR_BAR,
    ALL_CLEAR_MARGIN,
    COMMAND_BAR,
    NUMBER_WORDS,
    STOP_BAR,
    STOP_BAR_NUMBERS,
    STOP_PHRASES,
    SYMPTOM_WORDS,
    Action,
    Decision,
    Expecting,
    VoiceCommandRouter,
    decide,
    grammar_words,
)
from tests.helpers.sessions import make_engine, run_until

HIGH = 1.0
INF = math.inf  # "all clear" with no rival in sight
ALL = list(Expecting)


def test_all_clear_is_accepted_only_at_a_checkin_and_above_the_bar() -> None:
    assert decide("all clear", HIGH, Expecting.CHECKIN, INF).action is Action.ALL_CLEAR
    assert decide("all clear", ALL_CLEAR_BAR, Expecting.CHECKIN, INF).action is Action.ALL_CLEAR


def test_an_all_clear_barely_ahead_of_a_rival_asks_again_however_confident() -> None:
    """ "all gear" can score as high as a real "all clear"; it must also win clearly."""
    close = decide("all clear", HIGH, Expecting.CHECKIN, ALL_CLEAR_MARGIN - 0.01)
    assert close.action is Action.ASK_AGAIN
    assert close.heard_text == "Heard: all clear? Please say it again"
    clear = decide("all clear", HIGH, Expecting.CHECKIN, ALL_CLEAR_MARGIN)
    assert clear.action is Action.ALL_CLEAR
    assert decide("all clear", HIGH, Expecting.CHECKIN, float("inf")).action is Action.ALL_CLEAR
    assert decide("all clear", HIGH, Expecting.CHECKIN, 0.0).action is Action.ASK_AGAIN
    # No margin at all (a source without an n-best list): not accepted either.
    assert decide("all clear", HIGH, Expecting.CHECKIN).action is Action.ASK_AGAIN


def test_an_unsure_all_clear_asks_again_instead_of_moving_on() -> None:
    d = decide("all clear", ALL_CLEAR_BAR - 0.01, Expecting.CHECKIN, INF)
    assert d.action is Action.ASK_AGAIN
    assert d.heard_text == "Heard: all clear? Please say it again"


@pytest.mark.parametrize("expecting", [e for e in ALL if e is not Expecting.CHECKIN])
def test_all_clear_outside_a_checkin_never_answers_anything(expecting: Expecting) -> None:
    assert decide("all clear", HIGH, expecting, INF).action in (Action.ASK_AGAIN, Action.IGNORE)


@pytest.mark.parametrize("phrase", [*STOP_PHRASES, *SYMPTOM_WORDS])
def test_stop_help_not_well_and_symptoms_stop_at_any_confidence_at_a_checkin(
        phrase: str) -> None:
    assert decide(phrase, 0.0, Expecting.CHECKIN).action is Action.RED_FLAG


@pytest.mark.parametrize("expecting", [e for e in ALL if e is not Expecting.CHECKIN])
def test_a_confident_stop_anywhere_else_stops(expecting: Expecting) -> None:
    assert decide("stop", STOP_BAR_NUMBERS, expecting).action is Action.RED_FLAG
    assert decide("help", HIGH, expecting).action is Action.RED_FLAG


def test_a_faint_stop_between_questions_asks_rather_than_being_dropped() -> None:
    assert decide("stop", STOP_BAR - 0.01, Expecting.ALWAYS).action is Action.ASK_AGAIN


def test_a_faint_stop_at_the_effort_question_asks_again_since_numbers_sound_like_it() -> None:
    assert decide("stop", STOP_BAR_NUMBERS - 0.01, Expecting.EFFORT).action is Action.ASK_AGAIN
    assert decide("stop", STOP_BAR, Expecting.ALWAYS).action is Action.RED_FLAG


def test_yes_to_the_symptom_question_stops_and_no_asks_for_all_clear() -> None:
    assert decide("yes", HIGH, Expecting.CHECKIN).action is Action.RED_FLAG
    assert decide("no", HIGH, Expecting.CHECKIN).action is Action.ASK_AGAIN


@pytest.mark.parametrize("expecting", [Expecting.CHECKIN, Expecting.EFFORT, Expecting.MOOD])
def test_nothing_recognised_while_a_question_is_open_asks_again(expecting: Expecting) -> None:
    d = decide(None, 0.0, expecting)
    assert d.action is Action.ASK_AGAIN
    assert d.heard_text == "Didn't catch that"


@pytest.mark.parametrize("expecting", [Expecting.ALWAYS, Expecting.TO_FATIGUE,
                                       Expecting.PAUSED])
def test_nothing_recognised_between_questions_is_ignored(expecting: Expecting) -> None:
    assert decide(None, 0.0, expecting).action is Action.IGNORE


def test_unknown_words_never_become_an_action() -> None:
    for expecting in ALL:
        assert decide("banana", HIGH, expecting).action in (Action.ASK_AGAIN, Action.IGNORE)


def test_not_listening_ignores_everything_even_stop() -> None:
    assert decide("stop", HIGH, None).action is Action.IGNORE


@pytest.mark.parametrize("n", range(11))
def test_effort_numbers_count_only_when_effort_is_expected(n: int) -> None:
    word = NUMBER_WORDS[n]
    d = decide(word, HIGH, Expecting.EFFORT)
    assert (d.action, d.value, d.heard_text) == (Action.EFFORT, n, f"Heard: {n}")
    assert decide(word, HIGH, Expecting.CHECKIN).action is Action.ASK_AGAIN
    assert decide(word, HIGH, Expecting.ALWAYS).action is Action.IGNORE


def test_an_unsure_effort_number_asks_again() -> None:
    assert decide("seven", COMMAND_BAR - 0.01, Expecting.EFFORT).action is Action.ASK_AGAIN


def test_mood_takes_one_to_five_only() -> None:
    assert decide("three", HIGH, Expecting.MOOD) == Decision(Action.MOOD, 3, "three", HIGH,
                                                            Expecting.MOOD)
    assert decide("zero", HIGH, Expecting.MOOD).action is Action.ASK_AGAIN
    assert decide("seven", HIGH, Expecting.MOOD).action is Action.ASK_AGAIN


@pytest.mark.parametrize(("phrase", "expecting", "action"), [
    ("pause", Expecting.CHECKIN, Action.PAUSE),
    ("pause", Expecting.EFFORT, Action.PAUSE),
    ("pause", Expecting.TO_FATIGUE, Action.PAUSE),
    ("repeat", Expecting.CHECKIN, Action.REPEAT),
    ("repeat", Expecting.PAUSED, Action.REPEAT),
    ("skip", Expecting.EFFORT, Action.SKIP),
    ("skip", Expecting.TO_FATIGUE, Action.SKIP),
    ("skip", Expecting.CHECKIN, Action.ASK_AGAIN),  # the safety question cannot be skipped
    ("done", Expecting.TO_FATIGUE, Action.DONE),
    ("done", Expecting.EFFORT, Action.ASK_AGAIN),
    ("done", Expecting.CHECKIN, Action.ASK_AGAIN),
    ("resume", Expecting.PAUSED, Action.RESUME),
    ("resume", Expecting.ALWAYS, Action.IGNORE),
    ("pause", Expecting.ALWAYS, Action.IGNORE),
])
def test_control_words_map_to_engine_actions_only_where_they_make_sense(
        phrase: str, expecting: Expecting, action: Action) -> None:
    assert decide(phrase, HIGH, expecting).action is action


def test_every_context_can_hear_stop_and_only_the_checkin_can_hear_all_clear() -> None:
    for expecting in ALL:
        words = grammar_words(expecting)
        assert set(STOP_PHRASES) <= set(words)
        if expecting not in (Expecting.EFFORT, Expecting.MOOD):
            assert set(SYMPTOM_WORDS) <= set(words)
        assert ("all clear" in words) == (expecting is Expecting.CHECKIN)


# -- the router on a real engine ----------------------------------------------------------
class FakeEar:
    def __init__(self) -> None:
        self.log: list[str] = []

    def start(self, expecting: Expecting) -> None:
        self.log.append(expecting.value)

    def stop(self) -> None:
        self.log.append("stop")


def test_router_follows_the_session_with_what_it_listens_for() -> None:
    engine, clock, _ = make_engine()
    ear = FakeEar()
    router = VoiceCommandRouter(engine, ear)
    engine.start()
    run_until(engine, clock, State.CHECKIN)
    assert router.expecting() is Expecting.CHECKIN
    router.handle("all clear", HIGH, Expecting.CHECKIN, INF)
    assert engine.state is State.REST
    assert router.expecting() is Expecting.EFFORT
    router.handle("seven", HIGH, Expecting.EFFORT)
    assert router.expecting() is Expecting.ALWAYS
    assert ear.log[:4] == ["always", "checkin", "effort", "always"]


def test_router_stop_at_a_checkin_takes_the_red_flag_path() -> None:
    engine, clock, seen = make_engine()
    router = VoiceCommandRouter(engine)
    engine.start()
    run_until(engine, clock, State.CHECKIN)
    decision = router.handle("help", 0.2, Expecting.CHECKIN)
    assert decision.action is Action.RED_FLAG
    assert engine.state is State.STOPPED
    ended = [e for e in seen if isinstance(e, SessionEnded)]
    assert ended[-1].status is EndStatus.STOPPED_RED_FLAG


def test_router_asks_the_checkin_again_when_unsure_and_does_not_move_on() -> None:
    engine, clock, seen = make_engine()
    router = VoiceCommandRouter(engine)
    engine.start()
    run_until(engine, clock, State.CHECKIN)
    before = len(seen)
    router.handle("all clear", 0.1, Expecting.CHECKIN, INF)
    assert engine.state is State.CHECKIN
    asked = [e for e in seen[before:] if isinstance(e, CueDue)]
    assert [c.cue.kind for c in asked] == [CueKind.CHECKIN]


def test_a_stale_all_clear_from_an_earlier_checkin_answers_nothing() -> None:
    engine, clock, seen = make_engine()
    router = VoiceCommandRouter(engine)
    engine.start()
    run_until(engine, clock, State.CHECKIN)
    router.handle("all clear", HIGH, Expecting.CHECKIN, INF)
    assert router.handle("all clear", HIGH, Expecting.CHECKIN, INF).action is Action.IGNORE
    assert len([e for e in seen if isinstance(e, CheckinAnswered)]) == 1


def test_mood_by_voice_reaches_the_callback_then_listening_returns_to_normal() -> None:
    engine, _, _ = make_engine()
    router = VoiceCommandRouter(engine)
    got: list[int] = []
    router.expect_mood("before", got.append)
    assert router.expecting() is Expecting.MOOD
    router.handle("four", HIGH, Expecting.MOOD)
    assert got == [4]
    assert router.expecting() is None


def test_a_noisy_room_does_not_make_the_checkin_nag() -> None:
    engine, clock, seen = make_engine()
    router = VoiceCommandRouter(engine)
    engine.start()
    run_until(engine, clock, State.CHECKIN)
    before = len(seen)
    for _ in range(3):
        router.handle(None, 0.0, Expecting.CHECKIN)
    clock.advance(VoiceCommandRouter.REASK_GAP)
    router.handle(None, 0.0, Expecting.CHECKIN)
    asked = [e for e in seen[before:] if isinstance(e, CueDue) and e.cue.kind is CueKind.CHECKIN]
    assert len(asked) == 2
    assert engine.state is State.CHECKIN


def test_the_last_sets_effort_is_heard_in_the_cool_down() -> None:
    """Issue 16: every effort answer is kept, the last set's too (asked as the cool-down
    begins); the mood question later takes over what is listened for."""
    engine, clock, seen = make_engine()
    router = VoiceCommandRouter(engine)
    engine.start()
    while engine.state is not State.COOLDOWN:
        if engine.state is State.CHECKIN:
            engine.answer_checkin(True)
            continue
        deadline = engine.next_deadline()
        assert deadline is not None
        clock.advance(max(0.0, deadline - clock.now()) + 1e-4)
        engine.tick()
    assert router.expecting() is Expecting.EFFORT
    router.handle("four", HIGH, Expecting.EFFORT)
    last = len(engine.plan.routine.sets()) - 1
    assert [e.set_no for e in seen if isinstance(e, EffortRecorded)] == [last]
    assert router.expecting() is Expecting.ALWAYS
