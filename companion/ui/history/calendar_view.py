"""The history window's month calendar: the days with a session, marked by shape and
colour, with a legend in words. Custom-painted: no chart type draws a month grid.
"""

from __future__ import annotations

import calendar
from datetime import date

from companion.qt.core import QPointF, QRectF, QSize, Qt, Signal
from companion.qt.gui import QColor, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from companion.qt.widgets import QWidget
from companion.ui.history.look import RED_FLAG, accent, is_dark


class CalendarView(QWidget):
    """One month as a grid; a day with a session is marked (filled circle: completed;
    triangle: stopped for a red flag; ring: other endings), with a legend in words.

    PageUp / PageDown (or the arrow keys) change the month; the window adds buttons too.
    """

    month_changed = Signal(object)  # the first day of the month now shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._month = date.today().replace(day=1)
        self._days: dict[date, str] = {}
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(QSize(260, 210))
        self.setAccessibleName("Calendar of session days")

    @property
    def month(self) -> date:
        return self._month

    def set_days(self, days: dict[date, str]) -> None:
        """`days`: the date of each session day -> its most telling status."""
        self._days = dict(days)
        self._describe()
        self.update()

    def show_month(self, month: date) -> None:
        self._month = month.replace(day=1)
        self._describe()
        self.update()
        self.month_changed.emit(self._month)

    def step(self, months: int) -> None:
        y, m = divmod(self._month.month - 1 + months, 12)
        self.show_month(date(self._month.year + y, m + 1, 1))

    def title(self) -> str:
        return f"{self._month:%B %Y}"

    def days_in_month(self) -> list[date]:
        return sorted(d for d in self._days if (d.year, d.month) == (self._month.year,
                                                                     self._month.month))

    def _describe(self) -> None:
        days = self.days_in_month()
        flagged = [d for d in days if self._days[d] == RED_FLAG]
        text = f"{self.title()}: sessions on {len(days)} days"
        if flagged:
            text += ", stopped for a red flag on " + ", ".join(f"{d.day}" for d in flagged)
        self.setAccessibleDescription(text + ".")

    def texts(self) -> list[str]:
        return [self.accessibleName(), self.accessibleDescription(), self.title(),
                *self.legend()]

    @staticmethod
    def legend() -> list[str]:
        return ["● completed", "△ red-flag stop", "○ other"]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_PageUp, Qt.Key.Key_Left):
            self.step(-1)
        elif key in (Qt.Key.Key_PageDown, Qt.Key.Key_Right):
            self.step(1)
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        if self.hasFocus():
            p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 2))
            p.drawRect(self.rect().adjusted(1, 1, -2, -2))
        w, h = self.width(), self.height()
        head = 26.0
        foot = 22.0
        font = p.font()
        font.setBold(True)
        p.setFont(font)
        p.setPen(text)
        p.drawText(QRectF(0, 2, w, head), Qt.AlignmentFlag.AlignCenter,
                   f"Session days, {self.title()}")
        font.setBold(False)
        p.setFont(font)
        cols = 7
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(self._month.year,
                                                                      self._month.month)
        rows = len(weeks) + 1
        cw = w / cols
        ch = (h - head - foot) / rows
        for i, name in enumerate(("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")):
            p.setPen(muted)
            p.drawText(QRectF(i * cw, head, cw, ch), Qt.AlignmentFlag.AlignCenter, name)
        blue = accent(pal)
        red = QColor("#ff6b6b") if is_dark(pal) else QColor("#b00020")
        for r, week in enumerate(weeks):
            for c, day in enumerate(week):
                cell = QRectF(c * cw, head + (r + 1) * ch, cw, ch)
                status = self._days.get(day)
                inside = day.month == self._month.month
                size = min(cw, ch) * 0.8
                mark = QRectF(cell.center().x() - size / 2, cell.center().y() - size / 2,
                              size, size)
                if inside and status is not None:
                    if status == RED_FLAG:
                        tri = QPolygonF([QPointF(mark.center().x(), mark.top()),
                                         QPointF(mark.right(), mark.bottom()),
                                         QPointF(mark.left(), mark.bottom())])
                        p.setPen(QPen(red, 2))
                        p.setBrush(Qt.BrushStyle.NoBrush)
                        p.drawPolygon(tri)
                    elif status == "completed":
                        p.setPen(Qt.PenStyle.NoPen)
                        p.setBrush(blue)
                        p.drawEllipse(mark)
                    else:
                        p.setPen(QPen(blue, 2))
                        p.setBrush(Qt.BrushStyle.NoBrush)
                        p.drawEllipse(mark)
                if not inside:
                    p.setPen(muted)
                elif status == "completed":
                    p.setPen(pal.color(QPalette.ColorRole.HighlightedText)
                             if not is_dark(pal) else QColor("#0b1a2a"))
                elif status == RED_FLAG:
                    p.setPen(red)
                else:
                    p.setPen(text)
                # inside a triangle the number sits low, where the triangle is wide
                low = cell.translated(0, size * 0.12) if inside and status == RED_FLAG else cell
                p.drawText(low, Qt.AlignmentFlag.AlignCenter, str(day.day))
        p.setPen(muted)
        p.drawText(QRectF(0, h - foot, w, foot), Qt.AlignmentFlag.AlignCenter,
                   "   ".join(self.legend()))
        p.end()
