"""Whose session it is: the profile shown, the PIN lock, Switch profile and a new PIN
(issue 21); the main window's part.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from typing import Any

from companion.qt.widgets import QDialog, QMessageBox
from companion.ui.services.ports import StoredHistory
from companion.ui.shell.window_state import WindowState

log = logging.getLogger(__name__)


class ProfileSwitching(WindowState):
    """Whose session it is: the profile shown, the PIN lock, switching."""

    # -- profiles (issue 21) ---------------------------------------------------------------------
    def person_name(self) -> str:
        return self.services.person_name if self.services is not None else ""

    def _show_whose(self) -> None:
        """The window title and the start screen say whose session it is."""
        name = self.person_name()
        self.setWindowTitle(f"Companion — {name}" if name else "Companion")
        self.setAccessibleName(self.windowTitle())
        if self.start_screen is not None:
            self.start_screen.set_person(name)

    def _needs_pin(self) -> bool:
        """The profile has a PIN that was not given yet in this run."""
        if self._unlocked or self.services is None:
            return False
        history = self.services.history
        person = history.person if isinstance(history, StoredHistory) else None
        return person is not None and person.has_pin

    def _lock(self) -> None:
        """Nothing of the profile shows until its PIN is given (or another is chosen)."""
        from companion.qt.core import Qt

        # a sentence in the middle of the window, not a stray word at its edge
        self.loading.setText("This profile is protected by a PIN: enter it to go on, or "
                             "choose another profile.")
        self.loading.setWordWrap(True)
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._show(self.loading)
        self.open_profiles(startup=True)

    def _cannot_open(self, message: str) -> None:
        log.error("cannot open the profile: %s", message)
        self.loading.setText(message)
        self.loading.setWordWrap(True)
        box = QMessageBox(QMessageBox.Icon.Critical, "Companion", message,
                          QMessageBox.StandardButton.Close, self)
        box.setAccessibleName("Companion cannot open this profile")
        box.finished.connect(lambda _code: self.quit_app())
        self.cannot_open_box = box
        box.open()

    def open_profiles(self, startup: bool = False) -> None:
        """Switch profile (P on the start screen): choose, give the PIN if it has one; a new
        profile can be added here. At start-up, for a protected profile: Quit closes."""
        from companion.ui.screens.profiles import ProfileDialog

        assert self.services is not None
        if self.session_exists() or self.session_active() or self.profile_dialog is not None:
            # never mid-session (the session is this person's, and U must stay theirs); a
            # message that does not wait, so U closes it like any dialog
            if self.profile_dialog is None:
                box = QMessageBox(QMessageBox.Icon.Information, "Switch profile",
                                  "Finish or end this session before switching to another "
                                  "profile.", QMessageBox.StandardButton.Ok, self)
                box.setAccessibleName("Switch profile: finish the session first")
                box.open()
            return
        services = self.services
        paths = services.paths
        db_arg = self.options.db
        current = services.database
        from companion.storage import access

        names = access.names_to_choose(paths, db_arg, current)
        me = self.person_name()
        if me and me not in names:
            names.insert(0, me)

        def check(name: str, pin: str) -> Any:
            return access.unlock(paths, db_arg, name, pin)

        def create(name: str, pin: str | None) -> Any:
            if current is None:
                from companion.errors import KnownError

                raise KnownError("Your history cannot be opened right now, so no profile "
                                 "can be added.")
            return access.add_profile(paths, current, name, pin)

        dialog = ProfileDialog(names, me, check, self, startup=startup,
                               create=None if startup else create)
        self.profile_dialog = dialog

        def done(code: int) -> None:
            self.profile_dialog = None
            chosen = dialog.chosen
            if code != QDialog.DialogCode.Accepted or chosen is None:
                if startup:
                    self.quit_app()
                return
            if chosen == me:
                if startup:
                    self._unlocked = True
                    self.show_start()
                    self._first_run()
                return
            self.switch_to(chosen)

        dialog.finished.connect(done)
        dialog.open()

    def open_pin(self) -> None:
        """Set, change or remove this profile's PIN (from the Switch profile screen)."""
        from companion.ui.adapters.operations import QueryOp
        from companion.ui.screens.profiles import PinDialog

        assert self.services is not None
        history = self.services.history
        db = self.services.database
        person = history.person if isinstance(history, StoredHistory) else None
        if db is None or person is None:
            QMessageBox.information(self, "PIN", "Your history cannot be opened right now.")
            return
        if self.session_exists() or self.session_active():
            return
        dialog = PinDialog(person.name, person.has_pin, self)
        self.pin_dialog = dialog

        def answered(code: int) -> None:
            self.pin_dialog = None
            if code != QDialog.DialogCode.Accepted:
                return
            old, new = dialog.values()
            from companion.storage.access import change_pin

            def done(_r: object) -> None:
                text = "Your profile has no PIN now." if new is None else \
                    "Your profile is protected by this PIN now."
                if self.start_screen is not None:
                    self.start_screen.show_messages([text])

            def failed(exc: Exception) -> None:
                if self.start_screen is not None:
                    self.start_screen.show_messages([str(exc)])

            QueryOp(parent=self, op=lambda: change_pin(db, old, new),
                    success=done).failure(failed).run_in_background()

        dialog.finished.connect(answered)
        dialog.open()

    def switch_to(self, name: str) -> bool:
        """Close this profile's screens and history, open `name`'s (its PIN was checked)."""
        from companion.errors import KnownError
        from companion.ui.shell.build import build_services

        assert self.services is not None
        if self.session_exists():
            return False
        old = self.services
        options = replace(self.options, profile=name, routine=None)
        try:
            new = build_services(options, speaker=old.speaker, voice_input=old.voice_input)
        except KnownError as exc:
            QMessageBox.warning(self, "Switch profile", str(exc))
            return False
        if self.end_screen is not None:
            self.end_screen.flush_note()
        self._teardown_screens()
        if isinstance(old.history, StoredHistory):
            for signal in (old.history.changed, old.history.ready, old.history.status_changed):
                with contextlib.suppress(RuntimeError, TypeError):  # nothing connected
                    signal.disconnect()
        try:
            old.history.close()
        except Exception:  # the old profile's journal keeps anything not saved
            log.exception("closing the previous profile's history failed")
        self.options = options
        self.services = new
        self._opened_entry = None
        self._unlocked = True
        self._build_screens()
        self.reschedule_reminders()
        self.show_start()
        self.profile_switched.emit(name)
        self._first_run()
        return True

    def _teardown_screens(self) -> None:
        """Remove every screen and window of the current profile (none may show another
        person's data after a switch)."""
        for window in (self.history_window, self.routine_editor):
            if window is not None:
                window.close()
                window.deleteLater()
        self.history_window = self.routine_editor = None
        self._show(self.loading)
        for widget in self.screens().values():
            if widget is not None:
                self.stack.removeWidget(widget)
                widget.deleteLater()
        self.start_screen = self.player = self.end_screen = None
        self.safety_page = self.learn_screen = self.breathe_screen = None
        self.breathing_screen = None
        if self.storage_banner is not None:
            self._body_layout.removeWidget(self.storage_banner)
            self.storage_banner.deleteLater()
            self.storage_banner = None
        self.progression_banner = None
        self._breathing_last = False
