"""The session engine: a state machine over the compiled plan, driven by a monotonic clock.

Deadlines are absolute: a segment starts exactly where the previous one ended
(`start + duration`), and pauses shift the anchor by the paused time. Nothing counts ticks,
so a late tick never accumulates drift, and a test can jump ahead with `FakeClock.advance`.

A check-in holds the session: the engine never moves past it by itself. Silence gets one
re-ask, then the session stays paused on the question.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from companion.core.clock import Clock
from companion.core.events import (
    AmberSign,
    CancelSpeech,
    CheckinAnswered,
    CheckinAsked,
    CheckinStalled,
    CueDue,
    EffortRecorded,
    EndStatus,
    Event,
    MoodRecorded,
    Paused,
    RedFlagRaised,
    RestExtended,
    Resumed,
    SessionEnded,
    SessionStarted,
    SetFinished,
    SetStarted,
    Skipped,
    State,
    StateChanged,
    Symptom,
    SymptomSpecified,
)
from companion.core.routine import Exercise, SetKind
from companion.core.timeline import (
    CHECKIN_REASK,
    CHECKIN_STALLED,
    STOP_MESSAGE,
    Cue,
    CueKind,
    Priority,
    Segment,
    SegmentKind,
    SessionPlan,
    TimelineBuilder,
)

log = logging.getLogger(__name__)

Listener = Callable[[Event], None]

ACTIVE = {State.ARRIVAL, State.ANNOUNCE, State.COUNTDOWN, State.WORK, State.CHECKIN,
          State.REST, State.COOLDOWN, State.BREATHING}


# Float tolerance: a timer woken exactly at a deadline must count as on time.
EPS = 1e-6


class EngineError(Exception):
    """A request the engine cannot honour in its current state (a bug in the caller)."""


class SessionEngine:
    """Plays a `SessionPlan`; every public method returns the events it produced."""

    REASK_AFTER = 15.0
    STALL_AFTER = 15.0
    AMBER_EXTRA_REST = 30.0
    ADD_REST_STEP = 15.0

    def __init__(
        self,
        plan: SessionPlan,
        clock: Clock,
        builder: TimelineBuilder | None = None,
    ) -> None:
        self.plan = plan
        self.clock = clock
        self._builder = builder or TimelineBuilder(plan.routine, plan.options)
        self._segments: list[Segment] = list(plan.segments)
        self._listeners: list[Listener] = []
        self._queue: list[Event] = []
        self._delivering = False
        self._produced: list[Event] = []
        self._state = State.IDLE
        self._t0 = 0.0
        self._seg_i = -1
        self._seg_start = 0.0
        self._cue_i = 0
        self._paused_at: float | None = None
        self._paused_state = State.IDLE
        self._reps_done = 0
        self._checkin_attempt = 0
        self._stalled = False
        self._checkin_answered_set: int | None = None
        self._effort: dict[int, int] = {}
        self._pending_extra_rest = 0.0
        self._pending_rest_note = ""
        self._last_spoken: Cue | None = None
        self._red_flag: Symptom | None = None
        self._nominal_done = 0.0

    # -- observers ---------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, event: Event) -> None:
        self._produced.append(event)
        self._queue.append(event)
        if self._delivering:
            return
        self._delivering = True
        try:
            while self._queue:
                ev = self._queue.pop(0)
                for listener in list(self._listeners):
                    try:
                        listener(ev)
                    except Exception:  # a failing consumer must never stop the session loop
                        log.exception("listener %r failed on %s", listener, type(ev).__name__)
        finally:
            self._delivering = False

    def _collect(self) -> list[Event]:
        out, self._produced = self._produced, []
        return out

    # -- read-only views -----------------------------------------------------------------------
    @property
    def state(self) -> State:
        return self._state

    @property
    def paused_state(self) -> State | None:
        return self._paused_state if self._state is State.PAUSED else None

    @property
    def segment(self) -> Segment | None:
        return self._segments[self._seg_i] if 0 <= self._seg_i < len(self._segments) else None

    @property
    def checkin_stalled(self) -> bool:
        return self._stalled

    @property
    def reps_done(self) -> int:
        return self._reps_done

    @property
    def red_flag(self) -> Symptom | None:
        return self._red_flag

    @property
    def is_over(self) -> bool:
        return self._state in (State.ENDED, State.STOPPED)

    @property
    def last_spoken(self) -> Cue | None:
        return self._last_spoken

    def session_time(self) -> float:
        return self.clock.now() - self._t0 if self._state is not State.IDLE else 0.0

    def segment_elapsed(self) -> float:
        now = self._paused_at if self._paused_at is not None else self.clock.now()
        return max(0.0, now - self._seg_start)

    def remaining_in_segment(self) -> float:
        seg = self.segment
        if seg is None:
            return 0.0
        return max(0.0, seg.duration - self.segment_elapsed())

    def progress(self) -> tuple[float, float]:
        """(done, total) nominal seconds, for a progress bar that never runs backwards."""
        seg = self.segment
        current = min(self.segment_elapsed(), seg.nominal) if seg is not None else 0.0
        total = sum(s.nominal for s in self._segments)
        return min(self._nominal_done + current, total), total

    @property
    def awaiting_effort(self) -> int | None:
        """The set whose effort answer is being waited for (its check-in answered, no effort
        yet), or None."""
        target = self._effort_target() if self._state not in (State.ENDED, State.STOPPED) \
            else None
        return target if target is not None and target not in self._effort else None

    def next_exercise(self) -> Exercise | None:
        for seg in self._segments[self._seg_i + 1:]:
            if seg.kind is SegmentKind.SET:
                return seg.exercise
        return None

    def next_deadline(self) -> float | None:
        """Absolute monotonic time of the next thing due, so a timer can sleep until then."""
        seg = self.segment
        if seg is None or self._state not in ACTIVE:
            return None
        times: list[float] = []
        if self._cue_i < len(seg.cues):
            times.append(seg.cues[self._cue_i].t)
        if seg.hold:
            if self._checkin_attempt == 1:
                times.append(seg.duration + self.REASK_AFTER)
            elif not self._stalled:
                times.append(self._stall_at(seg))
        else:
            times.append(seg.duration)
        return self._seg_start + min(times) if times else None

    def _stall_at(self, seg: Segment) -> float:
        reask = self._builder.options.speech_duration(CHECKIN_REASK)
        return seg.duration + self.REASK_AFTER + reask + self.STALL_AFTER

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, mood_before: int | None = None) -> list[Event]:
        if self._state is not State.IDLE:
            raise EngineError("session already started")
        now = self.clock.now()
        self._t0 = now
        self._emit(SessionStarted(0.0, self.plan.routine.id, self.plan.routine.name,
                                  self.plan.set_count, self.plan.kind))
        if mood_before is not None:
            self._emit(MoodRecorded(0.0, "before", mood_before))
        self._enter(0, now)
        self._advance(now)
        return self._collect()

    def tick(self) -> list[Event]:
        """Fire everything due by now. Safe to call at any time, as often as you like."""
        if self._state in ACTIVE:
            try:
                self._advance(self.clock.now())
            except Exception as exc:  # the loop must stop safely, never run on broken
                log.exception("session loop failed")
                self._fail(exc)
        return self._collect()

    def fail(self, exc: BaseException) -> list[Event]:
        """Stop safely after an unexpected error outside the engine (e.g. in the adapter)."""
        if not self.is_over and self._state is not State.IDLE:
            self._fail(exc)
        return self._collect()

    def _fail(self, exc: BaseException) -> None:
        t = self._t()
        self._emit(CancelSpeech(t))
        self._emit(SessionEnded(t, EndStatus.INTERRUPTED, error=f"{type(exc).__name__}: {exc}"))
        self._emit(CueDue(t, Cue(t, CueKind.INFO,
                                 "Something went wrong, so the session has stopped. "
                                 "Your progress so far is saved.")))
        self._set_state(State.STOPPED)

    def _t(self) -> float:
        return self.clock.now() - self._t0

    def _set_state(self, new: State) -> None:
        if new is not self._state:
            old, self._state = self._state, new
            log.debug("state %s -> %s", old.value, new.value)
            self._emit(StateChanged(self._t(), old, new))

    # -- the loop -----------------------------------------------------------------------------
    def _enter(self, index: int, start: float) -> None:
        if self._seg_i >= 0:
            self._nominal_done += self._segments[self._seg_i].nominal
        self._seg_i = index
        self._seg_start = start
        self._cue_i = 0
        seg = self._segments[index]
        t = start - self._t0
        if seg.kind is SegmentKind.ARRIVAL:
            self._set_state(State.ARRIVAL)
        elif seg.kind is SegmentKind.SET:
            assert seg.set_no is not None and seg.round is not None and seg.exercise is not None
            self._reps_done = 0
            self._checkin_answered_set = None
            self._set_state(State.ANNOUNCE)
            self._emit(SetStarted(t, seg.set_no, seg.round, seg.exercise.name))
        elif seg.kind is SegmentKind.CHECKIN:
            self._checkin_attempt = 1
            self._stalled = False
            self._set_state(State.CHECKIN)
            assert seg.set_no is not None
            self._emit(CheckinAsked(t, seg.set_no, 1, seg.cues[0].text))
        elif seg.kind is SegmentKind.REST:
            if self._pending_extra_rest:
                self._replan_rest(self._pending_extra_rest, self._pending_rest_note, elapsed=0.0)
                self._pending_extra_rest, self._pending_rest_note = 0.0, ""
            self._set_state(State.REST)
        elif seg.kind is SegmentKind.COOLDOWN:
            self._set_state(State.COOLDOWN)
        elif seg.kind is SegmentKind.BREATHING:
            self._set_state(State.BREATHING)
        elif seg.kind is SegmentKind.END:
            cue = seg.cues[0]
            self._fire(cue, start)
            self._cue_i = len(seg.cues)
            self._emit(SessionEnded(t, EndStatus.COMPLETED))
            self._set_state(State.ENDED)

    def _advance(self, now: float) -> None:
        while self._state in ACTIVE:
            seg = self._segments[self._seg_i]
            elapsed = now - self._seg_start
            while self._cue_i < len(seg.cues) and seg.cues[self._cue_i].t <= elapsed + EPS:
                cue = seg.cues[self._cue_i]
                self._cue_i += 1
                self._substate(seg, cue.t)
                self._fire(cue, self._seg_start + cue.t, now)
                if cue.rep is not None:
                    self._reps_done = cue.rep
            self._substate(seg, elapsed)
            if seg.hold:
                self._checkin_timers(seg, elapsed)
                return
            if elapsed + EPS < seg.duration:
                return
            end = self._seg_start + seg.duration
            if seg.kind is SegmentKind.SET:
                self._finish_set(seg, end, capped=seg.open_ended)
            self._enter(self._seg_i + 1, end)

    def _substate(self, seg: Segment, offset: float) -> None:
        if seg.kind is not SegmentKind.SET:
            return
        if offset + EPS >= seg.work_at:
            self._set_state(State.WORK)
        elif offset + EPS >= seg.countdown_at:
            self._set_state(State.COUNTDOWN)

    def _fire(self, cue: Cue, due: float, now: float | None = None) -> None:
        now = due if now is None else now
        if cue.speak and cue.kind is not CueKind.BREATHE:
            self._last_spoken = cue
        self._emit(CueDue(due - self._t0, cue, late=max(0.0, now - due)))

    def _checkin_timers(self, seg: Segment, elapsed: float) -> None:
        assert seg.set_no is not None
        if self._checkin_attempt == 1 and elapsed + EPS >= seg.duration + self.REASK_AFTER:
            self._checkin_attempt = 2
            cue = self._builder.cue(elapsed, CueKind.CHECKIN, CHECKIN_REASK)
            self._emit(CheckinAsked(self._t(), seg.set_no, 2, CHECKIN_REASK))
            self._fire(cue, self._seg_start + seg.duration + self.REASK_AFTER,
                       self._seg_start + elapsed)
        stall_due = elapsed + EPS >= self._stall_at(seg)
        if self._checkin_attempt == 2 and not self._stalled and stall_due:
            self._stalled = True
            self._emit(CheckinStalled(self._t(), seg.set_no))
            cue = self._builder.cue(elapsed, CueKind.CHECKIN, CHECKIN_STALLED, speak=False)
            self._fire(cue, self._seg_start + elapsed)

    def _finish_set(self, seg: Segment, end: float, *, capped: bool = False,
                    skipped: bool = False) -> None:
        ex = seg.exercise
        assert ex is not None and seg.set_no is not None and seg.round is not None
        worked = max(0.0, min(end - self._seg_start - seg.work_at, seg.duration - seg.work_at))
        if ex.kind is SetKind.REPS:
            reps: int | None = ex.reps if not skipped and worked >= seg.duration - seg.work_at \
                else self._reps_done
            secs: float | None = round(worked, 1)
        elif ex.kind is SetKind.TIMED:
            reps, secs = None, round(worked, 1)
        else:
            reps, secs = self._reps_done, round(worked, 1)
        if capped:
            self._fire(self._builder.cue(seg.duration, CueKind.INFO,
                                          "That's the limit for this set. Well done."), end)
        self._emit(SetFinished(end - self._t0, seg.set_no, seg.round, ex.name,
                               ex.reps, ex.seconds, reps, secs, skipped=skipped, capped=capped))

    # -- user actions ---------------------------------------------------------------------------
    def pause(self) -> list[Event]:
        if self._state in ACTIVE:
            now = self.clock.now()
            self._advance(now)
            if self._state in ACTIVE:
                self._paused_at = now
                self._paused_state = self._state
                self._emit(CancelSpeech(self._t()))
                self._emit(Paused(self._t(), self._state))
                self._set_state(State.PAUSED)
        return self._collect()

    def resume(self) -> list[Event]:
        if self._state is State.PAUSED and self._paused_at is not None:
            now = self.clock.now()
            paused_for = now - self._paused_at
            self._seg_start += paused_for
            self._paused_at = None
            self._emit(Resumed(self._t(), self._paused_state, paused_for))
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
        self._emit(CancelSpeech(self._t()))
        self._emit(Skipped(self._t(), self._state, seg.set_no))
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
            self._emit(CancelSpeech(self._t()))
            self._finish_set(seg, now)
            self._enter(self._seg_i + 1, now)
            self._advance(now)
        return self._collect()

    def add_rest(self, seconds: float | None = None) -> list[Event]:
        seg = self.segment
        if self._state is State.REST and seg is not None:
            extra = seconds or self.ADD_REST_STEP
            self._replan_rest(extra, "", elapsed=self.segment_elapsed())
            self._emit(RestExtended(self._t(), seg.set_no, extra, "requested"))
        return self._collect()

    def _replan_rest(self, extra: float, note: str, elapsed: float) -> None:
        seg = self._segments[self._seg_i]
        nxt = self.next_exercise()
        assert nxt is not None and seg.set_no is not None
        new = self._builder.rest(seg.set_no, seg.duration + extra, nxt, extra_text=note)
        if elapsed > 0:
            keep = [c for c in new.cues if c.t > elapsed + 1e-9]
            new = replace(new, cues=tuple(keep))
        self._segments[self._seg_i] = new
        self._cue_i = 0

    def repeat(self) -> list[Event]:
        """Say the last prompt again (R); at a check-in, that is the question."""
        cue = self._last_spoken
        if cue is not None and self._state is not State.IDLE:
            self._emit(CueDue(self._t(), cue.at(self._t())))
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
        self._emit(CancelSpeech(self._t()))
        self._emit(CheckinAnswered(self._t(), seg.set_no, seg.cues[0].text, "all_clear"))
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
        self._emit(EffortRecorded(self._t(), set_no, effort, amber))
        if amber and first:
            ex = self._set_exercise(set_no)
            easier = f" Next time, try {ex.easier} instead." if ex and ex.easier else \
                " Next time, try an easier variation or fewer reps."
            text = f"That was very hard. Take an extra {self.AMBER_EXTRA_REST:g} seconds.{easier}"
            self._emit(AmberSign(self._t(), set_no, effort, self.AMBER_EXTRA_REST, text.strip()))
            self._fire(self._builder.cue(self._t(), CueKind.INFO, text), self.clock.now())
            if self._state is State.REST:
                self._replan_rest(self.AMBER_EXTRA_REST, "", elapsed=self.segment_elapsed())
                self._emit(RestExtended(self._t(), set_no, self.AMBER_EXTRA_REST, "amber"))
            elif self._next_is_rest():
                self._pending_extra_rest = self.AMBER_EXTRA_REST
        return self._collect()

    def _effort_target(self) -> int | None:
        """Effort belongs to the last set whose check-in was answered (until the next set)."""
        if self._checkin_answered_set is not None:
            return self._checkin_answered_set
        seg = self.segment
        if seg is not None and seg.kind is SegmentKind.CHECKIN:
            return seg.set_no
        return None

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
        self._emit(MoodRecorded(self._t(), when, mood))
        return self._collect()

    def stop(self) -> list[Event]:
        """Esc: the user ends the session; recorded as stopped by user."""
        if self._state in ACTIVE or self._state is State.PAUSED:
            self._paused_at = None
            self._emit(CancelSpeech(self._t()))
            self._emit(SessionEnded(self._t(), EndStatus.STOPPED_BY_USER))
            self._set_state(State.ENDED)
        return self._collect()

    def report_red_flag(self, symptom: Symptom = Symptom.UNSPECIFIED) -> list[Event]:
        """Stop at once from any state: cut speech, commit, speak the stop, then STOPPED.

        Listeners see the events in that order; storage commits on RedFlagRaised, so the stop
        is on disk before the stop message is queued and before the safety screen shows.
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
        self._emit(CancelSpeech(t))
        self._red_flag = symptom
        self._paused_at = None
        self._emit(RedFlagRaised(t, symptom, was, seg.set_no if seg else None,
                                 seg.exercise.name if seg and seg.exercise else None))
        if self._state not in (State.ENDED, State.STOPPED):  # an interrupted session ended already
            self._emit(SessionEnded(t, EndStatus.STOPPED_RED_FLAG))
        stop = self._builder.cue(t, CueKind.SAFETY, STOP_MESSAGE, priority=Priority.SAFETY)
        self._fire(stop, self.clock.now())
        self._set_state(State.STOPPED)
        return self._collect()

    def specify_symptom(self, symptom: Symptom) -> list[Event]:
        """After a stop, which symptom it was (keys 1-4, or 'not sure')."""
        if self._red_flag is not None:
            self._red_flag = symptom
            self._emit(SymptomSpecified(self._t(), symptom))
        return self._collect()
