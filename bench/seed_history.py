"""Write a 10-year history (2,600 sessions, about 100k rows) into a SQLite file.

    python -m bench.seed_history /tmp/history.sqlite3 [PROFILES]

With PROFILES > 1, that many people with 10 years each (profiles "Person 1", "Person
2"...; the first is the database's first profile), interleaved in time as a household's
would be.

Deterministic (seeded), bulk inserts in one transaction: a few seconds. Used by
bench/bench_storage.py; also handy to try the history window on a long history.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from companion.storage import Database
from companion.storage.models import (
    CheckinRow,
    RedFlagRow,
    SessionEventRow,
    SessionRow,
    SetRow,
)

SESSIONS = 2600
YEARS = 10
EXERCISES = [("Bodyweight squats", 12, None), ("Push-ups", None, None),
             ("Bent-over rows", 10, None), ("Plank", None, 30.0),
             ("Glute bridge", 12, None), ("Wall sit", None, 30.0)]
QUESTION = ("Check-in. Any chest pain or pressure, bad breathlessness, dizziness, sharp pain, "
            "or a sudden bad headache? Say all clear, or say stop.")


def seed(path: Path, sessions: int = SESSIONS, seed_value: int = 7, profiles: int = 1) -> int:
    """Create `path` (must not exist) and fill it with `sessions` sessions for each of
    `profiles` profiles; returns the number of rows written."""
    if path.exists():
        raise FileExistsError(path)
    from companion.storage.profiles import create_profile, rename_profile

    with Database.open(f"sqlite:///{path}") as db, db.engine.begin() as conn:
        rename_profile(conn, db.pid, "Person 1")
        ids = [db.pid] + [create_profile(conn, f"Person {n}").id
                          for n in range(2, profiles + 1)]
    total = 0
    for n, pid in enumerate(ids):
        total += _seed_one(path, sessions, seed_value + n, pid, n * sessions)
    return total


def _seed_one(path: Path, sessions: int, seed_value: int, profile_id: int,
              first_id: int) -> int:
    """One profile's 10 years; session ids from `first_id` + 1."""
    rng = random.Random(seed_value)
    end = datetime(2026, 11, 1, 18, 0, tzinfo=UTC)
    start = end - timedelta(days=365 * YEARS)
    step = (end - start) / sessions
    snapshot = {"id": "starter", "name": "Starter circuit", "rounds": 3, "rest_seconds": 75,
                "exercises": [{"name": n, "reps": r, "seconds": s} for n, r, s in EXERCISES]}
    rows: dict[Any, list[dict[str, Any]]] = {SessionRow: [], SetRow: [], CheckinRow: [],
                                             RedFlagRow: [], SessionEventRow: []}
    for sid in range(first_id + 1, first_id + sessions + 1):
        began = start + step * (sid - first_id - 1) + timedelta(minutes=rng.randint(-120, 120))
        n_sets = rng.randint(10, 18)
        red = rng.random() < 0.01
        done_sets = rng.randint(1, n_sets) if red else n_sets
        t = 60.0
        for set_no in range(done_sets):
            name, reps, secs = EXERCISES[set_no % len(EXERCISES)]
            effort = rng.choice([None, *range(3, 11)])
            t += rng.uniform(30, 60)
            at = began + timedelta(seconds=t)
            rows[SetRow].append(dict(
                session_id=sid, set_no=set_no, round=set_no // 4 + 1, exercise=name,
                planned_reps=reps, planned_seconds=secs, actual_reps=reps or rng.randint(5, 15),
                actual_seconds=secs or round(rng.uniform(20, 50), 1), effort=effort,
                skipped=rng.random() < 0.02, capped=False, amber=bool(effort and effort >= 9),
                finished_at=at, session_seconds=t))
            rows[CheckinRow].append(dict(
                session_id=sid, set_no=set_no, question=QUESTION,
                answer="red_flag" if red and set_no == done_sets - 1 else "all_clear",
                answered_at=at + timedelta(seconds=8), session_seconds=t + 8))
            t += rng.uniform(60, 90)
        for _ in range(rng.randint(4, 12)):
            kind = rng.choice(["paused", "resumed", "skipped", "rest_extended", "amber"])
            rows[SessionEventRow].append(dict(
                session_id=sid, kind=kind, at=began + timedelta(seconds=rng.uniform(0, t)),
                session_seconds=rng.uniform(0, t), state="rest", set_no=None,
                seconds=15.0 if kind == "rest_extended" else None, detail=""))
        ended = began + timedelta(seconds=t + 90)
        status = "stopped_red_flag" if red else rng.choices(
            ["completed", "stopped_by_user", "interrupted"], [0.9, 0.07, 0.03])[0]
        if red:
            rows[RedFlagRow].append(dict(
                session_id=sid, symptom=rng.choice(["chest_pain", "dizziness", "sharp_pain",
                                                    "headache", "unspecified"]),
                raised_at=ended, session_seconds=t, engine_state="checkin",
                set_no=done_sets - 1, exercise=EXERCISES[(done_sets - 1) % 6][0],
                specified_at=None))
        rows[SessionRow].insert(0, dict(
            id=sid, profile_id=profile_id, routine_id="starter", routine_name="Starter circuit",
            routine_snapshot=snapshot, set_count=n_sets, started_at=began, ended_at=ended,
            last_event_at=ended, status=status, mood_before=rng.choice([None, 1, 2, 3, 4, 5]),
            mood_after=rng.choice([None, 2, 3, 4, 5]), error="", device="seed", pid=None))
    rows[SessionRow].reverse()
    with Database.open(f"sqlite:///{path}") as db, db.session() as s:
        conn = s.connection()
        for model, batch in rows.items():
            if batch:  # Core executemany: one prepared statement for the whole table
                conn.execute(insert(model.__table__), batch)
    return sum(len(batch) for batch in rows.values())


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    n = seed(Path(argv[0]), profiles=int(argv[1]) if len(argv) == 2 else 1)
    print(f"wrote {n} rows to {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
