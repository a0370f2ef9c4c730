"""Build what the screens are given (`AppServices`) for one profile: the history, settings,
voice, voice input and the safety gates. The window calls `build_services` at start-up and
when switching profiles; `companion.ui.shell.app.run_gui` only starts the window.

`COMPANION_TIME_SCALE=N` runs the session clock N times faster and `COMPANION_NO_VOICE=1`
gives captions only (testing aids documented in the README).
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import TYPE_CHECKING

from companion.config import resolve_paths
from companion.ui.shell.options import LaunchOptions

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from companion.config import Paths
    from companion.ui.adapters.history import DatabaseHistory
    from companion.ui.adapters.listening import VoiceInput
    from companion.ui.services.container import AppServices
    from companion.voice.base import Speaker, VoiceSettings

log = logging.getLogger(__name__)


def make_default_speaker(paths: Paths, settings: VoiceSettings) -> Speaker:
    """The real voice (espeak-ng through QtMultimedia), or captions only if it cannot start.

    `COMPANION_NO_VOICE=1` gives captions only (a testing aid, and a quiet-room choice).
    """
    from companion.voice.base import CaptionsOnlySpeaker, VoiceStatus

    if os.environ.get("COMPANION_NO_VOICE"):
        return CaptionsOnlySpeaker(VoiceStatus.OFF, "Voice is off: prompts show as captions.")
    try:
        from companion.ui.adapters.speech_setup import make_speaker

        return make_speaker(paths, settings)
    except Exception as exc:  # no voice must never mean no session: captions still work
        log.exception("the voice could not start")
        return CaptionsOnlySpeaker(VoiceStatus.NO_ENGINE,
                                   f"The voice could not start ({exc}); prompts show as "
                                   "captions.")


def open_history(paths: Paths, db_url: str | None,
                 profile: str | None = None) -> tuple[DatabaseHistory, list[str]]:
    """A profile's history (`profile` None: the first), always with its journal and
    red-flag gate, whatever the database does.

    A database that cannot be opened (busy, read-only, a server that does not answer, a
    driver missing) does not mean an unguarded history: sessions are kept in the profile's
    journal, the banner says why they are not in the database yet, and the gate asks when
    it cannot tell. There is no in-memory fallback. A profile that can be neither opened
    nor found raises ProfileUnavailable / ProfileError (the window says so and closes).
    """
    from companion.ui.adapters.history import DatabaseHistory

    history = DatabaseHistory.open_profile(paths, db_url, profile)
    return history, history.problems()


def build_services(args: argparse.Namespace | LaunchOptions, *,
                   speaker: Speaker | None = None,
                   voice_input: VoiceInput | None = None) -> AppServices:
    """Everything the screens use, for `args.profile` (None: the first profile); problems
    are collected for the start screen, never raised, except a profile that cannot be
    opened at all (ProfileUnavailable / ProfileError). `speaker` and `voice_input` are
    reused when switching profiles (each profile's voice settings are applied)."""
    from companion.config import resolve_db_url
    from companion.core.clock import Clock, SystemClock
    from companion.settings import load_settings
    from companion.ui.services.container import AppServices, ScaledClock
    from companion.ui.shell.gates import red_flag_gate_for

    options = LaunchOptions.from_args(args)
    base = resolve_paths(options.data_dir).ensure()
    history, history_problems = open_history(base, options.db, options.profile)
    paths = (history.paths or base).ensure()  # the profile's own folder
    settings, problems = load_settings(paths.settings_file)
    if speaker is None:
        speaker = make_default_speaker(paths, settings.voice_settings())
    else:
        try:
            speaker.apply(settings.voice_settings())
        except Exception:  # a voice that refuses a setting must not stop the switch
            log.exception("the voice did not take this profile's settings")
    clock: Clock = SystemClock()
    scale = os.environ.get("COMPANION_TIME_SCALE", "")
    if scale:
        try:
            clock = ScaledClock(float(scale))
        except ValueError:
            log.warning("ignored COMPANION_TIME_SCALE=%r (not a number)", scale)
    problems += history_problems
    services = AppServices(
        paths=paths,
        settings=settings,
        speaker=speaker,
        history=history,
        clock=clock,
        db_url=resolve_db_url(paths, options.db),
        problems=list(problems),
    )
    services.session_gate = red_flag_gate_for(history)
    services.first_run = lambda parent: _first_run(parent, services)
    services.refresh_profile()
    if voice_input is None:
        voice_input = make_voice_input(settings.voice_input, speaker)
    else:
        voice_input.set_enabled(settings.voice_input)
    services.voice_input = voice_input
    return services


def make_voice_input(enabled: bool, speaker: Speaker) -> VoiceInput | None:
    """Voice commands, opened off the GUI thread; None if even that cannot be set up."""
    if os.environ.get("COMPANION_NO_VOICE"):  # the captions-only testing aid: no mic either
        return None
    try:
        from companion.ui.adapters.listening import VoiceInput

        voice_input = VoiceInput(enabled)
        voice_input.connect_speaker(speaker)
        voice_input.open()
        return voice_input
    except Exception:  # voice commands are optional; keys and buttons always work
        log.exception("voice input could not be set up")
        return None


def _first_run(parent: QWidget | None, services: AppServices) -> None:
    from companion.ui.shell.gates import start_first_run

    if parent is not None:
        start_first_run(parent, services)
