"""The voice banner: what is wrong with the voice (no engine, no audio device, a voice that
fell back) or with voice answers (no microphone, the recogniser down) and how to fix it,
shown above every screen while it lasts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from companion.qt.core import Qt
from companion.qt.widgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget
from companion.ui.widgets.style import NOTICE_COLOURS
from companion.voice.base import Speaker, SpeakerState, VoiceStatus
from companion.voice.heard import ListenerState, ListenStatus

if TYPE_CHECKING:
    from companion.ui.adapters.listening import VoiceInput

BANNER_TITLES = {
    VoiceStatus.NO_ENGINE: "Speech engine unavailable: prompts show as captions.",
    VoiceStatus.NO_AUDIO: "No sound: prompts show as captions.",
}
NOTICE_TITLE = "About the voice"
#: voice answers are on in Settings but nothing listens: the keys answer instead
MIC_TITLE = "No voice answers: answer check-ins with the keys (C all clear, Y yes)."
MIC_OFF_HINT = " Or turn off \"Answer by voice\" in Settings to hide this."


def microphone_fix(state: ListenerState) -> str:
    """What to do about voice answers that are on in Settings but cannot listen ("" when
    they listen or are turned off): the fix for the reason `state.reason` gives."""
    if state.status in (ListenStatus.OK, ListenStatus.OFF):
        return ""
    reason = state.reason.lower()
    if "portaudio" in reason or "sounddevice" in reason:
        fix = "install what is missing (the command above), then restart Companion."
    elif state.status is ListenStatus.UNAVAILABLE:
        fix = ("plug in a microphone, or choose it as the input in your system's sound "
               "settings, then restart Companion; Settings > \"Test my microphone\" checks it.")
    else:  # the recogniser failed to start or stopped
        fix = ("restart Companion; if this comes back, the log (companion.log in the data "
               "folder) says why.")
    return f"To fix: {fix}{MIC_OFF_HINT}"


class VoiceBanner(QFrame):
    """The banner a window shows while the voice is missing: what and the exact fix.

    `VoiceBanner(parent).follow(speaker)`, and `.follow_listening(voice_input)` for the
    microphone part (voice answers on but nothing listens); hidden while both work or
    voice answers are turned off. The fix is
    selectable so a command can be copied into a terminal. A notice (the natural voice
    could not start, so the system voice speaks) is said once: it shows until its OK
    button is pressed, and that notice does not come back in this run.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voiceBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        back, border, text = NOTICE_COLOURS
        self.setStyleSheet(
            f"#voiceBanner {{ background: {back}; border: 1px solid {border}; "
            f"border-radius: 4px; }} QLabel {{ color: {text}; }}")
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
        self.mic_title = QLabel(MIC_TITLE, self)
        self.mic_title.setStyleSheet("font-weight: bold;")
        self.mic_message = QLabel(self)
        self.mic_message.setWordWrap(True)
        self.mic_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.mic_title, self.mic_message):
            label.hide()
            layout.addWidget(label)
        self.dismiss = QPushButton("OK", self)
        self.dismiss.setAccessibleName("Dismiss the voice notice")
        self.dismiss.clicked.connect(self._dismiss)
        self.dismiss.hide()
        layout.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignLeft)
        self._notice = ""
        self._dismissed: set[str] = set()
        self._voice_shown = False
        self.hide()

    def follow(self, speaker: Speaker) -> VoiceBanner:
        speaker.on_state(self.show_state)
        return self

    def follow_listening(self, voice_input: VoiceInput) -> VoiceBanner:
        """Also show the microphone part: `voice_input` is the app's VoiceInput (its
        `state` now and each `state_changed(ListenerState)` after)."""
        voice_input.state_changed.connect(self.show_listening)
        self.show_listening(voice_input.state)
        return self

    def show_state(self, state: SpeakerState) -> None:
        title = BANNER_TITLES.get(state.status)
        notice = state.notice if state.notice not in self._dismissed else ""
        self._notice = notice
        if title is None:
            self._voice_shown = bool(notice)
            for label in (self.title, self.message):
                label.setVisible(self._voice_shown)
            self.fix.hide()
            self.dismiss.setVisible(self._voice_shown)
            if notice:
                self.title.setText(NOTICE_TITLE)
                self.message.setText(notice)
            self._update()
            return
        self._voice_shown = True
        self.dismiss.setVisible(bool(notice))
        self.title.setText(title)
        self.message.setText(" ".join(p for p in (notice, state.message) if p))
        self.fix.setText(f"To fix: {state.fix}" if state.fix else "")
        for label in (self.title, self.message):
            label.show()
        self.fix.setVisible(bool(state.fix))
        self._update()

    def show_listening(self, state: ListenerState) -> None:
        """The microphone part: shown while voice answers are on but cannot listen."""
        fix = microphone_fix(state)
        if fix:
            reason = state.reason or "voice answers stopped"
            self.mic_message.setText(f"{reason[0].upper()}{reason[1:]}. {fix}")
        self.mic_title.setVisible(bool(fix))
        self.mic_message.setVisible(bool(fix))
        self._update()

    def microphone_shown(self) -> bool:
        return not self.mic_title.isHidden()

    def _update(self) -> None:
        """Shown while either part has something to say; one description for both."""
        parts = []
        if self._voice_shown:
            title = self.title.text()
            parts.append(f"{title}. {self.message.text()}" if title == NOTICE_TITLE
                         else f"{title} {self.message.text()} {self.fix.text()}".strip())
        if self.microphone_shown():
            parts.append(f"{MIC_TITLE} {self.mic_message.text()}")
        self.setAccessibleDescription(" ".join(parts))
        self.setVisible(bool(parts))

    def _dismiss(self) -> None:
        if self._notice:
            self._dismissed.add(self._notice)
            self._notice = ""
        self.dismiss.hide()
        if self.title.text() == NOTICE_TITLE:
            self._voice_shown = False
            self.title.hide()
            self.message.hide()
        self._update()


