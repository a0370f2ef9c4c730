"""The history list: the table model of the sessions and the filter proxy (period, routine,
status).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from companion.core.wording import counted
from companion.qt.core import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from companion.qt.gui import (
    QIcon,
    QPalette,
)
from companion.storage.repository import (
    HistoryRow,
)
from companion.ui.history.look import (
    COLUMNS,
    ROW_ROLE,
    duration_text,
    local_date,
    mood_text,
    status_color,
    status_icon,
    status_look,
)


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
                text += f" ({counted(r.red_flag_count, 'red flag')})"
            if col == 4 and r.amber_count:
                text += f"; {counted(r.amber_count, 'amber sign')}"
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


