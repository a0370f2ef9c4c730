"""A row of buttons that takes two lines when the window is too narrow for one.

The workout screen's controls (Pause, Skip, Repeat, +15 s, Done, End, Full screen) need
about 1,030 px in one line: on a 1024-pixel-wide screen, or 1366 x 768 at 125 %, that made
the whole window wider than the screen and pushed the red "I feel unwell" button off its
right edge. Below the width one line needs, the buttons take two lines instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from companion.qt.core import QSize
from companion.qt.gui import QResizeEvent
from companion.qt.widgets import QGridLayout, QPushButton, QWidget


class ButtonRow(QWidget):
    """`buttons` side by side, each as wide as the row allows; in two lines (the first
    holding the extra one of an odd count) when the row is narrower than one line needs."""

    def __init__(self, buttons: Sequence[QPushButton], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._buttons = list(buttons)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._columns = 0
        for button in self._buttons:
            button.setParent(self)
        self._arrange(len(self._buttons))

    @property
    def lines(self) -> int:
        """How many lines the buttons take now (1 or 2)."""
        return 1 if self._columns >= len(self._buttons) else 2

    def _width(self, buttons: Sequence[QPushButton]) -> int:
        spacing = max(0, self._grid.horizontalSpacing())
        return sum(b.minimumSizeHint().width() for b in buttons) \
            + spacing * max(0, len(buttons) - 1)

    def _two_line_columns(self) -> int:
        return (len(self._buttons) + 1) // 2

    def _arrange(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for button in self._buttons:
            self._grid.removeWidget(button)
        for i in range(self._grid.columnCount()):
            self._grid.setColumnStretch(i, 0)
        for i, button in enumerate(self._buttons):
            self._grid.addWidget(button, i // columns, i % columns)
        for i in range(columns):
            self._grid.setColumnStretch(i, 1)
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:
        """As narrow as two lines allow; as tall as the lines it takes now."""
        half = self._two_line_columns()
        width = max(self._width(self._buttons[:half]), self._width(self._buttons[half:]))
        height = max((b.minimumSizeHint().height() for b in self._buttons), default=0)
        spacing = max(0, self._grid.verticalSpacing())
        return QSize(width, height * self.lines + spacing * (self.lines - 1))

    def sizeHint(self) -> QSize:
        hint = self.minimumSizeHint()
        return QSize(max(hint.width(), self._width(self._buttons)), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        one_line = event.size().width() >= self._width(self._buttons)
        self._arrange(len(self._buttons) if one_line else self._two_line_columns())
        super().resizeEvent(event)
