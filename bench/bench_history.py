"""History window and clinician summary on the ten-year history (bench/seed_history.py).

history_open_ms: construct `HistoryWindow` WITH its charts and show it, until `loaded`
fires (the SQL-aggregated rows are in the list, the weekly, mood, effort and calendar views
are filled). The median of 5 opens after one warm-up (the first open also pays for loading
the QtCharts plugin and fonts: reported as history_open_cold_ms). history_first_paint_ms
adds the first full repaint of the window.

report_pdf_ms: gather + write the clinician summary of the last 90 days of that history.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.seed_history import seed

TARGETS = {
    "history_open_ms": ("<=", 150.0),
    "report_pdf_ms": ("<=", 2000.0),
}

END = datetime(2026, 11, 1, 18, 0, tzinfo=UTC)  # the seeded history's last day


def _open_once(app: object, db: object, rows: int = 2600) -> tuple[float, float]:
    from PySide6.QtWidgets import QApplication

    from companion.ui.history_window import HistoryWindow

    assert isinstance(app, QApplication)
    loaded: list[float] = []
    start = time.perf_counter()
    window = HistoryWindow(db, weekly_goal=2)  # type: ignore[arg-type]
    window.loaded.connect(lambda: loaded.append(time.perf_counter()))
    window.show()
    while not loaded:
        app.processEvents()
    assert window.proxy.rowCount() == rows
    window.repaint()
    painted = time.perf_counter()
    window.close()
    window.deleteLater()
    app.processEvents()
    return (loaded[0] - start) * 1000.0, (painted - start) * 1000.0


def run() -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from companion.report.gather import gather
    from companion.report.pdf import write_pdf
    from companion.routines.loader import BUILTIN_DIR, load_routine
    from companion.safety.content import load_screening
    from companion.storage import Database

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        path = Path(tmp) / "history.sqlite3"
        seed(path)
        with Database.open(f"sqlite:///{path}") as db:
            cold, _ = _open_once(app, db)
            runs = [_open_once(app, db) for _ in range(5)]
            screening = load_screening()
            routine = load_routine(BUILTIN_DIR / "starter.toml", builtin=True)
            pdf_times = []
            for i in range(3):
                out = Path(tmp) / f"summary-{i}.pdf"
                start = time.perf_counter()
                data = gather(db, screening, since=(END - timedelta(days=90)).date(),
                              until=END.date(), weekly_goal=2, routine=routine, now=END)
                write_pdf(data, out)
                pdf_times.append((time.perf_counter() - start) * 1000.0)
                assert out.stat().st_size > 10_000
    return {
        "history_open_ms": round(statistics.median(ms for ms, _ in runs), 1),
        "history_open_cold_ms": round(cold, 1),
        "history_first_paint_ms": round(statistics.median(p for _, p in runs), 1),
        "report_pdf_ms": round(statistics.median(pdf_times), 1),
    }
