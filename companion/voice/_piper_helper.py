"""The natural-voice helper process: owns Piper (onnxruntime) and renders one utterance per
request. Started only when Piper is the chosen engine, so the app itself never imports
onnxruntime nor holds a voice model in memory.

Runs as `python -m companion.voice._piper_helper` (it imports nothing else from the app but
its request loop). The request loop and protocol are the speech helper's
(`_helper_loop.serve`): one JSON object per line on stdin, one reply per line on the
protocol stream; the first line is the hello (`ok`, `driver`).

- `{"cmd": "render", "text", "voice": MODEL.onnx, "rate": LENGTH_SCALE_PERCENT, "out"}`
  writes a 16-bit mono WAV at the voice's own sample rate; `rate` 100 is the voice's own
  pace, 120 is 20 % slower.
- `{"cmd": "check", "voice": MODEL.onnx}` loads the voice (if it is not loaded yet) and
  answers with its `sample_rate` and the length of its test render.
- `{"cmd": "quit"}`.

Every voice is checked when it loads: its config (NAME.onnx.json) is read, its sample rate
must be sane, and a test phrase must render to audible samples at that rate. A voice that
fails is not kept, and every request for it answers with the reason.
"""

from __future__ import annotations

import json
import os
import sys
import wave
from typing import Any

from companion.voice._helper_loop import Handler, Reply, Request, serve

TEST_PHRASE = "Ready."
MIN_RATE, MAX_RATE = 8000, 48000
# Phonemizers that need nothing but the package (others need extra packages or download
# their models from the internet at first use, which Companion never does).
PHONEME_TYPES = ("espeak", "text")


class VoiceError(Exception):
    """The voice cannot be used; the message says why, in plain words."""


def threads() -> int:
    """onnxruntime threads: leave one core to the app's GUI (at least one, at most 4)."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


class Voices:
    """The loaded voice (one at a time: a medium voice holds about 100 MB)."""

    def __init__(self) -> None:
        self.path = ""
        self.voice: Any = None
        self.test_seconds = 0.0
        self.failed: dict[str, str] = {}

    def get(self, path: str) -> Any:
        if path == self.path and self.voice is not None:
            return self.voice
        if path in self.failed:
            raise VoiceError(self.failed[path])
        self.voice = None
        self.path = ""
        try:
            voice, seconds = self._load(path)
        except VoiceError as exc:
            self.failed[path] = str(exc)
            raise
        self.voice, self.path, self.test_seconds = voice, path, seconds
        return voice

    def _load(self, path: str) -> tuple[Any, float]:
        import numpy as np
        import onnxruntime
        from piper import PiperVoice, SynthesisConfig
        from piper.config import PiperConfig

        name = os.path.basename(path)
        config_path = path + ".json"
        try:
            with open(config_path, encoding="utf-8") as f:
                raw = json.load(f)
            config = PiperConfig.from_dict(raw)
        except OSError as exc:
            raise VoiceError(f"its config {os.path.basename(config_path)} cannot be read "
                             f"({exc.strerror or exc})") from exc
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VoiceError(f"its config {os.path.basename(config_path)} is not a Piper "
                             f"voice config ({type(exc).__name__}: {exc})") from exc
        if not isinstance(config.sample_rate, int) or not MIN_RATE <= config.sample_rate \
                <= MAX_RATE:
            raise VoiceError(f"its config gives no usable sample rate "
                             f"({config.sample_rate!r})")
        if config.phoneme_type.value not in PHONEME_TYPES:
            raise VoiceError(f"it uses {config.phoneme_type.value} phonemes, which need more "
                             "than Companion installs")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads()
        options.inter_op_num_threads = 1
        try:
            session = onnxruntime.InferenceSession(path, sess_options=options,
                                                   providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own types for a bad model
            raise VoiceError(f"{name} is not a model onnxruntime can load "
                             f"({type(exc).__name__}: {exc})") from exc
        voice = PiperVoice(config=config, session=session)
        try:
            chunks = list(voice.synthesize(TEST_PHRASE, SynthesisConfig()))
        except Exception as exc:
            raise VoiceError(f"its test render failed ({type(exc).__name__}: {exc})") from exc
        if not chunks:
            raise VoiceError("its test render gave no audio")
        samples = np.concatenate([c.audio_float_array for c in chunks])
        if any(c.sample_rate != config.sample_rate for c in chunks):
            raise VoiceError("its test render came out at another sample rate than its config's")
        if samples.size == 0 or float(np.max(np.abs(samples))) < 0.01:
            raise VoiceError("its test render was silent")
        return voice, samples.size / config.sample_rate


def render(voices: Voices, req: Request) -> Reply:
    from piper import SynthesisConfig

    voice = voices.get(req["voice"])
    scale = min(4.0, max(0.25, int(req.get("rate", 100)) / 100.0))
    own = float(getattr(voice.config, "length_scale", 1.0) or 1.0)
    chunks = list(voice.synthesize(req["text"], SynthesisConfig(length_scale=own * scale)))
    if not chunks:
        return {"ok": False, "error": "nothing to say (no speakable words)"}
    with wave.open(req["out"], "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(chunks[0].sample_rate)
        for chunk in chunks:
            w.writeframes(chunk.audio_int16_bytes)
    return {"ok": True, "out": req["out"]}


def main(argv: list[str]) -> int:
    def start() -> tuple[str, dict[str, Handler]]:
        import onnxruntime  # noqa: F401 - not installed or a broken install: "no engine"
        import piper  # noqa: F401

        voices = Voices()

        def check(req: Request) -> Reply:
            voice = voices.get(req["voice"])
            return {"ok": True, "sample_rate": voice.config.sample_rate,
                    "seconds": round(voices.test_seconds, 3)}

        return "piper", {
            "render": lambda req: render(voices, req),
            "check": check,
            "voices": lambda _req: {"ok": True, "voices": []},  # the app lists voice files
        }

    return serve(start, _voice_failure)


def _voice_failure(exc: Exception, req: Request) -> Reply | None:
    """A voice that cannot be used says which voice and why (`voice_error`)."""
    if not isinstance(exc, VoiceError):
        return None
    return {"ok": False, "voice_error": True,
            "error": f"the voice {os.path.basename(str(req.get('voice')))} cannot be used: "
                     f"{exc}"}


if __name__ == "__main__":
    sys.exit(main(sys.argv))
