"""What every part of the main window shares: its signals, the screens and services it holds
(set by `MainWindow.__init__`), and the few methods one part calls on another.

`MainWindow` (companion/ui/shell/window.py) is assembled from parts, one job each:
`window_profiles` (whose session it is), `window_keys` (the key dispatcher's side),
`window_lifecycle` (other launches, tray, closing), `window_tools` (history, editor,
screening, progression) and `window_breathing` (Learn and breathing). Each part subclasses
`WindowState`, so the type checker sees the whole window from every part.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

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


class WindowState(QMainWindow):
    """The main window's shared state; see the module docstring for its parts."""

    loaded = Signal()
    screen_changed = Signal(str)
    profile_switched = Signal(str)  # the new profile's name

    args: argparse.Namespace
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
    profile_dialog: Any
    pin_dialog: Any
    storage_banner: Any
    progression_banner: Any
    history_window: Any
    routine_editor: Any
    _opened_entry: RoutineEntry | None

    # -- what one part calls on another (declared here, defined in the part named) ------
    _build_screens: Callable[[], None]  # window
    _database: Callable[[], Any]  # window_profiles
    _first_run: Callable[[], None]  # window
    _red_flag_raised: Callable[[], None]  # window
    _show: Callable[[QWidget], None]  # window
    _show_safety: Callable[[SessionSummary], None]  # window
    bring_to_front: Callable[[], None]  # window_lifecycle
    close_learn: Callable[[], None]  # window_breathing
    current_screen: Callable[[], str]  # window
    on_session_over: Callable[[SessionSummary], None]  # window
    open_breathing: Callable[[], None]  # window_breathing
    open_learn: Callable[[], None]  # window_breathing
    open_routine: Callable[[str], bool]  # window_tools
    open_settings: Callable[[], None]  # window
    quit_app: Callable[[], None]  # window_lifecycle
    raise_red_flag: Callable[[], None]  # window_keys
    request_end: Callable[[], None]  # window
    session_active: Callable[[], bool]  # window
    session_exists: Callable[[], bool]  # window_keys
    session_screen: Callable[[], Any]  # window
    show_start: Callable[[], None]  # window
    toggle_fullscreen: Callable[[], None]  # window
