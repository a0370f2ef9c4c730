"""Shared voice-test fixtures: one speech cache and one real espeak-ng synthesizer per run,
so every utterance is rendered once however many tests speak it."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from companion.core.routine import Routine
from companion.routines import load_routine
from companion.voice.synth import Synthesizer

TINY_ROUTINE = textwrap.dedent(
    """
    schema_version = 1
    id = "tiny"
    name = "Tiny test circuit"
    rounds = 1
    rest_seconds = 30
    breathing = "coherent"

    [[exercise]]
    name = "Bodyweight squats"
    reps = 2
    cues = ["Chest up, sit back."]

    [[exercise]]
    name = "Wall push-ups"
    reps = 2
    """
)


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech-cache")


@pytest.fixture(scope="session")
def synth(speech_cache: Path) -> Iterator[Synthesizer]:
    """The real engine (espeak-ng on Linux). Never skipped: without it these tests fail."""
    s = Synthesizer(speech_cache)
    state = s.start()
    assert state.message == "", f"the real speech engine must work: {state.message} {state.fix}"
    yield s
    s.close()


@pytest.fixture(scope="session")
def tiny_routine(tmp_path_factory: pytest.TempPathFactory) -> Routine:
    path = tmp_path_factory.mktemp("routines") / "tiny.toml"
    path.write_text(TINY_ROUTINE, encoding="utf-8")
    return load_routine(path)
