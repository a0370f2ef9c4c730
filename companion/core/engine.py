"""The session engine: what a person (by key, button or voice) can do to a playing session.

Pause, resume, skip, done, more rest, repeat, the check-in answer, effort and mood, stop,
and the red flag, which stops at once from any state. The clock-driven loop underneath is
`companion.core.playback.Playback`.
"""

from __future__ import annotations

from companion.core import events as ev
from companion.core.events import EndStatus, Event, State, Symptom
from companion.core.playback import ACTIVE, EngineError, Listener, Playback
from companion.core.routine import Exercise
from companion.core.safety_words import STOP_MESSAGE
from companion.core.timeline import CueKind, Priority, SegmentKind

__all__ = ["ACTIVE", "EngineError", "Listener", "SessionEngine"]


class SessionEngine(Playback):
    """Plays a `SessionPlan` (see `Playback`) and takes the user's actions; every public
    method returns the events it produced."""

    AMBER_EXTRA_REST = 30.0
    ADD_REST_STEP = 15.0

    # -- user actions ---------------------------------------------------------------------------
    def pause(self) -> list[Event]:
        if self._state in ACTIVE:
            now = self.clock.now()
            self._advance(now)
            if self._state in ACTIVE:
                self._paused_at = now
                self._paused_state = self._state
                self._emit(ev.CancelSpeech(self._t()))
                self._emit(ev.Paused(self._t(), self._state))
                self._set_state(State.PAUSED)
        return self._collect()

    def resume(self) -> list[Event]:
        if self._state is State.PAUSED and self._paused_at is not None:
            now = self.clock.now()
            paused_for = now - self._paused_at
            self._seg_start += paused_for
            self._paused_at = None
            self._emit(ev.Resumed(self._t(), self._paused_state, paused_for))
            self._set_state(self._paused_state)
            self._advance(now)
        return self._collect()

    def toggle_pause(self) -> list[Event]:
        return self.resume() if self._state is State.PAUSED else self.pause()

    def skip(self) -> list[Event]:
        """Move on: a set ends (still followed by its check-in); a rest or arrival ends now."""
        if self._state not in ACTIVE or self._state is State.CHECKIN:
            return self._collect()
        now = self.clock.now()
        seg = self._segments[self._seg_i]
        self._emit(ev.CancelSpeech(self._t()))
        self._emit(ev.Skipped(self._t(), self._state, seg.set_no))
        if seg.kind is SegmentKind.SET:
            self._finish_set(seg, now, skipped=True)
        self._enter(self._seg_i + 1, now)
        self._advance(now)
        return self._collect()

    def done(self) -> list[Event]:
        """'Done' ends the work phase of a set (the way to finish a to-fatigue set)."""
        if self._state is State.WORK:
            now = self.clock.now()
            seg = self._segments[self._seg_i]
            self._emit(ev.CancelSpeech(self._t()))
            self._finish_set(seg, now)
            self._enter(self._seg_i + 1, now)
            self._advance(now)
        return self._collect()

    def add_rest(self, seconds: float | None = None) -> list[Event]:
        seg = self.segment
        if self._state is State.REST and seg is not None:
            extra = seconds or self.ADD_REST_STEP
            self._replan_rest(extra, "", elapsed=self.segment_elapsed())
            self._emit(ev.RestExtended(self._t(), seg.set_no, extra, "requested"))
        return self._collect()

    def repeat(self) -> list[Event]:
        """Say the last prompt again (R); at a check-in, that is the question."""
        cue = self._last_spoken
        if cue is not None and self._state is not State.IDLE:
            self._emit(ev.CueDue(self._t(), cue.at(self._t())))
        return self._collect()

    def answer_checkin(self, all_clear: bool) -> list[Event]:
        """N (all clear) moves on to the rest; Y is a red flag, exactly like U."""
        if not all_clear:
            return self.report_red_flag()
        seg = self.segment
        if self._state is State.PAUSED and self._paused_state is State.CHECKIN:
            self.resume()
            seg = self.segment
        if self._state is not State.CHECKIN or seg is None:
            return self._collect()
        assert seg.set_no is not None
        now = self.clock.now()
        self._emit(ev.CancelSpeech(self._t()))
        self._emit(ev.CheckinAnswered(self._t(), seg.set_no, seg.cues[0].text, "all_clear"))
        self._checkin_answered_set = seg.set_no
        self._stalled = False
        self._enter(self._seg_i + 1, now)
        self._advance(now)
        return self._collect()

    def record_effort(self, effort: int) -> list[Event]:
        """CR10 effort for the set just done; 9-10 is an amber sign that lengthens the rest."""
        if not 0 <= effort <= 10:
            raise EngineError(f"effort must be 0-10, got {effort}")
        set_no = self._effort_target()
        if set_no is None or self._state is State.STOPPED:  # never "rest longer" after a stop
            return self._collect()
        first = set_no not in self._effort
        self._effort[set_no] = effort
        amber = effort >= 9
        self._emit(ev.EffortRecorded(self._t(), set_no, effort, amber))
        if amber and first:
            ex = self._set_exercise(set_no)
            easier = f" Next time, try {ex.easier} instead." if ex and ex.easier else \
                " Next time, try an easier variation or fewer reps."
            text = f"That was very hard. Take an extra {self.AMBER_EXTRA_REST:g} seconds.{easier}"
            self._emit(ev.AmberSign(self._t(), set_no, effort, self.AMBER_EXTRA_REST, text.strip()))
            self._fire(self._builder.cue(self._t(), CueKind.INFO, text), self.clock.now())
            if self._state is State.REST:
                self._replan_rest(self.AMBER_EXTRA_REST, "", elapsed=self.segment_elapsed())
                self._emit(ev.RestExtended(self._t(), set_no, self.AMBER_EXTRA_REST, "amber"))
            elif self._next_is_rest():
                self._pending_extra_rest = self.AMBER_EXTRA_REST
        return self._collect()

    def _next_is_rest(self) -> bool:
        nxt = self._segments[self._seg_i + 1] if self._seg_i + 1 < len(self._segments) else None
        return nxt is not None and nxt.kind is SegmentKind.REST

    def _set_exercise(self, set_no: int) -> Exercise | None:
        for seg in self._segments:
            if seg.kind is SegmentKind.SET and seg.set_no == set_no:
                return seg.exercise
        return None

    def record_mood(self, when: str, mood: int | None) -> list[Event]:
        if when not in ("before", "after"):
            raise EngineError(f"mood is 'before' or 'after', not {when!r}")
        if mood is not None and not 1 <= mood <= 5:
            raise EngineError(f"mood must be 1-5, got {mood}")
        self._emit(ev.MoodRecorded(self._t(), when, mood))
        return self._collect()

    def stop(self) -> list[Event]:
        """Esc: the user ends the session; recorded as stopped by user."""
        if self._state in ACTIVE or self._state is State.PAUSED:
            self._paused_at = None
            self._emit(ev.CancelSpeech(self._t()))
            self._emit(ev.SessionEnded(self._t(), EndStatus.STOPPED_BY_USER))
            self._set_state(State.ENDED)
        return self._collect()

    def report_red_flag(self, symptom: Symptom = Symptom.UNSPECIFIED,
                        heard: str = "") -> list[Event]:
        """Stop at once from any state: cut speech, commit, speak the stop, then STOPPED.

        Listeners see the events in that order; storage commits on RedFlagRaised, so the stop
        is on disk before the stop message is queued and before the safety screen shows.
        `heard`: the words heard when the stop was spoken (voice only; "" for a key), kept
        with the stop (cut to `HEARD_MAX` characters).
        """
        if self._state is State.IDLE:
            return self._collect()
        if self._state is State.STOPPED and self._red_flag is not None:
            # A second U (or "stop") must not wipe a symptom the user already chose.
            if symptom is Symptom.UNSPECIFIED:
                return self._collect()
            return self.specify_symptom(symptom)
        t = self._t()
        was = self._paused_state if self._state is State.PAUSED else self._state
        seg = self.segment
        self._emit(ev.CancelSpeech(t))
        self._red_flag = symptom
        self._paused_at = None
        self._emit(ev.RedFlagRaised(t, symptom, was, seg.set_no if seg else None,
                                    seg.exercise.name if seg and seg.exercise else None,
                                    heard.strip()[:ev.HEARD_MAX]))
        if self._state not in (State.ENDED, State.STOPPED):  # an interrupted session ended already
            self._emit(ev.SessionEnded(t, EndStatus.STOPPED_RED_FLAG))
        stop = self._builder.cue(t, CueKind.SAFETY, STOP_MESSAGE, priority=Priority.SAFETY)
        self._fire(stop, self.clock.now())
        self._set_state(State.STOPPED)
        return self._collect()

    def specify_symptom(self, symptom: Symptom) -> list[Event]:
        """After a stop, which symptom it was (keys 1-4, or 'not sure')."""
        if self._red_flag is not None:
            self._red_flag = symptom
            self._emit(ev.SymptomSpecified(self._t(), symptom))
        return self._collect()
