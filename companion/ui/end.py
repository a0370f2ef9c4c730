"""The end screen: what was done, an optional mood check, and this session's effort trend."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from companion.core.events import EndStatus
from companion.ui.announce import announce
from companion.ui.session import SessionSummary
from companion.ui.start import MOOD_WORDS
from companion.ui.style import AMBER, apply_font, fmt_duration

HEADLINES = {
    EndStatus.COMPLETED: "Session complete. You showed up and finished.",
    EndStatus.STOPPED_BY_USER: "Session ended. What you did still counts.",
    EndStatus.INTERRUPTED: "The session stopped because something went wrong.",
    EndStatus.STOPPED_RED_FLAG: "The session was stopped for your safety.",
}


class EffortChart(QWidget):
    """Bars of CR10 effort per set (0-10), amber at 9-10, so the trend reads at a glance."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.efforts: list[tuple[int, str, int]] = []
        self.setAccessibleName("Effort per set")
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_efforts(self, efforts: list[tuple[int, str, int]]) -> None:
        self.efforts = efforts
        text = ", ".join(f"set {n + 1} {name}: {e}" for n, name, e in efforts)
        self.setAccessibleDescription(text or "No effort answers this session")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, 220)

    def paintEvent(self, event: QPaintEvent) -> None:
        pal = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        text_color = pal.color(QPalette.ColorRole.WindowText)
        if not self.efforts:
            painter.setPen(text_color)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "No effort answers this session.")
            painter.end()
            return
        left = fm.horizontalAdvance("10") + 12
        top = fm.height()
        bottom = self.height() - fm.height() - 8
        right = self.width() - 8
        plot_h = max(10, bottom - top)
        axis = QPen(pal.color(QPalette.ColorRole.Mid))
        axis.setWidthF(1.5)
        painter.setPen(axis)
        for level in (0, 5, 10):
            y = bottom - plot_h * level / 10
            painter.drawLine(left, int(y), right, int(y))
            painter.setPen(text_color)
            painter.drawText(QRectF(0, y - fm.height() / 2, left - 6, fm.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             str(level))
            painter.setPen(axis)
        n = len(self.efforts)
        slot = (right - left) / n
        bar_w = min(slot * 0.6, fm.height() * 3)
        accent = pal.color(QPalette.ColorRole.Highlight)
        for i, (set_no, _name, effort) in enumerate(self.efforts):
            x = left + slot * i + (slot - bar_w) / 2
            h = plot_h * effort / 10
            color = QColor(AMBER) if effort >= 9 else accent
            painter.fillRect(QRectF(x, bottom - h, bar_w, h), color)
            painter.setPen(text_color)
            label_y = max(0.0, bottom - h - fm.height())
            painter.drawText(QRectF(x - 10, label_y, bar_w + 20, fm.height()),
                             Qt.AlignmentFlag.AlignCenter, str(effort))
            painter.drawText(QRectF(left + slot * i, bottom + 4, slot, fm.height()),
                             Qt.AlignmentFlag.AlignCenter, f"set {set_no + 1}")
        painter.end()


class EndScreen(QWidget):
    """Emits `mood_chosen(n)` (1-5) and `back_requested()`."""

    mood_chosen = Signal(int)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Session summary")
        self.mood: int | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.setSpacing(12)
        self.headline = QLabel("", self)
        self.headline.setWordWrap(True)
        self.headline.setAccessibleDescription("Result")
        apply_font(self.headline, "title", bold=True)
        outer.addWidget(self.headline)
        self.details = QLabel("", self)
        self.details.setWordWrap(True)
        self.details.setAccessibleDescription("What you did")
        apply_font(self.details, "heading")
        outer.addWidget(self.details)

        mood_row = QHBoxLayout()
        mood_label = QLabel("How do you feel now? (optional, keys 1-5)", self)
        mood_label.setWordWrap(True)
        apply_font(mood_label, "body")
        mood_row.addWidget(mood_label, 1)
        self.mood_buttons: list[QPushButton] = []
        for n in range(1, 6):
            b = QPushButton(str(n), self)
            b.setCheckable(True)
            b.setToolTip(MOOD_WORDS[n])
            b.setAccessibleName(f"Mood now {n} of 5, {MOOD_WORDS[n]}")
            apply_font(b, "button")
            b.clicked.connect(lambda _=False, n=n: self.choose_mood(n))
            mood_row.addWidget(b)
            self.mood_buttons.append(b)
        outer.addLayout(mood_row)

        chart_title = QLabel("Effort per set (0 nothing at all – 10 maximal)", self)
        apply_font(chart_title, "body", bold=True)
        outer.addWidget(chart_title)
        self.chart = EffortChart(self)
        apply_font(self.chart, "body")
        outer.addWidget(self.chart, 1)

        self.back_button = QPushButton("Back to start  (Enter)", self)
        self.back_button.setObjectName("primary")
        self.back_button.setAccessibleName("Back to the start screen")
        apply_font(self.back_button, "heading", bold=True)
        self.back_button.clicked.connect(self.back_requested.emit)
        outer.addWidget(self.back_button)

    def show_summary(self, summary: SessionSummary) -> None:
        self.mood = None
        for b in self.mood_buttons:
            b.setChecked(False)
        status = summary.status or EndStatus.COMPLETED
        self.headline.setText(HEADLINES[status])
        done = summary.sets_done
        names = sorted({s.exercise for s in summary.sets.values() if not s.skipped})
        lines = [
            f"{summary.routine_name}: {done} of {summary.sets_total} sets done in "
            f"{fmt_duration(summary.seconds)}."
        ]
        if names:
            lines.append("You worked on: " + ", ".join(names) + ".")
        if summary.error:
            lines.append("Your progress up to that point is kept.")
        self.details.setText("\n".join(lines))
        self.chart.set_efforts(summary.efforts)

    def announce_summary(self) -> None:
        """Once the screen shows: the result and what was done, for a screen reader."""
        announce(self, f"{self.headline.text()} {self.details.text()}")

    def choose_mood(self, mood: int) -> None:
        self.mood = mood
        for n, b in enumerate(self.mood_buttons, start=1):
            b.setChecked(n == mood)
        self.mood_chosen.emit(mood)

    def handle_key(self, key: int, text: str) -> bool:
        if text in ("1", "2", "3", "4", "5"):
            self.choose_mood(int(text))
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.back_requested.emit()
            return True
        return False
