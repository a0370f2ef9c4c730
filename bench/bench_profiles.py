"""The storage and history-window figures with a household's history (issue 21): five
profiles of ten years each (13,000 sessions, about half a million rows) in one SQLite file.

`event_commit_5_profiles_p99_ms`: as `event_commit_p99_ms` (bench_storage), recorded as the
third person. `history_open_5_profiles_ms`: as `history_open_ms` (bench_history), the third
person's window (their 2,600 sessions of the 13,000, with charts), median of 5 after a
warm-up. `history_query_5_profiles_ms`: that person's history list alone. Same targets as
the one-person figures: the other people's rows must cost nothing noticeable.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_history import _open_once
from bench.bench_storage import _commit_times, _history_load
from bench.seed_history import SESSIONS, seed

PROFILES = 5
WHO = "Person 3"

TARGETS = {
    "event_commit_5_profiles_p99_ms": ("<=", 5.0),
    "history_open_5_profiles_ms": ("<=", 150.0),
    "history_query_5_profiles_ms": ("<=", 150.0),
}


def run() -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from companion.storage import Database

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        path = Path(tmp) / "household.sqlite3"
        started = time.perf_counter()
        rows = seed(path, profiles=PROFILES)
        seed_s = time.perf_counter() - started
        url = f"sqlite:///{path}"
        with Database.open(url, profile=WHO) as db:
            pid = db.pid
            _open_once(app, db, SESSIONS)  # warm-up (QtCharts, fonts)
            opens = [_open_once(app, db, SESSIONS) for _ in range(5)]
        loads = [_history_load(url, pid) for _ in range(5)]
        assert all(n == SESSIONS for _, n in loads)
        commits, _ = (sorted(t) for t in _commit_times(url, Path(tmp) / "journal", WHO))
    p99 = commits[int(len(commits) * 0.99) - 1]
    return {
        "event_commit_5_profiles_p99_ms": round(p99, 3),
        "history_open_5_profiles_ms": round(statistics.median(ms for ms, _ in opens), 1),
        "history_query_5_profiles_ms": round(statistics.median(ms for ms, _ in loads), 2),
        "history_5_profiles_rows_seeded": float(rows),
        "history_5_profiles_seed_s": round(seed_s, 2),
    }
