"""Look of the safety screens: large type read from a few metres away, palette colours only.

Sizes are multiples of the system font with a floor, so a larger system font makes the
screens larger and a small default never makes them hard to read from across a room. The
one fixed colour is the dark red of "yes, one of these", white on red, legible on light and
dark palettes alike (the same choice as the player's "I feel unwell" button).
"""

from __future__ import annotations

from companion.qt.core import Qt
from companion.qt.gui import QFont
from companion.qt.widgets import QApplication, QLabel, QPushButton, QWidget
from companion.ui.widgets.style import AMBER, base_point_size, button_rules

#: (multiple of the system font, minimum point size) per text role.
ROLES: dict[str, tuple[float, float]] = {
    "title": (3.0, 28.0),
    "heading": (2.4, 22.0),
    "body": (2.0, 18.0),
    "button": (2.1, 19.0),
    "small": (1.5, 14.0),
}

# The same system-font base and the same two fixed colours as the rest of the app.
_base_points = base_point_size


def font_for(role: str, *, bold: bool = False) -> QFont:
    scale, floor = ROLES[role]
    font = QFont(QApplication.font())
    font.setPointSizeF(max(_base_points() * scale, floor))
    font.setBold(bold)
    return font


def make_label(text: str, role: str, parent: QWidget, *, bold: bool = False,
               name: str = "", description: str = "") -> QLabel:
    """A wrapping label. Screen readers read its current text, or the fixed `name` when one
    is given (only for fixed text said better otherwise, e.g. without a bullet): a label
    whose text changes must not have a name, which would hide the text. `description` says
    what the label is ("Symptom recorded")."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setFont(font_for(role, bold=bold))
    if name:
        label.setAccessibleName(name)
    if description:
        label.setAccessibleDescription(description)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return label


def make_button(text: str, name: str, parent: QWidget, *, role: str = "button",
                kind: str = "") -> QPushButton:
    """A big button; `kind` is "primary" or "unwell" for the two emphasised styles."""
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    button.setFont(font_for(role, bold=bool(kind)))
    button.setAutoDefault(False)
    if kind:
        button.setObjectName(kind)
    return button


def stylesheet() -> str:
    pad = max(8, round(_base_points() * 1.0))
    return f"""
    {button_rules(pad, bold_emphasis=False)}
    QCheckBox:focus {{ border: 3px solid palette(highlight); }}
    QCheckBox::indicator {{ width: {pad * 3}px; height: {pad * 3}px; }}
    QLabel#banner {{
        border: 3px solid {AMBER};
        border-radius: {pad}px;
        padding: {pad}px;
    }}
    QFrame#item {{
        border: 2px solid palette(midlight);
        border-radius: {pad}px;
    }}
    """


def apply_style(widget: QWidget) -> None:
    widget.setStyleSheet(stylesheet())
