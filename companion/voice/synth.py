"""Text to verified WAV files, cached on disk: the only place that talks to pyttsx3.

One worker thread owns one helper process (`python -m companion.voice._tts_helper DRIVER`,
see `helper_command`) that owns the pyttsx3 engine, with the driver chosen per platform
(`default_driver`: SAPI5 on Windows, NSSpeechSynthesizer on macOS, espeak-ng elsewhere).
Every request goes through the worker's queue, so the engine is only ever used from one
place; callers either wait for a result (`render`, `duration`: CLI, background threads) or
get a callback on the worker thread (`render_async`: the GUI turns it into a queued signal).
A watchdog restarts a helper that does not answer in time, once; then the engine counts as
gone and the status says how to fix it. A render that fails (a file that cannot be read,
silence) is never a silent success either: the status says so, and the voice banner shows,
until a later render works; `start()` renders one utterance to find this out up front.

Files are keyed by (text, voice, rate) and trimmed of leading and trailing silence, so a
WAV's length is the real speaking time the timeline places cues by. Volume is not part of
the key: it is applied at playback. Whatever the driver writes (WAV, or AIFF on macOS) is
read through libsndfile and stored as 16-bit mono WAV, the one format the app plays.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from companion.core.routine import Routine
from companion.core.timeline import (
    CHECKIN_QUESTION,
    CHECKIN_QUESTION_BRIEF,
    CHECKIN_REASK,
    CHECKIN_STALLED,
    STOP_MESSAGE,
    SessionPlan,
    TimelineOptions,
    compile_plan,
    estimate_speech,
)
from companion.errors import KnownError
from companion.voice import audio
from companion.voice.base import SpeakerState, VoiceStatus

log = logging.getLogger(__name__)

HELPER_MODULE = "companion.voice._tts_helper"
# The command-line switch a frozen build (PyInstaller and the like) answers as the helper:
# there is no separate interpreter to run `-m` with, so the app's own executable is the helper.
FROZEN_HELPER_FLAG = "--tts-helper"
# pyttsx3's driver for each `sys.platform` (the first of pyttsx3's own list); anything else
# is espeak-ng. The macOS driver writes AIFF whatever the file is called (pyttsx3 #361).
DRIVERS = {"win32": "sapi5", "darwin": "nsss"}
AIFF_DRIVERS = frozenset({"nsss"})
# Rendered by `start()` to prove the whole path (engine, file, reader) works before a session
# needs it; it is the stop message, which must be ready at once anyway.
PROBE_TEXT = STOP_MESSAGE
CACHE_VERSION = "1"  # bump when the rendering (trim, format) changes
MAX_CACHE_FILES = 5000  # about 150 MB of short prompts; the oldest go first
START_TIMEOUT = 20.0
RENDER_TIMEOUT = 10.0

# Said by the engine outside the compiled plan; rendered up front so they play at once.
EXTRA_TEXTS = (
    STOP_MESSAGE,
    CHECKIN_REASK,
    CHECKIN_STALLED,
    CHECKIN_QUESTION,
    CHECKIN_QUESTION_BRIEF,
    "Something went wrong, so the session has stopped. Your progress so far is saved.",
)


def default_driver(platform_name: str | None = None) -> str:
    """The pyttsx3 driver for this platform (`sys.platform` unless given)."""
    return DRIVERS.get(platform_name or sys.platform, "espeak")


def helper_command(driver: str, *, executable: str | None = None,
                   frozen: bool | None = None) -> list[str]:
    """How to start the speech helper: as a module of this package, never a file path, so
    it works from a wheel, a zip or an editable install; in a frozen build the app's own
    executable with `FROZEN_HELPER_FLAG` (`companion.cli.main` hands that to the helper)."""
    exe = executable or sys.executable
    if getattr(sys, "frozen", False) if frozen is None else frozen:
        return [exe, FROZEN_HELPER_FLAG, driver]
    return [exe, "-m", HELPER_MODULE, driver]


def helper_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The helper's environment: this package importable wherever the app was started from
    (`python /path/to/main.py` from another folder has no installed package to find)."""
    env = dict(os.environ if base is None else base)
    root = str(Path(__file__).resolve().parent.parent.parent)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in parts:
        env["PYTHONPATH"] = os.pathsep.join([root, *parts])
    return env


