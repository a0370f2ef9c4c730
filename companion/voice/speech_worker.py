"""The engine behind a queue: one worker thread drives one helper process, so the engine is
only ever used from one place, and a watchdog restarts a helper that does not answer in
time, once; then the engine counts as gone and the status says how to fix it. A render that
fails (no file, a file that cannot be read, silence) is never a silent success either: the
status says so until a later render works. `Synthesizer` (companion.voice.synth) is the
public face: its cache lookups, plans and voices come here only for what the engine must do.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from companion.voice.base import SpeakerState, VoiceStatus
from companion.voice.helper_process import EngineUnavailable, HelperProcess, SynthesisError
from companion.voice.speech_cache import SpeechCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Job:
    """One request on the worker's queue; `future` gets its answer or its error."""

    cmd: str
    text: str
    voice: str
    rate: int
    future: Future[Any]
    final: Path | None = None  # render: where the cache keeps the result


class SpeechWorker:
    """Requests to one speech helper process, on one worker thread (thread-safe).

    `command` starts the helper (`helper_process.helper_command`); what it renders is kept
    in `cache_dir` (`cache`: a `SpeechCache`); `fix` says how to get the engine working,
    shown by the status when the engine is gone or a render failed (the system engine's is
    `helper_process.install_hint`). A reply later than `start_timeout` (the hello) or
    `render_timeout` (a request) seconds counts as a stuck helper. `idle_exit`: seconds
    without a request after which the helper process is stopped (it starts again on the
    next request); None keeps it for the worker's life.
    """

    def __init__(self, command: list[str], cache_dir: Path, *, fix: Callable[[], str],
                 render_timeout: float, start_timeout: float, idle_exit: float | None) -> None:
        self._command = command
        self.cache = SpeechCache(cache_dir)
        self._fix = fix
        self.render_timeout = render_timeout
        self.start_timeout = start_timeout
        self.idle_exit = idle_exit
        self._state = SpeakerState()  # NO_ENGINE here: the engine is gone (no retries)
        self._render_error = ""  # the last render failed (retried on the next request)
        self._state_lock = threading.Lock()
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._helper: HelperProcess | None = None
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self._closed = False

    @property
    def state(self) -> SpeakerState:
        """OK; or NO_ENGINE with what failed and the fix, when the engine is gone or the
        last render failed (the voice banner shows either)."""
        with self._state_lock:
            if self._state.status is VoiceStatus.OK and self._render_error:
                return SpeakerState(VoiceStatus.NO_ENGINE,
                                    f"Speech could not be rendered ({self._render_error}).",
                                    self._fix())
            return replace(self._state)

    @property
    def available(self) -> bool:
        """The engine is worth asking (running, or not tried yet). A failed render alone
        does not make it unavailable: the next request tries again."""
        with self._state_lock:
            return self._state.status is VoiceStatus.OK

    def _rendered(self, error: str) -> None:
        with self._state_lock:
            changed = error != self._render_error
            self._render_error = error
        if changed and error:
            log.warning("speech render failed: %s", error)

    def _set_unavailable(self, message: str) -> None:
        with self._state_lock:
            self._state = SpeakerState(VoiceStatus.NO_ENGINE, message, self._fix())
        log.warning("speech engine unavailable: %s", message)

    def reset(self) -> None:
        """Forget a NO_ENGINE verdict so the next request tries again (after a fix)."""
        with self._state_lock:
            self._state = SpeakerState()
            self._render_error = ""

    def close(self) -> None:
        """Stop the worker and the helper (waits briefly; safe to call twice)."""
        with self._thread_lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._jobs.put(None)
            thread.join(timeout=5)
        if self._helper is not None:
            self._helper.kill()
            self._helper = None

    def _submit(self, cmd: str, text: str = "", voice: str = "", rate: int = 0,
                final: Path | None = None) -> Future[Any]:
        """Queue a request for the worker: "ping" (start the helper), "voices", or "render"
        (`final`: where the cache keeps the result). The future holds the answer, or the
        error (`EngineUnavailable`, `SynthesisError`)."""
        fut: Future[Any] = Future()
        with self._thread_lock:
            if self._closed:
                fut.set_exception(EngineUnavailable("The speech engine was closed.", ""))
                return fut
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="speech-synth",
                                                daemon=True)
                self._thread.start()
        self._jobs.put(_Job(cmd, text, voice, rate, fut, final))
        return fut

    def _work(self) -> None:
        while True:
            try:
                job = self._jobs.get(
                    timeout=self.idle_exit if self._helper is not None else None)
            except queue.Empty:  # idle: the helper (and its memory) goes until needed
                self._stop_helper()
                continue
            if job is None:
                break
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(self._run(job))
            except Exception as exc:  # hand every failure to the caller, keep the worker alive
                job.future.set_exception(exc)
        self._stop_helper()

    def _stop_helper(self) -> None:
        if self._helper is not None:
            with contextlib.suppress(TimeoutError, OSError):
                self._helper.request({"cmd": "quit"}, timeout=1.0)
            self._helper.kill()
            self._helper = None
            log.debug("speech helper stopped")

    def _run(self, job: _Job) -> Any:
        if job.final is not None and job.final.exists():  # an earlier job rendered it
            return job.final
        if not self.available:
            state = self.state
            raise EngineUnavailable(state.message, state.fix)
        for attempt in (1, 2):
            try:
                helper = self._ensure_helper()
                if job.cmd == "ping":
                    return True
                if job.cmd == "voices":
                    reply = helper.request({"cmd": "voices"}, self.render_timeout)
                    return reply.get("voices", [])
                return self._render(helper, job)
            except TimeoutError as exc:  # the watchdog: kill, then one fresh helper
                log.warning("speech helper failed (attempt %d): %s", attempt, exc)
                if self._helper is not None:
                    self._helper.kill()
                    self._helper = None
                if attempt == 2:
                    self._set_unavailable(f"The speech engine stopped working ({exc}).")
        state = self.state
        raise EngineUnavailable(state.message, state.fix)

    def _ensure_helper(self) -> HelperProcess:
        if self._helper is not None and self._helper.proc.poll() is None:
            return self._helper
        if self._closed:  # close() killed it mid-request: never start a new one after that
            raise EngineUnavailable("The speech engine was closed.", "")
        try:
            helper = HelperProcess(self._command)
        except OSError as exc:
            self._set_unavailable(f"The speech helper could not start ({exc}).")
            raise EngineUnavailable(self.state.message, self.state.fix) from exc
        try:
            hello = helper.greet(self.start_timeout)
        except TimeoutError:
            helper.kill()
            raise
        if not hello.get("ok"):
            helper.kill()
            self._set_unavailable(f"No speech engine could start ({hello.get('error', '?')}).")
            raise EngineUnavailable(self.state.message, self.state.fix)
        log.info("speech helper ready (driver %s)", helper.driver)
        self._helper = helper
        return helper

    def _render(self, helper: HelperProcess, job: _Job) -> Path:
        assert job.final is not None, "a render job names its cache file"
        final = job.final
        # A fresh output path per utterance: pyttsx3's save target leaks between calls (#219).
        # Named for what the driver really writes (the reader goes by content either way).
        out = self.cache.scratch(helper.suffix)
        try:
            reply = helper.request(
                {"cmd": "render", "text": job.text, "voice": job.voice, "rate": job.rate,
                 "out": str(out)},
                self.render_timeout,
            )
            try:
                if not reply.get("ok"):
                    raise SynthesisError(f"could not render {job.text!r}: {reply.get('error')}")
                stored = self.cache.store(out, final, job.text)
            except SynthesisError as exc:
                self._rendered(str(exc))
                raise
            self._rendered("")
            return stored
        finally:
            with contextlib.suppress(OSError):
                out.unlink()
