"""A render that fails shows the voice banner (never a silent success), and the banner goes
when speech works again: with the macOS driver's AIFF output, faked here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from companion.config import Paths
from companion.core.timeline import Cue, CueKind, Priority
from companion.ui.adapters.speech import QtSpeaker
from companion.ui.adapters.speech_setup import make_speaker
from companion.ui.screens.voice_banner import VoiceBanner
from companion.voice.synth import Synthesizer
from tests.helpers.platform_voice import FakeDriver, sox


def _setup(qtbot: QtBot, tmp_path: Path, first: Path | str
           ) -> tuple[QtSpeaker, VoiceBanner, FakeDriver, Path]:
    good = sox(tmp_path / "speech.aiff", "-r", "22050", "-b", "16", "-c", "1")
    fake = FakeDriver(tmp_path, "nsss", good if first == "good" else first)
    synth = Synthesizer(tmp_path / "cache", driver="nsss", command=fake.command)
    speaker = make_speaker(Paths(tmp_path), synth=synth, audio_outputs=lambda: ["speakers"])
    assert isinstance(speaker, QtSpeaker)
    banner = VoiceBanner()
    qtbot.addWidget(banner)
    banner.follow(speaker)
    return speaker, banner, fake, good


def _say(speaker: QtSpeaker, text: str) -> None:
    speaker.say(Cue(0.0, CueKind.INFO, text, priority=Priority.NORMAL))


def test_a_voice_that_cannot_render_shows_the_banner_at_start(
    qtbot: QtBot, qapp: Any, tmp_path: Path
) -> None:
    speaker, banner, fake, good = _setup(qtbot, tmp_path, "garbage")
    try:
        assert not banner.isHidden()
        assert "could not be rendered" in banner.message.text()
        assert banner.fix.text().startswith("To fix: ")
        fake.serve(good)  # after the fix, the next prompt renders and plays...
        with qtbot.waitSignal(speaker.signals.started, timeout=10000):
            _say(speaker, "Rest now")
        assert banner.isHidden()  # ...and the banner goes
    finally:
        speaker.close()


def test_a_render_failing_mid_session_shows_the_banner_and_keeps_the_caption(
    qtbot: QtBot, qapp: Any, tmp_path: Path
) -> None:
    speaker, banner, fake, _good = _setup(qtbot, tmp_path, "good")
    captions: list[str] = []
    speaker.on_caption(lambda cue: captions.append(cue.text))
    try:
        assert banner.isHidden()
        fake.serve("garbage")
        with qtbot.waitSignal(speaker.signals.idle, timeout=10000):
            _say(speaker, "Bodyweight squats")
        assert captions == ["Bodyweight squats"]
        assert not banner.isHidden()
        assert "could not be rendered" in banner.message.text()
    finally:
        speaker.close()
