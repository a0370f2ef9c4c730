"""The optional mood question (1-5) as the start, breathing and end screens ask it: a
question, then five checkable buttons named for screen readers."""

from __future__ import annotations

from collections.abc import Callable

from companion.qt.widgets import QHBoxLayout, QLabel, QPushButton, QWidget
from companion.ui.widgets.style import apply_font

MOOD_WORDS = {1: "very low", 2: "low", 3: "okay", 4: "good", 5: "very good"}


def mood_question(parent: QWidget, question: str, name: str,
             chosen: Callable[[int], None]) -> tuple[QHBoxLayout, list[QPushButton]]:
    """The row: `question` (wrapping), then buttons 1-5, each with the mood's word as its
    tooltip and the accessible name "`name` n of 5, word"; a click calls `chosen(n)`."""
    row = QHBoxLayout()
    label = QLabel(question, parent)
    label.setWordWrap(True)
    apply_font(label, "body")
    row.addWidget(label, 1)
    buttons: list[QPushButton] = []
    for n in range(1, 6):
        b = QPushButton(str(n), parent)
        b.setCheckable(True)
        b.setToolTip(MOOD_WORDS[n])
        b.setAccessibleName(f"{name} {n} of 5, {MOOD_WORDS[n]}")
        apply_font(b, "button")
        b.clicked.connect(lambda _=False, n=n: chosen(n))
        row.addWidget(b)
        buttons.append(b)
    return row, buttons


def show_mood(buttons: list[QPushButton], mood: int | None) -> None:
    """Check the button of `mood` (1-5) and only it; None: none."""
    for n, b in enumerate(buttons, start=1):
        b.setChecked(n == mood)
