"""Accessibility checks shared by the UI tests."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QWidget


def unnamed_controls(root: QWidget) -> list[str]:
    """Buttons and check boxes under `root` that a screen reader could not name."""
    return [
        f"{type(w).__name__} {w.text()!r}"
        for w in root.findChildren(QAbstractButton)
        if not w.accessibleName().strip()
    ]
