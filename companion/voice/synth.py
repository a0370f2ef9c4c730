"""Text to verified WAV files, cached on disk: the synthesizer every speaker and renderer uses.

One worker thread owns one helper process (`python -m companion.voice._tts_helper DRIVER`,
started and spoken to through `companion.voice.helper_process`) that owns the pyttsx3
engine, with the driver chosen per platform (SAPI5 on Windows, NSSpeechSynthesizer on macOS,
espeak-ng elsewhere); Piper's synthesizer (`companion.voice.natural`) is this one with
another helper. Every request goes through the worker's queue (`speech_worker`: the
watchdog and the engine's status live there); callers either wait for a result (`render`,
`duration`: CLI, background threads) or get a callback on the worker thread
(`render_async`: the GUI turns it into a queued signal). `start()` renders one utterance
to find out up front whether speech works.

Files are keyed by (text, voice, rate), checked and trimmed of silence before they are kept
(`companion.voice.speech_cache`), so a WAV's length is the real speaking time the timeline
places cues by.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from companion.core.routine import Routine
from companion.core.timeline import (
    CHECKIN_QUESTION,
    CHECKIN_QUESTION_BRIEF,
    CHECKIN_QUESTION_KEYS,
    CHECKIN_REASK,
    CHECKIN_REASK_KEYS,
    CHECKIN_STALLED,
    STOP_MESSAGE,
    SessionPlan,
    TimelineOptions,
    compile_plan,
    estimate_speech,
)
from companion.errors import KnownError
from companion.voice import audio
from companion.voice.base import SpeakerState
from companion.voice.helper_process import default_driver, helper_command, install_hint
from companion.voice.speech_worker import SpeechWorker

log = logging.getLogger(__name__)

# Rendered by `start()` to prove the whole path (engine, file, reader) works before a session
# needs it; it is the stop message, which must be ready at once anyway.
PROBE_TEXT = STOP_MESSAGE
START_TIMEOUT = 20.0
RENDER_TIMEOUT = 10.0

# Said by the engine outside the compiled plan; rendered up front so they play at once.
EXTRA_TEXTS = (
    STOP_MESSAGE,
    CHECKIN_REASK,
    CHECKIN_STALLED,
    CHECKIN_QUESTION,
    CHECKIN_QUESTION_BRIEF,
    CHECKIN_QUESTION_KEYS,
    CHECKIN_REASK_KEYS,
    "Something went wrong, so the session has stopped. Your progress so far is saved.",
)


@dataclass(frozen=True)
class VoiceInfo:
    """A voice as the Settings screen lists it: readable name and language."""

    id: str
    name: str
    language: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.language})" if self.language else self.name


class Synthesizer(SpeechWorker):
    """Renders utterances to cached WAVs; thread-safe, all engine work on one worker thread
    (`SpeechWorker`: the status, the watchdog, `reset` and `close` are its).

    `idle_exit`: seconds without a request after which the helper process is stopped (it
    starts again on the next request); None keeps it for the synthesizer's life. `fix`: the
    fix the status offers when the engine is gone (this platform's `install_hint`).
    """

    slow = False  # renders much faster than speech: no need to render a session ahead

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
        idle_exit: float | None = None,
        fix: Callable[[], str] = install_hint,
    ) -> None:
        self.cache_dir = Path(cache_dir) / "speech"
        self.voice_id = voice_id
        self.rate = rate
        self.driver = driver  # as given: part of the cache key ("" = this platform's own)
        self.engine_driver = driver or default_driver()
        super().__init__(command or helper_command(self.engine_driver),
                         self.cache_dir, fix=fix, render_timeout=render_timeout,
                         start_timeout=start_timeout, idle_exit=idle_exit)
        self._voices: list[VoiceInfo] | None = None

    def start(self) -> SpeakerState:
        """Start the helper now (else on first use) and report whether speech works: the
        engine starts, and one utterance (`PROBE_TEXT`) renders to audio the app can read
        (instant when it is cached from an earlier run)."""
        self.cache.prune()
        with contextlib.suppress(KnownError):
            self._submit("ping").result()
            self.render(PROBE_TEXT)
        return self.state

    def configure(self, voice_id: str | None = None, rate: int | None = None) -> None:
        """Takes effect for the next request; cached files for other settings stay valid."""
        if voice_id is not None:
            self.voice_id = voice_id
        if rate is not None:
            self.rate = int(rate)

    # -- cache -----------------------------------------------------------------------------
    def cache_path(self, text: str, voice_id: str | None = None, rate: int | None = None) -> Path:
        """Where `text` is kept for this voice and rate (these settings unless given)."""
        return self.cache.path(self.driver, self.voice_id if voice_id is None else voice_id,
                               self.rate if rate is None else rate, text)

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
        result: Path = self._request_render(
            text, self.voice_id if voice_id is None else voice_id,
            self.rate if rate is None else rate,
        ).result()
        return result

    def _request_render(self, text: str, voice: str, rate: int) -> Future[Path]:
        return self._submit("render", text, voice, rate, self.cache_path(text, voice, rate))

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
        fut = self._request_render(text, voice, r)
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
        return self.cache.seconds(path)

    def quick_duration(self, text: str) -> float:
        """Never blocks: the real length if the utterance is cached, else an estimate (and
        it is rendered in the background for next time). For plans re-built mid-session on
        the GUI thread (a lengthened rest, a re-asked check-in)."""
        if not text.strip():
            return 0.0
        path = self.cached(text)
        if path is None:
            if self.available:
                self._request_render(text, self.voice_id, self.rate)
            return estimate_speech(text)
        try:
            return self.cache.seconds(path)
        except audio.BadWav:
            return estimate_speech(text)

    def prerender(self, texts: Iterable[str],
                  progress: Callable[[int, int], None] | None = None,
                  give_up_after: int = 3) -> int:
        """Render every text not yet cached (blocking); returns how many failed. Stops when
        the engine is gone or `give_up_after` renders in a row failed (each cue is tried
        again when it is spoken). `progress(done, total)` is called (on this thread) after
        each one that was not cached."""
        failed = in_a_row = 0
        todo = [t for t in dict.fromkeys(t for t in texts if t.strip())
                if self.cached(t) is None]
        for done, text in enumerate(todo, 1):
            try:
                self.render(text)
                in_a_row = 0
            except KnownError as exc:
                failed += 1
                in_a_row += 1
                log.warning("could not pre-render %r: %s", text, exc)
                if not self.available or in_a_row >= give_up_after:
                    break
            if progress is not None:
                progress(done, len(todo))
        return failed

    def prepare_plan(self, routine: Routine, options: TimelineOptions | None = None,
                     progress: Callable[[int, int], None] | None = None) -> SessionPlan:
        """Compile with real utterance lengths and leave every cue's WAV in the cache.

        Blocking (a second or so uncached with espeak-ng, tens of seconds the first time
        with a natural voice, instant cached): call it off the GUI thread when a routine
        loads. `progress(done, total)` follows the renders not yet cached.
        """
        if progress is not None:  # render what the plan will say first, counting it
            self.prerender(plan_texts(compile_plan(routine, options)), progress)
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
            raw: list[dict[str, Any]] = self._submit("voices").result()
        except KnownError:
            return []
        out = []
        for v in raw:
            langs = [lang for lang in v.get("languages", []) if lang]
            out.append(VoiceInfo(v["id"], v.get("name") or v["id"], langs[0] if langs else ""))
        self._voices = sorted(out, key=lambda v: v.label.lower())
        return list(self._voices)

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

def plan_texts(plan: SessionPlan) -> list[str]:
    """Every text the session may speak: the plan's spoken cues plus the engine's extras."""
    texts = [c.text for seg in plan.segments for c in seg.cues if c.speak and c.text]
    return list(dict.fromkeys([*texts, *EXTRA_TEXTS]))
