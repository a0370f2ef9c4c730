"""The fail-safe rules for spoken answers: a mishearing may ask again or stop, never carry on."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.events import (
    CheckinAnswered,
    CheckinAsked,
    CueDue,
    EffortRecorded,
    EndStatus,
    Event,
    SessionEnded,
    State,
)
from companion.core.timeline import CueKind
from companion.voice.decide import (
    AFTER_MAX,
    ALL_CLEAR_BAR,
    ALL_CLEAR_MARGIN,
    ANSWER_WINDOW,
    BACKGROUND_MAX,
    COMMAND_BAR,
    CONFIRM_GRACE,
    CONFIRM_WINDOW,
    NATURAL_ANSWERS,
    NUMBER_WORDS,
    STOP_BAR,
    STOP_BAR_NUMBERS,
    STOP_PHRASES,
    SYMPTOM_SENTENCES,
    SYMPTOM_WORDS,
    TAKE_BACK_WORDS,
    YES_BAR,
    Action,
    Decision,
    Expecting,
    Surroundings,
    decide,
    grammar_words,
)
from companion.voice.router import VoiceCommandRouter
from tests.helpers.sessions import make_engine, play_through, run_until, to_next_deadline

HIGH = 1.0
INF = math.inf  # "all clear" with no rival in sight
QUIET = Surroundings.quiet()  # said on its own, in a quiet room
ALL = list(Expecting)


def test_all_clear_is_accepted_only_at_a_checkin_and_above_the_bar() -> None:
    assert decide("all clear", HIGH, Expecting.CHECKIN, INF, QUIET).action is Action.ALL_CLEAR
    assert decide("all clear", ALL_CLEAR_BAR, Expecting.CHECKIN, INF,
                  QUIET).action is Action.ALL_CLEAR


def test_an_all_clear_barely_ahead_of_a_rival_asks_again_however_confident() -> None:
    """ "all gear" can score as high as a real "all clear"; it must also win clearly."""
    close = decide("all clear", HIGH, Expecting.CHECKIN, ALL_CLEAR_MARGIN - 0.01)
    assert close.action is Action.ASK_AGAIN
    assert close.heard_text == "Heard: all clear? Please say it again, or press C"
    clear = decide("all clear", HIGH, Expecting.CHECKIN, ALL_CLEAR_MARGIN, QUIET)
    assert clear.action is Action.ALL_CLEAR
    assert decide("all clear", HIGH, Expecting.CHECKIN, INF, QUIET).action is Action.ALL_CLEAR
    assert decide("all clear", HIGH, Expecting.CHECKIN, 0.0).action is Action.ASK_AGAIN
    # No margin at all (a source without an n-best list): not accepted either.
    assert decide("all clear", HIGH, Expecting.CHECKIN).action is Action.ASK_AGAIN


def test_an_unsure_all_clear_asks_again_instead_of_moving_on() -> None:
    d = decide("all clear", ALL_CLEAR_BAR - 0.01, Expecting.CHECKIN, INF)
    assert d.action is Action.ASK_AGAIN
    assert d.heard_text == "Heard: all clear? Please say it again, or press C"


@pytest.mark.parametrize("expecting", [e for e in ALL
                                       if e not in (Expecting.CHECKIN, Expecting.CONFIRM)])
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
        assert set(SYMPTOM_SENTENCES) <= set(words)  # rests with an effort question too
        if expecting not in (Expecting.EFFORT, Expecting.MOOD):
            assert set(SYMPTOM_WORDS) <= set(words)
        checkin = (Expecting.CHECKIN, Expecting.CONFIRM)  # the confirmation is a check-in too
        assert ("all clear" in words) == (expecting in checkin)


# -- the router on a real engine ----------------------------------------------------------
class FakeEar:
    def __init__(self) -> None:
        self.log: list[str] = []

    def start(self, expecting: Expecting) -> None:
        self.log.append(expecting.value)

    def stop(self) -> None:
        self.log.append("stop")


def router_at_checkin(
    ear: FakeEar | None = None,
) -> tuple[SessionEngine, FakeClock, list[Event], VoiceCommandRouter]:
    """A router (listening through `ear`, if given) on a real engine of the tiny routine, on a
    fake clock, started and run to its first check-in; returns (engine, clock, events seen,
    router)."""
    engine, clock, seen = make_engine()
    router = VoiceCommandRouter(engine, ear)
    engine.start()
    run_until(engine, clock, State.CHECKIN)
    return engine, clock, seen, router


def test_router_follows_the_session_with_what_it_listens_for() -> None:
    ear = FakeEar()
    engine, _, _, router = router_at_checkin(ear)
    assert router.expecting() is Expecting.CHECKIN
    router.handle("all clear", HIGH, Expecting.CHECKIN, INF, QUIET)
    assert engine.state is State.REST
    assert router.expecting() is Expecting.EFFORT
    router.handle("seven", HIGH, Expecting.EFFORT)
    assert router.expecting() is Expecting.ALWAYS
    assert ear.log[:4] == ["always", "checkin", "effort", "always"]


def test_router_stop_at_a_checkin_takes_the_red_flag_path() -> None:
    engine, _, seen, router = router_at_checkin()
    decision = router.handle("help", 0.2, Expecting.CHECKIN)
    assert decision.action is Action.RED_FLAG
    assert engine.state is State.STOPPED
    ended = [e for e in seen if isinstance(e, SessionEnded)]
    assert ended[-1].status is EndStatus.STOPPED_RED_FLAG


def test_router_asks_the_checkin_again_when_unsure_and_does_not_move_on() -> None:
    engine, _, seen, router = router_at_checkin()
    before = len(seen)
    router.handle("all clear", 0.1, Expecting.CHECKIN, INF)
    assert engine.state is State.CHECKIN
    asked = [e for e in seen[before:] if isinstance(e, CueDue)]
    assert [c.cue.kind for c in asked] == [CueKind.CHECKIN]


def test_a_stale_all_clear_from_an_earlier_checkin_answers_nothing() -> None:
    _, _, seen, router = router_at_checkin()
    router.handle("all clear", HIGH, Expecting.CHECKIN, INF, QUIET)
    assert router.handle("all clear", HIGH, Expecting.CHECKIN, INF,
                         QUIET).action is Action.IGNORE
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


def test_the_mood_question_ends_with_its_state_without_any_other_listener() -> None:
    """The router ends the mood question itself when the arrival ends: nothing depends on
    another listener (the player) running before or after it."""
    engine, clock, _ = make_engine()
    router = VoiceCommandRouter(engine)
    engine.start()
    assert engine.state is State.ARRIVAL
    router.expect_mood("before", lambda _n: None)
    assert router.expecting() is Expecting.MOOD
    run_until(engine, clock, State.WORK)
    assert router.expecting() is not Expecting.MOOD
    assert router.handle("four", HIGH, Expecting.MOOD).action is not Action.MOOD


@pytest.mark.parametrize("router_first", [True, False], ids=["router-first", "screen-first"])
def test_the_mood_question_does_not_depend_on_the_listener_order(router_first: bool) -> None:
    """Issue 17: the screen's listener (it opens the mood question on the mood cue, as the
    player does) and the router's may run in either order: the question opens on the cue
    and ends with the arrival all the same."""
    engine, clock, _ = make_engine()
    asked: list[str] = []
    routers: list[VoiceCommandRouter] = []

    def screen(event: object) -> None:
        if isinstance(event, CueDue) and event.cue.kind is CueKind.MOOD:
            when = "before" if engine.state is State.ARRIVAL else "after"
            asked.append(when)
            routers[0].expect_mood(when, lambda _n: None)

    if not router_first:
        engine.subscribe(screen)
    routers.append(VoiceCommandRouter(engine))
    if router_first:
        engine.subscribe(screen)
    router = routers[0]
    engine.start()
    run_until(engine, clock, State.ARRIVAL)
    while not asked and engine.state is State.ARRIVAL:
        clock.advance(0.25)
        engine.tick()
    assert asked == ["before"]
    assert router.expecting() is Expecting.MOOD
    run_until(engine, clock, State.WORK)
    assert router.expecting() is not Expecting.MOOD
    assert router.handle("four", HIGH, Expecting.MOOD).action is not Action.MOOD


def test_a_noisy_room_does_not_make_the_checkin_nag() -> None:
    engine, clock, seen, router = router_at_checkin()
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
        to_next_deadline(engine, clock, 1e-4)
    assert router.expecting() is Expecting.EFFORT
    router.handle("four", HIGH, Expecting.EFFORT)
    last = len(engine.plan.routine.sets()) - 1
    assert [e.set_no for e in seen if isinstance(e, EffortRecorded)] == [last]
    assert router.expecting() is Expecting.ALWAYS


# -- "all clear" only from the user, only on purpose (issue 13) --------------------------------
@pytest.mark.parametrize(("around", "reason"), [
    (Surroundings(1.0, 1.7, background=0.5), "talk"),  # talk going on before it
    (Surroundings(1.0, 1.7, speech_after=0.6), "talk"),  # ...or after it
    (Surroundings(0.0, 0.7, at_open=True), "talk"),  # already going on when listening began
    (Surroundings(1.0, 1.7, followed=True), "followed"),  # "all clear... no wait"
    (Surroundings(1.0, 1.7, followed=None), "followed"),  # not known what came after
    (Surroundings(1.0, 3.5), "long"),  # part of a longer sentence
    (Surroundings(1.0, 1.1), "long"),  # a blip
    (Surroundings(12.0, 12.7), "late"),  # long after the question
])
def test_all_clear_counts_only_as_a_short_answer_said_on_its_own(
        around: Surroundings, reason: str) -> None:
    d = decide("all clear", HIGH, Expecting.CHECKIN, INF, around)
    assert d.action is Action.ASK_AGAIN
    assert d.reason == reason
    assert "press C" in d.heard_text  # the key that works, from core.safety.ALL_CLEAR_KEY


def test_without_knowing_how_it_was_said_all_clear_is_not_taken() -> None:
    assert decide("all clear", HIGH, Expecting.CHECKIN, INF).action is Action.ASK_AGAIN


@pytest.mark.parametrize("phrase", NATURAL_ANSWERS)
def test_natural_answers_ask_for_the_phrase_that_works_and_never_stop_or_move_on(
        phrase: str) -> None:
    d = decide(phrase, HIGH, Expecting.CHECKIN, INF, QUIET)
    assert d.action is Action.ASK_AGAIN
    assert 'say "all clear" or press C' in d.heard_text


@pytest.mark.parametrize("phrase", ["all cleared", "not all clear", "no all clear",
                                    "all clear no wait", "all clear but"])
def test_near_misses_of_all_clear_never_count(phrase: str) -> None:
    """Never all clear; "all cleared" (how the recogniser most often mishears a real "all
    clear") said on its own is asked about: "All clear? Say yes, or press C"."""
    action = decide(phrase, HIGH, Expecting.CHECKIN, INF, QUIET).action
    assert action is (Action.CONFIRM if phrase == "all cleared" else Action.ASK_AGAIN)


@pytest.mark.parametrize("expecting", ALL)
@pytest.mark.parametrize("phrase", SYMPTOM_SENTENCES)
def test_symptom_sentences_stop_in_every_listening_context(phrase: str,
                                                          expecting: Expecting) -> None:
    """Issue 12: "my chest hurts" during a rest with the effort question pending stopped
    nothing (the effort grammar had no symptom words)."""
    assert phrase in grammar_words(expecting)
    assert decide(phrase, STOP_BAR, expecting).action is Action.RED_FLAG


NOT_ALL_CLEAR = sorted({w for e in ALL for w in grammar_words(e)} - {"all clear"})


@given(phrase=st.sampled_from([*NOT_ALL_CLEAR, None]),
       confidence=st.floats(0.0, 1.0), margin=st.one_of(st.none(), st.floats(0.0, 1e6)),
       expecting=st.sampled_from(ALL))
def test_nothing_but_all_clear_ever_moves_a_checkin_on(phrase: str | None, confidence: float,
                                                       margin: float | None,
                                                       expecting: Expecting) -> None:
    """...or "yes" said to the confirmation question ("All clear? Say yes, or press C")."""
    action = decide(phrase, confidence, expecting, margin, QUIET).action
    if expecting is Expecting.CONFIRM and phrase == "yes":
        assert (action is Action.ALL_CLEAR) == (confidence >= YES_BAR)
    else:
        assert action is not Action.ALL_CLEAR


@given(confidence=st.floats(0.0, 1.0), margin=st.floats(0.0, 1e6),
       start=st.floats(0.0, 30.0), length=st.floats(0.0, 5.0),
       background=st.floats(0.0, 1.0), after=st.floats(0.0, 1.0),
       at_open=st.booleans(), followed=st.sampled_from([True, False, None]))
def test_all_clear_is_taken_only_when_every_rule_holds(
        confidence: float, margin: float, start: float, length: float, background: float,
        after: float, at_open: bool, followed: bool | None) -> None:
    around = Surroundings(start, start + length, background, at_open, followed, after)
    d = decide("all clear", confidence, Expecting.CHECKIN, margin, around)
    every = (confidence >= ALL_CLEAR_BAR and margin >= ALL_CLEAR_MARGIN
             and around.not_an_answer() is None)
    assert (d.action is Action.ALL_CLEAR) == every
    # a short answer on its own without the confidence or the lead: asked to confirm
    assert (d.action is Action.CONFIRM) == (around.not_an_answer() is None and not every)
    if d.action is Action.ALL_CLEAR:
        assert not at_open and followed is False and background <= BACKGROUND_MAX
        assert after <= AFTER_MAX and start <= ANSWER_WINDOW


# -- the confirmation turn ---------------------------------------------------------------------
@pytest.mark.parametrize("phrase", ["all cleared", "fall clear", "call clear", "all gear"])
def test_a_rival_of_all_clear_said_on_its_own_asks_to_confirm(phrase: str) -> None:
    d = decide(phrase, HIGH, Expecting.CHECKIN, None, QUIET)
    assert d.action is Action.CONFIRM
    assert d.heard_text == f"Heard: {phrase}? All clear? Say yes, or press C."
    # ...but not when other people are talking, or as part of a longer sentence
    assert decide(phrase, HIGH, Expecting.CHECKIN, None,
                  Surroundings(1.0, 1.7, background=0.9)).action is Action.ASK_AGAIN
    assert decide(phrase, HIGH, Expecting.CHECKIN).action is Action.ASK_AGAIN


def test_an_unsure_all_clear_said_on_its_own_asks_to_confirm() -> None:
    assert decide("all clear", 0.1, Expecting.CHECKIN, INF, QUIET).action is Action.CONFIRM
    assert decide("all clear", HIGH, Expecting.CHECKIN, 0.0, QUIET).action is Action.CONFIRM


@pytest.mark.parametrize(("phrase", "action"), [
    ("yes", Action.ALL_CLEAR), ("no", Action.ASK_AGAIN), ("i'm fine", Action.ASK_AGAIN),
    ("stop", Action.RED_FLAG), ("my chest hurts", Action.RED_FLAG), ("help", Action.RED_FLAG),
    ("all cleared", Action.ASK_AGAIN), (None, Action.ASK_AGAIN), ("repeat", Action.CONFIRM),
])
def test_what_the_answer_to_the_confirmation_does(phrase: str | None, action: Action) -> None:
    assert decide(phrase, HIGH, Expecting.CONFIRM, None, QUIET).action is action


def test_a_yes_to_the_confirmation_counts_only_said_on_its_own_and_clearly() -> None:
    assert decide("yes", YES_BAR - 0.01, Expecting.CONFIRM, None, QUIET).action \
        is Action.ASK_AGAIN
    assert decide("yes", HIGH, Expecting.CONFIRM, None,
                  Surroundings(1.0, 1.4, background=0.9)).action is Action.ASK_AGAIN
    assert decide("yes", HIGH, Expecting.CONFIRM).action is Action.ASK_AGAIN


def test_router_confirmation_turn_yes_moves_on_no_asks_the_checkin_again() -> None:
    engine, _clock, seen, router, ear = _confirming()
    assert router.expecting() is Expecting.CONFIRM and ear.log[-1] == "confirm"
    assert engine.state is State.CHECKIN  # still on hold
    before = len(seen)
    assert router.handle("no", HIGH, Expecting.CONFIRM, None, QUIET).action is Action.ASK_AGAIN
    assert router.expecting() is Expecting.CHECKIN and engine.state is State.CHECKIN
    asked = [e for e in seen[before:] if isinstance(e, CueDue)]
    assert [c.cue.kind for c in asked] == [CueKind.CHECKIN]  # the question again
    router.handle("all cleared", HIGH, Expecting.CHECKIN, None, QUIET)
    assert router.handle("yes", HIGH, Expecting.CONFIRM, None, QUIET).action is Action.ALL_CLEAR
    assert engine.state is State.REST
    assert router.expecting() is Expecting.EFFORT


def test_router_confirmation_turn_times_out_back_to_the_checkin_and_stop_always_works() -> None:
    engine, clock, _seen = make_engine()
    router = VoiceCommandRouter(engine)
    engine.start()
    run_until(engine, clock, State.CHECKIN)
    router.handle("fall clear", HIGH, Expecting.CHECKIN, None, QUIET)
    assert router.confirming
    clock.advance(CONFIRM_WINDOW)
    router.expire()
    assert router.expecting() is Expecting.CHECKIN
    # a "yes" heard while the question was still open confirms, even if it arrives late
    assert router.handle("yes", HIGH, Expecting.CONFIRM, None, QUIET).action is Action.ALL_CLEAR
    assert engine.state is State.REST
    engine2, clock2, seen2 = make_engine()
    router2 = VoiceCommandRouter(engine2)
    engine2.start()
    run_until(engine2, clock2, State.CHECKIN)
    router2.handle("all cleared", HIGH, Expecting.CHECKIN, None, QUIET)
    assert router2.handle("stop", 0.0, Expecting.CONFIRM).action is Action.RED_FLAG
    assert engine2.state is State.STOPPED
    assert [e.status for e in seen2 if isinstance(e, SessionEnded)] == \
        [EndStatus.STOPPED_RED_FLAG]


def test_a_key_answer_ends_the_confirmation_turn() -> None:
    engine, clock, _ = make_engine()
    router = VoiceCommandRouter(engine)
    engine.start()
    run_until(engine, clock, State.CHECKIN)
    router.handle("all cleared", HIGH, Expecting.CHECKIN, None, QUIET)
    engine.answer_checkin(True)  # C pressed
    assert not router.confirming and router.expecting() is Expecting.EFFORT


def _confirming() -> tuple[Any, Any, list[Any], VoiceCommandRouter, FakeEar]:
    """A check-in with the confirmation question open ("All clear? Say yes, or press C")."""
    engine, clock, seen = make_engine()
    ear = FakeEar()
    router = VoiceCommandRouter(engine, ear)
    engine.start()
    run_until(engine, clock, State.CHECKIN)
    assert router.handle("all cleared", HIGH, Expecting.CHECKIN, None,
                         QUIET).action is Action.CONFIRM
    return engine, clock, seen, router, ear


def test_yes_after_the_checkin_is_asked_again_is_a_sign_not_the_confirmation() -> None:
    """A tester (real microphone, 4 of 4): the confirmation went unanswered, the app asked
    again "I didn't catch that. Any of these signs? Say all clear, or say stop.", and "yes"
    was stored as ALL CLEAR: the listener still heard it as the answer to the confirmation.
    Once the check-in question is asked again, "yes" answers it: a sign, the session stops."""
    engine, clock, seen, router, ear = _confirming()
    for _ in range(400):  # silence until the app asks the check-in question again
        if any(isinstance(e, CheckinAsked) and e.attempt == 2 for e in seen):
            break
        clock.advance(0.25)
        engine.tick()
        router.expire()
    assert not router.confirming and ear.log[-1] == "checkin"
    decision = router.handle("yes", HIGH, Expecting.CONFIRM, None, QUIET)  # stale context
    assert decision.action is Action.RED_FLAG
    assert engine.state is State.STOPPED


def test_yes_after_the_app_says_the_question_again_by_itself_is_a_sign() -> None:
    """The same through the router's own re-ask (R, or a second unclear answer)."""
    engine, _clock, _seen, router, _ear = _confirming()
    engine.repeat()  # the check-in question, said again
    assert not router.confirming
    assert router.handle("yes", HIGH, Expecting.CONFIRM, None, QUIET).action is Action.RED_FLAG
    assert engine.state is State.STOPPED


@given(after=st.floats(0.0, 30.0))
def test_a_late_yes_confirms_only_within_the_grace_after_the_question_lapsed(
        after: float) -> None:
    """A "yes" begun while the confirmation was open still answers it (up to CONFIRM_GRACE
    after it lapsed); later, whatever context the listener still had, it answers the check-in
    question that is open again, and stops. Never all clear from a confirmation long gone.
    The timer that turns the question back must run even after it lapsed (a tester's mic
    line kept "All clear? Say yes" for minutes)."""
    engine, clock, _seen, router, _ear = _confirming()
    clock.advance(CONFIRM_WINDOW + after)
    assert router.confirming  # until expire() has turned it back: the UI's timer calls it
    decision = router.handle("yes", HIGH, Expecting.CONFIRM, None, QUIET)
    if after <= CONFIRM_GRACE:
        assert decision.action is Action.ALL_CLEAR and engine.state is State.REST
    else:
        assert decision.action is Action.RED_FLAG and engine.state is State.STOPPED


def _at_the_effort_question() -> tuple[Any, VoiceCommandRouter]:
    engine, clock, seen = make_engine()
    router = VoiceCommandRouter(engine)
    engine.start()
    run_until(engine, clock, State.CHECKIN)
    engine.answer_checkin(True)
    assert router.expecting() is Expecting.EFFORT
    assert any(isinstance(e, CueDue) and "0 to 10" in e.cue.text for e in seen)
    return engine, router


@pytest.mark.parametrize(("phrase", "action"), [
    ("ten", Action.ASK_AGAIN),  # the question's own last word: could be its echo
    ("five", Action.EFFORT),  # a quick answer: taken
    ("skip", Action.ASK_AGAIN),  # no command from the guard's audio
    ("stop", Action.RED_FLAG), ("my chest hurts", Action.RED_FLAG),  # a stop always acts
])
def test_an_utterance_begun_as_the_app_fell_silent_acts_only_when_it_is_safe(
        phrase: str, action: Action) -> None:
    """`early`: begun in the echo guard after the app spoke (its audio is kept outside a
    check-in so a stop said at once is heard whole). Only a stop, or a number that cannot
    be the echo of the question's last words, acts on it."""
    engine, router = _at_the_effort_question()
    decision = router.handle(phrase, HIGH, Expecting.EFFORT, None, QUIET, early=True)
    assert decision.action is action
    assert (engine.state is State.STOPPED) is (action is Action.RED_FLAG)


def test_after_the_end_only_a_stop_acts() -> None:
    """The end screen: "stop" works there as U does (the session is then stopped for a red
    flag); nothing else said there acts on an ended session."""
    engine, clock, seen = make_engine()
    router = VoiceCommandRouter(engine)
    engine.start()
    play_through(engine, clock)
    assert engine.state is State.ENDED and router.expecting() is Expecting.ALWAYS
    for phrase in ("pause", "skip", "five", "repeat"):
        assert router.handle(phrase, HIGH, Expecting.ALWAYS).action is Action.IGNORE
    assert router.handle("help", HIGH, Expecting.ALWAYS).action is Action.RED_FLAG
    assert engine.state is State.STOPPED and router.expecting() is None
    assert [e.status for e in seen if isinstance(e, SessionEnded)] == [EndStatus.COMPLETED]


@pytest.mark.parametrize(("phrase", "state"), [
    ("yes", State.STOPPED), ("all clear", State.REST), ("stop", State.STOPPED)])
def test_paused_at_a_checkin_its_answers_work_by_voice_as_its_keys_do(
        phrase: str, state: State) -> None:
    """A tester: paused at a check-in, "yes" asked to be said again and "all clear" was not
    taken the first time. The question is still open while paused: C and Y answer it (and
    resume), and so do "all clear" and "yes"."""
    engine, clock, _seen = make_engine()
    router = VoiceCommandRouter(engine)
    engine.start()
    run_until(engine, clock, State.CHECKIN)
    engine.pause()
    assert router.expecting() is Expecting.CHECKIN
    router.handle(phrase, HIGH, Expecting.CHECKIN, INF, QUIET)
    assert engine.state is state


def test_no_at_a_checkin_says_what_carries_on() -> None:
    d = decide("no", HIGH, Expecting.CHECKIN, None, QUIET)
    assert d.action is Action.ASK_AGAIN and d.reason == "natural"
    assert "say \"all clear\"" in d.heard_text


TAKE_BACK_RUNS = st.lists(st.sampled_from(TAKE_BACK_WORDS), min_size=1, max_size=6)


@given(run=TAKE_BACK_RUNS, confidence=st.floats(0.0, 1.0),
       expecting=st.sampled_from([Expecting.CHECKIN, Expecting.CONFIRM]))
def test_all_clear_taken_back_with_stop_in_it_stops_and_without_never_moves_on(
        run: list[str], confidence: float, expecting: Expecting) -> None:
    """A tester: "all clear, wait, my chest hurts" was heard as "all clear but wait stop
    but" and only asked again. Any "all clear" taken back with "stop" in it stops, at any
    confidence; taken back without it, it is never all clear."""
    phrase = "all clear " + " ".join(run)
    action = decide(phrase, confidence, expecting, INF, QUIET).action
    if "stop" in run:
        assert action is Action.RED_FLAG
    else:
        assert action is Action.ASK_AGAIN
