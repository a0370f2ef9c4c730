"""A scroll area that reads as part of the page it sits on, and a stack of pages that is
only as large as the page it shows.

Pages that may be taller than a small window (the safety screen, the "Why this helps" page,
the check-in, the screening result, the settings, the routine editor's form) scroll their
content in place: no frame around it, the content resized to the area's width so text wraps
instead of running off to the side. The main window's screens sit in one such area too, in
a `CurrentPageStack`: on a small screen (1024 x 600, or 1366 x 768 at 125 %) the window
still fits and the screen scrolls, instead of its lower part (Start) lying off the screen.
"""

from __future__ import annotations

from typing import TypeVar

from companion.qt.core import QSize
from companion.qt.widgets import QFrame, QScrollArea, QStackedWidget, QWidget

A = TypeVar("A", bound=QScrollArea)


def page_scroll(area: A) -> A:
    """`area` (a `QScrollArea` or a subclass, already parented) made frameless, its widget
    resized to fit its width; returns `area`."""
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


class CurrentPageStack(QStackedWidget):
    """A `QStackedWidget` whose size hints (and height for a width) are those of the page
    it shows, not the largest of all its pages (Qt's default): the start screen does not
    ask for the room the workout screen needs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        page = self.currentWidget()
        return page.hasHeightForWidth() if page is not None else False

    def heightForWidth(self, width: int) -> int:
        """The least height the page shown needs at `width` px (not its preferred one):
        a resizable scroll area takes this as the content's minimum, so a page scrolls
        only when the window really is too small for it."""
        page = self.currentWidget()
        if page is None:
            return -1
        layout = page.layout()
        if layout is not None and layout.hasHeightForWidth():
            return layout.totalMinimumHeightForWidth(width)
        return page.heightForWidth(width)
