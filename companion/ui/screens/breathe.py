"""A breathing session on its own (key B), the circle filling the window; chosen on
`companion.ui.screens.breathing_setup.BreathingSetup`.

`BreathingScreen` runs it on the same engine, driver, speech and recorder as a workout, and
on the same session page as the player (`SessionPage`: getting ready, keys, voice commands,
the one red-flag path): the voice speaks the first cycles, then soft tones only; Space
pauses, Esc ends (asking first), U or the red button stops at once (speech cut, the stop
committed, the stop message, the safety screen). History stores it as kind "breathing".
"""

from __future__ import annotations

from companion.core.breathing import BreathingSession
from companion.core.events import State
from companion.core.routine import Routine
from companion.core.timeline import SessionPlan, TimelineOptions
from companion.qt.core import Qt
from companion.qt.widgets import QVBoxLayout, QWidget
from companion.ui.screens.breathing_circle import BreathingCircle
from companion.ui.screens.labels import described_label
from companion.ui.screens.session_page import SessionPage
from companion.ui.services.container import AppServices
from companion.ui.services.session import Session, breathing_inputs, build_breathing_session
from companion.ui.widgets.announce import announce
from companion.ui.widgets.style import fmt_clock, fmt_duration


class BreathingScreen(SessionPage[BreathingSession]):
    """One breathing session, the circle filling the window. Same interface as the player
    where the window needs it (`SessionPage`)."""

    REFRESH_MS = 200
    WHAT = "breathing session"

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(services, parent)
        self.setAccessibleName("Breathing session")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(8)
        self.state_label = described_label(self, "Phase", "heading", bold=True)
        self.pattern_label = described_label(self, "Pattern", "counter")
        self.time_label = described_label(self, "Time left", "title", bold=True)
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._top_row(outer, (self.state_label, self.pattern_label), self.time_label)
        # the circle takes all the room there is: the window is the breathing guide
        self.circle = BreathingCircle(services.clock.now, self)
        outer.addWidget(self.circle, 1)
        self.caption = described_label(self, "Caption", "caption")
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.caption)
        self.mic_label = described_label(self, "Voice input", "small")
        outer.addWidget(self.mic_label)
        controls, _none = self._controls()
        outer.addWidget(controls)

    # -- the session (SessionPage runs it; these are the breathing parts) --------------------
    def _inputs(self, what: BreathingSession) -> tuple[Routine, TimelineOptions]:
        return breathing_inputs(what, self.services)

    def _build(self, what: BreathingSession, plan: SessionPlan | None) -> Session:
        return build_breathing_session(what, self.services, self, plan)

    def _reset(self, what: BreathingSession) -> None:
        self.caption.setText("")
        self.state_label.setText("")
        self.pattern_label.setText(f"{what.pattern.name}, {fmt_duration(what.seconds)}")
        self.time_label.setText(fmt_clock(what.seconds))
        self.circle.stop()
        self._update_buttons(State.IDLE)

    def mood_key(self, mood: int) -> None:
        """Mood keys mean nothing while breathing (mood is asked before and after)."""

    # -- engine events (SessionPage.on_event shows the cue, pause, red flag) -----------------
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
        self._show_pause(new)
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

    def _wind_down(self) -> None:
        self.time_label.setText("")


__all__ = ["BreathingScreen"]
