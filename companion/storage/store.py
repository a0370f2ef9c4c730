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
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
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
from companion.core.routine import Routine
from companion.errors import KnownError
from companion.storage.database import Database
from companion.storage.db import (
    DatabaseError,
    NewerDatabase,
    checkpoint,
    device_name,
    mark_interrupted,
    pid_alive,
    sqlite_path,
    writable,
)
from companion.storage.journal import (
    Ack,
    Entry,
    Journal,
    JournalError,
    JournalFile,
    read_folder,
    remove_if_merged,
)
from companion.storage.models import utc_now
from companion.storage.profiles import ProfileError
from companion.storage.recorder import (
    EVENT_SQL,
    Committed,
    Origin,
    insert_ack,
    insert_session,
    routine_snapshot,
    session_for_key,
    touch_if_new,
)
from companion.storage.repository import RedFlagStop
from companion.storage.status import StorageStatus, Trouble, classify, is_transient

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
    """

    stop: RedFlagStop | None
    known: bool = True
    reason: str = ""

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


class HistoryStore:
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

    # -- the red-flag gate -----------------------------------------------------------------------
    def read_db_stop(self) -> DbStop:
        """The database half of the gate (raises when the database cannot be read)."""
        db = self._db
        if db is None:
            raise DatabaseError(self.open_error or "the history database is not open yet")
        return db.latest_red_flag_stop()

    def gate_state(self, db_stop: DbStop | _Unknown) -> GateState:
        """Combine the database's latest stop (or UNKNOWN) with the journal and memory."""
        stops: dict[str | int, RedFlagStop] = {}  # by journal key, else database id
        problems: list[str] = []
        acks: list[Ack] = list(self.local_acks)
        if self.journal_dir is not None:
            files, problems = read_folder(self.journal_dir)
            for jf in files:
                if not self._ours(jf):
                    continue
                jstops, jacks = _stops_in(jf)
                for stop in jstops:
                    assert stop.journal_key is not None
                    stops[stop.journal_key] = stop
                acks.extend(jacks)
        for stop in self.local_stops.values():
            assert stop.journal_key is not None
            stops.setdefault(stop.journal_key, stop)
        db_known = not isinstance(db_stop, _Unknown)
        stored_acked: RedFlagStop | None = None
        if not isinstance(db_stop, _Unknown) and db_stop is not None:
            stored, stored_is_acked = db_stop
            # the stored copy of a journal stop replaces it (it knows the database id)
            stops[stored.journal_key or stored.session_id or 0] = stored
            if stored_is_acked:
                stored_acked = stored
        latest: RedFlagStop | None = None
        for stop in stops.values():
            if latest is None or _when(stop) > _when(latest):
                latest = stop
        is_acked = latest is not None and (
            (stored_acked is not None
             and latest.same_session(stored_acked.session_id, stored_acked.journal_key))
            or any(latest.same_session(a.session_id, a.key) for a in acks))
        if latest is not None and not is_acked:
            return GateState(latest, True)
        if not self._journal_ok and (self._db is None or self._db.read_only):
            # nothing can be kept here: a red flag of an earlier run may have been lost
            return GateState(None, False, self.journal_problem or "nothing can be saved here")
        if not db_known:
            return GateState(None, False, self.open_error or "the history cannot be read")
        if problems:
            return GateState(None, False, "; ".join(problems))
        return GateState(None, True)

    def gate_state_now(self) -> GateState:
        """The gate on the calling thread (command line, tests): reads the database now."""
        try:
            return self.gate_state(self.read_db_stop())
        except (SQLAlchemyError, KnownError) as exc:
            log.warning("red-flag gate cannot read the database: %s", exc)
            return self.gate_state(UNKNOWN)

    def acknowledge(self, stop: RedFlagStop | None, text: str) -> bool:
        """Store the confirmation of `stop` (journal first); True when it is durable.

        With `stop` None (the gate could not tell) nothing is stored: the person confirmed
        for this session only, and is asked again next time unless the history is readable.
        """
        if stop is None:
            return True
        ack = Ack(stop.session_id, stop.journal_key, text)
        self.local_acks.append(ack)
        at = self._now()
        durable = False
        entry: Entry
        if self.journal is not None:
            try:
                entry = self.journal.append_ack(ack, at)
                durable = True
            except JournalError as exc:
                entry = Entry(self._next_memory_seq(), "", at, ack=ack)
                self._journal_failed(str(exc))
        else:
            entry = Entry(self._next_memory_seq(), "", at, ack=ack)
        self._enqueue(_Pending(entry, self._origin))
        return durable

    # -- the writer thread -----------------------------------------------------------------------
    def _run(self) -> None:
        if self.journal is not None:
            self.journal.prepare()  # the reserve, before any disk can fill up
            problem = self.journal.probe()
            if problem:
                log.error("%s", problem)
                self._journal_failed(problem)
        pause = self.policy.pause_s
        while True:
            with self._cond:
                if self._stopping and (not self._queue or self._trouble is not Trouble.NONE):
                    return
            try:
                progressed = self._step()
            except Exception:  # a bug in the writer must not end it: log, wait, go on
                log.exception("history writer step failed")
                progressed = False
            if progressed:
                pause = self.policy.pause_s
                continue
            with self._cond:
                if self._stopping and (not self._queue or self._trouble is not Trouble.NONE):
                    return
                if self._queue or self._db is None or not self._startup_done:
                    self._cond.wait(pause)
                    pause = min(pause * 2, self.policy.max_pause_s)
                else:
                    self._cond.wait(1.0)

    def _step(self) -> bool:
        """One unit of work; True when something moved forward."""
        if self._db is None:
            return self._try_open(self.policy.busy_timeout_ms)
        if self._db.read_only:
            path = sqlite_path(self.url)
            if path is not None and writable(path):  # fixed: open it for writing
                self._db.close()
                self._db = None
                return self._try_open(self.policy.busy_timeout_ms)
            return False
        if not self._startup_done:
            return self._startup()
        with self._cond:
            batch = list(self._queue)[: self.policy.batch]
        if not batch:
            if self.journal is not None and self.journal.reserve_used:
                self.journal.restore_reserve()
                if not self.journal.reserve_used:
                    self._publish()  # space again
            return False
        return self._commit_own(batch)

    def _startup(self) -> bool:
        """Merge what earlier runs left in the journal, then mark abandoned sessions."""
        assert self._db is not None
        try:
            self.merged_old += self._merge_old_runs()
            mark_interrupted(self._db.engine)
        except Exception as exc:
            if not is_transient(exc):
                raise
            self._failed(exc)
            return False
        self._startup_done = True
        self._succeeded()
        self._changed(_Merged(red_flags=True, acks=True))
        return True

    def _merge_old_runs(self) -> int:
        if self.journal_dir is None:
            return 0
        files, problems = read_folder(self.journal_dir)
        for problem in problems:
            log.warning("journal: %s", problem)
        own = self.journal.run if self.journal is not None else ""
        here = device_name()
        merged = 0
        for jf in files:
            h = jf.header
            if h is None or h.run == own or h.db != self.db_key or not self._ours(jf):
                continue
            if h.device == here and h.pid != os.getpid() and pid_alive(h.pid, h.pid_started):
                continue  # a live run (the app, while `companion history` runs): its own
            origin = Origin(h.device, h.pid, h.pid_started)
            pending = [_Pending(e, origin, jf) for e in jf.unmerged]
            done = self._apply_all(pending)
            if done:
                _append_merged(jf, done)
                jf.merged.update(done)
                merged += len(done)
                log.info("merged %d journal entries from %s", len(done), jf.path.name)
            remove_if_merged(jf)
        return merged

    def _ours(self, jf: JournalFile) -> bool:
        """Whether a journal file is this profile's: it names this profile, or (written
        before profiles, or before the profile was known) names none."""
        h = jf.header
        key = self._db.profile.key if self._db is not None else self.profile_key
        return h is None or h.profile is None or key is None or h.profile == key

    def _apply_all(self, pending: list[_Pending]) -> list[int]:
        """Commit `pending` in batches (one by one where an entry cannot be taken).
        Returns the sequence numbers now in the database; transient errors propagate."""
        done: list[int] = []
        step = self.policy.batch
        for i in range(0, len(pending), step):
            chunk = pending[i:i + step]
            try:
                self._commit(chunk)
                done.extend(p.entry.seq for p in chunk)
                continue
            except Exception as exc:
                if is_transient(exc):
                    raise
            for p in chunk:  # a permanent failure somewhere: find it, keep the rest
                try:
                    self._commit([p])
                    done.append(p.entry.seq)
                except Exception as exc:
                    if is_transient(exc):
                        raise
                    log.error("journal entry %d (%s) cannot be merged, kept: %s",
                              p.entry.seq, _kind(p.entry), exc)
        return done

    def _commit_own(self, batch: list[_Pending]) -> bool:
        with self._cond:
            self._busy = True
        try:
            return self._commit_batch(batch)
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _commit_batch(self, batch: list[_Pending]) -> bool:
        if self.journal is not None:
            self.journal.sync()  # the journal reaches the disk before the database has it
        try:
            merged = self._commit(batch)
        except Exception as exc:
            if is_transient(exc):
                self._failed(exc)
                return False
            # one entry the database can never take: set it aside (it stays in the
            # journal file, so the gate still sees it), keep the others going
            first = batch[0]
            try:
                merged = self._commit([first])
            except Exception as exc2:
                if is_transient(exc2):
                    self._failed(exc2)
                    return False
                log.error("journal entry %d (%s) cannot be merged, kept: %s",
                          first.entry.seq, _kind(first.entry), exc2)
                with self._cond:
                    if self._queue and self._queue[0] is first:
                        self._queue.popleft()
                    self._stuck.append(first)
                self._publish()
                return True
            batch = [first]
        with self._cond:
            for _ in batch:
                self._queue.popleft()
            self._cond.notify_all()
        if self.journal is not None:
            self.journal.mark_merged(p.entry.seq for p in batch)
        self._succeeded()
        self._changed(merged)
        if merged.ended and self._db is not None:
            checkpoint(self._db.engine)  # a calm moment to fold the WAL into the file
        return True

    def _commit(self, batch: list[_Pending]) -> _Merged:
        """One transaction for `batch`; `after_commit` runs before anything is marked."""
        assert self._db is not None
        merged = _Merged()
        ids: dict[str, int] = {}
        with self._db.engine.begin() as conn:
            for p in batch:
                self._apply(conn, p, ids, merged)
        self._ids.update(ids)
        for key, event, at in merged.remembered:
            self._remember(key, event, at)
        self.local_acks.extend(merged.remembered_acks)
        for key, sid in ids.items():  # the gate's memory learns the stored ids
            stop = self.local_stops.get(key)
            if stop is not None and stop.session_id is None:
                self.local_stops[key] = replace(stop, session_id=sid)
        if self.after_commit is not None:
            self.after_commit([p.entry for p in batch])
        return merged

    def _apply(self, conn: Connection, p: _Pending, ids: dict[str, int],
               merged: _Merged) -> None:
        assert self._db is not None
        e = p.entry
        if e.ack is not None:
            sid = e.ack.session_id
            if sid is None and e.ack.key:
                sid = ids.get(e.ack.key) or self._ids.get(e.ack.key) \
                    or session_for_key(conn, e.ack.key, self._db.pid)
            if sid is None:
                raise MissingSession(f"confirmation for a session not in the database "
                                     f"({e.ack.key})")
            insert_ack(conn, sid, e.ack.text, e.at)
            merged.acks = True
            if p.source is not None:  # the gate's memory of this run learns it too
                merged.remembered_acks.append(e.ack)
            return
        event = e.event
        assert event is not None
        if isinstance(event, SessionStarted):
            sid = ids.get(e.key) or self._ids.get(e.key) \
                or session_for_key(conn, e.key, self._db.pid)
            if sid is None:
                sid = insert_session(conn, event, e.routine or {}, e.at, p.origin,
                                     journal_key=e.key, journal_seq=e.seq,
                                     profile_id=self._db.pid)
            ids[e.key] = sid
            merged.sessions.add(e.key)
            if p.source is not None:
                self._names.setdefault(e.key, event.routine_name)
            return
        sid = ids.get(e.key) or self._ids.get(e.key) \
            or session_for_key(conn, e.key, self._db.pid)
        if sid is None:
            raise MissingSession(f"{type(event).__name__} for a session not in the database")
        ids[e.key] = sid
        if touch_if_new(conn, sid, e.seq, e.at):
            EVENT_SQL.apply(conn, sid, event, e.at)
        merged.sessions.add(e.key)
        merged.red_flags |= isinstance(event, RedFlagRaised | SymptomSpecified)
        merged.ended |= isinstance(event, SessionEnded)
        if p.source is not None and isinstance(event, RedFlagRaised | SymptomSpecified):
            merged.remembered.append((e.key, event, e.at))

    # -- status ----------------------------------------------------------------------------------
    def _failed(self, exc: BaseException) -> None:
        trouble = classify(exc)
        if trouble is Trouble.FAILED and is_transient(exc):
            trouble = Trouble.UNREACHABLE if sqlite_path(self.url) is None else Trouble.FAILED
        log.info("history write not done yet (%s): %s", trouble.value, exc)
        self._set_trouble(trouble, str(getattr(exc, "orig", None) or exc),
                          at_once=trouble is not Trouble.BUSY)

    def _succeeded(self) -> None:
        self._set_trouble(Trouble.NONE, "", at_once=True)

    def _set_trouble(self, trouble: Trouble, detail: str, *, at_once: bool) -> None:
        now = time.monotonic()
        if trouble is Trouble.NONE:
            self._failing_since = None
        elif self._failing_since is None:
            self._failing_since = now
        shown = at_once or (self._failing_since is not None
                            and now - self._failing_since >= self.policy.budget_s)
        if trouble is not Trouble.NONE and not shown:
            return  # still within the retry budget: nothing to tell yet
        self._trouble = trouble
        self._detail = detail
        self._publish()

    def _publish(self) -> None:
        with self._cond:
            pending = len(self._queue) + len(self._stuck)
        trouble = self._trouble
        if trouble is Trouble.NONE and self._db is not None and self._db.read_only:
            trouble = Trouble.READ_ONLY
        if trouble in (Trouble.NONE, Trouble.OPENING) and self.journal is not None \
                and self.journal.reserve_used:
            trouble = Trouble.DISK_FULL  # saving goes on in the reserve: say so now
        status = StorageStatus(trouble, self._journal_ok, pending, self.where,
                               self._detail if trouble is Trouble.FAILED else "")
        if status == self._status:
            return
        self._status = status
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:  # a display problem must not stop the writer
                log.exception("storage status listener failed")

    def _changed(self, merged: _Merged) -> None:
        if self.on_change is None:
            return
        try:
            self.on_change({"sessions": sorted(merged.sessions), "red_flags": merged.red_flags,
                            "acks": merged.acks, "ended": merged.ended})
        except Exception:  # a display problem must not stop the writer
            log.exception("storage change listener failed")

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

    # -- the command line ------------------------------------------------------------------------
    def merge_now(self) -> int:
        """Open, merge what earlier runs left, mark abandoned sessions: on this thread
        (the command line). Returns how many entries were merged; raises DatabaseError if
        the database cannot be opened. A read-only database is left as it is."""
        if self._db is None and not self._try_open(self.policy.busy_timeout_ms * 5):
            raise DatabaseError(self.open_error)
        assert self._db is not None
        if self._db.read_only:
            return 0
        try:
            self._startup()
        except Exception as exc:
            log.warning("journal not merged now: %s", exc)
        return self.merged_old

    def unmerged_elsewhere(self) -> int:
        """Journal entries of earlier runs not in the database yet (the CLI tells the count)."""
        if self.journal_dir is None:
            return 0
        files, _ = read_folder(self.journal_dir)
        own = self.journal.run if self.journal is not None else ""
        return sum(len(f.unmerged) for f in files
                   if (f.header is None or f.header.run != own) and self._ours(f))


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
