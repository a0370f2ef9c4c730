"""The History window's keys work wherever the focus is in it: Ctrl+W (like Esc) closes it,
Ctrl+E exports, Ctrl+F goes to the search, Ctrl+P asks for the clinician summary.

A tester on a Linux desktop found that a focused date field swallowed Ctrl+E: under the
X11 keyboard scheme (GNOME, KDE, plain X) a text field takes Ctrl+E as "end of line", and a
date field holds one. Offscreen, Qt uses another scheme (Ctrl+E means nothing to a field),
so the same keys are also pressed in a child process on a real X server (Xvfb) with Qt's
xcb platform, where the date field and the search box do claim Ctrl+E.

Keys go through the application as a keyboard delivers them (tests/helpers/keys.py): to the
window with the focus, which hands them to its focus widget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from companion.storage import Database
from companion.ui.history.window import HistoryWindow
from tests.helpers.display import private_display
from tests.helpers.history import add_session, open_history_window, sqlite_history
from tests.helpers.keys import click_key, closed

ROOT = Path(__file__).resolve().parents[2]
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    now = datetime.now(UTC)
    with sqlite_history(tmp_path, {"started": now - timedelta(days=3)},
                        {"started": now - timedelta(hours=2),
                         "status": "stopped_by_user"}) as database:
        yield database


def open_window(qtbot: QtBot, db: Database) -> HistoryWindow:
    window: HistoryWindow = open_history_window(qtbot, db)
    return window


def focus(qtbot: QtBot, widget: QWidget) -> None:
    window = widget.window()
    if widget is getattr(window, "search", None):  # the search reads its texts then
        assert isinstance(window, HistoryWindow)
        with qtbot.waitSignal(window.search_ready, timeout=10000):
            widget.setFocus()
    else:
        widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=3000)


def fields(window: HistoryWindow) -> dict[str, QWidget]:
    """The widgets a person may have the focus in when pressing a key."""
    return {"from date": window.since, "to date": window.until, "search": window.search,
            "list": window.table, "period": window.period}


@pytest.mark.parametrize("where", ["from date", "to date", "search", "list", "period"])
@pytest.mark.parametrize("key", [Qt.Key.Key_W, Qt.Key.Key_Escape])
def test_ctrl_w_and_esc_close_the_window_wherever_the_focus_is(
    qtbot: QtBot, db: Database, where: str, key: Qt.Key
) -> None:
    window = open_window(qtbot, db)
    focus(qtbot, fields(window)[where])
    click_key(key, None, CTRL if key == Qt.Key.Key_W else Qt.KeyboardModifier.NoModifier)
    assert closed(window)


@pytest.fixture
def save_as(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The export's Save dialog answers with a file in tmp_path; its titles are noted."""
    asked: list[str] = []

    def answer(parent: QWidget, title: str, *_args: Any, **_kwargs: Any) -> tuple[str, str]:
        asked.append(title)
        return str(tmp_path / f"export-{len(asked)}.json"), "JSON (*.json)"

    from companion.ui.history import writing

    monkeypatch.setattr(writing, "save_file_name", answer)
    return asked


@pytest.mark.parametrize("where", ["from date", "to date", "search", "list"])
def test_ctrl_e_exports_from_a_focused_date_field_the_search_or_the_list(
    qtbot: QtBot, db: Database, save_as: list[str], tmp_path: Path, where: str
) -> None:
    window = open_window(qtbot, db)
    focus(qtbot, fields(window)[where])
    with qtbot.waitSignal(window.exported, timeout=10000) as blocker:
        click_key(Qt.Key.Key_E, None, CTRL)
    assert save_as == ["Export history"]
    assert blocker.args == [tmp_path / "export-1.json", 2]
    assert len(json.loads((tmp_path / "export-1.json").read_text())) == 2
    assert fields(window)[where].hasFocus()  # the field kept the focus (and its text)


def test_ctrl_f_from_a_date_field_goes_to_the_search(qtbot: QtBot, db: Database) -> None:
    window = open_window(qtbot, db)
    focus(qtbot, window.until)
    click_key(Qt.Key.Key_F, None, CTRL)
    assert window.search.hasFocus()


