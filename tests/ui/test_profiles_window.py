"""Issue 21 in the window: whose session it is, "Switch profile" (P), the PIN asked when
switching to (or starting as) a protected profile, and a red-flag gate per person.

The real path: `MainWindow` builds its own services from the command-line arguments (the
SQLite file in a private data dir, the profile's folder and journal), and keys go through
the platform's window past the app-wide key dispatcher. Only the voice is a recording fake.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from companion.config import Paths
from companion.storage import Database
from companion.storage.profiles import create_profile, first_profile_name
from companion.ui.screens.profiles import ProfileDialog
from companion.ui.services.keys import BINDINGS, Action, Mode
from companion.ui.shell.window import MainWindow
from companion.voice.base import RecordingSpeaker
from tests.helpers.history import add_session
from tests.ui.conftest import press, show_window

PIN = "4711"


@pytest.fixture(autouse=True)
def _fake_voice(monkeypatch: pytest.MonkeyPatch) -> None:
    from companion.ui.shell import build as app_module
    monkeypatch.setattr(app_module, "make_default_speaker",
                        lambda paths, settings: RecordingSpeaker())
    monkeypatch.setattr(app_module, "make_voice_input",
                        lambda enabled, speaker, open_now=True: None)


@pytest.fixture
def data(_private_data_dir: Path) -> Paths:
    return Paths(_private_data_dir).ensure()


def add_person(paths: Paths, name: str, pin: str | None = None) -> None:
    db = Database.open(None, paths=paths)  # the first profile exists from here on
    try:
        with db.engine.begin() as conn:
            create_profile(conn, name, pin=pin)
    finally:
        db.close()


def red_flag_for(paths: Paths, profile: str | None) -> None:
    """A stored session of `profile` that a red flag stopped (not confirmed yet)."""
    db = Database.open(None, paths=paths, profile=profile)
    try:
        add_session(db, datetime.now(UTC) - timedelta(hours=2), status="stopped_red_flag",
                    red_flag="chest_pain")
    finally:
        db.close()


class Win:
    def __init__(self, window: MainWindow, qtbot: QtBot) -> None:
        self.window = window
        self.qtbot = qtbot

    def key(self, key: Qt.Key | str) -> None:
        press(key, self.window)

    def dialog(self) -> ProfileDialog:
        self.qtbot.waitUntil(lambda: isinstance(self.window.profile_dialog, ProfileDialog))
        dialog = self.window.profile_dialog
        self.qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle())
        return dialog  # type: ignore[no-any-return]

    def type_pin(self, dialog: ProfileDialog, name: str, pin: str) -> None:
        """Choose `name` in the list, then type the PIN and press Enter, as a person does."""
        row = next(i for i in range(dialog.list.count())
                   if dialog.list.item(i).data(Qt.ItemDataRole.UserRole) == name)
        dialog.list.setFocus()
        dialog.list.setCurrentRow(row)
        dialog.pin.setFocus()
        self.qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.pin)
        for ch in pin:
            self.key(ch)
        self.key(Qt.Key.Key_Return)


@pytest.fixture
def open_window(qtbot: QtBot, data: Paths, tiny_routine: Path) -> Iterator[Callable[..., Win]]:
    made: list[MainWindow] = []

    def make(profile: str | None = None, *, wait_start: bool = True) -> Win:
        args = argparse.Namespace(data_dir=str(data.data_dir), db=None, profile=profile,
                                  routine=str(tiny_routine), no_first_run=True)
        window = MainWindow(args)
        qtbot.addWidget(window)
        made.append(window)
        show_window(qtbot, window, 1000, 720)
        if wait_start:
            qtbot.waitUntil(lambda: window.current_screen() == "start")
        return Win(window, qtbot)

    yield make
    for window in made:
        if window.profile_dialog is not None:
            window.profile_dialog.reject()
        window.shutdown()


def test_p_is_bound_only_on_the_start_screen_and_collides_with_no_other_key() -> None:
    for mode, bindings in BINDINGS.items():
        if mode is Mode.START:
            assert bindings["P"].action is Action.SWITCH_PROFILE
        else:
            assert all(b.action is not Action.SWITCH_PROFILE for b in bindings.values())
    assert sum(1 for k in BINDINGS[Mode.START] if k == "P") == 1


def test_first_run_makes_one_profile_silently_and_names_it(
        open_window: Callable[..., Win], data: Paths) -> None:
    win = open_window()
    me = first_profile_name()
    assert QApplication.activeModalWidget() is None  # nothing asked
    assert win.window.windowTitle() == f"Companion — {me}"
    start = win.window.start_screen
    assert start is not None
    assert start.person_label.text() == f"{me}'s profile"
    assert start.person_label.accessibleName() == f"Whose session: {me}"
    assert start.profile_button.accessibleName().startswith("Switch profile")
    # the single user's files stay where they were: the data dir itself
    assert win.window.services is not None
    assert win.window.services.paths.data_dir == data.data_dir
    assert (data.data_dir / "companion.sqlite3").exists()
    db = Database.open(None, paths=data)
    try:
        from companion.storage.profiles import list_profiles

        with db.engine.connect() as conn:
            assert [p.name for p in list_profiles(conn)] == [me]
    finally:
        db.close()


def test_p_switches_with_the_right_pin_only(open_window: Callable[..., Win],
                                            data: Paths) -> None:
    add_person(data, "Ben", pin=PIN)
    win = open_window()
    me = first_profile_name()
    win.key("P")
    dialog = win.dialog()
    assert dialog.windowTitle() == "Switch profile"
    names = [dialog.list.item(i).data(Qt.ItemDataRole.UserRole)
             for i in range(dialog.list.count())]
    assert names == [me, "Ben"]
    # a wrong PIN: said plainly, the field cleared, still the same person's session
    win.type_pin(dialog, "Ben", "0000")
    win.qtbot.waitUntil(lambda: "not the PIN" in dialog.status.text(), timeout=10000)
    assert dialog.pin.text() == ""
    assert dialog.isVisible()
    assert win.window.person_name() == me
    # no PIN at all for a protected profile: refused too
    win.type_pin(dialog, "Ben", "")
    win.qtbot.waitUntil(lambda: dialog.ok_button.isEnabled() and "not the PIN"
                        in dialog.status.text(), timeout=10000)
    assert win.window.person_name() == me
    # the right one: Ben's session now, in the title and on the start screen
    win.type_pin(dialog, "Ben", PIN)
    win.qtbot.waitUntil(lambda: win.window.person_name() == "Ben", timeout=10000)
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "start")
    assert win.window.windowTitle() == "Companion — Ben"
    start = win.window.start_screen
    assert start is not None and start.person_label.text() == "Ben's profile"
    services = win.window.services
    assert services is not None
    assert services.paths.data_dir == data.data_dir  # the app's data dir, Ben's folder
    assert services.paths.journal_dir != data.journal_dir


def test_a_profile_without_pin_opens_without_one_and_back(
        open_window: Callable[..., Win], data: Paths) -> None:
    add_person(data, "Ana")
    win = open_window()
    me = first_profile_name()
    win.key("P")
    win.type_pin(win.dialog(), "Ana", "")
    win.qtbot.waitUntil(lambda: win.window.person_name() == "Ana", timeout=10000)
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "start")
    win.key("P")
    win.type_pin(win.dialog(), me, "")
    win.qtbot.waitUntil(lambda: win.window.person_name() == me, timeout=10000)


def test_starting_as_a_protected_profile_shows_nothing_until_its_pin(
        open_window: Callable[..., Win], data: Paths) -> None:
    add_person(data, "Ben", pin=PIN)
    win = open_window("Ben", wait_start=False)
    dialog = win.dialog()
    assert dialog.windowTitle() == "Whose session is it?"
    assert win.window.current_screen() == "loading"  # nothing of Ben's shows yet
    # behind the dialog, a sentence saying why (a tester saw a stray "Companion" there)
    assert "protected by a PIN" in win.window.loading.text()
    assert dialog.cancel_button.text() == "Quit"
    win.type_pin(dialog, "Ben", "wrong-one")
    win.qtbot.waitUntil(lambda: "not the PIN" in dialog.status.text(), timeout=10000)
    assert win.window.current_screen() == "loading"
    win.type_pin(dialog, "Ben", PIN)
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "start", timeout=10000)
    assert win.window.person_name() == "Ben"


def test_u_typed_in_the_pin_field_is_part_of_the_pin_when_no_session_exists(
        open_window: Callable[..., Win], data: Paths) -> None:
    add_person(data, "Ben", pin="uuuu")
    win = open_window()
    win.key("P")
    dialog = win.dialog()
    win.type_pin(dialog, "Ben", "uuuu")
    win.qtbot.waitUntil(lambda: win.window.person_name() == "Ben", timeout=10000)


def _answer_gate(qtbot: QtBot, shown: list[str]) -> Callable[[], None]:
    def answer() -> None:
        modal = QApplication.activeModalWidget()
        shown.append(modal.windowTitle() if modal is not None else "")
        if modal is not None:
            qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is modal.windowHandle())
            press(Qt.Key.Key_Escape)  # "Not now": no session starts
    return answer


def _space_then_gate(win: Win) -> list[str]:
    """Space on the start screen; the titles of any dialog shown before a session starts."""
    shown: list[str] = []
    QTimer.singleShot(200, _answer_gate(win.qtbot, shown))
    win.key(Qt.Key.Key_Space)
    win.qtbot.wait(400)
    return shown


def _end_session(win: Win) -> None:
    """Escape, then Return on "End the session?": back to the start screen."""
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "player")
    win.key(Qt.Key.Key_Escape)
    win.qtbot.waitUntil(lambda: win.window.end_box is not None
                        and QGuiApplication.focusWindow() is win.window.end_box.windowHandle())
    win.key(Qt.Key.Key_Return)
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "end")
    win.key(Qt.Key.Key_Return)
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "start")


def test_a_red_flag_gates_that_person_only(open_window: Callable[..., Win],
                                           data: Paths) -> None:
    add_person(data, "Ben")
    red_flag_for(data, None)  # the first person stopped for chest pain
    win = open_window()
    assert _space_then_gate(win) == ["Before you exercise again"]
    assert win.window.current_screen() == "start"
    win.key("P")
    win.type_pin(win.dialog(), "Ben", "")
    win.qtbot.waitUntil(lambda: win.window.person_name() == "Ben", timeout=10000)
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "start")
    shown = _space_then_gate(win)
    assert shown == [""]  # no gate: Ben's session starts at once
    assert win.window.current_screen() == "player"
    _end_session(win)


def test_a_red_flag_raised_with_u_gates_that_person_at_their_next_session(
        open_window: Callable[..., Win], data: Paths) -> None:
    add_person(data, "Ben")
    win = open_window("Ben")
    win.key(Qt.Key.Key_Space)
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "player")
    # mid-session: P means nothing, and switching is refused whatever asks for it
    win.key("P")
    assert win.window.profile_dialog is None
    win.window.open_profiles()
    win.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    assert win.window.profile_dialog is None
    # U from that message: the red flag, the message closed, the safety screen
    box = QApplication.activeModalWidget()
    assert box is not None
    win.qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is box.windowHandle())
    win.key(Qt.Key.Key_U)
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "safety")
    assert QApplication.activeModalWidget() is None
    assert win.window.person_name() == "Ben"
    win.window.close()
    # the next start as the first person: not gated by Ben's red flag
    other = open_window()
    assert _space_then_gate(other) == [""]
    _end_session(other)
    # switching to Ben: Ben's next session asks first
    other.key("P")
    other.type_pin(other.dialog(), "Ben", "")
    other.qtbot.waitUntil(lambda: other.window.person_name() == "Ben", timeout=10000)
    other.qtbot.waitUntil(lambda: other.window.current_screen() == "start")
    assert _space_then_gate(other) == ["Before you exercise again"]
    assert other.window.current_screen() == "start"
