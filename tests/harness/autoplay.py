"""Play the real app unattended, pressing the keys a person would (end-to-end tests, bench).

Not part of the installed package: nothing in the `companion` command answers a check-in for
the user (issue 12). Run from a checkout::

    python -m tests.harness.autoplay [--script all-clear|red-flag|unwell-in-end-question]
                                     [--exit-when-done] [companion options, e.g. --routine F]

Every answer is a key event posted to the window that has the keyboard focus, so it goes
through the app's own key dispatcher exactly as a keyboard's would, with the pauses a person
leaves (check-in answers wait until the question has been on screen for the answer guard).

Scripts:
- `all-clear`: starts the selected routine, answers every check-in with C, effort 5.
- `red-flag`: Y at the first check-in, then 1 (chest pain) on the safety screen; exits 3
  once the symptom is recorded (with --exit-when-done).
- `unwell-in-end-question`: Esc during the first set, then U while "End the session?" is
  open; exits 3 once the safety screen shows (with --exit-when-done).

Exit codes with --exit-when-done: 0 the session completed, 3 it did not, 4 nothing to play.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication

from companion.cli import build_parser
from companion.core.events import (
    CheckinAsked,
    SessionEnded,
    State,
    StateChanged,
    SymptomSpecified,
)
from companion.ui.services import keys
from companion.ui.shell.app import run_gui
from companion.ui.shell.window import MainWindow

SCRIPTS = ("all-clear", "red-flag", "unwell-in-end-question")


def press(window: MainWindow, key: Qt.Key, text: str) -> None:
    """A key press and release, to whichever window has the keyboard focus."""
    target: Any = QGuiApplication.focusWindow() or window.windowHandle()
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.postEvent(target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier,
                                                 text))


class AutoPlayer(QObject):
    """Starts the selected routine once the window has loaded and plays `script`."""

    def __init__(self, window: MainWindow, script: str, exit_when_done: bool) -> None:
        super().__init__(window)
        self.window = window
        self.script = script
        self.exit_when_done = exit_when_done
        self._flagged = False
        window.loaded.connect(lambda: QTimer.singleShot(0, self.start))

    def later(self, seconds: float, key: Qt.Key, text: str) -> None:
        QTimer.singleShot(int(seconds * 1000), lambda: press(self.window, key, text))

    def start(self) -> None:
        window = self.window
        assert window.start_screen is not None and window.player is not None
        if window.start_screen.selected() is None:
            print("autoplay: no routine to play", file=sys.stderr)
            QApplication.exit(4)
            return
        window.player.session_started.connect(self._started)
        window.player.session_over.connect(self._over)
        window.start_screen.set_mood(3)
        press(window, Qt.Key.Key_Space, " ")

    def _started(self, session: Any) -> None:
        session.driver.event_emitted.connect(self._react)

    def _react(self, event: object) -> None:
        answer_after = keys.ANSWER_GUARD_S + 0.15
        if self.script == "all-clear":
            if isinstance(event, CheckinAsked):
                # C, then the effort in the same breath: queued one after the other, so the
                # effort lands on the question C opens even when a sped-up rest is short
                QTimer.singleShot(int(answer_after * 1000), self._clear_and_rate)
        elif self.script == "red-flag":
            if isinstance(event, CheckinAsked) and not self._flagged:
                self._flagged = True
                self.later(0.1, Qt.Key.Key_Y, "y")
                self.later(0.4, Qt.Key.Key_1, "1")
            elif isinstance(event, SymptomSpecified) and self.exit_when_done:
                QTimer.singleShot(0, lambda: QApplication.exit(3))
        elif self.script == "unwell-in-end-question":
            if isinstance(event, StateChanged) and event.new is State.WORK \
                    and not self._flagged:
                self._flagged = True
                self.later(0.05, Qt.Key.Key_Escape, "\x1b")
                QTimer.singleShot(100, self._unwell_when_asked)
            elif isinstance(event, SessionEnded) and self.exit_when_done:
                QTimer.singleShot(200, self._exit_if_safe)

    def _clear_and_rate(self) -> None:
        press(self.window, Qt.Key.Key_C, "c")
        press(self.window, Qt.Key.Key_5, "5")

    def _unwell_when_asked(self) -> None:
        box = self.window.end_box
        if box is None or not box.isVisible() \
                or QGuiApplication.focusWindow() is not box.windowHandle():
            QTimer.singleShot(50, self._unwell_when_asked)
            return
        press(self.window, Qt.Key.Key_U, "u")

    def _exit_if_safe(self) -> None:
        QApplication.exit(3 if self.window.current_screen() == "safety" else 5)

    def _over(self, summary: Any) -> None:
        if not self.exit_when_done or self.script != "all-clear":
            return
        code = 0 if summary.status is not None and summary.status.value == "completed" else 3
        QTimer.singleShot(0, lambda: QApplication.exit(code))


def main(argv: Sequence[str] | None = None) -> int:
    own = argparse.ArgumentParser(prog="python -m tests.harness.autoplay", add_help=False)
    own.add_argument("--script", choices=SCRIPTS, default="all-clear")
    own.add_argument("--exit-when-done", action="store_true")
    mine, rest = own.parse_known_args(argv)
    args = build_parser().parse_args(rest)
    args.no_first_run = True  # unattended: no notice, no screening dialogs

    def setup(window: MainWindow) -> None:
        AutoPlayer(window, mine.script, mine.exit_when_done)

    return run_gui(args, setup=setup)


if __name__ == "__main__":
    sys.exit(main())
