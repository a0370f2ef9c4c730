"""The history window's pictures as tabs (weeks, calendar, mood, effort), each built the
first time it is shown: opening the window makes one chart, not four, and data set on a
tab not built yet is kept for when it is.

Ctrl+Tab / Ctrl+Shift+Tab (or the arrow keys on the tab bar) move between the tabs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, cast

from companion.qt.widgets import QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget
from companion.storage.repository import HistoryRow, WeekCount

if TYPE_CHECKING:
    from companion.ui.history.calendar_view import CalendarView
    from companion.ui.history.charts import EffortChart, MoodChart, WeeklyChart

TABS = (("weekly", "&Weeks", "Sessions per week"),
        ("calendar", "&Calendar", "Calendar of session days"),
        ("mood", "&Mood", "Mood before and after"),
        ("effort", "Eff&ort", "Effort per session"))


class ChartPanel(QTabWidget):
    """Four tabs; `weekly_chart`, `calendar`, `mood_chart` and `effort_chart` build their
    tab's widget on first use (shown, or asked for by a caller)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Charts")
        self._pages: dict[str, QWidget] = {}
        self._built: dict[str, QWidget] = {}
        self._weeks: tuple[list[WeekCount], int, bool] = ([], 2, False)
        self._rows: list[HistoryRow] = []
        self._days: dict[date, str] = {}
        self._month: date | None = None
        for key, label, name in TABS:
            page = QWidget()
            QVBoxLayout(page).setContentsMargins(0, 0, 0, 0)
            page.setAccessibleName(name)
            self._pages[key] = page
            self.addTab(page, label)
        self.currentChanged.connect(lambda _index: self._build_current())

    # -- data ---------------------------------------------------------------------------------
    def set_weeks(self, weeks: Sequence[WeekCount], goal: int, *, gentle: bool) -> None:
        """The weekly counts against `goal` (`gentle`: not scored, see WeeklyChart)."""
        self._weeks = (list(weeks), goal, gentle)
        if "weekly" in self._built:
            self.weekly_chart.set_data(*self._weeks[:2], gentle=gentle)

    def set_rows(self, oldest_first: Sequence[HistoryRow]) -> None:
        """The sessions the filter shows, oldest first (mood and effort)."""
        self._rows = list(oldest_first)
        if "mood" in self._built:
            self.mood_chart.set_rows(self._rows)
        if "effort" in self._built:
            self.effort_chart.set_rows(self._rows)

    def set_days(self, days: dict[date, str], month: date | None) -> None:
        """The calendar's marks (day -> most telling status) and the month to show (None:
        keep the month shown)."""
        self._days = dict(days)
        if month is not None:
            self._month = month
        if "calendar" in self._built:
            self.calendar.set_days(self._days)
            if month is not None:
                self.calendar.show_month(month)

    # -- the tabs, built when first needed -------------------------------------------------------
    def showEvent(self, event: object) -> None:
        self._build_current()
        super().showEvent(event)  # type: ignore[arg-type]

    def _build_current(self) -> None:
        self._get(TABS[max(0, self.currentIndex())][0])

    def _place(self, key: str, widget: QWidget) -> None:
        layout = self._pages[key].layout()
        assert layout is not None
        layout.addWidget(widget)
        self._built[key] = widget

    def _get(self, key: str) -> QWidget:
        if key not in self._built:
            self._place(key, getattr(self, f"_make_{key}")())
        return self._built[key]

    @property
    def weekly_chart(self) -> WeeklyChart:
        return cast("WeeklyChart", self._get("weekly"))

    @property
    def mood_chart(self) -> MoodChart:
        return cast("MoodChart", self._get("mood"))

    @property
    def effort_chart(self) -> EffortChart:
        return cast("EffortChart", self._get("effort"))

    @property
    def calendar(self) -> CalendarView:
        self._get("calendar")
        return self._calendar

    def _make_weekly(self) -> QWidget:
        from companion.ui.history.charts import WeeklyChart

        chart = WeeklyChart()
        weeks, goal, gentle = self._weeks
        chart.set_data(weeks, goal, gentle=gentle)
        return chart

    def _make_mood(self) -> QWidget:
        from companion.ui.history.charts import MoodChart

        chart = MoodChart()
        chart.set_rows(self._rows)
        return chart

    def _make_effort(self) -> QWidget:
        from companion.ui.history.charts import EffortChart

        chart = EffortChart()
        chart.set_rows(self._rows)
        return chart

    def _make_calendar(self) -> QWidget:
        """The month view with its previous / next buttons under it."""
        from companion.ui.history.calendar_view import CalendarView

        view = CalendarView()
        view.set_days(self._days)
        if self._month is not None:
            view.show_month(self._month)
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(view, 1)
        nav = QHBoxLayout()
        for text, name, step in (("‹ Previous month", "Previous month", -1),
                                 ("Next month ›", "Next month", 1)):
            button = QPushButton(text)
            button.setAccessibleName(name)
            button.clicked.connect(lambda _c=False, s=step: view.step(s))
            nav.addWidget(button)
        lay.addLayout(nav)
        self._calendar = view
        return box

    def texts(self) -> list[str]:
        """Every string the charts show (builds every tab: the wording test reads all)."""
        out = [self.tabText(i).replace("&", "") for i in range(self.count())]
        for chart in (self.weekly_chart, self.mood_chart, self.effort_chart):
            out += chart.texts()
        return out + self.calendar.texts()
