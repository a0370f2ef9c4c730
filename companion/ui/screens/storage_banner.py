"""A banner above every screen while the history cannot be saved: what, whether events are
kept, and what to do — shown the moment the writer reports it, hidden when it recovers.

`StorageBanner().follow(history)` with any object that has a `status_changed(StorageStatus)`
signal and a `status` property (`companion.ui.adapters.history.DatabaseHistory`); `show_status()`
takes a `StorageStatus` directly.
"""

from __future__ import annotations

from companion.qt.core import Qt
from companion.qt.widgets import QFrame, QLabel, QVBoxLayout, QWidget
from companion.storage.status import StorageStatus, Trouble
from companion.ui.services.ports import StoredHistory

TITLES = {
    Trouble.NONE: "Your history's safety copy cannot be written",
    Trouble.OPENING: "Your history is opening",
    Trouble.BUSY: "Your history is busy",
    Trouble.DISK_FULL: "The disk is full",
    Trouble.READ_ONLY: "Your history is read-only",
    Trouble.UNREACHABLE: "History database not reachable",
    Trouble.FAILED: "Your history cannot be saved",
}


class StorageBanner(QFrame):
    """Hidden while all is well; otherwise a title and the plain-words message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storageBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("History status")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        from companion.ui.widgets.style import apply_font

        self.title = QLabel(self)
        self.title.setObjectName("storageTitle")
        apply_font(self.title, "body", bold=True)  # readable from a step away, like the rest
        self.message = QLabel(self)
        apply_font(self.message, "small")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        self.status = StorageStatus()
        self._style(saving=True)
        self.hide()

    def _style(self, *, saving: bool) -> None:
        # amber while events are kept safely; red when nothing is being saved at all
        from companion.ui.widgets.style import NOTICE_COLOURS, font_for

        colours = NOTICE_COLOURS if saving else ("#fde7e9", "#c42b1c", "#5c0c0c")

        small = font_for("small").pointSizeF()  # a style sheet's font wins over setFont()
        body = font_for("body").pointSizeF()
        self.setStyleSheet(
            f"#storageBanner {{ background: {colours[0]}; border: 1px solid {colours[1]}; "
            f"border-radius: 4px; }} QLabel {{ color: {colours[2]}; font-size: {small:.1f}pt; }}"
            f" QLabel#storageTitle {{ font-size: {body:.1f}pt; font-weight: bold; }}")

    def follow(self, history: object) -> StorageBanner:
        """Show `history`'s storage status as it changes (a `StoredHistory`; a history kept
        in memory has nothing to show)."""
        if isinstance(history, StoredHistory):
            history.status_changed.connect(self.show_status)
            self.show_status(history.status)
        return self

    def show_status(self, status: StorageStatus) -> None:
        self.status = status
        text = status.message()
        if not text:
            self.hide()
            return
        title = TITLES[status.trouble]
        if not status.journaled:
            title += ": this session is NOT being saved"
        self.title.setText(title)
        self.message.setText(text)
        self._style(saving=status.journaled)
        self.setAccessibleDescription(f"{title}. {text}")
        self.show()
