"""Compile a routine into timed segments of cues: the script the engine plays.

A session is a list of segments (arrival, one per set, check-in, rest, cool-down, end).
Cue times are offsets inside their segment, so the engine can hold at a check-in for as
long as it takes and re-plan a rest (+15 s, amber +30 s) without touching anything else.
`flatten()` lays the segments end to end as if every check-in were answered at once:
that is what `companion preview` prints and what `--audio` renders.

Speech length matters: an announcement must finish before the countdown starts, so the
compiler asks a `speech_duration(text)` function (an estimate by default; the voice layer
passes the real length of each rendered utterance).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from companion.core.breathing import (
    PATTERNS,
    PHASE_WORDS,
    VOICED_CYCLES,
    BreathingPattern,
    BreathingSession,
    Phase,
    breath_steps,
    safe_pattern,
)
from companion.core.routine import Exercise, Routine, SetKind
from companion.core.safety_words import STOP_MESSAGE


class CueKind(enum.Enum):
    """What a cue is for; the values are part of the `preview --json` contract."""

    ARRIVAL = "arrival"
    MOOD = "mood"
    EXERCISE = "exercise"
    COUNTDOWN = "countdown"
    GO = "go"
    REP = "rep"
    HALFWAY = "halfway"
    CHECKIN = "checkin"
    EFFORT = "effort"
    REST = "rest"
    NEXT = "next"
    BREATHE = "breathe"
    COOLDOWN = "cooldown"
    END = "end"
    INFO = "info"
    SAFETY = "safety"


class Priority(enum.IntEnum):
    """How a cue competes for the voice.

    NORMAL cues may wait briefly; TIMED cues (countdown, go, reps, breathing) must start on
    time and replace a stale cue instead of queueing; SAFETY preempts everything.
    """

    NORMAL = 0
    TIMED = 1
    SAFETY = 2


class Tone(enum.Enum):
    """Short sounds that mark moments without words (files in resources/sounds/)."""

    GO = "go"
    TICK = "tick"
    SET_END = "set_end"
    BREATHE_IN = "breathe_in"
    BREATHE_OUT = "breathe_out"
    HOLD = "hold"


class Verbosity(enum.Enum):
    """How much the voice says: every cue, the essentials, or tones only."""

    FULL = "full"
    BRIEF = "brief"
    TONES = "tones"


class SegmentKind(enum.Enum):
    ARRIVAL = "arrival"
    SET = "set"
    CHECKIN = "checkin"
    REST = "rest"
    COOLDOWN = "cooldown"
    END = "end"
    BREATHING = "breathing"  # a stand-alone breathing session's guided breaths


@dataclass(frozen=True)
class Cue:
    """One prompt: shown as a caption, spoken unless `speak` is False, maybe with a tone."""

    t: float
    kind: CueKind
    text: str
    speak: bool = True
    tone: Tone | None = None
    priority: Priority = Priority.NORMAL
    rep: int | None = None
    phase: Phase | None = None
    phase_seconds: float | None = None
    duration: float = 0.0

    def at(self, t: float) -> Cue:
        return replace(self, t=t)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "t": round(self.t, 3),
            "kind": self.kind.value,
            "text": self.text,
            "speak": self.speak,
            "duration": round(self.duration, 3),
        }
        if self.tone is not None:
            data["tone"] = self.tone.value
        if self.rep is not None:
            data["rep"] = self.rep
        if self.phase is not None:
            data["phase"] = self.phase.value
            data["phase_seconds"] = self.phase_seconds
        return data


@dataclass(frozen=True)
class Segment:
    """A stretch of the session; cue times are relative to its start.

    For a set, `countdown_at` and `work_at` split it into announce / countdown / work.
    `duration` is how long it runs if nothing intervenes (to-fatigue: the safety cap);
    `nominal` is what the preview assumes (to-fatigue: the expected time). For a rest,
    `requested` is what the routine asked for (shorter than `duration` when lengthened).
    """

    kind: SegmentKind
    duration: float
    cues: tuple[Cue, ...]
    nominal: float
    set_no: int | None = None
    round: int | None = None
    exercise: Exercise | None = None
    countdown_at: float = 0.0
    work_at: float = 0.0
    hold: bool = False
    open_ended: bool = False
    requested: float | None = None


def estimate_speech(text: str) -> float:
    """A conservative guess of spoken length (espeak-ng at ~175 words a minute)."""
    words = len(text.split())
    pauses = sum(text.count(p) for p in ".,;:!?")
    return 0.0 if not words else 0.25 + words * 60.0 / 175.0 + pauses * 0.12


@dataclass(frozen=True)
class TimelineOptions:
    """Everything besides the routine that shapes the script."""

    verbosity: Verbosity = Verbosity.FULL
    speech_duration: Callable[[str], float] = estimate_speech
    rest_pattern: str = ""
    calm_pattern: str = "coherent"
    voiced_breaths: int = 2
    arrival_breaths: int = 3
    cooldown_seconds: float = 60.0
    no_breath_hold: bool = False
    ask_mood_before: bool = True
    extra_cues: dict[str, str] = field(default_factory=dict)
    #: set for a stand-alone breathing session: the plan is that session, and the routine
    #: given to `compile_plan` is only its label (`breathing_routine()`)
    breathing: BreathingSession | None = None


CHECKIN_QUESTION = (
    "Check-in. Any chest pain or pressure, bad breathlessness, dizziness, "
    "sharp pain, or a sudden bad headache? Say all clear, or say stop."
)
CHECKIN_QUESTION_BRIEF = "Check-in. Any chest pain, dizziness, sharp pain or bad headache?"
CHECKIN_REASK = "I didn't catch that. Are you all clear, or do you need to stop?"
CHECKIN_STALLED = "I'll wait here. Answer when you're ready: all clear, or stop."
EFFORT_QUESTION = "How hard was that, from 0 to 10?"
_NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                 "nine", "ten"]


@dataclass(frozen=True)
class SessionPlan:
    """The compiled session: the routine as run plus its segments in order."""

    routine: Routine
    segments: tuple[Segment, ...]
    options: TimelineOptions

    @property
    def total_seconds(self) -> float:
        return sum(s.nominal for s in self.segments)

    @property
    def set_count(self) -> int:
        return sum(1 for s in self.segments if s.kind is SegmentKind.SET)

    @property
    def breathing(self) -> BreathingSession | None:
        return self.options.breathing

    @property
    def kind(self) -> str:
        """What history stores: "workout", or "breathing" for a stand-alone session."""
        return "breathing" if self.options.breathing is not None else "workout"

    @property
    def notes(self) -> tuple[str, ...]:
        """What runs differently from what the routine says, in plain words (shown in the
        previews; `companion routines check` warns about the same)."""
        stretched = [s for s in self.segments if s.kind is SegmentKind.REST
                     and s.requested is not None and s.requested + 1e-9 < s.duration]
        if not stretched:
            return ()
        asked = " / ".join(f"{v:g}" for v in sorted({s.requested or 0.0 for s in stretched}))
        lows = min(s.duration for s in stretched)
        highs = max(s.duration for s in stretched)
        got = f"{lows:g}" if lows == highs else f"{lows:g}-{highs:g}"
        return (f"Rests of {asked} s are too short to say how hard the set was and to hear "
                f"the next exercise, so they last {got} s.",)


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
        text = CHECKIN_QUESTION if self._full else CHECKIN_QUESTION_BRIEF
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


#: Cue kinds spoken even when the user chose tones only (safety is never a beep).
ALWAYS_SPOKEN = frozenset({CueKind.CHECKIN, CueKind.SAFETY, CueKind.END})


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


def flatten(plan: SessionPlan) -> list[Cue]:
    """Absolute cues as if every check-in were answered the moment it is asked."""
    out: list[Cue] = []
    t0 = 0.0
    for seg in plan.segments:
        for cue in seg.cues:
            if not seg.open_ended or cue.t < seg.nominal - 1e-9:
                out.append(cue.at(t0 + cue.t))
        t0 += seg.nominal
    return out


def number_word(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


__all__ = [
    "ALWAYS_SPOKEN",
    "CHECKIN_QUESTION",
    "CHECKIN_REASK",
    "CHECKIN_STALLED",
    "EFFORT_QUESTION",
    "PATTERNS",
    "STOP_MESSAGE",
    "Cue",
    "CueKind",
    "Priority",
    "Segment",
    "SegmentKind",
    "SessionPlan",
    "TimelineBuilder",
    "TimelineOptions",
    "Tone",
    "Verbosity",
    "breathing_routine",
    "compile_breathing",
    "compile_plan",
    "estimate_speech",
    "flatten",
]
