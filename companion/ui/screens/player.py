"""The session player: what a person sees from across the room while the engine runs.

Display state only. Every key and button goes to the `EngineDriver`; every change on screen
comes from an engine event or from reading the engine (timer, progress) on a light refresh.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyleOptionProgressBar,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

from companion.core.breathing import Phase
from companion.core.events import (
    AmberSign,
    CheckinAnswered,
    CheckinAsked,
    CheckinStalled,
    CueDue,
    Event,
    Paused,
    RedFlagRaised,
    Resumed,
    SetStarted,
    State,
    StateChanged,
    Symptom,
)
from companion.core.routine import SetKind
from companion.core.timeline import CueKind, SegmentKind, SessionPlan
from companion.ui.screens.breathing_circle import BreathingCircle
from companion.ui.screens.checkin_view import CheckinView
from companion.ui.services.container import AppServices
from companion.ui.services.keys import Action
from companion.ui.services.session import Session, build_session, plan_inputs
from companion.ui.widgets.announce import announce
from companion.ui.widgets.elided import ElidedLabel
from companion.ui.widgets.style import apply_font, fmt_clock

log = logging.getLogger(__name__)

REFRESH_MS = 100
# A voice that says nothing for this long while getting ready is given up on (the session
# starts with estimated speech lengths); each prompt it renders restarts the wait, so the
# first session of a natural voice may take its time, with progress on screen.
PREPARE_TIMEOUT_MS = 15_000
PROGRESS_STEPS = 300

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

BREATHING_STATES = {State.ARRIVAL, State.REST, State.COOLDOWN}

PAUSE_NAME = "Pause the session (Space)"
RESUME_NAME = "Resume the session: it is paused (Space)"
PLAYER_KEYS = ("Keys: Space pause or resume, U I feel unwell, R repeat the last prompt, "
               "N skip, D done, plus sign adds 15 seconds of rest, Esc end the session.")


def _describe(label: QLabel, what: str) -> QLabel:
    """A text label: screen readers read its current text as its name, `what` as the
    description (a fixed name such as "Timer" would hide the text behind it)."""
    label.setAccessibleDescription(what)
    return label


class SessionProgress(QWidget):
    """The session's progress bar, drawn by the style exactly like a QProgressBar, but quiet
    for screen readers: a real progress bar reports every step ("5 percent... 6 percent..."
    every few seconds with Orca). Its description says how far along the session is, for
    whoever looks; it never announces itself."""

    def __init__(self, steps: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._steps = steps
        self._value = 0
        self._percent = -1
        self.setAccessibleName("Session progress")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.set_value(0)

    def value(self) -> int:
        return self._value

    def maximum(self) -> int:
        return self._steps

    def set_value(self, value: int) -> None:
        value = max(0, min(self._steps, value))
        if value != self._value:
            self._value = value
            self.update()
        percent = round(100 * value / self._steps) if self._steps else 0
        if percent != self._percent:
            self._percent = percent
            self.setAccessibleDescription(f"{percent}% of the session done")

    def sizeHint(self) -> QSize:
        return QSize(200, max(14, self.fontMetrics().height()))

    def paintEvent(self, event: QPaintEvent) -> None:
        option = QStyleOptionProgressBar()
        option.initFrom(self)
        option.minimum, option.maximum, option.progress = 0, self._steps, self._value
        option.textVisible = False
        option.state |= QStyle.StateFlag.State_Horizontal
        painter = QStylePainter(self)
        painter.drawControl(QStyle.ControlElement.CE_ProgressBar, option)


class BigTimer(QLabel):
    """The timer: its font follows the space it has, so it stays readable at 3 m."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("0:00", parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAccessibleDescription("Timer")
        # its size comes from the layout, never from the text (see _pin)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumHeight(120)

    def resizeEvent(self, event: QResizeEvent) -> None:
        font = self.font()
        # "00:00" is about 2.9 em wide in most fonts: fit both dimensions, at least 72 px.
        font.setPixelSize(max(72, int(min(self.height() * 0.8, self.width() / 3.0))))
        font.setBold(True)
        self.setFont(font)
        super().resizeEvent(event)


def _pin(label: QLabel, lines: int) -> None:
    """Fix a label's height and ignore its width hint, so a new text repaints only the label.

    Otherwise every caption or counter change re-lays out and repaints the whole window,
    several milliseconds of GUI thread each time.
    """
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    margins = label.contentsMargins()
    label.setFixedHeight(lines * label.fontMetrics().lineSpacing() + margins.top()
                         + margins.bottom() + 4)


