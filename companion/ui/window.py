"""The main window: a stack of screens (start, player, end, safety), keys, tray and reminders.

It shows almost empty first and builds the screens in `load()`, called from the event loop
right after the first paint, so the window appears as fast as a bare Qt window would.
Screens are imported inside `load()` for the same reason.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from PySide6.QtCore import QEvent

    from companion.core.breathing import BreathingSession
    from companion.routines import RoutineEntry
    from companion.ui.breathe import BreathingScreen, BreathingSetup
    from companion.ui.end import EndScreen
    from companion.ui.keys import Binding, KeyDispatcher, Mode
    from companion.ui.learn import LearnScreen
    from companion.ui.player import PlayerScreen
    from companion.ui.services import AppServices
    from companion.ui.session import SessionSummary
    from companion.ui.single import SingleInstance
    from companion.ui.start import StartScreen
    from companion.ui.tray import ReminderScheduler, Tray

log = logging.getLogger(__name__)

# QEvent types as numbers, so QEvent need not be imported before the first paint
_APP_PALETTE_CHANGE = 38  # QEvent.Type.ApplicationPaletteChange



class MainWindow(QMainWindow):
    """Owns the screens; holds no session logic (the engine decides, screens display)."""

    loaded = Signal()
    screen_changed = Signal(str)
    profile_switched = Signal(str)  # the new profile's name

    def __init__(self, args: argparse.Namespace, services: AppServices | None = None,
                 instance: SingleInstance | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Companion")
        from companion.ui.icon import app_icon

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
        from companion.ui.keys import KeyDispatcher
        from companion.ui.style import app_stylesheet

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
            from companion.ui.app import build_services

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
        from companion.ui.end import EndScreen
        from companion.ui.player import PlayerScreen
        from companion.ui.start import StartScreen

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
        from companion.ui.session import plan_inputs

        assert self.services is not None
        try:
            warm(*plan_inputs(entry.routine, self.services))
        except Exception:  # ahead-of-time work only: the session prepares its voice anyway
            log.exception("could not render the routine's prompts ahead")

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
        person = getattr(self.services.history, "person", None)
        return bool(getattr(person, "has_pin", False))

    def _lock(self) -> None:
        """Nothing of the profile shows until its PIN is given (or another is chosen)."""
        self.loading.setText("Companion")
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

    def _database(self) -> Any:
        """The storage Database behind the history, or None (history kept in memory)."""
        assert self.services is not None
        return getattr(self.services.history, "db", None)

    def open_profiles(self, startup: bool = False) -> None:
        """Switch profile (P on the start screen): choose, give the PIN if it has one; a new
        profile can be added here. At start-up, for a protected profile: Quit closes."""
        from companion.ui.profiles import ProfileDialog

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
        db_arg = getattr(self.args, "db", None)
        current = self._database()
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
        from companion.ui.operations import QueryOp
        from companion.ui.profiles import PinDialog

        db = self._database()
        person = getattr(getattr(self.services, "history", None), "person", None)
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
        import copy

        from companion.errors import KnownError
        from companion.ui.app import build_services

        assert self.services is not None
        if self.session_exists():
            return False
        old = self.services
        args = copy.copy(self.args)
        args.profile = name
        args.routine = None
        try:
            new = build_services(args, speaker=old.speaker, voice_input=old.voice_input)
        except KnownError as exc:
            QMessageBox.warning(self, "Switch profile", str(exc))
            return False
        if self.end_screen is not None:
            self.end_screen.flush_note()
        self._teardown_screens()
        for name_ in ("changed", "ready", "status_changed"):
            signal = getattr(old.history, name_, None)
            if signal is not None:
                with contextlib.suppress(RuntimeError, TypeError):  # nothing connected
                    signal.disconnect()
        try:
            old.history.close()  # type: ignore[attr-defined]
        except Exception:  # the old profile's journal keeps anything not saved
            log.exception("closing the previous profile's history failed")
        self.args = args
        self.services = new
        self._opened_entry = None
        self._unlocked = True
        self._build_screens()
        if self.reminders is not None:
            self.reminders.schedule(new.settings.reminders)
        self.show_start()
        self.profile_switched.emit(name)
        self._first_run()
        return True

    def _teardown_screens(self) -> None:
        """Remove every screen and window of the current profile (none may show another
        person's data after a switch)."""
        for attr in ("history_window", "routine_editor"):
            window = getattr(self, attr, None)
            if window is not None:
                window.close()
                window.deleteLater()
                setattr(self, attr, None)
        self._show(self.loading)
        for attr in ("start_screen", "player", "end_screen", "safety_page", "learn_screen",
                     "breathe_screen", "breathing_screen"):
            widget = getattr(self, attr, None)
            if widget is not None:
                self.stack.removeWidget(widget)
                widget.deleteLater()
                setattr(self, attr, None)
        banner = getattr(self, "storage_banner", None)
        if banner is not None:
            self._body_layout.removeWidget(banner)
            banner.deleteLater()
            self.storage_banner = None
        self.progression_banner = None
        self._breathing_last = False

    def _setup_voice_banner(self) -> None:
        """Above every screen while the voice is missing: what is wrong and the fix."""
        from companion.ui.speech import VoiceBanner

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
        from companion.ui.storage_banner import StorageBanner

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

    def _setup_progression(self) -> None:
        from companion.ui.progression_banner import ProgressionBanner

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
        banner = getattr(self, "progression_banner", None)
        db = self._database()
        if banner is None or self.start_screen is None:
            return
        entry = self.start_screen.selected()
        if db is None or entry is None or entry.routine is None:
            banner.hide()
            return
        from companion.report import progression_data
        from companion.ui.operations import QueryOp

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
        from companion.ui.history_window import HistoryWindow

        assert self.services is not None
        db = self._database()
        if db is None:
            QMessageBox.information(
                self, "History", "Your history is not available right now: the database "
                "could not be opened (see the message on the start screen).")
            return
        window = self.history_window
        if window is None or not window.isVisible():
            window = HistoryWindow(db, profile=self.services.profile,
                                   weekly_goal=self.services.settings.weekly_goal,
                                   paths=self.services.paths, parent=self,
                                   count_breathing=self.services.settings.breathing_counts,
                                   session_active=self.session_exists,
                                   on_unwell=self._unwell_from_elsewhere)
            self.history_window = window
        window.show()
        window.raise_()
        window.activateWindow()

    def _unwell_from_elsewhere(self) -> None:
        """The red button of another window (the note dialog): the red flag, while a session
        exists (as U there would)."""
        if self.session_exists():
            self.raise_red_flag()

    def open_routine_editor(self) -> None:
        """The routine editor, a window of its own (so typing there never works the app's
        keys); saving, deleting or importing there refreshes the start screen's list."""
        from companion.ui.routine_editor import RoutineEditor

        assert self.services is not None and self.start_screen is not None
        editor = getattr(self, "routine_editor", None)
        if editor is None:
            editor = RoutineEditor(self.services, self)
            editor.routines_changed.connect(self.reload_routines)
            self.routine_editor = editor
        selected = self.start_screen.selected()
        editor.show()
        editor.show_routine(selected.id if selected is not None else None)
        editor.raise_()
        editor.activateWindow()

    def open_screening(self) -> None:
        """The health questions on demand (they are also offered on first run and twice a
        year)."""
        from companion.ui.gates import open_screening

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

    # -- screens -----------------------------------------------------------------------------
    def current_screen(self) -> str:
        widget = self.stack.currentWidget()
        for name in ("start_screen", "player", "end_screen", "safety_page", "learn_screen",
                     "breathe_screen", "breathing_screen"):
            if widget is not None and widget is getattr(self, name):
                return name.removesuffix("_screen").removesuffix("_page")
        return "loading"

    def _show(self, widget: QWidget) -> None:
        from companion.ui.announce import forget

        if self.stack.currentWidget() is not widget:
            forget()  # a new screen: its announcement is news even if worded as before
        self.stack.setCurrentWidget(widget)
        self.screen_changed.emit(self.current_screen())

    def _configure_announcements(self) -> None:
        """Screen reader announcements follow the setting and whether the voice is heard."""
        from companion.core.timeline import Verbosity
        from companion.ui import announce
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

    # -- learn, breathe (issue 20) -------------------------------------------------------------
    def open_learn(self) -> None:
        """The "Why this helps" page (L), from the start screen or the end screen; Esc (or
        Back) returns there. Opened from the end screen, the session is still just over
        behind it: U and the red button still raise the red flag."""
        from companion.ui.learn import LearnScreen

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
        from companion.ui.breathe import BreathingScreen, BreathingSetup

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
            self.safety_page = self.services.safety_screen_factory(
                self.services.settings.emergency_text, self.stack)
            self.stack.addWidget(self.safety_page)

            def specify(value: str) -> None:
                owner = self.session_screen()
                if owner is not None and owner.driver is not None:
                    owner.driver.specify_symptom(Symptom(value))

            self.safety_page.symptom_chosen.connect(specify)
            self.safety_page.finished.connect(self.show_start)
        if self.current_screen() == "safety":
            return  # already showing this stop (the end of the session follows the flag)
        set_text = getattr(self.safety_page, "set_emergency_text", None)
        if callable(set_text):
            set_text(self.services.settings.emergency_text)
        else:
            self.safety_page.emergency_text = self.services.settings.emergency_text
        symptom = summary.red_flag if summary.red_flag is not Symptom.UNSPECIFIED else None
        self.safety_page.show_stop(symptom)
        self._show(self.safety_page)
        self.safety_page.repaint()  # painted now, not after the rest of this event
        self.safety_page.setFocus()  # the page (never "Back to start"): its text is read
        announce_stop = getattr(self.safety_page, "announce_stop", None)
        if callable(announce_stop):
            announce_stop()

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
        from companion.ui.settings_dialog import SettingsDialog

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
        from companion.ui.tray import ReminderScheduler, Tray

        assert self.services is not None
        if self.reminders is not None:  # once per window: a switch only reschedules
            self.reminders.schedule(self.services.settings.reminders)
            return
        self.reminders = ReminderScheduler(parent=self)
        self.reminders.reminder_due.connect(self.on_reminder)
        self.reminders.schedule(self.services.settings.reminders)
        if Tray.available():
            self.tray = Tray(self)
            self.tray.open_requested.connect(self.bring_to_front)
            self.tray.start_requested.connect(self.ready_planned_session)
            self.tray.quit_requested.connect(self.quit_app)
            self.tray.show()
            app = QApplication.instance()
            if isinstance(app, QApplication):
                app.setQuitOnLastWindowClosed(False)

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
            self.services_problem_banner(text)
            self.bring_to_front()

    def services_problem_banner(self, text: str) -> None:
        if self.start_screen is not None:
            self.start_screen.show_messages([text])

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
            self.session_screen().end()
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
        event.accept()

    def changeEvent(self, event: QEvent) -> None:
        """The system switched light/dark: re-resolve the stylesheet's palette() colours."""
        super().changeEvent(event)
        if event.type() == _APP_PALETTE_CHANGE and self.start_screen is not None:
            from companion.ui.style import app_stylesheet

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
        if self.services is None:
            return
        for owner in (self.services.voice_input, self.services.speaker, self.services.history):
            close = getattr(owner, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # closing must not turn a clean exit into a crash
                    log.exception("closing %r failed", owner)

    # -- keys ----------------------------------------------------------------------------------
    # The application-wide dispatcher (companion.ui.keys) asks these; BINDINGS is the table.
    def key_mode(self) -> Mode:
        """The mode the key table is read in (see companion.ui.keys.BINDINGS)."""
        from companion.core.events import State
        from companion.ui.checkin_view import CheckinPage
        from companion.ui.keys import Mode

        if QApplication.activeModalWidget() is not None:
            return Mode.DIALOG
        screen = self.current_screen()
        if screen in ("loading", "start"):
            return Mode.LOADING if screen == "loading" else Mode.START
        if screen == "safety":
            return Mode.SAFETY
        if screen == "end":
            return Mode.END
        if screen == "learn":
            return Mode.LEARN
        if screen == "breathe":
            return Mode.BREATHE_SETUP
        if screen == "breathing":
            breathing = self.breathing_screen
            assert breathing is not None
            if breathing.session is None:
                return Mode.PREPARING if breathing.preparing else Mode.BREATHE_SETUP
            # running or paused: the same keys; once over, the next screen is a moment away
            return Mode.SAFETY if breathing.session.engine.state is State.STOPPED \
                else Mode.BREATHING
        player = self.player
        assert player is not None
        if player.session is None:
            return Mode.PREPARING if player.preparing else Mode.START
        page = getattr(player.checkin, "page", None)
        if page is CheckinPage.SYMPTOM:
            return Mode.SYMPTOM
        engine = player.session.engine
        if engine.state is State.PAUSED:
            return Mode.PAUSED
        if page is CheckinPage.QUESTION and engine.state is State.CHECKIN:
            return Mode.CHECKIN
        if page is CheckinPage.EFFORT and engine.state in (State.REST, State.COOLDOWN):
            return Mode.EFFORT  # the effort question stays open through the rest
        modes = {State.ARRIVAL: Mode.ARRIVAL, State.ANNOUNCE: Mode.ANNOUNCE,
                 State.COUNTDOWN: Mode.COUNTDOWN, State.WORK: Mode.WORK,
                 State.CHECKIN: Mode.CHECKIN, State.REST: Mode.REST,
                 State.COOLDOWN: Mode.COOLDOWN, State.IDLE: Mode.PREPARING,
                 # over, the next screen is a moment away: no key may act on a button here
                 State.STOPPED: Mode.SAFETY, State.ENDED: Mode.LOADING}
        return modes[engine.state]

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

    def owns_window(self, widget: QWidget) -> bool:
        return widget is self

    def raise_red_flag(self) -> None:
        """U, anywhere: the red flag first (durable before anything shows), then close any
        dialog, then the safety screen in front of everything."""
        owner = self.session_screen()
        assert owner is not None
        owner.report_unwell()
        self._close_dialogs()
        summary = owner.session.summary if owner.session else None
        if summary is not None and summary.red_flag is not None:
            self._show_safety(summary)
        self.bring_to_front()
        if self.end_screen is not None:
            self.end_screen.flush_note()  # after the stop is durable, never before

    def _close_dialogs(self) -> None:
        """Every modal dialog (the end confirmation, a message...) is closed unanswered."""
        from PySide6.QtWidgets import QDialog

        for _ in range(20):  # nested dialogs close innermost first
            modal = QApplication.activeModalWidget()
            if modal is None:
                break
            if isinstance(modal, QDialog):
                modal.reject()
            else:
                modal.close()
            if QApplication.activeModalWidget() is modal:
                modal.hide()

    def _repeated(self, event: QKeyEvent) -> bool:
        """The key repeats one held down (Qt's flag, or the dispatcher's own tracking)."""
        return self.keys.repeated(event) if self.keys is not None else event.isAutoRepeat()

    def perform(self, binding: Binding, event: QKeyEvent) -> bool:
        """Run one bound action; True when the key was used."""
        from companion.ui.keys import Action

        action, arg = binding.action, binding.arg
        player, start = self.player, self.start_screen
        if action is Action.FULLSCREEN:
            self.toggle_fullscreen()
        elif action is Action.SETTINGS:
            self.open_settings()
        elif action is Action.START and start is not None:
            start.request_start()
        elif action is Action.HISTORY and start is not None:
            start.history_requested.emit()
        elif action is Action.SWITCH_PROFILE and start is not None:
            start.profile_requested.emit()
        elif action is Action.MOOD and arg is not None:
            self._mood_key(arg)
        elif action is Action.BACK_TO_START:
            self.show_start()
        elif action is Action.SYMPTOM and arg is not None:
            self._symptom_key(arg)
        elif action is Action.SWALLOW:
            pass
        elif action is Action.LEARN:
            self.open_learn()
        elif action is Action.BREATHE:
            self.open_breathing()
        elif action is Action.BACK:
            if self.current_screen() == "learn":
                self.close_learn()
            else:
                self.show_start()
        elif action is Action.BREATHE_START and self.breathe_screen is not None:
            self.breathe_screen.request_start()
        elif action is Action.MINUTES and arg is not None and self.breathe_screen is not None:
            self.breathe_screen.change_minutes(arg)
        elif self.current_screen() == "breathing" and self.breathing_screen is not None:
            return self.breathing_screen.perform(action, arg, self._repeated(event))
        elif player is not None:
            return player.perform(action, arg, self._repeated(event))
        return True

    def _mood_key(self, mood: int) -> None:
        screen = self.current_screen()
        if screen == "start" and self.start_screen is not None:
            self.start_screen.set_mood(mood, toggle=True)
        elif screen == "breathe" and self.breathe_screen is not None:
            self.breathe_screen.set_mood(mood, toggle=True)
        elif screen == "end" and self.end_screen is not None:
            self.end_screen.choose_mood(mood)
        elif self.player is not None:
            self.player.mood_key(mood)

    def _symptom_key(self, number: int) -> None:
        from companion.ui.checkin_view import SYMPTOM_KEYS

        symptom = SYMPTOM_KEYS[number - 1]
        if self.current_screen() == "safety" and self.safety_page is not None:
            choose = getattr(self.safety_page, "choose", None)
            if callable(choose):
                choose(symptom)
        elif self.player is not None:
            self.player.checkin.choose_symptom(symptom)
