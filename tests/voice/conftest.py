"""Real recogniser, real espeak-ng clips: one recogniser process and one clip set per run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from companion.voice.listen import SphinxRecogniser
from scripts.make_asr_clips import Clip, build, load


@pytest.fixture(scope="session")
def test_clips() -> tuple[Path, list[Clip]]:
    """The TEST set (never used for tuning); cached between runs, rebuilt in ~10 s."""
    folder = build("test")
    return folder, load(folder)


@pytest.fixture(scope="session")
def recogniser() -> Iterator[SphinxRecogniser]:
    rec = SphinxRecogniser()
    assert rec.start(), rec.state.reason
    yield rec
    rec.close()
