"""What the workout player and the breathing screen share: one session's life on screen.

`SessionPage` prepares the voice ("Getting ready", given up on after `PREPARE_TIMEOUT_MS`
without news), starts the engine through its driver, attaches voice commands, drives the
refresh timer, passes pause / repeat / end / I feel unwell to the engine (U works in every
state, even while the voice is still getting ready: the session then starts so the stop
goes down the one red-flag path and is recorded), shows the caption and the breathing
circle of each cue, and says once when the session is over. What a workout or a breathing
session shows beyond that is the subclass's (`PlayerScreen`, `BreathingScreen`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from companion.core.events import (
    CueDue,
    Event,
    Paused,
    RedFlagRaised,
    Resumed,
    State,
    StateChanged,
    Symptom,
)
from companion.core.routine import Routine
from companion.core.timeline import CueKind, SessionPlan, TimelineOptions
from companion.qt.core import Qt, QTimer, Signal
from companion.qt.widgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from companion.ui.adapters.driver import EngineDriver
from companion.ui.screens.breathing_circle import BreathingCircle
from companion.ui.screens.buttons import named_button, unwell_button
from companion.ui.services.container import AppServices
from companion.ui.services.keys import Action
from companion.ui.services.ports import PreparingSpeaker
from companion.ui.services.session import Session
from companion.ui.widgets.button_row import ButtonRow

if TYPE_CHECKING:
    from companion.voice.decide import Decision
    from companion.voice.router import VoiceCommandRouter

log = logging.getLogger(__name__)

# A voice that says nothing for this long while getting ready is given up on (the session
# starts with estimated speech lengths); a page that shows the voice's progress restarts
# the wait on each prompt rendered (`_prepare_timer`).
PREPARE_TIMEOUT_MS = 15_000

STATE_WORDS = {
    State.IDLE: "",
    State.ARRIVAL: "Arrive",
    State.ANNOUNCE: "Get ready",
    State.COUNTDOWN: "Get ready",
    State.WORK: "Work",
    State.CHECKIN: "Check-in",
    State.REST: "Rest",
    State.COOLDOWN: "Cool-down",
    State.BREATHING: "Breathe",
    State.PAUSED: "Paused",
    State.ENDED: "Finished",
    State.STOPPED: "Stopped",
}

PAUSE_NAME = "Pause the session (Space)"
RESUME_NAME = "Resume the session: it is paused (Space)"

#: what is played: a core `Routine` (the player) or a `BreathingSession`
W = TypeVar("W")


def driving(call: Callable[[EngineDriver], None]) -> Callable[[SessionPage[Any]], None]:
    """A `SessionPage` action (a key or button): `call(driver)` while a session runs."""
    def act(page: SessionPage[Any]) -> None:
        page._drive(call)

    act.__name__ = call.__name__
    act.__doc__ = f"The driver's `{call.__name__}` while a session is running (a key or button)."
    return act


class SessionPage(QWidget, Generic[W]):
    """One session on screen (see the module). Subclasses build the widgets named below
    and give `_inputs`, `_build`, `_reset`, `refresh` and `_on_state`.

    Signals: `session_started(Session)` once the engine runs, `session_over(SessionSummary)`
    once it has ended or stopped (once, queued), `end_requested()` (Esc / End: the window
    asks, then calls `end()`), `red_flag_raised()` (the stop is durable: the window shows
    the safety screen), `fullscreen_requested()`.
    """

    session_started = Signal(object)
    session_over = Signal(object)
    end_requested = Signal()
    red_flag_raised = Signal()
    fullscreen_requested = Signal()

    #: the refresh timer's period, in milliseconds
    REFRESH_MS = 100
    #: what the log calls this page's session
    WHAT = "session"

    # the widgets every page has (built by the subclass)
    state_label: QLabel
    caption: QLabel
    mic_label: QLabel
    circle: BreathingCircle
    pause_button: QPushButton
    end_button: QPushButton
    full_button: QPushButton
    unwell_button: QPushButton  # built by `_top_row`

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.session: Session | None = None
        self._preparing: object | None = None
        self._pending: tuple[W, int | None, object] | None = None  # (what, mood, token)
        self._router: VoiceCommandRouter | None = None
        self._over_sent = False
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.timeout.connect(self._prepare_timed_out)
        self._refresh = QTimer(self)
        self._refresh.setInterval(self.REFRESH_MS)
        self._refresh.timeout.connect(self.refresh)

    # -- the widgets every page builds the same way -----------------------------------------
    def _top_row(self, outer: QVBoxLayout, head: Sequence[QWidget], *beside: QWidget) -> None:
        """The top row, into `outer`: the `head` column (phase first), `beside`, "I feel unwell"."""
        top, column = QHBoxLayout(), QVBoxLayout()
        for widget in head:
            column.addWidget(widget)
        top.addLayout(column, 1)
        for widget in beside:
            top.addWidget(widget)
        self.unwell_button = unwell_button(self, self.report_unwell)
        top.addWidget(self.unwell_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)

    def _controls(self, *middle: tuple[str, str, Callable[[], None]],
                  ) -> tuple[ButtonRow, list[QPushButton]]:
        """The row of buttons: Pause, then each of `middle` (text, accessible name, what
        a click does), then End and Full screen (two lines in a narrow window); returns
        the row and `middle`'s buttons."""
        self.pause_button = named_button("Pause  (Space)", PAUSE_NAME, self)
        made = [named_button(text, name, self) for text, name, _act in middle]
        self.end_button = named_button("End  (Esc)", "End the session", self)
        self.full_button = named_button("Full screen  (F11)", "Toggle full screen", self)
        row = ButtonRow((self.pause_button, *made, self.end_button, self.full_button), self)
        self.pause_button.clicked.connect(self.toggle_pause)
        for b, (_text, _name, act) in zip(made, middle, strict=True):
            b.clicked.connect(act)
        self.end_button.clicked.connect(self.end_requested.emit)
        self.full_button.clicked.connect(self.fullscreen_requested.emit)
        return row, made

    # -- what a subclass gives ----------------------------------------------------------------
    def _inputs(self, what: W) -> tuple[Routine, TimelineOptions]:
        """The routine and timeline options the voice prepares."""
        raise NotImplementedError

    def _build(self, what: W, plan: SessionPlan | None) -> Session:
        """The session (engine, listeners, driver) for `what`, on `plan` if prepared."""
        raise NotImplementedError

    def _reset(self, what: W) -> None:
        """A fresh screen for a new session of `what`."""
        raise NotImplementedError

    def refresh(self) -> None:
        """Read the engine (time left, progress): on the refresh timer and on changes."""
        raise NotImplementedError

    def _on_state(self, old: State, new: State) -> None:
        """The engine's state changed."""
        raise NotImplementedError

    def _progress_reset(self) -> None:
        """Getting ready is over (started or cancelled): a page showing its progress
        clears it."""

    def _watch_preparing(self) -> None:
        """The voice starts getting ready: a page may follow its progress."""

    def _wind_down(self) -> None:
        """The session has ended or stopped: what the page clears besides the circle."""

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, what: W, mood: int | None = None) -> Session | None:
        """Start a session of `what` with the mood given before (1-5 or None).

        A speaker that can `prepare` compiles the plan with real speech lengths and renders
        it off the GUI thread first ("Getting ready"): then the session starts later, this
        returns None and `session_started` says when. Otherwise it starts at once and the
        session is returned.
        """
        self._teardown()
        self._over_sent = False
        self._reset(what)
        speaker = self.services.speaker
        if isinstance(speaker, PreparingSpeaker):
            self._preparing = token = object()
            self._pending = (what, mood, token)
            self.state_label.setText("Getting ready")
            self.caption.setText("Getting the voice ready…")
            routine, options = self._inputs(what)
            self._watch_preparing()
            # the way back stays open while the voice gets ready (End = Esc: nothing to
            # record yet, the start screen again); Pause has nothing to pause until then
            self.end_button.setEnabled(True)
            # a voice that never answers must not keep the person waiting: start anyway
            # with estimated speech lengths (captions and tones still follow every cue)
            self._prepare_timer.start(PREPARE_TIMEOUT_MS)

            def ready(plan: SessionPlan) -> None:
                self._begin(what, mood, plan, token)

            speaker.prepare(routine, options, ready)
            return None
        return self._begin(what, mood, None, None)

    def _begin(self, what: W, mood: int | None, plan: SessionPlan | None,
               token: object | None) -> Session | None:
        if token is not None and token is not self._preparing:
            return None  # a newer start (or a cancel) superseded this one
        self._preparing = None
        self._prepare_timer.stop()
        self._progress_reset()
        self.session = self._build(what, plan)
        self.session.driver.event_emitted.connect(self.on_event)
        voice_input = self.services.voice_input
        if voice_input is not None:
            try:
                self._router = voice_input.attach(self.session.engine, self.session.driver)
            except Exception:  # voice commands are optional; keys always work
                log.exception("voice commands unavailable for this %s", self.WHAT)
                self._router = None
        self._show_heard(None)
        self._refresh.start()
        self.session.driver.start(mood)
        self.refresh()
        self.session_started.emit(self.session)
        return self.session

    def _prepare_timed_out(self) -> None:
        if self._preparing is not None and self._pending is not None:
            what, mood, token = self._pending
            if token is self._preparing:
                log.warning("the voice did not prepare the %s in time; starting without it",
                            self.WHAT)
                self._begin(what, mood, None, token)

    def cancel_preparing(self) -> bool:
        """Forget a start still waiting for the voice (Esc while getting ready)."""
        if self._preparing is None:
            return False
        self._preparing = None
        self._prepare_timer.stop()
        self._progress_reset()
        return True

    @property
    def preparing(self) -> bool:
        return self._preparing is not None

    @property
    def active(self) -> bool:
        return self.session is not None and not self.session.engine.is_over

    @property
    def driver(self) -> EngineDriver | None:
        return self.session.driver if self.session else None

    def _drive(self, act: Callable[[EngineDriver], None]) -> None:
        """`act(driver)` if a session is still running (a key or button), else nothing."""
        if self.session is not None and self.active:
            act(self.session.driver)

    def _teardown(self) -> None:
        self._detach_voice()
        if self.session is not None:
            self.session.driver.event_emitted.disconnect(self.on_event)
            self.session.driver.deleteLater()
            self.session = None

    # -- actions (keys and buttons) -----------------------------------------------------------
    toggle_pause = driving(EngineDriver.pause)
    repeat = driving(EngineDriver.repeat)
    end = driving(EngineDriver.stop)

    def report_unwell(self) -> None:
        """U / the red button: works even while the voice is still getting ready. The session
        then starts without waiting, so the stop goes down the one red-flag path (cut speech,
        commit, stop message, safety screen) and is in the history like any other."""
        if self.session is None and self._preparing is not None and self._pending is not None:
            what, mood, token = self._pending
            self._begin(what, mood, None, token)
        if self.session is not None:
            self.session.driver.red_flag()

    def specify_symptom(self, symptom: Symptom) -> None:
        """Which symptom it was (the safety screen asks after the stop)."""
        if self.session is not None:
            self.session.driver.specify_symptom(symptom)

    def perform(self, action: Action, arg: int | None = None, autorepeat: bool = False) -> bool:
        """One action of the key table (companion.ui.services.keys.BINDINGS) in this page;
        False if it means nothing here."""
        if action is Action.PAUSE:
            self.toggle_pause()
        elif action is Action.REPEAT:
            self.repeat()
        elif action is Action.RED_FLAG:
            self.report_unwell()
        elif action is Action.END_SESSION:
            if self.session is None:
                if self.cancel_preparing():
                    self.end_requested.emit()
            elif self.active:
                self.end_requested.emit()
        elif action is Action.CANCEL_PREPARING:
            if self.cancel_preparing():
                self.end_requested.emit()
        else:
            return False
        return True

    # -- engine events ------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        """One engine event on screen (the driver delivers them on the GUI thread)."""
        if isinstance(event, CueDue):
            self._on_cue(event)
        elif isinstance(event, RedFlagRaised):
            self.red_flag_raised.emit()
        elif isinstance(event, Paused):
            self.circle.pause()
        elif isinstance(event, Resumed):
            self.circle.resume()
        elif isinstance(event, StateChanged):
            self._on_state(event.old, event.new)
        else:
            self._on_other(event)
        if isinstance(event, StateChanged | Paused | Resumed):
            self.refresh()

    def _on_other(self, event: Event) -> None:
        """An event this base does not show (sets, check-ins: the player's)."""

    def _on_cue(self, event: CueDue) -> None:
        cue = event.cue
        self.caption.setText(cue.text)  # tone-only breaths too: the caption never lags
        if cue.kind is CueKind.BREATHE and cue.phase is not None:
            # anchor at the cue's due time, not at now: a late wake-up stays in sync
            started = self.services.clock.now() - event.late
            self.circle.start_phase(cue.phase, cue.phase_seconds or 1.0, started)

    def _show_pause(self, state: State) -> None:
        """The state's word, and the pause button saying what Space does now."""
        self.state_label.setText(STATE_WORDS[state])
        paused = state is State.PAUSED
        self.pause_button.setText("Resume  (Space)" if paused else "Pause  (Space)")
        self.pause_button.setAccessibleName(RESUME_NAME if paused else PAUSE_NAME)

    def _speaking_changed(self, _speaking: bool) -> None:
        """The app's voice started or stopped: the line says whether it listens, unless it
        is showing what was heard (that stays until the next question)."""
        from companion.ui.adapters.listening import LISTENING_NOTICE, SPEAKING_NOTICE

        if self.mic_label.text() in ("", LISTENING_NOTICE, SPEAKING_NOTICE):
            self._show_heard(None)

    def _show_heard(self, decision: Decision | None = None) -> None:
        """The microphone line: listening or not, and what was heard."""
        from companion.ui.adapters.listening import indicator_text

        voice_input = self.services.voice_input
        if voice_input is None:
            self.mic_label.setText("")
            return
        router = self._router
        self.mic_label.setText(indicator_text(
            voice_input.state, decision, router.expecting if router is not None else None,
            speaking=voice_input.speaking))

    def _detach_voice(self) -> None:
        voice_input = self.services.voice_input
        if voice_input is not None and self._router is not None:
            voice_input.detach()
        self._router = None

    def stop_listening(self) -> None:
        """The end screen is left: the voice stops listening for this session's "stop"."""
        self._detach_voice()

    def _finish(self) -> None:
        if self.session is None or self.session.engine.state is not State.ENDED:
            self._detach_voice()  # an ended session keeps "stop" on its end screen
        self._refresh.stop()
        self._wind_down()
        self.circle.stop()
        if self.session is not None and not self._over_sent:
            self._over_sent = True
            # queued: let the engine finish delivering this event before screens switch
            summary = self.session.summary
            QTimer.singleShot(0, lambda: self.session_over.emit(summary))
