"""Write a running session to the database, one commit per event, as it happens.

`SessionRecorder` is an engine listener (`engine.subscribe(recorder)`). The engine delivers
each event to every listener before the next one, and calls the recorder synchronously, so
when `RedFlagRaised` returns, the stop and its symptom are already committed: the stop
message and the safety screen come after. Core events carry only session-relative `t`;
the wall-clock UTC time of each row is stamped here.
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

from companion.core.events import (
    AmberSign,
    CheckinAnswered,
    CheckinStalled,
    EffortRecorded,
    Event,
    MoodRecorded,
    Paused,
    RedFlagRaised,
    RestExtended,
    Resumed,
    SessionEnded,
    SessionStarted,
    SetFinished,
    Skipped,
    SymptomSpecified,
)
from companion.core.routine import Routine
from companion.storage.db import checkpoint, device_name
from companion.storage.models import (
    CheckinRow,
    EventKind,
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
    """What the recorder has just made durable (for progress displays and the kill test)."""

    event: Event
    session_id: int
    count: int


class SessionRecorder:
    """Records one session. Construct it with the routine being run, then subscribe it.

    `on_commit` is called after each commit with what was written; `commits` counts them.
    A write that fails is logged and does not stop the session (the engine guards its
    listeners); the next event is still recorded.
    """

    def __init__(
        self,
        engine: Engine,
        routine: Routine,
        *,
        on_commit: Callable[[Committed], None] | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self._routine = routine
        self._on_commit = on_commit
        self._now = now
        self.session_id: int | None = None
        self.commits = 0
        self._handlers: dict[type[Event], Callable[[Connection, Any, datetime], None]] = {
            SetFinished: self._set_finished,
            CheckinAnswered: self._checkin,
            EffortRecorded: self._effort,
            AmberSign: self._amber,
            RedFlagRaised: self._red_flag,
            SymptomSpecified: self._symptom,
            Paused: self._paused,
            Resumed: self._resumed,
            Skipped: self._skipped,
            RestExtended: self._rest_extended,
            CheckinStalled: self._stalled,
            MoodRecorded: self._mood,
            SessionEnded: self._ended,
        }

    def __call__(self, event: Event) -> None:
        if isinstance(event, SessionStarted):
            self._start(event)
            return
        handler = self._handlers.get(type(event))
        if handler is None:
            return
        if self.session_id is None:
            log.warning("%s before SessionStarted: not recorded", type(event).__name__)
            return
        now = self._now()
        # Core statements on one short transaction: this runs on the GUI thread for every
        # event, and the ORM unit of work would triple its cost (bench: event_commit_p99_ms).
        with self._engine.begin() as conn:
            handler(conn, event, now)
            conn.execute(_TOUCH, {"sid_": self.session_id, "at_": now})
        self._committed(event)
        if isinstance(event, SessionEnded):
            checkpoint(self._engine)  # a calm moment to fold the WAL into the file

    def _committed(self, event: Event) -> None:
        self.commits += 1
        assert self.session_id is not None
        if self._on_commit is not None:
            self._on_commit(Committed(event, self.session_id, self.commits))

    # -- one method per event ------------------------------------------------------------------
    def _start(self, ev: SessionStarted) -> None:
        if self.session_id is not None:
            log.warning("second SessionStarted for one recorder: ignored")
            return
        now = self._now()
        with self._engine.begin() as conn:
            result = conn.execute(insert(SessionRow).values(
                routine_id=ev.routine_id,
                routine_name=ev.routine_name,
                routine_snapshot=routine_snapshot(self._routine),
                set_count=ev.set_count,
                started_at=now,
                last_event_at=now,
                status=SessionStatus.IN_PROGRESS.value,
                device=device_name(),
                pid=os.getpid(),
                error="",
            ))
            key = result.inserted_primary_key
            assert key is not None
            self.session_id = int(key[0])
        self._committed(ev)

    def _event_row(self, conn: Connection, kind: EventKind, ev: Event, now: datetime, *,
                   state: str = "", set_no: int | None = None, seconds: float | None = None,
                   detail: str = "") -> None:
        conn.execute(_INSERT_EVENT, {
            "session_id": self.session_id, "kind": kind.value, "at": now,
            "session_seconds": ev.t, "state": state, "set_no": set_no, "seconds": seconds,
            "detail": detail})

    def _set_finished(self, conn: Connection, ev: SetFinished, now: datetime) -> None:
        conn.execute(_INSERT_SET, {
            "session_id": self.session_id, "set_no": ev.set_no, "round": ev.round,
            "exercise": ev.exercise, "planned_reps": ev.planned_reps,
            "planned_seconds": ev.planned_seconds, "actual_reps": ev.actual_reps,
            "actual_seconds": ev.actual_seconds, "effort": None, "skipped": ev.skipped,
            "capped": ev.capped, "amber": False, "finished_at": now, "session_seconds": ev.t,
        })

    def _checkin(self, conn: Connection, ev: CheckinAnswered, now: datetime) -> None:
        conn.execute(_INSERT_CHECKIN, {
            "session_id": self.session_id, "set_no": ev.set_no, "question": ev.question,
            "answer": ev.answer, "answered_at": now, "session_seconds": ev.t})

    def _set_where(self, set_no: int) -> Any:
        return update(SetRow).where(SetRow.session_id == self.session_id,
                                    SetRow.set_no == set_no)

    def _effort(self, conn: Connection, ev: EffortRecorded, now: datetime) -> None:
        stmt = _SET_EFFORT_AMBER if ev.amber else _SET_EFFORT
        params = {"sid_": self.session_id, "no_": ev.set_no, "effort_": ev.effort}
        if conn.execute(stmt, params).rowcount == 0:
            log.warning("effort for set %s, which has no stored row", ev.set_no)

    def _amber(self, conn: Connection, ev: AmberSign, now: datetime) -> None:
        conn.execute(self._set_where(ev.set_no).values(amber=True))
        self._event_row(conn, EventKind.AMBER, ev, now, set_no=ev.set_no,
                        seconds=ev.extra_rest, detail=ev.suggestion)

    def _red_flag(self, conn: Connection, ev: RedFlagRaised, now: datetime) -> None:
        conn.execute(insert(RedFlagRow).values(
            session_id=self.session_id, symptom=ev.symptom.value, raised_at=now,
            session_seconds=ev.t, engine_state=ev.state.value, set_no=ev.set_no,
            exercise=ev.exercise))
        # A red flag wins over however the session had ended (U on the end screen).
        conn.execute(update(SessionRow).where(SessionRow.id == self.session_id)
                     .values(status=SessionStatus.STOPPED_RED_FLAG.value))
        self._end(conn, SessionStatus.STOPPED_RED_FLAG, now)

    def _symptom(self, conn: Connection, ev: SymptomSpecified, now: datetime) -> None:
        flag_id = conn.scalar(select(RedFlagRow.id).where(RedFlagRow.session_id == self.session_id)
                              .order_by(RedFlagRow.id.desc()).limit(1))
        if flag_id is None:
            log.warning("symptom specified without a stored red flag")
            return
        conn.execute(update(RedFlagRow).where(RedFlagRow.id == flag_id)
                     .values(symptom=ev.symptom.value, specified_at=now))

    def _paused(self, conn: Connection, ev: Paused, now: datetime) -> None:
        self._event_row(conn, EventKind.PAUSED, ev, now, state=ev.state.value)

    def _resumed(self, conn: Connection, ev: Resumed, now: datetime) -> None:
        self._event_row(conn, EventKind.RESUMED, ev, now, state=ev.state.value,
                        seconds=ev.paused_for)

    def _skipped(self, conn: Connection, ev: Skipped, now: datetime) -> None:
        self._event_row(conn, EventKind.SKIPPED, ev, now, state=ev.state.value,
                        set_no=ev.set_no)

    def _rest_extended(self, conn: Connection, ev: RestExtended, now: datetime) -> None:
        self._event_row(conn, EventKind.REST_EXTENDED, ev, now, set_no=ev.set_no,
                        seconds=ev.seconds, detail=ev.reason)

    def _stalled(self, conn: Connection, ev: CheckinStalled, now: datetime) -> None:
        self._event_row(conn, EventKind.CHECKIN_STALLED, ev, now, set_no=ev.set_no)

    def _mood(self, conn: Connection, ev: MoodRecorded, now: datetime) -> None:
        column = "mood_before" if ev.when == "before" else "mood_after"
        conn.execute(update(SessionRow).where(SessionRow.id == self.session_id)
                     .values({column: ev.mood}))

    def _ended(self, conn: Connection, ev: SessionEnded, now: datetime) -> None:
        self._end(conn, SessionStatus(ev.status.value), now, ev.error)

    def _end(self, conn: Connection, status: SessionStatus, now: datetime,
             error: str = "") -> None:
        """Set how it ended, once: a red-flag stop is not overwritten by the end that follows."""
        where = SessionRow.id == self.session_id
        conn.execute(update(SessionRow).where(
            where, SessionRow.status == SessionStatus.IN_PROGRESS.value).values(
            status=status.value))
        conn.execute(update(SessionRow).where(where, SessionRow.ended_at.is_(None))
                     .values(ended_at=now))
        if error:
            conn.execute(update(SessionRow).where(where).values(error=error))
