"""History queries: what the history window, start screen and safety screens read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from companion.storage import Database
from companion.storage import repository as repo
from companion.storage.connect import sqlite_path
from companion.storage.models import (
    CheckinRow,
    RedFlagRow,
    ScreeningRow,
    SessionRow,
    SetRow,
)


def add_session(db: Database, started: datetime, status: str = "completed",
                efforts: tuple[int | None, ...] = (5, 6), name: str = "Starter circuit",
                red_flag: str | None = None) -> int:
    with db.session() as s:
        row = SessionRow(profile_id=db.pid, routine_id="starter", routine_name=name,
                         routine_snapshot={},
                         set_count=len(efforts) + 1, started_at=started,
                         ended_at=started + timedelta(minutes=20), last_event_at=started,
                         status=status, mood_before=2, mood_after=4)
        s.add(row)
        s.flush()
        for i, effort in enumerate(efforts):
            s.add(SetRow(session_id=row.id, set_no=i, round=1, exercise=f"Ex {i}",
                         planned_reps=10, actual_reps=10, actual_seconds=30.0, effort=effort,
                         amber=bool(effort and effort >= 9), finished_at=started))
            s.add(CheckinRow(session_id=row.id, set_no=i, question="?", answer="all_clear",
                             answered_at=started))
        if red_flag:
            s.add(RedFlagRow(session_id=row.id, symptom=red_flag, raised_at=started,
                             session_seconds=100.0, engine_state="work"))
        return row.id


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday


def test_history_lists_newest_first_with_totals_from_sql(db: Database) -> None:
    old = add_session(db, NOW - timedelta(days=30), efforts=(4, 9, None))
    new = add_session(db, NOW - timedelta(days=1), status="stopped_red_flag",
                      red_flag="headache")
    rows = db.history()
    assert [r.id for r in rows] == [new, old]
    assert (rows[1].sets_done, rows[1].max_effort, rows[1].amber_count) == (3, 9, 1)
    assert rows[1].avg_effort == 6.5
    assert rows[1].duration_seconds == 1200.0
    assert rows[0].red_flag_count == 1 and rows[0].status == "stopped_red_flag"
    assert [r.id for r in db.history(limit=1)] == [new]


def test_weekly_counts_count_completed_sessions_per_monday_week(db: Database) -> None:
    add_session(db, NOW - timedelta(days=1))           # Wed this week
    add_session(db, NOW - timedelta(days=3))           # Mon this week
    add_session(db, NOW - timedelta(days=7))           # last week
    add_session(db, NOW - timedelta(days=2), status="stopped_by_user")
    weeks = db.weekly_counts(weeks=3, now=NOW, tz=UTC)
    assert [(w.week_start.isoformat(), w.sessions) for w in weeks] == [
        ("2026-11-09", 0), ("2026-11-16", 1), ("2026-11-23", 2)]
    assert db.sessions_this_week(now=NOW, tz=UTC) == 2


def test_week_boundaries_follow_the_users_time_zone(db: Database) -> None:
    sunday_night_in_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 00:30 in UTC+1
    add_session(db, sunday_night_in_utc)
    assert db.sessions_this_week(now=NOW, tz=UTC) == 0
    assert db.sessions_this_week(now=NOW, tz=timezone(timedelta(hours=1))) == 1


def test_screening_is_saved_and_the_latest_is_returned(db: Database) -> None:
    assert db.latest_screening() is None
    first = db.save_screening({"pregnancy": False}, taken_at=NOW - timedelta(days=200))
    second = db.save_screening({"pregnancy": True, "trimester": 2})
    latest = db.latest_screening()
    assert latest is not None and latest.id == second.id
    assert latest.answers == {"pregnancy": True, "trimester": 2}
    assert latest.acknowledgement is None
    db.acknowledge_screening(second.id, "I have clearance from my midwife")
    latest = db.latest_screening()
    assert latest is not None and latest.acknowledgement == "I have clearance from my midwife"
    assert latest.acknowledged_at is not None and latest.acknowledged_at > first.taken_at


def test_next_session_after_a_red_flag_needs_one_confirmation(db: Database) -> None:
    assert db.pending_red_flag_ack() is None
    add_session(db, NOW - timedelta(days=5), status="stopped_red_flag", red_flag="dizziness")
    latest = add_session(db, NOW - timedelta(days=2), status="stopped_red_flag",
                         red_flag="chest_pain")
    pending = db.pending_red_flag_ack()
    assert pending is not None
    assert (pending.session_id, pending.symptoms) == (latest, ("chest_pain",))
    db.acknowledge_red_flag(latest, "I feel well and have seen my doctor")
    assert db.pending_red_flag_ack() is None
    add_session(db, NOW - timedelta(days=1))  # a normal session changes nothing
    assert db.pending_red_flag_ack() is None
    again = add_session(db, NOW, status="stopped_red_flag", red_flag="sharp_pain")
    pending = db.pending_red_flag_ack()
    assert pending is not None and pending.session_id == again


def test_delete_all_erases_every_trace(db: Database, db_url: str) -> None:
    sid = add_session(db, NOW, name="Zebracircuit", red_flag="headache")
    db.acknowledge_red_flag(sid, "ok")
    db.save_screening({"marker": "Zebrascreening"})
    assert db.delete_all() == 1
    with db.session() as s:
        for model in (SessionRow, SetRow, CheckinRow, RedFlagRow, ScreeningRow):
            assert s.scalar(select(func.count()).select_from(model)) == 0
    assert db.history() == [] and db.latest_screening() is None
    path = sqlite_path(db_url)
    if path is not None:  # SQLite: the file is rewritten, the old pages are gone
        raw = b"".join(p.read_bytes() for p in Path(path).parent.iterdir() if p.is_file())
        assert b"Zebracircuit" not in raw and b"Zebrascreening" not in raw


def test_export_rows_follow_the_history_order_with_sets_and_red_flags(db: Database) -> None:
    a = add_session(db, NOW - timedelta(days=1), efforts=(3,))
    b = add_session(db, NOW, status="stopped_red_flag", efforts=(), red_flag="dizziness")
    rows = db.export_rows()
    assert [r["id"] for r in rows] == [b, a]
    assert rows[0]["sets"] == [] and rows[0]["red_flags"] == ["dizziness"]
    assert rows[1]["sets"][0]["effort"] == 3
    assert rows[1]["started_at"] == "2026-11-25T12:00:00Z"
    assert repo.iso(None) is None


def test_history_and_red_flags_can_be_limited_to_a_period(db: Database) -> None:
    add_session(db, NOW - timedelta(days=40), status="stopped_red_flag", red_flag="headache")
    inside = add_session(db, NOW - timedelta(days=10), status="stopped_red_flag",
                         red_flag="dizziness")
    add_session(db, NOW)
    since, until = NOW - timedelta(days=30), NOW - timedelta(days=1)
    assert [r.id for r in db.history(since=since, until=until)] == [inside]
    assert [(f.session_id, f.symptom) for f in db.red_flags(since, until)] == [
        (inside, "dizziness")]
    assert len(db.red_flags()) == 2
