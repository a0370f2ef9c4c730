"""How a session looks in the history: its status as icon, colour and words; durations, moods
and dates as shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from companion.qt.core import (
    QDate,
    QPointF,
    QRectF,
    Qt,
)
from companion.qt.gui import (
    QColor,
    QIcon,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)
from companion.storage.repository import HistoryRow

RED_FLAG = "stopped_red_flag"
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the HistoryRow of a line


@dataclass(frozen=True)
class StatusLook:
    text: str  # words first: the colour and the shape only repeat them
    shape: str  # "circle", "square", "triangle", "ring"
    light: str
    dark: str


STATUS: dict[str, StatusLook] = {
    "completed": StatusLook("Completed", "circle", "#1b6e2f", "#6fd08a"),
    "stopped_by_user": StatusLook("Stopped by you", "square", "#555555", "#c8c8c8"),
    RED_FLAG: StatusLook("Stopped: red flag", "triangle", "#b00020", "#ff6b6b"),
    "interrupted": StatusLook("Interrupted", "ring", "#9a5a00", "#f0b050"),
    "in_progress": StatusLook("In progress", "ring", "#555555", "#c8c8c8"),
}
COLUMNS = ("Date", "Routine", "Duration", "Sets done", "How it ended", "Mood before → after")
DATE_FORMAT = "%a %d %b %Y, %H:%M"  # the Date column (strftime, local time)
PERIODS = (("All time", None), ("Last 4 weeks", 28), ("Last 3 months", 91),
           ("Last 12 months", 365), ("Custom dates", -1))


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def accent(palette: QPalette) -> QColor:
    """The first colour of the charts and the calendar (blue)."""
    return QColor("#5aa9ff") if is_dark(palette) else QColor("#1f5fa8")


def second(palette: QPalette) -> QColor:
    """The second line's colour (amber); lines also differ by dash style."""
    return QColor("#f0b050") if is_dark(palette) else QColor("#9a5a00")


def status_look(status: str) -> StatusLook:
    return STATUS.get(status, StatusLook(status.replace("_", " ").capitalize(), "ring",
                                         "#555555", "#c8c8c8"))


def status_color(status: str, palette: QPalette) -> QColor:
    look = status_look(status)
    return QColor(look.dark if is_dark(palette) else look.light)


def status_icon(status: str, palette: QPalette, size: int = 16) -> QIcon:
    """A small shape per ending: circle, square, triangle with '!', ring."""
    look = status_look(status)
    color = status_color(status, palette)
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    r = QRectF(2, 2, size - 4, size - 4)
    if look.shape == "circle":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(r)
    elif look.shape == "square":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawRect(r.adjusted(1, 1, -1, -1))
    elif look.shape == "triangle":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawPolygon(QPolygonF([QPointF(r.center().x(), r.top()),
                                 QPointF(r.right(), r.bottom()), QPointF(r.left(), r.bottom())]))
        p.setPen(QPen(QColor("white"), max(1.5, size / 9)))
        p.drawLine(QPointF(r.center().x(), r.top() + size * 0.3),
                   QPointF(r.center().x(), r.bottom() - size * 0.3))
        p.drawPoint(QPointF(r.center().x(), r.bottom() - size * 0.15))
    else:
        p.setPen(QPen(color, 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(r.adjusted(1, 1, -1, -1))
    p.end()
    return QIcon(pm)


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def mood_text(before: int | None, after: int | None) -> str:
    if before is None and after is None:
        return "–"
    b = "?" if before is None else str(before)
    a = "?" if after is None else str(after)
    return f"{b} → {a}"


def mood_change(rows: Sequence[HistoryRow]) -> float | None:
    """The average change of mood (after - before, points on 1-5) over `rows` that have
    both ratings; None when none has."""
    pairs = [(r.mood_before, r.mood_after) for r in rows
             if r.mood_before is not None and r.mood_after is not None]
    return (sum(a - b for b, a in pairs) / len(pairs)) if pairs else None


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def local_date(at: datetime) -> date:
    return at.astimezone().date()


def cell_text(r: HistoryRow, column: int) -> str:
    """The words of a session's cell in the list (`COLUMNS`); times in local time. Plain
    Python: the search's text is made from these on a worker thread."""
    if column == 0:
        return r.started_at.astimezone().strftime(DATE_FORMAT)
    if column == 1:
        return r.routine_name
    if column == 2:
        return duration_text(r.duration_seconds)
    if column == 3:
        return "breathing" if r.is_breathing else f"{r.sets_done} of {r.set_count}"
    if column == 4:
        return status_look(r.status).text
    return mood_text(r.mood_before, r.mood_after)
