"""Open the history database: create it private, migrate it to head, recover from damage.

SQLite (the default, a file in the data dir) runs in WAL mode with `synchronous=FULL`:
every commit is flushed to the disk before it returns, so a red flag (or any event) the
writer has committed survives a power cut, not only a killed process. Commits run on the
background writer (`companion.storage.store`), never on the GUI thread, so the fsync costs
the person nothing. Any other SQLAlchemy URL (e.g. PostgreSQL shared by a household) works
the same way through the same migrations; PostgreSQL gets a connect timeout and a
statement timeout, so a dead server is reported instead of hanging the app (the engine's
settings: `companion.storage.connect`; sessions a dead process left: `.liveness`).

A file that may not be written (a read-only folder, a read-only file) is opened read-only:
the history can be read, nothing is moved or changed. "Damaged" means SQLite says so (not
a database, or the integrity check fails), nothing else.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from companion.errors import KnownError
from companion.files import WriteFailed
from companion.storage.connect import (
    BUSY_TIMEOUT_MS,
    checkpoint,
    make_engine,
    safe_url,
    sqlite_path,
    writable,
)
from companion.storage.liveness import mark_interrupted
from companion.storage.recovery import write_marker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

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


class DatabaseDamaged(DatabaseError):
    """The SQLite file is damaged and was left as it is (a command that only reads)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"The history database {path} is damaged ({reason}). Nothing was changed. "
            "Start Companion to set it aside and begin a new history, or put back a copy "
            "you kept.")


class NewerDatabase(DatabaseError):
    """The database was migrated by a newer Companion: refuse rather than damage it."""


@dataclass(frozen=True)
class OpenResult:
    engine: Engine
    recovered: DatabaseRecovered | None
    interrupted: int
    read_only: bool = False


# The newest migration. Opening a database that is already there needs no Alembic at all
# (it costs ~12 MB and ~100 ms to import); tests/unit/storage/test_migrations.py checks
# that this matches the newest file in migrations/versions/.
HEAD_REVISION = "0006"


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


