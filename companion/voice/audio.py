"""Small WAV helpers shared by synthesis, the session renderer and the tests (Qt-free).

Everything is 16-bit PCM mono inside the app: espeak-ng renders at 22050 Hz, the tones are
generated at the same rate, and anything else (SAPI5 voices, stereo files) is folded to
mono and resampled on read, so mixing is a plain sum.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from companion.core.timeline import Tone

RATE = 22050
SOUNDS_DIR = Path(__file__).resolve().parent.parent.parent / "resources" / "sounds"

Samples = npt.NDArray[np.float32]


class BadWav(ValueError):
    """A file that is not a usable 16-bit PCM WAV (missing, truncated, silent...)."""


def tone_path(tone: Tone) -> Path:
    return SOUNDS_DIR / f"{tone.value}.wav"


def read_wav(path: Path, rate: int = RATE) -> Samples:
    """Samples in [-1, 1], mono, at `rate` (linear resampling is plenty for speech cues)."""
    with path.open("rb") as f:
        if f.read(4) != b"RIFF":
            raise BadWav(f"{path} is not a RIFF WAV file")
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, src_rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise BadWav(f"{path}: {exc}") from exc
    if width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise BadWav(f"{path}: unsupported sample width {width}")
    if channels > 1:
        data = data[: len(data) - len(data) % channels].reshape(-1, channels).mean(axis=1)
    return resample(data.astype(np.float32), src_rate, rate)


def resample(data: Samples, src_rate: int, rate: int) -> Samples:
    if src_rate == rate or len(data) == 0:
        return data
    n = round(len(data) * rate / src_rate)
    x_new = np.arange(n, dtype=np.float64) * src_rate / rate
    return np.interp(x_new, np.arange(len(data)), data).astype(np.float32)


def write_wav(path: Path, data: Samples, rate: int = RATE) -> None:
    pcm = np.clip(np.round(data * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def peak(data: Samples) -> float:
    return float(np.max(np.abs(data))) if len(data) else 0.0


def rms(data: Samples) -> float:
    return float(np.sqrt(np.mean(np.square(data, dtype=np.float64)))) if len(data) else 0.0


def trim_silence(data: Samples, rate: int = RATE, threshold: float = 0.01,
                 keep: float = 0.02) -> Samples:
    """Drop leading and trailing silence (espeak pads the end), keeping `keep` s of margin.

    A trimmed utterance starts sounding the moment it is played (onset) and its length is
    the real speaking time the timeline places cues by.
    """
    loud = np.flatnonzero(np.abs(data) > threshold)
    if len(loud) == 0:
        return data[:0]
    margin = int(keep * rate)
    return data[max(0, loud[0] - margin): min(len(data), loud[-1] + 1 + margin)]


def duration(path: Path) -> float:
    """Seconds of audio, from the header only (cheap enough for the GUI thread)."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / float(w.getframerate())
    except (wave.Error, EOFError) as exc:
        raise BadWav(f"{path}: {exc}") from exc
