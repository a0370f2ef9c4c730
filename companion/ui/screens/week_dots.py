"""The week at a glance on the start screen: one circle per planned session, filled for
each one done (consistency against a weekly goal; no streaks to break)."""

from __future__ import annotations

from companion.qt.core import QRectF, QSize, Qt
from companion.qt.gui import QPainter, QPaintEvent, QPalette, QPen
from companion.qt.widgets import QSizePolicy, QWidget


class WeekDots(QWidget):
    """One circle per planned session this week, filled for each one done (no streaks)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.done = 0
        self.goal = 2
        self.setAccessibleName("Sessions this week")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_progress(self, done: int, goal: int) -> None:
        self.done, self.goal = done, max(1, goal)
        self.setAccessibleDescription(f"{done} of {goal} sessions this week")
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        d = self.fontMetrics().height() * 2
        n = max(self.goal, self.done)
        return QSize(n * (d + d // 2) + 4, d + 4)

    def paintEvent(self, event: QPaintEvent) -> None:
        pal = self.palette()
        d = self.fontMetrics().height() * 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(pal.color(QPalette.ColorRole.Highlight))
        pen.setWidthF(3.0)
        painter.setPen(pen)
        for i in range(max(self.goal, self.done)):
            filled = i < self.done
            painter.setBrush(pal.color(QPalette.ColorRole.Highlight) if filled
                             else Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QRectF(2 + i * (d + d / 2), 2, d, d))
        painter.end()
