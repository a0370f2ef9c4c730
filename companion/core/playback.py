"""Playing a compiled plan against a monotonic clock: the session engine's loop.

Deadlines are absolute: a segment starts exactly where the previous one ended
(`start + duration`), and pauses shift the anchor by the paused time. Nothing counts ticks,
so a late tick never accumulates drift, and a test can jump ahead with `FakeClock.advance`.

A check-in holds the session: the loop never moves past it by itself. Silence gets one
re-ask, then the session stays paused on the question. What a person does to a session
(pause, skip, answer, stop) is `companion.core.engine.SessionEngine`, built on this.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from companion.core import events as ev
from companion.core.clock import Clock
from companion.core.events import EndStatus, Event, State, Symptom
from companion.core.routine import Exercise, SetKind
from companion.core.timeline import (
    CHECKIN_REASK,
    CHECKIN_REASK_KEYS,
    CHECKIN_STALLED,
    CHECKIN_STALLED_KEYS,
    Cue,
    CueKind,
    Segment,
    SegmentKind,
    SessionPlan,
    TimelineBuilder,
)

log = logging.getLogger(__name__)

#: Something that reacts to every engine event (the view, the speaker, storage).
Listener = Callable[[Event], None]

ACTIVE = {State.ARRIVAL, State.ANNOUNCE, State.COUNTDOWN, State.WORK, State.CHECKIN,
          State.REST, State.COOLDOWN, State.BREATHING}


# Float tolerance: a timer woken exactly at a deadline must count as on time.
EPS = 1e-6


class EngineError(Exception):
    """A request the engine cannot honour in its current state (a bug in the caller)."""


class Playback:
    """Plays a `SessionPlan` by the clock; every public method returns the events it produced."""

    REASK_AFTER = 15.0
    STALL_AFTER = 15.0

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
                item = self._queue.pop(0)
                for listener in list(self._listeners):
                    try:
                        listener(item)
                    except Exception:  # a failing consumer must never stop the session loop
                        log.exception("listener %r failed on %s", listener, type(item).__name__)
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
        options = self._builder.options
        reask = options.speech_duration(CHECKIN_REASK if options.voice_answers
                                        else CHECKIN_REASK_KEYS)
        return seg.duration + self.REASK_AFTER + reask + self.STALL_AFTER

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, mood_before: int | None = None) -> list[Event]:
        if self._state is not State.IDLE:
            raise EngineError("session already started")
        now = self.clock.now()
        self._t0 = now
        self._emit(ev.SessionStarted(0.0, self.plan.routine.id, self.plan.routine.name,
                                     self.plan.set_count, self.plan.kind))
        if mood_before is not None:
            self._emit(ev.MoodRecorded(0.0, "before", mood_before))
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
        self._emit(ev.CancelSpeech(t))
        self._emit(ev.SessionEnded(t, EndStatus.INTERRUPTED, error=f"{type(exc).__name__}: {exc}"))
        self._emit(ev.CueDue(t, Cue(t, CueKind.INFO,
                                    "Something went wrong, so the session has stopped. "
                                    "Your progress so far is saved.")))
        self._set_state(State.STOPPED)

    def _t(self) -> float:
        return self.clock.now() - self._t0

    def _set_state(self, new: State) -> None:
        if new is not self._state:
            old, self._state = self._state, new
            log.debug("state %s -> %s", old.value, new.value)
            self._emit(ev.StateChanged(self._t(), old, new))

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
            self._emit(ev.SetStarted(t, seg.set_no, seg.round, seg.exercise.name))
        elif seg.kind is SegmentKind.CHECKIN:
            self._checkin_attempt = 1
            self._stalled = False
            self._set_state(State.CHECKIN)
            assert seg.set_no is not None
            self._emit(ev.CheckinAsked(t, seg.set_no, 1, seg.cues[0].text))
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
            self._emit(ev.SessionEnded(t, EndStatus.COMPLETED))
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
        self._emit(ev.CueDue(due - self._t0, cue, late=max(0.0, now - due)))

    def _checkin_timers(self, seg: Segment, elapsed: float) -> None:
        assert seg.set_no is not None
        if self._checkin_attempt == 1 and elapsed + EPS >= seg.duration + self.REASK_AFTER:
            self._checkin_attempt = 2
            reask = (CHECKIN_REASK if self._builder.options.voice_answers
                     else CHECKIN_REASK_KEYS)
            cue = self._builder.cue(elapsed, CueKind.CHECKIN, reask)
            self._emit(ev.CheckinAsked(self._t(), seg.set_no, 2, reask))
            self._fire(cue, self._seg_start + seg.duration + self.REASK_AFTER,
                       self._seg_start + elapsed)
        stall_due = elapsed + EPS >= self._stall_at(seg)
        if self._checkin_attempt == 2 and not self._stalled and stall_due:
            self._stalled = True
            self._emit(ev.CheckinStalled(self._t(), seg.set_no))
            stalled = (CHECKIN_STALLED if self._builder.options.voice_answers
                       else CHECKIN_STALLED_KEYS)
            cue = self._builder.cue(elapsed, CueKind.CHECKIN, stalled, speak=False)
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
        self._emit(ev.SetFinished(end - self._t0, seg.set_no, seg.round, ex.name,
                                  ex.reps, ex.seconds, reps, secs, skipped=skipped,
                                  capped=capped))

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

    def _effort_target(self) -> int | None:
        """Effort belongs to the last set whose check-in was answered (until the next set)."""
        if self._checkin_answered_set is not None:
            return self._checkin_answered_set
        seg = self.segment
        if seg is not None and seg.kind is SegmentKind.CHECKIN:
            return seg.set_no
        return None
