from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

from companion.core.timeline import TimelineOptions, compile_plan
from companion.routines import RoutineLibrary
from companion.voice.synth import Synthesizer
from tests.conftest import ROOT


def test_preview_audio_writes_a_wav_as_long_as_the_session(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "session.wav"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "companion", "--data-dir", str(data), "preview", "quick-ten",
         "--audio", str(out)],
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
