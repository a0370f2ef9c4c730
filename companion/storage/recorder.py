"""Write a running session to the history: the SQL of each event, and two recorders.

`EventSQL` holds the statements each engine event becomes (one short transaction each).
`SessionRecorder` commits them directly, on the caller's thread: the building block, used
by tests and tools. The app records through `companion.storage.store.JournaledRecorder`,
which makes each event durable in the local journal first and leaves the commit to a
background writer that applies the same `EventSQL` (idempotently, see `apply_entry`).

Both are engine listeners (`engine.subscribe(recorder)`). The engine delivers each event
to every listener before the next one, so when `RedFlagRaised` returns the stop is durable:
the stop message and the safety screen come after. Core events carry only session-relative
`t`; the wall-clock UTC time of each row is stamped when the event happens.

A red flag wins: raised after the session ended (U on the end screen), it still sets the
session's status to `stopped_red_flag`, whatever the end was.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from companion.core import events as evt
from companion.core.events import Event, State
from companion.core.routine import Routine
from companion.storage.connect import checkpoint, device_name
from companion.storage.models import (
    CheckinRow,
    EventKind,
    RedFlagAckRow,
    RedFlagRow,
    SessionEventRow,
    SessionRow,
    SessionStatus,
    SetRow,
    utc_now,
)

log = logging.getLogger(__name__)


# The per-event statements, built once: building a statement and its cache key on every
# event cost as much as the commit itself (bench: event_commit_p99_ms).
_TOUCH = (update(SessionRow).where(SessionRow.id == bindparam("sid_"))
          .values(last_event_at=bindparam("at_")))
# The journal's idempotent touch: applies only when this entry is newer than the last one
# merged into the session (rowcount 0: it is in already).
_TOUCH_SEQ = (update(SessionRow).where(SessionRow.id == bindparam("sid_"),
                                       SessionRow.journal_seq < bindparam("seq_"))
              .values(last_event_at=bindparam("at_"), journal_seq=bindparam("seq_")))
_INSERT_SET = insert(SetRow)
_INSERT_CHECKIN = insert(CheckinRow)
_INSERT_EVENT = insert(SessionEventRow)
_SET_EFFORT = (update(SetRow)
               .where(SetRow.session_id == bindparam("sid_"), SetRow.set_no == bindparam("no_"))
               .values(effort=bindparam("effort_")))
_SET_EFFORT_AMBER = _SET_EFFORT.values(amber=True)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, paths and tuples -> plain JSON values (for the routine snapshot)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    return value


def routine_snapshot(routine: Routine) -> dict[str, Any]:
    snap = to_jsonable(routine)
    assert isinstance(snap, dict)
    return snap


@dataclass(frozen=True)
class Committed:
    """What the recorder has just made durable (for progress displays and the kill test).

    `session_id` is the database id once known (None while only in the journal); `key`
    is the session's journal key ("" for a direct recorder).
    """

    event: Event
    session_id: int | None
    count: int
    key: str = ""


@dataclass(frozen=True)
class Origin:
    """Who recorded a session (so a live one is never taken for an abandoned one)."""

    device: str
    pid: int | None
    pid_started: float | None = None

    @classmethod
    def here(cls, pid_started: float | None = None) -> Origin:
        return cls(device_name(), os.getpid(), pid_started)


def insert_session(conn: Connection, ev: evt.SessionStarted, snapshot: dict[str, Any],
                   at: datetime, origin: Origin, journal_key: str | None = None,
                   journal_seq: int = 0, *, profile_id: int) -> int:
    """Profile `profile_id`'s new session row, `in_progress`; returns its id."""
    result = conn.execute(insert(SessionRow).values(
        profile_id=profile_id,
        routine_id=ev.routine_id,
        routine_name=ev.routine_name,
        routine_snapshot=snapshot,
        set_count=ev.set_count,
        kind=ev.kind,
        started_at=at,
        last_event_at=at,
        status=SessionStatus.IN_PROGRESS.value,
        device=origin.device,
        pid=origin.pid,
        pid_started=origin.pid_started,
        error="",
        journal_key=journal_key,
        journal_seq=journal_seq,
    ))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


