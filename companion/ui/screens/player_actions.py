"""The player's actions, by key or button: pause, skip, repeat, more rest, done, end, I feel
unwell, and the check-in's and mood's answers, each passed to the engine.
"""

from __future__ import annotations

from companion.core.events import State, Symptom
from companion.ui.adapters.driver import EngineDriver
from companion.ui.screens.player_state import PlayerState
from companion.ui.screens.session_page import driving
from companion.ui.services.keys import Action
from companion.ui.widgets.announce import announce


class PlayerActions(PlayerState):
    """The actions, by key or button, each passed to the engine."""

    # -- actions (keys and buttons); pause, repeat, end and U: SessionPage ------------------
    skip = driving(EngineDriver.skip)
    add_rest = driving(EngineDriver.add_rest)
    done = driving(EngineDriver.done)

    def _symptom(self, symptom: Symptom) -> None:
        if self.session is not None:
            self.session.driver.red_flag(symptom)

    def _all_clear(self) -> None:
        self._drive(lambda driver: driver.answer_checkin(True))

    def _skip_effort(self) -> None:
        self.checkin.clear()
        self._sync_checkin()

    def _effort(self, effort: int) -> None:
        """Recorded at once; the choice stays visible (and may be changed) during the rest."""
        if self.session is not None:
            self.session.driver.record_effort(effort)

    def mood_key(self, mood: int) -> None:
        """1-5 at the arrival or cool-down mood question."""
        if self.session is None:
            return
        state = self.session.engine.paused_state or self.session.engine.state
        if state in (State.ARRIVAL, State.COOLDOWN):
            self.session.driver.record_mood("before" if state is State.ARRIVAL else "after", mood)
            self.caption.setText(f"Mood noted: {mood} of 5.")
            announce(self, f"Mood noted: {mood} of 5.")

    def perform(self, action: Action, arg: int | None = None, autorepeat: bool = False) -> bool:
        """One action of the key table (companion.ui.services.keys.BINDINGS) in this screen:
        the session's own (`SessionPage.perform`), then the workout's and the check-in's."""
        simple = {Action.SKIP: self.skip, Action.ADD_REST: self.add_rest, Action.DONE: self.done}
        if super().perform(action, arg, autorepeat):
            pass
        elif action in simple:
            simple[action]()
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
