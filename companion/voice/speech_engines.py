"""`SpeechEngines`: the synthesizer the app, the speaker and the session renderer use, which
is Piper or the system engine as `companion.voice.engines.choose_engine` picks, with an
automatic fallback to the system's that is said once.

It has the synthesizer's interface (`companion.voice.synth.Synthesizer`), so the speaker,
the session renderer and the cache work the same whichever engine speaks. Piper starts off
the calling thread; if it fails (at start or later: the helper stops answering), the system
engine takes over, the notice says why once, and the prompts Piper already rendered still
play.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

from companion.core.routine import Routine
from companion.core.timeline import SessionPlan, TimelineOptions
from companion.voice.base import SpeakerState, VoiceSettings, VoiceStatus
from companion.voice.engines import (
    PIPER,
    SYSTEM,
    EngineChoice,
    choose_engine,
    fallback_notice,
)
from companion.voice.helper_process import EngineUnavailable
from companion.voice.natural import PiperSynthesizer, PiperVoiceFile, piper_installed, rate_for
from companion.voice.synth import Synthesizer, VoiceInfo

log = logging.getLogger(__name__)

SAMPLE_TEXT = ("Welcome. Let's start gently: breathe in through your nose, "
               "and out through your mouth.")


class SpeechEngines:
    """A synthesizer that is Piper or the system engine, as the settings choose (thread-safe).

    `start()` returns at once; Piper checks itself on a background thread (instant when an
    earlier run left its probe in the cache), so onnxruntime and the voice never load on
    the caller's thread, and never at all when the system engine is chosen.
    `on_change(callback)`: called (from any thread) when the engine speaking changes or a
    notice appears.
    """

    def __init__(self, cache_dir: Path, settings: VoiceSettings | None = None,
                 voices_dir: Path | None = None, *, system: Synthesizer | None = None,
                 piper_factory: Callable[[PiperVoiceFile, float], Synthesizer] | None = None,
                 installed: Callable[[], bool] = piper_installed) -> None:
        self.cache_dir = Path(cache_dir)
        self.voices_dir = voices_dir
        self.settings = settings or VoiceSettings()
        self._installed = installed
        self._system = system
        self._piper: Synthesizer | None = None
        self._piper_factory = piper_factory or self._make_piper
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []
        self._choice = choose_engine(self.settings, voices_dir, installed=installed)
        self._notice = self._choice.notice
        self._fell_back_from: Synthesizer | None = None  # Piper, whose files still play
        self._sampler: Synthesizer | None = None  # renders "Play a sample" for another voice
        self._closed = False
        if self._notice:
            log.warning("%s", self._notice)

    # -- which engine --------------------------------------------------------------------------
    def _make_piper(self, voice: PiperVoiceFile, length_scale: float) -> Synthesizer:
        return PiperSynthesizer(self.cache_dir, voice, length_scale)

    @property
    def system(self) -> Synthesizer:
        """The system engine (created on first need: its helper starts on first use)."""
        with self._lock:
            if self._system is None:
                self._system = Synthesizer(self.cache_dir, self.settings.voice_id,
                                           self.settings.rate)
            return self._system

    @property
    def engine(self) -> str:
        """"piper" or "system": what speaks now."""
        return self._active_engine()[0]

    @property
    def voice(self) -> PiperVoiceFile | None:
        """The Piper voice speaking (None when the system engine speaks)."""
        with self._lock:
            return self._choice.voice if self._choice.engine == PIPER else None

    @property
    def notice(self) -> str:
        with self._lock:
            return self._notice

    @property
    def slow(self) -> bool:
        return self.engine == PIPER

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("engine change listener failed")

    def _active_engine(self) -> tuple[str, Synthesizer]:
        """The synthesizer to use now; falls back from a Piper that has failed."""
        fell = False
        with self._lock:
            if self._choice.engine == PIPER:
                if self._piper is None:
                    assert self._choice.voice is not None
                    self._piper = self._piper_factory(self._choice.voice,
                                                      self.settings.length_scale)
                if self._piper.available:
                    return PIPER, self._piper
                self._fall_back(self._piper.state.message)
                fell = True
            active = self.system
        if fell:
            self._changed()
        return SYSTEM, active

    def _active(self) -> Synthesizer:
        return self._active_engine()[1]

    def _fall_back(self, reason: str) -> None:
        """Piper failed: the system engine speaks from now on (caller holds the lock)."""
        self._notice = fallback_notice(reason)
        log.warning("%s", self._notice)
        self._choice = EngineChoice(SYSTEM, None, self._notice)
        self._fell_back_from = self._piper
        self._piper = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self, wait: bool = False) -> SpeakerState:
        """Start the chosen engine: the system engine at once (as fast as before); Piper in
        the background unless `wait` (the command line), falling back if it fails."""
        engine, synth = self._active_engine()
        if engine == SYSTEM:
            synth.start()
            return self.state
        if wait:
            self._start_piper(synth)
        else:
            threading.Thread(target=self._start_piper, args=(synth,), name="piper-start",
                             daemon=True).start()
        return self.state

    def _start_piper(self, piper: Synthesizer) -> None:
        try:
            state = piper.start()
            failed = "" if state.status is VoiceStatus.OK else state.message
        except Exception as exc:  # a start thread never dies silently: it falls back
            log.exception("the natural voice could not start")
            failed = f"{type(exc).__name__}: {exc}."
        if not failed:
            return
        with self._lock:
            if self._piper is piper:
                self._fall_back(failed)
        try:
            self.system.start()
        except Exception:  # the speaker's state and banner say what is wrong from here
            log.exception("the system voice could not start either")
        self._changed()

    def apply_settings(self, settings: VoiceSettings) -> bool:
        """Use these settings from the next request; returns whether the voice changed
        (engine, voice or rate: the session's prompts are then rendered again)."""
        with self._lock:
            old, self.settings = self.settings, settings
            if self._system is not None:
                self._system.configure(settings.voice_id, settings.rate)
            choice = choose_engine(settings, self.voices_dir, installed=self._installed)
            switched = choice != self._choice or \
                (choice.engine == PIPER and old.length_scale != settings.length_scale)
            system_changed = choice.engine == SYSTEM and (old.voice_id, old.rate) != (
                settings.voice_id, settings.rate)
            if not switched:
                return system_changed
            self._choice, self._notice = choice, choice.notice
            piper, start = self._piper, None
            if choice.engine == PIPER:
                assert choice.voice is not None
                if isinstance(piper, PiperSynthesizer):
                    piper.use_voice(choice.voice, settings.length_scale)
                    piper.reset()
                else:
                    self._piper = piper = self._piper_factory(choice.voice,
                                                              settings.length_scale)
                start = piper
            else:
                self._piper = None  # its helper goes: no model kept in memory for nothing
                if piper is not None:
                    threading.Thread(target=piper.close, name="piper-close",
                                     daemon=True).start()
        if self._notice:
            log.warning("%s", self._notice)
        if start is not None:
            threading.Thread(target=self._start_piper, args=(start,), name="piper-start",
                             daemon=True).start()
        self._changed()
        return True

    def close(self) -> None:
        with self._lock:
            self._closed = True
            synths = [s for s in (self._piper, self._fell_back_from, self._sampler,
                                  self._system) if s]
        for synth in synths:
            synth.close()

    def __enter__(self) -> SpeechEngines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the synthesizer interface -------------------------------------------------------------
    @property
    def state(self) -> SpeakerState:
        return replace(self._active().state, notice=self.notice)

    @property
    def available(self) -> bool:
        return self._active().available

    def reset(self) -> None:
        with self._lock:
            synths = [s for s in (self._piper, self._system) if s]
        for synth in synths:
            synth.reset()

    def configure(self, voice_id: str | None = None, rate: int | None = None) -> None:
        """The system engine's voice and rate (Piper's come with `apply_settings`)."""
        self.settings = replace(self.settings,
                                voice_id=self.settings.voice_id if voice_id is None
                                else voice_id,
                                rate=self.settings.rate if rate is None else int(rate))
        if self._system is not None:
            self._system.configure(voice_id, rate)

    def cached(self, text: str) -> Path | None:
        hit = self._active().cached(text)
        if hit is None and self._fell_back_from is not None:
            hit = self._fell_back_from.cached(text)  # Piper's, rendered before it failed
        return hit

    def render(self, text: str) -> Path:
        engine, synth = self._active_engine()
        try:
            return synth.render(text)
        except EngineUnavailable:
            if engine != PIPER:
                raise
        return self._active().render(text)

    def render_async(self, text: str, done: Callable[[Future[Path]], None]) -> Future[Path]:
        engine, synth = self._active_engine()
        if engine != PIPER:
            return synth.render_async(text, done)
        outer: Future[Path] = Future()

        def relay(fut: Future[Path]) -> None:  # on Piper's worker thread
            exc = fut.exception()
            if isinstance(exc, EngineUnavailable):  # Piper is gone: the system engine says it
                self._active().render_async(text, lambda f: _chain(f, outer, done))
                return
            _chain(fut, outer, done)

        synth.render_async(text, relay)
        return outer

    def duration(self, text: str) -> float:
        synth = self._active()
        seconds = synth.duration(text)
        if synth is not self._active():  # it failed meanwhile (the figure is an estimate)
            seconds = self._active().duration(text)
        return seconds

    def quick_duration(self, text: str) -> float:
        return self._active().quick_duration(text)

    def prerender(self, texts: Iterable[str],
                  progress: Callable[[int, int], None] | None = None) -> int:
        texts = list(texts)
        synth = self._active()
        failed = synth.prerender(texts, progress)
        if synth is not self._active():
            failed = self._active().prerender(texts, progress)
        return failed

    def prepare_plan(self, routine: Routine, options: TimelineOptions | None = None,
                     progress: Callable[[int, int], None] | None = None) -> SessionPlan:
        """As `Synthesizer.prepare_plan`; if Piper fails part-way, again with the system
        engine (whose lengths the plan then follows)."""
        synth = self._active()
        plan = synth.prepare_plan(routine, options, progress)
        if synth is not self._active():
            plan = self._active().prepare_plan(routine, options, progress)
        return plan

    def voices(self) -> list[VoiceInfo]:
        """The system engine's voices (Piper's are files: `natural.discover_voices`)."""
        return self.system.voices()

    def render_sample(self, settings: VoiceSettings, done: Callable[[Future[Path]], None],
                      text: str = SAMPLE_TEXT) -> tuple[str, str]:
        """Render `text` as `settings` would speak it (saved or not), off this thread;
        `done(future)` runs on a worker thread. Returns (engine, notice) at once: the
        engine that will say it and why it is not the one asked for ("" if it is)."""
        choice = choose_engine(settings, self.voices_dir, installed=self._installed)
        if choice.engine == PIPER:
            assert choice.voice is not None
            with self._lock:  # the speaking Piper's helper, else one for samples
                piper = self._piper
                if piper is None:
                    if self._sampler is None:
                        self._sampler = self._piper_factory(choice.voice,
                                                            settings.length_scale)
                    piper = self._sampler
            # a failed voice is tried afresh: the person may have just fixed the file
            piper.reset()
            piper.render_async(text, done, voice_id=str(choice.voice.model),
                               rate=rate_for(settings.length_scale))
            return PIPER, choice.notice
        self.system.render_async(text, done, voice_id=settings.voice_id, rate=settings.rate)
        return SYSTEM, choice.notice


def _chain(fut: Future[Path], outer: Future[Path],
           done: Callable[[Future[Path]], None]) -> None:
    exc = fut.exception()
    if exc is not None:
        outer.set_exception(exc)
    else:
        outer.set_result(fut.result())
    done(outer)
