"""What of a cue is heard under the user's settings (Qt-free; the live speaker and the
session renderer share it, so the rendered file sounds like the live session).

The timeline already shapes the words by verbosity when a plan is compiled; this applies a
change made mid-session at once: "tones only" turns spoken cues into their tones (safety,
check-in and the end are always spoken), "brief" drops the "Down" half of a rep count, and
tones off silences every tone.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.core.breathing import Phase
from companion.core.timeline import Cue, CueKind, Tone, Verbosity
from companion.voice.base import VoiceSettings

ALWAYS_SPOKEN = frozenset({CueKind.CHECKIN, CueKind.SAFETY, CueKind.END})

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
