"""What every part of the main window shares: its signals, the screens and services it holds
(set by `MainWindow.__init__`), and the few methods one part calls on another.

`MainWindow` (companion/ui/shell/window.py: loading, the screen stack, Settings) is
assembled from parts, one job each: `window_session` (start, end, the red-flag stop, the
note), `window_banners` (voice and storage banners, announcements), `window_profiles`
(whose session it is), `window_keys` (the key dispatcher's side), `window_lifecycle` (other
launches, tray, closing), `window_tools` (history, editor, screening, progression) and
`window_breathing` (Learn and breathing). Each part subclasses
`WindowState`, so the type checker sees the whole window from every part.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from companion.qt.core import Signal
from companion.qt.widgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from companion.routines import RoutineEntry
    from companion.ui.adapters.single import SingleInstance
    from companion.ui.adapters.tray import ReminderScheduler, Tray
    from companion.ui.history.window import HistoryWindow
    from companion.ui.screens.breathe import BreathingScreen
    from companion.ui.screens.breathing_setup import BreathingSetup
    from companion.ui.screens.end import EndScreen
    from companion.ui.screens.learn import LearnScreen
    from companion.ui.screens.player import PlayerScreen
    from companion.ui.screens.profiles import PinDialog, ProfileDialog
    from companion.ui.screens.progression_banner import ProgressionBanner
    from companion.ui.screens.routine_editor import RoutineEditor
    from companion.ui.screens.start import StartScreen
    from companion.ui.screens.storage_banner import StorageBanner
    from companion.ui.services.container import AppServices
    from companion.ui.services.keys import KeyDispatcher
    from companion.ui.services.session import SessionSummary
    from companion.ui.shell.options import LaunchOptions


class WindowState(QMainWindow):
    """The main window's shared state; see the module docstring for its parts."""

    loaded = Signal()
    screen_changed = Signal(str)
    profile_switched = Signal(str)  # the new profile's name

    options: LaunchOptions
    services: AppServices | None
    instance: SingleInstance | None
    _body_layout: QVBoxLayout
    stack: QStackedWidget
    loading: QLabel
    voice_banner: QWidget | None
    start_screen: StartScreen | None
    player: PlayerScreen | None
    end_screen: EndScreen | None
    safety_page: Any
    learn_screen: LearnScreen | None
    breathe_screen: BreathingSetup | None
    breathing_screen: BreathingScreen | None
    _learn_from: str
    _breathing_last: bool
    tray: Tray | None
    reminders: ReminderScheduler | None
    confirm: Callable[[str, str], bool]
    end_box: QMessageBox | None
    keys: KeyDispatcher | None
    _quitting: bool
    _told_about_tray: bool
    _palette_key: int
    _unlocked: bool
    # made when first needed (None until then, and again after a profile switch)
    profile_dialog: ProfileDialog | None = None
    pin_dialog: PinDialog | None = None
    storage_banner: StorageBanner | None = None
    progression_banner: ProgressionBanner | None = None
    history_window: HistoryWindow | None = None
    routine_editor: RoutineEditor | None = None
    _opened_entry: RoutineEntry | None

    # -- the screen stack and the session: what every part reads ------------------------------
    def screens(self) -> dict[str, QWidget | None]:
        """The stack's screens by name (None: not built yet)."""
        return {"start": self.start_screen, "player": self.player, "end": self.end_screen,
                "safety": self.safety_page, "learn": self.learn_screen,
                "breathe": self.breathe_screen, "breathing": self.breathing_screen}

    def current_screen(self) -> str:
        """The screen showing: start, player, end, safety, learn, breathe, breathing or
        loading."""
        widget = self.stack.currentWidget()
        return next((name for name, screen in self.screens().items()
                     if widget is not None and widget is screen), "loading")

    def _show(self, widget: QWidget) -> None:
        from companion.ui.widgets.announce import forget

        if self.stack.currentWidget() is not widget:
            forget()  # a new screen: its announcement is news even if worded as before
        self.stack.setCurrentWidget(widget)
        self.screen_changed.emit(self.current_screen())

    def session_active(self) -> bool:
        """A workout or a breathing session is running (or paused)."""
        return any(screen is not None and screen.active
                   for screen in (self.player, self.breathing_screen))

    def session_screen(self) -> PlayerScreen | BreathingScreen | None:
        """The screen holding the latest session: the player (a workout) or the breathing
        screen. Both offer `session`, `active`, `driver`, `preparing`, `end()`,
        `report_unwell()`, `cancel_preparing()` and `perform()`."""
        if self._breathing_last and self.breathing_screen is not None:
            return self.breathing_screen
        return self.player

    def session_exists(self) -> bool:
        """A session is getting ready, running, or just over (end or safety screen, or the
        Learn page opened from the end screen)."""
        owner = self.session_screen()
        if owner is None:
            return False
        if owner.preparing:
            return True
        screen = self.current_screen()
        if screen == "learn":
            return owner.session is not None and self._learn_from == "end"
        return owner.session is not None and screen in ("player", "breathing", "end",
                                                        "safety")



    # -- what one part calls on another (declared here, defined in the part named) ------
    _build_screens: Callable[[], None]  # window
    _close_dialogs: Callable[[], None]  # window_keys
    _first_run: Callable[[], None]  # window
    _lock: Callable[[], None]  # window_profiles
    _needs_pin: Callable[[], bool]  # window_profiles
    _red_flag_raised: Callable[[], None]  # window_session
    _show_safety: Callable[[SessionSummary], None]  # window_session
    bring_to_front: Callable[[], None]  # window_lifecycle
    _came_back: Callable[[], None]  # window_banners
    close_learn: Callable[[], None]  # window_breathing
    close_tool_windows: Callable[[], None]  # window_tools
    on_session_over: Callable[[SessionSummary], None]  # window_session
    open_breathing: Callable[[], None]  # window_breathing
    open_learn: Callable[[], None]  # window_breathing
    open_routine: Callable[[str], bool]  # window_tools
    open_settings: Callable[[], None]  # window
    quit_app: Callable[[], None]  # window_lifecycle
    raise_red_flag: Callable[[], None]  # window_keys
    refresh_progression: Callable[[], None]  # window_tools
    reload_routines: Callable[[], None]  # window_tools
    request_end: Callable[[], None]  # window_session
    reschedule_reminders: Callable[[], None]  # window_lifecycle
    _show_whose: Callable[[], None]  # window_profiles
    show_messages: Callable[[list[str]], None]  # window_tools
    show_start: Callable[[], None]  # window
    toggle_fullscreen: Callable[[], None]  # window