def install_hint(system: str | None = None, os_release: dict[str, str] | None = None) -> str:
    """The exact fix for a missing speech engine on this platform."""
    system = system or platform.system()
    if system == "Windows":
        return ("Windows speech (SAPI5) is built in: run `pip install --force-reinstall pyttsx3 "
                "comtypes pywin32` in Companion's environment, and check that a voice is "
                "installed under Settings > Time & language > Speech.")
    if system == "Darwin":
        return ("macOS speech is built in: run `pip install --force-reinstall pyttsx3 pyobjc` in "
                "Companion's environment, and check System Settings > Accessibility > "
                "Spoken Content.")
    if os_release is None:
        try:
            os_release = platform.freedesktop_os_release()
        except OSError:
            os_release = {}
    ids = {os_release.get("ID", "")} | set(os_release.get("ID_LIKE", "").split())
    if ids & {"fedora", "rhel", "centos"}:
        return "Install espeak-ng: sudo dnf install espeak-ng"
    if ids & {"arch", "manjaro"}:
        return "Install espeak-ng: sudo pacman -S espeak-ng"
    if ids & {"opensuse", "suse", "opensuse-tumbleweed", "opensuse-leap"}:
        return "Install espeak-ng: sudo zypper install espeak-ng"
    return "Install espeak-ng: sudo apt-get install espeak-ng"


