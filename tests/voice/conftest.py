"""Real recogniser, real clips (espeak-ng, Piper and Flite voices): one recogniser process
and one clip set per run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from companion.voice.recogniser import SphinxRecogniser
from scripts.make_asr_clips import Clip, build, load, render_wav


@pytest.fixture(scope="session")
def test_clips() -> tuple[Path, list[Clip]]:
    """The TEST set (never used for tuning); cached between runs, built in ~1-2 min."""
    folder = build("test")
    return folder, load(folder)


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


def wav_of(clip_dir: Path, folder: Path, clip: Clip) -> Path:
    """The clip rendered to a WAV file (clips are stored as recipes)."""
    path = clip_dir / clip.file
    if not path.exists():
        path.write_bytes(render_wav(folder, clip))
    return path


@pytest.fixture(scope="session")
def recogniser() -> Iterator[SphinxRecogniser]:
    rec = SphinxRecogniser()
    assert rec.start(), rec.state.reason
    yield rec
    rec.close()
