"""The history store's shared parts: the retry policy, the red-flag gate's answer, what waits
for the writer, and `StoreState` (what every part of `HistoryStore` holds; see store.py).
"""


from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from companion.config import Paths
from companion.core.events import (
    Event,
    RedFlagRaised,
    SessionEnded,
    SessionStarted,
    SymptomSpecified,
)
from companion.errors import KnownError
from companion.storage.connect import sqlite_path
from companion.storage.database import Database
from companion.storage.journal import Journal
from companion.storage.journal_file import Ack, Entry, JournalFile
from companion.storage.recorder import (
    Origin,
)
from companion.storage.recovery import RecoveryMarker
from companion.storage.repository import RedFlagStop
from companion.storage.status import StorageStatus, Trouble

log = logging.getLogger(__name__)


#: Flushed to the disk before the recorder returns (the rest by the writer, milliseconds
#: later, off the GUI thread): what the red-flag gate and "how it ended" depend on.
CRITICAL = (RedFlagRaised, SymptomSpecified, SessionEnded)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the writer tries before it tells the person, and how often after that.

    `busy_timeout_ms`: SQLite waits this long for a lock inside one attempt.
    `budget_s`: a busy database is shown after failing this long (other faults at once).
    `pause_s` .. `max_pause_s`: the wait between attempts, doubling.
    """

    busy_timeout_ms: int = 1000
    budget_s: float = 5.0
    pause_s: float = 0.25
    max_pause_s: float = 5.0
    batch: int = 64


class MissingSession(KnownError):
    """A journal entry whose session is not in the database (its start could not merge)."""


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


#: The database half of the gate when the database could not be read.
UNKNOWN: Any = _Unknown()

DbStop = tuple[RedFlagStop, bool] | None  # the latest stored stop and whether confirmed


@dataclass(frozen=True)
class GateState:
    """What the red-flag gate knows before a session.

    `stop`: the stop to confirm (None: none found). `known`: False when part of the
    history could not be read, so a stop may be missing: the gate then asks anyway.
    `set_aside`: when a damaged history was set aside and not confirmed since, the day it
    happened in words ("1 December 2026", or "a day not known"); "" otherwise.
    """

    stop: RedFlagStop | None
    known: bool = True
    reason: str = ""
    set_aside: str = ""

    @property
    def clear(self) -> bool:
        return self.known and self.stop is None


def db_key(url: str) -> str:
    """The database a journal belongs to, without any password."""
    path = sqlite_path(url)
    if path is not None:
        return f"sqlite:///{path}"
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return url


def where_text(url: str) -> str:
    """The database as a person would name it: the file, or the server and database."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    try:
        parsed = make_url(url)
    except SQLAlchemyError:
        return "the database"
    host = parsed.host or "localhost"
    return f"{parsed.database or 'database'} on {host}"


@dataclass
class _Pending:
    """One queued entry and who recorded it."""

    entry: Entry
    origin: Origin
    source: JournalFile | None = None  # another run's file; None: this run's journal
    attempts: int = 0


@dataclass
class _Merged:
    """What one successful commit changed (for on_change), and the red flags and
    confirmations of earlier runs it stored (the gate remembers them: once merged they
    are no longer in the journal, and a reader's copy of the database may predate them)."""

    sessions: set[str] = field(default_factory=set)
    red_flags: bool = False
    acks: bool = False
    ended: bool = False
    remembered: list[tuple[str, Event, datetime]] = field(default_factory=list)
    remembered_acks: list[Ack] = field(default_factory=list)


def _when(stop: RedFlagStop) -> datetime:
    return stop.raised_at or stop.stopped_at


def _kind(entry: Entry) -> str:
    return type(entry.event).__name__ if entry.event is not None else "acknowledgement"


def _stops_in(jf: JournalFile) -> tuple[list[RedFlagStop], list[Ack]]:
    """The unmerged red flags of one journal file (with their routine's name), and every
    confirmation in it."""
    names: dict[str, str] = {}
    stops: dict[str, RedFlagStop] = {}
    acks: list[Ack] = []
    for e in jf.entries:
        if e.ack is not None:
            acks.append(e.ack)
            continue
        ev = e.event
        if isinstance(ev, SessionStarted):
            names[e.key] = ev.routine_name
        elif isinstance(ev, RedFlagRaised) and e.seq not in jf.merged:
            old = stops.get(e.key)
            symptoms = (*(old.symptoms if old else ()), ev.symptom.value)
            stops[e.key] = RedFlagStop(None, names.get(e.key, ""), e.at, symptoms, e.key, e.at)
        elif isinstance(ev, SymptomSpecified) and e.key in stops:
            old = stops[e.key]
            stops[e.key] = replace(old, symptoms=(*old.symptoms[:-1], ev.symptom.value))
    return list(stops.values()), acks


def _append_merged(jf: JournalFile, seqs: Iterable[int]) -> None:
    """Mark another run's entries merged in its own file (best effort)."""
    try:
        with jf.path.open("ab") as f:
            f.write(json.dumps({"merged": sorted(seqs)}).encode() + b"\n")
    except OSError as exc:
        log.info("could not mark %s merged: %s", jf.path.name, exc)

class StoreState:
    """What every part of the history store holds (set by HistoryStore.__init__)."""

    recovered: KnownError | None
    journal: Journal | None
    _queue: deque[_Pending]
    _stuck: list[_Pending]
    _ids: dict[str, int]
    _names: dict[str, str]
    _failing_since: float | None
    _thread: threading.Thread | None
    local_stops: dict[str, RedFlagStop]
    local_acks: list[Ack]
    url: str
    paths: Paths | None
    policy: RetryPolicy
    where: str
    db_key: str
    journal_dir: Path | None
    on_status: Callable[[StorageStatus], None] | None
    on_change: Callable[[dict[str, Any]], None] | None
    after_commit: Callable[[list[Entry]], None] | None
    _now: Callable[[], datetime]
    _db: Database | None
    profile_name: str | None
    profile_key: str | None
    open_error: str
    journal_problem: str
    _cond: threading.Condition
    _memory_seq: int
    _journal_ok: bool
    _startup_done: bool
    _stopping: bool
    _busy: bool
    _trouble: Trouble
    _detail: str
    _status: StorageStatus
    _origin: Origin
    merged_old: int

    # -- what one part calls on another (declared here, defined in the part named) ------
    _changed: Callable[[_Merged], None]  # store_status
    _enqueue: Callable[[_Pending], None]  # store
    _failed: Callable[[BaseException], None]  # store_status
    _journal_failed: Callable[[str], None]  # store
    _next_memory_seq: Callable[[], int]  # store
    _ours: Callable[[JournalFile], bool]  # store_writer
    recovery: Callable[[], RecoveryMarker | None]  # store_gate
    _publish: Callable[[], None]  # store_status
    _remember: Callable[[str, Event, datetime], None]  # store
    _succeeded: Callable[[], None]  # store_status
    _try_open: Callable[[int], bool]  # store
