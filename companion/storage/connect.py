"""How Companion connects to a history database: one SQLAlchemy engine per URL with this
app's settings, and the few facts about a URL and a file the other modules ask.

SQLite runs in WAL mode with `synchronous=FULL` (every commit on the disk before it
returns; checkpoints at calm moments, `checkpoint`); PostgreSQL gets a connect timeout and
a per-connection statement timeout, so a dead or locked server is reported, not waited on.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)

AUTOCHECKPOINT_PAGES = 10_000  # about 40 MB of WAL

# PostgreSQL: how long to wait for the server to answer a connection, and for a statement.
PG_CONNECT_TIMEOUT_S = 5
PG_STATEMENT_TIMEOUT_MS = 15_000
BUSY_TIMEOUT_MS = 5000


def device_name() -> str:
    """This computer's name as sessions record it (`sessions.device`, at most 255 chars)."""
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


def writable(path: Path) -> bool:
    """Whether this process may change the SQLite file at `path` (and make its -wal, -shm)."""
    folder_ok = os.access(path.parent, os.W_OK | os.X_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def safe_url(url: str) -> str:
    """`url` with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "(an unreadable URL)"


def _sqlite_setup(busy_timeout_ms: int, read_only: bool) -> Any:
    def on_connect(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        assert isinstance(dbapi_conn, sqlite3.Connection)
        # Let SQLAlchemy emit BEGIN itself, so transactions (and migrations) are real ones.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        if read_only:
            cur.execute("PRAGMA query_only=ON")
            cur.close()
            return
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        # Checkpoints (copying the WAL into the file, with fsyncs) would otherwise land on
        # some event commit mid-session; `checkpoint()` runs them at calm moments instead
        # (open, session end, close). This is only the safety net for a long-running writer.
        cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cur.close()

    return on_connect


def _pg_setup(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    # Per connection (not in the URL's `options`, which may already carry a search_path).
    cur = dbapi_conn.cursor()
    cur.execute(f"SET statement_timeout = {PG_STATEMENT_TIMEOUT_MS}")
    cur.close()
    dbapi_conn.commit()


def make_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                read_only: bool = False) -> Engine:
    """An engine with this app's connection settings (no schema work, no file checks).

    `read_only` (SQLite): the URL must open the file read-only; no WAL or sync settings
    are written and `query_only` refuses writes.
    """
    kwargs: dict[str, Any] = {}
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
        if "connect_timeout" not in parsed.query:
            kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _pg_setup)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_setup(busy_timeout_ms, read_only))

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                conn.exec_driver_sql("BEGIN")

    return engine


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
