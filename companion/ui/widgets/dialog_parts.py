"""Parts that dialogs share: a status line that says in words what is wrong, above the
dialog's accept / Cancel buttons."""

from __future__ import annotations

from collections.abc import Callable

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
