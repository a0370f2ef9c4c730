"""The Learn page and stand-alone breathing sessions (issue 20), opened from the main
window.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from companion.ui.shell.window_state import WindowState

if TYPE_CHECKING:
    from companion.core.breathing import BreathingSession


log = logging.getLogger(__name__)


class LearnAndBreathing(WindowState):
    """The Learn page and stand-alone breathing sessions."""

    # -- learn, breathe (issue 20) -------------------------------------------------------------
    def open_learn(self) -> None:
        """The "Why this helps" page (L), from the start screen or the end screen; Esc (or
        Back) returns there. Opened from the end screen, the session is still just over
        behind it: U and the red button still raise the red flag."""
        from companion.ui.screens.learn import LearnScreen

        assert self.services is not None
        emergency = self.services.settings.emergency_text
        if self.learn_screen is not None and self.learn_screen.emergency_text != emergency \
                and self.current_screen() != "learn":
            self.stack.removeWidget(self.learn_screen)  # the stop steps name the number
            self.learn_screen.deleteLater()
            self.learn_screen = None
        if self.learn_screen is None:
            self.learn_screen = LearnScreen(emergency, self.stack)
            self.stack.addWidget(self.learn_screen)
            self.learn_screen.back_requested.connect(self.close_learn)
            self.learn_screen.unwell_requested.connect(self.raise_red_flag)
        screen = self.current_screen()
        if screen == "learn":
            return
        if screen == "end" and self.end_screen is not None:
            self.end_screen.flush_note()
        self._learn_from = "end" if screen == "end" else "start"
        self._show(self.learn_screen)
        self.learn_screen.show_page(session_behind=self._learn_from == "end")

    def close_learn(self) -> None:
        if self._learn_from == "end" and self.end_screen is not None:
            self._show(self.end_screen)
            self.end_screen.back_button.setFocus()
        else:
            self.show_start()

    def open_breathing(self) -> None:
        """The breathing session's choice (B): pattern, length, mood."""
        from companion.ui.screens.breathe import BreathingScreen
        from companion.ui.screens.breathing_setup import BreathingSetup

        assert self.services is not None
        if self.session_active():
            return
        if self.breathe_screen is None:
            self.breathe_screen = BreathingSetup(self.stack)
            self.stack.addWidget(self.breathe_screen)
            self.breathe_screen.back_requested.connect(self.show_start)
            self.breathe_screen.start_requested.connect(self.start_breathing)
            self.breathing_screen = BreathingScreen(self.services, self.stack)
            self.stack.addWidget(self.breathing_screen)
            owner = self.breathing_screen
            owner.session_over.connect(self.on_session_over)
            owner.red_flag_raised.connect(self._red_flag_raised)
            owner.end_requested.connect(self.request_end)
            owner.fullscreen_requested.connect(self.toggle_fullscreen)
        settings = self.services.settings
        self.breathe_screen.prepare(self.services.profile, settings.breathing_pattern,
                                    settings.breathing_minutes)
        self._show(self.breathe_screen)

    def start_breathing(self, breathing: BreathingSession, mood: int | None) -> None:
        """Start a stand-alone breathing session: the same red-flag gate as a workout (the
        next session after a red-flag stop needs the confirmation first)."""
        from dataclasses import replace

        from companion.core.timeline import breathing_routine

        assert self.services is not None and self.breathing_screen is not None
        if self.session_active():
            return
        try:
            allowed = self.services.session_gate(self, breathing_routine(breathing))
        except Exception:  # a broken gate fails closed, as for a workout
            log.exception("session gate failed")
            allowed = False
        if not allowed:
            return
        settings = self.services.settings
        if (settings.breathing_pattern, settings.breathing_minutes) != (
                breathing.pattern.id, breathing.minutes):
            remembered = replace(settings, breathing_pattern=breathing.pattern.id,
                                 breathing_minutes=breathing.minutes)
            problem = self.services.save_settings(remembered)
            if problem:
                log.warning("%s", problem)
        self._breathing_last = True
        self._show(self.breathing_screen)
        self.breathing_screen.setFocus()
        self.breathing_screen.start(breathing, mood)
