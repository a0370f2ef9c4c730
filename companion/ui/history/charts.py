"""The history window's pictures: weekly sessions against the goal, mood before and after,
effort per session, and a month calendar of the days with a session.

QtCharts (PySide6-Addons, already a dependency) rather than pyqtgraph: it themes itself
light or dark from one call, has date axes, legends and accessible titles built in, and
adds no package. The calendar is custom-painted: no chart type draws a month grid.

Every chart says its figures in words too (title, legend, accessible description), and
lines differ by dash style as well as colour, so nothing depends on colour alone.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, datetime

from PySide6.QtCharts import (
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QEvent, QMargins, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QWidget

from companion.storage.repository import HistoryRow, WeekCount

RED_FLAG = "stopped_red_flag"
MAX_POINTS = 30  # sessions drawn in the mood and effort charts (the newest in the filter)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def _accent(palette: QPalette) -> QColor:
    return QColor("#5aa9ff") if is_dark(palette) else QColor("#1f5fa8")


def _second(palette: QPalette) -> QColor:
    return QColor("#f0b050") if is_dark(palette) else QColor("#9a5a00")


class _Chart(QChartView):
    """A chart view that re-themes itself when the palette changes."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        self._chart = QChart()
        super().__init__(self._chart, parent)
        self._chart.setTitle(title)
        self._chart.setMargins(QMargins(4, 4, 4, 4))
        self._chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAccessibleName(title)
        # the viewport is what takes the focus inside a chart view: it carries the same
        # name and figures, or a screen reader meets a nameless Tab stop
        self.viewport().setAccessibleName(title)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setMinimumSize(QSize(280, 210))
        self._theme()

    def setAccessibleDescription(self, description: str) -> None:
        super().setAccessibleDescription(description)
        self.viewport().setAccessibleDescription(description)

    def _theme(self) -> None:
        pal = self.palette()
        self._chart.setTheme(QChart.ChartTheme.ChartThemeDark if is_dark(pal)
                             else QChart.ChartTheme.ChartThemeLight)
        self._chart.setBackgroundBrush(QBrush(pal.color(QPalette.ColorRole.Base)))
        self._chart.setTitleBrush(QBrush(pal.color(QPalette.ColorRole.Text)))
        self._chart.legend().setLabelColor(pal.color(QPalette.ColorRole.Text))
        for axis in self._chart.axes():
            axis.setLabelsColor(pal.color(QPalette.ColorRole.Text))
            axis.setTitleBrush(QBrush(pal.color(QPalette.ColorRole.Text)))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.redraw()

    def redraw(self) -> None:
        """Rebuild the series with the current palette (subclasses keep their data)."""
        self._theme()

    def texts(self) -> list[str]:
        """Every string the chart shows (the wording test reads them)."""
        out = [self._chart.title(), self.accessibleDescription()]
        out += [s.name() for s in self._chart.series()]
        for axis in self._chart.axes():
            out.append(axis.titleText())
            if isinstance(axis, QCategoryAxis):
                out += axis.categoriesLabels()
        return out

    def _reset(self) -> None:
        self._chart.removeAllSeries()
        for axis in self._chart.axes():
            self._chart.removeAxis(axis)


