"""The app's history for the screens: the storage `HistoryStore` seen from the GUI thread.

Events are recorded through the store's journal (durable at once) and committed by its
background writer. Reads the screens need (this week's count, today's suggestion, the
latest screening, the red-flag gate's database half) are fetched off the GUI thread with
`QueryOp` and cached; `changed` fires when they may differ, `status_changed` when saving
runs into trouble (the banner shows it at once) or recovers. The in-memory history in
`companion.ui.services.container` is for tests only: the app always has this one, with its gate,
even when the database cannot be opened.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.config import Paths
from companion.core.routine import Routine
from companion.errors import KnownError
from companion.qt.core import QObject, Signal
from companion.storage import Database
from companion.storage import repository as repo
from companion.storage.connect import sqlite_path
from companion.storage.profiles import ProfileInfo
from companion.storage.repository import RedFlagStop, ScreeningRecord
from companion.storage.status import StorageStatus
from companion.storage.store import HistoryStore, JournaledRecorder
from companion.storage.store_state import UNKNOWN, DbStop, GateState
from companion.ui.adapters.operations import QueryOp

if TYPE_CHECKING:
    from companion.storage.access import Opened

log = logging.getLogger(__name__)


class _Snapshot:
    """What the screens read, fetched together off the GUI thread."""

    def __init__(self, week: int, suggested: str | None, screening: ScreeningRecord | None,
                 stop: DbStop, week_with_breathing: int | None = None) -> None:
        self.week = week
        self.suggested = suggested
        self.screening = screening
        self.stop = stop
        self.week_with_breathing = week if week_with_breathing is None else week_with_breathing

    def same_as(self, other: _Snapshot | None) -> bool:
        """Every value the screens read is the same as in `other`."""
        return other is not None and (
            self.week, self.week_with_breathing, self.suggested, self.screening, self.stop
        ) == (other.week, other.week_with_breathing, other.suggested, other.screening,
              other.stop)

    @classmethod
    def read(cls, db: Database) -> _Snapshot:
        """Everything the screens read, in one go (a few ms on a local file)."""
        rows = db.history(limit=10)  # the last workout's routine: breathing suggests none
        suggested = next((r.routine_id for r in rows if not r.is_breathing), None)
        return cls(db.sessions_this_week(), suggested, db.latest_screening(),
                   db.latest_red_flag_stop(),
                   db.sessions_this_week(kinds=repo.WITH_BREATHING))


class DatabaseHistory(QObject):
    """The start and end screens' view of the history, and the red-flag gate's source.

    Signals (GUI thread): `status_changed(StorageStatus)`, `changed()` (re-read counts and
    the profile), `ready()` (the database is open; fired once).
    """

    status_changed = Signal(object)
    changed = Signal()
    ready = Signal()
    _status_from_writer = Signal(object)
    _change_from_writer = Signal(object)

    def __init__(self, source: HistoryStore | Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if isinstance(source, Database):
            if source.journal_dir is None:
                raise ValueError("a Database opened without a data dir has no journal")
            source = HistoryStore(source.url, source.journal_dir, db=source)
        self.store = source
        #: the data dir seen from this history's profile (its folder of files)
        self.paths: Paths | None = None
        self.opened_problems: list[str] = []
        self._snapshot: _Snapshot | None = None
        self._loading = False
        self._again = False
        self._must_emit = False  # a read was asked for that fires `changed` whatever it finds
        self._was_ready = source.db is not None
        # the writer thread's callbacks become queued signals to this (GUI) thread
        self._status_from_writer.connect(self._on_status)
        self._change_from_writer.connect(self._on_change)
        source.on_status = self._status_from_writer.emit
        source.on_change = self._change_from_writer.emit
        source.start()
        if source.db is not None:
            self.refresh()

    @classmethod
    def open(cls, paths: Paths, url: str, parent: QObject | None = None) -> DatabaseHistory:
        """The app's history for `url` (its first profile): opened now when it is a local
        file that opens at once, else by the writer in the background (the status says
        why it waits)."""
        store = HistoryStore(url, paths.data_dir / "journal", paths=paths)
        if sqlite_path(url) is not None:
            store.open_now()
        return cls(store, parent)

    @classmethod
    def open_profile(cls, paths: Paths, db: str | None, profile: str | None,
                     parent: QObject | None = None) -> DatabaseHistory:
        """The app's history for one profile (`--profile NAME`, else the first): see
        `companion.storage.access.open_history_store`. Raises ProfileUnavailable /
        ProfileError (KnownErrors) when that profile cannot be opened nor found."""
        from companion.storage.access import open_history_store

        return cls.from_opened(open_history_store(paths, db, profile), parent)

    @classmethod
    def from_opened(cls, opened: Opened, parent: QObject | None = None,
                    first_read: object = None) -> DatabaseHistory:
        """The app's history around a store `open_history_store` opened (perhaps on a
        worker thread: this part makes the Qt objects, so call it on the GUI thread).
        `first_read`: `first_read(opened)` made on that worker (None: read when needed)."""
        history = cls(opened.store, parent)
        history.paths = opened.paths
        history.opened_problems = opened.problems
        if isinstance(first_read, _Snapshot) and history._snapshot is None:
            history._snapshot = first_read
        return history

    @staticmethod
    def first_read(opened: Opened) -> object:
        """What the start screen reads first (counts, suggestion, screening, the gate's
        database half), for a worker thread; None when the database is not open or cannot
        be read (the app then reads in the background as usual)."""
        db = opened.store.db
        if db is None:
            return None
        try:
            return _Snapshot.read(db)
        except Exception as exc:  # read again on the GUI side's own schedule
            log.warning("history could not be read: %s", exc)
            return None

    # -- state ---------------------------------------------------------------------------------
    @property
    def db(self) -> Database | None:
        """The storage Database once open (the history window reads it off the GUI thread)."""
        return self.store.db

    @property
    def status(self) -> StorageStatus:
        return self.store.status

    @property
    def person(self) -> ProfileInfo | None:
        """Whose history this is, once the database has said (None before it opens)."""
        db = self.store.db
        return db.profile if db is not None else None

    @property
    def person_name(self) -> str:
        """The profile's name, known before the database opens when this computer knows
        the profile ("" when not known yet)."""
        return self.store.profile_name or ""

    def problems(self) -> list[str]:
        """Start-up messages: a damaged file set aside, a database that will not open."""
        out = list(self.opened_problems)
        if self.store.recovered is not None:
            out.append(str(self.store.recovered))
        if self.store.db is None and self.store.open_error:
            out.append(f"Your history cannot be opened yet: {self.store.open_error}")
        return out

    def _on_status(self, status: StorageStatus) -> None:
        if not self._was_ready and self.store.db is not None:
            self._was_ready = True
            self.ready.emit()
            self.refresh()
        self.status_changed.emit(status)

    def _on_change(self, _what: dict[str, Any]) -> None:
        if not self._was_ready and self.store.db is not None:
            self._was_ready = True
            self.ready.emit()
        self.refresh()

    def refresh(self, *, if_changed: bool = False) -> None:
        """Re-read counts, suggestion, screening and the gate's database half (off thread);
        `changed` follows. With `if_changed` (the window is active again: another process
        may have written) `changed` follows only when what was read differs from before,
        so coming back to the window starts no other reads when nothing changed."""
        db = self.store.db
        if db is None:
            return
        if not if_changed:
            self._must_emit = True
        if self._loading:  # one read at a time; the newest change gets a read after it
            self._again = True
            return
        self._loading = True
        self._again = False
        must_emit, self._must_emit = self._must_emit, False

        def load() -> _Snapshot:
            return _Snapshot.read(db)

        def done(snap: _Snapshot) -> None:
            self._loading = False
            before, self._snapshot = self._snapshot, snap
            if must_emit or not snap.same_as(before):
                self.changed.emit()
            if self._again:  # what was asked meanwhile (`_must_emit` says whether it fires)
                self.refresh(if_changed=True)

        def failed(exc: Exception) -> None:
            self._loading = False
            log.warning("history could not be read: %s", exc)
            if self._again:  # what was asked meanwhile (`_must_emit` says whether it fires)
                self.refresh(if_changed=True)

        QueryOp(parent=self, op=load, success=done).failure(failed).run_in_background()

    def _read_now(self) -> _Snapshot | None:
        """Before the first background read lands: a local file is read at once (a few
        milliseconds, and a WAL reader never waits for a writer); a server is not."""
        if self._snapshot is not None:
            return self._snapshot
        db = self.store.db
        if db is None or not db.url.startswith("sqlite"):
            return None
        try:
            self._snapshot = _Snapshot.read(db)
        except Exception as exc:  # reported by the caller's fallback
            log.warning("history could not be read: %s", exc)
            return None
        return self._snapshot

    # -- the History protocol ------------------------------------------------------------------
    def sessions_this_week(self, now: dt.datetime | None = None, *,
                           count_breathing: bool = False) -> int:
        """Completed workouts this week; breathing sessions too with `count_breathing`."""
        if now is not None and self.store.db is not None:
            kinds = repo.WITH_BREATHING if count_breathing else repo.COUNTED_KINDS
            return self.store.db.sessions_this_week(now, kinds=kinds)
        snap = self._read_now()
        if snap is None:
            return 0
        return snap.week_with_breathing if count_breathing else snap.week

    def suggested_routine_id(self) -> str | None:
        snap = self._read_now()
        return snap.suggested if snap is not None else None

    def recorder_for(self, routine: Routine,
                     snapshot: dict[str, Any] | None = None) -> JournaledRecorder:
        return self.store.recorder(routine, snapshot=snapshot)

    # -- the journal note (issue 20) -------------------------------------------------------------
    def save_note(self, session: int | str, text: str,
                  done: Callable[[str], None] | None = None) -> None:
        """Store the user's note for a session, off the GUI thread; `done("")` when it is
        in the database, `done(problem)` when it cannot be (the caller keeps the text).

        `session` is the database id, or the session's journal key while the writer may
        not have stored the session yet (it is flushed first).
        """
        store = self.store

        def save() -> None:
            db = store.db
            if db is None:
                raise KnownError("your history cannot be written right now")
            sid = session if isinstance(session, int) else store.session_id(session)
            if sid is None:
                store.flush(timeout=5.0)  # the session itself is still on its way
                sid = store.session_id(str(session))
            if sid is None:
                raise KnownError("this session is not in your history yet")
            db.save_note(sid, text)

        def saved(_result: object) -> None:
            if done is not None:
                done("")

        def failed(exc: Exception) -> None:
            log.warning("the note could not be saved: %s", exc)
            if done is not None:
                done(f"Your note could not be saved ({exc}). It is still here; it is saved "
                     "again when you change it or leave this screen.")

        QueryOp(parent=self, op=save, success=saved).failure(failed).run_in_background()

    # -- the red-flag gate (companion.ui.shell.gates.red_flag_gate) ----------------------------
    def red_flag_check(self) -> GateState:
        """Database (cached, or read now for a local file) + journal + this run's memory."""
        snap = self._read_now()
        return self.store.gate_state(snap.stop if snap is not None else UNKNOWN)

    def history_set_aside(self) -> bool:
        """True when a damaged history file was set aside for this one (its marker is
        there: `companion.storage.recovery`)."""
        return self.store.recovery() is not None

    def acknowledge_stop(self, stop: RedFlagStop | None, text: str) -> bool:
        """Store a confirmation (in the journal at once; the database follows)."""
        durable = self.store.acknowledge(stop, text)
        if self._snapshot is not None and stop is not None and self._snapshot.stop is not None:
            stored, _acked = self._snapshot.stop
            if stop.same_session(stored.session_id, stored.journal_key):
                self._snapshot.stop = (stored, True)
        return durable

    def pending_red_flag_ack(self) -> RedFlagStop | None:
        """The stop to confirm, if any (the older gate API)."""
        return self.red_flag_check().stop

    def acknowledge_red_flag(self, session_id: int, text: str) -> None:
        state = self.red_flag_check()
        if state.stop is not None and state.stop.session_id == session_id:
            self.acknowledge_stop(state.stop, text)
        else:
            self.acknowledge_stop(RedFlagStop(session_id, "", dt.datetime.now(dt.UTC), ()),
                                  text)

    # -- screening (companion.ui.shell.gates) --------------------------------------------------
    def latest_screening(self) -> Any:
        """The latest screening (cached); raises KnownError while the history cannot be read
        (the caller then takes the careful path)."""
        snap = self._read_now()
        if snap is None:
            raise KnownError("your history cannot be read right now")
        return snap.screening

    def save_screening(self, answers: dict[str, Any], acknowledgement: str | None = None,
                       taken_at: dt.datetime | None = None) -> Any:
        """Store a screening (on the calling thread: run it through QueryOp from the GUI)."""
        db = self.store.db
        if db is None:
            raise KnownError("your history cannot be written right now")
        record = db.save_screening(answers, acknowledgement, taken_at)
        if self._snapshot is not None:
            self._snapshot.screening = record
        return record

    def close(self) -> None:
        """Let the writer save what it can (a few seconds at most); the rest stays in the
        journal and is merged at the next start."""
        if not self.store.close(timeout=3.0):
            log.warning("closing with %d event(s) not in the database yet: they are kept in "
                        "the journal (%s)", self.store.pending, self.store.journal_dir)

    @property
    def unsaved(self) -> int:
        return self.store.pending

    @property
    def journal_dir(self) -> Path | None:
        return self.store.journal_dir
