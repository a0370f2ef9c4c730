"""The installed app, driven in a benchmark process as a person would drive it.

`App(data_dir)` builds the real `MainWindow` the way `companion.ui.shell.app.run_gui` does
(shown first, then `load()` from the event loop builds the real services from the data
folder: the SQLite history, the voice, voice input, the routines). Keys go in through
Qt's own delivery (a key event sent through the application to the focused window, which
routes it to the focused widget through its event filters, as for a real key press:
tests/helpers/keys.py) and buttons are clicked with the mouse. Nothing of the app is
replaced, except where a benchmark says so in its docstring.

Also here: the 5 ms GUI heartbeat, a paint probe (when did a screen actually paint), the
durability observer process (bench/durable.py), a process that holds the database busy,
a returning user's data folder and the routines the benchmarks play.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tests.helpers.routine_files import squats_and_plank

ROOT = Path(__file__).resolve().parent.parent

# A short routine: one round of two exercises (the arrival and cool-down come from the
# timeline). Long enough to hold every kind of moment, short at a sped-up clock.
SHORT_ROUTINE = squats_and_plank("Bench short", "bench-short", rest_seconds=15,
                                 plank_seconds=10, squats="Bodyweight squats", reps=3)


def env(**extra: str) -> dict[str, str]:
    """The environment for an app or helper process started by a benchmark."""
    out = dict(os.environ)
    out.setdefault("QT_QPA_PLATFORM", "offscreen")
    out.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false")
    out["PYTHONPATH"] = str(ROOT) + os.pathsep + out.get("PYTHONPATH", "")
    for name in ("COMPANION_EXIT_WHEN_SHOWN", "COMPANION_EXIT_WHEN_READY", "COMPANION_NO_VOICE",
                 "COMPANION_TIME_SCALE", "COMPANION_DB_URL"):
        out.pop(name, None)
    out.update(extra)
    return out


def returning_user(data_dir: Path, *, tones: bool = True, voice_input: bool = True,
                   profile: str | None = None) -> Path:
    """A data folder as after earlier sessions: database migrated, notice seen, screening
    answered ("no" to every question), the bench routine saved. Returns the routine file.

    The voice cache fills when the first session prepares its prompts (see
    `App.warm_voice`). `profile`: that person's folder and screening (None: the first).
    """
    from companion.config import Paths
    from companion.core.safety import Answer, ScreeningResult
    from companion.safety.content import load_screening
    from companion.settings import Settings, load_settings, save_settings
    from companion.storage import Database
    from companion.storage.models import utc_now

    paths = Paths(data_dir).ensure()
    if profile is not None:
        with Database.open(paths=paths, profile=profile) as db:
            paths = paths.for_profile(db.profile).ensure()
    settings, _ = load_settings(paths.settings_file)
    if settings == Settings():
        settings = Settings(notice_shown=True)
    save_settings(replace(settings, notice_shown=True, tones=tones, voice_input=voice_input),
                  paths.settings_file)
    with Database.open(paths=paths, profile=profile) as db:
        if db.latest_screening() is None:
            answers = {q.id: Answer.NO for q in load_screening().questions}
            result = ScreeningResult(answers, taken_at=utc_now())
            db.save_screening(result.to_json(), None, result.taken_at)
    routine = paths.routines_dir / "bench-short.toml"
    routine.write_text(SHORT_ROUTINE, encoding="utf-8")
    return routine


def copy_folder(template: Path, target: Path) -> Path:
    shutil.copytree(template, target, dirs_exist_ok=True)
    return target


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process in MB (this one by default)."""
    with open(f"/proc/{pid or 'self'}/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def children_rss_mb() -> float:
    """Resident memory of this process's child processes (voice helper, recogniser...)."""
    total = 0.0
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            try:
                total += rss_mb(int(entry.name))
            except OSError:
                continue
    return total


class App:
    """The real main window with real services, in this process (see module doc)."""

    def __init__(self, data_dir: Path, routine: str | None = None,
                 on_created: Callable[[Any], None] | None = None,
                 profile: str | None = None) -> None:
        from PySide6.QtWidgets import QApplication

        os.environ["COMPANION_DATA_DIR"] = str(data_dir)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        app.setApplicationName("Companion")
        self.qapp = app
        self.data_dir = data_dir
        from PySide6.QtCore import QTimer

        from companion.ui.shell.window import MainWindow

        args = argparse.Namespace(data_dir=str(data_dir), db=None, routine=routine,
                                  profile=profile)
        self.window = MainWindow(args)
        if on_created is not None:
            on_created(self)
        self.window.show()
        QTimer.singleShot(0, self.window.load)
        if not self.spin(lambda: self.window.start_screen is not None
                         and self.window.current_screen() == "start", 60.0):
            raise RuntimeError("the app did not load")

    # -- the event loop ------------------------------------------------------------------------
    def spin(self, until: Callable[[], bool], timeout: float) -> bool:
        """Run the real event loop until `until()` (checked every 2 ms) or the timeout."""
        from PySide6.QtCore import QEventLoop, Qt, QTimer

        if until():
            return True
        loop = QEventLoop()
        end = time.monotonic() + timeout
        poll = QTimer()
        poll.setTimerType(Qt.TimerType.PreciseTimer)
        poll.setInterval(2)
        poll.timeout.connect(lambda: loop.quit() if until() or time.monotonic() > end else None)
        poll.start()
        loop.exec()
        poll.stop()
        return until()

    def wait(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        self.spin(lambda: time.monotonic() >= end, seconds + 1.0)

    # -- input, as a person gives it --------------------------------------------------------------
    def press(self, key: Any) -> float:
        """A key pressed and released on the focused window; returns the press time."""
        from tests.helpers.keys import click_key, focus_window

        target = focus_window(self.window)
        start = time.monotonic()
        click_key(key, target)
        return start

    def click(self, button: Any) -> float:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        start = time.monotonic()
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        return start

    # -- sessions --------------------------------------------------------------------------------
    @property
    def services(self) -> Any:
        return self.window.services

    @property
    def speaker(self) -> Any:
        return self.services.speaker

    def start_session(self, timeout: float = 30.0) -> Any:
        """Click Start on the start screen; returns the running Session."""
        assert self.window.start_screen is not None and self.window.player is not None
        self.click(self.window.start_screen.start_button)
        if not self.spin(lambda: self.window.player is not None
                         and self.window.player.session is not None
                         and not self.window.player.session.engine.is_over, timeout):
            raise RuntimeError("the session did not start")
        return self.window.player.session

    def close(self) -> None:
        self.window.shutdown()
        self.window.hide()
        self.window.deleteLater()
        self.qapp.processEvents()


class Heartbeat:
    """A 5 ms PreciseTimer on the GUI thread; a long gap between beats is a GUI stall."""

    def __init__(self, interval_ms: int = 5) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.beats: list[float] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(lambda: self.beats.append(time.monotonic()))

    def start(self) -> None:
        self.beats.append(time.monotonic())
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.beats.append(time.monotonic())

    def gaps_ms(self, since: float = 0.0, until: float = float("inf")) -> list[float]:
        """Gaps between beats (ms) that overlap [since, until]."""
        b = self.beats
        return [(b[i] - b[i - 1]) * 1000.0 for i in range(1, len(b))
                if b[i] >= since and b[i - 1] <= until]

    def worst(self, since: float = 0.0, until: float = float("inf")) -> float:
        gaps = self.gaps_ms(since, until)
        return max(gaps) if gaps else 0.0


@dataclass
class Paint:
    widget: str
    start: float
    end: float
    tag: bool = True  # what `tag(widget)` said when the paint began


class PaintProbe:
    """Records when widgets of interest paint: each paint event's start, and the end of the
    paint pass it belongs to (Qt paints a window's dirty widgets in one pass, then returns
    to the event loop: a zero timer started at the first paint of a pass fires then).

    Installed on the application. It only looks: Qt delivers every paint event as it would
    without it. (It used to deliver a watched widget's paint event itself and swallow Qt's,
    which drew nothing on a chart's viewport, whose paint a QGraphicsView handles through
    its own filter: the charts stayed blank and `history_open_ms` timed an empty paint.)
    """

    def __init__(self, watch: Callable[[Any], bool],
                 tag: Callable[[Any], bool] | None = None) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer
        from PySide6.QtWidgets import QApplication, QWidget

        self.paints: list[Paint] = []
        self._open: list[int] = []  # paints of the pass not ended yet
        paint_type = QEvent.Type.Paint

        def end_pass() -> None:
            end = time.monotonic()
            for i in self._open:
                self.paints[i] = replace(self.paints[i], end=end)
            self._open.clear()

        class _Filter(QObject):
            def eventFilter(inner, obj: Any, event: Any) -> bool:
                if event.type() != paint_type or not isinstance(obj, QWidget):
                    return False
                try:
                    wanted = watch(obj)
                except RuntimeError:  # a widget being deleted
                    return False
                if not wanted:
                    return False
                marked = tag(obj) if tag is not None else True
                start = time.monotonic()
                if not self._open:
                    QTimer.singleShot(0, end_pass)
                self._open.append(len(self.paints))
                self.paints.append(Paint(type(obj).__name__, start, -1.0, marked))  # end: end_pass
                return False

        self._filter = _Filter()
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self._filter)

    def painted_after(self, t: float, tagged: bool = False) -> float | None:
        """The end of the first burst of watched paints after `t` (one repaint pass);
        with `tagged`, the first burst that begins with a paint `tag` marked. A pass still
        painting (its end not reached) does not count yet."""
        after = sorted((p for p in self.paints if p.start >= t and p.end >= p.start),
                       key=lambda p: p.start)
        if tagged:
            first = next((i for i, p in enumerate(after) if p.tag), None)
            after = after[first:] if first is not None else []
        if not after:
            return None
        end = after[0].end
        for p in after[1:]:
            if p.start - end > 0.002:
                break
            end = max(end, p.end)
        return end

    def remove(self) -> None:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._filter)


