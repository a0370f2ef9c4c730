"""The main window: a stack of screens (start, player, end, safety), keys, tray and reminders.

It shows almost empty first and builds the screens in `load()`, called from the event loop
right after the first paint, so the window appears as fast as a bare Qt window would.
Screens are imported inside `load()` for the same reason.

This module holds loading, the screen stack and the session flow; the window's other jobs
are its parts (companion/ui/shell/window_state.py lists them).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from companion.ui.shell.window_breathing import LearnAndBreathing
from companion.ui.shell.window_keys import KeyHandling
from companion.ui.shell.window_lifecycle import Lifecycle
from companion.ui.shell.window_profiles import ProfileSwitching
from companion.ui.shell.window_tools import ToolWindows

if TYPE_CHECKING:

    from companion.routines import RoutineEntry
    from companion.ui.adapters.single import SingleInstance
    from companion.ui.adapters.tray import ReminderScheduler, Tray
    from companion.ui.screens.breathe import BreathingScreen
    from companion.ui.screens.breathing_setup import BreathingSetup
    from companion.ui.screens.end import EndScreen
    from companion.ui.screens.learn import LearnScreen
    from companion.ui.screens.player import PlayerScreen
    from companion.ui.screens.start import StartScreen
    from companion.ui.services.container import AppServices
    from companion.ui.services.keys import KeyDispatcher
    from companion.ui.services.session import SessionSummary

log = logging.getLogger(__name__)


class MainWindow(ProfileSwitching, KeyHandling, Lifecycle, ToolWindows, LearnAndBreathing):
    """Owns the screens; holds no session logic (the engine decides, screens display)."""

    def __init__(self, args: argparse.Namespace, services: AppServices | None = None,
                 instance: SingleInstance | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Companion")
        from companion.ui.widgets.icon import app_icon

        self.setWindowIcon(app_icon())  # the same icon as the tray and the menu entry
        self.setAccessibleName("Companion")
        self.resize(1120, 780)
        self.args = args
        self.services = services
        self.instance = instance
        body = QWidget(self)
        self._body_layout = QVBoxLayout(body)
        self._body_layout.setContentsMargins(0, 0, 0, 0)
        self._body_layout.setSpacing(0)
        self.stack = QStackedWidget(body)
        self._body_layout.addWidget(self.stack)
        # Nothing from the big `Qt` namespace before the first paint: importing it costs
        # about as much as showing a bare window.
        self.loading = QLabel("Companion", self.stack)
        self.stack.addWidget(self.loading)
        self.setCentralWidget(body)
        self.voice_banner: QWidget | None = None
        self.start_screen: StartScreen | None = None
        self.player: PlayerScreen | None = None
        self.end_screen: EndScreen | None = None
        self.safety_page: Any = None
        # issue 20, built when first opened: the Learn page, the breathing choice and the
        # breathing session (a second kind of session, beside the player's workouts)
        self.learn_screen: LearnScreen | None = None
        self.breathe_screen: BreathingSetup | None = None
        self.breathing_screen: BreathingScreen | None = None
        self._learn_from = "start"  # where Esc on the Learn page goes back to
        self._breathing_last = False  # the latest session was a breathing session
        self.tray: Tray | None = None
        self.reminders: ReminderScheduler | None = None
        #: asks yes/no and waits (closing the window during a session); tests may replace it
        self.confirm: Callable[[str, str], bool] = self._ask
        self.end_box: QMessageBox | None = None  # "End the session?" while it is open
        #: every key of every window of the app passes through this first (U works anywhere);
        #: made in load(): importing Qt's key names before the first paint costs a bare window
        self.keys: KeyDispatcher | None = None
        self._quitting = False
        self._told_about_tray = False
        self._palette_key = 0
        self._unlocked = False  # the profile's PIN was given in this run (if it has one)
        self.profile_dialog: Any = None
        self.pin_dialog: Any = None
        self.storage_banner: Any = None
        self.progression_banner: Any = None
        self.history_window: Any = None
        self.routine_editor: Any = None
        self._opened_entry: RoutineEntry | None = None  # a routine opened from a file

    # -- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        """Build services and screens (after the first paint). A protected profile's screens
        stay behind the loading page until its PIN is given."""
        from companion.ui.services.keys import KeyDispatcher
        from companion.ui.widgets.style import app_stylesheet

        app = QApplication.instance()
        if isinstance(app, QApplication):
            sheet = app_stylesheet()
            if app.styleSheet() != sheet:  # re-polishing every widget is costly: only if new
                app.setStyleSheet(sheet)
        if self.keys is None:
            self.keys = KeyDispatcher(self, self)
            self.keys.install()
        if self.services is None:
            from companion.errors import KnownError
            from companion.ui.shell.build import build_services

            try:
                self.services = build_services(self.args)
            except KnownError as exc:  # a profile that can be neither opened nor found
                self._cannot_open(str(exc))
                return
        self._configure_announcements()
        self._build_screens()
        if getattr(self.args, "routine", None):
            self.open_routine(self.args.routine)
        if self.instance is not None:
            self.instance.activated.connect(self.raise_from_other_launch)
        self._setup_tray()
        if self._needs_pin():
            self._lock()
            self.loaded.emit()
            return
        self.show_start()
        self._warm_timer.start(400)
        self.loaded.emit()
        self._first_run()

    def _build_screens(self) -> None:
        """The screens of the current profile (again after a switch)."""
        from companion.ui.screens.end import EndScreen
        from companion.ui.screens.player import PlayerScreen
        from companion.ui.screens.start import StartScreen

        assert self.services is not None
        services = self.services
        self.start_screen = StartScreen(services, self.stack)
        self.player = PlayerScreen(services, self.stack)
        self.end_screen = EndScreen(self.stack)
        for screen in (self.start_screen, self.player, self.end_screen):
            self.stack.addWidget(screen)
        self.start_screen.start_requested.connect(self.start_session)
        self.start_screen.settings_requested.connect(self.open_settings)
        self.start_screen.history_requested.connect(self.open_history)
        self.start_screen.screening_requested.connect(self.open_screening)
        self.start_screen.profile_requested.connect(self.open_profiles)
        self.start_screen.pin_requested.connect(self.open_pin)
        self.start_screen.editor_requested.connect(self.open_routine_editor)
        self.start_screen.routine_list.currentRowChanged.connect(
            lambda _row: self.refresh_progression())
        self._warm_timer = QTimer(self)  # a moment after a routine is selected (not per key)
        self._warm_timer.setSingleShot(True)
        self._warm_timer.timeout.connect(self.warm_voice)
        self.start_screen.routine_list.currentRowChanged.connect(
            lambda _row: self._warm_timer.start(400))
        self.player.session_over.connect(self.on_session_over)
        self.player.red_flag_raised.connect(self._red_flag_raised)
        self.player.end_requested.connect(self.request_end)
        self.player.fullscreen_requested.connect(self.toggle_fullscreen)
        self.end_screen.mood_chosen.connect(self._mood_after)
        self.end_screen.back_requested.connect(self.show_start)
        self.end_screen.learn_requested.connect(self.open_learn)
        self.end_screen.unwell_requested.connect(self.raise_red_flag)
        self.end_screen.note_changed.connect(self._save_note)
        self.start_screen.learn_requested.connect(self.open_learn)
        self.start_screen.breathing_requested.connect(self.open_breathing)
        if self.voice_banner is None:
            self._setup_voice_banner()
        self._setup_storage()
        self._setup_progression()
        self.reload_routines()
        self._show_whose()

    def _first_run(self) -> None:
        assert self.services is not None
        if not getattr(self.args, "no_first_run", False):  # a test harness plays unattended
            try:
                self.services.first_run(self)
            except Exception:  # a failing first-run hook must not keep the app from working
                log.exception("first-run hook failed")

    def warm_voice(self) -> None:
        """Render the selected routine's prompts ahead with a voice that is slow to render
        (the natural voice), so its first session starts sooner (espeak-ng: nothing)."""
        warm = getattr(self.services.speaker if self.services else None, "warm", None)
        entry = self.start_screen.selected() if self.start_screen is not None else None
        if not callable(warm) or entry is None or entry.routine is None:
            return
        from companion.ui.services.session import plan_inputs

        assert self.services is not None
        try:
            warm(*plan_inputs(entry.routine, self.services))
        except Exception:  # ahead-of-time work only: the session prepares its voice anyway
            log.exception("could not render the routine's prompts ahead")


    def _setup_voice_banner(self) -> None:
        """Above every screen while the voice is missing: what is wrong and the fix."""
        from companion.ui.screens.voice_banner import VoiceBanner

        assert self.services is not None
        banner = VoiceBanner()
        self._body_layout.insertWidget(0, banner)  # parent first: reparenting hides a widget
        speaker = self.services.speaker
        if callable(getattr(speaker, "on_state", None)):
            banner.follow(speaker)
        else:
            banner.show_state(speaker.state)
        self.voice_banner = banner

    def _setup_storage(self) -> None:
        """The storage banner above every screen (busy, disk full, read-only, server away:
        shown at once, in plain words), and re-reading counts and the profile when the
        history changes or finishes opening in the background."""
        from companion.ui.screens.storage_banner import StorageBanner

        assert self.services is not None
        services = self.services
        self.storage_banner = StorageBanner()
        self._body_layout.insertWidget(0, self.storage_banner)
        history = services.history
        self.storage_banner.follow(history)
        changed = getattr(history, "changed", None)
        if changed is not None:
            changed.connect(self._history_changed)
        ready = getattr(history, "ready", None)
        if ready is not None:
            ready.connect(self._history_ready)

    def _history_changed(self) -> None:
        if self.start_screen is not None and self.player is not None \
                and not self.session_active():
            self.start_screen.refresh_week()
            self.refresh_progression()

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


    # -- screens -----------------------------------------------------------------------------
    def current_screen(self) -> str:
        widget = self.stack.currentWidget()
        for name in ("start_screen", "player", "end_screen", "safety_page", "learn_screen",
                     "breathe_screen", "breathing_screen"):
            if widget is not None and widget is getattr(self, name):
                return name.removesuffix("_screen").removesuffix("_page")
        return "loading"

    def _show(self, widget: QWidget) -> None:
        from companion.ui.widgets.announce import forget

        if self.stack.currentWidget() is not widget:
            forget()  # a new screen: its announcement is news even if worded as before
        self.stack.setCurrentWidget(widget)
        self.screen_changed.emit(self.current_screen())

    def _configure_announcements(self) -> None:
        """Screen reader announcements follow the setting and whether the voice is heard."""
        from companion.core.timeline import Verbosity
        from companion.ui.widgets import announce
        from companion.voice.base import VoiceStatus

        def mode() -> Any:
            assert self.services is not None
            return self.services.settings.announce_prompts

        def voice_heard() -> bool:
            services = self.services
            if services is None:
                return False
            state = getattr(services.speaker, "state", None)
            return (getattr(state, "status", None) is VoiceStatus.OK
                    and services.settings.volume > 0
                    and services.settings.verbosity is not Verbosity.TONES)

        announce.configure(mode, voice_heard)
        announce.keep_visible_states()

    def show_start(self) -> None:
        assert self.start_screen is not None
        if self.end_screen is not None and self.current_screen() == "end":
            self.end_screen.flush_note()  # an unsaved note is saved on the way out
        self.start_screen.refresh_week()
        self.refresh_progression()
        self.start_screen.set_mood(None)
        self._show(self.start_screen)
        self.start_screen.start_button.setFocus()

    def session_active(self) -> bool:
        """A workout or a breathing session is running (or paused)."""
        return any(screen is not None and screen.active
                   for screen in (self.player, self.breathing_screen))

    def start_session(self, entry: RoutineEntry, mood: int | None) -> None:
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
        self.player.start(entry.routine, mood)


    def on_session_over(self, summary: SessionSummary) -> None:
        assert self.end_screen is not None and self.services is not None
        if summary.red_flag is not None:
            self._show_safety(summary)
        elif self.current_screen() in ("player", "breathing"):
            self.end_screen.show_summary(summary)
            self._show(self.end_screen)
            self.end_screen.back_button.setFocus()
            self.end_screen.announce_summary()

    def session_screen(self) -> Any:
        """The screen holding the latest session: the player (a workout) or the breathing
        screen. Both offer `session`, `active`, `driver`, `preparing`, `end()`,
        `report_unwell()`, `cancel_preparing()` and `perform()`."""
        if self._breathing_last and self.breathing_screen is not None:
            return self.breathing_screen
        return self.player

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
        from companion.ui.services.container import AnnouncingPage, EmergencyTextPage

        if isinstance(self.safety_page, EmergencyTextPage):
            self.safety_page.set_emergency_text(self.services.settings.emergency_text)
        else:
            self.safety_page.emergency_text = self.services.settings.emergency_text
        symptom = summary.red_flag if summary.red_flag is not Symptom.UNSPECIFIED else None
        self.safety_page.show_stop(symptom)
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
        save = getattr(self.services.history, "save_note", None)
        if ref is None or not callable(save):
            end.note_saved(text, "Your note cannot be saved: this session is not in your "
                           "history.")
            return
        try:
            save(ref, text, lambda problem: end.note_saved(text, problem))
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
        box = QMessageBox(QMessageBox.Icon.Question, "End the session?",
                          "End this session now? What you have done so far is kept.",
                          QMessageBox.StandardButton.NoButton, self)
        # No Yes/No buttons: their plain-letter shortcuts (Y, N) also answer a check-in.
        end = box.addButton("End the session  (Enter)", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton("Keep going  (Esc)", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(end)
        box.setEscapeButton(keep)
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
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.NoButton, self)
        yes = box.addButton("End the session  (Enter)", QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton("Keep going  (Esc)", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(yes)
        box.setEscapeButton(no)
        box.exec()
        return box.clickedButton() is yes

    def open_settings(self) -> None:
        from companion.ui.screens.settings_dialog import SettingsDialog

        assert self.services is not None
        dialog = SettingsDialog(self.services.settings, self.services.speaker, self,
                                voice_input=self.services.voice_input,
                                voices_dir=self.services.paths.voices_dir)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.apply_settings(dialog.result_settings())

    def apply_settings(self, settings: Any) -> None:
        assert self.services is not None and self.start_screen is not None
        problem = self.services.save_settings(settings)
        if self.services.voice_input is not None:
            self.services.voice_input.set_enabled(settings.voice_input)
        if problem:
            self.services.problems.append(problem)
            self.start_screen.show_messages(self.services.problems)
        self.start_screen.refresh_week()
        if self.reminders is not None:
            self.reminders.schedule(settings.reminders)

    def toggle_fullscreen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()


