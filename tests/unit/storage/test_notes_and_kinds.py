"""Issue 20 in storage: breathing sessions are their own kind, and the session note (the
user's "simple journal") is kept, exported and searchable (SQLite, and PostgreSQL when
COMPANION_TEST_PG_URL is set)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.core.breathing import PATTERNS, BreathingSession
from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.timeline import TimelineOptions, breathing_routine, compile_breathing
from companion.storage import Database
from companion.storage.export import CSV_COLUMNS
from companion.storage.models import NOTE_MAX_CHARS
from companion.storage.repository import WITH_BREATHING
from tests.unit.storage.sessions import play, recording, tiny_routine


def breathe(db: Database, pattern: str = "box", minutes: int = 1, *,
            mood: tuple[int, int] | None = (2, 4), finish: bool = True) -> int:
    """A real breathing session through the engine and the recorder; its stored id."""
    session = BreathingSession(PATTERNS[pattern], minutes)
    clock = FakeClock()
    plan = compile_breathing(session, TimelineOptions(speech_duration=lambda t: 0.5))
    engine = SessionEngine(plan, clock)
    recorder = db.recorder(breathing_routine(session), snapshot=session.snapshot())
    engine.subscribe(recorder)
    engine.start(mood[0] if mood else None)
    clock.advance(plan.total_seconds / 2 if not finish else plan.total_seconds + 1)
    engine.tick()
    if not finish:
        engine.stop()
    if mood:
        engine.record_mood("after", mood[1])
    assert recorder.session_id is not None
    return recorder.session_id


def workout(db: Database) -> int:
    routine = tiny_routine()
    engine, clock, recorder = recording(routine, db.recorder)
    play(engine, clock.advance)
    assert recorder.session_id is not None
    return recorder.session_id


def test_a_breathing_session_is_stored_as_its_own_kind_with_its_pattern(db: Database) -> None:
    sid = breathe(db, "4-7-8", 2)
    detail = db.session_detail(sid)
    assert detail is not None
    row = detail.row
    assert (row.kind, row.routine_id, row.routine_name) == (
        "breathing", "breathing-4-7-8", "Breathing: 4-7-8 breathing")
    assert (row.status, row.mood_before, row.mood_after, row.set_count) == (
        "completed", 2, 4, 0)
    assert row.is_breathing and detail.sets == ()
    assert detail.routine_snapshot["pattern"] == "4-7-8"
    assert detail.routine_snapshot["minutes"] == 2
    assert detail.routine_snapshot["steps"] == [["in", 4.0], ["hold_in", 7.0], ["out", 8.0]]


def test_breathing_counts_toward_the_weekly_goal_only_when_chosen(db: Database) -> None:
    workout(db)
    breathe(db)
    breathe(db, finish=False)  # stopped early: never counted
    assert db.sessions_this_week() == 1
    assert db.sessions_this_week(kinds=WITH_BREATHING) == 2
    assert db.weekly_counts(2)[-1].sessions == 1
    assert db.weekly_counts(2, kinds=WITH_BREATHING)[-1].sessions == 2


def test_a_note_is_kept_trimmed_changed_and_removed(db: Database) -> None:
    sid = workout(db)
    assert db.session_detail(sid).note is None  # type: ignore[union-attr]
    db.save_note(sid, "\n  Knees felt fine; calmer afterwards.  \n")
    detail = db.session_detail(sid)
    assert detail is not None and detail.note == "Knees felt fine; calmer afterwards."
    first = detail.note_at
    assert first is not None and abs(first - datetime.now(UTC)) < timedelta(minutes=1)
    db.save_note(sid, "Changed my mind: tired.")
    assert db.history()[0].note == "Changed my mind: tired."
    db.save_note(sid, "   ")
    detail = db.session_detail(sid)
    assert detail is not None and detail.note is None and detail.note_at is None


def test_a_bad_note_is_refused_plainly_and_nothing_is_lost(db: Database) -> None:
    sid = workout(db)
    db.save_note(sid, "kept")
    with pytest.raises(ValueError, match=f"at most {NOTE_MAX_CHARS} characters"):
        db.save_note(sid, "x" * (NOTE_MAX_CHARS + 1))
    with pytest.raises(LookupError):
        db.save_note(sid + 100, "no such session")
    assert db.session_detail(sid).note == "kept"  # type: ignore[union-attr]
    db.save_note(sid, "y" * NOTE_MAX_CHARS)  # the limit itself is fine
    assert len(db.session_detail(sid).note or "") == NOTE_MAX_CHARS  # type: ignore[union-attr]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_text_a_person_types_comes_back_as_written(db: Database, text: str) -> None:
    """Quotes, commas, newlines, emoji, right-to-left text: the note is the user's words."""
    rows = db.history(limit=1)
    sid = rows[0].id if rows else workout(db)
    db.save_note(sid, text)
    expected = text.replace("\x00", "").strip() or None  # NUL: PostgreSQL text cannot hold it
    assert db.session_detail(sid).note == expected  # type: ignore[union-attr]


def test_exports_carry_the_kind_the_note_and_the_breathing_pattern(
    db: Database, tmp_path: Path
) -> None:
    w = workout(db)
    b = breathe(db, "coherent", 3)
    db.save_note(w, 'Felt strong, "really" good,\nsecond line')
    data = db.export_rows()
    by_id = {e["id"]: e for e in data}
    assert (by_id[w]["kind"], by_id[w]["note"], by_id[w]["breathing"]) == (
        "workout", 'Felt strong, "really" good,\nsecond line', None)
    assert (by_id[b]["kind"], by_id[b]["note"], by_id[b]["breathing"]) == (
        "breathing", None, {"pattern": "coherent", "minutes": 3})
    db.export(tmp_path / "h.json")
    assert json.loads((tmp_path / "h.json").read_text(encoding="utf-8")) == data
    db.export(tmp_path / "h.csv")
    with (tmp_path / "h.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == CSV_COLUMNS
    assert CSV_COLUMNS[-4:] == ["kind", "note", "breathing_pattern", "breathing_minutes"]
    workout_rows = [r for r in rows if r["session_id"] == str(w)]
    assert len(workout_rows) == 4  # one per set, the note repeated like the other columns
    assert {r["note"] for r in workout_rows} == {'Felt strong, "really" good,\nsecond line'}
    breathing_rows = [r for r in rows if r["session_id"] == str(b)]
    assert [(r["kind"], r["breathing_pattern"], r["breathing_minutes"], r["set_no"])
            for r in breathing_rows] == [("breathing", "coherent", "3", "")]


def test_delete_all_erases_notes_and_breathing_sessions_too(db: Database) -> None:
    db.save_note(workout(db), "private")
    breathe(db)
    assert db.delete_all() == 2
    assert db.history() == [] and db.export_rows() == []
