"""The history window: every session in a filterable list, charts, a per-session timeline,
the clinician summary (PDF) and the export.

Open it with ``HistoryWindow(db, profile=profile, weekly_goal=goal).show()``. The rows are
aggregated in SQL (`Database.history`) and loaded on a worker thread (a ten-year history
is 2,600 rows); the list shows "Loading…" until `loaded` fires. What the search finds in
each session (its exercises included) is read on a worker too, when the search box is first
focused or typed in (`search_ready`): opening is not slowed by it, and a typed key only
compares strings. Writing a PDF or an export also runs on a worker, so the window stays
responsive.

How a session ended is shown by an icon AND a colour AND words, never by colour alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from companion.config import Paths
from companion.core.safety import Profile
from companion.core.wording import counted
from companion.qt.core import QModelIndex, Qt, Signal
from companion.qt.gui import QKeySequence
from companion.qt.widgets import (
    QAbstractButton,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from companion.storage.database import Database
from companion.storage.repository import COUNTED_KINDS, WITH_BREATHING, HistoryRow, WeekCount
from companion.ui.history.chart_panel import ChartPanel
from companion.ui.history.detail import SessionDetailView
from companion.ui.history.filter_bar import FilterBar
from companion.ui.history.look import COLUMNS, RED_FLAG, ROW_ROLE, local_date, mood_change
from companion.ui.history.search import load_search_texts
from companion.ui.history.table import HistoryFilter, HistoryTableModel, session_table
from companion.ui.history.window_keys import WindowKeys, close_keys
from companion.ui.history.writing import HistoryWriting
from companion.ui.widgets.screen_fit import resize_within_screen

if TYPE_CHECKING:
    from companion.qt.core import SignalInstance

log = logging.getLogger(__name__)

#: the status line when the exercises could not be read for the search (then its reason)
SEARCH_FAILED = "The search cannot find exercises for now:"


# -- the window -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Loaded:
    rows: list[HistoryRow]
    weeks: list[WeekCount]
    profile: Profile | None = None


def profile_from_screening(db: Database) -> Profile | None:
    """The profile from the latest screening (None if never taken)."""
    from companion.safety.content import load_screening

    return load_screening().stored_profile(db.latest_screening())


class HistoryWindow(HistoryWriting):
    """Sessions list + filters + charts; Enter or double-click opens a session's timeline.

    Signals: `loaded` (the list and charts are filled), `search_ready` (the search finds
    the sessions' exercises too: read once the search box is used), `detail_opened(view)`,
    and those of `HistoryWriting` (`note_saved`, `report_written`, `exported`, `failed`).

    Keys, wherever the focus is in the window (a date or text field included): Ctrl+F the
    search, Ctrl+P the clinician summary, Ctrl+E the export, Ctrl+W or Esc closes.

    The main window builds it once per profile and `reopen`s it: the rows are read again
    (off the GUI thread) only when the history changed meanwhile (`mark_stale`, connected
    to `history_changed`) or a setting the window shows did.
    """

    loaded = Signal()
    search_ready = Signal()
    detail_opened = Signal(object)  # the SessionDetailView, once read

    def __init__(self, db: Database, *, profile: Profile | None = None, weekly_goal: int = 2,
                 paths: Paths | None = None, parent: QWidget | None = None,
                 count_breathing: bool = False,
                 session_active: Callable[[], bool] | None = None,
                 on_unwell: Callable[[], None] | None = None,
                 history_changed: SignalInstance | None = None) -> None:
        """`profile`: from the screening; None reads the latest screening from `db`.
        `paths`: where the user's routine copies are (default: the usual data dir).
        `count_breathing`: breathing sessions count toward the weekly goal (Settings).
        `session_active` / `on_unwell`: whether a session exists meanwhile, and the red flag
        (the note dialog shows the red "I feel unwell" button while one does).
        `history_changed`: a signal fired when the history may have changed (the app's
        `DatabaseHistory.changed`): the next `reopen` reads the rows again."""
        super().__init__(parent, Qt.WindowType.Window)
        from companion.ui.widgets import plain_text

        plain_text.install()  # routine names and notes are never markup (clinician use too)
        self.db, self.count_breathing = db, count_breathing
        self.session_active = session_active
        self.on_unwell = on_unwell
        # without a profile, the latest screening decides (read on the worker with the rows)
        self._given_profile = profile
        self.profile = profile or Profile()
        self.weekly_goal = weekly_goal
        self.paths = paths
        self._weeks: list[WeekCount] = []
        self._data: Loaded | None = None  # what is shown
        self._stale = False  # the history changed since it was read
        self._seen_active = False  # active once since shown (so activating = coming back)
        self._search_load = 0  # which reading of the search texts is wanted
        self._search_rows: list[HistoryRow] | None = None  # whose search texts to read
        if history_changed is not None:
            history_changed.connect(self.mark_stale)
        self.detail_view: SessionDetailView | None = None
        self.note_dialog: Any = None
        self.note_drafts = {}
        #: nothing may be written from here (a clinician's view, a read-only history)
        self.read_only = db.read_only
        whose = db.profile.name if db.profile is not None else ""
        view = "Clinician view: " if db.clinician else ""
        self.setWindowTitle(f"{view}History — {whose}" if whose else "History")
        self.setAccessibleName(f"{view}History of {whose}" if whose else "History")
        resize_within_screen(self, 1280, 800)
        # The query runs while the widgets are built; the result arrives queued, so only
        # once the event loop runs, after __init__.
        self._start_load()

        self.model = HistoryTableModel(self)
        self.model.set_palette(self.palette())
        self.proxy = HistoryFilter(self)
        self.proxy.setSourceModel(self.model)

        self.filter_bar = FilterBar()
        bar = self.filter_bar
        self.period, self.since, self.until = bar.period, bar.since, bar.until
        self.routine, self.status, self.search = bar.routine, bar.status, bar.search

        # actions
        self.report_button = QPushButton("Clinician summary (PDF)…")
        self.report_button.setAccessibleName("Clinician summary (PDF)")
        self.report_button.setToolTip("Write a printable summary for your doctor or "
                                      "physiotherapist (Ctrl+P)")
        self.export_button = QPushButton("Export…")
        self.export_button.setAccessibleName("Export history as CSV or JSON")
        self.export_button.setToolTip("Save your history as CSV or JSON (Ctrl+E)")
        self.report_button.clicked.connect(self.ask_report)
        self.export_button.clicked.connect(self.ask_export)
        self.summary = QLabel("Loading…")
        self.summary.setAccessibleName("Summary")
        self.status_line = QLabel("")
        self.status_line.setAccessibleName("Status")
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.report_button)
        top.addWidget(self.export_button)

        # list
        self.table = session_table(self.proxy)
        em = self.fontMetrics().horizontalAdvance("M")
        self.table.activated.connect(self.open_detail)
        self.empty = QLabel("Loading…")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAccessibleName("Sessions list state")

        # charts: one tab at a time, each built when first shown
        self.charts = ChartPanel()

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.empty)
        lv.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.charts)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        splitter.setSizes([em * 66, em * 52])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.filter_bar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status_line)

        bar.changed.connect(self._apply_filters)
        bar.search_used.connect(self._load_search)
        self.keys = WindowKeys(self)
        self.keys.add("Search", QKeySequence.keyBindings(QKeySequence.StandardKey.Find),
                      bar.focus_search)
        self.keys.add("Clinician summary (PDF)", [QKeySequence("Ctrl+P")], self.ask_report)
        self.keys.add("Export", [QKeySequence("Ctrl+E")], self.ask_export)
        self.keys.add("Close", close_keys(), self.close)
        # Esc: a field that uses it (an open editor) keeps it
        self.keys.add("Close", [QKeySequence(Qt.Key.Key_Escape)], self.close, first=False)
        # buttons Qt adds itself: the search's clear button, the table's corner button
        for button in self.search.findChildren(QAbstractButton):
            button.setAccessibleName("Clear the search")
        for button in self.table.findChildren(QAbstractButton):
            if not button.accessibleName():
                button.setAccessibleName("Select all sessions")
        self.keys.watch()

    def _start_load(self) -> None:
        db, derive = self.db, self._given_profile is None

        kinds = WITH_BREATHING if self.count_breathing else COUNTED_KINDS

        def load() -> Loaded:
            return Loaded(db.history(), db.weekly_counts(12, kinds=kinds),
                          profile_from_screening(db) if derive else None)

        self._run(load, self._show)

    # -- loading ----------------------------------------------------------------------------
    def mark_stale(self) -> None:
        """The history may have changed: read it again when reopened or come back to."""
        self._stale = True

    def reopen(self, *, profile: Profile | None, weekly_goal: int,
               count_breathing: bool) -> None:
        """Show the window again with today's settings; the rows are read again (off the
        GUI thread, the list staying as it was meanwhile) only if they may differ."""
        if (weekly_goal != self.weekly_goal or count_breathing != self.count_breathing
                or (profile is not None and profile != self.profile)):
            self.weekly_goal, self.count_breathing = weekly_goal, count_breathing
            if profile is not None:
                self._given_profile = self.profile = profile
            self._data = None  # redraw even if the rows are the same
            self._stale = True
        if self._stale:
            self._start_load()
        self.show()

    def reload(self) -> None:
        """Read the history again (off the GUI thread); `loaded` fires when shown."""
        self.summary.setText("Loading…")
        self.empty.setText("Loading…")
        self.empty.show()
        self._start_load()

    def _show(self, data: Loaded) -> None:
        self._stale = False
        if data.profile is not None:
            self.profile = data.profile
        if self._data == data:  # reopened and nothing changed: keep what is shown
            self.loaded.emit()
            return
        self._data = data
        self.model.set_rows(data.rows)
        self._search_rows = list(data.rows)  # a copy: the list sorts its own
        self._search_load += 1  # a reading of the old rows is of no use now
        if self.search.hasFocus() or self.search.text():
            self._load_search()
        self._weeks = data.weeks
        self.filter_bar.set_sessions(data.rows)
        self.charts.set_weeks(data.weeks, self.weekly_goal,
                              gentle=self.profile.eating_disorder_history)
        self._apply_filters()
        self.loaded.emit()

    def _load_search(self) -> None:
        """Read what the search finds in the rows shown, off the GUI thread, once per
        reading of the rows (the search box used); `search_ready` fires once the search
        uses it. Meanwhile (or if it fails) a search finds all but the exercises."""
        from companion.ui.adapters.operations import QueryOp

        rows, self._search_rows = self._search_rows, None
        if rows is None:
            return
        self._search_load += 1
        wanted, db = self._search_load, self.db

        def done(texts: dict[int, str]) -> None:
            if wanted != self._search_load:
                return
            self.model.set_search_texts(texts)
            if self.status_line.text().startswith(SEARCH_FAILED):
                self.status_line.setText("")  # an earlier try failed: this one did not
            if self.proxy.text:
                self._apply_filters()
            self.search_ready.emit()

        def failed(exc: Exception) -> None:
            log.warning("could not read the sessions' exercises: %s", exc, exc_info=exc)
            if wanted == self._search_load:
                self._search_rows = rows  # tried again at the next use of the search
                self.status_line.setText(f"{SEARCH_FAILED} {str(exc) or type(exc).__name__}")

        QueryOp(parent=self, op=lambda: load_search_texts(db, rows),
                success=done).failure(failed).run_in_background()

    # -- filters ----------------------------------------------------------------------------
    def _apply_filters(self) -> None:
        self.proxy.set_filters(**self.filter_bar.filters()._asdict())
        self._refresh_views()

    def _refresh_views(self) -> None:
        visible = self.proxy.visible_rows()
        oldest_first = sorted(visible, key=lambda r: r.started_at)
        self.charts.set_rows(oldest_first)
        days: dict[date, str] = {}
        for r in oldest_first:
            day = local_date(r.started_at)
            if days.get(day) != RED_FLAG:
                days[day] = RED_FLAG if r.red_flag_count or r.status == RED_FLAG else (
                    "completed" if r.status == "completed" or days.get(day) == "completed"
                    else r.status)
        self.charts.set_days(days, local_date(oldest_first[-1].started_at)
                             if oldest_first else None)
        total = self.model.rowCount()
        n = len(visible)
        flags = sum(1 for r in visible if r.status == RED_FLAG)
        self.empty.setVisible(n == 0)
        self.empty.setText("No sessions yet." if total == 0 else "No session matches.")
        text = (f"{n} of {counted(total, 'session')} shown" if n != total
                else counted(total, "session"))
        if flags:
            text += f" · {flags} stopped for a red flag"
        change = mood_change(oldest_first)
        if change is not None:
            text += f" · mood changed by {change:+.1f} on average"
        self.summary.setText(text)

    def set_filters(self, *, period: str | None = None, routine: str | None = None,
                    status: str | None = None, text: str | None = None) -> None:
        """Set filters as a user would (used by tests and by callers that open a view)."""
        self.filter_bar.set_filters(period=period, routine=routine, status=status, text=text)

    # -- detail -----------------------------------------------------------------------------
    def open_detail(self, index: QModelIndex) -> None:
        """Read the session off the GUI thread, then open its timeline (`detail_opened`)."""
        row = self.proxy.data(index, ROW_ROLE)
        if row is None:
            return
        db, sid = self.db, row.id
        self.detail_view = None

        def show(detail: Any) -> None:
            if detail is None:
                self.status_line.setText("That session is no longer in the history.")
                return
            view = SessionDetailView(detail, self)
            if self.read_only:  # a clinician's view (or a read-only history): no writing
                view.note_button.hide()
            else:
                view.edit_note = self.ask_note
            view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            view.open()
            self.detail_view = view
            self.detail_opened.emit(view)

        self._run(lambda: db.session_detail(sid), show)

    # -- look -------------------------------------------------------------------------------
    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        from companion.qt.core import QEvent

        if event.type() == QEvent.Type.PaletteChange:
            self.model.set_palette(self.palette())
        elif event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            # come back to (not just opened: `reopen` reads then): sessions since then show
            if self._stale and self._seen_active:
                self._start_load()
            self._seen_active = True

    def hideEvent(self, event: Any) -> None:
        self._seen_active = False  # opened again: `reopen` decides what to read
        super().hideEvent(event)

    def texts(self) -> list[str]:
        """Every string the window shows (the wording test reads them all)."""
        out = [self.windowTitle(), self.summary.text(), self.status_line.text(),
               self.empty.text(), self.search.placeholderText()]
        for w in self.findChildren(QWidget):
            out += [w.accessibleName(), w.accessibleDescription(), w.toolTip()]
            if isinstance(w, (QLabel, QPushButton)):
                out.append(w.text())
            if isinstance(w, QComboBox):
                out += [w.itemText(i) for i in range(w.count())]
        out += self.charts.texts()
        out += list(COLUMNS)
        for row in range(self.proxy.rowCount()):
            for col in range(len(COLUMNS)):
                idx = self.proxy.index(row, col)
                out.append(str(self.proxy.data(idx)))
                out.append(str(self.proxy.data(idx, Qt.ItemDataRole.ToolTipRole)))
        return [t for t in out if t]
