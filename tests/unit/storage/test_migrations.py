"""Schema changes never lose history: a linear revision chain, and old data upgrades."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from companion.storage import Database
from companion.storage.connect import make_engine, sqlite_path
from companion.storage.models import Base
from companion.storage.opening import (
    HEAD_REVISION,
    alembic_config,
    current_revision,
    head_revision,
    migrate,
)


def test_revision_chain_is_linear_from_one_base_to_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1
    chain = list(script.walk_revisions())  # head first
    assert [r.revision for r in chain] == ["0006", "0005", "0004", "0003", "0002", "0001"]
    for newer, older in itertools.pairwise(chain):
        assert newer.down_revision == older.revision
        assert not newer.is_merge_point and not older.is_branch_point
    assert head_revision() == "0006" == HEAD_REVISION


def test_models_match_the_schema_the_migrations_build(db: Database) -> None:
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []


SEED = [
    "INSERT INTO sessions (id, routine_id, routine_name, routine_snapshot, set_count, "
    "started_at, ended_at, last_event_at, status, mood_before, mood_after, error, device, pid) "
    "VALUES (1, 'starter', 'Starter circuit', '{\"id\": \"starter\", \"rounds\": 3}', 12, "
    ":t1, :t2, :t2, 'completed', 2, 4, '', 'desk', NULL), "
    "(2, 'quick-ten', 'Quick ten', '{\"id\": \"quick-ten\"}', 8, :t3, :t4, :t4, "
    "'stopped_red_flag', 3, NULL, '', 'desk', NULL)",
    "INSERT INTO sets (session_id, set_no, round, exercise, planned_reps, planned_seconds, "
    "actual_reps, actual_seconds, effort, skipped, capped, amber, finished_at, session_seconds) "
    "VALUES (1, 0, 1, 'Bodyweight squats', 12, NULL, 12, 40.5, 6, false, false, false, :t1, 80), "
    "(1, 1, 1, 'Plank', NULL, 30, NULL, 30, 9, false, false, true, :t1, 200), "
    "(2, 0, 1, 'Push-ups', NULL, NULL, 7, 35, NULL, false, true, false, :t3, 90)",
    "INSERT INTO checkins (session_id, set_no, question, answer, answered_at, session_seconds) "
    "VALUES (1, 0, 'Check-in?', 'all_clear', :t1, 85), (2, 0, 'Check-in?', 'red_flag', :t4, 95)",
    "INSERT INTO red_flags (session_id, symptom, raised_at, session_seconds, engine_state, "
    "set_no, exercise, specified_at) VALUES (2, 'dizziness', :t4, 95, 'checkin', 0, "
    "'Push-ups', :t4)",
    "INSERT INTO session_events (session_id, kind, at, session_seconds, state, set_no, seconds, "
    "detail) VALUES (1, 'paused', :t1, 100, 'rest', NULL, NULL, '')",
    "INSERT INTO screenings (answers, taken_at, acknowledgement, acknowledged_at) "
    "VALUES ('{\"beta_blockers\": true}', :t1, 'I understand', :t1)",
]


def test_database_created_at_the_first_revision_upgrades_without_loss(db_url: str) -> None:
    times = _seed_at(db_url, "0001")
    t1, t2, t3, t4 = times["t1"], times["t2"], times["t3"], times["t4"]
    engine = make_engine(db_url)
    try:  # 0001 had no confirmations of red-flag stops
        assert "red_flag_acks" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()

    with Database.open(db_url) as db:
        assert current_revision(db.engine) == HEAD_REVISION
        rows = db.history()
        assert [(r.id, r.status, r.started_at, r.ended_at) for r in rows] == [
            (2, "stopped_red_flag", t3, t4), (1, "completed", t1, t2)]
        assert (rows[1].sets_done, rows[1].max_effort, rows[1].amber_count) == (2, 9, 1)
        first = db.session_detail(1)
        assert first is not None
        assert first.routine_snapshot == {"id": "starter", "rounds": 3}
        assert [s.exercise for s in first.sets] == ["Bodyweight squats", "Plank"]
        assert first.sets[0].actual_seconds == 40.5
        assert [e.kind for e in first.events] == ["paused"]
        screening = db.latest_screening()
        assert screening is not None and screening.answers == {"beta_blockers": True}
        # the new table works on upgraded data: the old red-flag stop needs confirming once
        pending = db.pending_red_flag_ack()
        assert pending is not None and pending.session_id == 2
        assert pending.symptoms == ("dizziness",)
        db.acknowledge_red_flag(2, "I have talked to my doctor")
        assert db.pending_red_flag_ack() is None
        export = db.export_rows()
        assert export[0]["red_flags"] == ["dizziness"]
        assert export[1]["sets"][1]["effort"] == 9
        assert len(db.history()) == 2
        # and a new session gets a fresh id after the migrated ones
        with db.session() as s:
            new_id = s.execute(text(
                "INSERT INTO sessions (profile_id, routine_id, routine_name, routine_snapshot, "
                "set_count, started_at, last_event_at, status, error, device) VALUES (1, 'x', "
                "'X', '{}', 0, :t, :t, 'completed', '', 'desk') RETURNING id"),
                {"t": t4}).scalar()
        assert new_id == 3


def test_migrating_twice_changes_nothing(db: Database) -> None:
    migrate(db.engine)
    migrate(db.engine)
    assert current_revision(db.engine) == head_revision()


def test_opening_an_up_to_date_database_does_not_load_alembic(tmp_path: Path) -> None:
    """Start-up memory and time: Alembic is imported only when a migration must run."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from companion.config import Paths\n"
        "from companion.storage.database import Database\n"
        f"paths = Paths(Path({str(tmp_path)!r})).ensure()\n"
        "Database.open(paths=paths).close()\n"  # creates and migrates
        "for name in [m for m in sys.modules if m.startswith('alembic')]:\n"
        "    del sys.modules[name]\n"
        "Database.open(paths=paths).close()\n"  # already at head
        "print(any(m.startswith('alembic') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False", out.stderr


