"""Sessions whose process is gone: `in_progress` rows a dead process left behind become
`interrupted` (the background writer runs this after merging the journal)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import psutil
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from companion.storage.connect import device_name
from companion.storage.models import SessionRow, SessionStatus

log = logging.getLogger(__name__)

# Sessions recorded elsewhere (another desktop on a shared server) count as abandoned once
# this long has passed without an event; a real session is never this long.
STALE_AFTER = timedelta(hours=12)

# SQLite result codes meaning "this file is not a usable database".
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


def pid_alive(pid: int, started: float | None = None) -> bool:
    """Whether process `pid` still runs (psutil: the same answer on Linux, macOS, Windows).

    With `started` (its start time, epoch seconds) a later process that reuses the id
    does not count. When the process table cannot be read, it counts as alive: a live
    session is never marked interrupted by mistake (the 12-hour rule still applies).
    """
    try:
        if not psutil.pid_exists(pid):
            return False
        if started is None:
            return True
        return abs(psutil.Process(pid).create_time() - started) < 1.0
    except psutil.NoSuchProcess:
        return False
    except Exception:  # access denied, an odd platform: be careful, not sorry
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
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:  # a clinician's read-only role marks nothing
            if not conn.scalar(text("SELECT has_table_privilege('sessions', 'UPDATE')")):
                return 0
    with Session(engine) as s, s.begin():
        rows = s.execute(
            select(SessionRow.id, SessionRow.device, SessionRow.pid, SessionRow.pid_started,
                   SessionRow.last_event_at)
            .where(SessionRow.status == SessionStatus.IN_PROGRESS.value)
        ).all()
        for sid, device, pid, started, last in rows:
            mine_and_dead = device == here and (pid is None or not pid_alive(pid, started))
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
