"""The player's actions, by key or button: pause, skip, repeat, more rest, done, end, I feel
unwell, and the check-in's and mood's answers, each passed to the engine.
"""

from __future__ import annotations

from companion.core.events import (
    State,
    Symptom,
)
from companion.ui.screens.player_state import PlayerState
from companion.ui.services.keys import Action
from companion.ui.widgets.announce import announce


class PlayerActions(PlayerState):
    """The actions, by key or button, each passed to the engine."""

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

    def _symptom(self, symptom: Symptom) -> None:
        if self.session is not None:
            self.driver.red_flag(symptom)

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
