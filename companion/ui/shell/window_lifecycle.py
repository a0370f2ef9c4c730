"""The main window's life: other launches, the tray and reminders, closing and shutting
down.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import shiboken6

from companion.qt.gui import QCloseEvent
from companion.qt.widgets import QApplication
from companion.ui.adapters.speech_signals import RenderingSpeaker
from companion.ui.shell.window_state import WindowState

if TYPE_CHECKING:
    from companion.qt.core import QEvent


# QEvent types as numbers, so QEvent need not be imported before the first paint
_APP_PALETTE_CHANGE = 38  # QEvent.Type.ApplicationPaletteChange
_ACTIVATION_CHANGE = 99  # QEvent.Type.ActivationChange


log = logging.getLogger(__name__)


class Lifecycle(WindowState):
    """Other launches, the tray and reminders, closing and shutting down."""

    # -- other launches, tray, reminders -------------------------------------------------------
    def raise_from_other_launch(self, routine: str) -> None:
        self.bring_to_front()
        if routine and self.player is not None and not self.session_active():
            self.show_start()
            self.open_routine(routine)

    def bring_to_front(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def _setup_tray(self) -> None:
        """Reminders and the tray icon, made once per window (a profile switch only
        reschedules the reminders)."""
        from companion.ui.adapters.tray import ReminderScheduler, Tray

        if self.reminders is None:
            self.reminders = ReminderScheduler(parent=self)
            self.reminders.reminder_due.connect(self.on_reminder)
            if Tray.available():
                self.tray = Tray(self)
                self.tray.open_requested.connect(self.bring_to_front)
                self.tray.start_requested.connect(self.ready_planned_session)
                self.tray.quit_requested.connect(self.quit_app)
                self.tray.show()
                app = QApplication.instance()
                if isinstance(app, QApplication):
                    app.setQuitOnLastWindowClosed(False)
        self.reschedule_reminders()

    def reschedule_reminders(self) -> None:
        """Follow the current profile's reminder settings (at start, after a profile switch
        or a change in Settings)."""
        if self.reminders is not None and self.services is not None:
            self.reminders.schedule(self.services.settings.reminders)

    def on_reminder(self) -> None:
        assert self.start_screen is not None
        if self.session_active():
            return
        planned = self.start_screen.entry_for(self.start_screen.suggested_id())
        name = planned.name if planned else "your session"
        text = f"Time for your planned session: {name}. Click to get ready."
        if self.tray is not None:
            self.tray.notify("Companion", text)
        else:
            self.show_messages([text])
            self.bring_to_front()

    def ready_planned_session(self) -> None:
        """From a reminder: open with today's routine selected; the person presses Start."""
        self.bring_to_front()
        if self.session_active():
            return
        assert self.start_screen is not None
        self.show_start()
        self.start_screen.select(self.start_screen.suggested_id())

    def quit_app(self) -> None:
        self._quitting = True
        if self.close():
            QApplication.quit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.session_active():
            if not self.confirm("End the session?",
                                "A session is running. End it and close the window?"):
                event.ignore()
                self._quitting = False
                return
            owner = self.session_screen()
            if owner is not None:
                owner.end()
        if self.end_screen is not None:
            self.end_screen.flush_note()
        if self.tray is not None and not self._quitting:
            self.hide()
            event.ignore()
            if not self._told_about_tray:
                self._told_about_tray = True
                self.tray.notify("Companion", "Companion keeps running in the tray for your "
                                 "reminders. Use the tray menu to quit.")
            return
        if self.instance is not None:
            self.instance.release()
        self.close_tool_windows()  # windows of their own: they go with this one
        event.accept()

    def changeEvent(self, event: QEvent) -> None:
        """The system switched light/dark: re-resolve the stylesheet's palette() colours."""
        super().changeEvent(event)
        if event.type() == _ACTIVATION_CHANGE and self.isActiveWindow():
            self._came_back()
        if event.type() == _APP_PALETTE_CHANGE and self.start_screen is not None:
            from companion.ui.widgets.style import app_stylesheet

            app = QApplication.instance()
            key = app.palette().cacheKey() if isinstance(app, QApplication) else 0
            if isinstance(app, QApplication) and key != self._palette_key:
                self._palette_key = key
                app.setStyleSheet("")  # the same text would not re-resolve palette()
                app.setStyleSheet(app_stylesheet())

    def shutdown(self) -> None:
        """After the event loop: release the instance lock, stop the voice, close history."""
        if self.keys is not None:
            self.keys.remove()
        if self.instance is not None:
            self.instance.release()
        for window in (self.history_window, self.routine_editor):  # no parent to end them
            if window is not None and shiboken6.isValid(window):
                shiboken6.delete(window)
        self.history_window = self.routine_editor = None
        if self.services is None:
            return
        speaker = self.services.speaker
        for owner in (self.services.voice_input,
                      speaker if isinstance(speaker, RenderingSpeaker) else None,
                      self.services.history):
            if owner is not None:
                try:
                    owner.close()
                except Exception:  # closing must not turn a clean exit into a crash
                    log.exception("closing %r failed", owner)
