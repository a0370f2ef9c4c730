"""The recogniser's child process: the endpointer cuts utterances from the stream, each is
decoded with the grammar for what is expected (companion.voice.sphinx) and given a
confidence against the phone-loop yardstick (companion.voice.yardstick), and results that
may mean "all clear" are held until the answer is known to be finished (Qt-free; spawned by
companion.voice.recogniser).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from companion.voice import vad
from companion.voice.decide import ALL_CLEAR_PHRASES, CONFIRMABLE, Expecting
from companion.voice.sphinx import ALT_PRONS, PHONES, clean, complete, decode, jsgf, new_decoder
from companion.voice.yardstick import confidence_from_gap

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
# How long the recogniser waits for the yardstick's score before doing that decode itself.
YARDSTICK_TIMEOUT = 2.0
# Longer utterances are decoded here: a send this size always fits the pipe's buffer, so a
# stuck yardstick can never block the recogniser (utterances of a few words are ~1-3 s).
YARDSTICK_MAX_BYTES = 4 * SAMPLE_RATE * 2
# How far down the grammar's n-best list to look for the runner-up of "all clear".
N_BEST = 30
MAX_UTTERANCE = 12  # seconds of audio kept for one utterance
# Silence fed after a file's samples: the endpointer's wait plus the "all clear" hold.
FILE_TAIL = 0.8
# After the app stops speaking, ignore this much audio (room echo of its last word).
ECHO_GUARD = 0.25


class _Decoder:
    """Lives in the child: the VAD endpointer plus grammar searches per context."""

    def __init__(self, options: dict[str, Any], yardstick: Connection | None = None) -> None:
        self._np = np
        self._rng = np.random.default_rng(0)
        self.ps = new_decoder(options)
        self.yardstick = yardstick
        self.yardstick_ready = False
        alts = options.get("alt_prons", ALT_PRONS)
        for i, (word, phones) in enumerate(alts):
            self.ps.add_word(word, phones, i == len(alts) - 1)
        for ctx in Expecting:
            self.ps.add_jsgf_string(ctx.value, jsgf(ctx))
        self.ps.add_allphone_file(PHONES)  # the unconstrained yardstick for confidence
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
        self.ps.activate_search(name)
        hypstr, score = decode(self.ps, self._logmath, data)
        return clean(hypstr), score

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
                said, last = clean(nb.hypstr), self._logmath.log(nb.score)
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
            _, free = self._search(PHONES, data)
        shown: str | None = phrase
        if not complete(phrase, self.expecting) or score is None or free is None:
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


def decoder_main(cmd: Connection, res: Connection, options: dict[str, Any],
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


