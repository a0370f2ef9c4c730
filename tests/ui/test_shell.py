"""Single instance, reminders and closing the window."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pytestqt.qtbot import QtBot

from companion.core.events import State
from companion.settings import Reminders
from companion.ui.single import SingleInstance
from companion.ui.tray import ReminderScheduler
from tests.ui.conftest import App


def test_a_second_launch_hands_over_to_the_first(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.claim()
    second = SingleInstance(tmp_path)
    with qtbot.waitSignal(first.activated, timeout=3000) as blocker:
        assert not second.claim("quick-ten")
    assert blocker.args == ["quick-ten"]
    other = SingleInstance(tmp_path / "elsewhere")
    assert other.claim()
    other.release()
    first.release()


def test_window_raised_by_a_second_launch_selects_its_routine(app: App) -> None:
    app.window.hide()
    app.window.raise_from_other_launch("quick-ten")
    assert app.window.isVisible()
    assert app.window.start_screen.selected().id == "quick-ten"  # type: ignore[union-attr]


def test_reminder_fires_at_the_scheduled_time(qtbot: QtBot) -> None:
    now = [dt.datetime(2026, 11, 23, 17, 59, 59, 900000)]
    scheduler = ReminderScheduler(now=lambda: now[0])
    scheduler.schedule(Reminders(True, (0,), "18:00"))
    assert scheduler.next_at == dt.datetime(2026, 11, 23, 18, 0)
    now[0] = dt.datetime(2026, 11, 23, 18, 0, 0, 1)
    with qtbot.waitSignal(scheduler.reminder_due, timeout=2000):
        pass
    assert scheduler.next_at == dt.datetime(2026, 11, 30, 18, 0)


def test_reminder_without_a_tray_shows_the_window_with_a_message(app: App) -> None:
    app.window.on_reminder()
    start = app.window.start_screen
    assert start is not None and start.banner.isVisible()
    assert "Time for your planned session: Starter circuit" in start.banner.text()


def test_closing_during_a_session_asks_first(app: App) -> None:
    asked: list[str] = []
    app.window.confirm = lambda title, text: asked.append(text) or False
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    assert not app.window.close()
    assert asked and "session is running" in asked[0]
    assert app.engine.state is State.WORK
    app.window.confirm = lambda title, text: True
    assert app.window.close()
    assert app.engine.state is State.ENDED
