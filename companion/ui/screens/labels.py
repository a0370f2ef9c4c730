"""Text labels as the screens make them: their text is what a screen reader reads as the
name, a fixed description says what it is."""

from __future__ import annotations

from companion.qt.widgets import QBoxLayout, QLabel, QListWidget, QWidget
from companion.ui.widgets.style import apply_font


def described_label(parent: QWidget, what: str, role: str, *, bold: bool = False) -> QLabel:
    """An empty text label `described` as `what`, in the font of `role`."""
    label = described(QLabel("", parent), what)
    apply_font(label, role, bold=bold)
    return label


def described(label: QLabel, what: str) -> QLabel:
    """A text label: screen readers read its current text as its name, `what` as the
    description (a fixed name such as "Timer" would hide the text behind it)."""
    label.setAccessibleDescription(what)
    return label


def titled_list(parent: QWidget, layout: QBoxLayout, title: str, name: str) -> QListWidget:
    """A list named `name` for screen readers, with its heading `title` (whose buddy it is)
    added to `layout`; the caller adds the list below it."""
    heading = QLabel(title, parent)
    apply_font(heading, "heading", bold=True)
    layout.addWidget(heading)
    items = QListWidget(parent)
    items.setAccessibleName(name)
    apply_font(items, "body")
    heading.setBuddy(items)
    return items
