"""Listening: the `Listener` interface, an offline pocketsphinx recogniser in its own
process, and the audio sources that feed it (microphone, WAV files).

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
import enum
import logging
import multiprocessing as mp
import os
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from companion.voice import vad
from companion.voice.decide import (
    ALL_CLEAR_PHRASES,
    CONFIRMABLE,
    TAKE_BACK_WORDS,
    Expecting,
    Surroundings,
    grammar_words,
)

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
FRAME_MS = 30
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * 2
# Real microphones always have a noise floor; pocketsphinx's noise estimate breaks down on
# exact digital zeros (measured: 47% -> 81% accuracy on clean synthetic clips), so the child
# adds a faint deterministic hiss of this standard deviation (in 16-bit units, about -70 dBFS).
NOISE_FLOOR = 8.0
# "All clear" (and its rivals, and "yes" to the confirmation question) is sent only after
# this much of the stream past its end: speech in that time ("all clear... no wait") means
# it was not a deliberate, finished answer (decide.py). The endpointer's own wait
# (vad.HANG_CHUNKS) is part of it.
ALL_CLEAR_HOLD = 0.35
# How often (in 32 ms chunks) the steady noise level is looked at for "It's noisy here".
NOISE_CHECK_CHUNKS = 16
# Decode the utterance with this much of the real audio either side of the endpoints (the
# recogniser needs some silence around a word), plus PAD of quiet floor beyond that.
ROLL = 0.15
ROLL_BEFORE = 0.15
PAD = 0.1
# Decoder settings, chosen on the tuning clips (scripts/make_asr_clips.py --set tune, 12
# voices x 3 rates, 720 clean command clips). topn: Gaussians scored per frame (pocketsphinx
# default 4); 16 gained about 1% over 8 at a third more decode time, which the parallel
# yardstick process pays for. warp_params: a frequency warp of 1.06 (a slightly shorter
# vocal tract than the model's average speaker) gained about 1.5%; 0.88-1.12 were tried.
DECODER_OPTIONS: dict[str, Any] = {"topn": 16, "warp_params": "1.06"}
# How long the recogniser waits for the yardstick's score before doing that decode itself.
YARDSTICK_TIMEOUT = 2.0
# Longer utterances are decoded here: a send this size always fits the pipe's buffer, so a
# stuck yardstick can never block the recogniser (utterances of a few words are ~1-3 s).
YARDSTICK_MAX_BYTES = 4 * SAMPLE_RATE * 2
# How far down the grammar's n-best list to look for the runner-up of "all clear".
N_BEST = 30
# Extra pronunciations (CMUdict has one each) for words said with a reduced or shifted vowel
# ("sev'n", "dawn" for done). Chosen on the tuning clips: command accuracy 0.81 -> 0.89.
ALT_PRONS: tuple[tuple[str, str], ...] = (
    ("seven(2)", "S EH V N"), ("seven(3)", "S EH V IH N"), ("seven(4)", "S AE V AH N"),
    ("seven(5)", "S EH M AH N"), ("seven(6)", "S EH V AH M"),
    ("nine(2)", "N AA N"), ("nine(3)", "N AY AH N"), ("nine(4)", "N AY M"),
    ("done(2)", "D AO N"), ("done(3)", "D AA N"),
    ("four(2)", "F OW R"), ("four(3)", "F AO"),
)
MAX_UTTERANCE = 12  # seconds of audio kept for one utterance
# Silence fed after a file's samples: the endpointer's wait plus the "all clear" hold.
FILE_TAIL = 0.8
# After the app stops speaking, ignore this much audio (room echo of its last word).
ECHO_GUARD = 0.25


class ListenStatus(enum.Enum):
    OK = "ok"
    OFF = "off"  # the user turned it off
    UNAVAILABLE = "unavailable"  # no sounddevice/PortAudio, no input device
    FAILED = "failed"  # the recogniser failed to start or died


@dataclass
class ListenerState:
    status: ListenStatus = ListenStatus.OK
    reason: str = ""
    noisy: bool = False  # too noisy to listen: "It's noisy here: please use the keys"

    @property
    def enabled(self) -> bool:
        return self.status is ListenStatus.OK


@dataclass(frozen=True)
class ListenSettings:
    """Settings > Voice input. Off means no microphone is opened at all."""

    enabled: bool = True
    device: str | int | None = None


@dataclass(frozen=True)
class Heard:
    """One utterance as recognised. `phrase` None: speech, but nothing in the grammar."""

    phrase: str | None
    confidence: float
    expecting: Expecting
    speech_end: float = 0.0  # time.monotonic() when the speech ended (parent's clock)
    decode_ms: float = 0.0
    received: float = field(default=0.0, compare=False)  # time.monotonic() in the parent
    # "all clear" only: how much it beat the best other phrase, per frame (decide.py).
    margin: float | None = None
    # How it was said (when, how long, talk around it); None: not known (then "all clear"
    # is not accepted).
    around: Surroundings | None = None
    # Stream seconds (from when listening started) at which the recogniser had its answer,
    # before decoding: the endpointer's wait, plus the hold for "all clear".
    at: float = 0.0


def heard_from(payload: dict[str, Any], received: float = 0.0) -> Heard:
    """A `Heard` from the recogniser process's result message."""
    around = None
    if "start" in payload:
        around = Surroundings(start=payload["start"], end=payload["end"],
                              background=payload["background"], at_open=payload["at_open"],
                              followed=payload["followed"],
                              speech_after=payload["speech_after"], snr_db=payload["snr_db"])
    return Heard(payload["phrase"], payload["confidence"], Expecting(payload["expecting"]),
                 payload["speech_end"], payload["decode_ms"], received,
                 payload.get("margin"), around, payload.get("at", 0.0))


