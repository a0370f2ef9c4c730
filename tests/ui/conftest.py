"""Fixtures for the desktop screens: a fake clock, a recording speaker, in-memory history,
and a tiny routine so a whole session runs in a fraction of a second."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from companion.config import Paths
from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.storage import Database
from companion.ui.adapters.history import DatabaseHistory
from companion.ui.services.container import AppServices, InMemoryHistory
from companion.ui.shell.gates import red_flag_gate_for
from companion.ui.shell.window import MainWindow
from companion.voice.base import RecordingSpeaker
from tests.helpers.keys import click_key, focus_window, send_key_event, settle
from tests.helpers.routine_files import PUSH_UPS_TO_FATIGUE, squats_and_plank

TINY = squats_and_plank("Tiny test", "tiny", rest_seconds=20, plank_seconds=10,
                        middle=PUSH_UPS_TO_FATIGUE)


def press(key: Qt.Key | str, window: object = None) -> None:
    """One key press and release through the focused window (else `window`'s), which hands
    it to its focus widget past the app-wide key dispatcher, as a keyboard delivers it
    (tests/helpers/keys.py: why not QTest)."""
    click_key(key, focus_window(window))


def send_key(key: int, text: str = "", *, scan: int = 0, autorepeat: bool = False,
             modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key press with a native scan code (another keyboard layout) or the auto-repeat
    flag, which QTest cannot make: sent to the focused window, which hands it to its focus
    widget exactly as for a key from the platform."""
    target = focus_window()
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        send_key_event(target, kind, key, text, modifiers=modifiers, scan=scan,
                       autorepeat=autorepeat)
    settle()


@pytest.fixture(autouse=True)
def _short_answer_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check-in answers wait `ANSWER_GUARD_S` after the question; 50 ms keeps the suite
    fast (tests/ui/test_safety_keys.py checks the real value)."""
    from companion.ui.services import keys
    monkeypatch.setattr(keys, "ANSWER_GUARD_S", 0.05)


@pytest.fixture
def tiny_routine(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services(_private_data_dir: Path, clock: FakeClock) -> AppServices:
    return AppServices(
        paths=Paths(_private_data_dir).ensure(),
        speaker=RecordingSpeaker(),
        history=InMemoryHistory(),
        clock=clock,
    )


@pytest.fixture
def db_services(_private_data_dir: Path, clock: FakeClock) -> Iterator[AppServices]:
    """The real history: SQLite file in the data dir, the real recorder and gate (a test
    module takes it as its `services`)."""
    paths = Paths(_private_data_dir).ensure()
    db = Database.open(None, paths=paths)
    history = DatabaseHistory(db)
    services = AppServices(paths=paths, speaker=RecordingSpeaker(), history=history,
                           clock=clock, db_url=db.url)
    services.session_gate = red_flag_gate_for(history)
    yield services
    history.close()


class App:
    """The main window plus helpers that move the fake clock and fire what is due."""

    def __init__(self, window: MainWindow, clock: FakeClock, qtbot: QtBot) -> None:
        self.window = window
        self.clock = clock
        self.qtbot = qtbot

    @property
    def player(self):  # type: ignore[no-untyped-def]
        assert self.window.player is not None
        return self.window.player

    @property
    def engine(self) -> SessionEngine:
        assert self.player.session is not None
        return self.player.session.engine

    def step(self, seconds: float = 0.1) -> None:
        self.clock.advance(seconds)
        self.player.driver.tick()
        self.player.refresh()

    def run_until(self, predicate: Callable[[], bool], limit: float = 600.0,
                  step: float = 0.25) -> None:
        t = 0.0
        while not predicate():
            assert t < limit, "state never reached"
            self.step(step)
            t += step

    def key(self, key: Qt.Key | str) -> None:
        """A key press as the person makes it: through the platform's window, so Qt delivers
        it to whatever has the focus, past the app-wide key dispatcher."""
        press(key, self.window)

    def all_clear(self) -> None:
        """Answer a check-in "all clear" as a person does: after the question has been on
        screen a moment (a reflex press does not count), with the C key."""
        view = self.player.checkin
        self.qtbot.waitUntil(view.all_clear_allowed, timeout=5000)
        self.key(Qt.Key.Key_C)

    def decline_gate_after(self, ms: int) -> list[str]:
        """In `ms`, note the title of the modal dialog then up ("" when none is) and answer
        it "Not now" (Escape) once it has the keyboard focus; returns the titles noted."""
        shown: list[str] = []

        def answer_gate() -> None:
            modal = QApplication.activeModalWidget()
            shown.append(modal.windowTitle() if modal is not None else "")
            if modal is not None:
                self.qtbot.waitUntil(
                    lambda: QGuiApplication.focusWindow() is modal.windowHandle())
                self.key(Qt.Key.Key_Escape)

        QTimer.singleShot(ms, answer_gate)
        return shown

    def start(self, routine_id: str = "tiny", mood: int | None = None) -> None:
        start = self.window.start_screen
        assert start is not None
        assert start.select(routine_id)
        if mood is not None:
            start.set_mood(mood)
        start.request_start()
        assert self.window.current_screen() == "player"


def show_window(qtbot: QtBot, window: MainWindow, width: int, height: int) -> None:
    """Show the main window at width x height px, with the keyboard focus, then `load()` it
    as the app does; every "are you sure?" it asks is answered yes."""
    window.confirm = lambda title, text: True
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is window.windowHandle())
    window.load()


@pytest.fixture
def make_app(qtbot: QtBot, services: AppServices, clock: FakeClock,
             tiny_routine: Path) -> Callable[..., App]:
    def make(routine: str | None = str(tiny_routine), **kw: object) -> App:
        args = argparse.Namespace(data_dir=str(services.paths.data_dir), db=None,
                                  routine=routine, **kw)
        window = MainWindow(args, services=services)
        qtbot.addWidget(window)
        show_window(qtbot, window, 1100, 760)
        return App(window, clock, qtbot)

    return make


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return make_app()


@pytest.fixture(autouse=True)
def _reset_application_look(qapp: object) -> object:
    """The main window sets an app-wide style sheet and palette; later tests start clean."""
    from PySide6.QtWidgets import QApplication

    yield
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setStyleSheet("")
        app.setPalette(app.style().standardPalette())
