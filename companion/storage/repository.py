"""History queries. Each takes an open `Session` and never commits: the caller owns the
transaction (`with Session(engine) as s, s.begin():`), so one user action is one unit.

Every query is about one profile (`pid`, the `profiles.id` of whose history it is): nothing
here reads or changes another person's rows, whatever the database enforces itself.

Results are plain frozen dataclasses, safe to hand to the GUI thread after the session
closes (no lazy loading, no detached ORM objects).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

from sqlalchemy import Float, Integer, case, cast, delete, func, select
from sqlalchemy.orm import Session

from companion.core.events import SetCounts
from companion.storage.models import (
    NOTE_MAX_CHARS,
    CheckinRow,
    EventKind,
    RedFlagAckRow,
    RedFlagRow,
    ScreeningRow,
    SessionEventRow,
    SessionKind,
    SessionRow,
    SessionStatus,
    SetRow,
)


class HistoryRow(NamedTuple):
    """One line of the history list, aggregated in SQL.

    A NamedTuple rather than a frozen dataclass: built straight from the result row, it
    halves the time to load a long history (bench: history_query_ms, history_open_ms).
    """

    id: int
    routine_id: str
    routine_name: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    mood_before: int | None
    mood_after: int | None
    set_count: int
    sets_done: int
    sets_skipped: int
    avg_effort: float | None
    max_effort: int | None
    amber_count: int
    red_flag_count: int
    kind: str = SessionKind.WORKOUT.value  # rev 0004: "workout" or "breathing"
    note: str | None = None  # rev 0004: the user's journal note

    @property
    def is_breathing(self) -> bool:
        return self.kind == SessionKind.BREATHING.value

    @property
    def duration_seconds(self) -> float | None:
        if self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.started_at).total_seconds())


@dataclass(frozen=True)
class SetRecord(SetCounts):
    effort: int | None
    skipped: bool
    capped: bool
    amber: bool
    finished_at: datetime


@dataclass(frozen=True)
class RedFlagRecord:
    session_id: int
    symptom: str
    raised_at: datetime
    session_seconds: float
    engine_state: str
    set_no: int | None
    exercise: str | None


@dataclass(frozen=True)
class CheckinRecord:
    set_no: int
    question: str
    answer: str
    answered_at: datetime


@dataclass(frozen=True)
class EventRecord:
    kind: str
    at: datetime
    session_seconds: float
    state: str
    set_no: int | None
    seconds: float | None
    detail: str


@dataclass(frozen=True)
class SessionDetail:
    """Everything stored about one session."""

    row: HistoryRow
    routine_snapshot: dict[str, Any]
    error: str
    sets: tuple[SetRecord, ...]
    checkins: tuple[CheckinRecord, ...]
    red_flags: tuple[RedFlagRecord, ...]
    events: tuple[EventRecord, ...]
    note_at: datetime | None = None  # when the note was last written

    @property
    def note(self) -> str | None:
        return self.row.note


@dataclass(frozen=True)
class WeekCount:
    week_start: date  # the Monday, in the caller's time zone
    sessions: int


@dataclass(frozen=True)
class ScreeningRecord:
    id: int
    answers: dict[str, Any]
    taken_at: datetime
    acknowledgement: str | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class RedFlagStop:
    """A session stopped for a red flag whose follow-up confirmation is still missing.

    `session_id` is its database id (None while it is only in the local journal);
    `journal_key` its journal name (None for sessions recorded before the journal).
    `raised_at` is when the (last) red flag was raised.
    """

    session_id: int | None
    routine_name: str
    stopped_at: datetime
    symptoms: tuple[str, ...]
    journal_key: str | None = None
    raised_at: datetime | None = None

    def same_session(self, session_id: int | None, key: str | None) -> bool:
        return ((session_id is not None and session_id == self.session_id)
                or (key is not None and key == self.journal_key))


# -- history list --------------------------------------------------------------------------
def own_sessions(pid: int) -> Any:
    """The ids of profile `pid`'s sessions (a subquery)."""
    return select(SessionRow.id).where(SessionRow.profile_id == pid)


