"""The app's history: events durable in the journal at once, committed to the database behind.

`HistoryStore` holds the journal (this run's file in `<data dir>/journal/`), the database
(opened now or, when it cannot be yet, by the writer as soon as it can) and a background
writer thread that commits journal entries to the database in order:

- a busy database is retried (SQLite's busy timeout inside each attempt, then growing
  pauses); past the retry budget the status says "busy";
- a full disk, a read-only file or folder, a server that does not answer: the status says
  so at once; the entries stay in the journal and the writer keeps trying;
- at start, journal entries left by a run that ended (killed, crashed, closed while the
  database was away) are merged first, then unfinished sessions are marked interrupted.

A store acts for one profile (person): its journal is that profile's (`<profile
folder>/journal/`, each file naming the profile), sessions are stored as that profile's,
and only that profile's journal files are merged. The red-flag gate is that person's too.

The red-flag gate reads the database (the GUI fetches that part off its thread), the
unmerged journal and what this run raised or confirmed in memory; when it cannot tell, it
says so and the GUI asks (`GateState.known` is False). No Qt here: callbacks (`on_status`,
`on_change`) are called on the writer thread; the GUI turns them into queued signals.

`HistoryStore` is assembled from parts, one job each, on `store_state.StoreState`:
`store_writer` (the writer thread and the merging), `store_gate` (the red-flag gate) and
`store_status` (what is wrong, published); this module opens, records and closes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from companion.config import Paths
from companion.core.events import (
    Event,
    RedFlagRaised,
    SessionStarted,
    SymptomSpecified,
)
from companion.core.routine import Routine
from companion.errors import KnownError
from companion.storage.connect import device_name, sqlite_path
from companion.storage.database import Database
from companion.storage.journal import Journal, JournalError
from companion.storage.journal_file import Ack, Entry
from companion.storage.models import utc_now
from companion.storage.opening import DatabaseError, NewerDatabase
from companion.storage.profiles import ProfileError
from companion.storage.recorder import (
    EVENT_SQL,
    Committed,
    Origin,
    routine_snapshot,
)
from companion.storage.repository import RedFlagStop
from companion.storage.status import StorageStatus, Trouble, classify, is_transient
from companion.storage.store_gate import RedFlagGate
from companion.storage.store_state import (
    CRITICAL,
    RetryPolicy,
    _Pending,
    db_key,
    where_text,
)
from companion.storage.store_status import StatusReports
from companion.storage.store_writer import WriterThread

log = logging.getLogger(__name__)


class HistoryStore(WriterThread, RedFlagGate, StatusReports):
    """The history as the app uses it. Start it once; close it at exit.

    `db`: an open Database to use (tests, the command line); else `url` (+ `paths`) is
    opened by `open_now()` or, failing that, by the writer with retries, for the profile
    called `profile` (None: the first). `profile_key`, when known before the database
    opens (from the local list of profiles), names the journal's profile at once; the
    database's profile must then be that one.
    `on_status(StorageStatus)`, `on_change(dict)` are called on the writer thread.
    `after_commit(list[Entry])` runs after each commit, before the journal marks it merged
    (the kill test uses it to die exactly there).
    """

    def __init__(
        self,
        url: str,
        journal_dir: Path | None,
        *,
        db: Database | None = None,
        paths: Paths | None = None,
        profile: str | None = None,
        profile_key: str | None = None,
        policy: RetryPolicy | None = None,
        on_status: Callable[[StorageStatus], None] | None = None,
        on_change: Callable[[dict[str, Any]], None] | None = None,
        after_commit: Callable[[list[Entry]], None] | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.url = url
        self.paths = paths
        self.policy = policy or RetryPolicy()
        self.where = where_text(url)
        self.db_key = db_key(url)
        self.journal_dir = journal_dir
        self.on_status = on_status
        self.on_change = on_change
        self.after_commit = after_commit
        self._now = now
        self._db = db
        self.profile_name = profile if db is None else db.profile.name
        self.profile_key = db.profile.key if db is not None else profile_key
        self.recovered: KnownError | None = db.recovered if db is not None else None
        self.open_error = ""
        self.journal: Journal | None = None
        self.journal_problem = ""
        if journal_dir is not None:
            try:
                self.journal = Journal(journal_dir, self.db_key, device_name(),
                                       self.profile_key)
            except OSError as exc:
                self.journal_problem = f"the journal folder {journal_dir} cannot be used " \
                                       f"({exc.strerror or exc})"
        else:
            self.journal_problem = "no journal folder"
        self._cond = threading.Condition()
        self._queue: deque[_Pending] = deque()
        self._stuck: list[_Pending] = []
        self._ids: dict[str, int] = {}
        self._names: dict[str, str] = {}
        self._memory_seq = 0
        self._journal_ok = self.journal is not None
        self._startup_done = False
        self._stopping = False
        self._busy = False  # the writer is applying a batch right now
        self._failing_since: float | None = None
        self._trouble = (Trouble.OPENING if db is None
                         else Trouble.READ_ONLY if db.read_only else Trouble.NONE)
        self._detail = ""
        self._status = StorageStatus(self._trouble, self._journal_ok, 0, self.where)
        self._thread: threading.Thread | None = None
        self._origin = Origin.here(self.journal._pid_started if self.journal else None)
        # The gate's memory of this run: stops raised here (stored or not), confirmations.
        self.local_stops: dict[str, RedFlagStop] = {}
        self.local_acks: list[Ack] = []
        self.merged_old = 0  # entries merged from earlier runs at start

    # -- opening -------------------------------------------------------------------------------
    @property
    def db(self) -> Database | None:
        """The database once open (readers use it off the GUI thread); None before."""
        return self._db

    @property
    def status(self) -> StorageStatus:
        return self._status

    def open_now(self, busy_timeout_ms: int | None = None) -> bool:
        """Try to open the database on the calling thread (once, quickly); False: the
        writer keeps trying in the background."""
        if self._db is not None:
            return True
        return self._try_open(busy_timeout_ms or self.policy.busy_timeout_ms)

    def _try_open(self, busy_timeout_ms: int) -> bool:
        try:
            db = Database.open(self.url, paths=self.paths, mark=False,
                               busy_timeout_ms=busy_timeout_ms, profile=self.profile_name)
            if self.profile_key is not None and db.profile.key != self.profile_key:
                db.close()
                raise ProfileError(
                    f"the profile {db.profile.name} in {self.where} is not the one this "
                    "computer knew by that name: its journal is kept, nothing is saved")
        except ProfileError as exc:
            self.open_error = str(exc)
            log.warning("history database has no such profile: %s", exc)
            self._set_trouble(Trouble.FAILED, str(exc), at_once=True)
            return False
        except DatabaseError as exc:
            cause = exc.__cause__ or exc
            trouble = (Trouble.FAILED if isinstance(exc, NewerDatabase)
                       else classify(cause))
            if (trouble is Trouble.FAILED and is_transient(cause)
                    and sqlite_path(self.url) is None):
                trouble = Trouble.UNREACHABLE  # a server's connection error
            self.open_error = str(exc)
            log.info("history database not open yet: %s", exc)
            self._set_trouble(trouble, str(exc), at_once=trouble is not Trouble.BUSY)
            return False
        self._db = db
        self.profile_name = db.profile.name
        if self.profile_key is None:
            self.profile_key = db.profile.key
            if self.journal is not None:
                self.journal.profile = db.profile.key
        self.recovered = db.recovered
        self.open_error = ""
        if db.read_only:
            self._set_trouble(Trouble.READ_ONLY, "", at_once=True)
        else:
            self._set_trouble(Trouble.NONE, "", at_once=True)
        return True

    def start(self) -> None:
        """Start the background writer (it opens the database if not open yet)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
        self._thread.start()

    # -- recording (the caller's thread) ---------------------------------------------------------
    def recorder(self, routine: Routine, on_commit: Callable[[Committed], None] | None = None,
                 now: Callable[[], datetime] | None = None, *,
                 snapshot: dict[str, Any] | None = None) -> JournaledRecorder:
        """`snapshot` replaces the routine as "what was run" (a breathing session's pattern
        and length)."""
        return JournaledRecorder(self, routine, on_commit=on_commit, now=now or self._now,
                                 snapshot=snapshot)

    def record(self, key: str, event: Event, at: datetime,
               routine: dict[str, Any] | None = None) -> bool:
        """Journal one event (durable when True is returned) and queue it for the database.

        Never raises: when the journal cannot be written, the entry is still queued (it
        reaches the database if that works) and the status says it is not kept.
        """
        durable = True
        entry: Entry
        if self.journal is not None:
            reserve_was_used = self.journal.reserve_used
            try:
                entry = self.journal.append_event(key, event, at, routine,
                                                  sync=isinstance(event, CRITICAL))
                if self.journal.reserve_used and not reserve_was_used:
                    self._publish()  # the disk just filled: tell the person at once
            except JournalError as exc:
                log.error("journal write failed: %s", exc)
                durable = False
                entry = Entry(self._next_memory_seq(), key, at, event, routine)
                self._journal_failed(str(exc))
        else:
            durable = False
            entry = Entry(self._next_memory_seq(), key, at, event, routine)
        if durable and not self._journal_ok:
            self._journal_ok = True
            self._publish()
        self._remember(key, event, at)
        self._enqueue(_Pending(entry, self._origin))
        return durable

    def _next_memory_seq(self) -> int:
        if self.journal is not None:
            with self.journal._lock:
                self.journal._seq += 1
                return self.journal._seq
        self._memory_seq += 1
        return self._memory_seq

    def _remember(self, key: str, event: Event, at: datetime) -> None:
        if isinstance(event, SessionStarted):
            self._names[key] = event.routine_name
        elif isinstance(event, RedFlagRaised):
            old = self.local_stops.get(key)
            symptoms = (*(old.symptoms if old else ()), event.symptom.value)
            self.local_stops[key] = RedFlagStop(self._ids.get(key), self._names.get(key, ""),
                                                at, symptoms, key, at)
        elif isinstance(event, SymptomSpecified) and key in self.local_stops:
            old = self.local_stops[key]
            self.local_stops[key] = replace(old, symptoms=(*old.symptoms[:-1],
                                                           event.symptom.value))

    def _enqueue(self, pending: _Pending) -> None:
        with self._cond:
            self._queue.append(pending)
            self._cond.notify_all()

    def _journal_failed(self, detail: str) -> None:
        if self._journal_ok:
            self._journal_ok = False
            self.journal_problem = detail
            self._publish()

    def session_id(self, key: str) -> int | None:
        return self._ids.get(key)


    # -- waiting and closing ---------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Entries not in the database yet (queued, or set aside as unmergeable)."""
        with self._cond:
            return len(self._queue) + len(self._stuck) + (1 if self._busy else 0)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued is in the database (or `timeout`); True if it is.

        For tests, the command line and shutdown; the GUI never waits on this.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy or not self._startup_done:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def close(self, timeout: float = 3.0) -> bool:
        """Let the writer finish what it can within `timeout`, then stop. True if nothing
        is left unsaved (what is left stays in the journal for the next start)."""
        if self._thread is not None:
            if self._db is not None and self._trouble in (Trouble.NONE, Trouble.BUSY):
                self.flush(timeout)  # worth waiting for; a full disk or a dead server is not
            with self._cond:
                self._stopping = True
                self._cond.notify_all()
            self._thread.join(timeout=max(0.5, timeout))
        saved = self.pending == 0
        if self.journal is not None:
            self.journal.close()
        if self._db is not None and (self._thread is None or not self._thread.is_alive()):
            with contextlib.suppress(Exception):
                self._db.close()
        return saved


