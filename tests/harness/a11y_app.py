"""The real app, steered one step at a time from stdin: the accessibility tests run it under
Xvfb with accessibility on and read it through AT-SPI in another process.

    python -m tests.harness.a11y_app [--no-first-run] [companion options]

Each stdin line is a JSON command; each answer one JSON line on stdout (after "loaded"):

    {"cmd": "key", "key": "Return", "text": "\\r", "ctrl": false}  press and release a key
    {"cmd": "wait", "mode": "checkin", "timeout": 10}  until the key mode is this
    {"cmd": "wait", "window": "NoticeDialog"}           until this window class is active
    {"cmd": "skip_until", "mode": "checkin"}            press N (a person skipping) until then
    {"cmd": "settle", "ms": 300}                        let the event loop run
    {"cmd": "close_history"}                            close the history window
    {"cmd": "state"} / {"cmd": "quit"}

Keys are posted to the window with the keyboard focus, so they go through the app's own key
dispatcher exactly as a keyboard's would (the same path as tests/harness/autoplay.py). Every
answer carries the state: the key mode, the active window's class and the focus widget's
accessible name.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSocketNotifier, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from companion.cli import build_parser
from companion.ui.shell.app import run_gui
from companion.ui.shell.window import MainWindow

SKIP_EVERY_MS = 250


def press(window: MainWindow, key: Qt.Key, text: str,
          mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key press and release, to whichever window has the keyboard focus."""
    target: Any = QGuiApplication.focusWindow() or window.windowHandle()
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.postEvent(target, QKeyEvent(kind, key, mods, text))


class ActivateShown(QObject):
    """What a window manager does (Xvfb has none): a window that opens gets the keyboard.
    (When one closes, the app itself gives the keyboard back: KeyDispatcher._keys_back,
    which tests/a11y/test_keyboard_focus.py checks, so the harness does not.)"""

    def __init__(self, main: QWidget) -> None:
        super().__init__(main)
        self.main = main

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (isinstance(watched, QWidget) and watched.isWindow()
                and event.type() == QEvent.Type.Show):
            QTimer.singleShot(0, watched.activateWindow)
        return False


class Steer:
    """Reads commands from stdin on the GUI thread and answers each when it is done."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._activate = ActivateShown(window)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self._activate)
        self._notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._read)
        window.loaded.connect(lambda: self._answer({"loaded": True}))

    def state(self) -> dict[str, Any]:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        active = app.activeWindow()
        focus = app.focusWidget()
        mode = self.window.key_mode().value if self.window.start_screen is not None \
            else "loading"
        return {"mode": mode, "screen": self.window.current_screen(),
                "window": type(active).__name__ if active is not None else "",
                "focus": focus.accessibleName() if focus is not None else "",
                "focus_class": type(focus).__name__ if focus is not None else ""}

    def _answer(self, data: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps({"ok": True, **data, **self.state()}) + "\n")
        sys.stdout.flush()

    def _read(self) -> None:
        line = sys.stdin.readline()
        if not line:
            QApplication.exit(0)
            return
        try:
            self._run(json.loads(line))
        except Exception as exc:  # say what failed; the test decides
            sys.stdout.write(json.dumps({"ok": False, "error": f"{type(exc).__name__}: "
                                                               f"{exc}"}) + "\n")
            sys.stdout.flush()

    def _run(self, cmd: dict[str, Any]) -> None:
        kind = cmd.get("cmd")
        if kind == "key":
            key = Qt.Key(getattr(Qt.Key, f"Key_{cmd['key']}"))
            mods = Qt.KeyboardModifier.ControlModifier if cmd.get("ctrl") \
                else Qt.KeyboardModifier.NoModifier
            press(self.window, key, cmd.get("text", ""), mods)
            self._after(int(cmd.get("ms", 250)), lambda: self._answer({}))
        elif kind == "wait":
            self._wait(cmd, float(cmd.get("timeout", 15)), time.monotonic())
        elif kind == "skip_until":
            self._skip(cmd, time.monotonic() + float(cmd.get("timeout", 30)))
        elif kind == "settle":
            self._after(int(cmd.get("ms", 300)), lambda: self._answer({}))
        elif kind == "close_history":
            history = getattr(self.window, "history_window", None)
            if history is not None:
                history.close()
            self._after(300, lambda: self._answer({}))
        elif kind == "state":
            self._answer({})
        elif kind == "quit":
            self._answer({})
            QTimer.singleShot(0, self._quit)
        else:
            raise ValueError(f"unknown command {kind!r}")

    def _quit(self) -> None:
        if self.window.player is not None and self.window.player.active:
            self.window.player.end()
        self.window.confirm = lambda _title, _text: True
        self.window.quit_app()
        QApplication.exit(0)

    @staticmethod
    def _after(ms: int, then: Callable[[], None]) -> None:
        QTimer.singleShot(ms, then)

    def _matches(self, cmd: dict[str, Any]) -> bool:
        state = self.state()
        return all(state.get(k) == cmd[k] for k in ("mode", "window", "screen") if k in cmd)

    def _wait(self, cmd: dict[str, Any], timeout: float, began: float) -> None:
        if self._matches(cmd):
            self._after(int(cmd.get("ms", 300)), lambda: self._answer({}))
        elif time.monotonic() - began > timeout:
            sys.stdout.write(json.dumps({"ok": False, "error": f"timed out waiting for {cmd}",
                                         **self.state()}) + "\n")
            sys.stdout.flush()
        else:
            self._after(50, lambda: self._wait(cmd, timeout, began))

    def _skip(self, cmd: dict[str, Any], deadline: float) -> None:
        if self._matches(cmd):
            self._after(int(cmd.get("ms", 300)), lambda: self._answer({}))
            return
        if time.monotonic() > deadline:
            sys.stdout.write(json.dumps({"ok": False, "error": f"timed out skipping to {cmd}",
                                         **self.state()}) + "\n")
            sys.stdout.flush()
            return
        press(self.window, Qt.Key.Key_N, "n")
        self._after(SKIP_EVERY_MS, lambda: self._skip(cmd, deadline))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(argv) if argv is not None else sys.argv[1:]
    quiet = "--no-first-run" in argv  # no notice and no screening dialogs at start
    args = build_parser().parse_args([a for a in argv if a != "--no-first-run"])
    args.no_first_run = quiet
    steer: list[Steer] = []
    return run_gui(args, setup=lambda window: steer.append(Steer(window)))


if __name__ == "__main__":
    sys.exit(main())
