"""The Settings dialog: edits a `Settings` value; the window saves and applies it at once."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from companion.core.breathing import PATTERNS
from companion.core.timeline import Verbosity
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
from companion.ui.widgets.style import apply_font
from companion.voice import engines, natural
from companion.voice.base import VoiceSettings

log = logging.getLogger(__name__)

ENGINE_WORDS = {
    engines.AUTO: "Automatic: the natural voice when it is installed",
    engines.PIPER: "Natural voice (Piper)",
    engines.SYSTEM: "System voice (espeak-ng, or your system's)",
}

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

    The real speaker lists them through
    `companion.ui.adapters.speech_setup.available_voices`; any other speaker may offer
    `voices()` returning (id, name) pairs or objects with id and name.
    """
    try:
        from companion.ui.adapters.speech_setup import available_voices

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


def voices_dir_text(path: Path | None) -> str:
    """The voices folder as a person types it (~ for the home folder)."""
    if path is None:
        return ""
    try:
        return "~/" + str(Path(path).expanduser().relative_to(Path.home()))
    except ValueError:
        return str(path)


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


LEVEL_FLOOR_DB = -60.0  # the level bar's empty end


class MicTest(QWidget):
    """"Test my microphone": the input level, whether the room is too noisy for voice
    answers, and what was heard with what it would do at a check-in (nothing is acted on).
    Uses the app's own voice input (the same recogniser and rules as in a session);
    `companion listen --mic` is the same test on the command line."""

    IDLE_TEXT = "Press \"Test my microphone\", then say \"all clear\" or \"stop\"."

    def __init__(self, voice_input: Any, parent: QWidget | None = None) -> None:
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
        if why is not None:
            self.button.setEnabled(False)
            self.heard_label.setText(f"The microphone test needs voice input: {why}.")
        else:
            voice_input.level.connect(self.show_level)
            voice_input.noise_changed.connect(lambda r: self.show_noise(r.noisy))
            voice_input.tested.connect(self.show_heard)

    def _unavailable(self) -> str | None:
        vi = self.voice_input
        state = getattr(vi, "state", None)
        if vi is None or state is None or not hasattr(vi, "begin_test"):
            return "not available in this run"
        if getattr(state.status, "value", "") != "ok":
            return state.reason or "voice input is off"
        return None

    def _toggled(self, on: bool) -> None:
        if not on:
            self.stop()
            return
        why = self.voice_input.begin_test()
        if why is not None:
            self.button.setChecked(False)
            self.heard_label.setText(f"Cannot test now: {why}.")
            return
        self.button.setText("Stop the test")
        self.show_noise(bool(getattr(self.voice_input, "noisy", False)))
        self.heard_label.setText("Listening… say \"all clear\" or \"stop\".")

    def stop(self) -> None:
        vi = self.voice_input
        if vi is not None and getattr(vi, "testing", False):
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

    def show_heard(self, heard: Any, decision: Any) -> None:
        self.heard_label.setText(mic_test_text(decision))


def mic_test_text(decision: Any) -> str:
    """What the microphone test says it heard, and what that would do at a check-in."""
    from companion.voice.decide import Action

    action = decision.action
    if action is Action.ALL_CLEAR:
        return f"{decision.heard_text}: that counts as \"all clear\" at a check-in."
    if action is Action.RED_FLAG:
        return f"{decision.heard_text}: that stops the session, like the U key."
    return decision.heard_text


