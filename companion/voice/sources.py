"""Audio for the recogniser: WAV files, raw samples fed in real time or at once, and the
microphone check.
"""

from __future__ import annotations

import logging
import time
import wave
from pathlib import Path

from companion.voice.decide import Expecting
from companion.voice.decoder import FILE_TAIL, FRAME_BYTES, FRAME_MS, SAMPLE_RATE
from companion.voice.heard import Heard
from companion.voice.recogniser import SphinxRecogniser


# -- audio sources ----------------------------------------------------------------------------
def read_wav(path: Path) -> bytes:
    """Samples of a 16 kHz mono 16-bit WAV (what scripts/make_asr_clips.py writes)."""
    with wave.open(str(path), "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (SAMPLE_RATE, 1, 2):
            raise ValueError(f"{path}: need 16 kHz mono 16-bit, got {w.getframerate()} Hz "
                             f"x{w.getnchannels()} {8 * w.getsampwidth()}-bit")
        return w.readframes(w.getnframes())


def feed_audio(recogniser: SphinxRecogniser, data: bytes, *, realtime: bool = False,
               tail: float = FILE_TAIL) -> None:
    """Push 16 kHz mono 16-bit samples through the recogniser as microphone-sized chunks,
    then `tail` seconds of silence (so the endpointer can see the end and the "all clear"
    hold can pass).

    `realtime` paces the chunks like a live microphone (for latency); otherwise it is as
    fast as the pipe allows.
    """
    data = data + bytes(int(tail * SAMPLE_RATE) * 2)
    t0 = time.monotonic()
    for i in range(0, len(data), FRAME_BYTES):
        stamp = t0 + i / (2 * SAMPLE_RATE)
        if realtime:
            delay = stamp + FRAME_MS / 1000.0 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        recogniser.feed(data[i:i + FRAME_BYTES], stamp)


def feed_wav(recogniser: SphinxRecogniser, path: Path, *, realtime: bool = False,
             tail: float = FILE_TAIL) -> None:
    """`feed_audio` with the samples of a WAV file (see read_wav)."""
    feed_audio(recogniser, read_wav(path), realtime=realtime, tail=tail)


def recognise_audio(recogniser: SphinxRecogniser, data: bytes, expecting: Expecting,
                    *, realtime: bool = False, timeout: float = 10.0,
                    room: bytes | None = None) -> list[Heard]:
    """Everything the recogniser heard in these samples while `expecting` (tests, bench,
    `companion listen`), in the order heard. `room`: the recogniser first forgets the
    room it knew and hears these samples as the background before the question.

    Only for a recogniser not otherwise in use: it briefly adds its own result callback.
    """
    with recogniser.collecting() as got:
        recogniser.expect(None)
        if room is not None:
            recogniser.new_room(room)
        recogniser.expect(expecting)
        feed_audio(recogniser, data, realtime=realtime)
        recogniser.flush(timeout)
    return got


def recognise_file(recogniser: SphinxRecogniser, path: Path, expecting: Expecting,
                   *, realtime: bool = False, timeout: float = 10.0) -> list[Heard]:
    """`recognise_audio` on a WAV file."""
    return recognise_audio(recogniser, read_wav(path), expecting, realtime=realtime,
                           timeout=timeout)


def microphone_problem(device: str | int | None = None) -> str | None:
    """Why a microphone cannot be used here, or None if one can."""
    try:
        import sounddevice as sd
    except ImportError:
        return "voice input needs the sounddevice package (pip install sounddevice)"
    except OSError as exc:  # raised when the PortAudio library itself is missing
        return f"voice input needs PortAudio (sudo apt-get install libportaudio2): {exc}"
    try:
        info = sd.query_devices(device, kind="input")
    except (ValueError, sd.PortAudioError) as exc:
        # PortAudio's own words ("Error querying device -1") say nothing to a person
        logging.getLogger(__name__).info("no input device: %s", exc)
        return "no microphone found"
    if not info or int(info.get("max_input_channels", 0)) < 1:
        return "no microphone found"
    try:
        sd.check_input_settings(device=device, channels=1, dtype="int16",
                                samplerate=SAMPLE_RATE)
    except (ValueError, sd.PortAudioError) as exc:
        return f"the microphone cannot record 16 kHz mono ({exc})"
    return None


