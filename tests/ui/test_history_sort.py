"""The History list's sort arrow points the way the list runs, and a click on a header turns
it round.

A tester saw an up arrow on the Date column over a newest-first list and read it as
"oldest first": Qt's Fusion style draws descending as an up arrow (other styles the other
way). The window's header now draws the arrow itself, down for descending (newest first),
up for ascending, and says the order in its tooltip. The arrow is checked as painted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from companion.storage import Database
from companion.ui.history.table import SortHeader
from companion.ui.history.window import HistoryWindow
from tests.helpers.history import open_history_window, sqlite_history

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with sqlite_history(tmp_path,
                        {"started": NOW - timedelta(days=20), "name": "Starter circuit"},
                        {"started": NOW - timedelta(days=9), "routine_id": "quick-ten",
                         "name": "Quick ten"},
                        {"started": NOW - timedelta(hours=3), "name": "Starter circuit"}
                        ) as database:
        yield database


def open_window(qtbot: QtBot, db: Database) -> HistoryWindow:
    window: HistoryWindow = open_history_window(qtbot, db, active=False)
    return window


def header(window: HistoryWindow) -> SortHeader:
    head = window.table.horizontalHeader()
    assert isinstance(head, SortHeader)
    return head


def starts(window: HistoryWindow) -> list[datetime]:
    return [r.started_at for r in window.proxy.visible_rows()]


def arrow(window: HistoryWindow) -> str:
    """The arrow painted in the sorted column's header, "down" or "up", from the widths of
    its dark rows (a triangle is widest at its base). The style keeps the label out of the
    arrow's place."""
    head = header(window)
    image = head.grab().toImage()
    area = head.arrow_rect(head.sortIndicatorSection()).translated(head.viewport().pos())
    widths = []
    for y in range(max(0, area.top()), min(image.height(), area.bottom() + 1)):
        ink = sum(1 for x in range(max(0, area.left()), min(image.width(), area.right() + 1))
                  if QColor(image.pixel(x, y)).lightness() < 128)
        if ink:
            widths.append(ink)
    assert len(widths) >= 2 and widths[0] != widths[-1], widths
    return "down" if widths[0] > widths[-1] else "up"


def click_section(window: HistoryWindow, section: int) -> None:
    """A left click in the middle of a column header, through the application."""
    head = header(window)
    viewport = head.viewport()
    pos = QPointF(head.sectionViewportPosition(section) + head.sectionSize(section) / 2,
                  viewport.height() / 2)
    for kind, buttons in ((QEvent.Type.MouseButtonPress, Qt.MouseButton.LeftButton),
                          (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)):
        event = QMouseEvent(kind, pos, viewport.mapToGlobal(pos), Qt.MouseButton.LeftButton,
                            buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)
    QApplication.processEvents()


def tooltip(window: HistoryWindow, section: int) -> str:
    text = window.model.headerData(section, Qt.Orientation.Horizontal,
                                   Qt.ItemDataRole.ToolTipRole)
    assert isinstance(text, str)
    return text


def test_newest_first_shows_a_down_arrow_on_the_date_column(
    qtbot: QtBot, db: Database
) -> None:
    window = open_window(qtbot, db)
    head = header(window)
    assert (head.sortIndicatorSection(), head.sortIndicatorOrder()) == (
        0, Qt.SortOrder.DescendingOrder)
    assert starts(window) == sorted(starts(window), reverse=True)
    assert arrow(window) == "down"
    assert tooltip(window, 0) == "Sorted newest first; click to sort oldest first"


def test_clicking_the_date_header_turns_the_order_and_the_arrow_round(
    qtbot: QtBot, db: Database
) -> None:
    window = open_window(qtbot, db)
    click_section(window, 0)
    assert starts(window) == sorted(starts(window))
    assert header(window).sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    assert arrow(window) == "up"
    assert tooltip(window, 0) == "Sorted oldest first; click to sort newest first"
    click_section(window, 0)
    assert starts(window) == sorted(starts(window), reverse=True)
    assert arrow(window) == "down"


def test_back_from_another_column_the_date_sorts_newest_first(
    qtbot: QtBot, db: Database
) -> None:
    window = open_window(qtbot, db)
    click_section(window, 1)  # Routine: A to Z first
    assert [r.routine_name for r in window.proxy.visible_rows()] == [
        "Quick ten", "Starter circuit", "Starter circuit"]
    assert header(window).sortIndicatorSection() == 1 and arrow(window) == "up"
    assert tooltip(window, 1) == "Sorted A to Z; click to sort Z to A"
    assert tooltip(window, 0) == "Click to sort newest first"
    click_section(window, 0)
    assert starts(window) == sorted(starts(window), reverse=True)
    assert header(window).sortIndicatorSection() == 0 and arrow(window) == "down"


def test_the_arrow_follows_a_dark_palette(qtbot: QtBot, db: Database) -> None:
    from PySide6.QtGui import QPalette

    window = open_window(qtbot, db)
    dark = QPalette(QColor("#202124"))
    dark.setColor(QPalette.ColorRole.ButtonText, QColor("#eeeeee"))
    window.setPalette(dark)
    head = header(window)
    image = head.grab().toImage()
    area = head.arrow_rect(0).translated(head.viewport().pos())
    light = [QColor(image.pixel(x, y)).lightness() for y in range(area.top(), area.bottom())
             for x in range(area.left(), area.right())]
    assert max(light) > 200  # drawn in the header's text colour, seen on dark
