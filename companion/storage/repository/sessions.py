"""Profile `pid`'s sessions: the history list, one session's detail, its journal note,
the `history --json` export and erasing it all."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Float, Integer, case, cast, delete, func, select
from sqlalchemy.orm import Session

from companion.storage.models import (
    NOTE_MAX_CHARS,
    CheckinRow,
    RedFlagAckRow,
    RedFlagRow,
    ScreeningRow,
    SessionEventRow,
    SessionKind,
    SessionRow,
    SetRow,
)
from companion.storage.repository.records import (
    CheckinRecord,
    EventRecord,
    HistoryRow,
    RedFlagRecord,
    SessionDetail,
    SetRecord,
)


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


def session_exercises(s: Session, pid: int) -> dict[int, list[str]]:
    """The exercises of each of the profile's sessions, by session id: those of its sets
    (done or skipped, each once) and the one a red flag stopped. One grouped query of the
    sets, one of the red flags (a ten-year history: 2,600 sessions, 35,000 sets, ~50 ms)."""
    own = own_sessions(pid)
    out: dict[int, list[str]] = {}
    for sid, name in s.execute(select(SetRow.session_id, SetRow.exercise)
                               .where(SetRow.session_id.in_(own))
                               .group_by(SetRow.session_id, SetRow.exercise)):
        out.setdefault(sid, []).append(name)
    for flagged, stopped in s.execute(select(RedFlagRow.session_id, RedFlagRow.exercise)
                                      .where(RedFlagRow.session_id.in_(own),
                                             RedFlagRow.exercise.is_not(None))):
        names = out.setdefault(flagged, [])
        if stopped and stopped not in names:
            names.append(stopped)
    return out


def history_row(s: Session, pid: int, session_id: int) -> HistoryRow | None:
    r = s.execute(_history_select(pid).where(SessionRow.id == session_id)).first()
    return _history_row(r) if r is not None else None


def _set_record(r: SetRow) -> SetRecord:
    return SetRecord(r.set_no, r.round, r.exercise, r.planned_reps, r.planned_seconds,
                     r.actual_reps, r.actual_seconds, r.effort, r.skipped, r.capped, r.amber,
                     r.finished_at)


def _flag_record(r: RedFlagRow) -> RedFlagRecord:
    return RedFlagRecord(r.session_id, r.symptom, r.raised_at, r.session_seconds,
                         r.engine_state, r.set_no, r.exercise, r.heard)


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
    flag_details: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for f in s.scalars(select(RedFlagRow).where(RedFlagRow.session_id.in_(own))
                       .order_by(RedFlagRow.raised_at, RedFlagRow.id)):
        flags[f.session_id].append(f.symptom)
        flag_details[f.session_id].append({
            "symptom": f.symptom, "raised_at": iso(f.raised_at), "exercise": f.exercise,
            "heard": f.heard})
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
            "red_flag_details": flag_details.get(r.id, []),
            "sets": by_session.get(r.id, []),
            "kind": r.kind,
            "note": r.note,
            "breathing": breathing.get(r.id),
        })
    return out


# -- erase ---------------------------------------------------------------------------------
def delete_all(s: Session, pid: int, keep: int | None = None) -> int:
    """Erase every session, set, answer, red flag, screening and acknowledgement of profile
    `pid` (the profile itself stays; other profiles are untouched), except session `keep`
    with everything it holds (the red-flag stop not confirmed yet, so the gate still asks).

    Returns the number of sessions deleted. Child tables go first, so this does not rely on
    the backend enforcing ON DELETE CASCADE.
    """
    own = own_sessions(pid)
    if keep is not None:
        own = own.where(SessionRow.id != keep)
    n = s.scalar(select(func.count()).select_from(own.subquery())) or 0
    for child in (RedFlagAckRow, SessionEventRow, RedFlagRow, CheckinRow, SetRow):
        s.execute(delete(child).where(child.session_id.in_(own)))
    s.execute(delete(SessionRow).where(SessionRow.id.in_(own)))
    s.execute(delete(ScreeningRow).where(ScreeningRow.profile_id == pid))
    return n
