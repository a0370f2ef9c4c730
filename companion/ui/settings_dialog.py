"""The Settings dialog: edits a `Settings` value; the window saves and applies it at once."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from companion.core.breathing import PATTERNS
from companion.core.timeline import Verbosity
from companion.settings import DAY_NAMES, REST_PATTERNS, AnnouncePrompts, Reminders, Settings
from companion.ui.style import apply_font

log = logging.getLogger(__name__)

VERBOSITY_WORDS = {
    Verbosity.FULL: "Full: every prompt spoken",
    Verbosity.BRIEF: "Brief: the essentials",
    Verbosity.TONES: "Tones only (check-ins and safety are still spoken)",
}

ANNOUNCE_WORDS = {
    AnnouncePrompts.OFF: "Off",
    AnnouncePrompts.WHEN_VOICE_OFF: "When the voice is off",
    AnnouncePrompts.ALWAYS: "Always",
}


def speaker_voices(speaker: Any) -> list[tuple[str, str]]:
    """(id, label) pairs the speaker offers; empty when it has no voice engine.

    The real speaker lists them through `companion.ui.speech.available_voices`; any other
    speaker may offer `voices()` returning (id, name) pairs or objects with id and name.
    """
    try:
        from companion.ui.speech import available_voices

        found: list[Any] = list(available_voices(speaker))
        if not found and callable(getattr(speaker, "voices", None)):
            found = list(speaker.voices())
    except Exception:  # a voice engine that fails to list voices just offers none
        log.exception("speaker could not list voices")
        return []
    out: list[tuple[str, str]] = []
    for v in found:
        if isinstance(v, tuple | list) and len(v) >= 2:
            out.append((str(v[0]), str(v[1])))
        else:
            name = getattr(v, "label", None) or getattr(v, "name", v)
            out.append((str(getattr(v, "id", v)), str(name)))
    return out


def _listening_note(voice_input: Any) -> str:
    """Why voice answers are not available here, in plain words (empty when they are)."""
    state = getattr(voice_input, "state", None)
    if voice_input is None or state is None:
        return "Voice answers are not available in this run: use the keys and buttons."
    status = getattr(state.status, "value", "")
    if status == "ok":
        return "Listening works: the app listens only when it expects an answer, and for " \
               "\"stop\"."
    if status == "off":
        return ""
    return f"Voice answers are off: {state.reason}. Keys and buttons work as usual."


class SettingsDialog(QDialog):
    """Modal; `result_settings()` gives the edited value after `exec()` returns Accepted."""

    def __init__(self, settings: Settings, speaker: Any, parent: QWidget | None = None,
                 voice_input: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Companion settings")
        self.setAccessibleName("Settings")
        self.original = settings
        apply_font(self, "body")
        outer = QVBoxLayout(self)

        voice_box = QGroupBox("Voice", self)
        form = QFormLayout(voice_box)
        self.voice = QComboBox(voice_box)
        self.voice.setAccessibleName("Voice")
        voices = speaker_voices(speaker)
        self.voice.addItem("Default voice", "")
        for vid, name in voices:
            self.voice.addItem(name, vid)
        if voices:
            idx = self.voice.findData(settings.voice_id)
            self.voice.setCurrentIndex(max(0, idx))
            self.voice_note = QLabel("", voice_box)
        else:
            self.voice.setEnabled(False)
            self.voice_note = QLabel("No voices available: prompts show as captions.",
                                     voice_box)
        form.addRow("&Voice", self.voice)
        if self.voice_note.text():
            form.addRow("", self.voice_note)
        self.rate = QSpinBox(voice_box)
        self.rate.setRange(80, 300)
        self.rate.setSuffix(" words/min")
        self.rate.setValue(settings.rate)
        self.rate.setAccessibleName("Speaking rate")
        form.addRow("Speaking &rate", self.rate)
        self.volume = QSlider(Qt.Orientation.Horizontal, voice_box)
        self.volume.setRange(0, 100)
        self.volume.setValue(round(settings.volume * 100))
        self.volume.setAccessibleName("Volume")
        form.addRow("Vol&ume", self.volume)
        self.tones = QCheckBox("Play soft tones for breathing and timing", voice_box)
        self.tones.setChecked(settings.tones)
        self.tones.setAccessibleName("Tones on or off")
        form.addRow("", self.tones)
        self.verbosity = QComboBox(voice_box)
        self.verbosity.setAccessibleName("How much the voice says")
        for v, words in VERBOSITY_WORDS.items():
            self.verbosity.addItem(words, v.value)
        self.verbosity.setCurrentIndex(self.verbosity.findData(settings.verbosity.value))
        form.addRow("How much it &says", self.verbosity)
        self.announce = QComboBox(voice_box)
        self.announce.setAccessibleName("Screen reader announces prompts")
        self.announce.setAccessibleDescription(
            "Whether a screen reader such as Orca announces each new exercise, phase, "
            "check-in and safety message. When the voice is off: only while the app's own "
            "voice cannot be heard, so the two do not speak over each other.")
        for a, words in ANNOUNCE_WORDS.items():
            self.announce.addItem(words, a.value)
        self.announce.setCurrentIndex(self.announce.findData(settings.announce_prompts.value))
        form.addRow("Scree&n reader announces prompts", self.announce)
        self.voice_input = QCheckBox("Answer by voice (microphone): \"all clear\", \"stop\", "
                                     "numbers, pause, skip…", voice_box)
        self.voice_input.setChecked(settings.voice_input)
        self.voice_input.setAccessibleName("Answer by voice")
        form.addRow("", self.voice_input)
        self.voice_input_note = QLabel(_listening_note(voice_input), voice_box)
        self.voice_input_note.setWordWrap(True)
        self.voice_input_note.setAccessibleName("Voice input status")
        if self.voice_input_note.text():
            form.addRow("", self.voice_input_note)
        outer.addWidget(voice_box)

        session_box = QGroupBox("Sessions", self)
        sform = QFormLayout(session_box)
        self.breathing = QComboBox(session_box)
        self.breathing.setAccessibleName("Breathing pattern for rests")
        for pid in REST_PATTERNS:
            p = PATTERNS[pid]
            self.breathing.addItem(f"{p.name}: {p.description}", pid)
        self.breathing.setCurrentIndex(max(0, self.breathing.findData(settings.rest_breathing)))
        sform.addRow("&Breathing in rests", self.breathing)
        self.goal = QSpinBox(session_box)
        self.goal.setRange(1, 14)
        self.goal.setSuffix(" sessions a week")
        self.goal.setValue(settings.weekly_goal)
        self.goal.setAccessibleName("Weekly goal")
        sform.addRow("Weekly &goal", self.goal)
        self.rest = QSpinBox(session_box)
        self.rest.setRange(0, 600)
        self.rest.setSingleStep(15)
        self.rest.setSuffix(" s")
        self.rest.setSpecialValueText("As the routine says")
        self.rest.setValue(settings.rest_seconds)
        self.rest.setAccessibleName("Default rest length")
        sform.addRow("R&est length", self.rest)
        self.emergency = QLineEdit(settings.emergency_text, session_box)
        self.emergency.setMaxLength(200)
        self.emergency.setAccessibleName("Emergency number text")
        sform.addRow("E&mergency number", self.emergency)
        outer.addWidget(session_box)

        rem_box = QGroupBox("Reminders", self)
        rlay = QVBoxLayout(rem_box)
        self.remind = QCheckBox("Remind me to start my session", rem_box)
        self.remind.setChecked(settings.reminders.enabled)
        self.remind.setAccessibleName("Reminders on or off")
        rlay.addWidget(self.remind)
        days = QHBoxLayout()
        self.day_boxes: list[QCheckBox] = []
        for i, name in enumerate(DAY_NAMES):
            box = QCheckBox(name, rem_box)
            box.setChecked(i in settings.reminders.days)
            box.setAccessibleName(f"Remind on {name}")
            days.addWidget(box)
            self.day_boxes.append(box)
        rlay.addLayout(days)
        trow = QHBoxLayout()
        tlabel = QLabel("&At", rem_box)
        self.time = QTimeEdit(rem_box)
        self.time.setDisplayFormat("HH:mm")
        h, m = settings.reminders.hour_minute
        self.time.setTime(QTime(h, m))
        self.time.setAccessibleName("Reminder time")
        tlabel.setBuddy(self.time)
        trow.addWidget(tlabel)
        trow.addWidget(self.time)
        trow.addStretch(1)
        rlay.addLayout(trow)
        outer.addWidget(rem_box)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        for b in buttons.buttons():
            b.setAccessibleName(b.text().replace("&", ""))
        outer.addWidget(buttons)
        # Every field at the body size, set on each widget: parented to the styled main
        # window, the dialog's own font did not reach its labels and inputs (they came out
        # at the small system size while the group titles were large). Titles in bold.
        for child in self.findChildren(QWidget):
            apply_font(child, "body", bold=isinstance(child, QGroupBox))

    def result_settings(self) -> Settings:
        """The edited settings (unchanged fields keep their values)."""
        emergency = self.emergency.text().strip() or self.original.emergency_text
        return replace(
            self.original,
            voice_id=str(self.voice.currentData() or ""),
            rate=self.rate.value(),
            volume=self.volume.value() / 100.0,
            tones=self.tones.isChecked(),
            voice_input=self.voice_input.isChecked(),
            verbosity=Verbosity(self.verbosity.currentData()),
            announce_prompts=AnnouncePrompts(self.announce.currentData()),
            rest_breathing=str(self.breathing.currentData()),
            weekly_goal=self.goal.value(),
            rest_seconds=self.rest.value(),
            emergency_text=emergency,
            reminders=Reminders(
                enabled=self.remind.isChecked(),
                days=tuple(i for i, b in enumerate(self.day_boxes) if b.isChecked()),
                time=self.time.time().toString("HH:mm"),
            ),
        )
