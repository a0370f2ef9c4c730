"""The natural-voice helper process: owns Piper (onnxruntime) and renders one utterance per
request. Started only when Piper is the chosen engine, so the app itself never imports
onnxruntime nor holds a voice model in memory.

Runs as `python -m companion.voice._piper_helper` (it imports nothing else from the app). The
protocol is the speech helper's (`_tts_helper.py`): one JSON object per line on stdin, one
reply per line on the protocol stream; the first line is the hello (`ok`, `driver`).

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

import contextlib
import json
import os
import sys
import wave
from typing import Any

TEST_PHRASE = "Ready."
MIN_RATE, MAX_RATE = 8000, 48000
# Phonemizers that need nothing but the package (others need extra packages or download
# their models from the internet at first use, which Companion never does).
PHONEME_TYPES = ("espeak", "text")


class VoiceError(Exception):
    """The voice cannot be used; the message says why, in plain words."""


def _protocol_stream() -> Any:
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as we do
    return proto


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


def render(voices: Voices, req: dict[str, Any]) -> dict[str, Any]:
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
    proto = _protocol_stream()
    if hasattr(os, "nice"):  # rendering is background work: the GUI process comes first
        with contextlib.suppress(OSError):
            os.nice(5)

    def reply(**data: Any) -> None:
        proto.write(json.dumps(data, ensure_ascii=True) + "\n")
        proto.flush()

    try:
        import onnxruntime  # noqa: F401
        import piper  # noqa: F401
    except Exception as exc:  # not installed, or a broken install: "no engine", never a hang
        reply(ok=False, fatal=True, error=f"{type(exc).__name__}: {exc}")
        return 1
    voices = Voices()
    reply(ok=True, ready=True, driver="piper")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            cmd = req.get("cmd")
            if cmd == "render":
                reply(**render(voices, req))
            elif cmd == "check":
                voice = voices.get(req["voice"])
                reply(ok=True, sample_rate=voice.config.sample_rate,
                      seconds=round(voices.test_seconds, 3))
            elif cmd == "voices":
                reply(ok=True, voices=[])  # the app lists voice files itself
            elif cmd == "quit":
                reply(ok=True)
                return 0
            else:
                reply(ok=False, error=f"unknown command {cmd!r}")
        except VoiceError as exc:
            reply(ok=False, voice_error=True,
                  error=f"the voice {os.path.basename(str(req.get('voice')))} cannot be "
                        f"used: {exc}")
        except Exception as exc:  # one bad request must not kill the helper
            reply(ok=False, error=f"{type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
