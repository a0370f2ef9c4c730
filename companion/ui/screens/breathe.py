"""A breathing session on its own (key B): choose a pattern and a length, then breathe with
the full-window circle.

`BreathingSetup` is the choice: coherent, 4-6, box or 4-7-8 (with its note: only when
already resting, not in pregnancy), 1-10 minutes, an optional mood. Patterns the health
answers rule out are shown with the reason and cannot be chosen.

`BreathingScreen` runs it on the same engine, driver, speech and recorder as a workout: the
voice speaks the first cycles, then soft tones only; Space pauses, Esc ends (asking first),
U or the red button stops at once through the one red-flag path (speech cut, the stop
committed, the stop message, the safety screen). History stores it as kind "breathing".
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from companion.core.breathing import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    MIN_MINUTES,
    PATTERNS,
    BreathingPattern,
    BreathingSession,
)
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
from companion.core.safety import Profile, breathing_refusal
from companion.core.timeline import CueKind, SessionPlan
from companion.ui.screens.breathing_circle import BreathingCircle
from companion.ui.screens.player_view import PAUSE_NAME, RESUME_NAME
from companion.ui.screens.start import MOOD_WORDS
from companion.ui.services.container import AppServices
from companion.ui.services.keys import Action
from companion.ui.services.session import Session, breathing_inputs, build_breathing_session
from companion.ui.widgets.announce import announce
from companion.ui.widgets.style import apply_font, fmt_clock, fmt_duration

log = logging.getLogger(__name__)

REFRESH_MS = 200
PREPARE_TIMEOUT_MS = 15_000
#: the order the patterns are offered in (the calmest first)
ORDER = ("coherent", "extended_exhale", "box", "4-7-8")


def pattern_title(pattern: BreathingPattern) -> str:
    """'Box breathing (4-4-4-4)': the name and its rhythm in seconds."""
    rhythm = "-".join(f"{s:g}" for _, s in pattern.steps)
    if pattern.id == "coherent":
        rhythm = f"about {pattern.breaths_per_minute:.1f} breaths a minute"
    return pattern.name if rhythm in pattern.name else f"{pattern.name} ({rhythm})"


def _button(text: str, name: str, parent: QWidget, role: str = "button") -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    apply_font(button, role)
    return button


class BreathingSetup(QWidget):
    """Emits `start_requested(BreathingSession, mood_or_None)` and `back_requested()`."""

    start_requested = Signal(object, object)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Breathing session")
        self.profile = Profile()
        self.mood: int | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.setSpacing(12)
        top = QHBoxLayout()
        title = QLabel("A breathing session", self)
        apply_font(title, "title", bold=True)
        top.addWidget(title, 1)
        self.back_button = _button("Back  (Esc)", "Back to the start screen", self)
        self.back_button.clicked.connect(self.back_requested.emit)
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        intro = QLabel("Breathe along with a circle that grows as you breathe in and shrinks "
                       "as you breathe out. The voice guides the first breaths, then soft "
                       "tones keep the rhythm.", self)
        intro.setWordWrap(True)
        apply_font(intro, "body")
        outer.addWidget(intro)

        pick = QLabel("Pattern (arrow keys)", self)
        apply_font(pick, "heading", bold=True)
        outer.addWidget(pick)
        self.patterns = QListWidget(self)
        self.patterns.setAccessibleName("Breathing pattern")
        apply_font(self.patterns, "body")
        for pid in ORDER:
            item = QListWidgetItem(pattern_title(PATTERNS[pid]))
            item.setData(Qt.ItemDataRole.UserRole, pid)
            self.patterns.addItem(item)
        pick.setBuddy(self.patterns)
        self.patterns.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        rows = self.patterns.sizeHintForRow(0) * len(ORDER)
        self.patterns.setFixedHeight(rows + 2 * self.patterns.frameWidth() + 8)
        self.patterns.currentRowChanged.connect(lambda _row: self._show_pattern())
        outer.addWidget(self.patterns)
        self.description = QLabel("", self)
        self.description.setWordWrap(True)
        self.description.setAccessibleDescription("About this pattern")
        apply_font(self.description, "body")
        outer.addWidget(self.description)
        self.note = QLabel("", self)
        self.note.setWordWrap(True)
        self.note.setObjectName("banner")
        self.note.setAccessibleDescription("Note")
        apply_font(self.note, "body", bold=True)
        self.note.hide()
        outer.addWidget(self.note)

        length = QHBoxLayout()
        self.minutes_label = QLabel("", self)
        self.minutes_label.setAccessibleDescription("Length")
        apply_font(self.minutes_label, "heading", bold=True)
        self.less_button = _button("−  (-)", "One minute shorter", self)
        self.more_button = _button("+  (+)", "One minute longer", self)
        self.minutes = QSlider(Qt.Orientation.Horizontal, self)
        self.minutes.setRange(MIN_MINUTES, MAX_MINUTES)
        self.minutes.setPageStep(1)
        self.minutes.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.minutes.setAccessibleName("Length in minutes")
        self.minutes.valueChanged.connect(lambda _v: self._show_minutes())
        self.less_button.clicked.connect(lambda: self.change_minutes(-1))
        self.more_button.clicked.connect(lambda: self.change_minutes(1))
        length.addWidget(self.minutes_label, 2)
        length.addWidget(self.less_button)
        length.addWidget(self.minutes, 3)
        length.addWidget(self.more_button)
        outer.addLayout(length)

        mood_row = QHBoxLayout()
        mood_label = QLabel("How do you feel right now? (optional, keys 1-5)", self)
        mood_label.setWordWrap(True)
        apply_font(mood_label, "body")
        mood_row.addWidget(mood_label, 1)
        self.mood_group = QButtonGroup(self)
        self.mood_group.setExclusive(False)
        self.mood_buttons: list[QPushButton] = []
        for n in range(1, 6):
            b = _button(str(n), f"Mood {n} of 5, {MOOD_WORDS[n]}", self)
            b.setCheckable(True)
            b.setToolTip(MOOD_WORDS[n])
            b.clicked.connect(lambda _=False, n=n: self.set_mood(n, toggle=True))
            mood_row.addWidget(b)
            self.mood_buttons.append(b)
        outer.addLayout(mood_row)
        outer.addStretch(1)
        self.start_button = _button("Start breathing  (Space)", "Start the breathing session",
                                    self, "title")
        self.start_button.setObjectName("primary")
        apply_font(self.start_button, "title", bold=True)
        self.start_button.clicked.connect(self.request_start)
        outer.addWidget(self.start_button)
        self.minutes.setValue(DEFAULT_MINUTES)
        self.patterns.setCurrentRow(0)

    # -- choosing -----------------------------------------------------------------------------
    def prepare(self, profile: Profile, pattern_id: str = "", minutes: int = DEFAULT_MINUTES,
                ) -> None:
        """Shown again: the last choice, patterns the health answers rule out greyed out
        with the reason, no mood yet, keys to the pattern list."""
        self.profile = profile
        for row in range(self.patterns.count()):
            item = self.patterns.item(row)
            pattern = PATTERNS[item.data(Qt.ItemDataRole.UserRole)]
            refusal = breathing_refusal(pattern, profile)
            item.setText(pattern_title(pattern) + (f"  (not offered: {refusal.split(': ', 1)[-1]})"
                                                   if refusal else ""))
            flags = item.flags()
            if refusal:
                item.setFlags(flags & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
            else:
                item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setToolTip(refusal)
        self.minutes.setValue(max(MIN_MINUTES, min(MAX_MINUTES, minutes)))
        self.select(pattern_id)
        self.set_mood(None)
        self.patterns.setFocus(Qt.FocusReason.OtherFocusReason)
        self._show_pattern()

    def select(self, pattern_id: str) -> bool:
        """Select a pattern if it is offered; else the first one that is."""
        offered = [row for row in range(self.patterns.count())
                   if self.patterns.item(row).flags() & Qt.ItemFlag.ItemIsEnabled]
        for row in offered:
            if self.patterns.item(row).data(Qt.ItemDataRole.UserRole) == pattern_id:
                self.patterns.setCurrentRow(row)
                return True
        if offered:
            self.patterns.setCurrentRow(offered[0])
        return False

    def chosen(self) -> BreathingPattern | None:
        item = self.patterns.currentItem()
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return None
        return PATTERNS[item.data(Qt.ItemDataRole.UserRole)]

    def change_minutes(self, step: int) -> None:
        self.minutes.setValue(self.minutes.value() + step)

    def set_mood(self, mood: int | None, *, toggle: bool = False) -> None:
        if toggle and mood == self.mood:
            mood = None
        self.mood = mood
        for n, b in enumerate(self.mood_buttons, start=1):
            b.setChecked(n == mood)

    def session(self) -> BreathingSession | None:
        pattern = self.chosen()
        return BreathingSession(pattern, self.minutes.value()) if pattern else None

    def request_start(self) -> None:
        session = self.session()
        if session is not None:
            self.start_requested.emit(session, self.mood)

    def _show_pattern(self) -> None:
        pattern = self.chosen()
        self.start_button.setEnabled(pattern is not None)
        if pattern is None:
            self.description.setText("Choose a pattern.")
            self.note.hide()
            return
        self.description.setText(pattern.description)
        self.note.setText(pattern.note)
        self.note.setVisible(bool(pattern.note))
        self._show_minutes()

    def _show_minutes(self) -> None:
        minutes = self.minutes.value()
        pattern = self.chosen()
        text = "1 minute" if minutes == 1 else f"{minutes} minutes"
        if pattern is not None:
            session = BreathingSession(pattern, minutes)
            text += f"  ·  {session.cycles} breaths, {fmt_duration(session.seconds)}"
        self.minutes_label.setText(f"Length: {text}")
        self.less_button.setEnabled(minutes > MIN_MINUTES)
        self.more_button.setEnabled(minutes < MAX_MINUTES)


class BreathingScreen(QWidget):
    """One breathing session, the circle filling the window. Same interface as the player
    where the window needs it: `session`, `active`, `driver`, `preparing`, `start()`,
    `end()`, `report_unwell()`, `cancel_preparing()`, `perform()`, and the signals."""

    session_started = Signal(object)
    session_over = Signal(object)  # the SessionSummary
    end_requested = Signal()
    red_flag_raised = Signal()
    fullscreen_requested = Signal()

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.session: Session | None = None
        self._preparing: object | None = None
        self._pending: tuple[BreathingSession, int | None, object] | None = None
        self._router: Any = None
        self._over_sent = False
        self.setAccessibleName("Breathing session")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(8)
        top = QHBoxLayout()
        head = QVBoxLayout()
        self.state_label = QLabel("", self)
        self.state_label.setAccessibleDescription("Phase")
        apply_font(self.state_label, "heading", bold=True)
        self.pattern_label = QLabel("", self)
        self.pattern_label.setAccessibleDescription("Pattern")
        apply_font(self.pattern_label, "counter")
        head.addWidget(self.state_label)
        head.addWidget(self.pattern_label)
        top.addLayout(head, 1)
        self.time_label = QLabel("", self)
        self.time_label.setAccessibleDescription("Time left")
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        apply_font(self.time_label, "title", bold=True)
        top.addWidget(self.time_label)
        self.unwell_button = _button("I feel unwell  (U)", "I feel unwell: stop the session now",
                                     self, "heading")
        self.unwell_button.setObjectName("unwell")
        apply_font(self.unwell_button, "heading", bold=True)
        self.unwell_button.clicked.connect(self.report_unwell)
        top.addWidget(self.unwell_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        # the circle takes all the room there is: the window is the breathing guide
        self.circle = BreathingCircle(services.clock.now, self)
        outer.addWidget(self.circle, 1)
        self.caption = QLabel("", self)
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setAccessibleDescription("Caption")
        apply_font(self.caption, "caption")
        outer.addWidget(self.caption)
        self.mic_label = QLabel("", self)
        self.mic_label.setAccessibleDescription("Voice input")
        apply_font(self.mic_label, "small")
        outer.addWidget(self.mic_label)
        controls = QHBoxLayout()
        self.pause_button = _button("Pause  (Space)", PAUSE_NAME, self)
        self.end_button = _button("End  (Esc)", "End the session", self)
        self.full_button = _button("Full screen  (F11)", "Toggle full screen", self)
        for b in (self.pause_button, self.end_button, self.full_button):
            controls.addWidget(b)
        outer.addLayout(controls)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.end_button.clicked.connect(self.end_requested.emit)
        self.full_button.clicked.connect(self.fullscreen_requested.emit)
        self._refresh = QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.refresh)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, breathing: BreathingSession, mood: int | None = None) -> Session | None:
        """Start `breathing`; with a voice that prepares, after it has ("Getting ready")."""
        self._teardown()
        self._reset(breathing)
        prepare = getattr(self.services.speaker, "prepare", None)
        if callable(prepare):
            self._preparing = token = object()
            self._pending = (breathing, mood, token)
            self.state_label.setText("Getting ready")
            self.caption.setText("Getting the voice ready…")
            routine, options = breathing_inputs(breathing, self.services)
            prepare(routine, options, lambda plan: self._begin(breathing, mood, plan, token))
            QTimer.singleShot(PREPARE_TIMEOUT_MS,
                              lambda: self._prepare_timed_out(breathing, mood, token))
            return None
        return self._begin(breathing, mood, None, None)

    def _begin(self, breathing: BreathingSession, mood: int | None,
               plan: SessionPlan | None, token: object | None) -> Session | None:
        if token is not None and token is not self._preparing:
            return None
        self._preparing = None
        self.session = build_breathing_session(breathing, self.services, self, plan)
        self.session.driver.event_emitted.connect(self.on_event)
        voice_input = getattr(self.services, "voice_input", None)
        if voice_input is not None:
            try:
                self._router = voice_input.attach(self.session.engine, self.session.driver)
            except Exception:  # voice commands are optional; keys always work
                log.exception("voice commands unavailable for this breathing session")
                self._router = None
        self._show_heard()
        self._refresh.start()
        self.session.driver.start(mood)
        self.refresh()
        self.session_started.emit(self.session)
        return self.session

    def _prepare_timed_out(self, breathing: BreathingSession, mood: int | None,
                           token: object) -> None:
        if token is self._preparing:
            log.warning("the voice did not prepare the breathing session in time")
            self._begin(breathing, mood, None, token)

    def cancel_preparing(self) -> bool:
        if self._preparing is None:
            return False
        self._preparing = None
        return True

    @property
    def preparing(self) -> bool:
        return self._preparing is not None

    @property
    def active(self) -> bool:
        return self.session is not None and not self.session.engine.is_over

    @property
    def driver(self) -> Any:
        return self.session.driver if self.session else None

    def _reset(self, breathing: BreathingSession) -> None:
        self._over_sent = False
        self.caption.setText("")
        self.state_label.setText("")
        self.pattern_label.setText(f"{breathing.pattern.name}, "
                                   f"{fmt_duration(breathing.seconds)}")
        self.time_label.setText(fmt_clock(breathing.seconds))
        self.circle.stop()
        self._update_buttons(State.IDLE)

    def _teardown(self) -> None:
        self._detach_voice()
        if self.session is not None:
            self.session.driver.event_emitted.disconnect(self.on_event)
            self.session.driver.deleteLater()
            self.session = None

    # -- actions ------------------------------------------------------------------------------
    def toggle_pause(self) -> None:
        if self.active:
            self.driver.pause()

    def repeat(self) -> None:
        if self.active:
            self.driver.repeat()

    def end(self) -> None:
        if self.active:
            self.driver.stop()

    def report_unwell(self) -> None:
        """U / the red button: the same one red-flag path as a workout, at once, even while
        the voice is still getting ready (the session then starts so the stop is recorded)."""
        if self.session is None and self._preparing is not None and self._pending is not None:
            breathing, mood, token = self._pending
            self._begin(breathing, mood, None, token)
        if self.session is not None:
            self.driver.red_flag()

    def mood_key(self, mood: int) -> None:
        """Mood keys mean nothing while breathing (mood is asked before and after)."""

    def perform(self, action: Action, arg: int | None = None, autorepeat: bool = False) -> bool:
        """One action of the key table (companion.ui.services.keys.BINDINGS[Mode.BREATHING])."""
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
        if isinstance(event, CueDue):
            cue = event.cue
            self.caption.setText(cue.text)  # tone-only breaths too: the caption never lags
            if cue.kind is CueKind.BREATHE and cue.phase is not None:
                started = self.services.clock.now() - event.late
                self.circle.start_phase(cue.phase, cue.phase_seconds or 1.0, started)
        elif isinstance(event, RedFlagRaised):
            self.red_flag_raised.emit()
        elif isinstance(event, Paused):
            self.circle.pause()
        elif isinstance(event, Resumed):
            self.circle.resume()
        elif isinstance(event, StateChanged):
            self._on_state(event.old, event.new)
        if isinstance(event, StateChanged | Paused | Resumed):
            self.refresh()

    def _announce_state(self, old: State, new: State) -> None:
        """Say the change once, for a screen reader (never each breath: the tones and the
        circle carry those; the end and a stop are said by their screens)."""
        if self.session is None:
            return
        if new is State.PAUSED:
            announce(self, "Paused. Press Space to resume.")
        elif new is State.BREATHING and old is State.PAUSED:
            announce(self, "Resumed. Breathe with the circle.")
        elif new is State.BREATHING:
            breathing = self.session.breathing
            if breathing is not None:
                announce(self, f"{breathing.pattern.name}, about "
                               f"{fmt_duration(breathing.seconds)}. Breathe with the circle: "
                               "it grows as you breathe in. Space pauses, U stops at once.")

    def _on_state(self, old: State, new: State) -> None:
        words = {State.BREATHING: "Breathe", State.PAUSED: "Paused",
                 State.ENDED: "Finished", State.STOPPED: "Stopped"}
        self.state_label.setText(words.get(new, ""))
        self.pause_button.setText("Resume  (Space)" if new is State.PAUSED else "Pause  (Space)")
        self.pause_button.setAccessibleName(RESUME_NAME if new is State.PAUSED else PAUSE_NAME)
        self._announce_state(old, new)
        self._update_buttons(new)
        if new in (State.ENDED, State.STOPPED):
            self._finish()

    def _update_buttons(self, state: State) -> None:
        live = state not in (State.ENDED, State.STOPPED, State.IDLE)
        self.pause_button.setEnabled(live)
        self.end_button.setEnabled(live)

    def refresh(self) -> None:
        if self.session is None:
            return
        eng = self.session.engine
        state = eng.paused_state or eng.state
        if state is State.BREATHING:
            left = eng.remaining_in_segment()
            self.time_label.setText(("paused  " if eng.state is State.PAUSED else "")
                                    + fmt_clock(left))

    def _show_heard(self, decision: Any = None) -> None:
        from companion.ui.adapters.listening import indicator_text

        voice_input = getattr(self.services, "voice_input", None)
        if voice_input is None:
            self.mic_label.setText("")
            return
        router = self._router
        self.mic_label.setText(indicator_text(
            voice_input.state, decision, router.expecting if router is not None else None))

    def _detach_voice(self) -> None:
        voice_input = getattr(self.services, "voice_input", None)
        if voice_input is not None and self._router is not None:
            voice_input.detach()
        self._router = None

    def _finish(self) -> None:
        self._detach_voice()
        self._refresh.stop()
        self.circle.stop()
        self.time_label.setText("")
        if self.session is not None and not self._over_sent:
            self._over_sent = True
            summary = self.session.summary
            QTimer.singleShot(0, lambda: self.session_over.emit(summary))

    # for symmetry with the player (the safety screen records which symptom it was)
    def specify_symptom(self, symptom: Symptom) -> None:
        if self.driver is not None:
            self.driver.specify_symptom(symptom)


__all__ = ["BreathingScreen", "BreathingSetup", "pattern_title"]
