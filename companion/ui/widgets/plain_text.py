"""Text from people and files is shown as typed, never as markup.

A QLabel guesses whether its text is rich text (Qt.TextFormat.AutoText): a routine named
"<b>Big</b>", an exercise "<h1>Squat</h1>" or an emergency text "<span style='color:#eee'>"
would be drawn bold, huge or nearly invisible, and a stray "<x" swallows the words after
it. `install()` puts one filter on the application that turns every label still guessing
into a plain-text label when it is first polished (before it is shown). A label meant to
hold markup says so with `setTextFormat(Qt.TextFormat.RichText)` and escapes what it quotes
(`html.escape`), as the routine preview and the session detail do.
"""

from __future__ import annotations

from companion.qt.core import QEvent, QObject, Qt
from companion.qt.widgets import QApplication, QLabel


class PlainTextLabels(QObject):
    """The application-wide filter (see the module docstring); it never consumes an event."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Polish and isinstance(obj, QLabel) \
                and obj.textFormat() == Qt.TextFormat.AutoText:
            obj.setTextFormat(Qt.TextFormat.PlainText)
        return False


_installed: dict[int, PlainTextLabels] = {}


def install() -> None:
    """Install the filter on the running QApplication (once; later calls do nothing)."""
    app = QApplication.instance()
    if app is None or id(app) in _installed:
        return
    labels = PlainTextLabels(app)
    app.installEventFilter(labels)
    _installed[id(app)] = labels