def _history_select(pid: int) -> Any:
    own = own_sessions(pid)
    sets = (
        select(
            SetRow.session_id.label("sid"),
            func.sum(case((SetRow.skipped, 0), else_=1)).label("done"),
            func.sum(case((SetRow.skipped, 1), else_=0)).label("skipped"),
            cast(func.avg(cast(SetRow.effort, Float)), Float).label("avg_effort"),
            func.max(SetRow.effort).label("max_effort"),
            func.sum(case((SetRow.amber, 1), else_=0)).label("amber"),
        )
        .where(SetRow.session_id.in_(own))
        .group_by(SetRow.session_id)
        .subquery()
    )
    flags = (
        select(RedFlagRow.session_id.label("sid"), func.count().label("n"))
        .where(RedFlagRow.session_id.in_(own))
        .group_by(RedFlagRow.session_id)
        .subquery()
    )
    return (
        select(
            SessionRow.id, SessionRow.routine_id, SessionRow.routine_name, SessionRow.started_at,
            SessionRow.ended_at, SessionRow.status, SessionRow.mood_before, SessionRow.mood_after,
            SessionRow.set_count,
            cast(func.coalesce(sets.c.done, 0), Integer),
            cast(func.coalesce(sets.c.skipped, 0), Integer),
            sets.c.avg_effort, sets.c.max_effort,
            cast(func.coalesce(sets.c.amber, 0), Integer),
            cast(func.coalesce(flags.c.n, 0), Integer),
            SessionRow.kind, SessionRow.note,
        )
        .outerjoin(sets, sets.c.sid == SessionRow.id)
        .outerjoin(flags, flags.c.sid == SessionRow.id)
        .where(SessionRow.profile_id == pid)
        .order_by(SessionRow.started_at.desc(), SessionRow.id.desc())
    )


def _history_row(r: Any) -> HistoryRow:
    return HistoryRow._make(r)  # the select's columns are in HistoryRow's field order


def history(s: Session, pid: int, limit: int | None = None, since: datetime | None = None,
            until: datetime | None = None) -> list[HistoryRow]:
    """Profile `pid`'s sessions newest first, with their set and red-flag totals.

    `since` / `until` bound the start time (inclusive / exclusive), e.g. a report's period.
    """
    stmt = _history_select(pid)
    if since is not None:
        stmt = stmt.where(SessionRow.started_at >= since)
    if until is not None:
        stmt = stmt.where(SessionRow.started_at < until)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [HistoryRow._make(r) for r in s.execute(stmt)]


def history_row(s: Session, pid: int, session_id: int) -> HistoryRow | None:
    r = s.execute(_history_select(pid).where(SessionRow.id == session_id)).first()
    return _history_row(r) if r is not None else None


def _set_record(r: SetRow) -> SetRecord:
    return SetRecord(r.set_no, r.round, r.exercise, r.planned_reps, r.planned_seconds,
                     r.actual_reps, r.actual_seconds, r.effort, r.skipped, r.capped, r.amber,
                     r.finished_at)


def _flag_record(r: RedFlagRow) -> RedFlagRecord:
    return RedFlagRecord(r.session_id, r.symptom, r.raised_at, r.session_seconds,
                         r.engine_state, r.set_no, r.exercise)


def sets(s: Session, session_id: int) -> list[SetRecord]:
    rows = s.scalars(select(SetRow).where(SetRow.session_id == session_id)
                     .order_by(SetRow.set_no))
    return [_set_record(r) for r in rows]


def red_flags(s: Session, pid: int, session_id: int | None = None,
              since: datetime | None = None,
              until: datetime | None = None) -> list[RedFlagRecord]:
    """Red flags of one session, or of all of profile `pid`'s sessions, oldest first
    (optionally in a period)."""
    stmt = (select(RedFlagRow).where(RedFlagRow.session_id.in_(own_sessions(pid)))
            .order_by(RedFlagRow.raised_at, RedFlagRow.id))
    if session_id is not None:
        stmt = stmt.where(RedFlagRow.session_id == session_id)
    if since is not None:
        stmt = stmt.where(RedFlagRow.raised_at >= since)
    if until is not None:
        stmt = stmt.where(RedFlagRow.raised_at < until)
    return [_flag_record(r) for r in s.scalars(stmt)]


def session_detail(s: Session, pid: int, session_id: int) -> SessionDetail | None:
    """One of profile `pid`'s sessions in full; None when it has no such session."""
    row = history_row(s, pid, session_id)
    if row is None:
        return None
    session = s.get(SessionRow, session_id)
    assert session is not None
    checkins = s.scalars(select(CheckinRow).where(CheckinRow.session_id == session_id)
                         .order_by(CheckinRow.answered_at, CheckinRow.id))
    events = s.scalars(select(SessionEventRow).where(SessionEventRow.session_id == session_id)
                       .order_by(SessionEventRow.at, SessionEventRow.id))
    return SessionDetail(
        row=row,
        routine_snapshot=session.routine_snapshot,
        error=session.error,
        sets=tuple(sets(s, session_id)),
        checkins=tuple(CheckinRecord(c.set_no, c.question, c.answer, c.answered_at)
                       for c in checkins),
        red_flags=tuple(red_flags(s, pid, session_id)),
        events=tuple(EventRecord(e.kind, e.at, e.session_seconds, e.state, e.set_no, e.seconds,
                                 e.detail) for e in events),
        note_at=session.note_at,
    )


