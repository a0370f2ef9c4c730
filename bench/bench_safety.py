"""How fast a red flag stops a session: from the Y key in the check-in view to the engine stopped.

`red_flag_stop_ms` here covers key -> view signal -> engine -> RedFlagRaised delivered to a
listener that commits a row to SQLite (a stand-in for the storage listener, same fsync cost)
-> stop message queued -> STOPPED. The median of many runs; the target is the issue's 100 ms.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.events import Event, RedFlagRaised, State
from companion.core.routine import Exercise, Routine
from companion.core.timeline import compile_plan
from companion.ui.checkin_view import CheckinView

TARGETS = {"red_flag_stop_ms": ("<=", 100.0)}
RUNS = 30


def _engine_at_checkin() -> SessionEngine:
    routine = Routine("b", "Bench", 1, 20, (Exercise("Squats", reps=2),))
    clock = FakeClock()
    engine = SessionEngine(compile_plan(routine), clock)
    engine.start()
    while engine.state is not State.CHECKIN:
        clock.advance(0.5)
        engine.tick()
    return engine


def run() -> dict[str, float]:
    app = QApplication.instance() or QApplication([])
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "bench.sqlite3")
        db.execute("create table stops (t real, symptom text)")
        for _ in range(RUNS):
            engine = _engine_at_checkin()
            view = CheckinView()
            view.ask()
            committed: list[float] = []

            def commit(event: Event, db: sqlite3.Connection = db,
                       committed: list[float] = committed) -> None:
                if isinstance(event, RedFlagRaised):
                    db.execute("insert into stops values (?, ?)", (event.t, event.symptom.value))
                    db.commit()
                    committed.append(time.perf_counter())

            engine.subscribe(commit)
            view.red_flag.connect(lambda engine=engine: engine.answer_checkin(False))
            start = time.perf_counter()
            QTest.keyClick(view, Qt.Key.Key_Y)
            assert engine.state is State.STOPPED and committed
            times.append((committed[0] - start) * 1000.0)
            view.deleteLater()
        db.close()
    app.processEvents()
    return {"red_flag_stop_ms": statistics.median(times)}
