"""The history store's red-flag gate: the latest stop from the database, the unmerged
journal and this run's memory, and its confirmation (journal first).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from companion.errors import KnownError
from companion.storage.connect import sqlite_path
from companion.storage.journal import JournalError
from companion.storage.journal_file import Ack, Entry, read_folder
from companion.storage.opening import (
    DatabaseError,
)
from companion.storage.recovery import RecoveryMarker, confirm, read_marker
from companion.storage.repository import RedFlagStop
from companion.storage.store_state import (
    UNKNOWN,
    DbStop,
    GateState,
    StoreState,
    _Pending,
    _stops_in,
    _Unknown,
    _when,
)

log = logging.getLogger(__name__)


class RedFlagGate(StoreState):
    """The red-flag gate: database, unmerged journal and this run's memory."""

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
        marker = self.recovery()
        if marker is not None and marker.pending_for(self.profile_name):
            # the old history is out of reach: a stop in it cannot be ruled out
            when = marker.when_text()
            return GateState(None, False, "your history was damaged and set aside"
                             + (f" on {when}" if when else "")
                             + ": a red-flag stop recorded before then may be lost",
                             set_aside=when or "a day not known")
        if not self._journal_ok and (self._db is None or self._db.read_only):
            # nothing can be kept here: a red flag of an earlier run may have been lost
            return GateState(None, False, self.journal_problem or "nothing can be saved here")
        if not db_known:
            return GateState(None, False, self.open_error or "the history cannot be read")
        if problems:
            return GateState(None, False, "; ".join(problems))
        return GateState(None, True)

    def recovery(self) -> RecoveryMarker | None:
        """The marker of a damaged history set aside (SQLite only), else None."""
        path = sqlite_path(self.url)
        return read_marker(path) if path is not None else None

    def _confirm_recovery(self, text: str) -> bool:
        marker = self.recovery()
        if marker is None or not marker.pending_for(self.profile_name):
            return True
        path = sqlite_path(self.url)
        assert path is not None
        try:
            confirm(path, self.profile_name, text, self._now())
        except KnownError as exc:  # asked again next time
            log.warning("the confirmation after a recovered history was not kept: %s", exc)
            return False
        return True

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
        The one exception is a history set aside as damaged: the answer goes into its
        recovery marker (`companion.storage.recovery`), which then stops asking.
        """
        if stop is None:
            return self._confirm_recovery(text)
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
