"""The history window: every session in a filterable list, charts, a per-session timeline,
the clinician summary (PDF) and the export.

Open it with ``HistoryWindow(db, profile=profile, weekly_goal=goal).show()``. The rows are
aggregated in SQL (`Database.history`) and loaded on a worker thread (a ten-year history
is 2,600 rows); the list shows "Loading…" until `loaded` fires. Writing a PDF or an export
also runs on a worker, so the window stays responsive.

How a session ended is shown by an icon AND a colour AND words, never by colour alone.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QIcon,
    QKeySequence,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from companion.config import Paths, resolve_paths
from companion.core.safety import Profile
from companion.core.safety_words import symptom_short
from companion.storage.database import Database
from companion.storage.repository import (
    COUNTED_KINDS,
    WITH_BREATHING,
    HistoryRow,
    SessionDetail,
    WeekCount,
)
from companion.ui.history.charts import (
    RED_FLAG,
    CalendarView,
    EffortChart,
    MoodChart,
    WeeklyChart,
    is_dark,
)

log = logging.getLogger(__name__)

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
PERIODS = (("All time", None), ("Last 4 weeks", 28), ("Last 3 months", 91),
           ("Last 12 months", 365), ("Custom dates", -1))


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


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def local_date(at: datetime) -> date:
    return at.astimezone().date()


# -- the list -------------------------------------------------------------------------------
class HistoryTableModel(QAbstractTableModel):
    """The history rows (newest first) as a table; `ROW_ROLE` gives a line's HistoryRow."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[HistoryRow] = []
        self._sort: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.DescendingOrder)
        self._palette = QPalette()
        self._icons: dict[str, QIcon] = {}

    def set_rows(self, rows: list[HistoryRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self._sort_rows()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the list in Python with one key per row: a proxy's per-pair comparisons
        through `data()` cost ~100 ms on a ten-year history."""
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._sort_rows()
        self.layoutChanged.emit()

    def _sort_rows(self) -> None:
        column, order = self._sort
        if column < 0:
            return
        keys: list[Callable[[HistoryRow], Any]] = [
            lambda r: (r.started_at, r.id),
            lambda r: (r.routine_name.casefold(), r.started_at),
            lambda r: (r.duration_seconds or 0.0, r.started_at),
            lambda r: (r.sets_done, r.started_at),
            lambda r: (r.status, r.started_at),
            lambda r: ((r.mood_after or 0) - (r.mood_before or 0), r.started_at),
        ]
        self._rows.sort(key=keys[column], reverse=order == Qt.SortOrder.DescendingOrder)

    def set_palette(self, palette: QPalette) -> None:
        self._palette = palette
        self._icons.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0, 4), self.index(len(self._rows) - 1, 4))

    def row_at(self, row: int) -> HistoryRow:
        return self._rows[row]

    @property
    def rows(self) -> list[HistoryRow]:
        return self._rows

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def text(self, r: HistoryRow, column: int) -> str:
        if column == 0:
            return r.started_at.astimezone().strftime("%a %d %b %Y, %H:%M")
        if column == 1:
            return r.routine_name
        if column == 2:
            return duration_text(r.duration_seconds)
        if column == 3:
            return "breathing" if r.is_breathing else f"{r.sets_done} of {r.set_count}"
        if column == 4:
            return status_look(r.status).text
        return mood_text(r.mood_before, r.mood_after)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(r, col)
        if role == ROW_ROLE:
            return r
        if col == 4 and role == Qt.ItemDataRole.DecorationRole:
            icon = self._icons.get(r.status)
            if icon is None:
                icon = self._icons[r.status] = status_icon(r.status, self._palette)
            return icon
        if col == 4 and role == Qt.ItemDataRole.ForegroundRole:
            return status_color(r.status, self._palette)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            text = self.text(r, col)
            if col == 4 and r.red_flag_count:
                text += f" ({r.red_flag_count} red flag{'s' if r.red_flag_count > 1 else ''})"
            if col == 4 and r.amber_count:
                text += f"; {r.amber_count} amber sign{'s' if r.amber_count > 1 else ''}"
            if col == 1 and r.note:
                text += " (has a note)"
            return text
        return None


class HistoryFilter(QSortFilterProxyModel):
    """Date range (local days, inclusive), routine, ending and free text."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.since: date | None = None
        self.until: date | None = None
        self.routine: str | None = None
        self.status: str | None = None
        self.text = ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The source model sorts (fast, one key per row); the proxy keeps its order."""
        model = self.sourceModel()
        assert isinstance(model, HistoryTableModel)
        model.sort(column, order)

    def set_filters(self, *, since: date | None, until: date | None, routine: str | None,
                    status: str | None, text: str) -> None:
        self.beginFilterChange()
        self.since, self.until, self.routine, self.status = since, until, routine, status
        self.text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self.active:
            return True
        model = self.sourceModel()
        assert isinstance(model, HistoryTableModel)
        return self.accepts(model, model.row_at(source_row))

    @property
    def active(self) -> bool:
        return bool(self.routine or self.status or self.since or self.until or self.text)

    def accepts(self, model: HistoryTableModel, r: HistoryRow) -> bool:
        if self.routine is not None and r.routine_id != self.routine:
            return False
        if self.status is not None and r.status != self.status:
            return False
        if self.since is not None or self.until is not None:
            day = local_date(r.started_at)
            if self.since is not None and day < self.since:
                return False
            if self.until is not None and day > self.until:
                return False
        if self.text:
            hay = " ".join([*(model.text(r, c) for c in range(len(COLUMNS))),
                            r.note or ""]).casefold()  # the journal note is searched too
            return all(word in hay for word in self.text.split())
        return True

    def visible_rows(self) -> list[HistoryRow]:
        """The rows that pass the filters, in the current sort order."""
        model = self.sourceModel()
        assert isinstance(model, HistoryTableModel)
        return [r for r in model.rows if self.accepts(model, r)]


# -- a session's timeline -------------------------------------------------------------------
def _clock(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"


def _set_line(s: Any) -> str:
    if s.planned_reps is not None:
        planned = f"{s.planned_reps} reps"
    elif s.planned_seconds is not None:
        planned = f"{s.planned_seconds:g} s"
    else:
        planned = "a set to near fatigue"
    if s.skipped:
        return f"Set {s.set_no + 1} (round {s.round}) {s.exercise}: skipped (planned {planned})"
    if s.actual_reps is not None:
        actual = f"{s.actual_reps} reps"
    elif s.actual_seconds is not None:
        actual = f"{s.actual_seconds:.0f} s"
    else:
        actual = "done"
    of = "for" if planned.startswith("a set") else "of"
    parts = [f"Set {s.set_no + 1} (round {s.round}) {s.exercise}: {actual} {of} {planned}"]
    parts.append(f"effort {s.effort}/10" if s.effort is not None else "effort not rated")
    if s.capped:
        parts.append("ended by the safety cap")
    if s.amber:
        parts.append("amber sign")
    return ", ".join(parts)


EVENT_WORDS = {
    "paused": "Paused",
    "resumed": "Resumed",
    "skipped": "Skipped",
    "rest_extended": "Rest lengthened",
    "amber": "Amber sign",
    "checkin_stalled": "Check-in not answered: session paused",
}


def timeline(detail: SessionDetail) -> list[tuple[float, str, str]]:
    """(seconds into the session, kind, words) for everything that happened, in order."""
    start = detail.row.started_at
    out: list[tuple[float, int, str, str]] = []
    for s in detail.sets:
        out.append(((s.finished_at - start).total_seconds(), 1, "Set", _set_line(s)))
    for c in detail.checkins:
        answer = {"all_clear": "all clear", "red_flag": "red flag"}.get(c.answer, c.answer)
        out.append(((c.answered_at - start).total_seconds(), 2, "Check-in",
                    f"After set {c.set_no + 1}: {answer}"))
    for e in detail.events:
        words = EVENT_WORDS.get(e.kind, e.kind.replace("_", " ").capitalize())
        if e.seconds:
            words += f" ({e.seconds:g} s)"
        if e.set_no is not None:
            words += f", set {e.set_no + 1}"
        if e.detail:
            words += f": {e.detail}"
        out.append((e.session_seconds, 3, "Event", words))
    for f in detail.red_flags:
        where = f" during {f.exercise}" if f.exercise else ""
        out.append((f.session_seconds, 0, "RED FLAG",
                    f"{symptom_short(f.symptom)}{where} "
                    f"(at {f.raised_at.astimezone():%H:%M:%S})"))
    r = detail.row
    end = max([r.duration_seconds or 0.0, *(t for t, *_ in out)])  # the end comes last
    ending = status_look(r.status).text
    if detail.error:
        ending += f": {detail.error}"
    out.append((end, 9, "Ended", ending))
    out.sort(key=lambda item: (item[0], item[1]))
    return [(t, kind, words) for t, _, kind, words in out]


class SessionDetailView(QDialog):
    """One session: a header and a timeline (sets planned vs done, effort, check-ins,
    pauses, skips, red flags with their time and symptom, how it ended)."""

    #: asked to write a note: `edit_note(view)` (the history window saves it and refreshes)
    edit_note: Callable[[SessionDetailView], None] | None = None

    def __init__(self, detail: SessionDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        r = detail.row
        self.detail = detail
        self.setWindowTitle(f"Session of {r.started_at.astimezone():%d %b %Y}")
        self.setAccessibleName("Session detail")
        self.resize(720, 600)
        look = status_look(r.status)
        done = "breathing session" if r.is_breathing else f"{r.sets_done} of {r.set_count} sets"
        self.header = QLabel(
            f"<b>{html.escape(r.routine_name)}</b> · "
            f"{r.started_at.astimezone():%A %d %B %Y, %H:%M} · "
            f"{duration_text(r.duration_seconds)} · {done} · "
            f"mood {mood_text(r.mood_before, r.mood_after)}")
        self.header.setWordWrap(True)
        self.ending = QLabel(look.text)
        self.ending.setAccessibleName(f"How it ended: {look.text}")
        icon = QLabel()
        icon.setPixmap(status_icon(r.status, self.palette(), 22).pixmap(22, 22))
        icon.setAccessibleName(look.text)
        self.ending.setStyleSheet(
            f"color: {status_color(r.status, self.palette()).name()}; font-weight: bold;")
        ended = QHBoxLayout()
        ended.addWidget(icon)
        ended.addWidget(self.ending, 1)

        rows = timeline(detail)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Time", "What", "Details"])
        self.table.setAccessibleName("Session timeline")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        red = status_color(RED_FLAG, self.palette())
        for i, (t, kind, words) in enumerate(rows):
            items = [QTableWidgetItem(_clock(t)), QTableWidgetItem(kind),
                     QTableWidgetItem(words)]
            for col, item in enumerate(items):
                if kind == "RED FLAG":
                    item.setForeground(red)
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                    if col == 1:
                        item.setIcon(status_icon(RED_FLAG, self.palette()))
                self.table.setItem(i, col, item)
        self.table.resizeRowsToContents()

        # the journal note: the user's own words, shown as plain text (never spoken)
        note_row = QHBoxLayout()
        self.note_title = QLabel("<b>Your note</b>")
        note_row.addWidget(self.note_title)
        note_row.addStretch(1)
        self.note_button = QPushButton("")
        self.note_button.clicked.connect(self._ask_note)
        note_row.addWidget(self.note_button)
        self.note = QLabel("")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_note(detail.note)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close the session detail")
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(ended)
        layout.addWidget(self.table, 1)
        layout.addLayout(note_row)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        for button in self.table.findChildren(QAbstractButton):  # Qt's corner button
            if not button.accessibleName():
                button.setAccessibleName("Select the whole timeline")
        self.table.setFocus()

    def show_note(self, note: str | None) -> None:
        self.note.setText(note or "No note yet.")
        self.note.setAccessibleName(f"Your note: {note}" if note else "No note yet")
        self.note_button.setText("Change the note…" if note else "Add a note…")
        self.note_button.setAccessibleName("Change the note about this session" if note
                                           else "Add a note about this session")

    def _ask_note(self) -> None:
        if self.edit_note is not None:
            self.edit_note(self)

    def texts(self) -> list[str]:
        out = [self.windowTitle(), self.header.text(), self.ending.text(), self.note.text()]
        for row in range(self.table.rowCount()):
            for col in range(self.table.columnCount()):
                item = self.table.item(row, col)
                if item is not None:
                    out.append(item.text())
        return out


# -- the clinician summary ------------------------------------------------------------------
class ReportPeriodDialog(QDialog):
    """Asks for the period of a clinician summary (default: the last 90 days)."""

    def __init__(self, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        today = today or date.today()
        self.setWindowTitle("Clinician summary (PDF)")
        self.setAccessibleName("Clinician summary period")
        self.since = QDateEdit(qdate(today - timedelta(days=90)))
        self.until = QDateEdit(qdate(today))
        for edit, name in ((self.since, "First day"), (self.until, "Last day")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
        # the journal notes are the user's own words: in the PDF only when asked for
        self.include_notes = QCheckBox("Include my notes")
        self.include_notes.setAccessibleName("Include my notes in the summary")
        self.include_notes.setToolTip("Add the notes you wrote about your sessions to the PDF")
        form = QFormLayout(self)
        form.addRow(QLabel("A printable summary to take to your doctor or physiotherapist: "
                           "screening answers, red-flag stops, your routine and trends."))
        form.addRow("&From:", self.since)
        form.addRow("&To:", self.until)
        form.addRow("", self.include_notes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Choose file…")
        ok.setAccessibleName("Choose where to save the PDF")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def period(self) -> tuple[date, date]:
        a, b = pydate(self.since.date()), pydate(self.until.date())
        assert isinstance(a, date) and isinstance(b, date)
        return (a, b) if a <= b else (b, a)


def write_report(db: Database, path: Path, since: date, until: date, *, weekly_goal: int,
                 paths: Paths | None = None, include_notes: bool = False,
                 count_breathing: bool = False) -> Path:
    """Gather and write the clinician summary; runs on a worker thread (no widgets).

    As `companion report` does: the proposed routine is the one used last in the period
    (the user's copy if any, else the starter), adapted to the latest screening.
    """
    from companion.localtime import day_range
    from companion.report.gather import gather
    from companion.report.pdf import write_pdf
    from companion.report.proposal import proposed_routine
    from companion.safety.content import load_screening

    _start, end = day_range(since, until)  # the person's days, not UTC's
    screening = load_screening()
    routine, notes = proposed_routine(db, (paths or resolve_paths()).routines_dir, screening,
                                      until=end)
    data = gather(db, screening, since=since, until=until, weekly_goal=weekly_goal,
                  routine=routine, adaptations=notes, include_notes=include_notes,
                  count_breathing=count_breathing)
    write_pdf(data, path)
    return path


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