class JournaledRecorder:
    """The app's session recorder: each event in the journal file before it returns (a kill
    cannot lose it), a red flag, its symptom and the session's end flushed to the disk too.

    An engine listener (`engine.subscribe(recorder)`). The database commit follows on the
    store's writer. `on_commit(Committed)` is called once an event is durable (journaled);
    an event that could not be journaled is still queued for the database, but not
    reported. `commits` counts the durable ones.
    """

    def __init__(self, store: HistoryStore, routine: Routine, *,
                 on_commit: Callable[[Committed], None] | None = None,
                 now: Callable[[], datetime] = utc_now,
                 snapshot: dict[str, Any] | None = None) -> None:
        self.store = store
        self.routine = routine
        self.snapshot = snapshot
        self.key = uuid.uuid4().hex
        self.commits = 0
        self._on_commit = on_commit
        self._now = now
        self._started = False

    @property
    def session_id(self) -> int | None:
        """The database id, once the writer has stored the session (None before)."""
        return self.store.session_id(self.key)

    def __call__(self, event: Event) -> None:
        if isinstance(event, SessionStarted):
            if self._started:
                log.warning("second SessionStarted for one recorder: ignored")
                return
            self._started = True
            durable = self.store.record(self.key, event, self._now(),
                                        self.snapshot if self.snapshot is not None
                                        else routine_snapshot(self.routine))
        elif EVENT_SQL.records(event):
            if not self._started:
                log.warning("%s before SessionStarted: not recorded", type(event).__name__)
                return
            durable = self.store.record(self.key, event, self._now())
        else:
            return
        if durable:
            self.commits += 1
            if self._on_commit is not None:
                self._on_commit(Committed(event, self.session_id, self.commits, self.key))