class SettingsDialog(QDialog):
    """Modal; `result_settings()` gives the edited value after `exec()` returns Accepted."""

    def __init__(self, settings: Settings, speaker: Any, parent: QWidget | None = None,
                 voice_input: Any = None, voices_dir: Path | None = None) -> None:
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
        synth = getattr(speaker, "synth", None)
        #: where the user's own Piper voices go (`Paths.voices_dir`)
        self.voices_dir: Path | None = voices_dir or getattr(synth, "voices_dir", None)
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
        self.rate = QSpinBox(voice_box)
        self.rate.setRange(*setting_range("rate"))
        self.rate.setSuffix(" words/min")
        self.rate.setValue(settings.rate)
        self.rate.setAccessibleName("Speaking rate")
        form.addRow("Speaking &rate", self.rate)
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
        self.sample.setEnabled(callable(getattr(speaker, "play_sample", None)))
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
        self.goal = QSpinBox(session_box)
        self.goal.setRange(*setting_range("weekly_goal"))
        self.goal.setSuffix(" sessions a week")
        self.goal.setValue(settings.weekly_goal)
        self.goal.setAccessibleName("Weekly goal")
        sform.addRow("Weekly &goal", self.goal)
        self.breathing_counts = QCheckBox("Count breathing sessions toward the weekly goal",
                                          session_box)
        self.breathing_counts.setChecked(settings.breathing_counts)
        self.breathing_counts.setAccessibleName("Count breathing sessions toward the weekly goal")
        sform.addRow("", self.breathing_counts)
        self.rest = QSpinBox(session_box)
        self.rest.setRange(*setting_range("rest_seconds"))
        self.rest.setSingleStep(15)
        self.rest.setSuffix(" s")
        self.rest.setSpecialValueText("As the routine says")
        self.rest.setValue(settings.rest_seconds)
        self.rest.setAccessibleName("Default rest length")
        sform.addRow("R&est length", self.rest)
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
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
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
            width = min(width, int(free.width() * 0.95))
            height = min(height, int(free.height() * 0.9))
        self.resize(width, height)

    @property
    def mic_test(self) -> MicTest:
        return self._mic

    def done(self, result: int) -> None:
        self._mic.stop()  # the microphone test never outlives the dialog
        super().done(result)

    # -- the voice engine -----------------------------------------------------------------------
    def _fill_piper_voices(self, current: str) -> None:
        """The packaged voices, those in the voices folder, and a picked file."""
        self.piper_voice.clear()
        problems: list[str] = []
        for v in natural.discover_voices(self.voices_dir):
            self.piper_voice.addItem(v.label, v.id)
        problems += natural.folder_voices(self.voices_dir)[1]
        if current and natural.is_path(current) and self.piper_voice.findData(current) < 0:
            try:
                picked = natural.check_voice_files(Path(current))
                self.piper_voice.addItem(picked.label, picked.id)
            except natural.VoiceProblem as exc:
                problems.append(str(exc))
        idx = self.piper_voice.findData(current) if current else 0
        self.piper_voice.setCurrentIndex(max(0, idx))
        self._set_note(self.piper_note, " ".join(problems))

    def add_voice_file(self, path: Path) -> str:
        """Offer the Piper voice at `path` (checked first); returns "" or why it cannot be
        used (also shown under the list)."""
        try:
            voice = natural.check_voice_files(Path(path))
        except natural.VoiceProblem as exc:
            self._set_note(self.piper_note, str(exc))
            return str(exc)
        idx = self.piper_voice.findData(voice.id)
        if idx < 0:
            self.piper_voice.addItem(voice.label, voice.id)
            idx = self.piper_voice.count() - 1
        self.piper_voice.setCurrentIndex(idx)
        self._set_note(self.piper_note, f"{voice.model.name}: config read, "
                                        f"{voice.sample_rate} Hz. Play a sample to hear it.")
        return ""

    def _choose_voice_file(self) -> None:
        start = str(self.voices_dir) if self.voices_dir and self.voices_dir.is_dir() \
            else str(Path.home())
        path, _filter = QFileDialog.getOpenFileName(self, "Choose a Piper voice", start,
                                                    "Piper voices (*.onnx)")
        if path:
            self.add_voice_file(Path(path))

    def voice_settings(self) -> VoiceSettings:
        """The voice as the dialog has it now (saved or not): what "Play a sample" says."""
        return self.result_settings().voice_settings()

    def _list_system_voices(self) -> None:
        """The system engine's voices, by readable name (the first time they are shown)."""
        self._system_voices_listed = True
        voices = speaker_voices(self.speaker)
        for vid, name in voices:
            self.voice.addItem(name, vid)
        if voices:
            self.voice.setCurrentIndex(max(0, self.voice.findData(self.original.voice_id)))
        else:
            self.voice.setEnabled(False)
            self.voice_note.setText("No voices available: prompts show as captions.")

    def _show_engine_rows(self) -> None:
        """Rows for the engine that will speak: voice and rate, or natural voice and pace."""
        chosen = engines.choose_engine(self.voice_settings(), self.voices_dir)
        piper = chosen.engine == engines.PIPER
        if not piper and not self._system_voices_listed:
            self._list_system_voices()
        asked = str(self.engine.currentData()) != engines.SYSTEM
        self._form.setRowVisible(self.voice, not piper)
        self._form.setRowVisible(self.rate, not piper)
        self._form.setRowVisible(self.voice_note, not piper and bool(self.voice_note.text()))
        installed = natural.piper_installed()
        for row in (self._piper_row, self.pace):
            self._form.setRowVisible(row, asked and installed)
        self._form.setRowVisible(self.piper_note,
                                 asked and installed and bool(self.piper_note.text()))
        self.pace.setEnabled(piper)
        note = chosen.notice
        if not note and not piper and self.engine.currentData() == engines.AUTO:
            note = engines.NOT_INSTALLED if not installed else \
                "No natural voice is installed, so the system voice speaks."
        self._set_note(self.engine_note, note)

    def _set_note(self, label: QLabel, text: str) -> None:
        """A note under a row, shown only while it has something to say."""
        label.setText(text)
        self._form.setRowVisible(label, bool(text))

    def play_sample(self) -> None:
        play = getattr(self.speaker, "play_sample", None)
        if callable(play):
            play(self.voice_settings(), lambda text: self._set_note(self.sample_note, text))

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
