"""The voice banner: what is wrong with the voice (no engine, no audio device, a voice that
fell back) and how to fix it, shown above every screen while it lasts.
"""

from __future__ import annotations

from companion.qt.core import Qt
from companion.qt.widgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget
from companion.voice.base import Speaker, SpeakerState, VoiceStatus

BANNER_TITLES = {
    VoiceStatus.NO_ENGINE: "Speech engine unavailable: prompts show as captions.",
    VoiceStatus.NO_AUDIO: "No sound: prompts show as captions.",
}
NOTICE_TITLE = "About the voice"


class VoiceBanner(QFrame):
    """The banner a window shows while the voice is missing: what and the exact fix.

    `VoiceBanner(parent).follow(speaker)`; hidden while the voice works. The fix is
    selectable so a command can be copied into a terminal. A notice (the natural voice
    could not start, so the system voice speaks) is said once: it shows until its OK
    button is pressed, and that notice does not come back in this run.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voiceBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#voiceBanner { background: #fff4ce; border: 1px solid #c8a200; border-radius: 4px; }"
            " QLabel { color: #3b2f00; }"
        )
        self.setAccessibleName("Voice status")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.title = QLabel(self)
        self.title.setStyleSheet("font-weight: bold;")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.fix = QLabel(self)
        self.fix.setWordWrap(True)
        self.fix.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.title, self.message, self.fix):
            layout.addWidget(label)
        self.dismiss = QPushButton("OK", self)
        self.dismiss.setAccessibleName("Dismiss the voice notice")
        self.dismiss.clicked.connect(self._dismiss)
        self.dismiss.hide()
        layout.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignLeft)
        self._notice = ""
        self._dismissed: set[str] = set()
        self.hide()

    def follow(self, speaker: Speaker) -> VoiceBanner:
        speaker.on_state(self.show_state)
        return self

    def show_state(self, state: SpeakerState) -> None:
        title = BANNER_TITLES.get(state.status)
        notice = state.notice if state.notice not in self._dismissed else ""
        self._notice = notice
        if title is None:
            if not notice:
                self.hide()
                return
            self.title.setText(NOTICE_TITLE)
            self.message.setText(notice)
            self.fix.hide()
            self.dismiss.show()
            self.setAccessibleDescription(f"{NOTICE_TITLE}. {notice}")
            self.show()
            return
        self.dismiss.setVisible(bool(notice))
        self.title.setText(title)
        self.message.setText(" ".join(p for p in (notice, state.message) if p))
        self.fix.setText(f"To fix: {state.fix}" if state.fix else "")
        self.fix.setVisible(bool(state.fix))
        self.setAccessibleDescription(f"{title} {self.message.text()} {self.fix.text()}")
        self.show()

    def _dismiss(self) -> None:
        if self._notice:
            self._dismissed.add(self._notice)
            self._notice = ""
        self.dismiss.hide()
        if self.title.text() == NOTICE_TITLE:
            self.hide()


