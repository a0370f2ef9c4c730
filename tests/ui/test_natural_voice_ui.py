"""The natural voice in the app: Settings (engine, voice, pace, volume, "Play a sample"),
the first session of a voice showing progress while its prompts render, and a selected
routine rendered ahead."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from companion.settings import Settings
from companion.ui.adapters.speech import QtSpeaker
from companion.ui.screens.settings_dialog import SettingsDialog
from companion.ui.services.container import AppServices
from companion.voice.base import VoiceSettings
from companion.voice.engines import PIPER, SYSTEM
from companion.voice.natural import PiperSynthesizer, PiperVoiceFile
from companion.voice.speech_engines import SpeechEngines
from companion.voice.synth import Synthesizer
from tests.helpers.piper import copy_voice, packaged_voice, piper_cache, quiet_close
from tests.helpers.voice import speech_cache
from tests.ui.conftest import App

__all__ = ["packaged_voice", "piper_cache", "speech_cache"]


@pytest.fixture
def natural_speaker(qtbot: QtBot, tmp_path: Path, speech_cache: Path, piper_cache: Path
                    ) -> Iterator[QtSpeaker]:
    """The real speaker on the real engines: the natural voice chosen automatically, Piper
    rendering into the run's shared natural-voice cache, espeak-ng into its own."""
    engines = SpeechEngines(
        tmp_path, VoiceSettings(), tmp_path / "voices", system=Synthesizer(speech_cache),
        piper_factory=lambda voice, scale: PiperSynthesizer(piper_cache, voice, scale))
    speaker = QtSpeaker(engines, VoiceSettings(), audio_outputs=lambda: ["speakers"])
    yield speaker
    quiet_close(qtbot, speaker)


def _visible(dialog: SettingsDialog, widget: Any) -> bool:
    return bool(dialog._form.isRowVisible(widget))


def test_settings_offer_engine_voice_pace_volume_and_a_sample(
    qtbot: QtBot, natural_speaker: QtSpeaker, packaged_voice: PiperVoiceFile
) -> None:
    dialog = SettingsDialog(Settings(), natural_speaker)
    qtbot.addWidget(dialog)
    assert dialog.engine.currentData() == "auto"
    assert dialog.piper_voice.currentData() == packaged_voice.id
    assert dialog.piper_voice.currentText() == "Joe (English, United States, medium)"
    # the natural voice speaks: its voice and pace show, the system's voice and rate do not
    assert _visible(dialog, dialog._piper_row) and _visible(dialog, dialog.pace)
    assert not _visible(dialog, dialog.voice) and not _visible(dialog, dialog.rate)
    assert not _visible(dialog, dialog.engine_note)  # nothing wrong: nothing to say
    assert "later sessions start at once" in dialog.engine.toolTip()
    dialog.engine.setCurrentIndex(dialog.engine.findData(SYSTEM))
    assert _visible(dialog, dialog.voice) and _visible(dialog, dialog.rate)
    assert not _visible(dialog, dialog._piper_row) and not _visible(dialog, dialog.pace)
    dialog.engine.setCurrentIndex(dialog.engine.findData(PIPER))
    dialog.pace.setValue(1.2)
    dialog.volume.setValue(70)
    result = dialog.result_settings()
    assert (result.engine, result.piper_voice, result.piper_length_scale, result.volume) == \
        (PIPER, packaged_voice.id, 1.2, 0.7)


def test_choosing_a_voice_file_checks_it_first(
    qtbot: QtBot, natural_speaker: QtSpeaker, packaged_voice: PiperVoiceFile,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = copy_voice(packaged_voice, tmp_path / "elsewhere", "en_US-mine-medium",
                      dataset="mine")
    bad = copy_voice(packaged_voice, tmp_path / "elsewhere", "broken",
                     **{"audio.sample_rate": -1})
    dialog = SettingsDialog(Settings(), natural_speaker)
    qtbot.addWidget(dialog)
    picked = [str(bad)]
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *_a, **_k: (picked[0], "Piper voices (*.onnx)"))
    dialog.choose_voice.click()
    assert "broken.onnx.json has no usable sample rate" in dialog.piper_note.text()
    assert dialog.piper_voice.currentData() == packaged_voice.id  # unchanged
    picked[0] = str(good)
    dialog.choose_voice.click()
    assert dialog.piper_voice.currentData() == str(good)
    assert dialog.piper_voice.currentText().startswith("Mine (English, United States")
    assert "config read, 22050 Hz" in dialog.piper_note.text()
    assert dialog.result_settings().piper_voice == str(good)
    # reopened with that choice, the file is offered again
    again = SettingsDialog(dialog.result_settings(), natural_speaker)
    qtbot.addWidget(again)
    assert again.piper_voice.currentData() == str(good)


