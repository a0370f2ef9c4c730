"""A window's own commands on keys (the History window's Ctrl+F, Ctrl+P, Ctrl+E, Ctrl+W and
Esc), which work wherever the focus is in the window.

Each is a `QAction` on the window in the window's shortcut context. Before Qt runs a
shortcut it offers the key to the focused widget (a `ShortcutOverride` event), and a text
or date field takes the keys it edits with: under the keyboard scheme of Linux desktops
(X11, GNOME, KDE) Ctrl+E is "end of line", so a focused date field or the search box
swallowed Ctrl+E (a tester). The window's commands are not editing keys, so a key marked
`first` is refused to the focused widget's override and the window's command runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from companion.qt.core import QEvent, QObject, Qt
from companion.qt.gui import QAction, QKeyEvent, QKeySequence
from companion.qt.widgets import QApplication, QWidget


class WindowKeys(QObject):
    """The commands of `window` on keys (`add` one); `watch` once the window is built."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._first: set[str] = set()  # the keys no focused widget may take (portable text)
        app = QApplication.instance()
        if isinstance(app, QApplication):  # a widget that gets the focus later (a chart)
            app.focusChanged.connect(self._focus_changed)

    def add(self, text: str, keys: Sequence[QKeySequence], slot: Callable[[], object], *,
            first: bool = True) -> QAction:
        """A command on `keys` in `window`; with `first`, even while a field that would
        take one of the keys for itself has the focus."""
        action = QAction(text, self._window)
        action.setShortcuts(list(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self._window.addAction(action)
        if first:
            self._first.update(_text(seq) for seq in keys if seq.count() == 1)
        return action

    def watch(self) -> None:
        """Watch the widget with the focus in the window (call once it is built); each
        widget that gets the focus later is watched from then on. Only those: a filter
        on every widget would run Python for each of their events (paints included)."""
        focused = self._window.focusWidget()
        if focused is not None:
            focused.installEventFilter(self)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and new.window() is self._window:
            new.installEventFilter(self)  # again is harmless: Qt keeps one of each

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        if _text(QKeySequence(event.keyCombination())) not in self._first:
            return False
        event.ignore()  # not the widget's: the shortcut map runs the window's command
        return True


def close_keys() -> list[QKeySequence]:
    """Ctrl+W, and whatever else closes a window here (Ctrl+F4 on Windows)."""
    keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Close)
    if QKeySequence("Ctrl+W") not in keys:
        keys.append(QKeySequence("Ctrl+W"))
    return keys


def _text(keys: QKeySequence) -> str:
    return keys.toString(QKeySequence.SequenceFormat.PortableText)