def _driver_sql(conn: Any, sql: str) -> None:
    """Run `sql` on the driver connection itself, outside SQLAlchemy's transaction."""
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute(sql)


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
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # A batch migration copies a table; with foreign keys on, dropping the old copy
            # would cascade-delete every child row. SQLite's advice: off for the migration
            # (outside any transaction), then on again.
            _driver_sql(conn, "PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                command.upgrade(alembic_config(conn), revision)
        finally:
            if sqlite:
                _driver_sql(conn, "PRAGMA foreign_keys=ON")
    log.info("database migrated from %s to %s", current, revision)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder (0700) and the file (0600) before SQLite does, so they are private.

    SQLite gives the -wal and -shm files the database file's mode; leftovers of ours with
    another mode are made 0600 (readable and writable by us alone).
    """
    if not path.parent.exists():  # another process may make it at the same moment
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    else:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
    # SQLite makes -wal and -shm with the database's mode: a file once read-only (0444, say)
    # leaves them read-only, and they kept the history read-only after the file was made
    # writable again (a tester's chmod 600). Ours, so ours to put right.
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        try:
            st = side.stat()
            if st.st_mode & 0o777 != 0o600 and st.st_uid == os.getuid():
                side.chmod(0o600)
        except (FileNotFoundError, AttributeError):  # none there (or no uid: Windows)
            continue


def _is_damage(exc: BaseException, path: Path) -> str | None:
    """If `exc` means the file itself is unusable, a short reason; else None."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, _Damaged):
        return str(orig)
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return str(orig)
    # Anything else (no permission, a read-only folder, a busy or locked file, a full
    # disk) says nothing about the file itself: never move a healthy history aside.
    return None


def _move_aside(path: Path, now: datetime, reason: str) -> Path:
    """Rename the damaged `path` (and its -wal/-shm/-journal) to `<name>.corrupt-<UTC>`,
    after the recovery marker that keeps the app careful is durable (see `.recovery`).
    Raises WriteFailed (nothing moved) when the marker cannot be written."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    write_marker(path, target, reason, now)
    path.rename(target)
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


class _Damaged(sqlite3.DatabaseError):
    """`PRAGMA quick_check` found damage the first queries did not trip over."""


#: why a history file emptied to 0 bytes is treated as damaged (`open_database(used_before=)`)
EMPTIED = "the file is empty (0 bytes), though this history had been used on this computer"


def _emptied(path: Path) -> bool:
    """The file is there with nothing in it (a crash, a sync tool or a full disk can leave
    that), and no write-ahead log beside it holds its pages."""
    try:
        if path.stat().st_size != 0:
            return False
        wal = path.with_name(path.name + "-wal")
        return not wal.exists() or wal.stat().st_size == 0
    except OSError:
        return False


def _check_sqlite(engine: Engine) -> None:
    with engine.connect() as conn:
        result = conn.exec_driver_sql("PRAGMA quick_check(1)").scalar()
    if result != "ok":
        raise _Damaged(f"integrity check failed: {str(result).splitlines()[-1]}")


def _open_once(url: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
    try:
        if engine.dialect.name == "sqlite":
            _check_sqlite(engine)
        migrate(engine)
        checkpoint(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _read_only_url(path: Path, immutable: bool) -> str:
    extra = "&immutable=1" if immutable else ""
    return f"sqlite:///file:{quote(str(path))}?mode=ro{extra}&uri=true"


def _open_read_only(url: str, path: Path) -> OpenResult:
    """Open a file this process may not write: read it as it is, change nothing.

    WAL needs a -shm file beside the database; in a read-only folder without one, the file
    is opened `immutable` (nobody can be writing it there).
    """
    last: BaseException | None = None
    for immutable in (False, True):
        engine = make_engine(_read_only_url(path, immutable), read_only=True)
        try:
            _check_sqlite(engine)
            current = current_revision(engine)
        except (SQLAlchemyError, sqlite3.DatabaseError) as exc:
            engine.dispose()
            reason = _is_damage(exc, path)
            if reason is not None:
                raise DatabaseError(
                    f"The history database {path} is damaged ({reason}) and read-only, so "
                    "it was left as it is. Make it writable for Companion to set it aside "
                    "and start a new history.") from exc
            last = exc
            continue
        if current != HEAD_REVISION:
            engine.dispose()
            raise DatabaseError(
                f"The history database {path} is read-only and was written by "
                f"{'an older' if current and current < HEAD_REVISION else 'another'} "
                "version of Companion, so it cannot be brought up to date. Make it "
                "writable, or open it with the version that wrote it.")
        log.info("history database %s opened read-only", path)
        return OpenResult(engine, None, 0, read_only=True)
    assert last is not None
    raise last


def open_database(url: str, now: datetime | None = None, *, mark: bool = True,
                  busy_timeout_ms: int = BUSY_TIMEOUT_MS, recover: bool = True,
                  used_before: bool = False) -> OpenResult:
    """Open (creating and migrating as needed) the database at `url`.

    A damaged SQLite file is moved aside and replaced by a fresh database; the returned
    `recovered` says so, and a marker beside it keeps the red-flag gate asking and the
    adaptations careful (`companion.storage.recovery`). With `recover=False` (commands
    that only read) a damaged file raises `DatabaseDamaged` and stays where it is. A file
    this process may not write is opened read-only (`read_only`), never moved.
    `mark=False` leaves abandoned sessions for the caller to mark (the background writer
    does it after merging the journal). `used_before`: this computer has set up a profile
    in this history (`known_profiles.json`); a file of 0 bytes is then damage, not a new
    history, since it may have held a red-flag stop not yet confirmed (SPEC "Safety": if the
    app cannot tell, it asks). Anything else that prevents opening raises `DatabaseError`.
    """
    now = now or datetime.now(UTC)
    recovered: DatabaseRecovered | None = None
    try:
        path = sqlite_path(url)
        emptied = path is not None and used_before and _emptied(path)
        if path is not None and path.exists() and not writable(path):
            if emptied:
                raise DatabaseError(
                    f"The history database {path} is damaged ({EMPTIED}) and read-only, so "
                    "it was left as it is. Make it writable for Companion to set it aside "
                    "and start a new history.")
            return _open_read_only(url, path)
        if path is not None and not emptied:
            _prepare_sqlite_file(path)
        try:
            if emptied:
                raise _Damaged(EMPTIED)
            engine = _open_once(url, busy_timeout_ms)
        except (SQLAlchemyError, sqlite3.DatabaseError) as exc:
            reason = _is_damage(exc, path) if path is not None else None
            if path is None or reason is None:
                raise
            if not recover:
                raise DatabaseDamaged(path, reason) from exc
            try:
                moved = _move_aside(path, now, reason)
            except WriteFailed as failed:
                raise DatabaseError(
                    f"The history database {path} is damaged ({reason}) and could not be "
                    f"set aside safely ({failed.reason}). Nothing was changed.") from failed
            log.info("database %s unusable (%s); moved to %s", path, reason, moved)
            recovered = DatabaseRecovered(path, moved, reason)
            _prepare_sqlite_file(path)
            engine = _open_once(url, busy_timeout_ms)
        try:
            interrupted = mark_interrupted(engine, now) if mark else 0
        except BaseException:
            engine.dispose()
            raise
    except ImportError as exc:  # e.g. a postgresql URL without the driver installed
        raise DatabaseError(
            f"Cannot open the history database {safe_url(url)}: its driver is missing "
            f"({exc.name or exc}). For PostgreSQL, install the extra: "
            "pip install 'companion[postgres]'"
        ) from exc
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        detail = exc.orig if isinstance(exc, DBAPIError) else exc
        raise DatabaseError(_plain(url, str(detail).strip())) from exc
    return OpenResult(engine, recovered, interrupted)


def _plain(url: str, detail: str) -> str:
    """"Cannot open the history database WHERE: why, and what to do", with the driver's
    own words at the end for whoever helps the person."""
    try:
        path = sqlite_path(url)
    except SQLAlchemyError:  # not a URL at all: said as the driver says it
        path = None
    first = detail.splitlines()[0] if detail else "unknown error"
    why = ""
    if path is not None:
        if path.is_dir():
            why = ("it is a folder, not a history file. Move or rename that folder, or "
                   "give another file with --db")
        elif path.exists() and not os.access(path, os.R_OK):
            why = ("Companion may not read it. Make it yours (it should belong to the user "
                   "who runs Companion), or start Companion with --data-dir on a folder of "
                   "your own")
        elif "already exists" in detail:
            why = ("it holds tables but not the version record Companion keeps in every "
                   "history, so it was not made by Companion or was changed by hand. "
                   "Nothing was changed. Move it away to start a new history, or put back "
                   "a backup")
        else:
            why = ("check that its folder exists and that you may write there, or start "
                   "Companion with --data-dir on a folder of your own")
    elif any(w in detail.lower() for w in ("refused", "timeout", "timed out",
                                            "could not translate host", "no route")):
        why = ("the server does not answer. Check that it is running and that the address "
               "(--db or COMPANION_DB_URL) is right")
    if not why:
        return f"Cannot open the history database {safe_url(url)}: {detail}".strip()
    return f"Cannot open the history database {safe_url(url)}: {why}. (Details: {first})"
