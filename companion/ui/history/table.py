"""The history list: the table model of the sessions, the filter proxy (period, routine,
status, search) and the column headers, whose sort arrow points the way the list runs.
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
    QPointF,
    QRect,
    QSortFilterProxyModel,
    Qt,
)
from companion.qt.gui import (
    QIcon,
    QPainter,
    QPalette,
    QPolygonF,
)
from companion.qt.widgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QStyleOptionHeader,
    QTableView,
    QWidget,
)
from companion.storage.repository import (
    HistoryRow,
)
from companion.ui.history.look import (
    COLUMNS,
    ROW_ROLE,
    cell_text,
    local_date,
    status_color,
    status_icon,
)
from companion.ui.history.search import matches, query_words, search_text

#: How each column's order reads, (ascending, descending): the sorted header's tooltip.
ORDER_WORDS = (("oldest first", "newest first"), ("A to Z", "Z to A"),
               ("shortest first", "longest first"), ("fewest sets first", "most sets first"),
               ("completed first", "red-flag stops first"),
               ("smallest mood change first", "biggest mood change first"))


# -- the list -------------------------------------------------------------------------------
class HistoryTableModel(QAbstractTableModel):
    """The history rows (newest first) as a table; `ROW_ROLE` gives a line's HistoryRow."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[HistoryRow] = []
        self._sort: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.DescendingOrder)
        self._palette = QPalette()
        self._icons: dict[str, QIcon] = {}
        self._search: dict[int, str] = {}  # session id -> search_text, exercises included
        self._partial: dict[int, str] = {}  # search_text without them, until they are read

    def set_rows(self, rows: list[HistoryRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self._search, self._partial = {}, {}
        self._sort_rows()
        self.endResetModel()

    def set_search_texts(self, texts: dict[int, str]) -> None:
        """Each session's `search.search_text` with its exercises (made off the GUI thread)."""
        self._search, self._partial = texts, {}

    def search_text(self, r: HistoryRow) -> str:
        """What a search finds in `r`; until `set_search_texts`, all but its exercises
        (made at the first search, then kept)."""
        text = self._search.get(r.id)
        if text is None:
            text = self._partial.get(r.id)
            if text is None:
                text = self._partial[r.id] = search_text(r)
        return text

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the list in Python with one key per row: a proxy's per-pair comparisons
        through `data()` cost ~100 ms on a ten-year history."""
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._sort_rows()
        self.layoutChanged.emit()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)

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
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.InitialSortOrderRole and section == 0:
            return Qt.SortOrder.DescendingOrder  # a first click on Date: newest first
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            # the order in words too, not by the arrow alone
            column, order = self._sort
            words = ORDER_WORDS[section]
            if section != column:
                return f"Click to sort {words[0 if section else 1]}"
            now = int(order == Qt.SortOrder.DescendingOrder)
            return f"Sorted {words[now]}; click to sort {words[1 - now]}"
        return None

    def text(self, r: HistoryRow, column: int) -> str:
        return cell_text(r, column)

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
        self._words: list[str] = []

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
        self._words = query_words(text)
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
        if self._words:
            return matches(self._words, model.search_text(r))
        return True

    def visible_rows(self) -> list[HistoryRow]:
        """The rows that pass the filters, in the current sort order."""
        model = self.sourceModel()
        assert isinstance(model, HistoryTableModel)
        return [r for r in model.rows if self.accepts(model, r)]


# -- the headers ----------------------------------------------------------------------------
class _ArrowStyle(QProxyStyle):
    """The application's style, except a header's sort arrow: down for descending (newest
    first), up for ascending. The style still places the arrow and makes room for it."""

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,
                      painter: QPainter, widget: QWidget | None = None) -> None:
        if (element != QStyle.PrimitiveElement.PE_IndicatorHeaderArrow
                or not isinstance(option, QStyleOptionHeader)
                or option.sortIndicator == QStyleOptionHeader.SortIndicator.None_):
            super().drawPrimitive(element, option, painter, widget)
            return
        # QHeaderView marks descending SortUp and ascending SortDown (qheaderview.cpp)
        down = option.sortIndicator == QStyleOptionHeader.SortIndicator.SortUp
        area = option.rect
        width = min(area.width(), max(6, option.fontMetrics.height() // 2))
        height = max(3, width // 2)
        c = QPointF(area.center()) + QPointF(0.5, 0.5)
        top, bottom = c.y() - height / 2, c.y() + height / 2
        left, right = c.x() - width / 2, c.x() + width / 2
        points = ([QPointF(left, top), QPointF(right, top), QPointF(c.x(), bottom)] if down
                  else [QPointF(left, bottom), QPointF(right, bottom), QPointF(c.x(), top)])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(option.palette.color(QPalette.ColorRole.ButtonText))
        painter.drawPolygon(QPolygonF(points))
        painter.restore()


class SortHeader(QHeaderView):
    """Column headers whose sort arrow points the way the list runs: down for descending
    (newest first), up for ascending. Qt marks descending "SortUp", which Fusion draws as
    an up arrow: a tester read it over the newest-first list as "oldest first". A style
    that draws header arrows without `PE_IndicatorHeaderArrow` keeps its own. The order is
    also in words, in the sorted header's tooltip (`HistoryTableModel.headerData`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)  # as QTableView's own header
        self.setHighlightSections(True)
        # the application's style underneath (a new one of its kind: a proxy owns its base)
        app_style = QApplication.style()
        base = QStyleFactory.create(app_style.name()) if app_style is not None else None
        self._style = _ArrowStyle(base) if base is not None else _ArrowStyle()
        self._style.setParent(self)
        self.setStyle(self._style)

    def arrow_rect(self, logical_index: int) -> QRect:
        """Where the style draws a section's sort arrow (in the header's viewport)."""
        option = QStyleOptionHeader()
        self.initStyleOption(option)  # as paintSection: the orientation, then the section
        self.initStyleOptionForIndex(option, logical_index)
        option.rect = QRect(self.sectionViewportPosition(logical_index), 0,
                            self.sectionSize(logical_index), self.height())
        if option.sortIndicator == QStyleOptionHeader.SortIndicator.None_:
            option.sortIndicator = QStyleOptionHeader.SortIndicator.SortDown
        return self.style().subElementRect(QStyle.SubElement.SE_HeaderArrow, option, self)


def session_table(proxy: QSortFilterProxyModel) -> QTableView:
    """The sessions list over `proxy`: whole rows selected, sorted newest first with the
    header's arrow pointing the way the list runs (`SortHeader`), column widths from the
    font (ResizeToContents would measure every row: 2,600 for ten years)."""
    table = QTableView()
    table.setHorizontalHeader(SortHeader(table))
    table.setModel(proxy)
    table.setAccessibleName("Sessions")
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSortingEnabled(True)
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)
    fm = table.fontMetrics()
    em = fm.horizontalAdvance("M")
    for col, sample in enumerate(("Wed 28 Oct 2026, 14:13", "Starter circuit", "Duration",
                                  "Sets done", "Stopped: red flag", "Mood before → after")):
        table.setColumnWidth(col, fm.horizontalAdvance(sample) + em * (3 if col == 4 else 2))
    table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setDefaultSectionSize(fm.height() + 10)
    return table
