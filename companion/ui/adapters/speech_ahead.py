"""Rendering a session's speech ahead, off the GUI thread: the plan compiled with real speech
lengths before a session starts (`prepare`, with progress), a routine's prompts when it is
selected (`warm`: the natural voice renders slower than espeak-ng), and prompts again after
a voice or rate change (`prerender`). `QtSpeaker`'s part (companion/ui/adapters/speech.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from companion.core.routine import Routine
from companion.core.timeline import SessionPlan, TimelineOptions, compile_plan
from companion.ui.adapters.speech_signals import SpeakerSignals
from companion.voice.speech_engines import SpeechEngines
from companion.voice.synth import Synthesizer, plan_texts

log = logging.getLogger(__name__)


class AheadRendering:
    """What `QtSpeaker` renders ahead; `_init_ahead()` sets up its state."""

    synth: Synthesizer | SpeechEngines | None
    _signals: SpeakerSignals
    _token: int

    def _init_ahead(self) -> None:
        self._plan_listeners: dict[int, Callable[[SessionPlan], None]] = {}
        self._prerender_texts: list[str] = []
        self._warm_texts: list[str] | None = None
        self._warm_lock = threading.Lock()
        self._warm_thread: threading.Thread | None = None
        self._signals.prepared.connect(self._on_prepared)
        self._signals.prepare_progress.connect(self._on_prepare_progress)

    def prepare(self, routine: Routine, options: TimelineOptions | None,
                done: Callable[[SessionPlan], None]) -> None:
        """Compile the plan with real speech lengths and pre-render it, off the GUI thread;
        `done(plan)` runs on the GUI thread when it is ready. Meanwhile
        `signals.preparing(done, total)` counts the prompts rendered (none when all are
        cached: with the natural voice, only a routine's first session waits)."""
        if self.synth is None or not self.synth.available:
            done(compile_plan(routine, options))
            return
        self._token += 1
        token = self._token
        self._plan_listeners[token] = done
        synth = self.synth
        signals = self._signals

        def progress(count: int, total: int) -> None:  # on the prepare thread
            signals.prepare_progress.emit(token, count, total)

        def work() -> None:
            try:
                plan = synth.prepare_plan(routine, options, progress)
            except Exception:  # the estimate still gives a usable plan
                log.exception("could not prepare the plan with real speech lengths")
                plan = compile_plan(routine, options)
            self._signals.prepared.emit(token, plan)

        threading.Thread(target=work, name="speech-prepare", daemon=True).start()

    def prerender(self, texts: Iterable[str]) -> None:
        """Render these texts in the background (e.g. after a voice or rate change)."""
        self._prerender_texts = list(dict.fromkeys(texts))
        if self.synth is None:
            return
        synth, texts_now = self.synth, list(self._prerender_texts)
        threading.Thread(target=synth.prerender, args=(texts_now,), name="speech-prerender",
                         daemon=True).start()

    def warm(self, routine: Routine, options: TimelineOptions | None) -> None:
        """Render this routine's prompts in the background, ahead of its session, when the
        voice is slow to render (the natural voice); nothing for espeak-ng. The latest call
        wins: selecting another routine moves on to its prompts."""
        if self.synth is None or not self.synth.slow:
            return
        texts = plan_texts(compile_plan(routine, options))
        with self._warm_lock:
            self._warm_texts = texts
            if self._warm_thread is not None:
                return  # the running thread takes the new texts next
            self._warm_thread = threading.Thread(target=self._warm_loop, name="speech-warm",
                                                 daemon=True)
            self._warm_thread.start()

    def _warm_loop(self) -> None:
        while True:
            with self._warm_lock:
                texts, self._warm_texts = self._warm_texts, None
                if texts is None or self.synth is None:
                    self._warm_thread = None
                    return
            try:
                self.synth.prerender(texts)
            except Exception:  # warming is only ahead-of-time work: the session renders too
                log.exception("could not render the routine ahead")

    def _on_prepare_progress(self, token: int, count: int, total: int) -> None:
        if token in self._plan_listeners:  # not a prepare given up on meanwhile
            self._signals.preparing.emit(count, total)

    def _on_prepared(self, token: int, plan: SessionPlan) -> None:
        self._prerender_texts = plan_texts(plan)
        listener = self._plan_listeners.pop(token, None)
        if listener is not None:
            listener(plan)
