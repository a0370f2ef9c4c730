"""The history window's charts: weekly sessions against the goal, mood before and after,
and effort per session (the month calendar is `calendar_view.py`).

QtCharts (PySide6-Addons, already a dependency) rather than pyqtgraph: it themes itself
light or dark from one call, has date axes, legends and accessible titles built in, and
adds no package.

Every chart says its figures in words too (title, legend, accessible description), and
lines differ by dash style as well as colour, so nothing depends on colour alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from companion.core.wording import counted
from companion.qt.charts import (
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QValueAxis,
)
from companion.qt.core import QDateTime, QEvent, QMargins, QPointF, QSize, Qt
from companion.qt.gui import QBrush, QColor, QPainter, QPalette, QPen
from companion.qt.widgets import QWidget
from companion.storage.repository import HistoryRow, WeekCount
from companion.ui.history.look import accent, is_dark, mood_change, second

MAX_POINTS = 30  # sessions drawn in the mood and effort charts (the newest in the filter)


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
        bars.setColor(accent(pal))
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


#: date ticks on the mood and effort charts over a long span; more than 25 h apart, two
#: ticks fall on different local dates even across a daylight-saving change
DATE_TICKS = 4
TICK_STEP = timedelta(hours=25)
DATE_FORMAT = "d MMM yy"


def date_axis_span(first: datetime, last: datetime) -> tuple[datetime, datetime, int]:
    """(start, end, ticks) of the session charts' date axis for sessions from `first` to
    `last` (aware datetimes, first <= last), such that no date label repeats (Qt spaces
    the ticks evenly from start to end and labels each with its local date):

    - a span of at least (DATE_TICKS - 1) * TICK_STEP: the sessions' own, DATE_TICKS ticks;
    - a shorter one (one session, or several within a few days): one tick at local noon
      of each day from the day before the first session to the day after the last, so
      each session sits by its own date's label (a clock change moves a tick by an hour
      at most: still the same date).
    """
    if last - first >= TICK_STEP * (DATE_TICKS - 1):
        return first, last, DATE_TICKS
    zone = datetime.now().astimezone().tzinfo  # Qt labels the ticks in local time
    first_day = first.astimezone(zone).date() - timedelta(days=1)
    last_day = last.astimezone(zone).date() + timedelta(days=1)

    def noon(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 12).astimezone()

    return noon(first_day), noon(last_day), (last_day - first_day).days + 1


def _date_axis(rows: Sequence[HistoryRow]) -> QDateTimeAxis:
    axis = QDateTimeAxis()
    axis.setFormat(DATE_FORMAT)
    axis.setTickCount(DATE_TICKS)
    if rows:
        times = [r.started_at for r in rows]
        start, end, ticks = date_axis_span(min(times), max(times))
        axis.setRange(_qdt(start), _qdt(end))
        axis.setTickCount(ticks)
    return axis


# (name, colour from the palette, dash style, the value of a row or None)
Line = tuple[str, Callable[[QPalette], QColor], Qt.PenStyle,
             Callable[[HistoryRow], float | None]]


class _SessionLines(_Chart):
    """Lines over the dates of the last sessions shown, on a fixed 0-10 or 1-5 scale.

    Subclasses give the scale (`Y_RANGE`, `Y_TICKS`, `Y_TITLE`), their `LINES` and
    `_title()` -> (title, accessible description)."""

    Y_RANGE = (0, 10)
    Y_TICKS = 6
    Y_TITLE = ""
    LINES: tuple[Line, ...] = ()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._rows: list[HistoryRow] = []

    def _title(self) -> tuple[str, str]:
        raise NotImplementedError

    def redraw(self) -> None:
        self._reset()
        pal = self.palette()
        xs = _date_axis(self._rows)
        ys = QValueAxis()
        ys.setRange(*self.Y_RANGE)
        ys.setTickCount(self.Y_TICKS)
        ys.setLabelFormat("%d")
        ys.setTitleText(self.Y_TITLE)
        self._chart.addAxis(xs, Qt.AlignmentFlag.AlignBottom)
        self._chart.addAxis(ys, Qt.AlignmentFlag.AlignLeft)
        for name, color, style, value in self.LINES:
            line = QLineSeries()
            line.setName(name)
            line.setPen(QPen(color(pal), 2.5, style))
            line.setPointsVisible(True)
            for r in self._rows:
                v = value(r)
                if v is not None:
                    line.append(QPointF(_ms(r.started_at), float(v)))
            self._chart.addSeries(line)
            line.attachAxis(xs)
            line.attachAxis(ys)
        title, description = self._title()
        self._chart.setTitle(title)
        self.setAccessibleDescription(description)
        self._theme()


class MoodChart(_SessionLines):
    """Mood before (dashed) and after (solid) per session, 1-5, with the average change."""

    Y_RANGE = (1, 5)
    Y_TICKS = 5
    Y_TITLE = "Mood (1-5)"
    LINES = (("Before (dashed)", second, Qt.PenStyle.DashLine, lambda r: r.mood_before),
             ("After (solid)", accent, Qt.PenStyle.SolidLine, lambda r: r.mood_after))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Mood before and after", parent)
        self._change: float | None = None

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        """`rows`: the filtered sessions, oldest first; the change averages all of them."""
        self._change = mood_change(rows)
        self._rows = list(rows)[-MAX_POINTS:]
        self.redraw()

    @property
    def average_change(self) -> float | None:
        return self._change

    def _title(self) -> tuple[str, str]:
        if self._change is None:
            title = "Mood before and after: no ratings yet"
        else:
            title = f"Mood before and after: average change {self._change:+.1f}"
        return title, (f"{title}, over the last {counted(len(self._rows), 'session')} shown. "
                       "Dashed line: before; solid line: after.")


class EffortChart(_SessionLines):
    """Effort per session (CR10, 0-10): the average (solid) and the hardest set (dashed)."""

    Y_TITLE = "Effort (0-10)"
    LINES = (("Average (solid)", accent, Qt.PenStyle.SolidLine, lambda r: r.avg_effort),
             ("Hardest set (dashed)", second, Qt.PenStyle.DashLine, lambda r: r.max_effort))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Effort per session", parent)

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        self._rows = [r for r in rows if r.avg_effort is not None][-MAX_POINTS:]
        self.redraw()

    def _title(self) -> tuple[str, str]:
        avgs = [r.avg_effort for r in self._rows if r.avg_effort is not None]
        mean = sum(avgs) / len(avgs) if avgs else None
        title = ("Effort per session" if mean is None
                 else f"Effort per session: average {mean:.1f} of 10")
        shown = counted(len(self._rows), "session")
        return title, (f"{title}, over the last {shown} with ratings. "
                       "Solid line: average effort; dashed line: hardest set.")