class EngineUnavailable(KnownError):
    """No speech engine (not installed, failed to start, or stopped answering)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message} {fix}")
        self.message = message
        self.fix = fix


class SynthesisError(KnownError):
    """One utterance could not be rendered (the engine itself may still be fine)."""


@dataclass(frozen=True)
class VoiceInfo:
    """A voice as the Settings screen lists it: readable name and language."""

    id: str
    name: str
    language: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.language})" if self.language else self.name


@dataclass(frozen=True)
class _Job:
    cmd: str
    text: str
    voice: str
    rate: int
    future: Future[Any]


class _Helper:
    """One running helper process plus a reader thread, so replies can time out."""

    def __init__(self, command: list[str]) -> None:
        # no console window flashing up beside a GUI app on Windows
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            creationflags=flags,
            env=helper_env(),
        )
        self.replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="tts-helper-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        try:
            for line in self.proc.stdout:
                try:
                    self.replies.put(json.loads(line))
                except ValueError:
                    log.debug("helper said: %s", line.rstrip())
        except (OSError, ValueError):  # the pipe was closed under us by kill()
            pass
        finally:
            self.replies.put(None)

    def request(self, data: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(data, ensure_ascii=True) + "\n")
            self.proc.stdin.flush()
        except OSError as exc:
            raise TimeoutError(f"speech helper is gone ({exc})") from exc
        return self.wait(timeout)

    def wait(self, timeout: float) -> dict[str, Any]:
        try:
            reply = self.replies.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"speech helper did not answer within {timeout:g} s") from None
        if reply is None:
            raise TimeoutError(f"speech helper exited (code {self.proc.poll()})")
        return reply

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=2)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class Synthesizer:
    """Renders utterances to cached WAVs; thread-safe, all engine work on one worker thread."""

    def __init__(
        self,
        cache_dir: Path,
        voice_id: str = "",
        rate: int = 165,
        *,
        driver: str = "",
        command: list[str] | None = None,
        render_timeout: float = RENDER_TIMEOUT,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.cache_dir = Path(cache_dir) / "speech"
        self.voice_id = voice_id
        self.rate = rate
        self.driver = driver  # as given: part of the cache key ("" = this platform's own)
        self.engine_driver = driver or default_driver()
        self._command = command or helper_command(self.engine_driver)
        self.render_timeout = render_timeout
        self.start_timeout = start_timeout
        self._state = SpeakerState()  # NO_ENGINE here: the engine is gone (no retries)
        self._render_error = ""  # the last render failed (retried on the next request)
        self._state_lock = threading.Lock()
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._helper: _Helper | None = None
        self._engine_name = ""
        self._durations: dict[Path, float] = {}
        self._voices: list[VoiceInfo] | None = None
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self._closed = False

    # -- status --------------------------------------------------------------------------
    @property
    def state(self) -> SpeakerState:
        """OK; or NO_ENGINE with what failed and the fix, when the engine is gone or the
        last render failed (the voice banner shows either)."""
        with self._state_lock:
            if self._state.status is VoiceStatus.OK and self._render_error:
                return SpeakerState(VoiceStatus.NO_ENGINE,
                                    f"Speech could not be rendered ({self._render_error}).",
                                    install_hint())
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
            self._state = SpeakerState(VoiceStatus.NO_ENGINE, message, install_hint())
        log.warning("speech engine unavailable: %s", message)

    def start(self) -> SpeakerState:
        """Start the helper now (else on first use) and report whether speech works: the
        engine starts, and one utterance (`PROBE_TEXT`) renders to audio the app can read
        (instant when it is cached from an earlier run)."""
        self.prune()
        with contextlib.suppress(KnownError):
            self._submit("ping", "", self.voice_id, self.rate).result()
            self.render(PROBE_TEXT)
        return self.state

    def reset(self) -> None:
        """Forget a NO_ENGINE verdict so the next request tries again (after a fix)."""
        with self._state_lock:
            self._state = SpeakerState()
            self._render_error = ""

    def configure(self, voice_id: str | None = None, rate: int | None = None) -> None:
        """Takes effect for the next request; cached files for other settings stay valid."""
        if voice_id is not None:
            self.voice_id = voice_id
        if rate is not None:
            self.rate = int(rate)

    # -- cache -----------------------------------------------------------------------------
    def cache_path(self, text: str, voice_id: str | None = None, rate: int | None = None) -> Path:
        voice = self.voice_id if voice_id is None else voice_id
        r = self.rate if rate is None else rate
        key = "\x1f".join((CACHE_VERSION, self.driver, voice, str(r), text))
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
        return self.cache_dir / f"{digest}.wav"

    def cached(self, text: str, voice_id: str | None = None, rate: int | None = None
               ) -> Path | None:
        """The rendered file if it is already on disk; never blocks on the engine."""
        path = self.cache_path(text, voice_id, rate)
        return path if path.exists() else None

    # -- requests --------------------------------------------------------------------------
    def render(self, text: str, voice_id: str | None = None, rate: int | None = None) -> Path:
        """Blocking: the WAV for `text` (from the cache, else rendered). Not on the GUI thread."""
        hit = self.cached(text, voice_id, rate)
        if hit is not None:
            return hit
        result: Path = self._submit(
            "render", text, self.voice_id if voice_id is None else voice_id,
            self.rate if rate is None else rate,
        ).result()
        return result

    def render_async(self, text: str, done: Callable[[Future[Path]], None],
                     voice_id: str | None = None, rate: int | None = None) -> Future[Path]:
        """Non-blocking; `done(future)` runs on the worker thread (or at once on a cache hit)."""
        voice = self.voice_id if voice_id is None else voice_id
        r = self.rate if rate is None else rate
        hit = self.cached(text, voice, r)
        if hit is not None:
            fut: Future[Path] = Future()
            fut.set_result(hit)
            done(fut)
            return fut
        fut = self._submit("render", text, voice, r)
        fut.add_done_callback(done)
        return fut

    def duration(self, text: str) -> float:
        """Seconds the utterance really lasts (rendering it if needed); an estimate without
        an engine, so a plan can always be compiled."""
        if not text.strip():
            return 0.0
        try:
            path = self.render(text)
        except KnownError as exc:
            log.info("using an estimated length for %r: %s", text, exc)
            return estimate_speech(text)
        cached = self._durations.get(path)
        if cached is None:
            cached = audio.duration(path)
            self._durations[path] = cached
        return cached

    def quick_duration(self, text: str) -> float:
        """Never blocks: the real length if the utterance is cached, else an estimate (and
        it is rendered in the background for next time). For plans re-built mid-session on
        the GUI thread (a lengthened rest, a re-asked check-in)."""
        if not text.strip():
            return 0.0
        path = self.cached(text)
        if path is None:
            if self.available:
                self._submit("render", text, self.voice_id, self.rate)
            return estimate_speech(text)
        cached = self._durations.get(path)
        if cached is None:
            try:
                cached = audio.duration(path)
            except audio.BadWav:
                return estimate_speech(text)
            self._durations[path] = cached
        return cached

    def prune(self, max_files: int = MAX_CACHE_FILES) -> int:
        """Keep the cache bounded and drop leftovers of interrupted renders."""
        if not self.cache_dir.is_dir():
            return 0
        removed = 0
        files = []
        for path in self.cache_dir.iterdir():
            if path.name.startswith("tmp-") or path.suffix == ".part":
                with contextlib.suppress(OSError):
                    if time.time() - path.stat().st_mtime > 3600:
                        path.unlink()
                        removed += 1
            elif path.suffix == ".wav":
                files.append(path)
        if len(files) > max_files:
            files.sort(key=lambda p: p.stat().st_mtime)
            for path in files[: len(files) - max_files]:
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed

    def prerender(self, texts: Iterable[str], give_up_after: int = 3) -> int:
        """Render every text not yet cached (blocking); returns how many failed. Stops when
        the engine is gone or `give_up_after` renders in a row failed (each cue is tried
        again when it is spoken)."""
        failed = in_a_row = 0
        for text in dict.fromkeys(t for t in texts if t.strip()):
            try:
                self.render(text)
                in_a_row = 0
            except KnownError as exc:
                failed += 1
                in_a_row += 1
                log.warning("could not pre-render %r: %s", text, exc)
                if not self.available or in_a_row >= give_up_after:
                    break
        return failed

    def prepare_plan(self, routine: Routine, options: TimelineOptions | None = None
                     ) -> SessionPlan:
        """Compile with real utterance lengths and leave every cue's WAV in the cache.

        Blocking (a second or so uncached, instant cached): call it off the GUI thread when
        a routine loads.
        """
        opts = replace(options or TimelineOptions(), speech_duration=self.duration)
        plan = compile_plan(routine, opts)
        self.prerender(plan_texts(plan))
        # the engine re-plans with these options on the GUI thread: no blocking there
        return replace(plan, options=replace(opts, speech_duration=self.quick_duration))

    def voices(self) -> list[VoiceInfo]:
        """Installed voices, sorted by readable name; empty without an engine. The first
        call asks the engine (tens of ms); later ones are instant."""
        if self._voices is not None:
            return list(self._voices)
        try:
            raw: list[dict[str, Any]] = self._submit("voices", "", "", 0).result()
        except KnownError:
            return []
        out = []
        for v in raw:
            langs = [lang for lang in v.get("languages", []) if lang]
            out.append(VoiceInfo(v["id"], v.get("name") or v["id"], langs[0] if langs else ""))
        self._voices = sorted(out, key=lambda v: v.label.lower())
        return list(self._voices)

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

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the worker ------------------------------------------------------------------------
    def _submit(self, cmd: str, text: str, voice: str, rate: int) -> Future[Any]:
        fut: Future[Any] = Future()
        with self._thread_lock:
            if self._closed:
                fut.set_exception(EngineUnavailable("The speech engine was closed.", ""))
                return fut
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="speech-synth",
                                                daemon=True)
                self._thread.start()
        self._jobs.put(_Job(cmd, text, voice, rate, fut))
        return fut

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                break
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(self._run(job))
            except Exception as exc:  # hand every failure to the caller, keep the worker alive
                job.future.set_exception(exc)
        if self._helper is not None:
            with contextlib.suppress(TimeoutError, OSError):
                self._helper.request({"cmd": "quit"}, timeout=1.0)
            self._helper.kill()
            self._helper = None

    def _run(self, job: _Job) -> Any:
        if job.cmd == "render":
            path = self.cache_path(job.text, job.voice, job.rate)
            if path.exists():  # an earlier job in the queue rendered it
                return path
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

    def _ensure_helper(self) -> _Helper:
        if self._helper is not None and self._helper.proc.poll() is None:
            return self._helper
        try:
            helper = _Helper(self._command)
        except OSError as exc:
            self._set_unavailable(f"The speech helper could not start ({exc}).")
            raise EngineUnavailable(self.state.message, self.state.fix) from exc
        try:
            hello = helper.wait(self.start_timeout)
        except TimeoutError:
            helper.kill()
            raise
        if not hello.get("ok"):
            helper.kill()
            self._set_unavailable(f"No speech engine could start ({hello.get('error', '?')}).")
            raise EngineUnavailable(self.state.message, self.state.fix)
        self._engine_name = str(hello.get("driver", ""))
        log.info("speech helper ready (driver %s)", self._engine_name)
        self._helper = helper
        return helper

    def _render(self, helper: _Helper, job: _Job) -> Path:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        final = self.cache_path(job.text, job.voice, job.rate)
        # A fresh output path per utterance: pyttsx3's save target leaks between calls (#219).
        # Named for what the driver really writes (the reader goes by content either way).
        suffix = ".aiff" if self._engine_name in AIFF_DRIVERS else ".wav"
        out = self.cache_dir / f"tmp-{os.getpid()}-{uuid.uuid4().hex}{suffix}"
        try:
            reply = helper.request(
                {"cmd": "render", "text": job.text, "voice": job.voice, "rate": job.rate,
                 "out": str(out)},
                self.render_timeout,
            )
            try:
                if not reply.get("ok"):
                    raise SynthesisError(f"could not render {job.text!r}: {reply.get('error')}")
                stored = self._verify_and_store(out, final, job.text)
            except SynthesisError as exc:
                self._rendered(str(exc))
                raise
            self._rendered("")
            return stored
        finally:
            with contextlib.suppress(OSError):
                out.unlink()

    def _verify_and_store(self, out: Path, final: Path, text: str) -> Path:
        """The helper's word is not enough (pyttsx3 reports success on silent failures)."""
        if not out.exists():
            raise SynthesisError(f"the engine wrote no file for {text!r}")
        try:
            data = audio.read_audio(out)
        except audio.BadWav as exc:
            raise SynthesisError(f"the engine wrote a bad file for {text!r}: {exc}") from exc
        if audio.peak(data) < 0.01:
            raise SynthesisError(f"the engine rendered silence for {text!r}")
        data = audio.trim_silence(data)
        staging = final.with_suffix(f".{uuid.uuid4().hex}.part")
        audio.write_wav(staging, data)
        os.replace(staging, final)
        return final


def plan_texts(plan: SessionPlan) -> list[str]:
    """Every text the session may speak: the plan's spoken cues plus the engine's extras."""
    texts = [c.text for seg in plan.segments for c in seg.cues if c.speak and c.text]
    return list(dict.fromkeys([*texts, *EXTRA_TEXTS]))
