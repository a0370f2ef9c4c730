"""Generate the short cue tones in resources/sounds/ (16-bit PCM mono WAVs, no downloads).

Run `python scripts/make_tones.py` (with Companion's environment: `.venv/bin/python`) to
regenerate them; the files are written by the app's own WAV writer (`companion.voice.audio`),
and the output is deterministic, so the committed files only change when this script does.
The tones are soft sine shapes with smooth fades (no clicks): they mark moments in a calm
session, they should never startle.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

# the app's own rate (espeak-ng renders at it too), so mixing needs no resampling
from companion.voice.audio import RATE, SOUNDS_DIR, write_wav

Signal = npt.NDArray[np.float64]


def _t(seconds: float) -> Signal:
    return np.arange(round(seconds * RATE), dtype=np.float64) / RATE


def _envelope(n: int, attack: float, release: float) -> Signal:
    """Raised-cosine fade in and out so the tone starts and ends without a click."""
    env = np.ones(n)
    a = max(1, int(attack * RATE))
    r = max(1, int(release * RATE))
    env[:a] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, a))
    env[-r:] = np.minimum(env[-r:], 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, r)))
    return env


def _bell(freq: float, seconds: float, level: float) -> Signal:
    """A soft bell-like note: a sine with a quieter octave, decaying."""
    t = _t(seconds)
    wave_ = np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(2 * np.pi * 2 * freq * t)
    decay = np.exp(-t * 3.0 / seconds)
    return level * wave_ / 1.25 * decay * _envelope(len(t), 0.005, 0.03)


def _sweep(f0: float, f1: float, seconds: float, level: float) -> Signal:
    """A glide from f0 to f1 (rising for the in-breath, falling for the out-breath)."""
    t = _t(seconds)
    freq = f0 + (f1 - f0) * t / seconds
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    return level * np.sin(phase) * _envelope(len(t), seconds * 0.3, seconds * 0.35)


def go() -> Signal:
    return np.concatenate([_bell(660.0, 0.09, 0.45), _bell(990.0, 0.25, 0.5)])


def tick() -> Signal:
    return _bell(1200.0, 0.07, 0.35)


def set_end() -> Signal:
    return np.concatenate([_bell(784.0, 0.18, 0.45), _bell(523.25, 0.45, 0.45)])


def breathe_in() -> Signal:
    return _sweep(330.0, 523.0, 0.9, 0.3)


def breathe_out() -> Signal:
    return _sweep(523.0, 294.0, 1.1, 0.3)


def hold() -> Signal:
    t = _t(0.35)
    return 0.22 * np.sin(2 * np.pi * 440.0 * t) * _envelope(len(t), 0.06, 0.12)


TONES: dict[str, Callable[[], Signal]] = {
    "go": go,
    "tick": tick,
    "set_end": set_end,
    "breathe_in": breathe_in,
    "breathe_out": breathe_out,
    "hold": hold,
}


def main(out: Path = SOUNDS_DIR) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for name, make in TONES.items():
        path = out / f"{name}.wav"
        write_wav(path, make())
        print(f"wrote {path} ({len(make()) / RATE:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOUNDS_DIR))
