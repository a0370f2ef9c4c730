"""The history window's filters: period (or custom dates), routine, how it ended, and a
search; `changed` fires when the sessions shown should change, `search_used` when the
search box gets the focus or text (the window then reads what the search finds)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import NamedTuple

from companion.qt.core import QDate, QEvent, QObject, Signal
from companion.qt.widgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QWidget
from companion.storage.repository import HistoryRow
from companion.ui.history.look import (
    PERIODS,
    RED_FLAG,
    STATUS,
    local_date,
    pydate,
    qdate,
    status_icon,
)


class Filters(NamedTuple):
    """What `HistoryFilter.set_filters` takes (`**filters._asdict()`)."""

    since: date | None
    until: date | None
    routine: str | None  # a routine id
    status: str | None  # a status key (look.STATUS)
    text: str


class FilterBar(QWidget):
    """One row of labelled filters (each with its Alt+letter); `filters()` gives them as
    the table's filter proxy takes them."""

    changed = Signal()
    search_used = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        self.period = QComboBox()
        for label, _ in PERIODS:
            self.period.addItem(label)
        self.period.setAccessibleName("Period")
        self.since = QDateEdit()
        self.until = QDateEdit()
        for edit, name in ((self.since, "From date"), (self.until, "To date")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
            edit.setDate(QDate.currentDate())
        self.routine = QComboBox()
        self.routine.setAccessibleName("Routine")
        self.routine.addItem("All routines", None)
        self.status = QComboBox()
        self.status.setAccessibleName("How it ended")
        self.status.addItem("Any ending", None)
        for key in ("completed", "stopped_by_user", RED_FLAG, "interrupted"):
            self.status.addItem(status_icon(key, self.palette()), STATUS[key].text, key)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search (e.g. red flag, squats, March)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search sessions")

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for caption, widget in (("&Period:", self.period), ("&From:", self.since),
                                ("&To:", self.until), ("&Routine:", self.routine),
                                ("&Ended:", self.status), ("&Search:", self.search)):
            buddy = QLabel(caption)
            buddy.setBuddy(widget)
            row.addWidget(buddy)
            row.addWidget(widget, 2 if widget is self.search else 0)

        self.period.currentIndexChanged.connect(self._period_chosen)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self._dates_edited)
        self.routine.currentIndexChanged.connect(self._emit)
        self.status.currentIndexChanged.connect(self._emit)
        self.search.textChanged.connect(self._emit)
        self.search.textChanged.connect(self.search_used)
        self.search.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.FocusIn:
            self.search_used.emit()
        return False

    def filters(self) -> Filters:
        """The filters as chosen (dates None for all time)."""
        all_time = self.period.currentIndex() == 0
        return Filters(None if all_time else pydate(self.since.date()),
                       None if all_time else pydate(self.until.date()),
                       self.routine.currentData(), self.status.currentData(),
                       self.search.text())

    def set_sessions(self, rows: Sequence[HistoryRow]) -> None:
        """The routines to choose from and the custom dates' span, from every session
        (newest first); the choices made stay. `changed` does not fire."""
        self._updating = True
        routines: dict[str, str] = {}
        for r in rows:
            routines.setdefault(r.routine_id, r.routine_name)
        current = self.routine.currentData()
        self.routine.clear()
        self.routine.addItem("All routines", None)
        for rid, name in sorted(routines.items(), key=lambda kv: kv[1].casefold()):
            self.routine.addItem(name, rid)
        self.routine.setCurrentIndex(max(0, self.routine.findData(current)))
        if rows:
            self.since.setDate(qdate(local_date(rows[-1].started_at)))
        self.until.setDate(QDate.currentDate())
        self._updating = False

    def set_filters(self, *, period: str | None = None, routine: str | None = None,
                    status: str | None = None, text: str | None = None) -> None:
        """Set filters as a user would (used by tests and by callers that open a view)."""
        if period is not None:
            self.period.setCurrentIndex([p for p, _ in PERIODS].index(period))
        if routine is not None:
            self.routine.setCurrentIndex(self.routine.findData(routine))
        if status is not None:
            self.status.setCurrentIndex(self.status.findData(status))
        if text is not None:
            self.search.setText(text)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _emit(self) -> None:
        if not self._updating:
            self.changed.emit()

    def _period_chosen(self, index: int) -> None:
        days = PERIODS[index][1]
        if days is None or days < 0 or self._updating:
            self._emit()
            return
        self._updating = True
        today = date.today()
        self.since.setDate(qdate(today - timedelta(days=days)))
        self.until.setDate(qdate(today))
        self._updating = False
        self._emit()

    def _dates_edited(self) -> None:
        if self._updating:
            return
        self._updating = True
        self.period.setCurrentIndex(len(PERIODS) - 1)  # "Custom dates"
        self._updating = False
        self._emit()
