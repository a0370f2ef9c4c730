"""Parts that dialogs share: a status line that says in words what is wrong, above the
dialog's accept / Cancel buttons; the protocol of a dialog that keeps what was typed when a
red flag closes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from companion.qt.widgets import QBoxLayout, QDialog, QDialogButtonBox, QLabel


def status_and_buttons(dialog: QDialog, layout: QBoxLayout,
                       accept: QDialogButtonBox.StandardButton,
                       on_accept: Callable[[], object]) -> tuple[QLabel, QDialogButtonBox]:
    """Add a word-wrapped status line (empty until something is wrong) and `accept` +
    Cancel buttons to `layout`: `on_accept` runs on the accept button (it decides whether
    to close), Cancel rejects. Returns (status label, button box)."""
    status = QLabel("", dialog)
    status.setWordWrap(True)
    status.setAccessibleName("Status")
    layout.addWidget(status)
    buttons = QDialogButtonBox(accept | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(on_accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return status, buttons


@runtime_checkable
class KeepsTyping(Protocol):
    """A dialog holding the person's own words (a journal note). A red flag closes every
    dialog at once; this one is closed by `interrupt()` instead of `reject()`, which closes
    it the same way and keeps what was typed for later (never saved unasked)."""

    def interrupt(self) -> None:
        """Close now (as Cancel would), keeping the typed text; must not block."""
        ...
