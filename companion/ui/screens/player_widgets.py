"""The player's own widgets, readable from across the room: the session's progress bar, the
big timer, and labels that screen readers read by their text.
"""

from __future__ import annotations

from companion.qt.core import QSize, Qt
from companion.qt.gui import QPaintEvent, QResizeEvent
from companion.qt.widgets import (
    QLabel,
    QSizePolicy,
    QStyle,
    QStyleOptionProgressBar,
    QStylePainter,
    QWidget,
)


class SessionProgress(QWidget):
    """The session's progress bar, drawn by the style exactly like a QProgressBar, but quiet
    for screen readers: a real progress bar reports every step ("5 percent... 6 percent..."
    every few seconds with Orca). Its description says how far along the session is, for
    whoever looks; it never announces itself."""

    def __init__(self, steps: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._steps = steps
        self._value = 0
        self._percent = -1
        self.setAccessibleName("Session progress")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.set_value(0)

    def value(self) -> int:
        return self._value

    def maximum(self) -> int:
        return self._steps

    def set_value(self, value: int) -> None:
        value = max(0, min(self._steps, value))
        if value != self._value:
            self._value = value
            self.update()
        percent = round(100 * value / self._steps) if self._steps else 0
        if percent != self._percent:
            self._percent = percent
            self.setAccessibleDescription(f"{percent}% of the session done")

    def sizeHint(self) -> QSize:
        return QSize(200, max(14, self.fontMetrics().height()))

    def paintEvent(self, event: QPaintEvent) -> None:
        option = QStyleOptionProgressBar()
        option.initFrom(self)
        option.minimum, option.maximum, option.progress = 0, self._steps, self._value
        option.textVisible = False
        option.state |= QStyle.StateFlag.State_Horizontal
        painter = QStylePainter(self)
        painter.drawControl(QStyle.ControlElement.CE_ProgressBar, option)


class BigTimer(QLabel):
    """The timer: its font follows the space it has, so it stays readable at 3 m."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("0:00", parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAccessibleDescription("Timer")
        # its size comes from the layout, never from the text (see pin_lines)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumHeight(120)

    def resizeEvent(self, event: QResizeEvent) -> None:
        font = self.font()
        # "00:00" is about 2.9 em wide in most fonts: fit both dimensions, at least 72 px.
        font.setPixelSize(max(72, int(min(self.height() * 0.8, self.width() / 3.0))))
        font.setBold(True)
        self.setFont(font)
        super().resizeEvent(event)


def pin_lines(label: QLabel, lines: int) -> None:
    """Fix a label's height and ignore its width hint, so a new text repaints only the label.

    Otherwise every caption or counter change re-lays out and repaints the whole window,
    several milliseconds of GUI thread each time.
    """
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    margins = label.contentsMargins()
    label.setFixedHeight(lines * label.fontMetrics().lineSpacing() + margins.top()
                         + margins.bottom() + 4)
