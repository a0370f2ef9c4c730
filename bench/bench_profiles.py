"""The storage and history-window figures with a household's history (issue 21): five
profiles of ten years each (13,000 sessions, about half a million rows) in one SQLite file,
measured on the same real paths as the one-person figures, as the third person.

- `event_commit_5_profiles_p99_ms`: as `event_commit_p99_ms` (bench_storage): every kind
  of event through the app's own `open_history(paths, None, "Person 3")` recorder; the
  worst kind's p99.
- `history_open_5_profiles_ms`, `history_stall_5_profiles_max_ms`: as `history_open_ms`
  and `history_stall_max_ms` (bench_history): the whole app started with `--profile
  "Person 3"`, H pressed, until that person's charts (their 2,600 sessions of the 13,000)
  have painted; p95 over every press, and the longest GUI stall meanwhile.
- `history_query_5_profiles_ms`: that person's history list alone (median of 5).
Same targets as the one-person figures: the other people's rows must cost nothing
noticeable.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.appdrive import returning_user
from bench.bench_history import press_h
from bench.bench_storage import _commit_times, _history_load
from bench.config import targets
from bench.seed_history import SESSIONS, seed
from bench.stats import Figure, percentile, summary

PROFILES = 5
WHO = "Person 3"

TARGETS = targets("profiles")


def run() -> dict[str, float | Figure]:
    from companion.config import Paths
    from companion.storage import Database

    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        data = Path(tmp) / "data"
        paths = Paths(data).ensure()
        started = time.perf_counter()
        rows = seed(paths.db_file, profiles=PROFILES)
        seed_s = time.perf_counter() - started
        returning_user(data, profile=WHO)
        url = f"sqlite:///{paths.db_file}"
        with Database.open(url, profile=WHO) as db:
            pid = db.pid
        loads = [_history_load(url, pid) for _ in range(5)]
        if not all(n == SESSIONS for _, n in loads):
            raise RuntimeError(f"{WHO}'s history has {loads[0][1]} sessions, not {SESSIONS}")
        cold, warm, stalls = press_h(data, WHO, SESSIONS)
        by_kind, _db = _commit_times(paths, WHO)
    every = [ms for kind in by_kind.values() for ms in kind]
    per_kind = {kind: percentile(ms, 99) for kind, ms in by_kind.items()}
    worst = max(per_kind, key=lambda k: per_kind[k])
    return {
        "event_commit_5_profiles_p99_ms": {
            **summary(every, "p99", digits=3,
                      note=f"value: the worst kind's p99 ({worst}); median/p95/p99/max: "
                           "every commit"),
            "value": round(per_kind[worst], 3),
        },
        "history_open_5_profiles_ms": summary(cold + warm, runs=cold,
                                              note="runs: the first press in each process"),
        "history_stall_5_profiles_max_ms": summary(stalls, "max"),
        "history_query_5_profiles_ms": summary([ms for ms, _ in loads], "median", digits=2),
        "history_5_profiles_rows_seeded": float(rows),
        "history_5_profiles_seed_s": round(seed_s, 2),
    }