def _button(text: str, name: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    apply_font(button, "button")
    return button


class PlayerScreen(QWidget):
    """One session on screen. Emits `session_over` once the engine has ended or stopped."""

    session_started = Signal(object)  # the Session, once the engine runs
    session_over = Signal(object)  # the SessionSummary
    end_requested = Signal()  # Esc / End button: the window confirms, then calls end()
    red_flag_raised = Signal()  # the red flag is durable: the window shows the safety screen
    fullscreen_requested = Signal()

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.session: Session | None = None
        self._preparing: object | None = None
        self._pending: tuple[Any, int | None, object] | None = None  # (routine, mood, token)
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
        _describe(self.state_label, "Phase")
        apply_font(self.state_label, "heading", bold=True)
        self.exercise_label = ElidedLabel("", self)
        _describe(self.exercise_label, "Exercise")
        apply_font(self.exercise_label, "exercise", bold=True)
        self.counter_label = ElidedLabel("", self)
        _describe(self.counter_label, "Set and round")
        apply_font(self.counter_label, "counter")
        for label in (self.state_label, self.exercise_label, self.counter_label):
            _pin(label, 1)
            head.addWidget(label)
        top.addLayout(head, 1)
        self.unwell_button = _button("I feel unwell  (U)", "I feel unwell: stop the session now",
                                     self)
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
        _describe(self.timer_caption, "What the timer shows")
        apply_font(self.timer_caption, "counter")
        _pin(self.timer_caption, 1)
        self.timer = BigTimer(self.center)
        self.reps_label = QLabel("", self.center)
        self.reps_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reps_label.setWordWrap(True)
        _describe(self.reps_label, "Rep count")
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
        _describe(self.next_label, "Next exercise")
        apply_font(self.next_label, "body")
        _pin(self.next_label, 1)
        outer.addWidget(self.next_label)

        cap_frame = QFrame(self)
        cap_frame.setObjectName("caption")
        cap_lay = QVBoxLayout(cap_frame)
        self.caption = QLabel("", cap_frame)
        self.caption.setWordWrap(True)
        _describe(self.caption, "Caption: the last prompt")
        apply_font(self.caption, "caption")
        _pin(self.caption, 2)
        cap_lay.addWidget(self.caption)
        cap_frame.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer.addWidget(cap_frame)
        # the microphone line: listening or not, and what was heard ("Voice: Heard: all clear")
        self.mic_label = QLabel("", self)
        _describe(self.mic_label, "Voice input")
        apply_font(self.mic_label, "small")
        _pin(self.mic_label, 1)
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
        self.pause_button = _button("Pause  (Space)", PAUSE_NAME, self)
        self.skip_button = _button("Skip  (N)", "Skip to the next step", self)
        self.repeat_button = _button("Repeat  (R)", "Repeat the last prompt", self)
        self.rest_button = _button("+15 s  (+)", "Add 15 seconds of rest", self)
        self.done_button = _button("Done  (D)", "Done with this set", self)
        self.end_button = _button("End  (Esc)", "End the session", self)
        self.full_button = _button("Full screen  (F11)", "Toggle full screen", self)
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
    def start(self, routine: Any, mood: int | None = None) -> Session | None:
        """Start a session for `routine` (a core Routine).

        A speaker that can `prepare` compiles the plan with real speech lengths and renders
        it off the GUI thread first ("Getting ready"); then the session starts and
        `session_started` is emitted. Otherwise it starts at once and is returned.
        """
        self._teardown()
        self._warm_up()
        self._reset_view()
        prepare = getattr(self.services.speaker, "prepare", None)
        if callable(prepare):
            self._preparing = token = object()
            self._pending = (routine, mood, token)
            self.state_label.setText("Getting ready")
            self.caption.setText("Getting the voice ready…")
            as_run, options = plan_inputs(routine, self.services)
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
        self.session = build_session(routine, self.services, self, plan)
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

    # -- actions (keys and buttons) -----------------------------------------------------------
    def toggle_pause(self) -> None:
        if self.active:
            self.driver.pause()

    def skip(self) -> None:
        if self.active:
            self.driver.skip()

    def repeat(self) -> None:
        if self.active:
            self.driver.repeat()

    def add_rest(self) -> None:
        if self.active:
            self.driver.add_rest()

    def done(self) -> None:
        if self.active:
            self.driver.done()

    def end(self) -> None:
        if self.active:
            self.driver.stop()

    def report_unwell(self) -> None:
        """U / the button: works even while the voice is still getting ready. The session
        then starts without waiting, so the stop goes down the one red-flag path (cut speech,
        commit, stop message, safety screen) and is in the history like any other."""
        if self.session is None and self._preparing is not None and self._pending is not None:
            routine, mood, token = self._pending
            self._begin(routine, mood, None, token)
        if self.session is not None:
            self.driver.red_flag()

    def _symptom(self, value: str) -> None:
        if self.session is not None:
            self.driver.red_flag(Symptom(value))

    def _all_clear(self) -> None:
        if self.active:
            self.driver.answer_checkin(True)

    def _skip_effort(self) -> None:
        self.checkin.clear()
        self._sync_checkin()

    def _effort(self, effort: int) -> None:
        """Recorded at once; the choice stays visible (and may be changed) during the rest."""
        if self.session is not None:
            self.driver.record_effort(effort)

    def mood_key(self, mood: int) -> None:
        """1-5 at the arrival or cool-down mood question."""
        if self.session is None:
            return
        state = self.session.engine.paused_state or self.session.engine.state
        if state in (State.ARRIVAL, State.COOLDOWN):
            self.driver.record_mood("before" if state is State.ARRIVAL else "after", mood)
            self.caption.setText(f"Mood noted: {mood} of 5.")
            announce(self, f"Mood noted: {mood} of 5.")

    def perform(self, action: Action, arg: int | None = None, autorepeat: bool = False) -> bool:
        """One action of the key table (companion.ui.services.keys.BINDINGS) in this screen."""
        simple = {
            Action.PAUSE: self.toggle_pause, Action.SKIP: self.skip, Action.REPEAT: self.repeat,
            Action.ADD_REST: self.add_rest, Action.DONE: self.done,
            Action.RED_FLAG: self.report_unwell,
        }
        if action in simple:
            simple[action]()
        elif action is Action.END_SESSION:
            if self.session is None:
                if self.cancel_preparing():
                    self.end_requested.emit()
            elif self.active:
                self.end_requested.emit()
        elif action is Action.CANCEL_PREPARING:
            if self.cancel_preparing():
                self.end_requested.emit()
        elif action is Action.ALL_CLEAR:
            self.checkin.answer_all_clear(deliberate=not autorepeat)
        elif action is Action.YES_SIGN:
            self.checkin.answer_yes()
        elif action is Action.ANSWER_HINT:
            self.checkin.show_answer_hint()
        elif action is Action.EFFORT and arg is not None:
            self.checkin.choose_effort(arg)
        elif action is Action.SKIP_EFFORT:
            self.checkin.skip_effort()
        else:
            return False
        return True

    # -- engine events ----------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        if isinstance(event, CueDue):
            self._on_cue(event)
        elif isinstance(event, SetStarted):
            self._answered_checkin = False
            self.checkin.clear()
            self._show_set()
        elif isinstance(event, CheckinAsked):
            self.checkin.ask(event.question)
        elif isinstance(event, CheckinAnswered):
            self._answered_checkin = True
            self.checkin.ask_effort()
        elif isinstance(event, AmberSign) and callable(self._show_amber):
            self._show_amber(event.suggestion)
        elif isinstance(event, CheckinStalled) and callable(self._show_stalled):
            self._show_stalled(True)
        elif isinstance(event, RedFlagRaised):
            self.red_flag_raised.emit()
        elif isinstance(event, Paused):
            self.circle.pause()
        elif isinstance(event, Resumed):
            self.circle.resume()
        elif isinstance(event, StateChanged):
            self._on_state(event.new)
            self._voice_mood(event.new)
            self._announce_state(event.old, event.new)
        if isinstance(event, CueDue) and event.cue.kind is CueKind.MOOD and self._router:
            state = self.session.engine.state if self.session else None
            self._router.expect_mood("before" if state is State.ARRIVAL else "after")
        if isinstance(event, StateChanged | Paused | Resumed):
            self.refresh()
        self._sync_checkin()

    def _voice_mood(self, state: State) -> None:
        """A spoken mood is taken only during the arrival / cool-down mood question."""
        if self._router is not None and state not in (State.ARRIVAL, State.COOLDOWN):
            self._router.cancel_mood()
        if self._router is not None:
            self._show_heard(None)

    def _sync_checkin(self) -> None:
        """Show the scroll area exactly when the check-in view is meant to be shown; while
        it shares the screen with the timer (effort during a rest) it gets most of the room."""
        wanted = not self.checkin.isHidden()
        if self.checkin_area.isHidden() == wanted:
            self.checkin_area.setVisible(wanted)
            self._outer.setStretchFactor(self.checkin_area, 2 if wanted else 0)
            if not wanted:
                self._focus_back()

    def _focus_back(self) -> None:
        """The check-in closed: the focus comes back to the player (not to whichever button
        Qt picks next), where it was before the question."""
        from PySide6.QtWidgets import QApplication

        focus = QApplication.focusWidget()
        if self.isVisible() and (focus is None or focus is self.checkin_area
                                 or self.checkin_area.isAncestorOf(focus)
                                 or not focus.isVisible()):
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_cue(self, event: CueDue) -> None:
        cue = event.cue
        self.caption.setText(cue.text)
        if cue.kind is CueKind.BREATHE and cue.phase is not None:
            # anchor at the cue's due time, not at now: a late wake-up stays in sync
            started = self.services.clock.now() - event.late
            self.circle.start_phase(cue.phase, cue.phase_seconds or 1.0, started)
        if cue.rep is not None:
            self._show_reps(cue.rep)

    def _on_state(self, new: State) -> None:
        self.state_label.setText(STATE_WORDS[new])
        self.pause_button.setText("Resume  (Space)" if new is State.PAUSED else "Pause  (Space)")
        self.pause_button.setAccessibleName(RESUME_NAME if new is State.PAUSED else PAUSE_NAME)
        if new is State.PAUSED:
            return
        breathing = new in BREATHING_STATES
        self.side.setCurrentWidget(self.circle if breathing else self.reps_label)
        if not breathing:
            self.circle.stop()
        self.center.setVisible(new is not State.CHECKIN)
        # the check-in question takes the centre's room while the centre is hidden
        if new is State.CHECKIN:
            self._outer.setStretchFactor(self.checkin_area, 2)
        if new is State.ARRIVAL:
            self.exercise_label.setText("Arrive and breathe")
            self.counter_label.setText(self._plan_text())
        elif new is State.COOLDOWN:
            self.exercise_label.setText("Cool-down breathing")
            self.counter_label.setText("All sets done")
            self.next_label.setText("")
        elif new is State.REST:
            self.exercise_label.setText("Rest and breathe")
        if new in (State.ANNOUNCE, State.WORK, State.COUNTDOWN):
            self.circle.stop()
        else:
            self.reps_label.setText("")
        if new in (State.ENDED, State.STOPPED):
            self._finish()
        self._update_buttons(new)

    def _announce_state(self, old: State, new: State) -> None:
        """Say the new phase once (a set's start is said by `_show_set`, with its exercise;
        the check-in by the check-in view; the end and a stop by their screens)."""
        if self.session is None:
            return
        exercise = self.exercise_label.text()
        if new is State.PAUSED:
            text = "Paused. Press Space to resume."
        elif new is State.WORK:
            target = self.reps_label.text()
            text = f"Go: {exercise}" + (f", {target}." if target else ".")
            if old is State.PAUSED:
                text = f"Resumed. {text}"
        elif new is State.REST:
            seconds = round(self.session.engine.remaining_in_segment())
            text = f"Rest and breathe, {seconds} seconds. {self.next_label.text()}"
            if old is State.PAUSED:
                text = "Resumed. Rest and breathe."
        elif new is State.ARRIVAL:
            text = f"Arrive and breathe. {self.counter_label.text()}."
        elif new is State.COOLDOWN:
            text = "Cool-down breathing. All sets done."
        elif old is State.PAUSED and new in (State.ANNOUNCE, State.COUNTDOWN, State.CHECKIN):
            text = f"Resumed. {STATE_WORDS[new]}."
        else:
            return
        announce(self, text)

    def _update_buttons(self, state: State) -> None:
        shown = self.session.engine.paused_state if self.session else None
        effective = shown or state
        live = state not in (State.ENDED, State.STOPPED, State.IDLE)
        self.pause_button.setEnabled((live and effective is not State.CHECKIN)
                                     or state is State.PAUSED)
        self.skip_button.setEnabled(live and effective is not State.CHECKIN)
        self.repeat_button.setEnabled(live)
        self.rest_button.setEnabled(live and effective is State.REST)
        self.done_button.setEnabled(live and effective is State.WORK)
        self.end_button.setEnabled(live)

    def _plan_text(self) -> str:
        if self.session is None:
            return ""
        r = self.session.routine
        return f"{r.name}: {len(r.exercises)} exercises × {r.rounds} rounds"

    def _show_set(self) -> None:
        assert self.session is not None
        seg = self.session.engine.segment
        if seg is None or seg.exercise is None or seg.set_no is None:
            return
        routine = self.session.routine
        per_round = len(routine.exercises)
        self.exercise_label.setText(seg.exercise.name)
        self.counter_label.setText(
            f"Set {seg.set_no + 1} of {self.session.summary.sets_total}   ·   "
            f"Round {seg.round} of {routine.rounds}   ·   "
            f"exercise {seg.set_no % per_round + 1} of {per_round}"
        )
        self._show_reps(0)
        nxt = self.session.engine.next_exercise()
        self.next_label.setText(f"Next: {nxt.name}, {nxt.target_text}" if nxt else
                                "Next: cool-down")
        announce(self, f"Get ready: {seg.exercise.name}, {seg.exercise.target_text}. "
                       f"Set {seg.set_no + 1} of {self.session.summary.sets_total}, "
                       f"round {seg.round} of {routine.rounds}.")

    def _show_reps(self, done: int) -> None:
        seg = self.session.engine.segment if self.session else None
        if seg is None or seg.exercise is None or seg.kind is not SegmentKind.SET:
            self.reps_label.setText("")
            return
        ex = seg.exercise
        if ex.kind is SetKind.REPS:
            self.reps_label.setText(f"{done} / {ex.reps} reps")
        elif ex.kind is SetKind.TO_FATIGUE:
            self.reps_label.setText(f"{done} reps" if done else "to near fatigue")
        else:
            self.reps_label.setText(ex.target_text)

    def refresh(self) -> None:
        """Timer and progress: read from the engine, which owns the time."""
        self._sync_checkin()
        if self.session is None:
            return
        eng = self.session.engine
        state = eng.paused_state or eng.state
        seg = eng.segment
        done, total = eng.progress()
        step = int(PROGRESS_STEPS * done / total) if total else 0
        if step != self.progress.value():
            self.progress.set_value(step)
        if seg is None or state in (State.ENDED, State.STOPPED, State.CHECKIN):
            self.timer_caption.setText("")
            return
        elapsed = eng.segment_elapsed()
        if seg.kind is SegmentKind.SET and seg.exercise is not None:
            if state in (State.ANNOUNCE, State.COUNTDOWN):
                caption, value = "starts in", fmt_clock(seg.work_at - elapsed)
            elif seg.exercise.kind is SetKind.TO_FATIGUE:
                caption, value = "elapsed", fmt_clock(max(0.0, elapsed - seg.work_at),
                                                      up=False)
            else:
                caption, value = "time left", fmt_clock(seg.duration - elapsed)
        else:
            caption = {State.REST: "rest left", State.ARRIVAL: "arriving",
                       State.COOLDOWN: "cool-down left"}.get(state, "")
            value = fmt_clock(eng.remaining_in_segment())
        if eng.state is State.PAUSED:
            caption = "paused"
        self.timer_caption.setText(caption)
        self.timer.setText(value)

    def _detach_voice(self) -> None:
        voice_input = getattr(self.services, "voice_input", None)
        if voice_input is not None and self._router is not None:
            voice_input.detach()
        self._router = None

    def _show_heard(self, decision: Any) -> None:
        from companion.ui.adapters.listening import indicator_text

        voice_input = getattr(self.services, "voice_input", None)
        if voice_input is None:
            self.mic_label.setText("")
            return
        router = self._router
        self.mic_label.setText(indicator_text(
            voice_input.state, decision, router.expecting if router is not None else None))

    def _finish(self) -> None:
        self._detach_voice()
        self._refresh.stop()
        self.refresh()
        self.checkin.clear()
        self.circle.stop()
        if self.session is not None and not self._over_sent:
            self._over_sent = True
            # queued: let the engine finish delivering this event before screens switch
            summary = self.session.summary
            QTimer.singleShot(0, lambda: self.session_over.emit(summary))
