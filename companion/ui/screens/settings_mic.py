"""The Settings dialog's microphone row: why voice answers are (not) available, and
"Test my microphone" on the app's own voice input."""

from __future__ import annotations

from typing import TYPE_CHECKING

from companion.qt.core import Qt
from companion.qt.widgets import (
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from companion.voice.heard import ListenStatus

if TYPE_CHECKING:
    from companion.ui.adapters.listening import VoiceInput
    from companion.voice.decide import Decision
    from companion.voice.heard import Heard


def listening_note(voice_input: VoiceInput | None) -> str:
    """Why voice answers are not available here, in plain words (empty when they are)."""
    if voice_input is None:
        return "Voice answers are not available in this run: use the keys and buttons."
    state = voice_input.state
    if state.status is ListenStatus.OK:
        return "Listening works: the app listens only when it expects an answer, and for " \
               "\"stop\"."
    if state.status is ListenStatus.OFF:
        return ""
    return f"Voice answers are off: {state.reason}. Keys and buttons work as usual."


LEVEL_FLOOR_DB = -60.0  # the level bar's empty end


class MicTest(QWidget):
    """"Test my microphone": the input level, whether the room is too noisy for voice
    answers, and what was heard with what it would do at a check-in (nothing is acted on).
    Uses the app's own voice input (the same recogniser and rules as in a session);
    `companion listen --mic` is the same test on the command line."""

    IDLE_TEXT = "Press \"Test my microphone\", then say \"all clear\" or \"stop\"."

    def __init__(self, voice_input: VoiceInput | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.voice_input = voice_input
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.button = QPushButton("Test my microphone", self)
        self.button.setCheckable(True)
        self.button.setAccessibleName("Test my microphone")
        self.button.toggled.connect(self._toggled)
        # never squeezed below its text when the dialog is short of height
        self.button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        lay.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        self.level_bar = QProgressBar(self)
        self.level_bar.setRange(0, int(-LEVEL_FLOOR_DB))
        self.level_bar.setValue(0)
        self.level_bar.setFormat("Input level")
        self.level_bar.setAccessibleName("Microphone input level")
        lay.addWidget(self.level_bar)
        self.noise_label = QLabel("", self)
        self.noise_label.setAccessibleName("Microphone noise")
        self.noise_label.setWordWrap(True)
        lay.addWidget(self.noise_label)
        self.heard_label = QLabel(self.IDLE_TEXT, self)
        self.heard_label.setAccessibleName("Microphone heard")
        self.heard_label.setWordWrap(True)
        lay.addWidget(self.heard_label)
        why = self._unavailable()
        if why is not None or voice_input is None:
            self.button.setEnabled(False)
            self.heard_label.setText(f"The microphone test needs voice input: {why}.")
        else:
            voice_input.level.connect(self.show_level)
            voice_input.noise_changed.connect(lambda r: self.show_noise(r.noisy))
            voice_input.tested.connect(self.show_heard)

    def _unavailable(self) -> str | None:
        vi = self.voice_input
        if vi is None:
            return "not available in this run"
        if vi.state.status is not ListenStatus.OK:
            return vi.state.reason or "voice input is off"
        return None

    def _toggled(self, on: bool) -> None:
        if not on:
            self.stop()
            return
        vi = self.voice_input
        why = vi.begin_test() if vi is not None else "not available in this run"
        if vi is None or why is not None:
            self.button.setChecked(False)
            self.heard_label.setText(f"Cannot test now: {why}.")
            return
        self.button.setText("Stop the test")
        self.show_noise(vi.noisy)
        self.heard_label.setText("Listening… say \"all clear\" or \"stop\".")

    def stop(self) -> None:
        vi = self.voice_input
        if vi is not None and vi.testing:
            vi.end_test()
        if self.button.isChecked():
            self.button.blockSignals(True)
            self.button.setChecked(False)
            self.button.blockSignals(False)
        self.button.setText("Test my microphone")
        self.level_bar.setValue(0)

    def show_level(self, db: float) -> None:
        self.level_bar.setValue(round(max(0.0, min(-LEVEL_FLOOR_DB, db - LEVEL_FLOOR_DB))))

    def show_noise(self, noisy: bool) -> None:
        from companion.ui.adapters.listening import NOISY_NOTICE

        self.noise_label.setText(f"{NOISY_NOTICE}." if noisy
                                 else "Quiet enough for voice answers.")

    def show_heard(self, heard: Heard, decision: Decision) -> None:
        self.heard_label.setText(mic_test_text(decision))


def mic_test_text(decision: Decision) -> str:
    """What the microphone test says it heard, and what that would do at a check-in."""
    from companion.voice.decide import Action

    action = decision.action
    if action is Action.ALL_CLEAR:
        return f"{decision.heard_text}: that counts as \"all clear\" at a check-in."
    if action is Action.RED_FLAG:
        return f"{decision.heard_text}: that stops the session, like the U key."
    return decision.heard_text
