"""A scroll area that reads as part of the page it sits on.

Pages that may be taller than a small window (the safety screen, the "Why this helps" page,
the check-in, the screening result, the settings, the routine editor's form) scroll their
content in place: no frame around it, the content resized to the area's width so text wraps
instead of running off to the side.
"""

from __future__ import annotations

from typing import TypeVar

from companion.qt.widgets import QFrame, QScrollArea

A = TypeVar("A", bound=QScrollArea)


def page_scroll(area: A) -> A:
    """`area` (a `QScrollArea` or a subclass, already parented) made frameless, its widget
    resized to fit its width; returns `area`."""
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area
