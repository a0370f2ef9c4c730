"""What the player shows as the engine runs: each event and state change on screen and to
screen readers, the set and rep counters, the check-in, and what the voice heard.
"""

from __future__ import annotations

from companion.core.events import (
    AmberSign,
    CheckinAnswered,
    CheckinAsked,
    CheckinStalled,
    CueDue,
    Event,
    SetStarted,
    State,
)
from companion.core.routine import SetKind
from companion.core.timeline import CueKind, SegmentKind
from companion.core.wording import counted
from companion.qt.core import Qt, QTimer
from companion.qt.widgets import QScrollArea
from companion.ui.screens.player_state import PlayerState
from companion.ui.screens.session_page import STATE_WORDS
from companion.ui.services.ports import AdvisingCheckin
from companion.ui.widgets.announce import announce
from companion.ui.widgets.style import fmt_clock

PROGRESS_STEPS = 300  # the progress bar's resolution (getting ready, then the session)

BREATHING_STATES = {State.ARRIVAL, State.REST, State.COOLDOWN}


#: the least height (px) the check-in keeps in a small window: room for its answers and
#: the lines above them (it scrolls within that; the screen scrolls below it)
CHECKIN_FLOOR_PX = 240


class PlayerView(PlayerState):
    """What the player shows as the engine runs."""

    # -- engine events (SessionPage.on_event shows the cue, pause, red flag, state) ----------
    def on_event(self, event: Event) -> None:
        super().on_event(event)
        self._sync_checkin()

    def _on_other(self, event: Event) -> None:
        if isinstance(event, SetStarted):
            self._answered_checkin = False
            self.checkin.clear()
            self._show_set()
        elif isinstance(event, CheckinAsked):
            self.checkin.ask(event.question)
            if self._router is not None:  # asked again: an old "All clear? Say yes" goes
                self._show_heard(None)
        elif isinstance(event, CheckinAnswered):
            self._answered_checkin = True
            self.checkin.ask_effort()
        elif isinstance(event, AmberSign) and isinstance(self.checkin, AdvisingCheckin):
            self.checkin.show_amber(event.suggestion)
        elif isinstance(event, CheckinStalled) and isinstance(self.checkin, AdvisingCheckin):
            self.checkin.show_stalled(True)

    def _voice_mood(self, state: State) -> None:
        """A new state clears "Heard: ..." (the router itself ends a mood question when its
        arrival or cool-down ends, whatever order the engine's listeners run in)."""
        if self._router is not None:
            self._show_heard(None)

    def _sync_checkin(self) -> None:
        """Show the scroll area exactly when the check-in view is meant to be shown; while
        it shares the screen with the timer (effort during a rest) it gets most of the room."""
        wanted = not self.checkin.isHidden()
        if self.checkin_area.isHidden() == wanted:
            self.checkin_area.setVisible(wanted)
            self._outer.setStretchFactor(self.checkin_area, 2 if wanted else 0)
            # never squeezed to a sliver (at 1024 x 600 it was left 68 px, the question
            # scrolled away above its answers): below the floor the whole screen scrolls,
            # shown from its top (the red button, then the check-in)
            self.checkin_area.setMinimumHeight(
                min(self.checkin.minimumSizeHint().height(), CHECKIN_FLOOR_PX) if wanted
                else 0)
            if not wanted:
                self._focus_back()
            QTimer.singleShot(0, self, self._screen_to_top)  # after the new layout

    def _screen_to_top(self) -> None:
        """Scroll the screen (when the window is too small for it) back to its top, where
        the red button is."""
        widget = self.parentWidget()
        while widget is not None and not isinstance(widget, QScrollArea):
            widget = widget.parentWidget()
        if widget is not None:
            widget.verticalScrollBar().setValue(0)

    def _focus_back(self) -> None:
        """The check-in closed: the focus comes back to the player (not to whichever button
        Qt picks next), where it was before the question."""
        from companion.qt.widgets import QApplication

        focus = QApplication.focusWidget()
        if self.isVisible() and (focus is None or focus is self.checkin_area
                                 or self.checkin_area.isAncestorOf(focus)
                                 or not focus.isVisible()):
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_cue(self, event: CueDue) -> None:
        super()._on_cue(event)
        cue = event.cue
        if cue.rep is not None:
            self._show_reps(cue.rep)
        if cue.kind is CueKind.MOOD and self._router:
            state = self.session.engine.state if self.session else None
            self._router.expect_mood("before" if state is State.ARRIVAL else "after")

    def _on_state(self, old: State, new: State) -> None:
        self._show_layout(new)
        QTimer.singleShot(0, self, self._screen_to_top)  # a small window: the red button
        self._voice_mood(new)
        self._announce_state(old, new)

    def _show_layout(self, new: State) -> None:
        """What the screen holds in this state (timer, reps, circle, check-in, labels)."""
        self._show_pause(new)
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
        return (f"{r.name}: {counted(len(r.exercises), 'exercise')} × "
                f"{counted(r.rounds, 'round')}")

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

    def _wind_down(self) -> None:
        self.refresh()
        self.checkin.clear()
