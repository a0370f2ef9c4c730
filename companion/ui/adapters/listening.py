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

from companion.core.engine import SessionEngine
from companion.core.safety import ALL_CLEAR_KEY
from companion.qt.core import QObject, QTimer, Signal
from companion.ui.adapters.driver import EngineDriver
from companion.ui.adapters.speech_signals import RenderingSpeaker
from companion.voice.base import Speaker
from companion.voice.decide import CONFIRM_PROMPT, Action, Decision, Expecting, Surroundings, decide
from companion.voice.heard import Heard, ListenerState, ListenSettings, ListenStatus, NoiseReport
from companion.voice.router import VoiceCommandRouter

log = logging.getLogger(__name__)


NOISY_NOTICE = "It's noisy here: please use the keys"


class VoiceInput(QObject):
    """App-wide voice input; `attach()` a session, `detach()` when it ends.

    When the recogniser finds the room too noisy to listen in, the state says so
    (`state.noisy`, shown on the microphone line) and, during a session, the voice says
    NOISY_NOTICE once each time it turns on. Settings' "Test my microphone" uses
    `begin_test`/`end_test`: the input level, the noise and what was heard, acted on by
    nothing.
    """

    heard = Signal(object)  # Heard, queued from the reader thread
    state_changed = Signal(object)  # ListenerState
    decided = Signal(object)  # Decision, for the microphone indicator
    noise_changed = Signal(object)  # NoiseReport, queued from the reader thread
    level = Signal(float)  # input level in dBFS, queued from the audio thread
    tested = Signal(object, object)  # Heard, Decision: what the microphone test heard
    speaking_changed = Signal(bool)  # the app's own voice started (True) / stopped talking

    def __init__(self, enabled: bool, parent: QObject | None = None,
                 listener: Any = None) -> None:
        super().__init__(parent)
        self.state = ListenerState(ListenStatus.OFF, "not started")
        self._router: VoiceCommandRouter | None = None
        self._driver: EngineDriver | None = None
        self._listener = listener
        self._enabled = enabled
        self._opened = False  # open() called (at start-up: once the start screen is up)
        self._speaker: Speaker | None = None
        self._testing = False
        self.noisy = False
        self.speaking = False  # the app's voice is talking: nothing is heard meanwhile
        self.heard.connect(self._on_heard)
        self.state_changed.connect(self._remember_state)
        self.noise_changed.connect(self._on_noise)
        self.decided.connect(self._on_decision)
        # the confirmation question ("All clear? Say yes, or press C") times out by itself
        self._expiry = QTimer(self)
        self._expiry.setInterval(500)
        self._expiry.timeout.connect(self._expire)

    # -- lifecycle ---------------------------------------------------------------------------
    def open(self) -> None:
        """Load the recogniser and open the microphone off the GUI thread."""
        self._opened = True
        if not self._enabled:
            # emitted, not just kept: the banner and the microphone line follow it
            self.state_changed.emit(ListenerState(ListenStatus.OFF,
                                                  "voice input is turned off in Settings"))
            return
        if self._listener is None:
            from companion.voice.listen import VoiceListener

            self._listener = VoiceListener(ListenSettings(enabled=True))
            self._listener.on_result(self.heard.emit)
            self._listener.on_state(self.state_changed.emit)
            self._listener.on_noise(self.noise_changed.emit)
            self._listener.on_level(self.level.emit)
        self._listener.open_in_background()

    def open_if_not_yet(self) -> None:
        """`open()` unless done: a session or the microphone test that comes before the
        start-up has opened the microphone opens it now."""
        if not self._opened:
            self.open()

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
        if state.noisy is not self.noisy:
            state = ListenerState(state.status, state.reason, self.noisy)
        self.state = state
        log.info("voice input: %s %s", state.status.value, state.reason)

    def _on_noise(self, report: NoiseReport) -> None:
        if report.noisy is self.noisy:
            return
        self.noisy = report.noisy
        log.info("voice input: %s (noise %.0f dBFS, last utterance %s dB above it)",
                 "too noisy" if report.noisy else "quiet enough", report.noise_db,
                 report.snr_db)
        if report.noisy and self._router is not None and self._speaker is not None:
            self._say(NOISY_NOTICE + ".")
        self.state_changed.emit(ListenerState(self.state.status, self.state.reason,
                                              report.noisy))

    def _say(self, text: str) -> None:
        from companion.core.timeline import Cue, CueKind

        if self._speaker is None:
            return
        try:
            self._speaker.say(Cue(0.0, CueKind.INFO, text))
        except Exception:  # the notice is also on screen
            log.exception("could not say the noise notice")

    @property
    def listening_possible(self) -> bool:
        return self.state.status is ListenStatus.OK

    # -- sessions ----------------------------------------------------------------------------
    def attach(self, engine: SessionEngine, driver: EngineDriver) -> VoiceCommandRouter:
        self.end_test()
        self.open_if_not_yet()
        self._driver = driver
        self._router = VoiceCommandRouter(engine, self._listener)
        self._router.on_decision(self.decided.emit)
        self._expiry.start()
        return self._router

    def _on_decision(self, decision: Decision) -> None:
        if decision.action is Action.CONFIRM and self._speaker is not None:
            self._say(CONFIRM_PROMPT.format(key=ALL_CLEAR_KEY))

    def _expire(self) -> None:
        router, driver = self._router, self._driver
        if router is not None and driver is not None and router.confirming:
            driver.run(router.expire)
            if not router.confirming:  # lapsed: the line drops "All clear? Say yes" too
                self.state_changed.emit(self.state)

    def detach(self) -> None:
        self._expiry.stop()
        if self._listener is not None and self._router is not None:
            self._listener.stop()
        self._router = None
        self._driver = None

    def set_speaking(self, speaking: bool) -> None:
        """The app's own voice is playing: hear nothing (no answering its own questions),
        and say so on the microphone line (`speaking_changed`)."""
        if self._listener is not None:
            self._listener.set_speaking(speaking)
        if speaking is not self.speaking:
            self.speaking = speaking
            self.speaking_changed.emit(speaking)

    def connect_speaker(self, speaker: Speaker) -> None:
        """The app's voice: its notices are said through it and, when it has signals, the
        microphone hears nothing while it speaks."""
        self._speaker = speaker
        if isinstance(speaker, RenderingSpeaker):
            speaker.signals.started.connect(lambda *_: self.set_speaking(True))
            speaker.signals.idle.connect(lambda: self.set_speaking(False))

    def _on_heard(self, heard: Heard) -> None:
        if self._testing:
            self.tested.emit(heard, decide(heard.phrase, heard.confidence, heard.expecting,
                                           heard.margin, heard.around))
            return
        router, driver = self._router, self._driver
        if router is None or driver is None:
            return
        driver.run(lambda: router.handle(heard.phrase, heard.confidence, heard.expecting,
                                         heard.margin, heard.around, early=heard.early))

    # -- Settings: "Test my microphone" -------------------------------------------------------
    def begin_test(self) -> str | None:
        """Listen as at a check-in, acting on nothing: what is heard arrives through `tested`,
        the input level through `level`, the noise through `noise_changed`. Returns why it
        cannot (voice input off, no microphone, a session running), or None."""
        if self._router is not None:
            return "a session is running: try the microphone between sessions"
        self.open_if_not_yet()
        if self._listener is None or not self.listening_possible:
            return self.state.reason or "voice input is off"
        self._testing = True
        self._listener.start(Expecting.CHECKIN)
        return None

    def end_test(self) -> None:
        if self._testing and self._listener is not None and self._router is None:
            self._listener.stop()
        self._testing = False

    @property
    def testing(self) -> bool:
        return self._testing

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


#: the microphone line while the app's own voice talks (it never hears itself answer)
SPEAKING_NOTICE = "Voice: not listening while Companion speaks (keys work)"
#: the microphone line while an answer is expected and nothing has been heard yet
LISTENING_NOTICE = "Voice: listening"


def indicator_text(state: ListenerState, decision: Decision | None,
                   expecting: Callable[[], object] | None = None,
                   speaking: bool = False) -> str:
    """The small microphone line under the caption; `speaking`: the app's voice is
    talking, so nothing said meanwhile is heard (a tester's "stop" said over a prompt was
    lost while this line still said "listening")."""
    if state.status is ListenStatus.OFF:
        return ""
    if state.status is not ListenStatus.OK:
        return f"Voice input off: {state.reason}. Keys and buttons work as usual."
    if state.noisy:
        heard = f" (Heard: {decision.heard_text.removeprefix('Heard: ')})" \
            if decision is not None else ""
        return f"Voice: {NOISY_NOTICE}{heard}"
    if decision is not None:
        return f"Voice: {decision.heard_text}"
    listening = expecting() if expecting is not None else None
    if listening is None:
        return ""
    return SPEAKING_NOTICE if speaking else LISTENING_NOTICE
