"""The Settings dialog's voice rows: which engine speaks (system or natural voice), its
voices (the system engine's, the Piper voices found or picked as a file), and a sample."""

from __future__ import annotations

import logging
from pathlib import Path

from companion.qt.widgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)
from companion.settings import Settings
from companion.ui.services.ports import SampleSpeaker, SynthSpeaker, VoiceListing
from companion.voice import engines, natural
from companion.voice.base import Speaker, VoiceSettings
from companion.voice.speech_engines import SpeechEngines
from companion.voice.synth import VoiceInfo

log = logging.getLogger(__name__)

ENGINE_WORDS = {
    engines.AUTO: "Automatic: the natural voice when it is installed",
    engines.PIPER: "Natural voice (Piper)",
    engines.SYSTEM: "System voice (espeak-ng, or your system's)",
}


def speaker_voices(speaker: Speaker | None) -> list[tuple[str, str]]:
    """(id, label) pairs the speaker offers; empty when it has no voice engine.

    The real speaker lists them through `companion.ui.adapters.speech_setup.available_voices`;
    any other speaker may offer `voices()` (`VoiceListing`): (id, name) pairs or `VoiceInfo`.
    """
    try:
        from companion.ui.adapters.speech_setup import available_voices

        found: list[object] = list(available_voices(speaker)) if speaker is not None else []
        if not found and isinstance(speaker, VoiceListing):
            found = list(speaker.voices())
    except Exception:  # a voice engine that fails to list voices just offers none
        log.exception("speaker could not list voices")
        return []
    out: list[tuple[str, str]] = []
    for v in found:
        if isinstance(v, tuple | list) and len(v) >= 2:
            out.append((str(v[0]), str(v[1])))
        elif isinstance(v, VoiceInfo):
            out.append((v.id, v.label))
    return out


def voices_dir_text(path: Path | None) -> str:
    """The voices folder as a person types it (~ for the home folder)."""
    if path is None:
        return ""
    try:
        return "~/" + str(Path(path).expanduser().relative_to(Path.home()))
    except ValueError:
        return str(path)


def speaker_voices_dir(speaker: Speaker | None) -> Path | None:
    """Where the speaker's engines look for the user's Piper voices, if it has engines."""
    synth = speaker.synth if isinstance(speaker, SynthSpeaker) else None
    return synth.voices_dir if isinstance(synth, SpeechEngines) else None


class VoiceRows(QDialog):
    """The voice rows' behaviour; `SettingsDialog` builds them (the names below)."""

    original: Settings
    speaker: Speaker | None
    voices_dir: Path | None
    _form: QFormLayout
    _system_voices_listed: bool
    engine: QComboBox
    engine_note: QLabel
    voice: QComboBox
    voice_note: QLabel
    piper_voice: QComboBox
    piper_note: QLabel
    _piper_row: QWidget
    rate: QSpinBox
    pace: QDoubleSpinBox
    sample: QPushButton
    sample_note: QLabel

    def result_settings(self) -> Settings:
        """The edited settings (`SettingsDialog`)."""
        raise NotImplementedError

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
        if isinstance(self.speaker, SampleSpeaker):
            self.speaker.play_sample(self.voice_settings(),
                                     lambda text: self._set_note(self.sample_note, text))
