"""The session player: what a person sees from across the room while the engine runs.

Display state only. Every key and button goes to the `EngineDriver`; every change on screen
comes from an engine event or from reading the engine (timer, progress) on a light refresh.

This module builds the screen and runs a session's life (prepare, start, tear down); its
parts are player_actions (keys and buttons) and player_view (events on screen), on
player_state.PlayerState; player_widgets holds its own widgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from companion.core.breathing import Phase
from companion.core.events import State
from companion.core.routine import Exercise, Routine
from companion.core.timeline import SessionPlan, TimelineOptions
from companion.qt.core import Qt
from companion.qt.widgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from companion.ui.adapters.speech_signals import RenderingSpeaker
from companion.ui.screens.breathing_circle import BreathingCircle
from companion.ui.screens.checkin_view import CheckinView
from companion.ui.screens.labels import described, described_label
from companion.ui.screens.player_actions import PlayerActions
from companion.ui.screens.player_view import PROGRESS_STEPS, PlayerView
from companion.ui.screens.player_widgets import (
    BigTimer,
    SessionProgress,
    pin_lines,
)
from companion.ui.screens.session_page import PREPARE_TIMEOUT_MS
from companion.ui.services.container import AppServices
from companion.ui.services.session import Session, build_session, plan_inputs
from companion.ui.widgets.elided import ElidedLabel
from companion.ui.widgets.scroll import page_scroll
from companion.ui.widgets.style import apply_font

if TYPE_CHECKING:
    from companion.voice.decide import Decision

PLAYER_KEYS = ("Keys: Space pause or resume, U I feel unwell, R repeat the last prompt, "
               "N skip, D done, plus sign adds 15 seconds of rest, Esc end the session.")


class PlayerScreen(PlayerActions, PlayerView):
    """One workout on screen (its life, keys and signals: `SessionPage`)."""

    REFRESH_MS = 100

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(services, parent)
        self._alternatives: Mapping[str, Exercise] = {}  # the routine's stand-in exercises
        self._warm = False
        self._progress_source: object = None  # the speaker signals `preparing` comes from
        self.setAccessibleName("Session player")
        self.setAccessibleDescription(PLAYER_KEYS)
        self._answered_checkin = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.setSpacing(10)

        # top: what is happening, and the always-visible "I feel unwell"
        self.state_label = described_label(self, "Phase", "heading", bold=True)
        self.exercise_label = ElidedLabel("", self)
        described(self.exercise_label, "Exercise")
        apply_font(self.exercise_label, "exercise", bold=True)
        self.counter_label = ElidedLabel("", self)
        described(self.counter_label, "Set and round")
        apply_font(self.counter_label, "counter")
        for label in (self.state_label, self.exercise_label, self.counter_label):
            pin_lines(label, 1)
        self._top_row(outer, (self.state_label, self.exercise_label, self.counter_label))

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
        # screen, down to `CHECKIN_FLOOR_PX` (below that the whole screen scrolls); the
        # scroll area shows exactly when the view does (see _sync_checkin).
        self.checkin_area = page_scroll(QScrollArea(self))
        self.checkin_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        make_checkin = services.checkin_view_factory or CheckinView
        self.checkin: Any = make_checkin(self.checkin_area)
        self.checkin_area.setWidget(self.checkin)
        outer.addWidget(self.checkin_area)
        self._outer = outer
        self.checkin.all_clear.connect(self._all_clear)
        self.checkin.red_flag.connect(self.report_unwell)
        self.checkin.symptom_chosen.connect(self._symptom)
        self.checkin.effort_chosen.connect(self._effort)
        self.checkin.effort_skipped.connect(self._skip_effort)

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
        self.mic_label = described_label(self, "Voice input", "small")
        pin_lines(self.mic_label, 1)
        outer.addWidget(self.mic_label)
        voice_input = services.voice_input
        if voice_input is not None:
            voice_input.decided.connect(self._show_heard)
            voice_input.decided.connect(self._caption_confirmation)
            voice_input.state_changed.connect(lambda _s: self._show_heard(None))
            # "listening" / "not listening while Companion speaks", unless something heard
            # is on the line (it stays until the next question)
            voice_input.speaking_changed.connect(self._speaking_changed)

        # 300 steps is smooth enough (each step repaints the bar)
        self.progress = SessionProgress(PROGRESS_STEPS, self)
        self.progress.setFixedHeight(max(14, self.fontMetrics().height()))
        outer.addWidget(self.progress)

        controls, made = self._controls(
            ("Skip  (N)", "Skip to the next step", self.skip),
            ("Repeat  (R)", "Repeat the last prompt", self.repeat),
            ("+15 s  (+)", "Add 15 seconds of rest", self.add_rest),
            ("Done  (D)", "Done with this set", self.done))
        self.skip_button, self.repeat_button, self.rest_button, self.done_button = made
        outer.addWidget(controls)

    # -- session lifecycle (SessionPage runs it; these are the player's parts) -------------
    def start(self, what: Routine, mood: int | None = None,
              alternatives: Mapping[str, Exercise] | None = None) -> Session | None:
        """`SessionPage.start` for the routine `what`; `alternatives`: its file's stand-in
        exercises (`RoutineEntry.alternatives`), for the screening's adaptations."""
        self._alternatives = alternatives or {}
        return super().start(what, mood)

    def _inputs(self, what: Routine) -> tuple[Routine, TimelineOptions]:
        return plan_inputs(what, self.services, self._alternatives)

    def _build(self, what: Routine, plan: SessionPlan | None) -> Session:
        return build_session(what, self.services, self, plan, self._alternatives)

    def _reset(self, what: Routine) -> None:
        self._warm_up()
        self._reset_view()

    def _watch_preparing(self) -> None:
        """Follow the voice's progress (prompts rendered), once per speaker."""
        speaker = self.services.speaker
        if isinstance(speaker, RenderingSpeaker) and speaker.signals is not self._progress_source:
            speaker.signals.preparing.connect(self._on_preparing)
            self._progress_source = speaker.signals

    def _progress_reset(self) -> None:
        self.progress.set_value(0)

    def _on_preparing(self, count: int, total: int) -> None:
        """The voice rendered another of the session's prompts (the first session of a
        natural voice): say how far it is, and give it time while it makes progress."""
        if self._preparing is None or total <= 0:
            return
        self._prepare_timer.start(PREPARE_TIMEOUT_MS)
        self.caption.setText(f"Preparing the voice for this routine (only the first time): "
                             f"{count} of {total} prompts")
        self.progress.set_value(count * PROGRESS_STEPS // total)

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
        self._update_buttons(State.IDLE)  # until the session runs (End: see SessionPage.start)

    def _caption_confirmation(self, decision: Decision) -> None:
        """The confirmation question is spoken: the caption says it too (a tester saw the
        check-in question on screen while "All clear? Say yes, or press C" was said)."""
        from companion.core.safety import ALL_CLEAR_KEY
        from companion.voice.decide import CONFIRM_PROMPT, Action

        if decision.action is Action.CONFIRM and self.active:
            self.caption.setText(CONFIRM_PROMPT.format(key=ALL_CLEAR_KEY))
