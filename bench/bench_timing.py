"""Cue timing of the real QTimer-driven engine: lateness and drift over a minute.

A synthetic segment with a cue every 250 ms for 60 s is played by `EngineDriver` on the
system monotonic clock, while a second process keeps the other core busy (the situation
the targets were set for; under `--stress` the harness's own busy process does that).
Lateness = the time a cue fired minus its scheduled time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

from bench.config import QUICK, targets
from bench.cue_plan import cue_plan
from companion.core.clock import SystemClock
from companion.core.engine import SessionEngine
from companion.core.events import CueDue, Event
from companion.core.timeline import CueKind, SessionPlan

TARGETS = targets("timing")

SECONDS = 10.0 if QUICK else 60.0
STEP = 0.25


def _plan() -> SessionPlan:
    """A silent TIMED cue every STEP s for SECONDS s."""
    return cue_plan([str(i) for i in range(1, int(SECONDS / STEP) + 1)], STEP, speak=False,
                    tail=0)


def run() -> dict[str, float]:
    from PySide6.QtCore import QCoreApplication, QTimer

    from companion.ui.adapters.driver import EngineDriver

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    engine = SessionEngine(_plan(), SystemClock())
    late: list[float] = []

    def on_event(event: Event) -> None:
        if isinstance(event, CueDue) and event.cue.kind is CueKind.COUNTDOWN:
            late.append(event.late * 1000.0)
        if engine.is_over:
            app.quit()

    engine.subscribe(on_event)
    driver = EngineDriver(engine)
    burner = None
    if not os.environ.get("COMPANION_BENCH_STRESS"):  # --stress has its own busy core
        burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        QTimer.singleShot(0, driver.start)
        QTimer.singleShot(int((SECONDS + 10) * 1000), app.quit)
        app.exec()
    finally:
        if burner is not None:
            burner.kill()
            burner.wait()
    late_sorted = sorted(late)
    p99 = late_sorted[min(len(late_sorted) - 1, int(len(late_sorted) * 0.99))]
    return {
        "cue_lateness_p99_ms": round(p99, 3),
        "cue_lateness_max_ms": round(max(late), 3),
        "cue_lateness_median_ms": round(statistics.median(late), 3),
        # drift: how far the typical lateness moved from the first cues to the last (either
        # way), so one late first wake-up is not taken for drift
        "cue_drift_ms": round(abs(statistics.median(late[-20:]) - statistics.median(late[:20])),
                              3),
        "cue_count": float(len(late)),
    }
