"""Where no window manager passes the keyboard on (Xvfb here, a kiosk session), a window of
the app that closes gives it back to the window left open.

Found by a tester on Xvfb: after "Before you exercise again" was answered, the keyboard
stayed with the desktop (X focus on the root window) and, with the pointer outside the
app, the next U reached no window while the session ran. The real app runs under Xvfb
with no window manager (the harness only activates windows as they open, as one would);
the X server's focus decides which window Qt reports as active.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.a11y.conftest import App, Reader
from tests.helpers.routine_files import squats_and_plank

TINY = squats_and_plank("Tiny", "tiny", rest_seconds=20, plank_seconds=20)


def test_after_the_red_flag_confirmation_and_the_history_the_keyboard_comes_back(
        launch: Callable[..., App], screen_reader: Reader, tmp_path: Path) -> None:
    routine = tmp_path / "tiny.toml"
    routine.write_text(TINY, encoding="utf-8")
    app = launch("--no-first-run", "--routine", str(routine), settings={"notice_shown": True})
    app.do(cmd="wait", mode="start")
    app.key("Space", " ")
    app.do(cmd="wait", mode="arrival")
    app.key("U", "u")
    app.do(cmd="wait", mode="safety")
    app.key("Tab", "\t")
    app.key("Return", "\r")
    app.do(cmd="wait", mode="start")

    app.key("Space", " ")  # the next session asks first
    app.do(cmd="wait", window="RedFlagAckDialog", ms=800)  # answers count after 0.6 s
    app.key("2", "2")  # the symptom has passed: the session starts
    state = app.do(cmd="wait", mode="arrival", ms=400)
    assert state["window"] == "MainWindow", state  # not the desktop: U reaches the app
    app.key("U", "u")
    app.do(cmd="wait", mode="safety")

    app.key("Tab", "\t")
    app.key("Return", "\r")
    app.do(cmd="wait", mode="start")
    app.key("H", "h")
    app.do(cmd="wait", window="HistoryWindow")
    # a window opened from the History window gives the keyboard back to it, not to the
    # main window behind it (where Space would start a session no one sees)
    for _ in range(20):
        if app.state["focus_class"] == "QTableView":
            break
        app.key("Tab", "\t")
    assert app.state["focus_class"] == "QTableView", app.state
    app.key("Down")
    app.key("Return", "\r")
    app.do(cmd="wait", window="SessionDetailView")
    app.key("Escape")
    state = app.do(cmd="settle", ms=300)
    assert state["window"] == "HistoryWindow", state

    app.do(cmd="close_history")
    state = app.do(cmd="settle", ms=300)
    assert state["window"] == "MainWindow", state
