"""The windows opened beside a session from the main window: history, routine editor,
screening, the progression suggestion, and routine files opened from elsewhere.
"""

from __future__ import annotations

import logging
from typing import Any

from companion.qt.core import Qt
from companion.qt.widgets import QMessageBox
from companion.ui.services.ports import StoredHistory
from companion.ui.shell.window_state import WindowState

log = logging.getLogger(__name__)


class ToolWindows(WindowState):
    """History, routine editor, screening, progression, routine files."""

    def _setup_progression(self) -> None:
        from companion.ui.screens.progression_banner import ProgressionBanner

        assert self.services is not None and self.start_screen is not None
        self.progression_banner = ProgressionBanner(self.services.paths, self.start_screen)
        self.progression_banner.accepted.connect(lambda _path: self._routine_copy_saved())
        self.start_screen.add_banner(self.progression_banner)

    def _routine_copy_saved(self) -> None:
        assert self.services is not None
        self.services.library = None  # the user copy now takes the built-in's place
        self.reload_routines()

    def refresh_progression(self) -> None:
        """Offer one small step for the selected routine when the evidence says it is safe."""
        banner = self.progression_banner
        if banner is None or self.start_screen is None or self.services is None:
            return
        entry = self.start_screen.selected()
        db = self.services.database
        if db is None or entry is None or entry.routine is None:
            banner.hide()
            return
        from companion import progression_step as progression_data
        from companion.ui.adapters.operations import QueryOp

        routine, alternatives, paths = entry.routine, entry.alternatives, banner.paths

        def failed(exc: Exception) -> None:  # a suggestion is optional: never an error
            log.warning("progression suggestion failed: %s", exc)
            banner.hide()

        def show(suggestion: Any) -> None:
            now = self.start_screen.selected() if self.start_screen is not None else None
            if now is not None and now.routine is routine:  # still the one selected
                banner.set_suggestion(routine, suggestion, alternatives)

        # off the GUI thread: a history on a server that does not answer must not freeze
        QueryOp(parent=banner, op=lambda: progression_data.current_suggestion(
            db, routine, paths), success=show).failure(failed).run_in_background()

    def open_history(self) -> None:
        """The history window (H): sessions, charts, details, the clinician summary."""
        from companion.ui.history.window import HistoryWindow

        assert self.services is not None
        db = self.services.database
        if db is None:
            QMessageBox.information(
                self, "History", "Your history is not available right now: the database "
                "could not be opened (see the message on the start screen).")
            return
        window = self.history_window
        settings = self.services.settings
        # A window of its own, not a child of this one: its dialogs are modal to it, and
        # Qt blocks a modal window's parents too, so as a child its note dialog blocked this
        # window's red button (a tester). Closed with this window (`close_tool_windows`).
        if window is None or window.db is not db:  # built once per profile, then reused
            history = self.services.history
            changed = history.changed if isinstance(history, StoredHistory) else None
            window = HistoryWindow(db, profile=self.services.profile,
                                   weekly_goal=settings.weekly_goal,
                                   paths=self.services.paths, parent=None,
                                   count_breathing=settings.breathing_counts,
                                   session_active=self.session_exists,
                                   on_unwell=self._unwell_from_elsewhere,
                                   history_changed=changed)
            self.history_window = window
            self.destroyed.connect(window.deleteLater)  # no parent: it goes with this one
        window.reopen(profile=self.services.profile, weekly_goal=settings.weekly_goal,
                      count_breathing=settings.breathing_counts)
        window.raise_()
        window.activateWindow()

    def close_tool_windows(self) -> None:
        """Hide History and the routine editor (windows of their own, see `open_history`)
        as this window goes away; what they hold stays as it is."""
        for window in (self.history_window, self.routine_editor):
            if window is not None:
                window.hide()

    def _unwell_from_elsewhere(self) -> None:
        """The red button of another window (the note dialog): the red flag, while a session
        exists (as U there would)."""
        if self.session_exists():
            self.raise_red_flag()

    def open_routine_editor(self) -> None:
        """The routine editor, a window of its own (so typing there never works the app's
        keys); saving, deleting or importing there refreshes the start screen's list."""
        from companion.ui.screens.routine_editor import RoutineEditor

        assert self.services is not None and self.start_screen is not None
        editor = self.routine_editor
        if editor is None:
            editor = RoutineEditor(self.services, None)  # no parent: as History, above
            editor.routines_changed.connect(self.reload_routines)
            self.destroyed.connect(editor.deleteLater)
            self.routine_editor = editor
        selected = self.start_screen.selected()
        editor.show()
        editor.show_routine(selected.id if selected is not None else None)
        editor.raise_()
        editor.activateWindow()

    def open_screening(self) -> None:
        """The health questions on demand (they are also offered on first run and twice a
        year)."""
        from companion.ui.shell.gates import open_screening

        assert self.services is not None
        if not open_screening(self, self.services):
            QMessageBox.information(
                self, "Health questions", "Your answers cannot be saved right now: the "
                "database could not be opened (see the message on the start screen).")

    def reload_routines(self) -> None:
        assert self.start_screen is not None and self.services is not None
        entries = self.services.routine_library().entries()
        opened = self._opened_entry
        if opened is not None:  # `--routine FILE` stays listed (and selected) on every reload
            entries = [e for e in entries if e.id != opened.id or e.routine is None] + [opened]
        current = self.start_screen.selected()
        self.start_screen.populate(entries, select=current.id if current else None)
        self.start_screen.refresh_week()
        self.start_screen.show_messages(self.services.problems)
        self.refresh_progression()

    def show_messages(self, messages: list[str]) -> None:
        """Say these on the start screen (problems, a reminder), replacing what it said."""
        if self.start_screen is not None:
            self.start_screen.show_messages(messages)

    def focus_start(self) -> None:
        """The keyboard on the Start button, when the start screen is showing (after the
        health questions close: Enter then starts, never the last button clicked)."""
        if self.start_screen is not None and self.current_screen() == "start":
            self.start_screen.start_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_routine(self, ref: str) -> bool:
        """`--routine FILE_OR_ID`: select it, ready to start; a problem is shown, not raised."""
        from companion.routines import RoutineFileError

        assert self.start_screen is not None and self.services is not None
        try:
            entry = self.services.routine_library().find(ref)
        except RoutineFileError as exc:
            self.services.problems.append(f"Cannot open routine {ref}:")
            self.services.problems.extend(f"  {p}" for p in exc.problems)
            self.start_screen.show_messages(self.services.problems)
            return False
        if not self.start_screen.select(entry.id) or self.start_screen.selected() != entry:
            self._opened_entry = entry
            self.start_screen.add_entry(entry)
        self.start_screen.start_button.setFocus()
        return True
