"""Voice commands in the app: the microphone listener, marshalled onto the GUI thread.

`VoiceInput` owns the app-wide `VoiceListener` (recogniser in its own process, microphone
via sounddevice when there is one). Results arrive on a reader thread and cross to the GUI
thread through a queued signal, where the session's `VoiceCommandRouter` applies them
through the `EngineDriver` exactly as a key press would be (errors stop the session
safely, the timer is re-armed). Without a microphone, or with the setting off, it reports
why and everything else works as before.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from companion.core.engine import SessionEngine
from companion.ui.driver import EngineDriver
from companion.voice.decide import Decision, Surroundings, VoiceCommandRouter
from companion.voice.listen import Heard, ListenerState, ListenSettings, ListenStatus

log = logging.getLogger(__name__)


class VoiceInput(QObject):
    """App-wide voice input; `attach()` a session, `detach()` when it ends."""

    heard = Signal(object)  # Heard, queued from the reader thread
    state_changed = Signal(object)  # ListenerState
    decided = Signal(object)  # Decision, for the microphone indicator

    def __init__(self, enabled: bool, parent: QObject | None = None,
                 listener: Any = None) -> None:
        super().__init__(parent)
        self.state = ListenerState(ListenStatus.OFF, "not started")
        self._router: VoiceCommandRouter | None = None
        self._driver: EngineDriver | None = None
        self._listener = listener
        self._enabled = enabled
        self.heard.connect(self._on_heard)
        self.state_changed.connect(self._remember_state)

    # -- lifecycle ---------------------------------------------------------------------------
    def open(self) -> None:
        """Load the recogniser and open the microphone off the GUI thread."""
        if not self._enabled:
            self._remember_state(ListenerState(ListenStatus.OFF,
                                               "voice input is turned off in Settings"))
            return
        if self._listener is None:
            from companion.voice.listen import VoiceListener

            self._listener = VoiceListener(ListenSettings(enabled=True))
            self._listener.on_result(self.heard.emit)
            self._listener.on_state(self.state_changed.emit)
        self._listener.open_in_background()

    def set_enabled(self, enabled: bool) -> None:
        if enabled == self._enabled:
            return
        self._enabled = enabled
        self.close()
        self._listener = None
        self.open()

    def close(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:  # closing must not turn a clean exit into a crash
                log.exception("closing the voice listener failed")

    def _remember_state(self, state: ListenerState) -> None:
        self.state = state
        log.info("voice input: %s %s", state.status.value, state.reason)

    @property
    def listening_possible(self) -> bool:
        return self.state.status is ListenStatus.OK

    # -- sessions ----------------------------------------------------------------------------
    def attach(self, engine: SessionEngine, driver: EngineDriver) -> VoiceCommandRouter:
        self._driver = driver
        self._router = VoiceCommandRouter(engine, self._listener)
        self._router.on_decision(self.decided.emit)
        return self._router

    def detach(self) -> None:
        if self._listener is not None and self._router is not None:
            self._listener.stop()
        self._router = None
        self._driver = None

    def set_speaking(self, speaking: bool) -> None:
        """The app's own voice is playing: hear nothing (no answering its own questions)."""
        if self._listener is not None:
            self._listener.set_speaking(speaking)

    def connect_speaker(self, speaker: Any) -> None:
        signals = getattr(speaker, "signals", None)
        if signals is None:
            return
        signals.started.connect(lambda *_: self.set_speaking(True))
        signals.idle.connect(lambda: self.set_speaking(False))

    def _on_heard(self, heard: Heard) -> None:
        router, driver = self._router, self._driver
        if router is None or driver is None:
            return
        driver.run(lambda: router.handle(heard.phrase, heard.confidence, heard.expecting,
                                         heard.margin, heard.around))

    # for tests and the indicator
    def simulate(self, phrase: str | None, confidence: float,
                 margin: float | None = math.inf,
                 around: Surroundings | None = None) -> Decision | None:
        """Apply a recognised phrase as if heard now (testing aid; by default "all clear"
        is taken as unrivalled and said on its own in a quiet room)."""
        router, driver = self._router, self._driver
        if router is None or driver is None:
            return None
        said = around or Surroundings.quiet()
        result: list[Decision] = []
        driver.run(lambda: result.append(router.handle(phrase, confidence, None, margin,
                                                       said)))
        return result[0] if result else None


def indicator_text(state: ListenerState, decision: Decision | None,
                   expecting: Callable[[], object] | None = None) -> str:
    """The small microphone line under the caption."""
    if state.status is ListenStatus.OFF:
        return ""
    if state.status is not ListenStatus.OK:
        return f"Voice input off: {state.reason}. Keys and buttons work as usual."
    if decision is not None:
        return f"Voice: {decision.heard_text}"
    listening = expecting() if expecting is not None else None
    return "Voice: listening" if listening is not None else ""
