"""The journal note, added or changed later from the history ("Add a note…" in a session's
detail): the user's own words, kept in the database, never spoken, never sent anywhere.

The dialog can be open while a session runs (the history window stays usable). In its text
field U types a "u", so while a session exists the red "I feel unwell" button is shown in
the dialog itself; pressing it raises the red flag exactly like U elsewhere. The red flag
closes the dialog (`interrupt`): what was typed is kept as a draft, offered again the next
time the note is opened, and saved only when the person chooses Save.
"""

from __future__ import annotations

from collections.abc import Callable

from companion.qt.core import Qt
from companion.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from companion.storage.models import NOTE_MAX_CHARS
from companion.ui.screens.end import NOTE_PLACEHOLDER
from companion.ui.widgets.dialog_parts import status_and_buttons

#: said in the dialog when it opens on a draft a red flag interrupted
DRAFT_KEPT = ("What you typed before the session stopped is back. It is not saved yet: "
              "choose Save to keep it, or Cancel to let it go.")


class NoteDialog(QDialog):
    """Edit one session's note; `text()` after `Accepted` is what to save."""

    def __init__(self, title: str, note: str | None, parent: QWidget | None = None, *,
                 session_active: Callable[[], bool] | None = None,
                 on_unwell: Callable[[], None] | None = None,
                 draft: str | None = None) -> None:
        """`note`: the stored note (None: none yet); `draft`: text typed earlier and kept
        when a red flag closed the dialog (shown instead of `note`, and said)."""
        super().__init__(parent)
        #: closed by a red flag (`interrupt`), not by the person: the text is a draft
        self.interrupted = False
        self.setWindowTitle("Add a note" if not note else "Change the note")
        self.setAccessibleName(self.windowTitle())
        self.resize(560, 320)
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        head = QLabel(title, self)
        head.setWordWrap(True)
        head.setAccessibleName(f"Note for {title}")
        top.addWidget(head, 1)
        self.unwell_button = QPushButton("I feel unwell  (U)", self)
        self.unwell_button.setObjectName("unwell")
        self.unwell_button.setAccessibleName("I feel unwell: stop the session now")
        self.unwell_button.setVisible(bool(session_active and session_active()))
        if on_unwell is not None:
            self.unwell_button.clicked.connect(on_unwell)
        top.addWidget(self.unwell_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(top)
        self.edit = QPlainTextEdit(self)
        self.edit.setPlainText(note or "")
        self.edit.setPlaceholderText(NOTE_PLACEHOLDER)
        self.edit.setAccessibleName("Your note about this session (private)")
        self.edit.setAccessibleDescription(NOTE_PLACEHOLDER)
        self.edit.setTabChangesFocus(True)
        self.edit.textChanged.connect(self._limit)
        lay.addWidget(self.edit, 1)
        self.status, buttons = status_and_buttons(self, lay, QDialogButtonBox.StandardButton.Save,
                                                  self.accept)
        self.status.setAccessibleDescription("Note status")
        for b in buttons.buttons():
            b.setAccessibleName(b.text().replace("&", "") + " the note"
                                if b is buttons.button(QDialogButtonBox.StandardButton.Save)
                                else "Cancel: keep the note as it was")
        if draft is not None:
            self.edit.setPlainText(draft)
            self.status.setText(DRAFT_KEPT)
        self.edit.setFocus()
        self.edit.moveCursor(self.edit.textCursor().MoveOperation.End)

    def interrupt(self) -> None:
        """A red flag: close as Cancel does, marking what was typed as a draft to keep."""
        self.interrupted = True
        self.reject()

    def draft(self) -> str:
        """What is typed now, as typed (not stripped)."""
        return self.edit.toPlainText()

    def _limit(self) -> None:
        text = self.edit.toPlainText()
        if len(text) <= NOTE_MAX_CHARS:
            self.status.setText("")
            return
        self.edit.blockSignals(True)
        self.edit.setPlainText(text[:NOTE_MAX_CHARS])
        self.edit.blockSignals(False)
        self.edit.moveCursor(self.edit.textCursor().MoveOperation.End)
        self.status.setText(f"A note holds up to {NOTE_MAX_CHARS} characters.")

    def text(self) -> str:
        return self.edit.toPlainText().strip()
