"""The main window's side of the one key dispatcher: the mode keys are read in, and what
each action does there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from companion.qt.core import QTimer
from companion.qt.gui import QKeyEvent
from companion.qt.widgets import (
    QApplication,
    QDialog,
    QWidget,
)
from companion.ui.shell.window_state import WindowState

if TYPE_CHECKING:
    from companion.ui.services.keys import Binding, Mode

#: ms after a red flag when the safety screen is brought to the front once more (after
#: closed dialogs handed the keyboard back: KeyDispatcher's KEYS_BACK_MS is 50)
SAFETY_FRONT_AGAIN_MS = 150


class KeyHandling(WindowState):
    """The keys: the mode they are read in, and what each action does."""

    # -- keys ----------------------------------------------------------------------------------
    # The application-wide dispatcher (companion.ui.services.keys) asks these; BINDINGS is the
    # table.
    def key_mode(self) -> Mode:
        """The mode the key table is read in (see companion.ui.services.keys.BINDINGS)."""
        from companion.core.events import State
        from companion.ui.screens.checkin_view import CheckinPage
        from companion.ui.services.keys import Mode

        if QApplication.activeModalWidget() is not None:
            return Mode.DIALOG
        screen = self.current_screen()
        if screen in ("loading", "start"):
            return Mode.LOADING if screen == "loading" else Mode.START
        if screen == "safety":
            return Mode.SAFETY
        if screen == "end":
            return Mode.END
        if screen == "learn":
            return Mode.LEARN
        if screen == "breathe":
            return Mode.BREATHE_SETUP
        if screen == "breathing":
            breathing = self.breathing_screen
            assert breathing is not None
            if breathing.session is None:
                return Mode.PREPARING if breathing.preparing else Mode.BREATHE_SETUP
            # running or paused: the same keys; once over, the next screen is a moment away
            return Mode.SAFETY if breathing.session.engine.state is State.STOPPED \
                else Mode.BREATHING
        player = self.player
        assert player is not None
        if player.session is None:
            return Mode.PREPARING if player.preparing else Mode.START
        page = player.checkin.page
        if page is CheckinPage.SYMPTOM:
            return Mode.SYMPTOM
        engine = player.session.engine
        if engine.state is State.PAUSED:
            return Mode.PAUSED
        if page is CheckinPage.QUESTION and engine.state is State.CHECKIN:
            return Mode.CHECKIN
        if page is CheckinPage.EFFORT and engine.state in (State.REST, State.COOLDOWN):
            return Mode.EFFORT  # the effort question stays open through the rest
        modes = {State.ARRIVAL: Mode.ARRIVAL, State.ANNOUNCE: Mode.ANNOUNCE,
                 State.COUNTDOWN: Mode.COUNTDOWN, State.WORK: Mode.WORK,
                 State.CHECKIN: Mode.CHECKIN, State.REST: Mode.REST,
                 State.COOLDOWN: Mode.COOLDOWN, State.IDLE: Mode.PREPARING,
                 # over, the next screen is a moment away: no key may act on a button here
                 State.STOPPED: Mode.SAFETY, State.ENDED: Mode.LOADING}
        return modes[engine.state]

    def owns_window(self, widget: QWidget) -> bool:
        return widget is self

    def raise_red_flag(self) -> None:
        """U, anywhere: the red flag first (durable before anything shows), then close any
        dialog, then the safety screen in front of everything."""
        owner = self.session_screen()
        assert owner is not None
        owner.report_unwell()
        self._close_dialogs()
        summary = owner.session.summary if owner.session else None
        if summary is not None and summary.red_flag is not None:
            self._show_safety(summary)
        self.bring_to_front()
        # and again once the closed dialogs have handed the keyboard back to the windows
        # they belonged to (a tester saw History stay in front of the safety screen)
        QTimer.singleShot(SAFETY_FRONT_AGAIN_MS, self, self._safety_to_front)
        if self.end_screen is not None:
            self.end_screen.flush_note()  # after the stop is durable, never before

    def _safety_to_front(self) -> None:
        """Raise the window showing the safety screen, if it still does and is still open
        (never shows a window closed meanwhile)."""
        if self.isVisible() and not self.isMinimized() and self.current_screen() == "safety" \
                and QApplication.activeModalWidget() is None:
            self.raise_()
            self.activateWindow()

    def _close_dialogs(self) -> None:
        """Every modal dialog (the end confirmation, a message...) is closed unanswered; one
        holding the person's own words (`KeepsTyping`: a journal note) keeps them."""
        from companion.ui.widgets.dialog_parts import KeepsTyping

        for _ in range(20):  # nested dialogs close innermost first
            modal = QApplication.activeModalWidget()
            if modal is None:
                break
            if isinstance(modal, KeepsTyping):
                modal.interrupt()
            elif isinstance(modal, QDialog):
                modal.reject()
            else:
                modal.close()
            if QApplication.activeModalWidget() is modal:
                modal.hide()

    def _repeated(self, event: QKeyEvent) -> bool:
        """The key repeats one held down (Qt's flag, or the dispatcher's own tracking)."""
        return self.keys.repeated(event) if self.keys is not None else event.isAutoRepeat()

    def perform(self, binding: Binding, event: QKeyEvent) -> bool:
        """Run one bound action; True when the key was used."""
        from companion.ui.services.keys import Action

        action, arg = binding.action, binding.arg
        player, start = self.player, self.start_screen
        if action is Action.FULLSCREEN:
            self.toggle_fullscreen()
        elif action is Action.SETTINGS:
            self.open_settings()
        elif action is Action.START and start is not None:
            start.request_start()
        elif action is Action.HISTORY and start is not None:
            start.history_requested.emit()
        elif action is Action.SWITCH_PROFILE and start is not None:
            start.profile_requested.emit()
        elif action is Action.MOOD and arg is not None:
            self._mood_key(arg)
        elif action is Action.BACK_TO_START:
            self.show_start()
        elif action is Action.SYMPTOM and arg is not None:
            self._symptom_key(arg)
        elif action is Action.SWALLOW:
            pass
        elif action is Action.LEARN:
            self.open_learn()
        elif action is Action.BREATHE:
            self.open_breathing()
        elif action is Action.BACK:
            if self.current_screen() == "learn":
                self.close_learn()
            else:
                self.show_start()
        elif action is Action.BREATHE_START and self.breathe_screen is not None:
            self.breathe_screen.request_start()
        elif action is Action.MINUTES and arg is not None and self.breathe_screen is not None:
            self.breathe_screen.change_minutes(arg)
        elif self.current_screen() == "breathing" and self.breathing_screen is not None:
            return self.breathing_screen.perform(action, arg, self._repeated(event))
        elif player is not None:
            return player.perform(action, arg, self._repeated(event))
        return True

    def _mood_key(self, mood: int) -> None:
        screen = self.current_screen()
        if screen == "start" and self.start_screen is not None:
            self.start_screen.set_mood(mood, toggle=True)
        elif screen == "breathe" and self.breathe_screen is not None:
            self.breathe_screen.set_mood(mood, toggle=True)
        elif screen == "end" and self.end_screen is not None:
            self.end_screen.choose_mood(mood)
        elif self.player is not None:
            self.player.mood_key(mood)

    def _symptom_key(self, number: int) -> None:
        from companion.ui.screens.checkin_pages import SYMPTOM_KEYS
        from companion.ui.services.ports import ChoosingPage

        symptom = SYMPTOM_KEYS[number - 1]
        if self.current_screen() == "safety" and self.safety_page is not None:
            if isinstance(self.safety_page, ChoosingPage):
                self.safety_page.choose(symptom)
        elif self.player is not None:
            self.player.checkin.choose_symptom(symptom)