def test_ctrl_p_from_the_search_asks_for_the_summarys_period(
    qtbot: QtBot, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from companion.ui.history import writing

    asked: list[object] = []

    def cancelled(dialog: object) -> int:
        asked.append(dialog)
        return 0  # Cancel

    monkeypatch.setattr(writing.ReportPeriodDialog, "exec", cancelled)
    window = open_window(qtbot, db)
    focus(qtbot, window.search)
    click_key(Qt.Key.Key_P, None, CTRL)
    assert len(asked) == 1 and window.isVisible()


def test_typing_in_the_search_box_still_types(qtbot: QtBot, db: Database) -> None:
    """Only the window's Ctrl keys are taken from the fields: letters, End and Ctrl+A
    still edit."""
    window = open_window(qtbot, db)
    focus(qtbot, window.search)
    for char in "stop":
        click_key(char)
    click_key(Qt.Key.Key_Home)
    click_key("x")
    click_key(Qt.Key.Key_End)
    click_key("s")
    assert window.search.text() == "xstops"
    click_key(Qt.Key.Key_A, None, CTRL)
    assert window.search.selectedText() == "xstops"


# -- on a real X server, with the keyboard scheme of Linux desktops ------------------------
def _x11_child(data: str) -> None:
    """In a child process on Xvfb (QT_QPA_PLATFORM=xcb): Ctrl+E in the date fields and the
    search box, then Ctrl+W in a date field; JSON on stdout."""
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop
    from PySide6.QtGui import QKeySequence

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    db = Database.open(f"sqlite:///{Path(data) / 'history.sqlite3'}")
    add_session(db, datetime.now(UTC) - timedelta(days=1))
    asked: list[str] = []

    def cancelled(parent: QWidget, title: str, *_args: Any, **_kwargs: Any) -> tuple[str, str]:
        asked.append(title)
        return "", ""  # Cancel: nothing is written

    from companion.ui.history import writing

    setattr(writing, "save_file_name", cancelled)  # noqa: B010

    def wait(done: Callable[[], bool], ms: int = 10000) -> bool:
        deadline = QDeadlineTimer(ms)
        while not done() and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        return done()

    window = HistoryWindow(db)
    loaded: list[str] = []
    window.loaded.connect(lambda: loaded.append("list"))
    window.search_ready.connect(lambda: loaded.append("search"))
    window.show()
    window.activateWindow()
    out: dict[str, Any] = {
        "ready": wait(lambda: "list" in loaded), "active": wait(window.isActiveWindow),
        "ctrl_e_ends_a_line": QKeySequence("Ctrl+E") in QKeySequence.keyBindings(
            QKeySequence.StandardKey.MoveToEndOfLine),
    }
    for name, widget in (("from date", window.since), ("to date", window.until),
                         ("search", window.search)):
        widget.setFocus()
        wait(widget.hasFocus, 3000)
        before = len(asked)
        click_key(Qt.Key.Key_E, None, CTRL)
        out[f"ctrl_e in {name}"] = len(asked) - before
    out["search ready"] = wait(lambda: "search" in loaded)
    window.since.setFocus()
    wait(window.since.hasFocus, 3000)
    click_key(Qt.Key.Key_W, None, CTRL)
    out["ctrl_w in from date closes"] = not window.isVisible()
    sys.stdout.write(json.dumps(out) + "\n")
    db.close()


@pytest.fixture
def x_display() -> Iterator[str]:
    """A private X server (Xvfb) for one test; skipped where none is installed."""
    with private_display() as display:
        yield display


def test_on_x11_a_focused_date_field_or_the_search_box_does_not_swallow_ctrl_e(
    x_display: str,
) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORMTHEME", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=x_display, QT_QPA_PLATFORM="xcb",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.TemporaryDirectory() as data:
        env["COMPANION_DATA_DIR"] = data
        code = f"from tests.ui.test_history_keys import _x11_child; _x11_child({data!r})"
        proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, text=True,
                              capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["ready"] and result["active"], result
    assert result["ctrl_e_ends_a_line"], "not the X11 keyboard scheme: nothing to check"
    assert result == {**result, "ctrl_e in from date": 1, "ctrl_e in to date": 1,
                      "ctrl_e in search": 1, "ctrl_w in from date closes": True,
                      "search ready": True}
