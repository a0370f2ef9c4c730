"""The asynchronous paths of a fast start and a reused history window, on the real app path
(`MainWindow` builds its own services from the arguments, a real SQLite file in a private
data dir, keys through the platform's window; only the voice is a recording fake):

- the services open on a worker: the window keeps painting meanwhile, even with the
  database busy, and no session can start before the red-flag gate has read the database
  and the journal (it still asks);
- the history window (H) is built once per profile: opened twice it is the same window and
  the rows are read once; after a new session it shows that session; after a profile
  switch it is the other person's window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer

from companion.config import Paths
from companion.storage import Database
from companion.storage.profiles import first_profile_name
from companion.ui.adapters import operations
from tests.helpers.faults import BusyHolder
from tests.helpers.history import add_session
from tests.ui.test_profiles_window import (  # noqa: F401  (fixtures)
    Win,
    _end_session,
    _fake_voice,
    _space_then_gate,
    add_person,
    data,
    open_window,
    red_flag_for,
)


def sessions_for(paths: Paths, profile: str | None, n: int) -> None:
    db = Database.open(None, paths=paths, profile=profile)
    try:
        for i in range(n):
            add_session(db, datetime.now(UTC) - timedelta(days=i + 1))
    finally:
        db.close()


def press_h(win: Win) -> Any:
    """H on the start screen; the history window once its rows are shown."""
    win.key(Qt.Key.Key_H)
    history = win.window.history_window
    assert history is not None
    win.qtbot.waitUntil(lambda: history.isVisible() and "Loading" not in history.summary.text(),
                        timeout=10_000)
    return history


def test_the_window_paints_while_a_busy_database_opens_and_the_gate_still_asks(
        open_window: Callable[..., Win], data: Paths) -> None:  # noqa: F811
    red_flag_for(data, None)  # stopped for chest pain, not confirmed yet
    holder = BusyHolder(data.db_file).hold(2.5)
    ticks: list[str] = []
    timer = QTimer()
    timer.setInterval(10)
    try:
        win = open_window(wait_start=False)
        # load() returned at once: the loading page, no screen a session could start from
        assert win.window.start_screen is None and win.window.current_screen() == "loading"
        # ... which says what is happening, in the middle of the window (a tester saw the
        # bare word "Companion" at the far left for a second and a half)
        loading = win.window.loading
        assert "Opening your history" in loading.text()
        assert loading.alignment() & Qt.AlignmentFlag.AlignHCenter
        timer.timeout.connect(lambda: ticks.append(win.window.current_screen()))
        timer.start()
        win.qtbot.waitUntil(lambda: win.window.current_screen() == "start", timeout=30_000)
        assert "loading" in ticks  # the event loop ran (the window painted) while it opened
        timer.stop()
        holder.release()
        # the gate read the database and the journal: it asks before any session starts
        assert _space_then_gate(win) == ["Before you exercise again"]
        assert win.window.current_screen() == "start"
    finally:
        timer.stop()
        holder.close()


def test_history_opened_twice_is_one_window_read_once(
        open_window: Callable[..., Win], data: Paths,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    sessions_for(data, None, 3)
    reads: list[int] = []
    original = Database.history

    def counted(self: Database, *args: Any, **kwargs: Any) -> Any:
        rows = original(self, *args, **kwargs)
        if not kwargs.get("limit"):  # the start screen reads the last few; the window all
            reads.append(len(rows))
        return rows

    monkeypatch.setattr(Database, "history", counted)
    win = open_window()
    first = press_h(win)
    assert first.proxy.rowCount() == 3 and reads == [3]
    first.close()
    resets: list[bool] = []
    first.model.modelReset.connect(lambda: resets.append(True))
    win.window.activateWindow()
    # read again only if the history said it may have changed meanwhile (the app's
    # history signals that after its own start-up reads too)
    said_changed = first._stale
    second = press_h(win)
    assert second is first and second.isVisible()
    assert second.proxy.rowCount() == 3
    win.qtbot.waitUntil(lambda: operations.running() == 0, timeout=10_000)
    assert reads == ([3, 3] if said_changed else [3])
    assert resets == []  # the same rows: the list is not redrawn
    second.close()
    # a setting the window shows changed meanwhile: read again and drawn with it
    services = win.window.services
    assert services is not None
    win.window.apply_settings(replace(services.settings, weekly_goal=4))
    win.window.activateWindow()
    third = press_h(win)
    assert third is first
    win.qtbot.waitUntil(lambda: "Goal: 4 a week (dashed)" in third.charts.weekly_chart.texts(),
                        timeout=10_000)
    third.close()


def test_history_reopened_after_a_new_session_shows_it(
        open_window: Callable[..., Win], data: Paths) -> None:  # noqa: F811
    sessions_for(data, None, 2)
    win = open_window()
    history = press_h(win)
    assert history.proxy.rowCount() == 2
    history.close()
    win.window.activateWindow()
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "start")
    win.key(Qt.Key.Key_Space)  # a session, ended by the person: it is in the history
    _end_session(win)
    win.qtbot.waitUntil(lambda: history._stale, timeout=10_000)
    again = press_h(win)
    assert again is history
    win.qtbot.waitUntil(lambda: again.proxy.rowCount() == 3, timeout=10_000)
    assert "3 sessions" in again.summary.text()
    again.close()


def test_history_left_open_shows_a_new_session_when_looked_at_again(
        open_window: Callable[..., Win], data: Paths) -> None:  # noqa: F811
    """A tester: the History window, left open beside a session, still said "4 sessions"
    with 6 recorded until it was closed and opened again. It reads them again when it is
    activated, once they may have changed (not at every event of a running session)."""
    sessions_for(data, None, 2)
    win = open_window()
    history = press_h(win)
    assert history.proxy.rowCount() == 2
    win.window.activateWindow()
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "start")
    win.qtbot.waitUntil(win.window.isActiveWindow)
    win.key(Qt.Key.Key_Space)
    _end_session(win)
    win.qtbot.waitUntil(lambda: history._stale, timeout=10_000)
    assert history.isVisible() and history.proxy.rowCount() == 2  # not read behind your back
    history.activateWindow()
    win.qtbot.waitUntil(lambda: history.proxy.rowCount() == 3, timeout=10_000)
    assert "3 sessions" in history.summary.text()
    history.close()


def test_history_after_a_profile_switch_is_the_other_persons(
        open_window: Callable[..., Win], data: Paths) -> None:  # noqa: F811
    add_person(data, "Ben")
    sessions_for(data, None, 4)
    sessions_for(data, "Ben", 1)
    win = open_window()
    mine = press_h(win)
    assert mine.proxy.rowCount() == 4
    assert first_profile_name() in mine.windowTitle()
    mine.close()
    win.window.activateWindow()
    win.key("P")
    win.type_pin(win.dialog(), "Ben", "")
    win.qtbot.waitUntil(lambda: win.window.person_name() == "Ben", timeout=10_000)
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "start")
    assert win.window.history_window is None  # the other person's window is gone
    bens = press_h(win)
    assert bens is not mine
    assert bens.proxy.rowCount() == 1 and "Ben" in bens.windowTitle()
    bens.close()


def test_the_microphone_opens_once_the_start_screen_is_up(
        open_window: Callable[..., Win], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """The listening modules (numpy, the recogniser) load on a worker after the start
    screen is ready, then the microphone opens; the start screen never waits for them."""
    from companion.ui.adapters.listening import VoiceInput
    from companion.ui.shell import build

    made: list[VoiceInput] = []
    screens: list[object] = []

    def make(enabled: bool, speaker: Any, open_now: bool = True) -> VoiceInput:
        voice = VoiceInput(enabled)
        made.append(voice)
        if open_now:
            voice.open()
        return voice

    def record_open(voice: VoiceInput) -> None:  # instead of the real microphone
        voice._opened = True
        screens.append(windows[0].window.start_screen if windows else None)

    windows: list[Win] = []
    monkeypatch.setattr(build, "make_voice_input", make)
    monkeypatch.setattr(VoiceInput, "open", record_open)
    win = open_window(wait_start=False)
    windows.append(win)
    win.qtbot.waitUntil(lambda: win.window.current_screen() == "start", timeout=30_000)
    win.qtbot.waitUntil(lambda: len(screens) == 1, timeout=30_000)
    assert len(made) == 1 and screens[0] is not None  # opened after the screens existed
    assert win.window.services is not None and win.window.services.voice_input is made[0]


def test_a_session_started_before_the_microphone_opened_opens_it() -> None:
    from companion.voice.decide import Expecting

    class Ear:
        def __init__(self) -> None:
            self.opened = 0
            self.expecting: Expecting | None = None

        def open_in_background(self) -> None:
            self.opened += 1

        def start(self, expecting: Expecting) -> None:
            self.expecting = expecting

        def stop(self) -> None:
            self.expecting = None

        def close(self) -> None:
            pass

    from companion.core.clock import FakeClock
    from companion.core.engine import SessionEngine
    from companion.core.timeline import compile_plan
    from companion.ui.adapters.driver import EngineDriver
    from companion.ui.adapters.listening import VoiceInput
    from tests.helpers.sessions import tiny_routine

    ear = Ear()
    voice = VoiceInput(True, listener=ear)
    assert ear.opened == 0
    engine = SessionEngine(compile_plan(tiny_routine()), FakeClock())
    voice.attach(engine, EngineDriver(engine))
    assert ear.opened == 1
    voice.attach(engine, EngineDriver(engine))
    assert ear.opened == 1  # once