class EventSQL:
    """The statements one recorded event becomes, for one session (no commit here)."""

    def __init__(self) -> None:
        self._handlers: dict[type[Event], Callable[[Connection, int, Any, datetime], None]] = {
            evt.SetFinished: self._set_finished,
            evt.CheckinAnswered: self._checkin,
            evt.EffortRecorded: self._effort,
            evt.AmberSign: self._amber,
            evt.RedFlagRaised: self._red_flag,
            evt.SymptomSpecified: self._symptom,
            evt.Paused: self._paused,
            evt.Resumed: self._resumed,
            evt.Skipped: self._skipped,
            evt.RestExtended: self._rest_extended,
            evt.CheckinStalled: self._stalled,
            evt.MoodRecorded: self._mood,
            evt.SessionEnded: self._ended,
        }

    def records(self, event: Event) -> bool:
        return type(event) in self._handlers

    def apply(self, conn: Connection, sid: int, event: Event, at: datetime) -> None:
        self._handlers[type(event)](conn, sid, event, at)

    def _event_row(self, conn: Connection, sid: int, kind: EventKind, ev: Event,
                   at: datetime, *, state: str = "", set_no: int | None = None,
                   seconds: float | None = None, detail: str = "") -> None:
        conn.execute(_INSERT_EVENT, {
            "session_id": sid, "kind": kind.value, "at": at,
            "session_seconds": ev.t, "state": state, "set_no": set_no, "seconds": seconds,
            "detail": detail})

    def _set_finished(self, conn: Connection, sid: int, ev: evt.SetFinished, at: datetime) -> None:
        conn.execute(_INSERT_SET, {
            "session_id": sid, "set_no": ev.set_no, "round": ev.round,
            "exercise": ev.exercise, "planned_reps": ev.planned_reps,
            "planned_seconds": ev.planned_seconds, "actual_reps": ev.actual_reps,
            "actual_seconds": ev.actual_seconds, "effort": None, "skipped": ev.skipped,
            "capped": ev.capped, "amber": False, "finished_at": at, "session_seconds": ev.t,
        })

    def _checkin(self, conn: Connection, sid: int, ev: evt.CheckinAnswered, at: datetime) -> None:
        conn.execute(_INSERT_CHECKIN, {
            "session_id": sid, "set_no": ev.set_no, "question": ev.question,
            "answer": ev.answer, "answered_at": at, "session_seconds": ev.t})

    def _effort(self, conn: Connection, sid: int, ev: evt.EffortRecorded, at: datetime) -> None:
        stmt = _SET_EFFORT_AMBER if ev.amber else _SET_EFFORT
        params = {"sid_": sid, "no_": ev.set_no, "effort_": ev.effort}
        if conn.execute(stmt, params).rowcount == 0:
            log.warning("effort for set %s, which has no stored row", ev.set_no)

    def _amber(self, conn: Connection, sid: int, ev: evt.AmberSign, at: datetime) -> None:
        conn.execute(update(SetRow).where(SetRow.session_id == sid, SetRow.set_no == ev.set_no)
                     .values(amber=True))
        self._event_row(conn, sid, EventKind.AMBER, ev, at, set_no=ev.set_no,
                        seconds=ev.extra_rest, detail=ev.suggestion)

    def _red_flag(self, conn: Connection, sid: int, ev: evt.RedFlagRaised, at: datetime) -> None:
        conn.execute(insert(RedFlagRow).values(
            session_id=sid, symptom=ev.symptom.value, raised_at=at,
            session_seconds=ev.t, engine_state=ev.state.value, set_no=ev.set_no,
            exercise=ev.exercise, heard=ev.heard or None))
        # A red flag wins over any other end, also one recorded before it (U pressed on
        # the end screen): the session shows as stopped for a red flag, and the gate asks.
        where = SessionRow.id == sid
        if ev.state is not State.ENDED:
            _after_a_guess(conn, sid, at)
        conn.execute(update(SessionRow).where(
            where, SessionRow.status != SessionStatus.STOPPED_RED_FLAG.value).values(
            status=SessionStatus.STOPPED_RED_FLAG.value))
        conn.execute(update(SessionRow).where(where, SessionRow.ended_at.is_(None))
                     .values(ended_at=at))

    def _symptom(self, conn: Connection, sid: int, ev: evt.SymptomSpecified, at: datetime) -> None:
        flag_id = conn.scalar(select(RedFlagRow.id).where(RedFlagRow.session_id == sid)
                              .order_by(RedFlagRow.id.desc()).limit(1))
        if flag_id is None:
            log.warning("symptom specified without a stored red flag")
            return
        conn.execute(update(RedFlagRow).where(RedFlagRow.id == flag_id)
                     .values(symptom=ev.symptom.value, specified_at=at))

    def _paused(self, conn: Connection, sid: int, ev: evt.Paused, at: datetime) -> None:
        self._event_row(conn, sid, EventKind.PAUSED, ev, at, state=ev.state.value)

    def _resumed(self, conn: Connection, sid: int, ev: evt.Resumed, at: datetime) -> None:
        self._event_row(conn, sid, EventKind.RESUMED, ev, at, state=ev.state.value,
                        seconds=ev.paused_for)

    def _skipped(self, conn: Connection, sid: int, ev: evt.Skipped, at: datetime) -> None:
        self._event_row(conn, sid, EventKind.SKIPPED, ev, at, state=ev.state.value,
                        set_no=ev.set_no)

    def _rest_extended(self, conn: Connection, sid: int, ev: evt.RestExtended,
                       at: datetime) -> None:
        self._event_row(conn, sid, EventKind.REST_EXTENDED, ev, at, set_no=ev.set_no,
                        seconds=ev.seconds, detail=ev.reason)

    def _stalled(self, conn: Connection, sid: int, ev: evt.CheckinStalled, at: datetime) -> None:
        self._event_row(conn, sid, EventKind.CHECKIN_STALLED, ev, at, set_no=ev.set_no)

    def _mood(self, conn: Connection, sid: int, ev: evt.MoodRecorded, at: datetime) -> None:
        column = "mood_before" if ev.when == "before" else "mood_after"
        conn.execute(update(SessionRow).where(SessionRow.id == sid).values({column: ev.mood}))

    def _ended(self, conn: Connection, sid: int, ev: evt.SessionEnded, at: datetime) -> None:
        """How it ended, once: a red-flag stop is not overwritten by the end that follows."""
        where = SessionRow.id == sid
        guessed = _after_a_guess(conn, sid, at)
        conn.execute(update(SessionRow).where(
            where, SessionRow.status.in_(
                (SessionStatus.IN_PROGRESS.value, *guessed))).values(
            status=SessionStatus(ev.status.value).value))
        conn.execute(update(SessionRow).where(where, SessionRow.ended_at.is_(None))
                     .values(ended_at=at))
        if ev.error:
            conn.execute(update(SessionRow).where(where).values(error=ev.error))


