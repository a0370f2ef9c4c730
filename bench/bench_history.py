"""The history window on a ten-year history (bench/seed_history.py), in the whole app.

- `history_open_ms`: H pressed on the start screen (delivered by Qt to the focused widget,
  as a real key press) -> the history window painted with its charts: the window is
  built, the rows are read on a worker thread, the list and the weekly, mood, effort and
  calendar views are filled (`loaded`), and the first paint of the charts after that ends.
  PRESSES presses in each of RUNS fresh app processes (the first press in a process also
  loads the charts module and its plugin: `history_open_cold_ms`; the later ones are
  `history_open_warm_ms`); the value is the p95 over all presses (target 150 ms).
- `history_stall_max_ms`: the longest gap of a 5 ms GUI heartbeat from each press until
  the charts have painted; the maximum over all presses (target 50 ms).
- `report_pdf_ms`: gather and write the clinician summary of the last 90 days of that
  history (median of 3; target 2 s).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.appdrive import ROOT, env, returning_user
from bench.config import QUICK, targets
from bench.seed_history import seed
from bench.stats import Figure, summary

TARGETS = targets("history")

RUNS = 1 if QUICK else 5
PRESSES = 2 if QUICK else 3
END = datetime(2026, 11, 1, 18, 0, tzinfo=UTC)  # the seeded history's last day


def _child(data: Path, profile: str | None = None, rows: int = 2600) -> None:
    """In a fresh process: the app on `data` as `profile`, H pressed PRESSES times; JSON on
    stdout."""
    from PySide6.QtCore import Qt

    from bench.appdrive import App, Heartbeat, PaintProbe
    from companion.ui.history.calendar_view import CalendarView
    from companion.ui.history.charts import _Chart as Chart

    app = App(data, profile=profile)
    window = app.window
    hb = Heartbeat()
    hb.start()

    def is_chart(w: Any) -> bool:
        history = getattr(window, "history_window", None)
        if history is None or w.window() is not history:
            return False
        return isinstance(w, Chart | CalendarView) or isinstance(w.parentWidget(), Chart)

    def filled(_w: Any) -> bool:  # `loaded` has filled the list and the charts
        history = getattr(window, "history_window", None)
        return history is not None and history.proxy.rowCount() > 0

    probe = PaintProbe(is_chart, tag=filled)
    opens: list[float] = []
    stalls: list[float] = []
    for _ in range(PRESSES):
        app.wait(0.5)
        window.activateWindow()
        app.wait(0.1)
        t = app.press(Qt.Key.Key_H)
        history = getattr(window, "history_window", None)
        if history is None:
            raise RuntimeError("H did not open the history window")
        def charts_painted(t: float = t) -> bool:
            return probe.painted_after(t, tagged=True) is not None

        app.spin(charts_painted, 30.0)
        painted = probe.painted_after(t, tagged=True)
        if painted is None:
            opens.append(float("inf"))
            stalls.append(hb.worst(since=t))
        else:
            opens.append((painted - t) * 1000.0)
            stalls.append(hb.worst(since=t, until=painted))
        if history.proxy.rowCount() != rows:
            raise RuntimeError(f"the history showed {history.proxy.rowCount()} sessions")
        history.close()
        app.wait(0.3)
    hb.stop()
    probe.remove()
    sys.stdout.write(json.dumps({"opens": opens, "stalls": stalls}) + "\n")
    sys.stdout.flush()
    app.close()


def _pdf_ms(db_file: Path) -> list[float]:
    from companion.report.gather import gather
    from companion.report.pdf import write_pdf
    from companion.routines.loader import BUILTIN_DIR, load_routine
    from companion.safety.content import load_screening
    from companion.storage import Database

    times = []
    with Database.open(f"sqlite:///{db_file}") as db:
        screening = load_screening()
        routine = load_routine(BUILTIN_DIR / "starter.toml", builtin=True)
        for i in range(3):
            out = db_file.with_name(f"summary-{i}.pdf")
            start = time.perf_counter()
            data = gather(db, screening, since=(END - timedelta(days=90)).date(),
                          until=END.date(), weekly_goal=2, routine=routine, now=END)
            write_pdf(data, out)
            times.append((time.perf_counter() - start) * 1000.0)
            assert out.stat().st_size > 10_000
    return times


def press_h(data: Path, profile: str | None = None, rows: int = 2600
            ) -> tuple[list[float], list[float], list[float]]:
    """RUNS fresh app processes on `data` as `profile`, each pressing H PRESSES times:
    (first presses, later presses, stalls), in ms."""
    cold: list[float] = []
    warm: list[float] = []
    stalls: list[float] = []
    extra = ["--profile", profile] if profile is not None else []
    for _ in range(RUNS):
        proc = subprocess.run(
            [sys.executable, "-m", "bench.bench_history", "--child", str(data),
             "--rows", str(rows), *extra],
            env=env(), cwd=ROOT, text=True, capture_output=True, timeout=300, check=False)
        if proc.returncode != 0 or not proc.stdout.strip():
            raise RuntimeError(f"history child failed: {proc.stderr[-3000:]}")
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        cold.append(got["opens"][0])
        warm += got["opens"][1:]
        stalls += got["stalls"]
    return cold, warm, stalls


def run() -> dict[str, Figure | float]:
    from PySide6.QtGui import QGuiApplication

    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        seed(data / "companion.sqlite3")
        returning_user(data)
        cold, warm, stalls = press_h(data)
        _app = QGuiApplication.instance() or QGuiApplication([])  # the PDF uses Qt's text
        pdf = _pdf_ms(data / "companion.sqlite3")
    return {
        "history_open_ms": summary(cold + warm, runs=cold,
                                   note="runs: the first press in each app process"),
        "history_open_cold_ms": summary(cold, "median"),
        "history_open_warm_ms": summary(warm, "median"),
        "history_stall_max_ms": summary(stalls, "max"),
        "report_pdf_ms": summary(pdf, "median", digits=1),
    }


if __name__ == "__main__":
    if "--child" in sys.argv:
        argv = sys.argv
        _child(Path(argv[argv.index("--child") + 1]),
               argv[argv.index("--profile") + 1] if "--profile" in argv else None,
               int(argv[argv.index("--rows") + 1]) if "--rows" in argv else 2600)
    else:
        print(json.dumps(run(), indent=2))
