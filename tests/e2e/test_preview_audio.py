from __future__ import annotations

import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from companion.core.timeline import TimelineOptions, compile_plan
from companion.routines import RoutineLibrary
from companion.voice import audio
from companion.voice.natural import PiperSynthesizer
from companion.voice.synth import Synthesizer, plan_texts
from tests.conftest import ROOT
from tests.helpers.piper import packaged_voice, piper_cache, piper_synth

__all__ = ["packaged_voice", "piper_cache", "piper_synth"]


def test_preview_audio_writes_a_wav_as_long_as_the_session(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "session.wav"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "companion", "--data-dir", str(data), "preview", "quick-ten",
         "--audio", str(out), "--engine", "system"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # nothing from the speech engine leaks onto stdout
    with wave.open(str(out), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        seconds = w.getnframes() / w.getframerate()
    # the same plan, compiled with the real speech lengths the command left in the cache
    routine = RoutineLibrary(data / "routines").find("quick-ten").routine
    assert routine is not None
    with Synthesizer(data / "cache") as synth:
        plan = compile_plan(routine, TimelineOptions(speech_duration=synth.duration))
    assert abs(seconds - plan.total_seconds) <= 1.0


@pytest.mark.slow
def test_preview_audio_speaks_with_the_natural_voice_chosen_in_settings(
    tmp_path: Path, piper_synth: PiperSynthesizer
) -> None:
    """Settings say "piper": the file is Piper's voice track, as long as the session."""
    data, out = tmp_path / "data", tmp_path / "session.wav"
    routine = RoutineLibrary(data / "routines").find("quick-ten").routine
    assert routine is not None
    piper_synth.prerender(plan_texts(compile_plan(routine, TimelineOptions())))  # shared
    shutil.copytree(piper_synth.cache_dir, data / "cache" / "speech")
    (data / "settings.json").write_text('{"engine": "piper"}', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "companion", "--data-dir", str(data), "preview", "quick-ten",
         "--audio", str(out)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "system voice" not in done.stderr  # no fallback
    with wave.open(str(out), "rb") as w:
        seconds = w.getnframes() / w.getframerate()
    with PiperSynthesizer(data / "cache", piper_synth.voice) as synth:
        plan = compile_plan(routine, TimelineOptions(speech_duration=synth.duration))
        for text in plan_texts(plan):  # every prompt came from Piper's cache
            assert synth.cached(text) is not None, text
    assert abs(seconds - plan.total_seconds) <= 1.0
    assert audio.peak(audio.read_wav(out)) > 0.3


@pytest.mark.parametrize("command", [["preview", "quick-ten", "--audio"],
                                     ["history", "--export"]])
def test_a_file_into_a_folder_that_does_not_exist_is_refused_and_no_folder_is_made(
        tmp_path: Path, command: list[str]) -> None:
    """A tester: `preview --audio /nonexistent/dir/x.wav` made the folders (at / as root),
    said "wrote" and exited 0. A mistyped path is refused, with the folder named."""
    missing = tmp_path / "no-such" / "folder"
    suffix = ".wav" if command[0] == "preview" else ".csv"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "companion", "--data-dir", str(tmp_path / "data"), *command,
         str(missing / f"out{suffix}")],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert f"the folder {missing} does not exist" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "no-such").exists()