EVENT_SQL = EventSQL()


def _after_a_guess(conn: Connection, sid: int, at: datetime) -> tuple[str, ...]:
    """A session marked `interrupted` by another process (`liveness.mark_interrupted`: its
    recorder looked dead) whose own events arrive later, from its journal: the mark was a
    guess, so it ends when those events say (a red-flag stop merged after the mark had
    lasted 0:00). Returns the statuses the real end may replace: ("interrupted",) then."""
    moved = conn.execute(update(SessionRow).where(
        SessionRow.id == sid, SessionRow.status == SessionStatus.INTERRUPTED.value,
        SessionRow.ended_at < at).values(ended_at=at)).rowcount
    return (SessionStatus.INTERRUPTED.value,) if moved else ()


def touch_if_new(conn: Connection, sid: int, seq: int, at: datetime) -> bool:
    """Record that journal entry `seq` is applied to session `sid`; False if it already was."""
    return bool(conn.execute(_TOUCH_SEQ, {"sid_": sid, "seq_": seq, "at_": at}).rowcount)


def session_for_key(conn: Connection, key: str, profile_id: int | None = None) -> int | None:
    """The stored session of journal key `key` (of profile `profile_id` only, if given)."""
    stmt = select(SessionRow.id).where(SessionRow.journal_key == key)
    if profile_id is not None:
        stmt = stmt.where(SessionRow.profile_id == profile_id)
    sid = conn.scalar(stmt)
    return int(sid) if sid is not None else None


