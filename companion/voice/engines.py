"""Which engine speaks: the system's (pyttsx3: espeak-ng, SAPI5, NSSpeechSynthesizer) or the
natural voice (Piper), with an automatic fallback to the system's that is said once.

`choose_engine` is the pure rule (Qt-free, instant: it reads files, imports nothing heavy):
- "system": the system engine;
- "piper": Piper with the chosen voice; if Piper is not installed or the voice cannot be
  used, the packaged voice, else the system engine, with a notice saying why;
- "auto" (the default): Piper when it is installed with a usable voice, else quietly the
  system engine (nobody asked for the natural voice, so there is nothing to tell).

The engines the rule picks, with the fallback between them, are
`companion.voice.speech_engines.SpeechEngines`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from companion.voice.base import VoiceSettings
from companion.voice.natural import (
    PiperVoiceFile,
    VoiceProblem,
    find_voice,
    packaged_voices,
    piper_installed,
)

AUTO, PIPER, SYSTEM = "auto", "piper", "system"
NOT_INSTALLED = ("The natural voice (Piper) is not installed, so the system voice speaks. "
                 "To install it: pip install 'companion[natural-voice]' (make run does this).")


@dataclass(frozen=True)
class EngineChoice:
    """What will speak: `engine` ("piper" or "system"), Piper's `voice`, and `notice`: why
    the natural voice asked for is not the one used ("" when it is, or was not asked)."""

    engine: str
    voice: PiperVoiceFile | None = None
    notice: str = ""


def choose_engine(settings: VoiceSettings, voices_dir: Path | None, *,
                  installed: Callable[[], bool] = piper_installed) -> EngineChoice:
    """The engine and voice these settings get on this machine (see the module doc)."""
    if settings.engine == SYSTEM:
        return EngineChoice(SYSTEM)
    asked = settings.engine == PIPER or bool(settings.piper_voice)
    if not installed():
        return EngineChoice(SYSTEM, None, NOT_INSTALLED if asked else "")
    try:
        return EngineChoice(PIPER, find_voice(settings.piper_voice, voices_dir))
    except VoiceProblem as exc:
        problem = str(exc)
    if settings.piper_voice:  # the chosen voice is unusable: the packaged one, if any
        default = packaged_voices()
        if default:
            return EngineChoice(PIPER, default[0],
                                f"{problem} The voice {default[0].name} speaks instead.")
    if not asked:
        return EngineChoice(SYSTEM)
    return EngineChoice(SYSTEM, None, f"{problem} The system voice speaks instead.")


def fallback_notice(reason: str) -> str:
    """What the notice says when Piper fails and the system engine takes over."""
    return f"The natural voice could not start: {reason} The system voice speaks instead."