def _seed_at(db_url: str, revision: str) -> dict[str, datetime]:
    """A database built by the migrations up to `revision`, holding the SEED rows."""
    t1, t2 = datetime(2025, 1, 6, 8, 0, tzinfo=UTC), datetime(2025, 1, 6, 8, 25, tzinfo=UTC)
    t3, t4 = datetime(2025, 1, 8, 18, 0, tzinfo=UTC), datetime(2025, 1, 8, 18, 7, tzinfo=UTC)
    path = sqlite_path(db_url)
    if path is not None:
        path.parent.mkdir(parents=True)
    engine = make_engine(db_url)
    try:
        migrate(engine, revision)
        assert current_revision(engine) == revision
        times = {"t1": t1, "t2": t2, "t3": t3, "t4": t4}
        stored = times
        if engine.dialect.name == "sqlite":
            stored = {k: v.replace(tzinfo=None) for k, v in times.items()}
        with engine.begin() as conn:
            for stmt in SEED:
                conn.execute(text(stmt), stored)
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT setval('sessions_id_seq', 2)"))
    finally:
        engine.dispose()
    return times


def test_a_0003_database_with_data_gains_kinds_and_notes_without_loss(db_url: str) -> None:
    """Issue 20's upgrade (0004) from the head before it: every old session is a workout
    with no note, nothing else changes, and the new columns work on the upgraded rows."""
    times = _seed_at(db_url, "0003")
    with Database.open(db_url) as db:
        assert current_revision(db.engine) == HEAD_REVISION
        rows = db.history()
        assert [(r.id, r.kind, r.note) for r in rows] == [(2, "workout", None),
                                                          (1, "workout", None)]
        assert [(r.status, r.started_at, r.ended_at) for r in rows] == [
            ("stopped_red_flag", times["t3"], times["t4"]),
            ("completed", times["t1"], times["t2"])]
        assert (rows[1].sets_done, rows[1].max_effort, rows[1].amber_count) == (2, 9, 1)
        detail = db.session_detail(2)
        assert detail is not None and [f.symptom for f in detail.red_flags] == ["dizziness"]
        # the upgraded rows count toward the weekly goal as before (they are workouts)
        week = db.weekly_counts(1, now=times["t2"])
        assert week[0].sessions == 1
        db.save_note(1, "  Felt calmer after the plank. ")
        detail = db.session_detail(1)
        assert detail is not None
        assert detail.note == "Felt calmer after the plank."
        assert detail.note_at is not None
        export = db.export_rows()
        assert [(e["id"], e["kind"], e["note"], e["breathing"]) for e in export] == [
            (2, "workout", None, None), (1, "workout", "Felt calmer after the plank.", None)]
        assert export[1]["sets"][1]["effort"] == 9
        db.save_note(1, "   ")  # blank removes it
        assert db.session_detail(1).note is None  # type: ignore[union-attr]


