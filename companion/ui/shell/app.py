"""Start the GUI: show the window first, then load routines and the rest (fast first paint).

Testing aids (documented in the README; none answers for the user: that harness lives in
tests/harness/autoplay.py, outside the package): `COMPANION_EXIT_WHEN_SHOWN=1` writes "shown"
to stdout at the first paint and quits; `COMPANION_EXIT_WHEN_READY=1` writes "ready" once the
start screen is loaded, painted and taking keys (routines listed, the voice ready or its
banner shown), then quits (the startup benchmark). `COMPANION_TIME_SCALE` and
`COMPANION_NO_VOICE` are read where the services are built (`companion.ui.shell.build`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from companion.config import resolve_paths
from companion.qt.core import QTimer
from companion.qt.widgets import QApplication
from companion.ui.shell.options import LaunchOptions
from companion.ui.shell.window import MainWindow

if TYPE_CHECKING:

    pass

log = logging.getLogger(__name__)


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


def keep_log(path: Path) -> None:
    """Warnings and errors also go to `path` (`<data-dir>/companion.log`, at most three
    files of 1 MB), where "see the log" in a banner points: an app started from the menu
    has no terminal. Best effort: a folder that cannot be written keeps the log on stderr."""
    from logging.handlers import RotatingFileHandler

    root = logging.getLogger()
    if any(isinstance(h, RotatingFileHandler) and Path(h.baseFilename) == path.resolve()
           for h in root.handlers):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2,
                                      encoding="utf-8")
    except OSError as exc:
        logging.getLogger(__name__).warning("no log file at %s: %s", path, exc)
        return
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)


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
    from companion.ui.widgets.icon import app_icon

    app.setWindowIcon(app_icon())  # every window and dialog: the menu entry's icon
    from companion.ui.adapters.single import SingleInstance

    options = LaunchOptions.from_args(args)
    paths = resolve_paths(options.data_dir)
    instance = SingleInstance(paths.data_dir)
    if not instance.claim(options.routine):
        return 0
    keep_log(paths.log_file)
    window = MainWindow(options, instance=instance)
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
