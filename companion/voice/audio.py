"""Small audio helpers shared by synthesis, the session renderer and the tests (Qt-free).

numpy is imported by the functions that process samples, not with this module: the voice
finds its tones and reads a WAV file's length at start-up without it (about 170 ms and
16 MB less before the start screen is ready; bench: startup_interactive_ratio).

Everything is 16-bit PCM mono WAV inside the app: espeak-ng renders at 22050 Hz, the tones
are generated at the same rate, and anything else (SAPI5 voices, stereo files, macOS's AIFF)
is read through libsndfile, folded to mono and resampled, then stored as WAV, so mixing is
a plain sum and QtMultimedia plays every cached file.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.core.timeline import Tone

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Samples = npt.NDArray[np.float32]

RATE = 22050
SOUNDS_DIR = Path(__file__).resolve().parent.parent.parent / "resources" / "sounds"


def __getattr__(name: str) -> Any:
    """`audio.Samples` at run time (float32 sample arrays), importing numpy only then."""
    if name == "Samples":
        import numpy as np
        import numpy.typing as npt

        return npt.NDArray[np.float32]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class BadWav(ValueError):
    """A file that is not a usable 16-bit PCM WAV (missing, truncated, silent...)."""


def tone_path(tone: Tone) -> Path:
    return SOUNDS_DIR / f"{tone.value}.wav"


def read_audio(path: Path, rate: int = RATE) -> Samples:
    """Samples in [-1, 1], mono, at `rate`, from any file a speech driver writes.

    espeak-ng and Windows SAPI5 write RIFF WAV, macOS's NSSpeechSynthesizer writes AIFF
    (or AIFF-C) whatever the file is called (pyttsx3 #361): libsndfile, through `soundfile`,
    reads all of them by their content, in any sample format (8/16/24/32-bit, float).
    Linear resampling is plenty for speech cues. Raises `BadWav` for a missing, truncated
    or unreadable file.
    """
    import numpy as np
    import soundfile

    try:
        data, src_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, OSError, EOFError) as exc:
        raise BadWav(f"{path}: {exc}") from exc
    mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    return resample(np.ascontiguousarray(mono, dtype=np.float32), int(src_rate), rate)


read_wav = read_audio  # the name the WAV-only callers know


def resample(data: Samples, src_rate: int, rate: int) -> Samples:
    import numpy as np

    if src_rate == rate or len(data) == 0:
        return data
    n = round(len(data) * rate / src_rate)
    x_new = np.arange(n, dtype=np.float64) * src_rate / rate
    return np.interp(x_new, np.arange(len(data)), data).astype(np.float32)


def write_wav(path: Path, data: npt.NDArray[np.floating[Any]], rate: int = RATE) -> None:
    """Samples in [-1, 1] (any float type; beyond is clipped) as a 16-bit PCM mono WAV."""
    import numpy as np

    pcm = np.clip(np.round(data * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def peak(data: Samples) -> float:
    import numpy as np

    return float(np.max(np.abs(data))) if len(data) else 0.0


def rms(data: Samples) -> float:
    import numpy as np

    return float(np.sqrt(np.mean(np.square(data, dtype=np.float64)))) if len(data) else 0.0


def trim_silence(data: Samples, rate: int = RATE, threshold: float = 0.01,
                 keep: float = 0.02) -> Samples:
    """Drop leading and trailing silence (espeak pads the end), keeping `keep` s of margin.

    A trimmed utterance starts sounding the moment it is played (onset) and its length is
    the real speaking time the timeline places cues by.
    """
    import numpy as np

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