def test_downgrading_0004_keeps_every_session_and_set(db_url: str) -> None:
    """The downgrade drops the new columns in place: no table copy, so no cascade deletes
    of the sets and red flags hanging off `sessions`."""
    _seed_at(db_url, "0004")
    engine = make_engine(db_url)
    try:
        from alembic import command

        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0003")
        assert current_revision(engine) == "0003"
        with engine.connect() as conn:
            counts = [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                      for t in ("sessions", "sets", "red_flags", "checkins")]
            columns = {c["name"] for c in inspect(conn).get_columns("sessions")}
        assert counts == [2, 3, 1, 2]
        assert not {"kind", "note", "note_at"} & columns
    finally:
        engine.dispose()


def test_a_0004_database_with_data_moves_everything_to_the_first_profile(db_url: str) -> None:
    """Issue 21's upgrade (0005): every session, set, check-in, red flag, event, screening
    and confirmation of a database from before profiles belongs to the first profile
    afterwards, unchanged; a second profile starts empty and is not gated by the first
    one's red flag."""
    from companion.storage.profiles import first_profile_name

    times = _seed_at(db_url, "0004")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:  # a note and a confirmation, as 0004 could hold them
            conn.execute(text("UPDATE sessions SET note = 'Felt strong', kind = 'workout' "
                              "WHERE id = 1"))
        with engine.connect() as conn:
            before = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                      for t in ("sessions", "sets", "checkins", "red_flags", "session_events",
                                "screenings")}
    finally:
        engine.dispose()
    with Database.open(db_url) as db:
        assert current_revision(db.engine) == HEAD_REVISION
        assert db.profile.id == 1 and db.profile.folder == ""
        assert db.profile.name == first_profile_name()
        with db.engine.connect() as conn:
            after = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                     for t in before}
            owners = {t: conn.execute(text(f"SELECT DISTINCT profile_id FROM {t}"))
                      .scalars().all() for t in ("sessions", "screenings")}
        assert after == before
        assert owners == {"sessions": [1], "screenings": [1]}
        rows = db.history()
        assert [(r.id, r.status, r.started_at, r.note) for r in rows] == [
            (2, "stopped_red_flag", times["t3"], None),
            (1, "completed", times["t1"], "Felt strong")]
        assert (rows[1].sets_done, rows[1].max_effort, rows[1].amber_count) == (2, 9, 1)
        stop = db.pending_red_flag_ack()
        assert stop is not None and stop.session_id == 2
        screening = db.latest_screening()
        assert screening is not None and screening.answers == {"beta_blockers": True}
        export = db.export_rows()
        assert [e["id"] for e in export] == [2, 1]
        assert export[1]["sets"][1]["effort"] == 9
    with Database.open(db_url, profile=None) as first:
        from companion.storage.profiles import create_profile

        with first.engine.begin() as conn:
            create_profile(conn, "Second person")
    with Database.open(db_url, profile="second PERSON") as second:
        assert second.profile.id == 2 and second.profile.folder == second.profile.key
        assert second.history() == [] and second.export_rows() == []
        assert second.pending_red_flag_ack() is None  # the first one's stop is theirs
        assert second.latest_screening() is None


def test_downgrading_0005_with_one_profile_keeps_every_row(db_url: str) -> None:
    _seed_at(db_url, "0004")
    Database.open(db_url).close()
    engine = make_engine(db_url)
    try:
        from alembic import command

        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":  # as migrate() does for a table copy
                raw = conn.connection.driver_connection
                assert raw is not None
                raw.execute("PRAGMA foreign_keys=OFF")
            with conn.begin():
                command.downgrade(alembic_config(conn), "0004")
        assert current_revision(engine) == "0004"
        with engine.connect() as conn:
            counts = [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                      for t in ("sessions", "sets", "red_flags", "checkins", "screenings")]
            columns = {c["name"] for c in inspect(conn).get_columns("sessions")}
            tables = set(inspect(conn).get_table_names())
        assert counts == [2, 3, 1, 2, 1]
        assert "profile_id" not in columns and "profiles" not in tables
    finally:
        engine.dispose()
