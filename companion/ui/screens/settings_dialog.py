"""The Settings dialog: edits a `Settings` value; the window saves and applies it at once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from companion.core.breathing import PATTERNS
from companion.core.timeline import Verbosity
from companion.qt.core import Qt, QTime
from companion.qt.gui import QGuiApplication
from companion.qt.widgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)
from companion.settings import (
    DAY_NAMES,
    LENGTH_SCALE_RANGE,
    REST_PATTERNS,
    AnnouncePrompts,
    Reminders,
    Settings,
    setting_max_length,
    setting_range,
)
from companion.ui.screens.settings_mic import MicTest, listening_note
from companion.ui.screens.settings_voice import (
    ENGINE_WORDS,
    VoiceRows,
    speaker_voices_dir,
    voices_dir_text,
)
from companion.ui.services.ports import SampleSpeaker
from companion.ui.widgets.screen_fit import fitted_size
from companion.ui.widgets.scroll import page_scroll
from companion.ui.widgets.style import apply_font

if TYPE_CHECKING:
    from companion.ui.adapters.listening import VoiceInput
    from companion.voice.base import Speaker

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


def _number_row(form: QFormLayout, label: str, name: str, limits: tuple[int, int],
                suffix: str, value: int, *, step: int = 1, special: str = "") -> QSpinBox:
    """A whole-number row of `form`: `label` (with its & key), the box named `name` for
    screen readers, between `limits`, `suffix` after the number (the unit), `special` shown
    instead of the lowest value."""
    box = QSpinBox(form.parentWidget())
    box.setRange(*limits)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    if special:
        box.setSpecialValueText(special)
    box.setValue(value)
    box.setAccessibleName(name)
    form.addRow(label, box)
    return box


#: the narrowest a choice list may be, in characters (its list shows every word)
COMBO_MIN_CHARS = 24


class SettingsDialog(VoiceRows):
    """Modal; `result_settings()` gives the edited value after `exec()` returns Accepted."""

    def __init__(self, settings: Settings, speaker: Speaker | None,
                 parent: QWidget | None = None, voice_input: VoiceInput | None = None,
                 voices_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Companion settings")
        self.setAccessibleName("Settings")
        self.original = settings
        apply_font(self, "body")
        outer = QVBoxLayout(self)
        # the groups scroll, the Save / Cancel row stays: on a laptop's 768 px screen the
        # dialog is taller than the screen (a tester found Save below its bottom edge)
        self._content = QWidget(self)
        body = QVBoxLayout(self._content)
        body.setContentsMargins(0, 0, 0, 0)

        voice_box = QGroupBox("Voice", self)
        form = QFormLayout(voice_box)
        self._form = form
        self.speaker = speaker
        #: where the user's own Piper voices go (`Paths.voices_dir`)
        self.voices_dir = voices_dir or speaker_voices_dir(speaker)
        self.engine = QComboBox(voice_box)
        self.engine.setAccessibleName("Speech engine")
        for key, words in ENGINE_WORDS.items():
            self.engine.addItem(words, key)
        self.engine.setCurrentIndex(max(0, self.engine.findData(settings.engine)))
        self.engine.setToolTip("The natural voice (Piper) renders each routine's prompts the "
                               "first time (progress shows); later sessions start at once.")
        form.addRow("Speech eng&ine", self.engine)
        self.engine_note = QLabel("", voice_box)
        self.engine_note.setWordWrap(True)
        self.engine_note.setAccessibleName("Speech engine status")
        form.addRow("", self.engine_note)
        self.voice = QComboBox(voice_box)
        self.voice.setAccessibleName("Voice")
        self.voice.addItem("Default voice", "")
        self.voice_note = QLabel("", voice_box)
        form.addRow("&Voice", self.voice)
        form.addRow("", self.voice_note)
        # Listing the system voices asks its engine, which is not running while the natural
        # voice speaks: they are listed when the system voice is chosen here.
        self._system_voices_listed = False
        self.piper_voice = QComboBox(voice_box)
        self.piper_voice.setAccessibleName("Natural voice")
        self.choose_voice = QPushButton("Choose a voice &file…", voice_box)
        self.choose_voice.setAccessibleName("Choose a Piper voice file")
        self.choose_voice.clicked.connect(self._choose_voice_file)
        hint = "Any Piper voice: NAME.onnx with NAME.onnx.json beside it" + (
            f", in {voices_dir_text(self.voices_dir)} or anywhere (choose the file)."
            if self.voices_dir is not None else " (choose the .onnx file).")
        self.choose_voice.setToolTip(hint)
        self.piper_voice.setToolTip(hint)
        piper_row = QWidget(voice_box)
        prow = QHBoxLayout(piper_row)
        prow.setContentsMargins(0, 0, 0, 0)
        prow.addWidget(self.piper_voice, 1)
        prow.addWidget(self.choose_voice)
        self._piper_row = piper_row
        form.addRow("Natural voi&ce", piper_row)
        self.piper_note = QLabel("", voice_box)
        self.piper_note.setWordWrap(True)
        self.piper_note.setAccessibleName("Natural voice status")
        form.addRow("", self.piper_note)
        self._fill_piper_voices(settings.piper_voice)
        self.rate = _number_row(form, "Speaking &rate", "Speaking rate", setting_range("rate"),
                                " words/min", settings.rate)
        self.pace = QDoubleSpinBox(voice_box)
        self.pace.setRange(*LENGTH_SCALE_RANGE)
        self.pace.setSingleStep(0.05)
        self.pace.setDecimals(2)
        self.pace.setPrefix("length × ")
        self.pace.setValue(settings.piper_length_scale)
        self.pace.setAccessibleName("Natural voice pace: length scale, higher is slower")
        self.pace.setToolTip("1.00 is the voice's own pace; 1.20 speaks 20% slower, "
                             "0.90 a little faster.")
        form.addRow("&Pace (higher is slower)", self.pace)
        self.volume = QSlider(Qt.Orientation.Horizontal, voice_box)
        self.volume.setRange(0, 100)
        self.volume.setValue(round(settings.volume * 100))
        self.volume.setAccessibleName("Volume")
        self.sample = QPushButton("P&lay a sample", voice_box)
        self.sample.setAccessibleName("Play a sample of the voice")
        self.sample.clicked.connect(self.play_sample)
        self.sample.setEnabled(isinstance(speaker, SampleSpeaker))
        volume_row = QWidget(voice_box)
        vrow = QHBoxLayout(volume_row)
        vrow.setContentsMargins(0, 0, 0, 0)
        vrow.addWidget(self.volume, 1)
        vrow.addWidget(self.sample)
        form.addRow("Vol&ume", volume_row)
        self.sample_note = QLabel("", voice_box)
        self.sample_note.setWordWrap(True)
        self.sample_note.setAccessibleName("Sample status")
        form.addRow("", self.sample_note)
        form.setRowVisible(self.sample_note, False)
        self.engine.currentIndexChanged.connect(lambda _i: self._show_engine_rows())
        self.piper_voice.currentIndexChanged.connect(lambda _i: self._show_engine_rows())
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
        # short enough for a 1024-pixel-wide screen (the longer label made Settings scroll
        # sideways there); what can be said is in its description and tooltip
        self.voice_input = QCheckBox("Answer by voice (microphone)", voice_box)
        said = "Say \"all clear\", \"stop\", numbers, pause, skip…"
        self.voice_input.setToolTip(said)
        self.voice_input.setChecked(settings.voice_input)
        self.voice_input.setAccessibleName("Answer by voice")
        self.voice_input.setAccessibleDescription(said)
        form.addRow("", self.voice_input)
        self.voice_input_note = QLabel(listening_note(voice_input), voice_box)
        self.voice_input_note.setWordWrap(True)
        self.voice_input_note.setAccessibleName("Voice input status")
        if self.voice_input_note.text():
            form.addRow("", self.voice_input_note)
        self._mic = MicTest(voice_input, voice_box)
        form.addRow("Microphone", self._mic)
        body.addWidget(voice_box)

        session_box = QGroupBox("Sessions", self)
        sform = QFormLayout(session_box)
        self.breathing = QComboBox(session_box)
        self.breathing.setAccessibleName("Breathing pattern for rests")
        for pid in REST_PATTERNS:
            p = PATTERNS[pid]
            self.breathing.addItem(f"{p.name}: {p.description}", pid)
        self.breathing.setCurrentIndex(max(0, self.breathing.findData(settings.rest_breathing)))
        sform.addRow("&Breathing in rests", self.breathing)
        self.goal = _number_row(sform, "Weekly &goal", "Weekly goal",
                                setting_range("weekly_goal"), " sessions a week",
                                settings.weekly_goal)
        self.breathing_counts = QCheckBox("Count breathing sessions toward the weekly goal",
                                          session_box)
        self.breathing_counts.setChecked(settings.breathing_counts)
        self.breathing_counts.setAccessibleName("Count breathing sessions toward the weekly goal")
        sform.addRow("", self.breathing_counts)
        self.rest = _number_row(sform, "R&est length", "Default rest length",
                                setting_range("rest_seconds"), " s",
                                settings.rest_seconds, step=15,
                                special="As the routine says")
        self.emergency = QLineEdit(settings.emergency_text, session_box)
        self.emergency.setMaxLength(setting_max_length("emergency_text"))
        self.emergency.setAccessibleName("Emergency number text")
        sform.addRow("E&mergency number", self.emergency)
        body.addWidget(session_box)

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
        body.addWidget(rem_box)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        for b in buttons.buttons():
            b.setAccessibleName(b.text().replace("&", ""))
        # a choice's long words (a breathing pattern and its description) show in full in
        # its list, not by widening the groups past a 1024-pixel-wide screen
        for combo in self._content.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(COMBO_MIN_CHARS)
        self.scroll_area = page_scroll(QScrollArea(self))
        self.scroll_area.setWidget(self._content)
        # no nameless stops for a screen reader (the scroll area's own parts)
        self.scroll_area.setAccessibleName("Settings")
        self.scroll_area.viewport().setAccessibleName("Settings")
        self._content.setAccessibleName("Voice, sessions and reminders")
        outer.addWidget(self.scroll_area, 1)
        outer.addWidget(buttons)
        # Every field at the body size, set on each widget: parented to the styled main
        # window, the dialog's own font did not reach its labels and inputs (they came out
        # at the small system size while the group titles were large). Titles in bold.
        for child in self.findChildren(QWidget):
            apply_font(child, "body", bold=isinstance(child, QGroupBox))
        self._show_engine_rows()
        # room for the 4 px focus border the style gives a focused (clicked) button
        button = self._mic.button
        button.setMinimumHeight(button.sizeHint().height() + 4)
        self._fit_to_screen()

    def fit_content(self) -> None:
        """The size the groups need, whatever the screen (the screenshots use it)."""
        self._fit_to_screen(cap=False)

    def _fit_to_screen(self, cap: bool = True) -> None:
        """Open at the size the groups need, but never taller or wider than the screen's
        free area (the groups scroll inside it)."""
        hint = self._content.sizeHint()
        bar = self.scroll_area.verticalScrollBar().sizeHint().width()
        lay = self.layout()
        side = lay.contentsMargins().left() if lay is not None else 12
        width = hint.width() + bar + 2 * side + 8
        height = self.sizeHint().height() - self.scroll_area.sizeHint().height() \
            + hint.height() + 24
        screen = self.screen() or QGuiApplication.primaryScreen()
        if cap and screen is not None:
            free = screen.availableGeometry()
            width, height = fitted_size(width, height, free.width(), free.height())
        self.resize(width, height)

    @property
    def mic_test(self) -> MicTest:
        return self._mic

    def done(self, result: int) -> None:
        self._mic.stop()  # the microphone test never outlives the dialog
        super().done(result)

    def result_settings(self) -> Settings:
        """The edited settings (unchanged fields keep their values)."""
        emergency = self.emergency.text().strip() or self.original.emergency_text
        return replace(
            self.original,
            voice_id=str(self.voice.currentData() or "") if self._system_voices_listed
            else self.original.voice_id,
            rate=self.rate.value(),
            volume=self.volume.value() / 100.0,
            tones=self.tones.isChecked(),
            voice_input=self.voice_input.isChecked(),
            engine=str(self.engine.currentData()),
            piper_voice=str(self.piper_voice.currentData() or ""),
            piper_length_scale=round(self.pace.value(), 2),
            verbosity=Verbosity(self.verbosity.currentData()),
            announce_prompts=AnnouncePrompts(self.announce.currentData()),
            rest_breathing=str(self.breathing.currentData()),
            weekly_goal=self.goal.value(),
            breathing_counts=self.breathing_counts.isChecked(),
            rest_seconds=self.rest.value(),
            emergency_text=emergency,
            reminders=Reminders(
                enabled=self.remind.isChecked(),
                days=tuple(i for i, b in enumerate(self.day_boxes) if b.isChecked()),
                time=self.time.time().toString("HH:mm"),
            ),
        )
