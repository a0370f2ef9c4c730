"""The progression rule's evidence: the last sessions with every set's effort by exercise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from companion.storage import Database
from tests.helpers.history import add_session

T0 = datetime(2026, 10, 1, 18, 0, tzinfo=UTC)


def test_recent_efforts_lists_the_last_sessions_newest_first_with_efforts_by_exercise(
    db: Database,
) -> None:
    add_session(db, T0, sets=(("Squats", 4), ("Plank", 5), ("Squats", 6)))
    add_session(db, T0 + timedelta(days=2), routine_id="quick-ten", name="Quick ten",
                sets=(("Lunges", None),))
    add_session(db, T0 + timedelta(days=4), status="stopped_red_flag", red_flag="dizziness")
    add_session(db, T0 + timedelta(days=6), amber_event=True)
    recent = db.recent_efforts(limit=3)
    assert [r.status for r in recent] == ["completed", "stopped_red_flag", "completed"]
    assert [r.amber for r in recent] == [True, False, False]
    assert [r.red_flag for r in recent] == [False, True, False]
    assert recent[2].routine_id == "quick-ten"
    assert recent[2].efforts == {"Lunges": (None,)}
    oldest = db.recent_efforts(limit=10)[-1]
    assert oldest.efforts == {"Squats": (4, 6), "Plank": (5,)}


def test_recent_efforts_of_an_empty_history_is_empty(db: Database) -> None:
    assert db.recent_efforts() == []
