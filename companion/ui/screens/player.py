"""The session player: what a person sees from across the room while the engine runs.

Display state only. Every key and button goes to the `EngineDriver`; every change on screen
comes from an engine event or from reading the engine (timer, progress) on a light refresh.

This module builds the screen and runs a session's life (prepare, start, tear down); its
parts are player_actions (keys and buttons) and player_view (events on screen), on
player_state.PlayerState; player_widgets holds its own widgets.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from companion.core.breathing import Phase
from companion.core.routine import Exercise
from companion.core.timeline import SessionPlan
from companion.ui.screens.breathing_circle import BreathingCircle
from companion.ui.screens.checkin_view import CheckinView
from companion.ui.screens.player_actions import PlayerActions
from companion.ui.screens.player_view import PAUSE_NAME, PROGRESS_STEPS, PlayerView
from companion.ui.screens.player_widgets import (
    BigTimer,
    SessionProgress,
    described,
    pin_lines,
    player_button,
)
from companion.ui.services.container import AppServices
from companion.ui.services.session import Session, build_session, plan_inputs
from companion.ui.widgets.elided import ElidedLabel
from companion.ui.widgets.style import apply_font

log = logging.getLogger(__name__)

REFRESH_MS = 100
# A voice that says nothing for this long while getting ready is given up on (the session
# starts with estimated speech lengths); each prompt it renders restarts the wait, so the
# first session of a natural voice may take its time, with progress on screen.
PREPARE_TIMEOUT_MS = 15_000

PLAYER_KEYS = ("Keys: Space pause or resume, U I feel unwell, R repeat the last prompt, "
               "N skip, D done, plus sign adds 15 seconds of rest, Esc end the session.")


class PlayerScreen(PlayerActions, PlayerView):
    """One session on screen. Emits `session_over` once the engine has ended or stopped."""

    session_started = Signal(object)  # the Session, once the engine runs
    session_over = Signal(object)  # the SessionSummary
    end_requested = Signal()  # Esc / End button: the window confirms, then calls end()
    red_flag_raised = Signal()  # the red flag is durable: the window shows the safety screen

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.session: Session | None = None
        self._preparing: object | None = None
        self._pending: tuple[Any, int | None, object] | None = None  # (routine, mood, token)
        self._alternatives: Mapping[str, Exercise] = {}  # the routine's stand-in exercises
        self._warm = False
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.timeout.connect(self._prepare_timed_out)
        self._progress_source: object = None  # the speaker signals `preparing` comes from
        self.setAccessibleName("Session player")
        self.setAccessibleDescription(PLAYER_KEYS)
        self._answered_checkin = False
        self._over_sent = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.setSpacing(10)

        # top: what is happening, and the always-visible "I feel unwell"
        top = QHBoxLayout()
        head = QVBoxLayout()
        self.state_label = QLabel("", self)
        described(self.state_label, "Phase")
        apply_font(self.state_label, "heading", bold=True)
        self.exercise_label = ElidedLabel("", self)
        described(self.exercise_label, "Exercise")
        apply_font(self.exercise_label, "exercise", bold=True)
        self.counter_label = ElidedLabel("", self)
        described(self.counter_label, "Set and round")
        apply_font(self.counter_label, "counter")
        for label in (self.state_label, self.exercise_label, self.counter_label):
            pin_lines(label, 1)
            head.addWidget(label)
        top.addLayout(head, 1)
        self.unwell_button = player_button("I feel unwell  (U)",
                                           "I feel unwell: stop the session now", self)
        self.unwell_button.setObjectName("unwell")
        apply_font(self.unwell_button, "heading", bold=True)
        self.unwell_button.clicked.connect(self.report_unwell)
        top.addWidget(self.unwell_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)

        # centre: the timer (and reps) beside the breathing circle
        self.center = QWidget(self)
        center = QHBoxLayout(self.center)
        center.setContentsMargins(0, 0, 0, 0)
        timer_col = QVBoxLayout()
        self.timer_caption = QLabel("", self.center)
        self.timer_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        described(self.timer_caption, "What the timer shows")
        apply_font(self.timer_caption, "counter")
        pin_lines(self.timer_caption, 1)
        self.timer = BigTimer(self.center)
        self.reps_label = QLabel("", self.center)
        self.reps_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reps_label.setWordWrap(True)
        described(self.reps_label, "Rep count")
        apply_font(self.reps_label, "reps", bold=True)
        self.reps_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        timer_col.addWidget(self.timer_caption)
        timer_col.addWidget(self.timer, 1)
        center.addLayout(timer_col, 3)
        # The right side shows the breathing circle or the rep count in the same place, so
        # switching between them never re-lays out the window or resizes the big timer
        # (a full relayout and repaint costs several milliseconds on the GUI thread).
        self.side = QStackedWidget(self.center)
        self.circle = BreathingCircle(services.clock.now, self.side)
        self.side.addWidget(self.reps_label)
        self.side.addWidget(self.circle)
        self.side.setCurrentWidget(self.reps_label)
        center.addWidget(self.side, 2)
        outer.addWidget(self.center, 1)

        # The check-in view scrolls rather than making the window taller than a laptop
        # screen; the scroll area shows exactly when the view does (see _sync_checkin).
        self.checkin_area = QScrollArea(self)
        self.checkin_area.setWidgetResizable(True)
        self.checkin_area.setFrameShape(QFrame.Shape.NoFrame)
        self.checkin_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        make_checkin = services.checkin_view_factory or CheckinView
        self.checkin: Any = make_checkin(self.checkin_area)
        self.checkin_area.setWidget(self.checkin)
        self.checkin_area.setMinimumHeight(0)
        outer.addWidget(self.checkin_area)
        self._outer = outer
        self.checkin.all_clear.connect(self._all_clear)
        self.checkin.red_flag.connect(self.report_unwell)
        self.checkin.symptom_chosen.connect(self._symptom)
        self.checkin.effort_chosen.connect(self._effort)
        self.checkin.effort_skipped.connect(self._skip_effort)
        # optional extras of the full CheckinView (amber advice, "waiting for you")
        self._show_amber = getattr(self.checkin, "show_amber", None)
        self._show_stalled = getattr(self.checkin, "show_stalled", None)

        self.next_label = ElidedLabel("", self)
        described(self.next_label, "Next exercise")
        apply_font(self.next_label, "body")
        pin_lines(self.next_label, 1)
        outer.addWidget(self.next_label)

        cap_frame = QFrame(self)
        cap_frame.setObjectName("caption")
        cap_lay = QVBoxLayout(cap_frame)
        self.caption = QLabel("", cap_frame)
        self.caption.setWordWrap(True)
        described(self.caption, "Caption: the last prompt")
        apply_font(self.caption, "caption")
        pin_lines(self.caption, 2)
        cap_lay.addWidget(self.caption)
        cap_frame.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer.addWidget(cap_frame)
        # the microphone line: listening or not, and what was heard ("Voice: Heard: all clear")
        self.mic_label = QLabel("", self)
        described(self.mic_label, "Voice input")
        apply_font(self.mic_label, "small")
        pin_lines(self.mic_label, 1)
        outer.addWidget(self.mic_label)
        self._router: Any = None
        voice_input = getattr(services, "voice_input", None)
        if voice_input is not None:
            voice_input.decided.connect(self._show_heard)
            voice_input.state_changed.connect(lambda _s: self._show_heard(None))

        # 300 steps is smooth enough (each step repaints the bar)
        self.progress = SessionProgress(PROGRESS_STEPS, self)
        self.progress.setFixedHeight(max(14, self.fontMetrics().height()))
        outer.addWidget(self.progress)

        controls = QHBoxLayout()
        self.pause_button = player_button("Pause  (Space)", PAUSE_NAME, self)
        self.skip_button = player_button("Skip  (N)", "Skip to the next step", self)
        self.repeat_button = player_button("Repeat  (R)", "Repeat the last prompt", self)
        self.rest_button = player_button("+15 s  (+)", "Add 15 seconds of rest", self)
        self.done_button = player_button("Done  (D)", "Done with this set", self)
        self.end_button = player_button("End  (Esc)", "End the session", self)
        self.full_button = player_button("Full screen  (F11)", "Toggle full screen", self)
        for b in (self.pause_button, self.skip_button, self.repeat_button, self.rest_button,
                  self.done_button, self.end_button, self.full_button):
            controls.addWidget(b)
        outer.addLayout(controls)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.skip_button.clicked.connect(self.skip)
        self.repeat_button.clicked.connect(self.repeat)
        self.rest_button.clicked.connect(self.add_rest)
        self.done_button.clicked.connect(self.done)
        self.end_button.clicked.connect(self.end_requested.emit)
        self.full_button.clicked.connect(self.fullscreen_requested.emit)

        self._refresh = QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.refresh)

    # -- session lifecycle -------------------------------------------------------------------
    def start(self, routine: Any, mood: int | None = None,
              alternatives: Mapping[str, Exercise] | None = None) -> Session | None:
        """Start a session for `routine` (a core Routine; `alternatives`: its file's
        stand-in exercises, `RoutineEntry.alternatives`).

        A speaker that can `prepare` compiles the plan with real speech lengths and renders
        it off the GUI thread first ("Getting ready"); then the session starts and
        `session_started` is emitted. Otherwise it starts at once and is returned.
        """
        self._teardown()
        self._alternatives = alternatives or {}
        self._warm_up()
        self._reset_view()
        prepare = getattr(self.services.speaker, "prepare", None)
        if callable(prepare):
            self._preparing = token = object()
            self._pending = (routine, mood, token)
            self.state_label.setText("Getting ready")
            self.caption.setText("Getting the voice ready…")
            as_run, options = plan_inputs(routine, self.services, self._alternatives)
            signals = getattr(self.services.speaker, "signals", None)
            if signals is not None and hasattr(signals, "preparing") \
                    and signals is not self._progress_source:
                signals.preparing.connect(self._on_preparing)
                self._progress_source = signals
            # a voice that never answers must not keep the person waiting: start anyway
            # with estimated speech lengths (captions and tones still follow every cue)
            self._prepare_timer.start(PREPARE_TIMEOUT_MS)
            prepare(as_run, options, lambda plan: self._begin(routine, mood, plan, token))
            return None
        return self._begin(routine, mood, None, None)

    def _begin(self, routine: Any, mood: int | None, plan: SessionPlan | None,
               token: object | None) -> Session | None:
        if token is not None and token is not self._preparing:
            return None  # a newer start (or a cancel) superseded this one
        self._preparing = None
        self._prepare_timer.stop()
        self.progress.set_value(0)
        self.session = build_session(routine, self.services, self, plan, self._alternatives)
        self.session.driver.event_emitted.connect(self.on_event)
        voice_input = getattr(self.services, "voice_input", None)
        if voice_input is not None:
            try:
                self._router = voice_input.attach(self.session.engine, self.session.driver)
            except Exception:  # voice commands are optional; keys always work
                log.exception("voice commands unavailable for this session")
                self._router = None
        self._show_heard(None)
        self._refresh.start()
        self.session.driver.start(mood)
        self.refresh()
        self.session_started.emit(self.session)
        return self.session

    def _prepare_timed_out(self) -> None:
        if self._preparing is not None and self._pending is not None:
            routine, mood, token = self._pending
            if token is self._preparing:
                log.warning("the voice did not prepare the session in time; "
                            "starting without it")
                self._begin(routine, mood, None, token)

    def _on_preparing(self, count: int, total: int) -> None:
        """The voice rendered another of the session's prompts (the first session of a
        natural voice): say how far it is, and give it time while it makes progress."""
        if self._preparing is None or total <= 0:
            return
        self._prepare_timer.start(PREPARE_TIMEOUT_MS)
        self.caption.setText(f"Preparing the voice for this routine (only the first time): "
                             f"{count} of {total} prompts")
        self.progress.set_value(count * PROGRESS_STEPS // total)

    def cancel_preparing(self) -> bool:
        """Forget a start still waiting for the voice (Esc while getting ready)."""
        if self._preparing is None:
            return False
        self._preparing = None
        self._prepare_timer.stop()
        self.progress.set_value(0)
        return True

    @property
    def preparing(self) -> bool:
        return self._preparing is not None

    def _warm_up(self) -> None:
        """Render each look once before the clock runs: the first polish and glyph caching
        of the big fonts then happen now, not as a stall at the first set."""
        if self._warm or not self.isVisible():
            return
        self._warm = True
        self.timer.setText("0:00123456789")
        self.reps_label.setText("0123456789 / reps")
        self.circle.start_phase(Phase.IN, 1.0, self.services.clock.now())
        for page in (self.circle, self.reps_label):
            self.side.setCurrentWidget(page)
            self.grab()
        self.circle.stop()

    def _reset_view(self) -> None:
        self._over_sent = False
        self._answered_checkin = False
        self.caption.setText("")
        self.exercise_label.setText("")
        self.counter_label.setText("")
        self.next_label.setText("")
        self.reps_label.setText("")
        self.timer.setText("")
        self.timer_caption.setText("")
        self.progress.set_value(0)
        self.checkin.clear()
        self._sync_checkin()
        self.circle.stop()

    def _teardown(self) -> None:
        self._detach_voice()
        if self.session is not None:
            self.session.driver.event_emitted.disconnect(self.on_event)
            self.session.driver.deleteLater()
            self.session = None

    @property
    def active(self) -> bool:
        return self.session is not None and not self.session.engine.is_over

    @property
    def driver(self) -> Any:
        return self.session.driver if self.session else None


