"""Push buttons as the screens make them: named for screen readers, in a role's font."""

from __future__ import annotations

from collections.abc import Callable

from companion.qt.core import SignalInstance
from companion.qt.widgets import QBoxLayout, QPushButton, QWidget
from companion.ui.widgets.style import apply_font


def named_button(text: str, name: str, parent: QWidget, role: str = "button") -> QPushButton:
    """A push button showing `text`, named `name` for screen readers, in the font of `role`
    (a `companion.ui.widgets.style` font role: "button", "small", "heading", ...)."""
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    apply_font(button, role)
    return button


def linked_button(parent: QWidget, layout: QBoxLayout, text: str, name: str,
                  signal: SignalInstance, role: str = "button") -> QPushButton:
    """`named_button` that emits `signal()` when clicked, added to `layout`."""
    button = named_button(text, name, parent, role)
    button.clicked.connect(signal.emit)
    layout.addWidget(button)
    return button


def unwell_button(parent: QWidget, clicked: Callable[[], None]) -> QPushButton:
    """The red "I feel unwell  (U)" button; a click calls `clicked` (the red-flag path)."""
    button = named_button("I feel unwell  (U)", "I feel unwell: stop the session now", parent)
    button.setObjectName("unwell")
    apply_font(button, "heading", bold=True)
    button.clicked.connect(clicked)
    return button
