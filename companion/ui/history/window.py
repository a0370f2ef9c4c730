"""The history window: every session in a filterable list, charts, a per-session timeline,
the clinician summary (PDF) and the export.

Open it with ``HistoryWindow(db, profile=profile, weekly_goal=goal).show()``. The rows are
aggregated in SQL (`Database.history`) and loaded on a worker thread (a ten-year history
is 2,600 rows); the list shows "Loading…" until `loaded` fires. Writing a PDF or an export
also runs on a worker, so the window stays responsive.

How a session ended is shown by an icon AND a colour AND words, never by colour alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QDate,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from companion.config import Paths
from companion.core.safety import Profile
from companion.storage.database import Database
from companion.storage.repository import (
    COUNTED_KINDS,
    WITH_BREATHING,
    HistoryRow,
    WeekCount,
)
from companion.ui.history.charts import (
    RED_FLAG,
    CalendarView,
    EffortChart,
    MoodChart,
    WeeklyChart,
)
from companion.ui.history.detail import SessionDetailView
from companion.ui.history.look import (
    COLUMNS,
    PERIODS,
    ROW_ROLE,
    STATUS,
    local_date,
    pydate,
    qdate,
    status_icon,
)
from companion.ui.history.report import ReportPeriodDialog, write_report
from companion.ui.history.table import HistoryFilter, HistoryTableModel

log = logging.getLogger(__name__)


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


class HistoryWindow(QWidget):
    """Sessions list + filters + charts; Enter or double-click opens a session's timeline.

    Signals: `loaded` (the list and charts are filled), `report_written(Path)`,
    `exported(Path, int)`, `failed(str)` (also shown in the status line).
    """

    loaded = Signal()
    detail_opened = Signal(object)  # the SessionDetailView, once read
    note_saved = Signal(int)  # a session's note is stored (its id)
    report_written = Signal(object)
    exported = Signal(object, int)
    failed = Signal(str)

    def __init__(self, db: Database, *, profile: Profile | None = None, weekly_goal: int = 2,
                 paths: Paths | None = None, parent: QWidget | None = None,
                 count_breathing: bool = False,
                 session_active: Callable[[], bool] | None = None,
                 on_unwell: Callable[[], None] | None = None) -> None:
        """`profile`: from the screening; None reads the latest screening from `db`.
        `paths`: where the user's routine copies are (default: the usual data dir).
        `count_breathing`: breathing sessions count toward the weekly goal (Settings).
        `session_active` / `on_unwell`: whether a session exists meanwhile, and the red flag
        (the note dialog shows the red "I feel unwell" button while one does)."""
        super().__init__(parent, Qt.WindowType.Window)
        self.db = db
        self.count_breathing = count_breathing
        self.session_active = session_active
        self.on_unwell = on_unwell
        # without a profile, the latest screening decides (read on the worker with the rows)
        self._given_profile = profile
        self.profile = profile or Profile()
        self.weekly_goal = weekly_goal
        self.paths = paths
        self._updating = False
        self._weeks: list[WeekCount] = []
        self.detail_view: SessionDetailView | None = None
        self.note_dialog: Any = None
        #: nothing may be written from here (a clinician's view, a read-only history)
        self.read_only = bool(getattr(db, "read_only", False))
        whose = getattr(getattr(db, "profile", None), "name", "")
        view = "Clinician view: " if getattr(db, "clinician", False) else ""
        self.setWindowTitle(f"{view}History — {whose}" if whose else "History")
        self.setAccessibleName(f"{view}History of {whose}" if whose else "History")
        self.resize(1280, 800)
        # The query runs while the widgets are built; the result arrives queued, so only
        # once the event loop runs, after __init__.
        self._start_load()

        self.model = HistoryTableModel(self)
        self.model.set_palette(self.palette())
        self.proxy = HistoryFilter(self)
        self.proxy.setSourceModel(self.model)

        # filters
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

        filters = QHBoxLayout()
        for caption, widget in (("&Period:", self.period), ("&From:", self.since),
                                ("&To:", self.until), ("&Routine:", self.routine),
                                ("&Ended:", self.status), ("&Search:", self.search)):
            buddy = QLabel(caption)
            buddy.setBuddy(widget)
            filters.addWidget(buddy)
            filters.addWidget(widget, 2 if widget is self.search else 0)

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
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Sessions")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        # Widths from the font, not ResizeToContents: that would measure all 2,600 rows.
        head = self.table.horizontalHeader()
        fm = self.fontMetrics()
        em = fm.horizontalAdvance("M")
        for col, sample in enumerate(("Wed 28 Oct 2026, 14:13", "Starter circuit",
                                      "Duration", "Sets done", "Stopped: red flag",
                                      "Mood before → after")):
            self.table.setColumnWidth(col, fm.horizontalAdvance(sample) + em * (3 if col == 4
                                                                                else 2))
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.activated.connect(self.open_detail)
        self.empty = QLabel("Loading…")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAccessibleName("Sessions list state")

        # charts
        self.weekly_chart = WeeklyChart()
        self.mood_chart = MoodChart()
        self.effort_chart = EffortChart()
        self.calendar = CalendarView()
        prev_month = QPushButton("‹ Previous month")
        prev_month.setAccessibleName("Previous month")
        next_month = QPushButton("Next month ›")
        next_month.setAccessibleName("Next month")
        prev_month.clicked.connect(lambda: self.calendar.step(-1))
        next_month.clicked.connect(lambda: self.calendar.step(1))
        cal_box = QVBoxLayout()
        cal_box.setContentsMargins(0, 0, 0, 0)
        cal_box.addWidget(self.calendar, 1)
        nav = QHBoxLayout()
        nav.addWidget(prev_month)
        nav.addWidget(next_month)
        cal_box.addLayout(nav)
        cal_widget = QWidget()
        cal_widget.setLayout(cal_box)
        charts = QWidget()
        grid = QGridLayout(charts)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.weekly_chart, 0, 0)
        grid.addWidget(cal_widget, 0, 1)
        grid.addWidget(self.mood_chart, 1, 0)
        grid.addWidget(self.effort_chart, 1, 1)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.empty)
        lv.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(charts)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        splitter.setSizes([em * 66, em * 52])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status_line)

        self.period.currentIndexChanged.connect(self._period_chosen)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self._dates_edited)
        self.routine.currentIndexChanged.connect(self._apply_filters)
        self.status.currentIndexChanged.connect(self._apply_filters)
        self.search.textChanged.connect(self._apply_filters)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)
        QShortcut(QKeySequence("Ctrl+P"), self, self.ask_report)
        QShortcut(QKeySequence("Ctrl+E"), self, self.ask_export)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        # buttons Qt adds itself: the search's clear button, the table's corner button
        for button in self.search.findChildren(QAbstractButton):
            button.setAccessibleName("Clear the search")
        for button in self.table.findChildren(QAbstractButton):
            if not button.accessibleName():
                button.setAccessibleName("Select all sessions")

    def _start_load(self) -> None:
        db, derive = self.db, self._given_profile is None

        kinds = WITH_BREATHING if self.count_breathing else COUNTED_KINDS

        def load() -> Loaded:
            return Loaded(db.history(), db.weekly_counts(12, kinds=kinds),
                          profile_from_screening(db) if derive else None)

        self._run(load, self._show)

    # -- loading ----------------------------------------------------------------------------
    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
             on_failed: Callable[[], None] | None = None) -> None:
        """`fn` off the GUI thread (`companion.ui.adapters.operations.QueryOp`); `on_done(result)`
        back on it, or the failure in the status line (one line, never a traceback)."""
        from companion.ui.adapters.operations import QueryOp

        def failed(exc: Exception) -> None:
            log.warning("history task failed: %s", exc, exc_info=exc)
            message = str(exc) or type(exc).__name__
            if on_failed is not None:
                on_failed()
            self.status_line.setText(f"Something went wrong: {message}")
            self.failed.emit(message)

        QueryOp(parent=self, op=fn, success=on_done).failure(failed).run_in_background()

    def reload(self) -> None:
        """Read the history again (off the GUI thread); `loaded` fires when shown."""
        self.summary.setText("Loading…")
        self.empty.setText("Loading…")
        self.empty.show()
        self._start_load()

    def _show(self, data: Loaded) -> None:
        if data.profile is not None:
            self.profile = data.profile
        self._updating = True
        self.model.set_rows(data.rows)
        self._weeks = data.weeks
        routines: dict[str, str] = {}
        for r in data.rows:
            routines.setdefault(r.routine_id, r.routine_name)
        current = self.routine.currentData()
        self.routine.clear()
        self.routine.addItem("All routines", None)
        for rid, name in sorted(routines.items(), key=lambda kv: kv[1].casefold()):
            self.routine.addItem(name, rid)
        self.routine.setCurrentIndex(max(0, self.routine.findData(current)))
        if data.rows:
            self.since.setDate(qdate(local_date(data.rows[-1].started_at)))
        self.until.setDate(QDate.currentDate())
        self._updating = False
        self.weekly_chart.set_data(data.weeks, self.weekly_goal,
                                   gentle=self.profile.eating_disorder_history)
        self._apply_filters()
        self.loaded.emit()

    # -- filters ----------------------------------------------------------------------------
    def _period_chosen(self, index: int) -> None:
        days = PERIODS[index][1]
        if days is None or days < 0 or self._updating:
            self._apply_filters()
            return
        self._updating = True
        today = date.today()
        self.since.setDate(qdate(today - timedelta(days=days)))
        self.until.setDate(qdate(today))
        self._updating = False
        self._apply_filters()

    def _dates_edited(self) -> None:
        if self._updating:
            return
        self._updating = True
        self.period.setCurrentIndex(len(PERIODS) - 1)  # "Custom dates"
        self._updating = False
        self._apply_filters()

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _apply_filters(self) -> None:
        if self._updating:
            return
        all_time = self.period.currentIndex() == 0
        since = None if all_time else pydate(self.since.date())
        until = None if all_time else pydate(self.until.date())
        self.proxy.set_filters(since=since, until=until,
                               routine=self.routine.currentData(),
                               status=self.status.currentData(), text=self.search.text())
        self._refresh_views()

    def _refresh_views(self) -> None:
        visible = self.proxy.visible_rows()
        oldest_first = sorted(visible, key=lambda r: r.started_at)
        self.mood_chart.set_rows(oldest_first)
        self.effort_chart.set_rows(oldest_first)
        days: dict[date, str] = {}
        for r in oldest_first:
            day = local_date(r.started_at)
            if days.get(day) != RED_FLAG:
                days[day] = RED_FLAG if r.red_flag_count or r.status == RED_FLAG else (
                    "completed" if r.status == "completed" or days.get(day) == "completed"
                    else r.status)
        self.calendar.set_days(days)
        if oldest_first:
            self.calendar.show_month(local_date(oldest_first[-1].started_at))
        total = self.model.rowCount()
        n = len(visible)
        flags = sum(1 for r in visible if r.status == RED_FLAG)
        self.empty.setVisible(n == 0)
        self.empty.setText("No sessions yet." if total == 0 else "No session matches.")
        text = f"{n} of {total} sessions shown" if n != total else f"{total} sessions"
        if flags:
            text += f" · {flags} stopped for a red flag"
        if self.mood_chart.average_change is not None:
            text += f" · mood changed by {self.mood_chart.average_change:+.1f} on average"
        self.summary.setText(text)

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

    # -- the journal ------------------------------------------------------------------------
    def ask_note(self, view: SessionDetailView) -> None:
        """Add or change a session's note (window-modal; the session keeps running)."""
        from companion.ui.history.journal import NoteDialog

        r = view.detail.row
        dialog = NoteDialog(f"{r.routine_name}, {r.started_at.astimezone():%A %d %B %Y}",
                            view.detail.note, view, session_active=self.session_active,
                            on_unwell=self.on_unwell)
        self.note_dialog = dialog

        def done(code: int) -> None:
            self.note_dialog = None
            if code == QDialog.DialogCode.Accepted:
                self.save_note(view, dialog.text())
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    def save_note(self, view: SessionDetailView | None, text: str, session_id: int = 0) -> None:
        """Store a note off the GUI thread, then show it (`note_saved(session_id)` fires);
        a failure is said in the status line (and to a screen reader), never raised."""
        sid = view.detail.row.id if view is not None else session_id
        db = self.db
        self.status_line.setText("Saving the note…")

        def saved(_result: object) -> None:
            if view is not None:
                view.show_note(text.strip() or None)
            self.status_line.setText("Note saved." if text.strip() else "Note removed.")
            self.note_saved.emit(sid)
            self.reload()  # the list and its search see the new words

        self._run(lambda: db.save_note(sid, text), saved)

    # -- report and export ------------------------------------------------------------------
    def ask_report(self) -> None:
        dialog = ReportPeriodDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        since, until = dialog.period()
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the clinician summary", str(Path.home() / f"companion-summary-"
                                                    f"{until:%Y-%m-%d}.pdf"), "PDF (*.pdf)")
        if name:
            path = Path(name)
            self.write_report(path if path.suffix.lower() == ".pdf"
                              else path.with_suffix(".pdf"), since, until,
                              include_notes=dialog.include_notes.isChecked())

    def write_report(self, path: Path, since: date, until: date, *,
                     include_notes: bool = False) -> None:
        """Write the PDF on a worker; `report_written(path)` fires when it is on disk.
        The journal notes go in only with `include_notes` (the dialog's tick box)."""
        self.report_button.setEnabled(False)
        self.status_line.setText(f"Writing {path.name}…")
        db, goal, paths = self.db, self.weekly_goal, self.paths
        count_breathing = self.count_breathing

        def done(result: Path) -> None:
            self.report_button.setEnabled(True)
            self.status_line.setText(f"Saved the clinician summary to {result}")
            self.report_written.emit(result)

        self._run(lambda: write_report(db, path, since, until, weekly_goal=goal, paths=paths,
                                       include_notes=include_notes,
                                       count_breathing=count_breathing),
                  done, lambda: self.report_button.setEnabled(True))

    def ask_export(self) -> None:
        name, chosen = QFileDialog.getSaveFileName(
            self, "Export history", str(Path.home() / "companion-history.csv"),
            "CSV (*.csv);;JSON (*.json)")
        if name:
            path = Path(name)
            if path.suffix.lower() not in (".csv", ".json"):
                path = path.with_suffix(".json" if "json" in chosen.lower() else ".csv")
            self.export_to(path)

    def export_to(self, path: Path) -> None:
        """Write CSV or JSON (by suffix) on a worker; `exported(path, sessions)` follows."""
        db = self.db
        self.status_line.setText(f"Exporting to {path.name}…")

        def done(n: int) -> None:
            self.status_line.setText(f"Exported {n} sessions to {path}")
            self.exported.emit(path, n)

        self._run(lambda: db.export(path), done)

    # -- look -------------------------------------------------------------------------------
    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.PaletteChange:
            self.model.set_palette(self.palette())

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
        for chart in (self.weekly_chart, self.mood_chart, self.effort_chart):
            out += chart.texts()
        out += self.calendar.texts()
        out += list(COLUMNS)
        for row in range(self.proxy.rowCount()):
            for col in range(len(COLUMNS)):
                idx = self.proxy.index(row, col)
                out.append(str(self.proxy.data(idx)))
                out.append(str(self.proxy.data(idx, Qt.ItemDataRole.ToolTipRole)))
        return [t for t in out if t]
