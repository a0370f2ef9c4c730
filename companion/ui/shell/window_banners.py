"""What the main window shows above every screen and tells screen readers: the voice banner,
the storage banner (and re-reading counts and the profile when the history changes), and
when prompts are announced; the main window's part.
"""

from __future__ import annotations

from companion.ui.services.ports import StoredHistory
from companion.ui.shell.window_state import WindowState


class Banners(WindowState):
    """The voice and storage banners, the history's signals, screen reader announcements."""

    def _setup_voice_banner(self) -> None:
        """Above every screen while the voice or the microphone is missing: what is wrong
        and the fix."""
        from companion.ui.screens.voice_banner import VoiceBanner

        assert self.services is not None
        banner = VoiceBanner()
        self._body_layout.insertWidget(0, banner)  # parent first: reparenting hides a widget
        banner.follow(self.services.speaker)
        if self.services.voice_input is not None:  # voice answers on, but no microphone
            banner.follow_listening(self.services.voice_input)
        self.voice_banner = banner

    def _setup_storage(self) -> None:
        """The storage banner above every screen (busy, disk full, read-only, server away:
        shown at once, in plain words), and re-reading counts and the profile when the
        history changes or finishes opening in the background."""
        from companion.ui.screens.storage_banner import StorageBanner

        assert self.services is not None
        self.storage_banner = StorageBanner()
        self._body_layout.insertWidget(0, self.storage_banner)
        history = self.services.history
        self.storage_banner.follow(history)
        if isinstance(history, StoredHistory):
            history.changed.connect(self._history_changed)
            history.ready.connect(self._history_ready)

    def _history_changed(self) -> None:
        if self.start_screen is not None and self.player is not None \
                and not self.session_active():
            self.start_screen.refresh_week()
            self.refresh_progression()
            assert self.services is not None
            before = self.services.profile
            if self.services.refresh_profile() != before:  # new or erased health answers
                self.reload_routines()
                self.show_messages(self.services.problems)

    def _came_back(self) -> None:
        """The main window is active again: read the history again, so what another window
        or process changed meanwhile shows (`history --delete-all` in a terminal erased the
        health answers: every careful adaptation is on again, and said)."""
        history = self.services.history if self.services is not None else None
        if isinstance(history, StoredHistory) and not self.session_active():
            history.refresh(if_changed=True)

    def _history_ready(self) -> None:
        assert self.services is not None
        self._show_whose()
        if self._needs_pin() and self.current_screen() != "loading" \
                and not self.session_exists():
            self._lock()  # the server said this profile has a PIN: ask it now
            return
        self.services.refresh_profile()
        if self.start_screen is not None and (self.player is None or not self.player.active):
            self.reload_routines()

    def _configure_announcements(self) -> None:
        """Screen reader announcements follow the setting and whether the voice is heard."""
        from companion.core.timeline import Verbosity
        from companion.settings import AnnouncePrompts
        from companion.ui.widgets import announce
        from companion.voice.base import VoiceStatus

        def mode() -> AnnouncePrompts:
            assert self.services is not None
            return self.services.settings.announce_prompts

        def voice_heard() -> bool:
            services = self.services
            if services is None:
                return False
            return (services.speaker.state.status is VoiceStatus.OK
                    and services.settings.volume > 0
                    and services.settings.verbosity is not Verbosity.TONES)

        announce.configure(mode, voice_heard)
        announce.keep_visible_states()
