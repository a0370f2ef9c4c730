"""Text labels as the screens make them: their text is what a screen reader reads as the
name, a fixed description says what it is."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

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
