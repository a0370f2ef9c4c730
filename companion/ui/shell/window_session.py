"""The session flow of the main window: starting a session (through the red-flag gate), the
end question, the red-flag stop and its safety page, the mood after and the end screen's
note; the main window's part.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from companion.qt.widgets import QMessageBox, QPushButton
from companion.ui.shell.window_state import WindowState

if TYPE_CHECKING:
    from companion.routines import RoutineEntry
    from companion.ui.services.session import SessionSummary

log = logging.getLogger(__name__)


class SessionFlow(WindowState):
    """Start, end, the red-flag stop, and what the end screen records."""

    def start_session(self, entry: RoutineEntry, mood: int | None) -> None:
        """Start `entry`'s routine (adapted with its own alternatives) once the red-flag
        gate allows it; a gate that fails keeps the session from starting."""
        assert self.player is not None and self.services is not None
        if entry.routine is None or self.session_active():
            return
        try:
            allowed = self.services.session_gate(self, entry.routine)
        except Exception:  # a broken gate must fail closed: better no session than an unsafe one
            log.exception("session gate failed")
            allowed = False
        if not allowed:
            return
        self._breathing_last = False
        self._show(self.player)
        self.player.setFocus()
        self.player.start(entry.routine, mood, entry.alternatives)

    def on_session_over(self, summary: SessionSummary) -> None:
        assert self.end_screen is not None and self.services is not None
        if summary.red_flag is not None:
            self._show_safety(summary)
        elif self.current_screen() in ("player", "breathing"):
            self.end_screen.show_summary(summary)
            self._show(self.end_screen)
            self.end_screen.back_button.setFocus()
            self.end_screen.announce_summary()

    def _red_flag_raised(self) -> None:
        """The red flag is durable (the recorder ran first): show what to do, at once."""
        owner = self.session_screen()
        if owner is not None and owner.session is not None:
            self._close_dialogs()
            self._show_safety(owner.session.summary)

    def _show_safety(self, summary: SessionSummary) -> None:
        from companion.core.events import Symptom

        assert self.services is not None and self.player is not None
        if self.safety_page is None:
            from companion.ui.screens.safety_screen import SafetyScreen

            make_safety = self.services.safety_screen_factory or SafetyScreen
            self.safety_page = make_safety(self.services.settings.emergency_text, self.stack)
            self.stack.addWidget(self.safety_page)

            def specify(symptom: Symptom) -> None:
                owner = self.session_screen()
                if owner is not None and owner.driver is not None:
                    owner.driver.specify_symptom(symptom)

            self.safety_page.symptom_chosen.connect(specify)
            self.safety_page.finished.connect(self.show_start)
        if self.current_screen() == "safety":
            return  # already showing this stop (the end of the session follows the flag)
        from companion.ui.services.ports import AnnouncingPage, EmergencyTextPage, HearingPage

        if isinstance(self.safety_page, EmergencyTextPage):
            self.safety_page.set_emergency_text(self.services.settings.emergency_text)
        else:
            self.safety_page.emergency_text = self.services.settings.emergency_text
        symptom = summary.red_flag if summary.red_flag is not Symptom.UNSPECIFIED else None
        self.safety_page.show_stop(symptom)
        hearing: object = self.safety_page
        if isinstance(hearing, HearingPage) and summary.red_flag_heard:
            hearing.show_heard(summary.red_flag_heard)  # "You said ...", above the question
        self._show(self.safety_page)
        self.safety_page.repaint()  # painted now, not after the rest of this event
        self.safety_page.setFocus()  # the page (never "Back to start"): its text is read
        if isinstance(self.safety_page, AnnouncingPage):
            self.safety_page.announce_stop()

    def _mood_after(self, mood: int) -> None:
        owner = self.session_screen()
        if owner is not None and owner.driver is not None:
            owner.driver.record_mood("after", mood)

    def _save_note(self, text: str) -> None:
        """The end screen's note, into the session's history row (never spoken, never
        sent), off the GUI thread. A failure is said beside the note, whose text stays."""
        assert self.end_screen is not None and self.services is not None
        end = self.end_screen
        owner = self.session_screen()
        session = owner.session if owner is not None else None
        ref = session.note_ref if session is not None else None
        if ref is None:
            end.note_saved(text, "Your note cannot be saved: this session is not in your "
                           "history.")
            return
        try:
            self.services.history.save_note(ref, text,
                                             lambda problem: end.note_saved(text, problem))
        except Exception as exc:  # a note must never crash the app, nor vanish silently
            log.exception("cannot save the note")
            end.note_saved(text, f"Your note could not be saved ({exc}). It is still here.")

    def request_end(self) -> None:
        """Esc / End: ask (Enter = end it, Esc = keep going); the engine then records
        'stopped by user'. The question is window-modal and does not block: the session,
        the timer and U go on while it is open."""
        owner = self.session_screen()
        assert owner is not None
        if owner.session is None:  # still getting ready: nothing to record
            owner.cancel_preparing()
            self.show_start()
            return
        if not owner.active or self.end_box is not None:
            return
        box, end = self._end_question("End the session?", "End this session now? What you "
                                      "have done so far is kept.")
        box.setAccessibleName("End the session?")

        def answered() -> None:
            self.end_box = None
            if box.clickedButton() is end:
                owner.end()
            box.deleteLater()

        box.finished.connect(lambda _code: answered())
        self.end_box = box
        box.open()

    def _ask(self, title: str, text: str) -> bool:
        """Ask whether to end the session, and wait for the answer (closing the window)."""
        box, end = self._end_question(title, text)
        box.exec()
        return box.clickedButton() is end

    def _end_question(self, title: str, text: str) -> tuple[QMessageBox, QPushButton]:
        """The end question: Enter ends the session, Esc (or Space) keeps going; returns the
        box and its "End the session" button."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.NoButton, self)
        # No Yes/No buttons: their plain-letter shortcuts (Y, N) also answer a check-in.
        end = box.addButton("End the session  (Enter)", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton("Keep going  (Esc)", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(end)
        box.setEscapeButton(keep)
        # Space is the pause key: pressed by reflex here it keeps going (the focused
        # button), never ends the session; Enter still ends it (the default button)
        keep.setAutoDefault(False)
        keep.setFocus()
        return box, end
