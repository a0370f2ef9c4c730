"""The history store's writer thread: merge what earlier runs left in their journals, then
commit this run's journal entries to the database in order, in batches, with retries.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace

from sqlalchemy import Connection

from companion.core.events import (
    RedFlagRaised,
    SessionEnded,
    SessionStarted,
    SymptomSpecified,
)
from companion.storage.connect import checkpoint, device_name, sqlite_path, writable
from companion.storage.journal_file import (
    JournalFile,
    read_folder,
    remove_if_merged,
)
from companion.storage.liveness import mark_interrupted, pid_alive
from companion.storage.opening import DatabaseError
from companion.storage.recorder import (
    EVENT_SQL,
    Origin,
    insert_ack,
    insert_session,
    session_for_key,
    touch_if_new,
)
from companion.storage.status import Trouble, is_transient
from companion.storage.store_state import (
    MissingSession,
    StoreState,
    _append_merged,
    _kind,
    _Merged,
    _Pending,
)

log = logging.getLogger(__name__)


class WriterThread(StoreState):
    """The writer thread: earlier runs merged first, then this run, in order."""

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
        before profiles, or before the profile was known) names none, or it was written
        in this profile's folder against the damaged database that was set aside (its
        profile keys died with it: a red flag not yet saved there would be lost)."""
        h = jf.header
        key = self._db.profile.key if self._db is not None else self.profile_key
        if h is None or h.profile is None or key is None or h.profile == key:
            return True
        marker = self.recovery() if h.db == self.db_key else None
        return (marker is not None and marker.at is not None and h.pid_started is not None
                and h.pid_started < marker.at.timestamp())

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
