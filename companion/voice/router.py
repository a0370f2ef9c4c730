"""The voice-command router: applies each `Decision` to a `SessionEngine` exactly as the
matching key would, and keeps the listener's "expecting" in step with the session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from companion.core.engine import SessionEngine
from companion.core.events import (
    CheckinAsked,
    CueDue,
    EffortRecorded,
    Event,
    SessionEnded,
    State,
    StateChanged,
)
from companion.core.timeline import CueKind, SegmentKind
from companion.voice.decide import (
    CONFIRM_GRACE,
    CONFIRM_WINDOW,
    NUMBER_WORDS,
    RED_PHRASES,
    Action,
    Decision,
    Expecting,
    Surroundings,
    decide,
)

log = logging.getLogger(__name__)


def _echo_of(phrase: str | None, said: str, last: int = 3) -> bool:
    """Whether `phrase` shares a word with the last `last` words of `said` (digits read as
    words): what a room's echo of the app's own voice could have been heard as."""
    if not phrase or not said:
        return False
    tail = [w.strip(".,?!:;\"'").lower() for w in said.split()][-last:]
    words = {NUMBER_WORDS[int(w)] if w.isdigit() and int(w) < len(NUMBER_WORDS) else w
             for w in tail}
    return bool(words & set(phrase.lower().split()))


# -- the router -------------------------------------------------------------------------------
class ListenerLike(Protocol):
    """The two calls the router makes on a listener (see listen.Listener)."""

    def start(self, expecting: Expecting) -> None: ...

    def stop(self) -> None: ...


DecisionListener = Callable[[Decision], None]

#: The states in which a mood question can be open (arrival: before, cool-down: after).
_MOOD_STATES = (State.ARRIVAL, State.COOLDOWN)


class VoiceCommandRouter:
    """Applies decisions to the engine and keeps the listener's "expecting" in step with it.

    Call `handle` on the thread that owns the engine (the GUI thread), exactly where a key
    press would be handled; the listener delivers results on a reader thread, so the UI
    marshals them with a queued signal first.
    """

    REASK_GAP = 4.0

    def __init__(self, engine: SessionEngine, listener: ListenerLike | None = None) -> None:
        self.engine = engine
        self.listener = listener
        self._mood: tuple[str, Callable[[int], None]] | None = None
        self._effort_done_for: set[int] = set()
        self._decision_listeners: list[DecisionListener] = []
        self._current: Expecting | None = None
        self._last_reask: float | None = None
        self._confirm_until: float | None = None  # engine clock: the confirmation turn
        #: when an unanswered confirmation timed out (engine clock); None once the check-in
        #: question was asked again (then nothing is heard as an answer to it any more)
        self._confirm_lapsed: float | None = None
        self._last_said = ""  # the text of the app's latest spoken cue (for `early` answers)
        engine.subscribe(self._on_engine_event)

    def on_decision(self, listener: DecisionListener) -> None:
        """Called with every decision (for the "Heard: ..." indicator)."""
        self._decision_listeners.append(listener)

    # -- what to listen for -----------------------------------------------------------------
    def expecting(self) -> Expecting | None:
        """The context implied by the engine right now (None: not listening at all)."""
        if self._mood is not None:
            return Expecting.MOOD
        e = self.engine
        if e.state is State.IDLE or e.state is State.STOPPED:
            return None
        if e.state is State.ENDED:
            return Expecting.ALWAYS  # the end screen: "stop" works there too, as U does
        if e.state is State.CHECKIN:
            if self._confirm_until is not None and e.clock.now() < self._confirm_until:
                return Expecting.CONFIRM
            return Expecting.CHECKIN
        if e.state is State.PAUSED:
            # paused at a check-in the question is still open: its answers work (and
            # resume), as C and Y do; "yes" there is a sign, "all clear" carries on
            return Expecting.CHECKIN if e.paused_state is State.CHECKIN else Expecting.PAUSED
        seg = e.segment
        if e.state is State.REST and seg is not None and seg.set_no is not None \
                and seg.set_no not in self._effort_done_for:
            return Expecting.EFFORT
        if e.state is State.COOLDOWN and e.awaiting_effort is not None \
                and e.awaiting_effort not in self._effort_done_for:
            return Expecting.EFFORT  # the last set's effort, asked as the cool-down begins
        if e.state is State.WORK and seg is not None and seg.kind is SegmentKind.SET \
                and seg.exercise is not None and seg.exercise.to_fatigue:
            return Expecting.TO_FATIGUE
        return Expecting.ALWAYS

    def expect_mood(self, when: str, apply: Callable[[int], None] | None = None) -> None:
        """Listen for a mood 1-5; `apply` defaults to engine.record_mood(when, n)."""
        def record(n: int) -> None:
            self.engine.record_mood(when, n)

        self._mood = (when, apply or record)
        self._sync()

    def cancel_mood(self) -> None:
        self._mood = None
        self._sync()

    def _sync(self) -> None:
        new = self.expecting()
        if new is self._current:
            return
        self._current = new
        if self.listener is None:
            return
        if new is None:
            self.listener.stop()
        else:
            self.listener.start(new)

    def _on_engine_event(self, event: Event) -> None:
        if isinstance(event, CueDue) and event.cue.speak:
            self._last_said = event.cue.text
        if isinstance(event, EffortRecorded):
            self._effort_done_for.add(event.set_no)
        if isinstance(event, StateChanged) and event.new not in _MOOD_STATES:
            self._mood = None  # the mood question ends with its state, whoever hears of it first
        if isinstance(event, StateChanged) and event.new is not State.CHECKIN \
                and event.new is not State.PAUSED:
            self._end_confirmation()  # answered by key, stopped, skipped...
        if isinstance(event, CheckinAsked) or (isinstance(event, CueDue)
                                                and event.cue.kind is CueKind.CHECKIN):
            # The check-in question asked again ("I didn't catch that. Any of these
            # signs?", R): a "yes" now answers it, and means a sign. A tester's "yes"
            # after the re-ask was taken as the confirmation's "yes": all clear.
            self._end_confirmation()
            self._sync()
        if isinstance(event, StateChanged | EffortRecorded | SessionEnded):
            self._sync()

    def _end_confirmation(self) -> None:
        self._confirm_until = None
        self._confirm_lapsed = None

    @property
    def confirming(self) -> bool:
        """The confirmation question ("All clear? Say yes, or press C") is open: waiting,
        or timed out and not yet turned back into the check-in by `expire()`."""
        return self._confirm_until is not None

    def expire(self) -> None:
        """Call now and then (the UI's refresh): an unanswered confirmation question turns
        back into the check-in after CONFIRM_WINDOW."""
        if self._confirm_until is not None and self.engine.clock.now() >= self._confirm_until:
            self._confirm_lapsed = self._confirm_until
            self._confirm_until = None
            self._sync()

    # -- acting on what was heard -------------------------------------------------------------
    def handle(self, phrase: str | None, confidence: float,
               expecting: Expecting | None = None, margin: float | None = None,
               around: Surroundings | None = None, *, early: bool = False) -> Decision:
        """Decide and act. `expecting` is what was being listened for when it was heard;
        the current context wins if the session has moved on since (a stale "all clear"
        from a finished check-in must not answer the next one)."""
        self.expire()
        now = self.expecting()
        lapsed = self._confirm_lapsed
        just_lapsed = lapsed is not None and self.engine.clock.now() - lapsed <= CONFIRM_GRACE
        if expecting is not None and expecting is not now \
                and {expecting, now} == {Expecting.CHECKIN, Expecting.CONFIRM} \
                and (expecting is Expecting.CHECKIN or just_lapsed):
            # the same check-in: decide in the context it was heard in ("yes" said to the
            # confirmation question just as it timed out confirms; it is not a symptom;
            # "yes" said to the check-in question stops even if a confirmation opened)
            decision = decide(phrase, confidence, expecting, margin, around)
        elif expecting is not None and expecting is not now:
            # heard for a question no longer open: only what stops in the context now acts
            # ("yes" to a confirmation long timed out, the check-in since asked again, is a
            # "yes" to the check-in: a sign)
            current = decide(phrase, confidence, now, margin, around)
            decision = current if current.action is Action.RED_FLAG or phrase in RED_PHRASES \
                else Decision(Action.IGNORE, None, phrase, confidence, expecting)
        else:
            decision = decide(phrase, confidence, now, margin, around)
        if self.engine.state is State.ENDED and decision.action is not Action.RED_FLAG:
            # the session is over: only a stop acts (on the end screen, as U does)
            decision = Decision(Action.IGNORE, None, phrase, confidence, expecting)
        if early and decision.action is not Action.RED_FLAG and (
                decision.action not in (Action.EFFORT, Action.MOOD)
                or _echo_of(phrase, self._last_said)):
            # begun as the app's own voice fell silent (its echo may be in it): a stop acts,
            # and a number answering the question unless the question's own last words
            # could be its echo ("...from 0 to 10?" -> "ten"); anything else is asked again
            decision = Decision(Action.ASK_AGAIN, None, phrase, confidence, expecting)
        self._apply(decision)
        for listener in list(self._decision_listeners):
            listener(decision)
        return decision

    def _apply(self, d: Decision) -> None:
        e = self.engine
        log.info("voice: %s (%s, %.2f) -> %s", d.phrase, d.expecting and d.expecting.value,
                 d.confidence, d.action.value)
        if d.action is not Action.CONFIRM and self._confirm_until is not None:
            self._end_confirmation()  # answered (or not): the confirmation is over
            self._sync()
        if d.action is Action.RED_FLAG:
            e.report_red_flag(heard=d.phrase or "")  # kept with the stop: what was heard
        elif d.action is Action.ALL_CLEAR:
            e.answer_checkin(True)
        elif d.action is Action.CONFIRM:
            self._confirm_until = e.clock.now() + CONFIRM_WINDOW
            self._sync()
        elif d.action is Action.ASK_AGAIN:
            now = e.clock.now()
            recent = self._last_reask is not None and now - self._last_reask < self.REASK_GAP
            if d.expecting in (Expecting.CHECKIN, Expecting.CONFIRM) and not recent:
                # The question again (a noisy room must not make it nag: at most every
                # REASK_GAP s). The hold never moves on by itself either way.
                self._last_reask = now
                e.repeat()
        elif d.action is Action.EFFORT and d.value is not None:
            e.record_effort(d.value)
        elif d.action is Action.MOOD and d.value is not None and self._mood is not None:
            _, apply = self._mood
            self._mood = None
            apply(d.value)
            self._sync()
        elif d.action is Action.PAUSE:
            e.pause()
        elif d.action is Action.RESUME:
            e.resume()
        elif d.action is Action.SKIP:
            e.skip()
        elif d.action is Action.REPEAT:
            e.repeat()
        elif d.action is Action.DONE:
            e.done()
