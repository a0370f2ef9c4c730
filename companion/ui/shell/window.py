"""The main window: a stack of screens (start, player, end, safety), keys, tray and reminders.

It shows almost empty first and builds the screens in `load()`, called from the event loop
right after the first paint, so the window appears as fast as a bare Qt window would.
Screens are imported inside `load()` for the same reason.

This module holds loading, the screen stack and Settings; the window's other jobs are its
parts (companion/ui/shell/window_state.py lists them).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from companion.qt.core import QTimer, SignalInstance
from companion.qt.widgets import (
    QApplication,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from companion.ui.adapters.speech_signals import RenderingSpeaker
from companion.ui.shell.options import LaunchOptions
from companion.ui.shell.window_banners import Banners
from companion.ui.shell.window_breathing import LearnAndBreathing
from companion.ui.shell.window_keys import KeyHandling
from companion.ui.shell.window_lifecycle import Lifecycle
from companion.ui.shell.window_profiles import ProfileSwitching
from companion.ui.shell.window_session import SessionFlow
from companion.ui.shell.window_tools import ToolWindows
from companion.ui.widgets.screen_fit import resize_within_screen
from companion.ui.widgets.scroll import CurrentPageStack, page_scroll

if TYPE_CHECKING:
    from companion.qt.widgets import QMessageBox
    from companion.routines import RoutineEntry
    from companion.settings import Settings
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

log = logging.getLogger(__name__)


class MainWindow(SessionFlow, ProfileSwitching, KeyHandling, Lifecycle, ToolWindows,
                 LearnAndBreathing, Banners):
    """Owns the screens; holds no session logic (the engine decides, screens display)."""

    def __init__(self, args: argparse.Namespace | LaunchOptions,
                 services: AppServices | None = None,
                 instance: SingleInstance | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Companion")
        from companion.ui.widgets import plain_text
        from companion.ui.widgets.icon import app_icon

        plain_text.install()  # names, notes and the emergency text are never markup

        self.setWindowIcon(app_icon())  # the same icon as the tray and the menu entry
        self.setAccessibleName("Companion")
        resize_within_screen(self, 1120, 780)
        self.options = LaunchOptions.from_args(args)
        self.services = services
        self.instance = instance
        body = QWidget(self)
        self._body_layout = QVBoxLayout(body)
        self._body_layout.setContentsMargins(0, 0, 0, 0)
        self._body_layout.setSpacing(0)
        # the screens scroll when the window is smaller than the one showing needs (a small
        # screen): the window then still fits the screen, Start included
        self.screen_area = page_scroll(QScrollArea(body))
        self.screen_area.setFocusPolicy(type(self.screen_area.focusPolicy()).NoFocus)
        self.stack = CurrentPageStack(self.screen_area)
        self.screen_area.setWidget(self.stack)
        self._body_layout.addWidget(self.screen_area)
        # Nothing from the big `Qt` namespace before the first paint: importing it costs
        # about as much as showing a bare window.
        self.loading = QLabel("Companion\n\nOpening your history\u2026", self.stack)
        # centred through the style sheet: a tester saw the bare word at the far left
        self.loading.setStyleSheet("qproperty-alignment: AlignCenter; font-size: 15pt;")
        self.loading.setWordWrap(True)
        self.loading.setAccessibleName("Starting")
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
        self._opened_entry: RoutineEntry | None = None  # a routine opened from a file

    # -- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        """Build services and screens (after the first paint); services not given are
        opened on a worker thread and the screens follow when they arrive (`loaded`
        fires). A protected profile's screens stay behind the loading page until its PIN
        is given."""
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
        if self.services is None:  # opened on a worker: the window keeps painting
            from companion.ui.shell.build import start_services

            start_services(self.options, self, self._services_ready, self._services_failed)
            return
        self._load_screens()

    def _services_ready(self, services: AppServices) -> None:
        self.services = services
        self._load_screens()

    def _services_failed(self, exc: Exception) -> None:
        """A profile that can be neither opened nor found (or the services could not be
        made): said in a message box, then the app closes; no screen, no session."""
        from companion.errors import KnownError

        if not isinstance(exc, KnownError):
            log.error("the app could not start", exc_info=exc)
        self._cannot_open(str(exc) or type(exc).__name__)

    def _load_screens(self) -> None:
        """The rest of `load()`, once the services exist."""
        self._configure_announcements()
        self._build_screens()
        if self.options.routine:
            self.open_routine(self.options.routine)
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
        start, player, end = self.start_screen, self.player, self.end_screen
        self._warm_timer = QTimer(self)  # a moment after a routine is selected (not per key)
        self._warm_timer.setSingleShot(True)
        self._warm_timer.timeout.connect(self.warm_voice)
        wiring: list[tuple[SignalInstance, Callable[..., object]]] = [
            (start.start_requested, self.start_session),
            (start.settings_requested, self.open_settings),
            (start.history_requested, self.open_history),
            (start.screening_requested, self.open_screening),
            (start.profile_requested, self.open_profiles),
            (start.pin_requested, self.open_pin),
            (start.editor_requested, self.open_routine_editor),
            (start.learn_requested, self.open_learn),
            (start.breathing_requested, self.open_breathing),
            (start.routine_list.currentRowChanged, lambda _row: self.refresh_progression()),
            (start.routine_list.currentRowChanged, lambda _row: self._warm_timer.start(400)),
            (player.session_over, self.on_session_over),
            (player.red_flag_raised, self._red_flag_raised),
            (player.end_requested, self.request_end),
            (player.fullscreen_requested, self.toggle_fullscreen),
            (end.mood_chosen, self._mood_after),
            (end.back_requested, self.show_start),
            (end.learn_requested, self.open_learn),
            (end.unwell_requested, self.raise_red_flag),
            (end.note_changed, self._save_note),
        ]
        for signal, slot in wiring:
            signal.connect(slot)
        if self.voice_banner is None:
            self._setup_voice_banner()
        self._setup_storage()
        self._setup_progression()
        self.reload_routines()
        self._show_whose()

    def _first_run(self) -> None:
        assert self.services is not None
        if not self.options.no_first_run:  # a test harness plays unattended
            try:
                self.services.first_run(self)
            except Exception:  # a failing first-run hook must not keep the app from working
                log.exception("first-run hook failed")

    def warm_voice(self) -> None:
        """Render the selected routine's prompts ahead with a voice that is slow to render
        (the natural voice), so its first session starts sooner (espeak-ng: nothing)."""
        speaker = self.services.speaker if self.services is not None else None
        entry = self.start_screen.selected() if self.start_screen is not None else None
        if not isinstance(speaker, RenderingSpeaker) or entry is None or entry.routine is None:
            return
        from companion.ui.services.session import plan_inputs

        assert self.services is not None
        try:
            speaker.warm(*plan_inputs(entry.routine, self.services, entry.alternatives))
        except Exception:  # ahead-of-time work only: the session prepares its voice anyway
            log.exception("could not render the routine's prompts ahead")


    # -- screens -----------------------------------------------------------------------------
    def show_start(self) -> None:
        assert self.start_screen is not None
        if self.end_screen is not None and self.current_screen() == "end":
            self.end_screen.flush_note()  # an unsaved note is saved on the way out
        for screen in (self.player, self.breathing_screen):
            if screen is not None and not screen.active:
                screen.stop_listening()  # "stop" by voice lasts as long as the end screen
        self.start_screen.refresh_week()
        self.refresh_progression()
        self.start_screen.set_mood(None)
        self._show(self.start_screen)
        self.start_screen.start_button.setFocus()

    def open_settings(self) -> None:
        from companion.ui.screens.settings_dialog import SettingsDialog

        assert self.services is not None
        dialog = SettingsDialog(self.services.settings, self.services.speaker, self,
                                voice_input=self.services.voice_input,
                                voices_dir=self.services.paths.voices_dir)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.apply_settings(dialog.result_settings())

    def apply_settings(self, settings: Settings) -> None:
        assert self.services is not None and self.start_screen is not None
        problem = self.services.save_settings(settings)
        if self.services.voice_input is not None:
            self.services.voice_input.set_enabled(settings.voice_input)
        if problem:
            self.services.problems.append(problem)
            self.start_screen.show_messages(self.services.problems)
        self.start_screen.refresh_week()
        self.reschedule_reminders()

    def toggle_fullscreen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()


