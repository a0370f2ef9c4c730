"""Opening the database: private files, SQLite settings, recovery from damage and crashes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from companion.config import resolve_paths
from companion.storage import Database, DatabaseError, DatabaseRecovered
from companion.storage.models import SessionRow
from companion.storage.opening import NewerDatabase
from tests.unit.storage.sessions import under_way


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_default_database_lives_privately_in_the_data_dir(_private_data_dir: Path) -> None:
    with Database.open() as db:
        assert db.url == f"sqlite:///{_private_data_dir / 'companion.sqlite3'}"
        db.save_screening({"heart": False})
        files = {p.name: p.stat().st_mode & 0o777 for p in _private_data_dir.iterdir()
                 if p.name.startswith("companion.sqlite3")}
    assert files["companion.sqlite3"] == 0o600
    assert all(mode == 0o600 for mode in files.values()), files
    assert _private_data_dir.stat().st_mode & 0o777 == 0o700


def test_environment_url_is_used_when_no_url_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "elsewhere" / "shared.db"
    monkeypatch.setenv("COMPANION_DB_URL", sqlite_url(target))
    with Database.open(paths=resolve_paths(tmp_path / "data")) as db:
        assert db.url == sqlite_url(target)
    assert target.exists()
    assert target.parent.stat().st_mode & 0o777 == 0o700


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(tmp_path: Path) -> None:
    with Database.open(sqlite_url(tmp_path / "h.db")) as db, db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL: durable
        # checkpoints run at calm moments (open, session end, close), not mid-session
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10_000


def test_garbage_file_is_moved_aside_and_a_fresh_history_starts(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(b"this is not a database, it is a shopping list\n" * 200)
    with Database.open(sqlite_url(path)) as db:
        assert isinstance(db.recovered, DatabaseRecovered)
        moved = db.recovered.moved_to
        assert moved.read_bytes().startswith(b"this is not a database")
        assert moved.parent == tmp_path and moved.name.startswith("h.db.corrupt-")
        assert str(moved) in str(db.recovered)
        assert db.history() == []
        db.save_screening({"heart": False})  # the fresh database works
    with Database.open(sqlite_url(path)) as db:
        assert db.recovered is None
        assert db.latest_screening() is not None


def test_damaged_pages_are_detected_and_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with Database.open(sqlite_url(path)) as db:
        db.save_screening({"note": "x" * 50_000})
    data = bytearray(path.read_bytes())
    assert len(data) > 8192
    data[4096:8192] = b"\xff" * 4096  # wipe a page in the middle
    path.write_bytes(bytes(data))
    with Database.open(sqlite_url(path)) as db:
        assert db.recovered is not None
        assert db.history() == []


def test_unreachable_server_is_a_known_error_not_a_crash() -> None:
    with pytest.raises(DatabaseError) as info:
        Database.open("postgresql+psycopg://someone:secret@127.0.0.1:9/companion")
    assert "Cannot open the history database" in str(info.value)
    assert "secret" not in str(info.value)


def test_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    Database.open(sqlite_url(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = path.read_bytes()
    with pytest.raises(NewerDatabase, match="newer version"):
        Database.open(sqlite_url(path))
    assert path.read_bytes() == before


def _start_session(db: Database) -> int:
    _engine, recorder = under_way(db.recorder, 2, 30.0)
    assert recorder.session_id is not None
    return recorder.session_id


def test_session_left_open_by_a_dead_process_becomes_interrupted(db_url: str) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    with Database.open(db_url) as db:
        sid = _start_session(db)
        last = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
        with db.session() as s:
            s.execute(update(SessionRow).where(SessionRow.id == sid)
                      .values(pid=int(dead.stdout), last_event_at=last))
    with Database.open(db_url) as db:
        assert db.interrupted == 1
        row = db.history()[0]
        assert row.status == "interrupted"
        assert row.ended_at == last


def test_session_still_running_here_is_left_alone(db_url: str) -> None:
    """`companion history` during a workout must not mark that workout interrupted."""
    with Database.open(db_url) as db:
        _start_session(db)  # recorded by this (live) process
    with Database.open(db_url) as db:
        assert db.interrupted == 0
        assert db.history()[0].status == "in_progress"


def test_silent_session_from_another_device_becomes_interrupted_after_a_day(
    db_url: str,
) -> None:
    with Database.open(db_url) as db:
        sid = _start_session(db)
        last = datetime.now(UTC) - timedelta(hours=13)
        with db.session() as s:
            s.execute(update(SessionRow).where(SessionRow.id == sid)
                      .values(device="kitchen-pc", pid=os.getpid(), last_event_at=last))
        fresh = _start_session(db)
        with db.session() as s:
            s.execute(update(SessionRow).where(SessionRow.id == fresh)
                      .values(device="kitchen-pc", pid=os.getpid()))
    with Database.open(db_url) as db:
        statuses = {r.id: r.status for r in db.history()}
    assert statuses == {sid: "interrupted", fresh: "in_progress"}


def test_nonsense_url_is_a_known_error() -> None:
    with pytest.raises(DatabaseError, match="Cannot open the history database"):
        Database.open("this is not a url")


def test_missing_driver_says_which_extra_to_install() -> None:
    with pytest.raises(DatabaseError, match=r"companion\[postgres\]"):
        Database.open("postgresql+pg8000://me@127.0.0.1/none")


def test_side_files_left_read_only_are_made_private_and_writable_again(
    tmp_path: Path
) -> None:
    """A tester: a history opened while its file was read-only (0444) left -wal and -shm
    with that mode (SQLite copies it); after `chmod 600 companion.sqlite3` the leftover
    -shm kept the history read-only, every write went to the journal only, and nothing
    said so. Opening for writing now makes our own leftovers 0600 again. The opens run in
    child processes without root's power to ignore file modes (as a user's app runs)."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    data = tmp_path / "data"
    path = data / "companion.sqlite3"
    with Database.open(sqlite_url(path)) as db:
        db.save_screening({"heart": False})
    as_user = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps",
               "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("COMPANION_DB_URL", None)
    script = ("import sys\nfrom companion.storage import Database\n"
              "db = Database.open(sys.argv[1])\n"
              "print(db.read_only)\n"
              "if sys.argv[2] == 'write':\n"
              "    db.save_screening({'heart': True})\n"
              "db.close()\n")

    def child(mode: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*as_user, sys.executable, "-c", script, sqlite_url(path), mode],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)

    path.chmod(0o444)
    opened = child("read")
    assert opened.returncode == 0 and opened.stdout.strip() == "True", opened.stderr
    path.chmod(0o600)  # the user puts it right
    again = child("write")
    assert again.returncode == 0 and again.stdout.strip() == "False", again.stderr[-1500:]
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            assert side.stat().st_mode & 0o777 == 0o600, suffix
    with Database.open(sqlite_url(path)) as db:
        latest = db.latest_screening()
        assert latest is not None and latest.answers == {"heart": True}
