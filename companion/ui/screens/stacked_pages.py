"""A widget that shows one of its pages at a time on a `QStackedWidget` (the check-in's
question, effort and symptom pages; the health questions' intro, question, follow-up and
result)."""

from __future__ import annotations

from companion.qt.core import Qt
from companion.qt.widgets import QStackedWidget, QVBoxLayout, QWidget
from companion.ui.widgets.safety_style import apply_style
from companion.ui.widgets.scroll import CurrentPageStack


class StackedPages(QWidget):
    """Pages on `stack` (the subclass makes it): each built with `_new_page`, then added
    with `_add_page`."""

    stack: QStackedWidget

    def _make_stack(self, name: str, margins: tuple[int, int, int, int]) -> None:
        """Named `name` for screen readers, the focus on this widget itself (never on an
        answer button), the safety pages' large style, and `stack` inside `margins` px
        (left, top, right, bottom)."""
        self.setAccessibleName(name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        apply_style(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(*margins)
        self.stack = CurrentPageStack(self)  # as large as the page shown, not the largest
        layout.addWidget(self.stack)

    def _new_page(self, spacing: int) -> tuple[QWidget, QVBoxLayout]:
        """An empty page on the stack and its column layout, `spacing` px between rows."""
        page = QWidget(self.stack)
        lay = QVBoxLayout(page)
        lay.setSpacing(spacing)
        return page, lay

    def _add_page(self, page: QWidget) -> QWidget:
        """`page` joins the stack; returns it (to be kept as the page's name)."""
        self.stack.addWidget(page)
        return page