class DurableObserver:
    """The observer process of bench/durable.py, read on a thread (lines are rare)."""

    def __init__(self, data_dir: Path) -> None:
        self.counts: list[tuple[float, int, int]] = []
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.durable", "watch", str(data_dir)], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env())
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        end = time.monotonic() + 20
        while not self.counts and time.monotonic() < end:
            time.sleep(0.01)
        if not self.counts:
            self.close()
            raise RuntimeError("the durability observer did not start")

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            parts = line.split()
            if len(parts) == 4 and parts[0] == "count":
                self.counts.append((float(parts[1]), int(parts[2]), int(parts[3])))

    def latest(self) -> tuple[int, int]:
        _, db, journal = self.counts[-1]
        return db, journal

    def seen_at(self, db_at_least: int, journal_at_least: int) -> float | None:
        """When a fresh process first saw the database or the journal reach these counts."""
        for t, db, journal in list(self.counts):
            if db >= db_at_least or journal >= journal_at_least:
                return t
        return None

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()


HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
conn.execute("BEGIN IMMEDIATE")
held = time.monotonic()
print(f"held {held:.6f}", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
print(f"released {time.monotonic():.6f}", flush=True)
"""


class BusyDatabase:
    """Another process holding the SQLite database's write lock for `seconds`."""

    def __init__(self, db_file: Path, seconds: float) -> None:
        self._proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_file), str(seconds)],
                                      stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().split()
        if not line or line[0] != "held":
            raise RuntimeError("could not hold the database busy")
        self.held_at = float(line[1])

    def wait(self) -> None:
        self._proc.wait(timeout=30)