def insert_ack(conn: Connection, sid: int, text: str, at: datetime) -> None:
    """A red-flag confirmation, once (merging the same journal entry again adds nothing)."""
    exists = conn.scalar(select(RedFlagAckRow.id).where(
        RedFlagAckRow.session_id == sid, RedFlagAckRow.acknowledged_at == at).limit(1))
    if exists is None:
        conn.execute(insert(RedFlagAckRow).values(session_id=sid, text=text,
                                                  acknowledged_at=at))


class SessionRecorder:
    """Records one session straight into the database, one commit per event.

    Construct it with the routine being run, then subscribe it. `on_commit` is called
    after each commit with what was written; `commits` counts them. A write that fails is
    logged and does not stop the session (the engine guards its listeners); the next event
    is still recorded. `snapshot` replaces the routine's own snapshot (a breathing session
    stores its pattern and length instead); the session's kind comes from
    `SessionStarted.kind`; `profile_id` is whose session it is. The app uses
    `JournaledRecorder` instead (durable whatever the database does); this one serves
    tests and tools.
    """

    def __init__(
        self,
        engine: Engine,
        routine: Routine,
        *,
        on_commit: Callable[[Committed], None] | None = None,
        now: Callable[[], datetime] = utc_now,
        snapshot: dict[str, Any] | None = None,
        profile_id: int,
    ) -> None:
        self._engine = engine
        self._profile_id = profile_id
        self._routine = routine
        self._snapshot = snapshot
        self._on_commit = on_commit
        self._now = now
        self.session_id: int | None = None
        self.commits = 0

    def __call__(self, event: Event) -> None:
        if isinstance(event, evt.SessionStarted):
            self._start(event)
            return
        if not EVENT_SQL.records(event):
            return
        if self.session_id is None:
            log.warning("%s before evt.SessionStarted: not recorded", type(event).__name__)
            return
        now = self._now()
        # Core statements on one short transaction (the ORM unit of work would triple the
        # cost; bench: event_commit_p99_ms).
        with self._engine.begin() as conn:
            EVENT_SQL.apply(conn, self.session_id, event, now)
            conn.execute(_TOUCH, {"sid_": self.session_id, "at_": now})
        self._committed(event)
        if isinstance(event, evt.SessionEnded):
            checkpoint(self._engine)  # a calm moment to fold the WAL into the file

    def _committed(self, event: Event) -> None:
        self.commits += 1
        if self._on_commit is not None:
            self._on_commit(Committed(event, self.session_id, self.commits))

    def _start(self, ev: evt.SessionStarted) -> None:
        if self.session_id is not None:
            log.warning("second evt.SessionStarted for one recorder: ignored")
            return
        now = self._now()
        with self._engine.begin() as conn:
            self.session_id = insert_session(
                conn, ev, self._snapshot if self._snapshot is not None
                else routine_snapshot(self._routine), now, Origin.here(),
                profile_id=self._profile_id)
        self._committed(ev)