@dataclass(frozen=True)
class NoiseReport:
    """Whether the room is too noisy for voice answers ("It's noisy here: please use the
    keys"), with the steady noise level (dBFS) and the last utterance's level above it."""

    noisy: bool
    noise_db: float
    snr_db: float | None


ResultCallback = Callable[[Heard], None]
StateCallback = Callable[[ListenerState], None]
NoiseCallback = Callable[[NoiseReport], None]
LevelCallback = Callable[[float], None]
LEVEL_EVERY = 0.1  # seconds between input-level reports (the loudest block since the last)


class Listener(Protocol):
    """What the session needs from an ear: listen for a context, stop, mute while speaking.

    `on_result` and `on_state` callbacks run on a background thread: marshal them to the GUI
    thread (a queued signal) before touching widgets or the engine.
    """

    state: ListenerState

    def start(self, expecting: Expecting) -> None: ...

    def stop(self) -> None: ...

    def set_speaking(self, speaking: bool) -> None: ...

    def on_result(self, callback: ResultCallback) -> None: ...

    def on_state(self, callback: StateCallback) -> None: ...

    def close(self) -> None: ...


# -- the recogniser process -------------------------------------------------------------------
def confidence_from_gap(gap_per_frame: float) -> float:
    """0..1 from how much worse the grammar's best path scores than free phone recognition
    of the same audio, per frame (0 = as good as unconstrained; -30 or worse = 0.0).

    A small grammar always returns *some* phrase; when the speech was something else, forcing
    it onto that phrase costs acoustic score that the free phone loop does not pay. Measured
    on the tuning clips: genuine "all clear" -16..-4, impostors heard as "all clear" -11 and
    below; correct numbers -26..-7, wrong ones -28..-12 (so numbers gain less from it).
    """
    return max(0.0, min(1.0, 1.0 + gap_per_frame / 30.0))


def _jsgf(expecting: Expecting) -> str:
    alts = " | ".join(grammar_words(expecting))
    if "all clear" in grammar_words(expecting):  # "all clear" taken back: never all clear
        alts += f" | all clear ({' | '.join(TAKE_BACK_WORDS)})+"
    return f"#JSGF V1.0;\ngrammar {expecting.value};\npublic <cmd> = {alts};\n"


def _complete(phrase: str, expecting: Expecting) -> bool:
    """Whether the grammar search ended on a whole phrase (not a partial path)."""
    if phrase in grammar_words(expecting):
        return True
    words = phrase.split()
    return phrase.startswith("all clear ") and "all clear" in grammar_words(expecting) \
        and all(w in TAKE_BACK_WORDS for w in words[2:])


def _clean(hypstr: str) -> str:
    words = [w for w in hypstr.split() if not w.startswith("<") and not w.startswith("[")]
    return " ".join(w.split("(")[0] for w in words)


