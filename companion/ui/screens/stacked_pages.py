"""A widget that shows one of its pages at a time on a `QStackedWidget` (the check-in's
question, effort and symptom pages; the health questions' intro, question, follow-up and
result)."""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget


class StackedPages(QWidget):
    """Pages on `stack` (the subclass makes it): each built with `_new_page`, then added
    with `_add_page`."""

    stack: QStackedWidget

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
