"""The safety records: screenings and their acknowledgement, red-flag stops and their
confirmation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from companion.storage.models import (
    RedFlagAckRow,
    RedFlagRow,
    ScreeningRow,
    SessionRow,
)
from companion.storage.repository.records import RedFlagStop, ScreeningRecord
from companion.storage.repository.sessions import own_sessions


# -- screening -----------------------------------------------------------------------------
def _screening(r: ScreeningRow) -> ScreeningRecord:
    return ScreeningRecord(r.id, r.answers, r.taken_at, r.acknowledgement, r.acknowledged_at)


def save_screening(
    s: Session,
    pid: int,
    answers: dict[str, Any],
    taken_at: datetime,
    acknowledgement: str | None = None,
    acknowledged_at: datetime | None = None,
) -> ScreeningRecord:
    row = ScreeningRow(profile_id=pid, answers=answers, taken_at=taken_at,
                       acknowledgement=acknowledgement, acknowledged_at=acknowledged_at)
    s.add(row)
    s.flush()
    return _screening(row)


def acknowledge_screening(s: Session, pid: int, screening_id: int, text: str,
                          at: datetime) -> None:
    row = s.get(ScreeningRow, screening_id)
    if row is None or row.profile_id != pid:
        raise LookupError(f"no screening {screening_id}")
    row.acknowledgement = text
    row.acknowledged_at = at


def latest_screening(s: Session, pid: int) -> ScreeningRecord | None:
    row = s.scalars(select(ScreeningRow).where(ScreeningRow.profile_id == pid)
                    .order_by(ScreeningRow.taken_at.desc(), ScreeningRow.id.desc())
                    .limit(1)).first()
    return _screening(row) if row is not None else None


# -- red-flag acknowledgement ----------------------------------------------------------------
def latest_red_flag_stop(s: Session, pid: int) -> tuple[RedFlagStop, bool] | None:
    """Profile `pid`'s most recent session with a red flag, and whether it has been
    confirmed (another person's red flag never gates this one)."""
    latest = s.execute(
        select(RedFlagRow.session_id, func.max(RedFlagRow.raised_at).label("at"))
        .where(RedFlagRow.session_id.in_(own_sessions(pid)))
        .group_by(RedFlagRow.session_id)
        .order_by(func.max(RedFlagRow.raised_at).desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    sid, raised = latest[0], latest[1]
    acked = s.scalar(select(func.count()).select_from(RedFlagAckRow)
                     .where(RedFlagAckRow.session_id == sid))
    session = s.get(SessionRow, sid)
    assert session is not None
    symptoms = tuple(s.scalars(select(RedFlagRow.symptom).where(RedFlagRow.session_id == sid)
                               .order_by(RedFlagRow.raised_at, RedFlagRow.id)))
    stop = RedFlagStop(sid, session.routine_name, session.ended_at or raised, symptoms,
                       session.journal_key, raised)
    return stop, bool(acked)


def last_unacknowledged_red_flag_stop(s: Session, pid: int) -> RedFlagStop | None:
    """The most recent session with a red flag, if nobody has confirmed it since.

    Only the latest red-flag session matters: once it is acknowledged, older ones are too.
    """
    found = latest_red_flag_stop(s, pid)
    if found is None or found[1]:
        return None
    return found[0]


def acknowledge_red_flag(s: Session, pid: int, session_id: int, text: str,
                         at: datetime) -> None:
    """Confirm the red-flag stop of one of profile `pid`'s sessions (LookupError if not
    its session)."""
    owner = s.scalar(select(SessionRow.profile_id).where(SessionRow.id == session_id))
    if owner != pid:
        raise LookupError(f"no session {session_id}")
    s.add(RedFlagAckRow(session_id=session_id, text=text, acknowledged_at=at))
    s.flush()


def red_flag_confirmations(s: Session, pid: int, session_ids: set[int]
                           ) -> dict[int, tuple[datetime, str]]:
    """Session id -> (when, the words) of the first confirmation stored for its red-flag
    stop (table `red_flag_acks`), for those of `session_ids` that are profile `pid`'s."""
    if not session_ids:
        return {}
    stmt = (select(RedFlagAckRow.session_id, RedFlagAckRow.acknowledged_at, RedFlagAckRow.text)
            .where(RedFlagAckRow.session_id.in_(session_ids),
                   RedFlagAckRow.session_id.in_(own_sessions(pid)))
            .order_by(RedFlagAckRow.acknowledged_at, RedFlagAckRow.id))
    found: dict[int, tuple[datetime, str]] = {}
    for sid, at, text in s.execute(stmt):
        found.setdefault(int(sid), (at, text or ""))
    return found
