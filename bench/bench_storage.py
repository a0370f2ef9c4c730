"""Storage figures: how long one event commit takes, and how long the history list loads.

`event_commit_p99_ms`: a set or check-in recorded through the app's recorder
(`HistoryStore.recorder`: each event appended to the journal before it returns, a red flag
or a session's end also fdatasync'd there, the rest flushed and committed by the background
writer) on SQLite, on top of a
10-year history; `event_db_commit_p99_ms` is the writer's commit per event
(`synchronous=FULL`), off the GUI thread. `history_query_ms`: the history list (every
session with its totals, aggregated in SQL) loaded from that 10-year history through a
fresh connection each time; the median of 5 loads (the worst is `history_query_max_ms`).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from bench.seed_history import seed
from companion.core.events import CheckinAnswered, SessionStarted, SetFinished
from companion.core.routine import Exercise, Routine
from companion.storage import repository as repo
from companion.storage.db import make_engine
from companion.storage.store import HistoryStore

TARGETS = {
    "event_commit_p99_ms": ("<=", 5.0),
    "history_query_ms": ("<=", 150.0),
}

WRITES = 400


def _commit_times(url: str, journal: Path, profile: str | None = None
                  ) -> tuple[list[float], list[float]]:
    """(time the recorder takes per event, the writer's database commit per event), for
    `profile` (None: the first)."""
    routine = Routine(id="bench", name="Bench", rounds=1, rest_seconds=60.0,
                      exercises=(Exercise(name="Squats", reps=12),))
    times: list[float] = []
    db_times: list[float] = []
    store = HistoryStore(url, journal, profile=profile)
    assert store.open_now(5000)
    commit = store._commit

    def timed(batch: list[object]) -> object:
        start = time.perf_counter()
        result = commit(batch)  # type: ignore[arg-type]
        db_times.append((time.perf_counter() - start) * 1000.0 / max(1, len(batch)))
        return result

    store._commit = timed  # type: ignore[method-assign]
    store.start()
    try:
        recorder = store.recorder(routine)
        recorder(SessionStarted(0.0, "bench", "Bench", WRITES))
        for n in range(WRITES):
            t = float(n * 100)
            for event in (SetFinished(t, n, n // 4 + 1, "Squats", 12, None, 12, 36.0),
                          CheckinAnswered(t + 8, n, "Check-in?", "all_clear")):
                start = time.perf_counter()
                recorder(event)
                times.append((time.perf_counter() - start) * 1000.0)
            time.sleep(0.001)  # a session's events are seconds apart, not back to back
        assert store.flush(60)
    finally:
        store.close()
    return times, db_times


def _history_load(url: str, pid: int = 1) -> tuple[float, int]:
    """One load of profile `pid`'s history list through a fresh connection."""
    engine = make_engine(url)
    try:
        start = time.perf_counter()
        with Session(engine) as s, s.begin():
            rows = repo.history(s, pid)
        return (time.perf_counter() - start) * 1000.0, len(rows)
    finally:
        engine.dispose()


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        path = Path(tmp) / "history.sqlite3"
        started = time.perf_counter()
        rows = seed(path)
        seed_s = time.perf_counter() - started
        url = f"sqlite:///{path}"
        loads = [_history_load(url) for _ in range(5)]
        assert all(n == 2600 for _, n in loads)
        commits, db_commits = (sorted(t) for t in _commit_times(url, Path(tmp) / "journal"))
    p99 = commits[int(len(commits) * 0.99) - 1]
    db_p99 = db_commits[int(len(db_commits) * 0.99) - 1]
    return {
        "event_commit_p99_ms": round(p99, 3),
        "event_commit_median_ms": round(statistics.median(commits), 3),
        "event_db_commit_p99_ms": round(db_p99, 3),
        "history_query_ms": round(statistics.median(ms for ms, _ in loads), 2),
        "history_query_max_ms": round(max(ms for ms, _ in loads), 2),
        "history_rows_seeded": float(rows),
        "history_seed_s": round(seed_s, 2),
    }
