"""The recogniser as a process: SphinxRecogniser spawns the decoder child (and its
yardstick), feeds it audio, reads what it heard, restarts it when it dies.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from companion.voice import vad
from companion.voice.decide import Expecting
from companion.voice.decoder import decoder_main
from companion.voice.heard import (
    ListenStatus,
    NoiseCallback,
    NoiseReport,
    Reports,
    heard_from,
    notify,
)
from companion.voice.yardstick import yardstick_main

log = logging.getLogger(__name__)


class SphinxRecogniser(Reports):
    """Owns the recogniser process and the reader thread that delivers its results."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._options = options or {}
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
                self._yardstick = ctx.Process(target=yardstick_main,
                                              args=(far, self._options),
                                              name="companion-asr-yardstick", daemon=True)
                self._yardstick.start()
            except OSError:  # the recogniser works without it, only slower
                log.warning("could not start the yardstick process", exc_info=True)
                self._yardstick, near = None, None
            far.close()
        try:
            proc = ctx.Process(target=decoder_main, args=(cmd_r, res_w, self._options, near),
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
                self._heard(heard_from(payload, time.monotonic()))
            elif kind == "noise":
                report = NoiseReport(bool(payload["noisy"]), float(payload["noise_db"]),
                                     payload.get("snr_db"))
                self.noise = report
                notify(self._noise_cbs, report, "listener noise")
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