class _Decoder:
    """Lives in the child: the VAD endpointer plus grammar searches per context."""

    def __init__(self, options: dict[str, Any], yardstick: Connection | None = None) -> None:
        from pocketsphinx import Decoder

        self._np = np
        self._rng = np.random.default_rng(0)
        kwargs: dict[str, Any] = {**DECODER_OPTIONS, "lm": None, "loglevel": "FATAL"}
        kwargs.update(options.get("decoder", {}))
        self.ps = Decoder(**kwargs)
        self.yardstick = yardstick
        self.yardstick_ready = False
        alts = options.get("alt_prons", ALT_PRONS)
        for i, (word, phones) in enumerate(alts):
            self.ps.add_word(word, phones, i == len(alts) - 1)
        for ctx in Expecting:
            self.ps.add_jsgf_string(ctx.value, _jsgf(ctx))
        self.ps.add_allphone_file("phones")  # the unconstrained yardstick for confidence
        self._logmath = self.ps.get_logmath()
        self.vad: vad.ProbabilityFn = options.get("vad") or vad.SileroProbability()
        self.hold = float(options.get("hold", ALL_CLEAR_HOLD))
        self.room = vad.Room()
        self.ep = vad.Endpointer(hold=self.hold, room=self.room)
        self.expecting: Expecting | None = None
        self.buf = bytearray()
        self.raw = bytearray()  # everything given to the endpointer since reset (bounded)
        self.raw_start = 0  # stream byte offset of raw[0]
        self.fed = 0  # stream bytes given to the endpointer since reset
        self.roll = float(options.get("roll", ROLL))
        self.roll_before = float(options.get("roll_before", ROLL_BEFORE))
        self.pad = float(options.get("pad", PAD))
        self.stream_t0: float | None = None
        self.waiting: list[tuple[vad.Utterance, dict[str, Any]]] = []  # held for the hold
        self.noisy = False
        self._noise_checked = 0

    def reset(self) -> None:
        self.ep = vad.Endpointer(hold=self.hold, room=self.room)
        reset = getattr(self.vad, "reset", None)
        if reset is not None:
            reset()
        self.buf.clear()
        self.raw.clear()
        self.raw_start = 0
        self.fed = 0
        self.stream_t0 = None
        self.waiting.clear()

    def expect(self, expecting: Expecting | None) -> None:
        if expecting is not self.expecting:
            self.reset()
        self.expecting = expecting

    def feed(self, data: bytes, stamp: float) -> list[tuple[str, dict[str, Any]]]:
        """`stamp`: parent monotonic time at which the first sample of `data` was captured.
        Returns messages for the parent: ("result", ...) and ("noise", ...)."""
        if self.expecting is None:
            return []
        np = self._np
        if self.stream_t0 is None:
            self.stream_t0 = stamp - len(self.buf) / (2 * SAMPLE_RATE)
        self.buf += data
        out: list[tuple[str, dict[str, Any]]] = []
        n = vad.CHUNK * 2
        while len(self.buf) >= n:
            frame, self.buf = bytes(self.buf[:n]), self.buf[n:]
            self._keep(frame)
            chunk = np.frombuffer(frame, dtype=np.int16)
            for u in self.ep.step(self.vad(chunk), vad.level_db(chunk), chunk):
                result = self._decode(u)
                if self._held(result["phrase"]):
                    self.waiting.append((u, result))  # sent once its hold has passed
                else:
                    out.append(("result", result))
                out += self._noise_news(u.snr_db)
            out += self._settled(self.ep.settle())
            if self.ep.chunks - self._noise_checked >= NOISE_CHECK_CHUNKS:
                self._noise_checked = self.ep.chunks
                out += self._noise_news(None)
        return out

    def _held(self, phrase: str | None) -> bool:
        """Whether a result waits for ALL_CLEAR_HOLD before it is sent: whatever may count
        as all clear, at once or through the confirmation question, must be known to be
        a finished answer (decide.Surroundings.followed); everything else (a stop word
        first of all) goes out at once."""
        if self.expecting is Expecting.CONFIRM and phrase == "yes":
            return True
        return self.expecting in (Expecting.CHECKIN, Expecting.CONFIRM) \
            and phrase in CONFIRMABLE

    def learn_room(self, data: bytes) -> None:
        """Hear the room without listening for answers (bench and tests: the background
        before the question)."""
        np = self._np
        n = vad.CHUNK * 2
        for i in range(0, len(data) - n + 1, n):
            chunk = np.frombuffer(data[i:i + n], dtype=np.int16)
            self.room.hear(self.vad(chunk), vad.level_db(chunk), chunk)

    def _settled(self, done: list[vad.Utterance]) -> list[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        for u in done:
            for held in [w for w in self.waiting if w[0] is u]:
                self.waiting.remove(held)
                held[1].update(_around(u), at=round(self.ep.chunks * vad.CHUNK_S, 3))
                out.append(("result", held[1]))
        return out

    def _noise_news(self, snr_db: float | None) -> list[tuple[str, dict[str, Any]]]:
        noisy = vad.too_noisy(self.ep.noise_db, snr_db, self.noisy)
        if noisy is self.noisy:
            return []
        self.noisy = noisy
        return [("noise", {"noisy": noisy, "noise_db": round(self.ep.noise_db, 1),
                           "snr_db": None if snr_db is None else round(snr_db, 1)})]

    def _keep(self, frame: bytes) -> None:
        self.raw += frame
        self.fed += len(frame)
        excess = len(self.raw) - MAX_UTTERANCE * SAMPLE_RATE * 2
        if excess > 0:
            del self.raw[:excess]
            self.raw_start += excess

    def _segment(self, start: float, end: float) -> bytes:
        """Raw audio from `start - roll` to `end + roll` (stream seconds), as far as kept."""
        a = max(0, int((start - self.roll_before) * SAMPLE_RATE) * 2 - self.raw_start)
        b = max(a, int((end + self.roll) * SAMPLE_RATE) * 2 - self.raw_start)
        return bytes(self.raw[a:b])

    def flush(self) -> list[tuple[str, dict[str, Any]]]:
        """End of the stream: an utterance still going on ends here; held results go out
        (as followed: what came after is not known)."""
        out: list[tuple[str, dict[str, Any]]] = []
        if self.ep.in_speech:
            for u in self.ep.finish():
                result = self._decode(u)
                if self._held(result["phrase"]):
                    self.waiting.append((u, result))
                else:
                    out.append(("result", result))
        out += self._settled(self.ep.settle(final=True))
        self.reset()
        return out

    def _search(self, name: str, data: bytes) -> tuple[str, float | None]:
        ps = self.ps
        ps.activate_search(name)
        ps.start_utt()
        ps.process_raw(data, full_utt=True)
        ps.end_utt()
        hyp = ps.hyp()
        if hyp is None:
            return "", None
        # pocketsphinx 5 hands scores back as logmath.exp(score); undo it.
        score = self._logmath.log(hyp.score) if hyp.score > 0 else None
        return _clean(hyp.hypstr), score

    def _ask_yardstick(self, data: bytes) -> bool:
        """Start the free phone decode of `data` in the yardstick process (in parallel with
        the grammar decode here). False if there is no working yardstick yet (still loading,
        failed) or the utterance is too long to send without risk of blocking."""
        conn = self.yardstick
        if conn is None:
            return False
        if not self.yardstick_ready:
            try:
                if not conn.poll(0):
                    return False  # still loading its model: decode here this time
                self.yardstick_ready = conn.recv() == "ready"
            except (EOFError, OSError):
                self.yardstick_ready = False
            if not self.yardstick_ready:
                log.warning("the yardstick process failed to start; decoding without it")
                self.yardstick = None
                return False
        if len(data) > YARDSTICK_MAX_BYTES:
            return False
        try:
            conn.send_bytes(data)
        except (OSError, ValueError):
            self.yardstick = None
            return False
        return True

    def _yardstick_answer(self) -> tuple[bool, float | None]:
        """(True, the yardstick's score), or (False, None) if it has died or hung; then this
        process decodes the phone loop itself from now on (slower; the score differs only
        by what each decoder's noise estimate has heard before, within 0.02 confidence)."""
        conn = self.yardstick
        assert conn is not None
        try:
            if conn.poll(YARDSTICK_TIMEOUT):
                score: float | None = conn.recv()
                return True, score
        except (EOFError, OSError):
            pass
        log.warning("the yardstick process did not answer; decoding without it")
        self.yardstick = None
        with contextlib.suppress(OSError):
            conn.close()
        return False, None

    def _rival_margin(self, phrase: str, frames: int) -> float:
        """How much better `phrase` scored than the best different phrase of the grammar,
        per frame, from the n-best list of the search just run. When no rival made the list
        its last entry gives a lower bound; 0.0 when it cannot be told (then "all clear" is
        not accepted). Never raises: this runs inside the recogniser's loop."""
        own: float | None = None
        last: float | None = None
        try:
            for i, nb in enumerate(self.ps.nbest() or ()):
                if i >= N_BEST or nb.score <= 0:
                    break
                said, last = _clean(nb.hypstr), self._logmath.log(nb.score)
                if said == phrase:
                    own = last if own is None else own
                elif said:
                    return (own - last) / frames if own is not None else 0.0
        except Exception:  # no lattice, odd n-best entry: fail safe (ask again)
            log.warning("n-best list unavailable", exc_info=True)
            return 0.0
        return (own - last) / frames if own is not None and last is not None else 0.0

    def _decode(self, u: vad.Utterance) -> dict[str, Any]:
        assert self.expecting is not None
        np = self._np
        t = time.perf_counter()
        raw = self._segment(u.start, u.end)
        audio = vad.denoise(np.frombuffer(raw, dtype=np.int16).astype(np.float64),
                            self.room.noise_psd).astype(np.float32)
        pad = np.zeros(int(self.pad * SAMPLE_RATE), dtype=np.float32)
        audio = np.concatenate([pad, audio, pad])
        audio += self._rng.normal(0.0, NOISE_FLOOR, audio.shape).astype(np.float32)
        data = np.clip(audio, -32768, 32767).astype(np.int16).tobytes()
        asked = self._ask_yardstick(data)
        phrase, score = self._search(self.expecting.value, data)
        frames = max(1, self.ps.n_frames())
        margin = self._rival_margin(phrase, frames) if phrase in ALL_CLEAR_PHRASES else None
        answered, free = self._yardstick_answer() if asked else (False, None)
        if not answered:
            _, free = self._search("phones", data)
        shown: str | None = phrase
        if not _complete(phrase, self.expecting) or score is None or free is None:
            conf, shown = 0.0, None  # partial path (grammar not finished) or nothing
        else:
            conf = confidence_from_gap((score - free) / frames)
        t0 = self.stream_t0 or 0.0
        return {"phrase": shown, "confidence": conf, "expecting": self.expecting.value,
                "speech_end": t0 + u.end, "margin": margin,
                "decode_ms": (time.perf_counter() - t) * 1000.0,
                "at": round(self.ep.chunks * vad.CHUNK_S, 3), **_around(u)}


def _around(u: vad.Utterance) -> dict[str, Any]:
    """What the endpointer knows about an utterance, for decide.Surroundings."""
    return {"start": round(u.start, 3), "end": round(u.end, 3),
            "background": round(u.background, 3), "at_open": u.at_open,
            "followed": u.followed, "speech_after": round(u.speech_after, 3),
            "snr_db": round(u.snr_db, 1)}


def _phone_decoder(options: dict[str, Any]) -> Any:
    """A decoder with only the free phone loop, configured like the grammar decoder (the
    confidence is the gap between the two scores, so both must see the same features)."""
    from pocketsphinx import Decoder

    kwargs: dict[str, Any] = {**DECODER_OPTIONS, "lm": None, "loglevel": "FATAL"}
    kwargs.update(options.get("decoder", {}))
    ps = Decoder(**kwargs)
    ps.add_allphone_file("phones")
    ps.activate_search("phones")
    return ps


def _yardstick_main(conn: Connection, options: dict[str, Any]) -> None:
    """Entry point of the yardstick process: utterance audio in, free phone-loop score out.

    Why a second process: the two decodes of an utterance are independent, and run side by
    side on two cores the answer arrives after the slower of them rather than after both.
    """
    try:
        ps = _phone_decoder(options)
        logmath = ps.get_logmath()
    except Exception as exc:  # the recogniser process falls back to decoding this itself
        with contextlib.suppress(OSError, ValueError):
            conn.send(f"failed: {type(exc).__name__}: {exc}")
        return
    conn.send("ready")
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        ps.start_utt()
        ps.process_raw(data, full_utt=True)
        ps.end_utt()
        hyp = ps.hyp()
        score = logmath.log(hyp.score) if hyp is not None and hyp.score > 0 else None
        try:
            conn.send(score)
        except (OSError, ValueError):
            return


def _child_main(cmd: Connection, res: Connection, options: dict[str, Any],
                yardstick: Connection | None = None) -> None:
    """Entry point of the recogniser process: commands in, results out, until told to stop."""
    try:
        dec = _Decoder(options, yardstick)
    except Exception as exc:  # report any start-up failure as a reason, then exit
        res.send(("error", f"speech recogniser failed to start: {type(exc).__name__}: {exc}"))
        return
    res.send(("ready", None))
    while True:
        try:
            msg = cmd.recv()
        except EOFError:
            return
        kind = msg[0]
        if kind == "quit":
            return
        if kind == "expect":
            dec.expect(Expecting(msg[1]) if msg[1] is not None else None)
            continue
        if kind == "crash":  # test hook: behave like a native crash in the decoder
            os._exit(3)
        if kind == "forget":  # a different room (bench, tests): optionally hear it first
            dec.room.forget()
            dec.learn_room(msg[1])
            continue
        news = dec.feed(msg[1], msg[2]) if kind == "audio" else dec.flush()
        for item in news:
            res.send(item)
        if kind == "flush":
            res.send(("flushed", None))


class SphinxRecogniser:
    """Owns the recogniser process and the reader thread that delivers its results."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.state = ListenerState(ListenStatus.OFF, "not started")
        self._options = options or {}
        self._result_cbs: list[ResultCallback] = []
        self._state_cbs: list[StateCallback] = []
        self._noise_cbs: list[NoiseCallback] = []
        self.noise = NoiseReport(False, vad.SILENT_DB, None)
        self._flushed = threading.Event()
        self._lock = threading.Lock()
        self._proc: Any = None
        self._cmd: Connection | None = None
        self._res: Connection | None = None
        self._reader: threading.Thread | None = None
        self._yardstick: Any = None
        self._closing = False

    def on_result(self, callback: ResultCallback) -> None:
        self._result_cbs.append(callback)

    def on_state(self, callback: StateCallback) -> None:
        self._state_cbs.append(callback)

    def on_noise(self, callback: NoiseCallback) -> None:
        """Called (on the reader thread) when "too noisy to listen" turns on or off."""
        self._noise_cbs.append(callback)

    def start(self, timeout: float = 20.0) -> bool:
        """Start the child and wait until its models are loaded. False: see `state.reason`."""
        # "spawn" re-runs the interpreter (or a frozen build's executable, which answers
        # through multiprocessing.freeze_support() at the top of companion.cli.main)
        ctx = mp.get_context("spawn")
        cmd_r, cmd_w = ctx.Pipe(duplex=False)
        res_r, res_w = ctx.Pipe(duplex=False)
        near: Connection | None = None
        if self._options.get("parallel", (os.cpu_count() or 1) > 1):
            near, far = ctx.Pipe(duplex=True)
            try:
                self._yardstick = ctx.Process(target=_yardstick_main,
                                              args=(far, self._options),
                                              name="companion-asr-yardstick", daemon=True)
                self._yardstick.start()
            except OSError:  # the recogniser works without it, only slower
                log.warning("could not start the yardstick process", exc_info=True)
                self._yardstick, near = None, None
            far.close()
        try:
            proc = ctx.Process(target=_child_main, args=(cmd_r, res_w, self._options, near),
                               name="companion-asr", daemon=True)
            proc.start()
        except OSError as exc:
            self._set_state(ListenStatus.FAILED, f"could not start the recogniser: {exc}")
            return False
        finally:
            if near is not None:
                near.close()
        cmd_r.close()
        res_w.close()
        self._proc, self._cmd, self._res = proc, cmd_w, res_r
        ready = wait([res_r, proc.sentinel], timeout)
        if res_r not in ready:
            self._fail("the speech recogniser did not start" if not ready
                       else f"the speech recogniser exited (code {proc.exitcode})")
            return False
        try:
            kind, payload = res_r.recv()
        except EOFError:
            kind, payload = "error", f"the speech recogniser exited (code {proc.exitcode})"
        if kind != "ready":
            self._fail(str(payload))
            return False
        self._set_state(ListenStatus.OK, "")
        self._reader = threading.Thread(target=self._read, name="asr-reader", daemon=True)
        self._reader.start()
        return True

    def _read(self) -> None:
        assert self._res is not None and self._proc is not None
        while True:
            try:
                ready = wait([self._res, self._proc.sentinel])
                if self._res in ready:
                    kind, payload = self._res.recv()
                elif not self._closing:
                    raise EOFError
                else:
                    return
            except (EOFError, OSError):
                if not self._closing:
                    code = self._proc.exitcode
                    self._fail(f"the speech recogniser stopped unexpectedly (exit code {code})")
                self._flushed.set()
                return
            if kind == "result":
                heard = heard_from(payload, time.monotonic())
                for cb in list(self._result_cbs):
                    try:
                        cb(heard)
                    except Exception:  # a failing consumer must not kill the reader
                        log.exception("listener result callback failed")
            elif kind == "noise":
                report = NoiseReport(bool(payload["noisy"]), float(payload["noise_db"]),
                                     payload.get("snr_db"))
                self.noise = report
                for ncb in list(self._noise_cbs):
                    try:
                        ncb(report)
                    except Exception:
                        log.exception("listener noise callback failed")
            elif kind == "flushed":
                self._flushed.set()

    def _send(self, msg: tuple[Any, ...]) -> None:
        if self._cmd is None or not self.state.enabled:
            return
        try:
            with self._lock:
                self._cmd.send(msg)
        except (OSError, ValueError) as exc:
            self._fail(f"the speech recogniser stopped unexpectedly ({exc})")

    def expect(self, expecting: Expecting | None) -> None:
        self._send(("expect", expecting.value if expecting is not None else None))

    def feed(self, data: bytes, stamp: float | None = None) -> None:
        """16 kHz mono 16-bit little-endian samples; `stamp` = capture time of the first."""
        self._send(("audio", data, time.monotonic() if stamp is None else stamp))

    def flush(self, timeout: float = 10.0) -> bool:
        """End the current utterance now (decode it) and wait until that is done."""
        self._flushed.clear()
        self._send(("flush",))
        return self._flushed.wait(timeout) and self.state.enabled

    def new_room(self, background: bytes = b"") -> None:
        """Forget what was learnt about the room's background talk and noise, then hear
        `background` (16 kHz mono 16-bit samples of the room before the question)."""
        self._send(("forget", background))

    def crash_for_test(self) -> None:
        self._send(("crash",))

    def _set_state(self, status: ListenStatus, reason: str) -> None:
        self.state = ListenerState(status, reason)
        for cb in list(self._state_cbs):
            try:
                cb(self.state)
            except Exception:
                log.exception("listener state callback failed")

    def _stop_yardstick(self) -> None:
        """It exits by itself once the recogniser's end of its pipe closes; make sure."""
        if self._yardstick is not None:
            self._yardstick.join(3.0)
            if self._yardstick.is_alive():
                self._yardstick.kill()
                self._yardstick.join(3.0)

    def _fail(self, reason: str) -> None:
        log.warning("voice input turned off: %s", reason)
        self._set_state(ListenStatus.FAILED, reason)
        self._flushed.set()

    def close(self) -> None:
        self._closing = True
        if self._cmd is not None:
            with contextlib.suppress(OSError, ValueError), self._lock:
                self._cmd.send(("quit",))
        if self._proc is not None:
            self._proc.join(3.0)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(3.0)
        self._stop_yardstick()
        for conn in (self._cmd, self._res):
            if conn is not None:
                conn.close()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(3.0)
        if self._reader is None or not self._reader.is_alive():
            for proc in (self._proc, self._yardstick):
                if proc is not None and not proc.is_alive():
                    proc.close()  # frees its descriptors now, not at garbage collection
        if self.state.enabled:
            self._set_state(ListenStatus.OFF, "closed")


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
    got: list[Heard] = []
    recogniser.on_result(got.append)
    try:
        recogniser.expect(None)
        if room is not None:
            recogniser.new_room(room)
        recogniser.expect(expecting)
        feed_audio(recogniser, data, realtime=realtime)
        recogniser.flush(timeout)
    finally:
        recogniser._result_cbs.remove(got.append)
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
        return f"no microphone found ({exc})"
    if not info or int(info.get("max_input_channels", 0)) < 1:
        return "no microphone found"
    try:
        sd.check_input_settings(device=device, channels=1, dtype="int16",
                                samplerate=SAMPLE_RATE)
    except (ValueError, sd.PortAudioError) as exc:
        return f"the microphone cannot record 16 kHz mono ({exc})"
    return None


class VoiceListener:
    """The `Listener` the app uses: a recogniser plus (optionally) a microphone stream.

    Audio is forwarded only while listening and not while the app is speaking; see
    `set_speaking`. With `microphone=False` nothing is opened and audio comes from `feed`
    (tests, bench).
    """

    def __init__(self, settings: ListenSettings | None = None, *, microphone: bool = True,
                 recogniser: SphinxRecogniser | None = None) -> None:
        self.settings = settings or ListenSettings()
        self.state = ListenerState(ListenStatus.OFF, "not started")
        self.recogniser = recogniser or SphinxRecogniser()
        self.expecting: Expecting | None = None
        self._speaking = False
        self._muted_until = 0.0
        self._stream: Any = None
        self._want_mic = microphone
        self._result_cbs: list[ResultCallback] = []
        self._state_cbs: list[StateCallback] = []
        self._level_cbs: list[LevelCallback] = []
        self._level_peak = vad.SILENT_DB
        self._level_at = 0.0
        self.recogniser.on_result(self._on_heard)
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
        if speaking:
            self.recogniser.expect(None)  # drops any half-heard utterance
        else:
            self._muted_until = time.monotonic() + ECHO_GUARD
            self.recogniser.expect(self.expecting)

    def feed(self, data: bytes, stamp: float | None = None) -> None:
        stamp = time.monotonic() if stamp is None else stamp
        if self.expecting is None or self._speaking or stamp < self._muted_until:
            return
        self.recogniser.feed(data, stamp)

    def on_result(self, callback: ResultCallback) -> None:
        self._result_cbs.append(callback)

    def on_state(self, callback: StateCallback) -> None:
        self._state_cbs.append(callback)

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
        for cb in list(self._level_cbs):
            try:
                cb(level)
            except Exception:
                log.exception("level callback failed")

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
    def _on_heard(self, heard: Heard) -> None:
        for cb in list(self._result_cbs):
            cb(heard)

    def _on_recogniser_state(self, state: ListenerState) -> None:
        if state.status is ListenStatus.FAILED:
            if self._stream is not None:
                with contextlib.suppress(Exception):
                    self._stream.stop()
            self._set_state(ListenStatus.FAILED, state.reason)

    def _set_state(self, status: ListenStatus, reason: str) -> ListenerState:
        self.state = ListenerState(status, reason)
        if reason:
            log.info("voice input: %s (%s)", status.value, reason)
        for cb in list(self._state_cbs):
            try:
                cb(self.state)
            except Exception:
                log.exception("listener state callback failed")
        return self.state


# -- `companion listen`: the app's own path, from files or the microphone ------------------------
def listen_samples(ear: VoiceListener, data: bytes, expecting: Expecting,
                   timeout: float = 20.0) -> list[Heard]:
    """Everything an open `VoiceListener` (microphone=False) hears in these 16 kHz mono
    16-bit samples while `expecting`, exactly as in a session: the same recogniser process,
    endpointer, noise handling and grammar. Each call starts in a fresh room (what the
    previous file taught the endpointer about background talk is forgotten)."""
    got: list[Heard] = []
    ear.on_result(got.append)
    try:
        ear.stop()
        ear.recogniser.new_room()
        ear.start(expecting)
        data = data + bytes(int(FILE_TAIL * SAMPLE_RATE) * 2)
        t0 = time.monotonic()
        for i in range(0, len(data), FRAME_BYTES):
            ear.feed(data[i:i + FRAME_BYTES], t0 + i / (2 * SAMPLE_RATE))
        ear.recogniser.flush(timeout)
        ear.stop()
    finally:
        ear._result_cbs.remove(got.append)
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