class WeeklyChart(_Chart):
    """Completed sessions per week (last 12), bars, with the weekly goal as a dashed line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sessions per week", parent)
        self._weeks: list[WeekCount] = []
        self._goal = 2
        self._gentle = False

    def set_data(self, weeks: Sequence[WeekCount], goal: int, *, gentle: bool = False) -> None:
        """`gentle` (eating-disorder history): the weeks are shown, but not scored against
        the goal ("met 8 of 12"): consistency without a tally to chase."""
        self._weeks, self._goal, self._gentle = list(weeks), goal, gentle
        self.redraw()

    def redraw(self) -> None:
        self._reset()
        pal = self.palette()
        weeks = self._weeks
        bars = QBarSet("Sessions")
        bars.setColor(_accent(pal))
        bars.setBorderColor(pal.color(QPalette.ColorRole.Text))
        for w in weeks:
            bars.append(w.sessions)
        series = QBarSeries()
        series.append(bars)
        series.setBarWidth(0.6)
        self._chart.addSeries(series)
        goal = QLineSeries()
        goal.setName(f"Goal: {self._goal} a week (dashed)")
        pen = QPen(pal.color(QPalette.ColorRole.Text), 2, Qt.PenStyle.DashLine)
        goal.setPen(pen)
        goal.append(-0.5, self._goal)
        goal.append(max(0, len(weeks)) - 0.5, self._goal)
        self._chart.addSeries(goal)
        # A category axis elides each label to one bar's width; a value axis with labels
        # under every third bar leaves room for "26/10".
        cats = QCategoryAxis()
        cats.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        cats.setRange(-0.5, max(1, len(weeks)) - 0.5)
        cats.setStartValue(-0.5)
        for i, w in enumerate(weeks):
            if (len(weeks) - 1 - i) % 3 == 0:
                cats.append(f"{w.week_start.day}/{w.week_start.month}", i)
        cats.setTitleText("Week starting (day/month)")
        cats.setGridLineVisible(False)
        ys = QValueAxis()
        top = max([self._goal, *(w.sessions for w in weeks)]) + 1
        ys.setRange(0, top)
        ys.setTickCount(top + 1)
        ys.setLabelFormat("%d")
        self._chart.addAxis(cats, Qt.AlignmentFlag.AlignBottom)
        self._chart.addAxis(ys, Qt.AlignmentFlag.AlignLeft)
        for s in (series, goal):
            s.attachAxis(cats)
            s.attachAxis(ys)
        met = sum(1 for w in weeks if w.sessions >= self._goal)
        title = (f"Sessions per week, last {len(weeks)} weeks" if self._gentle
                 else f"Sessions per week: goal met {met} of {len(weeks)} weeks")
        self._chart.setTitle(title)
        self.setAccessibleDescription(
            title + ". " + ", ".join(f"week of {w.week_start:%d %b}: {w.sessions}"
                                     for w in weeks))
        self._theme()


def _ms(at: datetime) -> float:
    return at.timestamp() * 1000.0


def _qdt(at: datetime) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(int(_ms(at)))


def _date_axis(rows: Sequence[HistoryRow]) -> QDateTimeAxis:
    axis = QDateTimeAxis()
    axis.setFormat("d MMM yy")
    axis.setTickCount(4)
    if rows:
        first, last = rows[0].started_at, rows[-1].started_at
        if first == last:
            axis.setRange(_qdt(first).addDays(-1), _qdt(last).addDays(1))
        else:
            axis.setRange(_qdt(first), _qdt(last))
    return axis


class MoodChart(_Chart):
    """Mood before (dashed) and after (solid) per session, 1-5, with the average change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Mood before and after", parent)
        self._rows: list[HistoryRow] = []
        self._change: float | None = None

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        """`rows`: the filtered sessions, oldest first; the change averages all of them."""
        pairs = [(r.mood_before, r.mood_after) for r in rows
                 if r.mood_before is not None and r.mood_after is not None]
        self._change = (sum(a - b for b, a in pairs) / len(pairs)) if pairs else None
        self._rows = list(rows)[-MAX_POINTS:]
        self.redraw()

    @property
    def average_change(self) -> float | None:
        return self._change

    def redraw(self) -> None:
        self._reset()
        pal = self.palette()
        xs = _date_axis(self._rows)
        ys = QValueAxis()
        ys.setRange(1, 5)
        ys.setTickCount(5)
        ys.setLabelFormat("%d")
        ys.setTitleText("Mood (1-5)")
        self._chart.addAxis(xs, Qt.AlignmentFlag.AlignBottom)
        self._chart.addAxis(ys, Qt.AlignmentFlag.AlignLeft)
        for name, attr, color, style in (
            ("Before (dashed)", "mood_before", _second(pal), Qt.PenStyle.DashLine),
            ("After (solid)", "mood_after", _accent(pal), Qt.PenStyle.SolidLine),
        ):
            line = QLineSeries()
            line.setName(name)
            line.setPen(QPen(color, 2.5, style))
            line.setPointsVisible(True)
            for r in self._rows:
                mood = getattr(r, attr)
                if mood is not None:
                    line.append(QPointF(_ms(r.started_at), mood))
            self._chart.addSeries(line)
            line.attachAxis(xs)
            line.attachAxis(ys)
        if self._change is None:
            title = "Mood before and after: no ratings yet"
        else:
            title = f"Mood before and after: average change {self._change:+.1f}"
        self._chart.setTitle(title)
        self.setAccessibleDescription(
            f"{title}, over the last {len(self._rows)} sessions shown. "
            "Dashed line: before; solid line: after.")
        self._theme()


class EffortChart(_Chart):
    """Effort per session (CR10, 0-10): the average (solid) and the hardest set (dashed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Effort per session", parent)
        self._rows: list[HistoryRow] = []

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        self._rows = [r for r in rows if r.avg_effort is not None][-MAX_POINTS:]
        self.redraw()

    def redraw(self) -> None:
        self._reset()
        pal = self.palette()
        xs = _date_axis(self._rows)
        ys = QValueAxis()
        ys.setRange(0, 10)
        ys.setTickCount(6)
        ys.setLabelFormat("%d")
        ys.setTitleText("Effort (0-10)")
        self._chart.addAxis(xs, Qt.AlignmentFlag.AlignBottom)
        self._chart.addAxis(ys, Qt.AlignmentFlag.AlignLeft)
        for name, color, style, value in (
            ("Average (solid)", _accent(pal), Qt.PenStyle.SolidLine, lambda r: r.avg_effort),
            ("Hardest set (dashed)", _second(pal), Qt.PenStyle.DashLine, lambda r: r.max_effort),
        ):
            line = QLineSeries()
            line.setName(name)
            line.setPen(QPen(color, 2.5, style))
            line.setPointsVisible(True)
            for r in self._rows:
                v = value(r)
                if v is not None:
                    line.append(QPointF(_ms(r.started_at), float(v)))
            self._chart.addSeries(line)
            line.attachAxis(xs)
            line.attachAxis(ys)
        avgs = [r.avg_effort for r in self._rows if r.avg_effort is not None]
        mean = sum(avgs) / len(avgs) if avgs else None
        title = ("Effort per session" if mean is None
                 else f"Effort per session: average {mean:.1f} of 10")
        self._chart.setTitle(title)
        self.setAccessibleDescription(
            f"{title}, over the last {len(self._rows)} sessions with ratings. "
            "Solid line: average effort; dashed line: hardest set.")
        self._theme()


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
        accent = _accent(pal)
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
                        p.setBrush(accent)
                        p.drawEllipse(mark)
                    else:
                        p.setPen(QPen(accent, 2))
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
