"""Open the history database: create it private, migrate it to head, recover from damage.

SQLite (the default, a file in the data dir) runs in WAL mode with `synchronous=NORMAL`:
each commit is one append to the WAL, cheap enough to commit every session event as it
happens, and a killed process loses nothing already committed. Any other SQLAlchemy URL
(e.g. PostgreSQL shared by a household) works the same way through the same migrations.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry

from companion.errors import KnownError
from companion.storage.models import SessionRow, SessionStatus

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Sessions recorded elsewhere (another desktop on a shared server) count as abandoned once
# this long has passed without an event; a real session is never this long.
STALE_AFTER = timedelta(hours=12)

AUTOCHECKPOINT_PAGES = 10_000  # about 40 MB of WAL

# SQLite result codes meaning "this file is not a usable database".
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


class DatabaseError(KnownError):
    """The database cannot be opened or used; the message says where and why."""


class DatabaseRecovered(KnownError):
    """The database file was damaged: it was moved aside and a fresh one started.

    The app keeps working on the fresh database; this carries what to tell the user.
    """

    def __init__(self, original: Path, moved_to: Path, reason: str) -> None:
        self.original = original
        self.moved_to = moved_to
        self.reason = reason
        super().__init__(
            f"The history database {original} could not be read ({reason}). "
            f"It was moved to {moved_to} and a new, empty history was started. "
            "Keep the old file if you want to try to recover it."
        )


class NewerDatabase(DatabaseError):
    """The database was migrated by a newer Companion: refuse rather than damage it."""


@dataclass(frozen=True)
class OpenResult:
    engine: Engine
    recovered: DatabaseRecovered | None
    interrupted: int


def device_name() -> str:
    return socket.gethostname()[:255]


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None (another backend, or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    db = parsed.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db).expanduser().resolve()


def _sqlite_on_connect(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    assert isinstance(dbapi_conn, sqlite3.Connection)
    # Let SQLAlchemy emit BEGIN itself, so transactions (and migrations) are real ones.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    # Checkpoints (copying the WAL into the file, with fsyncs) would otherwise land on some
    # event commit mid-session; `checkpoint()` runs them at calm moments instead (open,
    # session end, close). This is only the safety net for a very long-running writer.
    cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine with this app's connection settings (no schema work, no file checks)."""
    kwargs: dict[str, Any] = {}
    if make_url(url).get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                conn.exec_driver_sql("BEGIN")

    return engine


# The newest migration. Opening a database that is already there needs no Alembic at all
# (it costs ~12 MB and ~100 ms to import); tests/unit/storage/test_migrations.py checks
# that this matches the newest file in migrations/versions/.
HEAD_REVISION = "0003"


def alembic_config(connection: Any | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the database (plain SQL: no Alembic import needed)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return str(row[0]) if row is not None else None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (head by default); a no-op when already there."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(engine)
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError as exc:
            raise NewerDatabase(
                f"The history database is at schema revision {current}, which this version "
                "of Companion does not know: it was written by a newer version. Please "
                "update Companion."
            ) from exc
    if current == script.get_current_head() and revision == "head":
        return
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    log.info("database migrated from %s to %s", current, revision)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder (0700) and the file (0600) before SQLite does, so they are private.

    SQLite gives the -wal and -shm files the database file's mode.
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    else:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)


def _is_damage(exc: BaseException, path: Path) -> str | None:
    """If `exc` means the file itself is unusable, a short reason; else None."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, _Damaged):
        return str(orig)
    code = getattr(orig, "sqlite_errorcode", None)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return str(orig)
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return "the file cannot be read or written"
    return None


def _move_aside(path: Path, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    path.rename(target)
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


class _Damaged(sqlite3.DatabaseError):
    """`PRAGMA quick_check` found damage the first queries did not trip over."""


def _check_sqlite(engine: Engine) -> None:
    with engine.connect() as conn:
        result = conn.exec_driver_sql("PRAGMA quick_check(1)").scalar()
    if result != "ok":
        raise _Damaged(f"integrity check failed: {str(result).splitlines()[-1]}")


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted(engine: Engine, now: datetime | None = None) -> int:
    """Sessions left `in_progress` by a process that died become `interrupted`.

    A session counts as abandoned when it was recorded on this device by a process that no
    longer runs, or anywhere if it has been silent for `STALE_AFTER`. Its end time is its
    last recorded event. Returns how many sessions were marked.
    """
    now = now or datetime.now(UTC)
    here = device_name()
    marked = 0
    with Session(engine) as s, s.begin():
        rows = s.execute(
            select(SessionRow.id, SessionRow.device, SessionRow.pid, SessionRow.last_event_at)
            .where(SessionRow.status == SessionStatus.IN_PROGRESS.value)
        ).all()
        for sid, device, pid, last in rows:
            mine_and_dead = device == here and (pid is None or not _pid_alive(pid))
            if mine_and_dead or now - last >= STALE_AFTER:
                s.execute(
                    update(SessionRow)
                    .where(SessionRow.id == sid,
                           SessionRow.status == SessionStatus.IN_PROGRESS.value)
                    .values(status=SessionStatus.INTERRUPTED.value, ended_at=last)
                )
                marked += 1
    if marked:
        log.info("marked %d unfinished session(s) as interrupted", marked)
    return marked


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "(an unreadable URL)"


def checkpoint(engine: Engine) -> None:
    """Fold the SQLite WAL into the database file now (no-op on other backends).

    PASSIVE: never waits for readers; whatever it cannot copy now is copied next time.
    """
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    except SQLAlchemyError:
        log.warning("WAL checkpoint failed", exc_info=True)


def _open_once(url: str) -> Engine:
    engine = make_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            _check_sqlite(engine)
        migrate(engine)
        checkpoint(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_database(url: str, now: datetime | None = None) -> OpenResult:
    """Open (creating and migrating as needed) the database at `url`.

    A damaged SQLite file is moved aside and replaced by a fresh database; the returned
    `recovered` says so. Anything else that prevents opening raises `DatabaseError`.
    """
    now = now or datetime.now(UTC)
    recovered: DatabaseRecovered | None = None
    try:
        path = sqlite_path(url)
        if path is not None:
            _prepare_sqlite_file(path)
        try:
            engine = _open_once(url)
        except (SQLAlchemyError, sqlite3.DatabaseError) as exc:
            reason = _is_damage(exc, path) if path is not None else None
            if path is None or reason is None:
                raise
            moved = _move_aside(path, now)
            log.info("database %s unusable (%s); moved to %s", path, reason, moved)
            recovered = DatabaseRecovered(path, moved, reason)
            _prepare_sqlite_file(path)
            engine = _open_once(url)
        interrupted = mark_interrupted(engine, now)
    except ImportError as exc:  # e.g. a postgresql URL without the driver installed
        raise DatabaseError(
            f"Cannot open the history database {_safe_url(url)}: its driver is missing "
            f"({exc.name or exc}). For PostgreSQL, install the extra: "
            "pip install 'companion[postgres]'"
        ) from exc
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        detail = exc.orig if isinstance(exc, DBAPIError) else exc
        raise DatabaseError(
            f"Cannot open the history database {_safe_url(url)}: {detail}".strip()
        ) from exc
    return OpenResult(engine, recovered, interrupted)
