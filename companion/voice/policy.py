"""What of a cue is heard under the user's settings (Qt-free; the live speaker and the
session renderer share it, so the rendered file sounds like the live session).

The timeline already shapes the words by verbosity when a plan is compiled; this applies a
change made mid-session at once: "tones only" turns spoken cues into their tones (safety,
check-in and the end are always spoken), "brief" drops the "Down" half of a rep count, and
tones off silences every tone.

`speech_turn` holds the speech-queue rules (`Priority`): SAFETY is never spoken over, TIMED
cuts in, NORMAL waits for the utterance playing at most MAX_QUEUE_WAIT seconds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from companion.core.breathing import Phase
from companion.core.timeline import ALWAYS_SPOKEN, Cue, CueKind, Priority, Tone, Verbosity
from companion.voice.base import VoiceSettings

#: Seconds a NORMAL cue may wait for the voice before it is stale (and dropped).
MAX_QUEUE_WAIT = 3.0

_KIND_TONES = {CueKind.COUNTDOWN: Tone.TICK, CueKind.GO: Tone.GO}
_PHASE_TONES = {Phase.IN: Tone.BREATHE_IN, Phase.OUT: Tone.BREATHE_OUT,
                Phase.HOLD_IN: Tone.HOLD, Phase.HOLD_OUT: Tone.HOLD}


@dataclass(frozen=True)
class Audible:
    speak: bool
    tone: Tone | None


def audible(cue: Cue, settings: VoiceSettings) -> Audible:
    speak = cue.speak and bool(cue.text.strip())
    tone = cue.tone
    if settings.verbosity is Verbosity.TONES and cue.kind not in ALWAYS_SPOKEN:
        if speak and tone is None:
            tone = _KIND_TONES.get(cue.kind)
            if cue.kind is CueKind.BREATHE and cue.phase is not None:
                tone = _PHASE_TONES[cue.phase]
        speak = False
    elif settings.verbosity is Verbosity.BRIEF and cue.kind is CueKind.REP and cue.rep is None:
        speak = False
    if not settings.tones:
        tone = None
    return Audible(speak, tone)


class Turn(enum.Enum):
    """What a new spoken cue does to the utterance playing (`speech_turn`)."""

    NOW = "now"  # nothing is playing: start it
    CUT_IN = "cut_in"  # cut the utterance playing (and forget the queue), then start it
    WAIT = "wait"  # queue it behind the utterance playing (for MAX_QUEUE_WAIT at most)
    DROP = "drop"  # never spoken: a safety message is playing


def still_fresh(waited: float) -> bool:
    """A NORMAL cue that has waited `waited` seconds for the voice is still worth saying
    (the live speaker and the renderer drop it after MAX_QUEUE_WAIT)."""
    return waited <= MAX_QUEUE_WAIT


def speech_turn(cue: Priority, playing: Priority | None) -> Turn:
    """The speech-queue rules, shared by the live speaker and the session renderer.

    `cue` is the new cue's priority; `playing` the priority of the utterance playing now
    (None when the voice is idle). A SAFETY cue always cuts in (the caller also stops tones).
    """
    if playing is None:
        return Turn.NOW
    if playing is Priority.SAFETY and cue is not Priority.SAFETY:
        return Turn.DROP
    if cue >= Priority.TIMED:
        return Turn.CUT_IN
    return Turn.WAIT
