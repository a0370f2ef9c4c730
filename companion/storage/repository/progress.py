"""How the history reads for progress: recent efforts per exercise and sessions per week."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from companion.core.events import State
from companion.storage.models import (
    EventKind,
    RedFlagRow,
    SessionEventRow,
    SessionKind,
    SessionRow,
    SessionStatus,
    SetRow,
)
from companion.storage.repository.records import RecentEfforts, WeekCount


# -- progression ---------------------------------------------------------------------------
def recent_efforts(s: Session, pid: int, limit: int = 10) -> list[RecentEfforts]:
    """The last `limit` sessions (any routine), newest first, with per-exercise efforts.

    Three small queries whatever the history's length: the sessions, their sets, and the
    amber events (an amber sign may be recorded on a set or as an event).
    """
    heads = s.execute(
        select(SessionRow.id, SessionRow.routine_id, SessionRow.status)
        .where(SessionRow.profile_id == pid)
        .order_by(SessionRow.started_at.desc(), SessionRow.id.desc()).limit(limit)
    ).all()
    ids = [h.id for h in heads]
    if not ids:
        return []
    efforts: dict[int, dict[str, list[int | None]]] = defaultdict(lambda: defaultdict(list))
    amber: set[int] = set()
    for sid, exercise, effort, skipped, is_amber in s.execute(
        select(SetRow.session_id, SetRow.exercise, SetRow.effort, SetRow.skipped, SetRow.amber)
        .where(SetRow.session_id.in_(ids)).order_by(SetRow.session_id, SetRow.set_no)
    ):
        efforts[sid][exercise].append(None if skipped else effort)
        if is_amber:
            amber.add(sid)
    amber.update(s.scalars(select(SessionEventRow.session_id).where(
        SessionEventRow.session_id.in_(ids), SessionEventRow.kind == EventKind.AMBER.value)))
    flagged = set(s.scalars(select(RedFlagRow.session_id).where(RedFlagRow.session_id.in_(ids))))
    return [
        RecentEfforts(h.id, h.routine_id, h.status, h.id in amber,
                      h.id in flagged or h.status == SessionStatus.STOPPED_RED_FLAG.value,
                      {ex: tuple(v) for ex, v in efforts[h.id].items()})
        for h in heads
    ]


# -- consistency ---------------------------------------------------------------------------
COUNTED = (SessionStatus.COMPLETED.value,)
#: Session kinds that count toward the weekly goal by default: workouts (a breathing
#: session counts only when the user says so in Settings).
COUNTED_KINDS = (SessionKind.WORKOUT.value,)
WITH_BREATHING = (SessionKind.WORKOUT.value, SessionKind.BREATHING.value)


def counted_status(statuses: tuple[str, ...] = COUNTED) -> ColumnElement[bool]:
    """Which sessions count toward the weekly goal: a status in `statuses`; and, when
    completed sessions count, also one done to the end and then marked for a red flag (U
    on the end screen: the red flag wins the status, as it must for the gate, but the
    workout was done). "Done to the end": every red flag of it was raised once the
    session had ended, and a row is stored for every planned set (skipped ones included,
    as for any completed session). A session stopped early by a red flag never counts."""
    by_status = SessionRow.status.in_(statuses)
    if SessionStatus.COMPLETED.value not in statuses:
        return by_status
    raised_during = exists().where(RedFlagRow.session_id == SessionRow.id,
                                   RedFlagRow.engine_state != State.ENDED.value)
    sets_stored = (select(func.count(SetRow.id)).where(SetRow.session_id == SessionRow.id)
                   .scalar_subquery())
    done_then_flagged = and_(SessionRow.status == SessionStatus.STOPPED_RED_FLAG.value,
                             ~raised_during, sets_stored >= SessionRow.set_count)
    return or_(by_status, done_then_flagged)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_counts(
    s: Session,
    pid: int,
    weeks: int,
    now: datetime,
    tz: tzinfo | None = None,
    statuses: tuple[str, ...] = COUNTED,
    kinds: tuple[str, ...] = COUNTED_KINDS,
) -> list[WeekCount]:
    """Sessions per calendar week (Monday start, in `tz`), oldest first, ending this week.

    Only completed workouts count by default (see `counted_status`: a completed session
    marked for a red flag afterwards still counts): the weekly goal is about sessions
    done (`kinds=WITH_BREATHING` counts breathing sessions too).
    """
    tz = tz or UTC
    this_monday = _monday(now.astimezone(tz).date())
    first = this_monday - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    counts: dict[date, int] = {first + timedelta(weeks=i): 0 for i in range(weeks)}
    started = s.scalars(select(SessionRow.started_at).where(
        SessionRow.profile_id == pid, SessionRow.started_at >= since,
        counted_status(statuses), SessionRow.kind.in_(kinds)))
    for at in started:
        monday = _monday(at.astimezone(tz).date())
        if monday in counts:
            counts[monday] += 1
    return [WeekCount(d, n) for d, n in sorted(counts.items())]


def counted_sessions(s: Session, pid: int, since: datetime, until: datetime,
                     statuses: tuple[str, ...] = COUNTED) -> set[int]:
    """The ids of profile `pid`'s sessions started in [since, until) that count toward the
    weekly goal by `counted_status` (a completed session, or one done to the end and then
    marked for a red flag), whatever their kind."""
    return set(s.scalars(select(SessionRow.id).where(
        SessionRow.profile_id == pid, SessionRow.started_at >= since,
        SessionRow.started_at < until, counted_status(statuses))))


def sessions_this_week(s: Session, pid: int, now: datetime, tz: tzinfo | None = None,
                       statuses: tuple[str, ...] = COUNTED,
                       kinds: tuple[str, ...] = COUNTED_KINDS) -> int:
    return weekly_counts(s, pid, 1, now, tz, statuses, kinds)[0].sessions
