"""Listening: `VoiceListener`, the microphone listener the app uses, and `companion listen`'s
path through it. Its pieces: companion.voice.heard (the `Listener` interface and what it
reports), decoder (the recogniser's child process), recogniser (that process, managed) and
sources (WAV files and raw samples).

Why a separate process: pocketsphinx holds the GIL while decoding, which stalled the GUI
by up to 270 ms when run in a thread. The child gets 16 kHz mono 16-bit chunks over a pipe,
finds utterances with pocketsphinx's endpointer, decodes each with the small grammar for
what is expected, and sends back a `Heard`. A reader thread in the parent delivers results
through `on_result` callbacks; the UI marshals them to the GUI thread.

Anything missing or broken (no sounddevice/PortAudio, no input device, the recogniser
fails to start or dies) turns listening off with a reason string. It never raises into the
app: keys and buttons keep working.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from companion.voice import vad
from companion.voice.decide import Expecting
from companion.voice.decoder import ECHO_GUARD, FILE_TAIL, FRAME_BYTES, SAMPLE_RATE
from companion.voice.heard import (
    LEVEL_EVERY,
    Heard,
    LevelCallback,
    ListenerState,
    ListenSettings,
    ListenStatus,
    NoiseCallback,
    Reports,
    notify,
)
from companion.voice.recogniser import SphinxRecogniser
from companion.voice.sources import microphone_problem

log = logging.getLogger(__name__)


class VoiceListener(Reports):
    """The `Listener` the app uses: a recogniser plus (optionally) a microphone stream.

    Audio is forwarded only while listening and not while the app is speaking; see
    `set_speaking`. With `microphone=False` nothing is opened and audio comes from `feed`
    (tests, bench).
    """

    def __init__(self, settings: ListenSettings | None = None, *, microphone: bool = True,
                 recogniser: SphinxRecogniser | None = None) -> None:
        super().__init__()
        self.settings = settings or ListenSettings()
        self.recogniser = recogniser or SphinxRecogniser()
        self.expecting: Expecting | None = None
        self._speaking = False
        self._muted_until = 0.0
        # audio of the echo guard, kept where an early word can only stop (see `feed`)
        self._guard_audio: list[tuple[bytes, float]] = []
        self._stream: Any = None
        self._want_mic = microphone
        self._level_cbs: list[LevelCallback] = []
        self._level_peak = vad.SILENT_DB
        self._level_at = 0.0
        self.recogniser.on_result(self._heard)
        self.recogniser.on_state(self._on_recogniser_state)

    def open(self) -> ListenerState:
        """Start everything; never raises. Returns the resulting state (reason if off)."""
        if not self.settings.enabled:
            return self._set_state(ListenStatus.OFF, "voice input is turned off in Settings")
        if self._want_mic:
            problem = microphone_problem(self.settings.device)
            if problem is not None:
                return self._set_state(ListenStatus.UNAVAILABLE, problem)
        if not self.recogniser.start():
            return self._set_state(ListenStatus.FAILED, self.recogniser.state.reason)
        if self._want_mic:
            problem = self._open_stream()
            if problem is not None:
                self.recogniser.close()
                return self._set_state(ListenStatus.UNAVAILABLE, problem)
        if self.expecting is not None and not self._speaking:
            self.recogniser.expect(self.expecting)  # start() may have come before open()
        return self._set_state(ListenStatus.OK, "")

    def open_in_background(self) -> threading.Thread:
        """`open` on a worker thread (loading the model takes about a second); the outcome
        arrives through `on_state` callbacks."""
        thread = threading.Thread(target=self.open, name="asr-open", daemon=True)
        thread.start()
        return thread

    def _open_stream(self) -> str | None:
        try:
            import sounddevice as sd

            def callback(indata: Any, frames: int, t: Any, status: Any) -> None:
                stamp = time.monotonic() - frames / SAMPLE_RATE
                data = bytes(indata)
                self._report_level(data, stamp)
                self.feed(data, stamp)

            self._stream = sd.RawInputStream(samplerate=SAMPLE_RATE, channels=1,
                                             dtype="int16", blocksize=FRAME_BYTES // 2,
                                             device=self.settings.device, callback=callback)
            self._stream.start()
        except (ImportError, OSError, ValueError) as exc:
            return f"could not open the microphone: {exc}"
        return None

    # -- Listener ------------------------------------------------------------------------------
    def start(self, expecting: Expecting) -> None:
        self.expecting = expecting
        self.recogniser.expect(None if self._speaking else expecting)

    def stop(self) -> None:
        self.expecting = None
        self.recogniser.expect(None)

    def set_speaking(self, speaking: bool) -> None:
        """The app started/stopped talking. While it talks nothing is heard at all.

        Why not keep listening for "stop" while speaking: the prompts themselves say "all
        clear" and "stop" ("Say all clear, or say stop"), and without echo cancellation the
        app would answer its own questions. Keys stay live throughout, and listening resumes
        the moment a prompt ends, so a spoken stop waits at most one short prompt.
        """
        self._speaking = speaking
        self._guard_audio = []
        if speaking:
            self.recogniser.expect(None)  # drops any half-heard utterance
        else:
            self._muted_until = time.monotonic() + ECHO_GUARD
            self.recogniser.expect(self.expecting)

    def feed(self, data: bytes, stamp: float | None = None) -> None:
        """Audio from the microphone, stamped with `time.monotonic()` of its first sample.

        Nothing is heard while the app speaks. In the ECHO_GUARD after it falls silent the
        room may still echo its last word, so that audio is not listened to at once; where
        no answer can move the session on (not at a check-in or its confirmation) it is kept
        and heard after all once the guard is over, and an utterance begun in it is
        `Heard.early` (the router lets only a stop, or a number that cannot be the echo of
        the question, act on it). A tester's "my chest hurts" said as a breathing
        cue ended lost "my" to the guard and was never acted on."""
        stamp = time.monotonic() if stamp is None else stamp
        if self.expecting is None or self._speaking:
            return
        if stamp < self._muted_until:
            if self.expecting not in (Expecting.CHECKIN, Expecting.CONFIRM):
                self._guard_audio.append((data, stamp))
            return
        held, self._guard_audio = self._guard_audio, []
        for early, at in held:
            self.recogniser.feed(early, at)
        self.recogniser.feed(data, stamp)

    def _heard(self, heard: Heard) -> None:
        around = heard.around
        began = heard.speech_end - (around.end - around.start) if around is not None \
            else heard.speech_end
        if began < self._muted_until:
            heard = replace(heard, early=True)
        super()._heard(heard)

    def on_noise(self, callback: NoiseCallback) -> None:
        """"Too noisy to listen" turned on or off (on the recogniser's reader thread)."""
        self.recogniser.on_noise(callback)

    def on_level(self, callback: LevelCallback) -> None:
        """The microphone's input level in dBFS, about LEVEL_EVERY s apart (on the audio
        thread; whether or not the app is listening)."""
        self._level_cbs.append(callback)

    def _report_level(self, data: bytes, stamp: float) -> None:
        if not self._level_cbs:
            return
        self._level_peak = max(self._level_peak, vad.level_db(
            np.frombuffer(data, dtype=np.int16)))
        if stamp - self._level_at < LEVEL_EVERY:
            return
        level, self._level_peak, self._level_at = self._level_peak, vad.SILENT_DB, stamp
        notify(self._level_cbs, level, "level")

    def close(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(Exception):  # PortAudio errors on teardown are moot
                self._stream.stop()
                self._stream.close()
            self._stream = None
        self.recogniser.close()
        if self.state.enabled:
            self._set_state(ListenStatus.OFF, "closed")

    # -- plumbing ------------------------------------------------------------------------------
    def _on_recogniser_state(self, state: ListenerState) -> None:
        if state.status is ListenStatus.FAILED:
            if self._stream is not None:
                with contextlib.suppress(Exception):
                    self._stream.stop()
            self._set_state(ListenStatus.FAILED, state.reason)

    def _set_state(self, status: ListenStatus, reason: str) -> ListenerState:
        if reason:
            log.info("voice input: %s (%s)", status.value, reason)
        return super()._set_state(status, reason)


# -- `companion listen`: the app's own path, from files or the microphone ------------------------
def listen_samples(ear: VoiceListener, data: bytes, expecting: Expecting,
                   timeout: float = 20.0) -> list[Heard]:
    """Everything an open `VoiceListener` (microphone=False) hears in these 16 kHz mono
    16-bit samples while `expecting`, exactly as in a session: the same recogniser process,
    endpointer, noise handling and grammar. Each call starts in a fresh room (what the
    previous file taught the endpointer about background talk is forgotten)."""
    with ear.collecting() as got:
        ear.stop()
        ear.recogniser.new_room()
        ear.start(expecting)
        data = data + bytes(int(FILE_TAIL * SAMPLE_RATE) * 2)
        t0 = time.monotonic()
        for i in range(0, len(data), FRAME_BYTES):
            ear.feed(data[i:i + FRAME_BYTES], t0 + i / (2 * SAMPLE_RATE))
        ear.recogniser.flush(timeout)
        ear.stop()
    return got


def load_samples(path: Path) -> bytes:
    """A WAV file as 16 kHz mono 16-bit samples (other rates, widths and channel counts are
    converted). Raises audio.BadWav with a plain reason for anything else."""
    from companion.voice.audio import BadWav
    from companion.voice.audio import read_wav as read_any

    if not path.is_file():
        raise BadWav(f"{path}: no such file")
    try:
        data = read_any(path, SAMPLE_RATE)
    except FileNotFoundError:
        raise BadWav(f"{path}: no such file") from None
    except OSError as exc:
        raise BadWav(f"{path}: {exc.strerror or exc}") from None
    return np.clip(np.round(data * 32768.0), -32768, 32767).astype("<i2").tobytes()