def test_voices_folder_is_listed_and_its_broken_files_explained(
    qtbot: QtBot, natural_speaker: QtSpeaker, packaged_voice: PiperVoiceFile, tmp_path: Path
) -> None:
    folder = tmp_path / "voices"  # the speaker's voices folder (see natural_speaker)
    copy_voice(packaged_voice, folder, "en_GB-extra-low", dataset="extra",
               **{"audio.quality": "low"})
    (folder / "half.onnx").write_bytes(b"x")
    dialog = SettingsDialog(Settings(), natural_speaker)
    qtbot.addWidget(dialog)
    labels = [dialog.piper_voice.itemText(i) for i in range(dialog.piper_voice.count())]
    assert labels == ["Joe (English, United States, medium)",
                      "Extra (English, United States, low): voices folder"]
    assert "half.onnx has no config beside it" in dialog.piper_note.text()
    assert _visible(dialog, dialog.piper_note)
    assert str(folder) in dialog.choose_voice.toolTip()  # where voices go


@pytest.mark.parametrize("engine", [SYSTEM, PIPER])
def test_play_a_sample_renders_and_plays_what_the_dialog_shows(
    qtbot: QtBot, natural_speaker: QtSpeaker, engine: str
) -> None:
    dialog = SettingsDialog(Settings(), natural_speaker)
    qtbot.addWidget(dialog)
    dialog.engine.setCurrentIndex(dialog.engine.findData(engine))
    qtbot.mouseClick(dialog.sample, Qt.MouseButton.LeftButton)
    what = "natural" if engine == PIPER else "system"
    assert f"Rendering a sample with the {what} voice" in dialog.sample_note.text()
    qtbot.waitUntil(lambda: dialog.sample_note.text().startswith("Playing the sample"),
                    timeout=60000)


def test_a_sample_of_a_voice_that_fails_says_why(
    qtbot: QtBot, natural_speaker: QtSpeaker, packaged_voice: PiperVoiceFile, tmp_path: Path
) -> None:
    model = copy_voice(packaged_voice, tmp_path / "elsewhere", "garbled")
    model.unlink()
    model.write_bytes(b"\x00" * 4096)
    dialog = SettingsDialog(Settings(), natural_speaker)
    qtbot.addWidget(dialog)
    assert dialog.add_voice_file(model) == ""  # its config is fine: the model is not
    dialog.sample.click()
    qtbot.waitUntil(lambda: "could not be rendered" in dialog.sample_note.text(),
                    timeout=60000)
    assert "garbled.onnx is not a model onnxruntime can load" in dialog.sample_note.text()


def test_the_first_session_of_a_voice_shows_progress_then_starts(
    make_app: Callable[..., App], services: AppServices, tmp_path: Path
) -> None:
    """A fresh cache: "Getting ready" counts the prompts as they render (espeak-ng here, for
    speed; the natural voice goes through the same path, only slower), then the session
    starts with every prompt cached."""
    synth = Synthesizer(tmp_path / "fresh")
    speaker = QtSpeaker(synth, VoiceSettings(), audio_outputs=lambda: ["speakers"])
    services.speaker = speaker  # type: ignore[assignment]
    app = make_app()
    seen: list[tuple[int, int]] = []
    speaker.signals.preparing.connect(lambda count, total: seen.append((count, total)))
    captions: list[str] = []
    app.window.start_screen.select("tiny")  # type: ignore[union-attr]
    app.window.start_screen.request_start()  # type: ignore[union-attr]
    app.qtbot.waitUntil(lambda: bool(seen), timeout=30000)
    captions.append(app.player.caption.text())
    with app.qtbot.waitSignal(app.player.session_started, timeout=120000):
        pass
    assert seen[-1][0] == seen[-1][1] > 10
    assert [c for c, _t in seen] == list(range(1, seen[-1][1] + 1))
    assert captions[0].startswith("Preparing the voice for this routine (only the first "
                                  "time):")
    assert app.player.progress.maximum() == 300  # the session's progress from here on
    app.player.end()
    quiet_close(app.qtbot, speaker)


def test_a_selected_routine_is_rendered_ahead_with_a_slow_voice(
    make_app: Callable[..., App], services: AppServices, tmp_path: Path,
    speech_cache: Path
) -> None:
    class Slow(Synthesizer):
        slow = True  # as the natural voice: render the selected routine ahead

    synth = Slow(tmp_path / "ahead")
    speaker = QtSpeaker(synth, VoiceSettings(), audio_outputs=lambda: ["speakers"])
    services.speaker = speaker  # type: ignore[assignment]
    app = make_app()
    start = app.window.start_screen
    assert start is not None and start.select("tiny")
    entry = start.selected()
    assert entry is not None and entry.routine is not None
    from companion.core.timeline import compile_plan
    from companion.ui.services.session import plan_inputs
    from companion.voice.synth import plan_texts

    texts = plan_texts(compile_plan(*plan_inputs(entry.routine, services, entry.alternatives)))
    app.qtbot.waitUntil(lambda: all(synth.cached(t) for t in texts), timeout=60000)
    quiet_close(app.qtbot, speaker)