# -- the journal ---------------------------------------------------------------------------
def clean_note(text: str) -> str | None:
    """A note as stored: trimmed, without NUL characters (PostgreSQL text cannot hold them),
    None when empty. ValueError when longer than `NOTE_MAX_CHARS`."""
    text = text.replace("\x00", "").strip()
    if len(text) > NOTE_MAX_CHARS:
        raise ValueError(f"a note is at most {NOTE_MAX_CHARS} characters, not {len(text)}")
    return text or None


def save_note(s: Session, pid: int, session_id: int, text: str, at: datetime) -> None:
    """Write (or with "" remove) the user's note for one of profile `pid`'s sessions.
    LookupError if it has no such session."""
    note = clean_note(text)
    row = s.get(SessionRow, session_id)
    if row is None or row.profile_id != pid:
        raise LookupError(f"no session {session_id}")
    if row.note == note:
        return
    row.note = note
    row.note_at = at if note is not None else None


# -- progression ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RecentEfforts:
    """One recent session as the progression rule sees it: how it ended, any amber or red
    sign, and every set's effort by exercise (None: not rated or skipped)."""

    session_id: int
    routine_id: str
    status: str
    amber: bool
    red_flag: bool
    efforts: dict[str, tuple[int | None, ...]]


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


# -- export --------------------------------------------------------------------------------
def iso(at: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, seconds precision (what `history --json` prints)."""
    if at is None:
        return None
    return at.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def export_rows(s: Session, pid: int) -> list[dict[str, Any]]:
    """The `history --json` contract: one dict per session of profile `pid`, newest first."""
    rows = history(s, pid)
    own = own_sessions(pid)
    by_session: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for st in s.scalars(select(SetRow).where(SetRow.session_id.in_(own))
                        .order_by(SetRow.session_id, SetRow.set_no)):
        by_session[st.session_id].append({
            "set_no": st.set_no,
            "exercise": st.exercise,
            "round": st.round,
            "reps": st.actual_reps,
            "seconds": st.actual_seconds,
            "effort": st.effort,
            "planned_reps": st.planned_reps,
            "planned_seconds": st.planned_seconds,
            "skipped": st.skipped,
            "capped": st.capped,
            "amber": st.amber,
        })
    flags: dict[int, list[str]] = defaultdict(list)
    for f in s.scalars(select(RedFlagRow).where(RedFlagRow.session_id.in_(own))
                       .order_by(RedFlagRow.raised_at, RedFlagRow.id)):
        flags[f.session_id].append(f.symptom)
    breathing: dict[int, dict[str, Any]] = {}
    for sid, snap in s.execute(select(SessionRow.id, SessionRow.routine_snapshot).where(
            SessionRow.profile_id == pid, SessionRow.kind == SessionKind.BREATHING.value)):
        snap = snap if isinstance(snap, dict) else {}
        breathing[sid] = {"pattern": snap.get("pattern"), "minutes": snap.get("minutes")}
    out = []
    for r in rows:
        duration = r.duration_seconds
        out.append({
            "id": r.id,
            "routine": r.routine_id,
            "routine_name": r.routine_name,
            "started_at": iso(r.started_at),
            "ended_at": iso(r.ended_at),
            "duration_seconds": None if duration is None else round(duration, 1),
            "status": r.status,
            "mood_before": r.mood_before,
            "mood_after": r.mood_after,
            "red_flags": flags.get(r.id, []),
            "sets": by_session.get(r.id, []),
            "kind": r.kind,
            "note": r.note,
            "breathing": breathing.get(r.id),
        })
    return out


# -- erase ---------------------------------------------------------------------------------
def delete_all(s: Session, pid: int) -> int:
    """Erase every session, set, answer, red flag, screening and acknowledgement of profile
    `pid` (the profile itself stays; other profiles are untouched).

    Returns the number of sessions deleted. Child tables go first, so this does not rely on
    the backend enforcing ON DELETE CASCADE.
    """
    n = s.scalar(select(func.count()).select_from(SessionRow)
                 .where(SessionRow.profile_id == pid)) or 0
    own = own_sessions(pid)
    for child in (RedFlagAckRow, SessionEventRow, RedFlagRow, CheckinRow, SetRow):
        s.execute(delete(child).where(child.session_id.in_(own)))
    s.execute(delete(SessionRow).where(SessionRow.profile_id == pid))
    s.execute(delete(ScreeningRow).where(ScreeningRow.profile_id == pid))
    return n


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
