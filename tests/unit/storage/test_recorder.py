"""The recorder writes every event of a real session, one commit per event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from companion.core.events import Event, RedFlagRaised, SessionEnded, SetFinished
from companion.storage import Committed, Database
from companion.storage.models import (
    CheckinRow,
    EventKind,
    RedFlagRow,
    SessionEventRow,
    SessionRow,
    SetRow,
)
from tests.unit.storage.sessions import new_engine, play, recording, tiny_routine, under_way


def run(db: Database, **kw: object) -> tuple[int, list[Committed]]:
    committed: list[Committed] = []
    engine, clock, recorder = recording(
        tiny_routine(), lambda routine: db.recorder(routine, on_commit=committed.append))
    play(engine, clock.advance, **kw)  # type: ignore[arg-type]
    assert recorder.session_id is not None
    return recorder.session_id, committed


def test_completed_session_keeps_every_set_checkin_effort_and_mood(db: Database) -> None:
    sid, _ = run(db, efforts=lambda n: n + 3)
    detail = db.session_detail(sid)
    assert detail is not None
    assert detail.row.status == "completed"
    assert detail.row.mood_before == 3 and detail.row.mood_after == 4
    assert detail.row.ended_at is not None and detail.row.ended_at >= detail.row.started_at
    assert [(s.set_no, s.round, s.exercise) for s in detail.sets] == [
        (0, 1, "Squats"), (1, 1, "Plank"), (2, 2, "Squats"), (3, 2, "Plank")]
    assert [s.effort for s in detail.sets] == [3, 4, 5, 6]
    assert detail.sets[0].planned_reps == 2 and detail.sets[0].actual_reps == 2
    assert detail.sets[1].planned_seconds == 2.0 and detail.sets[1].actual_seconds == 2.0
    assert [c.answer for c in detail.checkins] == ["all_clear"] * 4
    assert all("chest pain" in c.question for c in detail.checkins)
    assert detail.red_flags == ()


def test_routine_is_kept_as_it_was_run(db: Database) -> None:
    sid, _ = run(db)
    detail = db.session_detail(sid)
    assert detail is not None
    snap = detail.routine_snapshot
    assert snap["id"] == "tiny" and snap["rounds"] == 2
    assert snap["exercises"][0]["name"] == "Squats"
    assert snap["exercises"][0]["tempo"] == {"down": 0.5, "up": 0.5}
    assert snap["exercises"][1]["position"] == "standing"


def test_routine_snapshot_stores_paths_and_enums_as_text(db: Database, tmp_path: Path) -> None:
    routine = tiny_routine(source=tmp_path / "tiny.toml")
    engine, _clock, recorder = recording(routine, db.recorder)
    engine.start()
    assert recorder.session_id is not None
    detail = db.session_detail(recorder.session_id)
    assert detail is not None
    assert detail.routine_snapshot["source"] == str(tmp_path / "tiny.toml")
    assert detail.row.status == "in_progress"


def test_times_are_stored_and_returned_in_utc(db: Database) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    sid, _ = run(db)
    detail = db.session_detail(sid)
    assert detail is not None
    for at in (detail.row.started_at, detail.row.ended_at, detail.sets[0].finished_at,
               detail.checkins[0].answered_at):
        assert at is not None and at.utcoffset() == timedelta(0)
        assert at >= before


def test_each_event_is_on_disk_when_the_recorder_returns(db: Database) -> None:
    """A second connection (another process, in effect) sees each write immediately."""
    routine = tiny_routine()
    engine, clock, recorder = recording(routine, db.recorder)
    other = create_engine(db.url)
    seen: list[tuple[str, int]] = []

    def check(event: Event) -> None:
        if recorder.session_id is None:
            return
        with Session(other) as s:
            if isinstance(event, SetFinished):
                n = s.scalar(select(func.count()).select_from(SetRow)
                             .where(SetRow.session_id == recorder.session_id))
                seen.append(("set", n or 0))
                assert n == event.set_no + 1
            if isinstance(event, SessionEnded):
                status = s.scalar(select(SessionRow.status)
                                  .where(SessionRow.id == recorder.session_id))
                seen.append((str(status), 0))

    engine.subscribe(check)  # runs after the recorder, like the speech that follows it
    try:
        play(engine, clock.advance)
    finally:
        other.dispose()
    assert seen == [("set", 1), ("set", 2), ("set", 3), ("set", 4), ("completed", 0)]
    assert recorder.commits > 10


def test_red_flag_stop_is_committed_before_the_stop_message(db: Database) -> None:
    routine = tiny_routine()
    engine, clock, recorder = recording(routine, db.recorder)
    other = create_engine(db.url)
    observed: list[tuple[str, str, str | None]] = []

    def stop_message_listener(event: Event) -> None:
        if isinstance(event, RedFlagRaised):
            with Session(other) as s:
                row = s.get(SessionRow, recorder.session_id)
                flag = s.scalars(select(RedFlagRow)).one()
                assert row is not None
                observed.append((row.status, flag.symptom, flag.exercise))

    engine.subscribe(stop_message_listener)
    try:
        play(engine, clock.advance, red_flag_at=1)
    finally:
        other.dispose()
    assert observed == [("stopped_red_flag", "unspecified", "Plank")]
    assert recorder.session_id is not None
    detail = db.session_detail(recorder.session_id)
    assert detail is not None
    assert detail.row.status == "stopped_red_flag"
    assert detail.row.ended_at is not None
    flag = detail.red_flags[0]
    assert (flag.symptom, flag.set_no, flag.engine_state) == ("chest_pain", 1, "checkin")


def test_hard_effort_marks_the_set_amber_and_notes_the_longer_rest(db: Database) -> None:
    sid, _ = run(db, efforts=lambda n: 9 if n == 0 else 4)
    detail = db.session_detail(sid)
    assert detail is not None
    assert [s.amber for s in detail.sets] == [True, False, False, False]
    assert detail.row.amber_count == 1
    kinds = [e.kind for e in detail.events]
    assert EventKind.AMBER.value in kinds
    amber = next(e for e in detail.events if e.kind == EventKind.AMBER.value)
    assert "Chair squats" in amber.detail and amber.set_no == 0


def test_pause_resume_skip_and_extra_rest_are_recorded(db: Database) -> None:
    routine = tiny_routine()
    engine, clock, recorder = recording(routine, db.recorder)
    engine.start(mood_before=None)
    while engine.segment is not None and engine.segment.set_no is None:
        clock.advance(0.5)
        engine.tick()
    engine.pause()
    clock.advance(7.0)
    engine.resume()
    engine.skip()  # skips set 0
    engine.answer_checkin(True)
    engine.add_rest(15.0)
    engine.stop()
    assert recorder.session_id is not None
    detail = db.session_detail(recorder.session_id)
    assert detail is not None
    assert [e.kind for e in detail.events] == ["paused", "resumed", "skipped", "rest_extended"]
    assert detail.events[1].seconds == 7.0
    assert detail.events[3].seconds == 15.0
    assert detail.sets[0].skipped
    assert detail.row.status == "stopped_by_user"
    assert detail.row.mood_before is None
    assert detail.row.sets_done == 0 and detail.row.sets_skipped == 1


def test_commit_callback_reports_each_write_in_order(db: Database) -> None:
    _, committed = run(db)
    assert [c.count for c in committed] == list(range(1, len(committed) + 1))
    names = [type(c.event).__name__ for c in committed]
    assert names[0] == "SessionStarted" and names[1] == "MoodRecorded"
    assert names.count("SetFinished") == 4 and names.count("CheckinAnswered") == 4
    assert "SessionEnded" in names
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CheckinRow)) == 4
        assert s.scalar(select(func.count()).select_from(SessionEventRow)) == 0


def test_session_that_fails_is_kept_as_interrupted_with_the_error(db: Database) -> None:
    engine, recorder = under_way(db.recorder, 4, 20.0)
    engine.fail(RuntimeError("audio device vanished"))
    assert recorder.session_id is not None
    detail = db.session_detail(recorder.session_id)
    assert detail is not None
    assert detail.row.status == "interrupted" and detail.row.ended_at is not None
    assert detail.error == "RuntimeError: audio device vanished"


@pytest.mark.parametrize("end", ["red_flag", "completed"])
def test_a_session_marked_interrupted_by_another_process_ends_when_its_own_events_say(
    db: Database, end: str
) -> None:
    """A tester (PostgreSQL away mid-session): another desktop opened the history first and
    marked the session `interrupted` at its last stored event (its recorder looked dead);
    the session's own journal then merged a red-flag stop, and the stop lasted 0:00. The
    mark was a guess: the session's own later events now set how and when it ended."""
    from companion.core.clock import FakeClock
    from companion.storage import liveness
    from companion.storage.recorder import SessionRecorder

    wall = [datetime(2026, 12, 1, 18, 0, tzinfo=UTC)]
    routine = tiny_routine()
    clock = FakeClock()
    engine = new_engine(routine, clock)
    recorder = SessionRecorder(db.engine, routine, now=lambda: wall[0], profile_id=db.pid)
    engine.subscribe(recorder)
    engine.start(mood_before=3)
    clock.advance(1.0)
    engine.tick()
    assert recorder.session_id is not None
    # the other desktop, half a day later: this session's process looks gone
    assert liveness.mark_interrupted(db.engine, wall[0] + timedelta(hours=13)) == 1
    marked = db.session_detail(recorder.session_id)
    assert marked is not None and marked.row.status == "interrupted"
    wall[0] += timedelta(minutes=4)  # the session went on meanwhile (its journal kept it)
    if end == "red_flag":
        clock.advance(5.0)
        engine.tick()
        engine.report_red_flag()
    else:
        from tests.helpers.sessions import play_through

        play_through(engine, clock)  # to the end, every check-in all clear
    detail = db.session_detail(recorder.session_id)
    assert detail is not None
    assert detail.row.status == ("stopped_red_flag" if end == "red_flag" else "completed")
    assert detail.row.ended_at == wall[0]
    assert detail.row.duration_seconds == pytest.approx(240.0)
