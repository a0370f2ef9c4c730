"""Keys as a keyboard gives them, for the tests and the bench.

A key press and release is a `QKeyEvent` sent through the application (`QApplication.sendEvent`,
so the app-wide event filters, the `KeyDispatcher` among them, see it) to the focused window,
which hands it to its focus widget, or to a named widget; a press that is not from the
platform is first offered to the shortcuts (`QShortcut`) by `QApplication.notify`, as Qt does
for a real key. Then the events that delivery posted are processed.

Why not `QTest.keyClick`: PySide6 holds the GIL for the whole of a QTest call, and QTest's
window path processes posted events inside it. QtMultimedia's FFmpeg plugin can then wait in
the GUI thread (`QThread::wait`) for its audio thread, which needs the GIL: a hang (about one
full run in ten, in tests/ui/test_player.py). `sendEvent` and `processEvents` release the GIL
while Qt works (PySide6 marks them allow-thread), as the app's own event loop does.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QWindow
from PySide6.QtWidgets import QApplication, QWidget

Key = Qt.Key | str
"""A `Qt.Key`, or one character (`"c"`, `"3"`): the key that types it."""

NO_MODIFIER = Qt.KeyboardModifier.NoModifier

_LOADED = time.monotonic()

# the text a key types (QTest's keyToAscii), besides the printable ASCII keys
_CONTROL_TEXT = {
    Qt.Key.Key_Return: "\r", Qt.Key.Key_Enter: "\r", Qt.Key.Key_Escape: "\x1b",
    Qt.Key.Key_Backspace: "\b", Qt.Key.Key_Tab: "\t", Qt.Key.Key_Delete: "\x7f",
}


def key_and_text(key: Key, modifiers: Qt.KeyboardModifier = NO_MODIFIER) -> tuple[int, str]:
    """The key code and the text a key types: `"c"` -> (Key_C, "c"); Key_C -> (Key_C, "c"),
    "C" with Shift; Key_Return -> (Key_Return, "\\r"); keys that type nothing -> ""."""
    if isinstance(key, str):
        if len(key) != 1:
            raise ValueError(f"one character, not {key!r}")
        return (ord(key.upper()) if key.isascii() else ord(key)), key
    code = int(key.value)
    if key in _CONTROL_TEXT:
        return code, _CONTROL_TEXT[key]
    if 0x20 <= code < 0x7F:
        text = chr(code)
        return code, text.upper() if modifiers & Qt.KeyboardModifier.ShiftModifier else text.lower()
    return code, ""


def focus_window(fallback: object = None) -> QWindow:
    """The window with the keyboard focus (else `fallback`'s top-level window); fails the
    test when there is none."""
    target = QGuiApplication.focusWindow()
    if target is None and isinstance(fallback, QWidget):
        target = fallback.window().windowHandle()
    assert isinstance(target, QWindow), "no window has the keyboard focus"
    return target


def platform_time() -> int:
    """A window system's event time (ms, > 0): time since this module was loaded, as Qt
    stamps a key from QTest (ms since the application started)."""
    return int((time.monotonic() - _LOADED) * 1000.0) + 1


def send_key_event(target: QObject, kind: QEvent.Type, key: int, text: str = "", *,
                   modifiers: Qt.KeyboardModifier = NO_MODIFIER, scan: int = 0,
                   autorepeat: bool = False, stamp: int = 0) -> bool:
    """One key event through the application to `target` (a window or a widget); returns
    whether it was accepted. `stamp`: its window-system time (ms; 0: none, a synthesised
    event). Nothing posted is processed yet (see `settle`)."""
    event = QKeyEvent(kind, key, modifiers, scan, 0, 0, text, autorepeat)
    if stamp:
        event.setTimestamp(stamp)
    return QApplication.sendEvent(target, event)


def settle() -> None:
    """Process what the delivered keys posted, with the GIL released (see the module)."""
    QApplication.processEvents()


def click_key(key: Key, target: QObject | None = None,
              modifiers: Qt.KeyboardModifier = NO_MODIFIER) -> None:
    """One key press and release, to `target` (default: the focused window, which hands it
    to its focus widget), then the events it posted are processed."""
    code, text = key_and_text(key, modifiers)
    receiver = focus_window() if target is None else target
    send_key_event(receiver, QEvent.Type.KeyPress, code, text, modifiers=modifiers,
                   stamp=platform_time())
    if _alive(receiver):
        send_key_event(receiver, QEvent.Type.KeyRelease, code, text, modifiers=modifiers,
                       stamp=platform_time())
    settle()


def type_text(target: QObject, text: str) -> None:
    """Each character of `text` typed into `target`, one key click each (QTest.keyClicks)."""
    for char in text:
        click_key(char, target)


def closed(widget: QWidget) -> bool:
    """Whether a window a key closed is gone: hidden, or (with WA_DeleteOnClose, once the
    delivery's events are processed) already deleted."""
    return not _alive(widget) or not widget.isVisible()


def _alive(obj: QObject) -> bool:
    """Whether the C++ object still exists (a press may close the window it went to)."""
    from shiboken6 import isValid

    return bool(isValid(obj))


def answer_modal(key: Qt.Key, seen: list[str] | None = None, tries: int = 250,
                 then: tuple[Qt.Key, ...] = ()) -> None:
    """Press `key` in the modal dialog as soon as it is up (it blocks in `exec()`) and takes
    answers (`answer_ready`, where it has one), polling every 20 ms, `tries` times at most;
    the dialog's label texts are noted in `seen`. The keys in `then` follow, in order, in
    the same dialog (each after the one before, its labels noted too)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLabel

    def press(left: int = tries) -> None:
        dialog = QApplication.activeModalWidget()
        # a question that takes no answer yet (the red-flag confirmation's first 0.6 s)
        not_yet = dialog is not None and getattr(dialog, "answer_ready", True) is False
        if dialog is None or not_yet:
            if left > 0:
                QTimer.singleShot(20, lambda: press(left - 1))
            return
        if seen is not None:
            seen.append(" ".join(w.text() for w in dialog.findChildren(QLabel)
                                 if w.isVisible() or not dialog.isVisible()))
        click_key(key, dialog)
        if then:
            answer_modal(then[0], seen, tries, then[1:])

    QTimer.singleShot(0, press)
