"""`companion preview --breathing PATTERN --minutes N --audio FILE` (issue 20), checked as
the rendered WAV a person would hear: every phase starts within 50 ms of where the pattern
puts it, the first cycles are spoken, every later phase is its soft tone, and after the
first cycles there is nothing but those tones until the closing words.

The file is read with the standard `wave` module and numpy, independently of the app's
own audio code; the tones are matched by cross-correlation with resources/sounds/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from companion.core.breathing import PATTERNS, VOICED_CYCLES, BreathingSession, Phase
from companion.core.timeline import CueKind, TimelineOptions, Tone, compile_breathing, flatten
from companion.voice.synth import Synthesizer
from tests.conftest import ROOT

TOLERANCE_S = 0.050
TONE_FILES = ROOT / "resources" / "sounds"


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return data.astype(np.float64) / 32768.0, rate


def render(tmp_path: Path, pattern: str, minutes: int) -> tuple[np.ndarray, int, Path]:
    data, out = tmp_path / "data", tmp_path / f"{pattern}.wav"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "companion", "--data-dir", str(data), "preview", "--breathing",
         pattern, "--minutes", str(minutes), "--audio", str(out)],
        capture_output=True, text=True, env=env, timeout=180, check=False,
    )
    assert done.returncode == 0, done.stderr
    samples, rate = read_wav(out)
    return samples, rate, data


def tone_onset(x: np.ndarray, tone: np.ndarray, expected: int, search: int) -> tuple[int, float]:
    """Where `tone` starts near `expected` (samples), and how well it matches there: the
    normalised cross-correlation (1.0 = the tone exactly, at some volume), via FFT."""
    lo = max(0, expected - search)
    window = x[lo:expected + search + len(tone)]
    n = len(window) + len(tone)
    size = 1 << (n - 1).bit_length()
    raw = np.fft.irfft(np.fft.rfft(window, size) * np.conj(np.fft.rfft(tone, size)), size)
    lags = len(window) - len(tone) + 1
    energy = np.cumsum(np.concatenate([[0.0], window ** 2]))
    seg_norm = np.sqrt(energy[len(tone):len(tone) + lags] - energy[:lags])
    corr = raw[:lags] / (seg_norm * np.linalg.norm(tone) + 1e-12)
    best = int(np.argmax(corr))
    return lo + best, float(corr[best])


def speech_onset(x: np.ndarray, expected: int, search: int, level: float = 0.005) -> int | None:
    start = max(0, expected - search)
    loud = np.flatnonzero(np.abs(x[start:expected + search]) > level)
    return start + int(loud[0]) if len(loud) else None


@pytest.mark.parametrize("pattern,minutes", [("box", 2), ("4-7-8", 2), ("coherent", 1)])
def test_the_rendered_breathing_session_keeps_time_speaks_first_then_tones_only(
    tmp_path: Path, pattern: str, minutes: int
) -> None:
    x, rate, data = render(tmp_path, pattern, minutes)
    session = BreathingSession(PATTERNS[pattern], minutes)
    with Synthesizer(data / "cache") as synth:  # the real speech lengths the render used
        plan = compile_breathing(session, TimelineOptions(speech_duration=synth.duration))
    assert abs(len(x) / rate - plan.total_seconds) <= 1.0
    cues = flatten(plan)
    breaths = [c for c in cues if c.kind is CueKind.BREATHE]
    steps = session.pattern.steps
    first_tone = VOICED_CYCLES * len(steps)
    assert len(breaths) == session.cycles * len(steps) and len(breaths) > first_tone
    tones = {t: read_wav(TONE_FILES / f"{t.value}.wav") for t in Tone}
    assert all(r == rate for _, r in tones.values())
    search = int(0.2 * rate)

    onsets: list[float] = []
    residual = x.copy()
    for i, cue in enumerate(breaths):
        expected = round(cue.t * rate)
        if i < first_tone:  # spoken: "Breathe in", "Hold", "Breathe out"
            assert cue.speak and cue.tone is None
            at = speech_onset(x, expected, search)
            assert at is not None, f"no speech for phase {i} at {cue.t:.2f} s"
            assert np.sqrt(np.mean(x[at:at + int(0.3 * rate)] ** 2)) > 0.01
        else:  # a soft tone, nothing else
            assert not cue.speak and cue.tone is not None
            tone = tones[cue.tone][0]
            at, corr = tone_onset(x, tone, expected, search)
            assert corr > 0.99, f"phase {i}: the {cue.tone.value} tone is not there ({corr:.3f})"
            residual[at:at + len(tone)] -= tone  # mixed at full volume by default
        assert abs(at - expected) / rate <= TOLERANCE_S, (i, at / rate, cue.t)
        onsets.append(at / rate)

    # every phase lasts what the pattern says, within 50 ms, spoken or toned
    for i in range(len(onsets) - 1):
        phase, seconds = steps[i % len(steps)]
        assert abs((onsets[i + 1] - onsets[i]) - seconds) <= TOLERANCE_S, (i, phase)
    assert {c.phase for c in breaths[first_tone:]} >= {Phase.IN, Phase.OUT}

    # after the first cycles: the tones and silence only, until the closing words
    end = next(c for c in cues if c.kind is CueKind.END)
    quiet = residual[round(onsets[first_tone] * rate):round(end.t * rate)]
    assert np.max(np.abs(quiet)) < 0.002, "something besides the tones was heard"
    closing = x[round(end.t * rate):]
    assert np.sqrt(np.mean(closing ** 2)) > 0.01  # the closing words are spoken


def test_sox_reads_the_file_as_the_session_length(tmp_path: Path) -> None:
    if shutil.which("sox") is None:
        pytest.skip("sox is not installed")
    x, rate, _ = render(tmp_path, "4-6", 1)
    info = subprocess.run(["sox", "--i", "-D", str(tmp_path / "4-6.wav")], capture_output=True,
                          text=True, check=True)
    assert abs(float(info.stdout) - len(x) / rate) < 0.01
