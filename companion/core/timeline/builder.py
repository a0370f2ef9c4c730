"""Compile a routine into timed segments of cues: the script the engine plays.

`TimelineBuilder` makes every cue (`cue()`, the public way: the plan's and the engine's
own come out alike) and every segment; the engine keeps it to re-plan a rest mid-session.
Speech length matters: an announcement must finish before the countdown starts, so the
builder asks a `speech_duration(text)` function (an estimate by default; the voice layer
passes the real length of each rendered utterance).
"""

from __future__ import annotations

import math
from dataclasses import replace

from companion.core.breathing import (
    PHASE_WORDS,
    VOICED_CYCLES,
    BreathingPattern,
    BreathingSession,
    Phase,
    breath_steps,
    safe_pattern,
)
from companion.core.routine import Exercise, Routine, SetKind
from companion.core.timeline.cues import (
    ALWAYS_SPOKEN,
    CHECKIN_QUESTION,
    CHECKIN_QUESTION_BRIEF,
    CHECKIN_QUESTION_KEYS,
    EFFORT_QUESTION,
    Cue,
    CueKind,
    Priority,
    Tone,
    Verbosity,
    number_word,
)
from companion.core.timeline.plan import Segment, SegmentKind, SessionPlan, TimelineOptions


class TimelineBuilder:
    """Builds segments; kept by the engine so a rest can be re-planned mid-session."""

    def __init__(self, routine: Routine, options: TimelineOptions | None = None) -> None:
        self.routine = routine
        self.options = options or TimelineOptions()
        self._dur = self.options.speech_duration
        self.rest_pattern = safe_pattern(
            self.options.rest_pattern or routine.breathing,
            after_effort=True,
            no_breath_hold=self.options.no_breath_hold,
        )
        self.calm_pattern = safe_pattern(
            self.options.calm_pattern, after_effort=True, no_breath_hold=self.options.no_breath_hold
        )

    # -- helpers ---------------------------------------------------------------------------
    def cue(self, t: float, kind: CueKind, text: str, *, speak: bool = True,
            tone: Tone | None = None, priority: Priority = Priority.NORMAL,
            rep: int | None = None, phase: Phase | None = None,
            phase_seconds: float | None = None) -> Cue:
        """A cue at `t` seconds, shaped by the options: under "tones only" it is not spoken
        unless its kind is in ALWAYS_SPOKEN; a spoken cue's `duration` is its estimated
        speech (seconds). The public way to make a cue: the plan's and the engine's own
        (a check-in asked again, a skip, the stop message) come out alike."""
        if self.options.verbosity is Verbosity.TONES and kind not in ALWAYS_SPOKEN:
            speak = False
        duration = self._dur(text) if speak else 0.0
        return Cue(t, kind, text, speak=speak, tone=tone, priority=priority, rep=rep,
                   phase=phase, phase_seconds=phase_seconds, duration=duration)

    @property
    def _full(self) -> bool:
        return self.options.verbosity is Verbosity.FULL

    def _breathing(
        self, start: float, seconds: float, pattern: BreathingPattern, voiced_cycles: int
    ) -> list[Cue]:
        cues: list[Cue] = []
        for step in breath_steps(pattern, seconds):
            voiced = step.cycle < voiced_cycles
            tone = {
                Phase.IN: Tone.BREATHE_IN,
                Phase.OUT: Tone.BREATHE_OUT,
            }.get(step.phase, Tone.HOLD)
            cues.append(
                self.cue(
                    start + step.offset,
                    CueKind.BREATHE,
                    PHASE_WORDS[step.phase],
                    speak=voiced,
                    tone=None if voiced else tone,
                    priority=Priority.TIMED,
                    phase=step.phase,
                    phase_seconds=step.seconds,
                )
            )
        return cues

    # -- segments --------------------------------------------------------------------------
    def arrival(self) -> Segment:
        text = (
            "Welcome. Let's arrive. Stand or sit comfortably, and notice your breath."
            if self._full
            else "Welcome. A few calm breaths first."
        )
        cues = [self.cue(0.0, CueKind.ARRIVAL, text)]
        start = cues[0].duration + 0.6
        pattern = self.calm_pattern
        seconds = pattern.cycle_seconds * self.options.arrival_breaths
        cues += self._breathing(start, seconds, pattern, voiced_cycles=self.options.arrival_breaths)
        t = start + seconds + 0.4
        if self.options.ask_mood_before:
            mood = self.cue(t, CueKind.MOOD, "How are you feeling right now, from 1 to 5?")
            cues.append(mood)
            t += mood.duration + 1.0
        return Segment(SegmentKind.ARRIVAL, t, tuple(cues), t)

    def set_segment(self, set_no: int, rnd: int, ex: Exercise) -> Segment:
        cues: list[Cue] = []
        text = self._announce_text(rnd, ex)
        cues.append(self.cue(0.0, CueKind.EXERCISE, text))
        countdown_at = max(cues[0].duration + 0.5, 1.5)
        for i, n in enumerate(("3", "2", "1")):
            cues.append(
                self.cue(countdown_at + i, CueKind.COUNTDOWN, n, priority=Priority.TIMED)
            )
        work_at = countdown_at + 3.0
        go_text = "Go. Breathe out on the effort." if self._full and ex.kind is not SetKind.TIMED \
            else "Go."
        go = self.cue(work_at, CueKind.GO, go_text, tone=Tone.GO, priority=Priority.TIMED)
        cues.append(go)
        if ex.kind is SetKind.TIMED:
            cues += self._timed_work(work_at, float(ex.seconds or 0))
            duration = work_at + float(ex.seconds or 0)
            nominal, open_ended = duration, False
        else:
            reps_start = work_at + max(go.duration + 0.3, 1.0)
            if ex.kind is SetKind.REPS:
                count = ex.reps or 0
                duration = reps_start + count * ex.tempo.rep_seconds
                nominal, open_ended = duration, False
            else:
                duration = work_at + ex.cap_seconds
                nominal = work_at + min(ex.expected_seconds, ex.cap_seconds)
                count = int((duration - reps_start) // ex.tempo.rep_seconds)
                open_ended = True
            cues += self._rep_cues(reps_start, count, ex, limit=duration)
        return Segment(
            SegmentKind.SET,
            duration,
            tuple(cues),
            nominal,
            set_no=set_no,
            round=rnd,
            exercise=ex,
            countdown_at=countdown_at,
            work_at=work_at,
            open_ended=open_ended,
        )

    def _announce_text(self, rnd: int, ex: Exercise) -> str:
        if ex.kind is SetKind.REPS:
            target = f"{ex.reps} reps."
        elif ex.kind is SetKind.TIMED:
            target = f"Hold for {ex.seconds:g} seconds."
        else:
            target = "Go until you're near fatigue, then say done."
        if not self._full:
            return f"{ex.name}. {target}"
        parts = [f"{ex.name}."]
        if ex.cues:
            parts.append(ex.cues[(rnd - 1) % len(ex.cues)])
        if ex.balance_cue:
            parts.append(ex.balance_cue)
        parts.append(target)
        return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts)

    def _rep_cues(self, start: float, count: int, ex: Exercise, limit: float) -> list[Cue]:
        cues: list[Cue] = []
        for n in range(1, count + 1):
            w = start + (n - 1) * ex.tempo.rep_seconds
            if w + ex.tempo.down > limit + 1e-9:
                break
            if self._full:
                cues.append(self.cue(w, CueKind.REP, "Down", priority=Priority.TIMED))
            cues.append(
                self.cue(
                    w + ex.tempo.down,
                    CueKind.REP,
                    f"Up, {n}" if self._full else str(n),
                    priority=Priority.TIMED,
                    rep=n,
                )
            )
        return cues

    def _timed_work(self, start: float, seconds: float) -> list[Cue]:
        cues: list[Cue] = []
        if seconds >= 10:
            text = "Halfway. Keep breathing steadily." if self._full else "Halfway."
            cues.append(self.cue(start + seconds / 2, CueKind.HALFWAY, text))
        for i, n in enumerate(("3", "2", "1")):
            t = start + seconds - 3 + i
            if t > start + 0.5:
                cues.append(
                    self.cue(t, CueKind.COUNTDOWN, n, tone=Tone.TICK, priority=Priority.TIMED)
                )
        return cues

    def checkin(self, set_no: int, rnd: int, ex: Exercise) -> Segment:
        text = (CHECKIN_QUESTION_BRIEF if not self._full
                else CHECKIN_QUESTION if self.options.voice_answers else CHECKIN_QUESTION_KEYS)
        cue = self.cue(0.0, CueKind.CHECKIN, text, tone=Tone.SET_END)
        return Segment(
            SegmentKind.CHECKIN, cue.duration, (cue,), cue.duration,
            set_no=set_no, round=rnd, exercise=ex, hold=True,
        )

    #: Seconds after the effort question to answer it before anything else is said.
    ANSWER_WINDOW = 5.0
    #: Silence after the "Next up" announcement before the next set is announced.
    NEXT_GAP = 0.5

    def _rest_texts(self, seconds: float, next_ex: Exercise,
                    extra_text: str) -> tuple[str, str]:
        first = f"Rest for {seconds:g} seconds. {EFFORT_QUESTION}"
        if extra_text:
            first = f"{extra_text} {first}"
        nxt_text = f"Next up: {next_ex.name}." if self.options.verbosity is not Verbosity.FULL \
            else f"Next up: {next_ex.name}, {next_ex.target_text}. Get ready."
        return first, nxt_text

    def _rest_needed(self, seconds: float, next_ex: Exercise, extra_text: str) -> float:
        first, nxt_text = self._rest_texts(seconds, next_ex, extra_text)
        return (self.cue(0.0, CueKind.REST, first).duration + self.ANSWER_WINDOW
                + self._dur(nxt_text) + self.NEXT_GAP)

    def min_rest(self, seconds: float, next_ex: Exercise, extra_text: str = "") -> float:
        """The rest this slot really gets: `seconds`, or, when that is too short to ask the
        effort question, leave ANSWER_WINDOW s to answer and announce the next exercise, the
        shortest whole number of seconds that is long enough (the voice then says that
        number, so what is said is what happens)."""
        if seconds + 1e-9 >= self._rest_needed(seconds, next_ex, extra_text):
            return seconds
        length = float(math.ceil(self._rest_needed(seconds, next_ex, extra_text)))
        for _ in range(5):  # the spoken number changes the length a little: settle it
            needed = self._rest_needed(length, next_ex, extra_text)
            if length + 1e-9 >= needed:
                break
            length = float(math.ceil(needed))
        return length

    def rest(self, set_no: int, seconds: float, next_ex: Exercise, extra_text: str = "") -> Segment:
        """A rest: the effort question, time to answer, rest breathing, then "Next up".

        A rest shorter than that needs is lengthened (`min_rest`); the segment's
        `requested` keeps what the routine asked for, so a preview can say so.
        """
        requested = seconds
        seconds = self.min_rest(seconds, next_ex, extra_text)
        first, nxt_text = self._rest_texts(seconds, next_ex, extra_text)
        cues = [self.cue(0.0, CueKind.REST, first)]
        nxt_dur = self._dur(nxt_text)
        answered = cues[0].duration + self.ANSWER_WINDOW
        next_t = max(seconds - nxt_dur - 2.0, answered)
        next_t = min(next_t, seconds - nxt_dur - self.NEXT_GAP)
        b0 = cues[0].duration + 0.8
        if next_t - 0.5 - b0 > 0:
            cues += self._breathing(b0, next_t - 0.5 - b0, self.rest_pattern,
                                    voiced_cycles=self.options.voiced_breaths)
        cues.append(self.cue(next_t, CueKind.NEXT, nxt_text))
        return Segment(SegmentKind.REST, seconds, tuple(cues), seconds, set_no=set_no,
                       requested=requested)

    def cooldown(self) -> Segment:
        """The last set's effort question (with time to answer), then calm breathing and
        the mood question."""
        text = (
            f"That was the last set. Well done. {EFFORT_QUESTION}"
            if self._full
            else f"Last set done. {EFFORT_QUESTION}"
        )
        cues = [self.cue(0.0, CueKind.COOLDOWN, text)]
        intro_t = cues[0].duration + self.ANSWER_WINDOW
        intro = self.cue(
            intro_t, CueKind.COOLDOWN,
            "Let's cool down with a minute of slow breathing. Notice your muscles settling."
            if self._full else "Cool-down breathing.")
        cues.append(intro)
        start = intro_t + intro.duration + 0.6
        cues += self._breathing(start, self.options.cooldown_seconds, self.calm_pattern,
                                voiced_cycles=self.options.voiced_breaths)
        t = start + self.options.cooldown_seconds + 0.4
        mood = self.cue(t, CueKind.MOOD, "How do you feel now, from 1 to 5?")
        cues.append(mood)
        t += mood.duration + 1.0
        return Segment(SegmentKind.COOLDOWN, t, tuple(cues), t)

    def end(self) -> Segment:
        text = (
            "Session complete. You showed up and finished: that's the win today."
            if self._full
            else "Session complete."
        )
        cue = self.cue(0.0, CueKind.END, text, tone=Tone.SET_END)
        return Segment(SegmentKind.END, cue.duration + 0.5, (cue,), cue.duration + 0.5)

    def breathing_session(self, session: BreathingSession) -> Segment:
        """A stand-alone session: a short welcome, whole breaths (voiced for the first
        cycles, then soft tones only), nothing else until the end."""
        pattern = session.pattern
        if self._full:
            minutes = "one minute" if session.minutes == 1 else \
                f"{number_word(session.minutes)} minutes"
            text = (f"{pattern.name}, for about {minutes}. Sit or lie comfortably. "
                    "Follow the circle: it grows as you breathe in and shrinks as you "
                    "breathe out.")
        else:
            text = f"{pattern.name}."
        if pattern.note:
            text = f"{text} {pattern.note}"
        cues = [self.cue(0.0, CueKind.ARRIVAL, text)]
        start = cues[0].duration + 1.0
        cues += self._breathing(start, session.seconds, pattern, voiced_cycles=VOICED_CYCLES)
        t = start + session.seconds + 0.5  # a quiet moment after the last out-breath
        return Segment(SegmentKind.BREATHING, t, tuple(cues), t)

    def breathing_end(self) -> Segment:
        text = ("That is the end of your breathing session. Take a moment to notice how you "
                "feel." if self._full else "Breathing session complete.")
        cue = self.cue(0.0, CueKind.END, text, tone=Tone.SET_END)
        return Segment(SegmentKind.END, cue.duration + 0.5, (cue,), cue.duration + 0.5)

    # -- whole plan ------------------------------------------------------------------------
    def build(self) -> SessionPlan:
        breathing = self.options.breathing
        if breathing is not None:
            segments = (self.breathing_session(breathing), self.breathing_end())
            return SessionPlan(self.routine, segments, self.options)
        segs: list[Segment] = [self.arrival()]
        sets = self.routine.sets()
        for set_no, (rnd, _idx, ex) in enumerate(sets):
            segs.append(self.set_segment(set_no, rnd, ex))
            segs.append(self.checkin(set_no, rnd, ex))
            if set_no + 1 < len(sets):
                segs.append(self.rest(set_no, self.routine.rest_after(ex), sets[set_no + 1][2]))
        segs.append(self.cooldown())
        segs.append(self.end())
        return SessionPlan(self.routine, tuple(segs), self.options)


def compile_plan(routine: Routine, options: TimelineOptions | None = None) -> SessionPlan:
    """The pure function at the heart of the app: routine (+ options) -> session plan."""
    return TimelineBuilder(routine, options).build()


def breathing_routine(session: BreathingSession) -> Routine:
    """The label a breathing session runs under (id `breathing-<pattern>`, no exercises):
    what the engine announces, history stores and the speaker prepares."""
    return Routine(id=session.routine_id, name=session.name, rounds=0, rest_seconds=0.0,
                   exercises=(), description=session.pattern.description,
                   breathing=session.pattern.id)


def compile_breathing(session: BreathingSession,
                      options: TimelineOptions | None = None) -> SessionPlan:
    """The plan of a stand-alone breathing session (`preview --breathing`, the B screen)."""
    opts = replace(options or TimelineOptions(), breathing=session)
    return compile_plan(breathing_routine(session), opts)


__all__ = [
    "TimelineBuilder",
    "breathing_routine",
    "compile_breathing",
    "compile_plan",
]
