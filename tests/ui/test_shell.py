"""Single instance, reminders and closing the window."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from companion.core.events import State
from companion.settings import Reminders
from companion.ui.adapters.single import SingleInstance
from companion.ui.adapters.tray import ReminderScheduler
from tests.conftest import ROOT
from tests.ui.conftest import App

CLAIM = ("import sys; from pathlib import Path; from PySide6.QtCore import QCoreApplication; "
         "from companion.ui.adapters.single import SingleInstance; app = QCoreApplication([]); "
         "print(SingleInstance(Path(sys.argv[1])).claim(sys.argv[2]))")


def _second_launch(data_dir: Path, routine: str) -> subprocess.Popen[str]:
    """A second launch is another process (in-process, Qt's blocking socket waits would
    hold the GIL the first instance's event loop needs to answer)."""
    return subprocess.Popen([sys.executable, "-c", CLAIM, str(data_dir), routine],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def _claimed(proc: subprocess.Popen[str], qtbot: QtBot) -> str:
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=20_000)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return out.strip()


def test_a_second_launch_hands_over_to_the_first(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.claim()
    with qtbot.waitSignal(first.activated, timeout=20_000) as blocker:
        second = _second_launch(tmp_path, "quick-ten")
    assert blocker.args == ["quick-ten"]
    assert _claimed(second, qtbot) == "False"  # it was answered, so it exits
    other = SingleInstance(tmp_path / "elsewhere")
    assert other.claim()
    other.release()
    first.release()


def test_the_socket_is_in_a_private_runtime_folder_not_the_shared_tmp(tmp_path: Path,
                                                                      monkeypatch) -> None:
    """Issue 14: another local user must not be able to squat the name."""
    import stat

    from companion.ui.adapters.single import socket_path

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    path = Path(socket_path(tmp_path / "data") or "")
    assert path.parent == tmp_path / "run" / "companion"
    mode = path.parent.stat().st_mode
    assert stat.S_IMODE(mode) == 0o700
    # a runtime folder others can write is not used
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared))
    fallback = Path(socket_path(tmp_path / "data") or "")
    assert shared not in fallback.parents
    assert stat.S_IMODE(fallback.parent.stat().st_mode) == 0o700


def test_a_client_that_says_nothing_is_dropped_and_others_still_get_through(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Reads are asynchronous with a timeout: a silent client cannot hang the app."""
    from PySide6.QtNetwork import QLocalSocket

    from companion.ui.adapters import single
    first = SingleInstance(tmp_path)
    assert first.claim()
    assert first.name is not None
    silent = QLocalSocket()
    silent.connectToServer(first.name)
    assert silent.waitForConnected(1000)
    qtbot.waitUntil(lambda: len(first._clients) == 1, timeout=2000)
    # the app stays responsive: a real launch is answered meanwhile
    with qtbot.waitSignal(first.activated, timeout=20_000):
        second = _second_launch(tmp_path, "")
    assert _claimed(second, qtbot) == "False"
    qtbot.waitUntil(lambda: not first._clients, timeout=single.READ_TIMEOUT_MS + 2000)
    first.release()


TALK = ("import sys, json; from PySide6.QtCore import QCoreApplication; "
        "from PySide6.QtNetwork import QLocalSocket; app = QCoreApplication([]); "
        "s = QLocalSocket(); s.connectToServer(sys.argv[1]); s.waitForConnected(2000); "
        "s.write(json.dumps({'v': 99, 'cmd': 'raise'}).encode() + b'\\n'); "
        "s.waitForBytesWritten(2000); s.waitForReadyRead(5000); "
        "print(bytes(s.readAll().data()).decode())")


def test_a_message_in_another_protocol_version_is_refused(qtbot: QtBot, tmp_path: Path) -> None:
    import json

    first = SingleInstance(tmp_path)
    assert first.claim()
    assert first.name is not None
    fired: list[str] = []
    first.activated.connect(fired.append)
    proc = subprocess.Popen([sys.executable, "-c", TALK, first.name], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    reply = _claimed(proc, qtbot)
    assert json.loads(reply) == {"v": 1, "ok": False, "error": "protocol version"}
    assert fired == []
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
