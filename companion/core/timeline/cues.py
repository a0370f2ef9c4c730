"""The vocabulary of a session script: what a cue is, how it competes for the voice, the
sound that may mark it, how much the voice says, and the fixed questions cues ask.

Shared by the plan (`timeline.plan`), its builder (`timeline.builder`), the engine, the
speaker and history; `companion.core.timeline` re-exports all of it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from companion.core.breathing import Phase


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


def estimate_speech(text: str) -> float:
    """A conservative guess of spoken length (espeak-ng at ~175 words a minute)."""
    words = len(text.split())
    pauses = sum(text.count(p) for p in ".,;:!?")
    return 0.0 if not words else 0.25 + words * 60.0 / 175.0 + pauses * 0.12


CHECKIN_QUESTION = (
    "Check-in. Any chest pain or pressure, bad breathlessness, dizziness, "
    "sharp pain, or a sudden bad headache? Say all clear, or say stop."
)
CHECKIN_QUESTION_BRIEF = "Check-in. Any chest pain, dizziness, sharp pain or bad headache?"
#: asked again as the same yes/no question (a "yes" to "are you all clear, or do you need
#: to stop?" was ambiguous: at a check-in "yes" means yes, one of these, and stops)
CHECKIN_REASK = "I didn't catch that. Any of these signs? Say all clear, or say stop."
#: The same two, said when nothing listens (no microphone, or voice commands off): the
#: answers are keys, and "I didn't catch that" would claim a listening that is not there.
CHECKIN_QUESTION_KEYS = (
    "Check-in. Any chest pain or pressure, bad breathlessness, dizziness, "
    "sharp pain, or a sudden bad headache? Press C for all clear, or Y for yes."
)
CHECKIN_REASK_KEYS = ("No answer yet. Any of these signs? "
                      "Press C for all clear, or Y for yes.")
CHECKIN_STALLED_KEYS = ("I'll wait here. Answer when you're ready: press C for all clear, "
                        "or Y for yes.")
CHECKIN_STALLED = "I'll wait here. Answer when you're ready: all clear, or stop."
EFFORT_QUESTION = "How hard was that, from 0 to 10?"
_NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                 "nine", "ten"]


#: Cue kinds spoken even when the user chose tones only (safety is never a beep).
ALWAYS_SPOKEN = frozenset({CueKind.CHECKIN, CueKind.SAFETY, CueKind.END})


def number_word(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


__all__ = [
    "ALWAYS_SPOKEN",
    "CHECKIN_QUESTION",
    "CHECKIN_QUESTION_BRIEF",
    "CHECKIN_QUESTION_KEYS",
    "CHECKIN_REASK",
    "CHECKIN_REASK_KEYS",
    "CHECKIN_STALLED",
    "CHECKIN_STALLED_KEYS",
    "EFFORT_QUESTION",
    "Cue",
    "CueKind",
    "Priority",
    "Tone",
    "Verbosity",
    "estimate_speech",
]
