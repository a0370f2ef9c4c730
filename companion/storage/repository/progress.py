"""How the history reads for progress: recent efforts per exercise and sessions per week."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

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

    Only completed workouts count by default: the weekly goal is about sessions done
    (`kinds=WITH_BREATHING` counts breathing sessions too).
    """
    tz = tz or UTC
    this_monday = _monday(now.astimezone(tz).date())
    first = this_monday - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    counts: dict[date, int] = {first + timedelta(weeks=i): 0 for i in range(weeks)}
    started = s.scalars(select(SessionRow.started_at).where(
        SessionRow.profile_id == pid, SessionRow.started_at >= since,
        SessionRow.status.in_(statuses), SessionRow.kind.in_(kinds)))
    for at in started:
        monday = _monday(at.astimezone(tz).date())
        if monday in counts:
            counts[monday] += 1
    return [WeekCount(d, n) for d, n in sorted(counts.items())]


def sessions_this_week(s: Session, pid: int, now: datetime, tz: tzinfo | None = None,
                       statuses: tuple[str, ...] = COUNTED,
                       kinds: tuple[str, ...] = COUNTED_KINDS) -> int:
    return weekly_counts(s, pid, 1, now, tz, statuses, kinds)[0].sessions
