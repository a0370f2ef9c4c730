"""Setting up the real voice: the best speaker this machine allows (`make_speaker`), the
speech cache folder, and the system engine's voices for Settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from companion.config import Paths
from companion.ui.adapters.speech import QtSpeaker
from companion.voice.base import CaptionsOnlySpeaker, Speaker, VoiceSettings, VoiceStatus
from companion.voice.speech_engines import SpeechEngines
from companion.voice.synth import Synthesizer, VoiceInfo

log = logging.getLogger(__name__)

NO_QTMULTIMEDIA_FIX = "Install the audio library Qt needs: sudo apt-get install libpulse0"


def available_voices(speaker: Speaker) -> list[VoiceInfo]:
    """The system engine's voices for the Settings screen (readable name and language);
    empty without an engine. The first call asks the engine (tens of ms), later calls are
    instant. Piper's voices are files: `companion.voice.natural.discover_voices`."""
    if not isinstance(speaker, QtSpeaker) or speaker.synth is None:
        return []
    return speaker.synth.voices()


def speech_cache_dir(paths: Paths) -> Path:
    """`paths.cache_dir` when it can be written, else a private temporary folder: a
    read-only data folder must not silence the voice (a tester's read-only mount did).
    The temporary folder is left for the system to clean (it holds only rendered speech)."""
    import tempfile

    try:
        (paths.cache_dir / "speech").mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=paths.cache_dir / "speech"):
            pass
        return paths.cache_dir
    except OSError as exc:
        fallback = Path(tempfile.mkdtemp(prefix="companion-cache-"))
        log.warning("speech cache %s cannot be written (%s); using %s", paths.cache_dir,
                    exc.strerror or exc, fallback)
        return fallback


def make_speaker(paths: Paths, settings: VoiceSettings | None = None, *,
                 synth: Synthesizer | SpeechEngines | None = None,
                 audio_outputs: Callable[[], list[Any]] | None = None) -> Speaker:
    """The best speaker this machine allows, with `state` saying what is missing and how
    to fix it. Starts the speech helper (a fraction of a second): call it once at start-up,
    not per session.

    - QtMultimedia cannot load: CaptionsOnlySpeaker (NO_AUDIO, fix: install libpulse0);
    - no speech engine: QtSpeaker without speech (NO_ENGINE): captions and tones;
    - no audio output device: QtSpeaker (NO_AUDIO); it recovers when a device appears.
    The engine is the one the settings choose (`companion.voice.engines`): the natural voice
    checks itself on a background thread, so it never holds up the window.
    """
    settings = settings or VoiceSettings()
    try:
        import companion.qt.multimedia  # noqa: F401
    except ImportError as exc:
        log.warning("QtMultimedia unavailable: %s", exc)
        return CaptionsOnlySpeaker(VoiceStatus.NO_AUDIO,
                                   f"Sound is unavailable ({exc}); prompts show as captions.",
                                   NO_QTMULTIMEDIA_FIX)
    if synth is None:
        synth = SpeechEngines(speech_cache_dir(paths), settings, paths.voices_dir)
    state = synth.start()
    if state.status is not VoiceStatus.OK:
        log.warning("no speech engine: %s", state.message)
    return QtSpeaker(synth, settings, audio_outputs=audio_outputs)
