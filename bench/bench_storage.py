"""Storage figures: how long each event's commit takes, and how long the history list loads.

`event_commit_p99_ms`: every kind of event the recorder writes (session start, sets,
check-in answers, effort, amber signs, pauses, resumes, skips, longer rests, stalled
check-ins, moods, red flags, symptoms, session ends), recorded the way the app records
them: the history opened from the data folder by the app's own `open_history` (its journal,
its database settings, on top of a ten-year history) and each event handed to the recorder
the app subscribes to the engine (`recorder_for`): appended to the journal before it
returns, a red flag, its symptom and a session's end also fdatasync'd there (this is what
the GUI thread waits for); the database commit follows on the background writer.
SESSIONS sessions, three in four ending in a red flag, at least 100 of every kind. The
value is the worst kind's p99 (target 5 ms); each kind's p99 is reported as
`event_commit_p99_<kind>_ms`. `event_db_commit_p99_ms` is the writer's database commit per
event (`synchronous=FULL`), off the GUI thread.

`history_query_ms`: the history list (every session with its totals, aggregated in SQL)
loaded from that 10-year history through a fresh connection each time; the median of 5
loads (the worst is `history_query_max_ms`).
"""

from __future__ import annotations

import re
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, cast

from sqlalchemy.orm import Session

from bench.config import QUICK, targets
from bench.seed_history import seed
from bench.stats import Figure, percentile, summary
from companion.config import Paths
from companion.core import events as evt
from companion.core.events import EndStatus, Event, State, Symptom
from companion.core.routine import Exercise, Routine
from companion.storage import repository as repo
from companion.storage.connect import make_engine

TARGETS = targets("storage")

SESSIONS = 20 if QUICK else 400
SETS = 3


def _session_events(n: int, red_flag: bool) -> list[Event]:
    """One session's events in the order the engine emits them."""
    t = 0.0
    events: list[Event] = [evt.SessionStarted(t, "bench", "Bench", SETS),
                           evt.MoodRecorded(t + 30, "before", 3)]
    for s in range(SETS):
        t += 100.0
        events += [
            evt.Paused(t + 5, State.WORK), evt.Resumed(t + 9, State.WORK, 4.0),
            evt.SetFinished(t + 40, s, 1, "Squats", 12, None, 12, 36.0),
            evt.CheckinStalled(t + 60, s),
            evt.CheckinAnswered(t + 62, s, "Check-in?", "all_clear"),
            evt.EffortRecorded(t + 66, s, 9 if s == 1 else 5, s == 1),
        ]
        if s == 1:
            events += [evt.AmberSign(t + 66, s, 9, 30.0, "Next time, try an easier variation."),
                       evt.RestExtended(t + 66, s, 30.0, "amber")]
        events += [evt.RestExtended(t + 70, s, 15.0, "requested"),
                   evt.Skipped(t + 80, State.REST, s)]
    t += 100.0
    if red_flag:
        events += [evt.RedFlagRaised(t, Symptom.UNSPECIFIED, State.WORK, SETS - 1, "Squats"),
                   evt.SessionEnded(t, EndStatus.STOPPED_RED_FLAG),
                   evt.SymptomSpecified(t + 20, Symptom.DIZZINESS)]
    else:
        events += [evt.MoodRecorded(t, "after", 4), evt.SessionEnded(t + 1, EndStatus.COMPLETED)]
    return events


def _kind(event: Event) -> str:
    """SetFinished -> set_finished."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(event).__name__).lower()


def _commit_times(paths: Paths, profile: str | None = None
                  ) -> tuple[dict[str, list[float]], list[float]]:
    """(per kind, the time the app's recorder takes per event; the writer's database
    commit per event), recorded as `profile` (None: the first)."""
    from PySide6.QtCore import QCoreApplication

    from companion.ui.shell.build import open_history

    _app = QCoreApplication.instance() or QCoreApplication([])  # the history is a QObject
    routine = Routine(id="bench", name="Bench", rounds=1, rest_seconds=60.0,
                      exercises=(Exercise(name="Squats", reps=12),))
    times: dict[str, list[float]] = defaultdict(list)
    db_times: list[float] = []
    history, problems = open_history(paths, None, profile)  # the app's own path
    if problems:
        raise RuntimeError(f"the history did not open cleanly: {problems}")
    store = cast(Any, history).store  # the HistoryStore behind the screens' history
    commit = store._commit

    def timed(batch: list[object]) -> object:
        start = time.perf_counter()
        result = commit(batch)
        db_times.append((time.perf_counter() - start) * 1000.0 / max(1, len(batch)))
        return result

    store._commit = timed
    try:
        for n in range(SESSIONS):
            recorder = history.recorder_for(routine)
            assert recorder is not None
            for event in _session_events(n, red_flag=n % 4 != 0):
                start = time.perf_counter()
                recorder(event)
                times[_kind(event)].append((time.perf_counter() - start) * 1000.0)
                time.sleep(0.0005)  # a session's events are seconds apart, not back to back
        assert store.flush(120)
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


def run() -> dict[str, float | Figure]:
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        paths = Paths(Path(tmp) / "data").ensure()
        started = time.perf_counter()
        rows = seed(paths.db_file)
        seed_s = time.perf_counter() - started
        url = f"sqlite:///{paths.db_file}"
        loads = [_history_load(url) for _ in range(5)]
        assert all(n == 2600 for _, n in loads)
        by_kind, db_commits = _commit_times(paths)
    every = [ms for kind in by_kind.values() for ms in kind]
    per_kind = {kind: percentile(ms, 99) for kind, ms in by_kind.items()}
    worst_kind = max(per_kind, key=lambda k: per_kind[k])
    figures: dict[str, float | Figure] = {
        "event_commit_p99_ms": {
            **summary(every, "p99", digits=3,
                      note=f"value: the worst kind's p99 ({worst_kind}); "
                           "median/p95/p99/max: every commit"),
            "value": round(per_kind[worst_kind], 3),
        },
        "event_commit_median_ms": summary(every, "median", digits=3),
        "event_db_commit_p99_ms": summary(db_commits, "p99", digits=3,
                                          note="the background writer's commit, per event"),
        "history_query_ms": summary([ms for ms, _ in loads], "median"),
        "history_query_max_ms": round(max(ms for ms, _ in loads), 2),
        "history_rows_seeded": float(rows),
        "history_seed_s": round(seed_s, 2),
    }
    for kind, ms in sorted(by_kind.items()):
        figures[f"event_commit_p99_{kind}_ms"] = summary(ms, "p99", digits=3)
    return figures
