"""A one-line label that ends in "…" when its text is wider than the label.

Routine and exercise names may be 80 characters: cut off silently they read as a different
name. The full text stays available as `text()`, the tooltip and, while the text is cut,
the accessible name (so a screen reader reads the whole name, not the shortened one; the
accessible description is left to the owner).
"""

from __future__ import annotations

from companion.qt.core import Qt
from companion.qt.gui import QResizeEvent
from companion.qt.widgets import QLabel, QWidget


class ElidedLabel(QLabel):
    """`setText(full)` shows as much as fits, ending in an ellipsis; `text()` is the full
    text and `shown_text()` what is painted."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: object) -> None:
        super().changeEvent(event)  # type: ignore[arg-type]
        if self._full:
            self._elide()

    def _elide(self) -> None:
        margins = self.contentsMargins()
        width = self.width() - margins.left() - margins.right() - 2 * self.margin()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                              max(width, 0)) if width > 0 else self._full
        if shown != self._full:
            self.setToolTip(self._full)
            self.setAccessibleName(self._full)
        elif self.toolTip():
            self.setToolTip("")
            self.setAccessibleName("")  # the label's own text again
        if shown != super().text():
            super().setText(shown)
