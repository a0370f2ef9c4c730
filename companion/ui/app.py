"""Start the GUI: show the window first, then load routines and the rest (fast first paint).

Testing aids (documented in the README; none answers for the user: that harness lives in
tests/harness/autoplay.py, outside the package): `COMPANION_TIME_SCALE=N` runs the session
clock N times faster; `COMPANION_EXIT_WHEN_SHOWN=1` writes "shown" to stdout at the first
paint and quits; `COMPANION_EXIT_WHEN_READY=1` writes "ready" once the start screen is
loaded, painted and taking keys (routines listed, the voice ready or its banner shown), then
quits (the startup benchmark); `COMPANION_NO_VOICE=1` gives captions only.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from companion.config import resolve_paths
from companion.ui.window import MainWindow

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from companion.config import Paths
    from companion.ui.services import AppServices, History
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
        from companion.ui.speech import make_speaker

        return make_speaker(paths, settings)
    except Exception as exc:  # no voice must never mean no session: captions still work
        log.exception("the voice could not start")
        return CaptionsOnlySpeaker(VoiceStatus.NO_ENGINE,
                                   f"The voice could not start ({exc}); prompts show as "
                                   "captions.")


def open_history(paths: Paths, db_url: str | None,
                 profile: str | None = None) -> tuple[History, list[str]]:
    """A profile's history (`profile` None: the first), always with its journal and
    red-flag gate, whatever the database does.

    A database that cannot be opened (busy, read-only, a server that does not answer, a
    driver missing) does not mean an unguarded history: sessions are kept in the profile's
    journal, the banner says why they are not in the database yet, and the gate asks when
    it cannot tell. There is no in-memory fallback. A profile that can be neither opened
    nor found raises ProfileUnavailable / ProfileError (the window says so and closes).
    """
    from companion.ui.history import DatabaseHistory

    history = DatabaseHistory.open_profile(paths, db_url, profile)
    return history, history.problems()


def build_services(args: argparse.Namespace, *, speaker: Speaker | None = None,
                   voice_input: Any = None) -> AppServices:
    """Everything the screens use, for `args.profile` (None: the first profile); problems
    are collected for the start screen, never raised, except a profile that cannot be
    opened at all (ProfileUnavailable / ProfileError). `speaker` and `voice_input` are
    reused when switching profiles (each profile's voice settings are applied)."""
    from companion.config import resolve_db_url
    from companion.core.clock import Clock, SystemClock
    from companion.settings import load_settings
    from companion.ui.services import AppServices, ScaledClock, red_flag_gate_for
    base = resolve_paths(getattr(args, "data_dir", None)).ensure()
    history, history_problems = open_history(base, getattr(args, "db", None),
                                             getattr(args, "profile", None))
    paths = (getattr(history, "paths", None) or base).ensure()  # the profile's own folder
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
        db_url=resolve_db_url(paths, getattr(args, "db", None)),
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


def make_voice_input(enabled: bool, speaker: Any) -> Any:
    """Voice commands, opened off the GUI thread; None if even that cannot be set up."""
    if os.environ.get("COMPANION_NO_VOICE"):  # the captions-only testing aid: no mic either
        return None
    try:
        from companion.ui.listening import VoiceInput

        voice_input = VoiceInput(enabled)
        voice_input.connect_speaker(speaker)
        voice_input.open()
        return voice_input
    except Exception:  # voice commands are optional; keys and buttons always work
        log.exception("voice input could not be set up")
        return None


def _first_run(parent: QWidget | None, services: AppServices) -> None:
    from companion.ui.gates import start_first_run

    if parent is not None:
        start_first_run(parent, services)


def _report_shown() -> None:
    sys.stdout.write("shown\n")
    sys.stdout.flush()
    QApplication.exit(0)


def _report_ready(window: MainWindow) -> None:
    """COMPANION_EXIT_WHEN_READY: the start screen is usable; say so and quit.

    Called from the event loop after `load()` (so keys are being taken). It checks what
    "ready" promises: the start screen is current with its routines listed, and the voice
    is ready or its banner says why not; then paints the window once, so the figure
    includes the first paint of the loaded screen, as a person would see it.
    """
    from companion.voice.base import VoiceStatus

    start = window.start_screen
    speaker = window.services.speaker if window.services is not None else None
    voice_ok = speaker is not None and speaker.state.status is VoiceStatus.OK
    banner = window.voice_banner
    ready = (start is not None and window.current_screen() == "start"
             and start.routine_list.count() > 0
             and (voice_ok or (banner is not None and not banner.isHidden())))
    window.repaint()
    sys.stdout.write("ready\n" if ready else "not ready\n")
    sys.stdout.flush()
    QApplication.exit(0 if ready else 5)


def run_gui(args: argparse.Namespace,
            setup: Callable[[MainWindow], None] | None = None) -> int:
    """Open the app and run its event loop; returns the exit code.

    `setup(window)` runs once the window exists, before it loads (the test harness hooks in
    here; the `companion` command never passes one).
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Companion")
    app.setDesktopFileName("companion")
    from companion.ui.icon import app_icon

    app.setWindowIcon(app_icon())  # every window and dialog: the menu entry's icon
    from companion.ui.single import SingleInstance

    instance = SingleInstance(resolve_paths(getattr(args, "data_dir", None)).data_dir)
    if not instance.claim(getattr(args, "routine", None)):
        return 0
    window = MainWindow(args, instance=instance)
    if setup is not None:
        setup(window)
    window.show()
    if os.environ.get("COMPANION_EXIT_WHEN_SHOWN"):
        QTimer.singleShot(0, _report_shown)
        return app.exec()
    if os.environ.get("COMPANION_EXIT_WHEN_READY"):
        window.loaded.connect(lambda: QTimer.singleShot(0, lambda: _report_ready(window)))
    QTimer.singleShot(0, window.load)
    code = app.exec()
    window.shutdown()
    return code
