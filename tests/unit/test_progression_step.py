"""From the stored history to one suggested step, and what accepting or dismissing it does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from companion import progression_step
from companion.config import Paths
from companion.core.routine import Exercise, Routine
from companion.routines.library import RoutineLibrary
from companion.storage import Database
from tests.helpers.history import STARTER_FILE, add_session, easy_starter

T0 = datetime(2026, 10, 1, 18, 0, tzinfo=UTC)
EASY = (("Squats", 5), ("Plank", 4), ("Squats", 6), ("Plank", 5))
ROUTINE = Routine(id="mine", name="Mine", rounds=2, rest_seconds=60,
                  exercises=(Exercise(name="Squats", reps=10), Exercise(name="Plank",
                                                                        seconds=30)))


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database.open(f"sqlite:///{tmp_path / 'h.sqlite3'}")


def test_two_easy_sessions_of_the_routine_give_a_suggestion(db: Database, tmp_path: Path) -> None:
    for day in (0, 2):
        add_session(db, T0 + timedelta(days=day), routine_id="mine", sets=EASY)
    found = progression_step.current_suggestion(db, ROUTINE, Paths(tmp_path))
    assert found is not None
    assert (found.exercise, found.field, found.old, found.new) == ("Plank", "seconds", 30, 40)


def test_a_skipped_set_or_an_amber_sign_blocks_the_suggestion(db: Database,
                                                              tmp_path: Path) -> None:
    add_session(db, T0, routine_id="mine", sets=EASY)
    add_session(db, T0 + timedelta(days=2), routine_id="mine", sets=EASY, amber_event=True)
    assert progression_step.current_suggestion(db, ROUTINE, Paths(tmp_path)) is None
    add_session(db, T0 + timedelta(days=4), routine_id="mine", sets=(*EASY, ("Squats", None)))
    assert progression_step.current_suggestion(db, ROUTINE, Paths(tmp_path)) is None


def test_no_suggestion_right_after_a_red_flag_of_any_routine(db: Database,
                                                             tmp_path: Path) -> None:
    for day in (0, 2):
        add_session(db, T0 + timedelta(days=day), routine_id="mine", sets=EASY)
    add_session(db, T0 + timedelta(days=3), routine_id="other", status="stopped_red_flag",
                red_flag="chest_pain")
    assert progression_step.current_suggestion(db, ROUTINE, Paths(tmp_path)) is None


def test_a_dismissed_suggestion_does_not_come_back(db: Database, tmp_path: Path) -> None:
    for day in (0, 2):
        add_session(db, T0 + timedelta(days=day), routine_id="mine", sets=EASY)
    paths = Paths(tmp_path / "data")
    found = progression_step.current_suggestion(db, ROUTINE, paths)
    assert found is not None
    progression_step.dismiss(paths, found)
    assert progression_step.current_suggestion(db, ROUTINE, paths) is None


def test_accepting_writes_the_users_copy_and_leaves_the_builtin_file_alone(
    db: Database, tmp_path: Path
) -> None:
    before = STARTER_FILE.read_bytes()
    loaded = easy_starter(db, T0)
    paths = Paths(tmp_path / "data")
    found = progression_step.current_suggestion(db, loaded.routine, paths)
    assert found is not None
    path = progression_step.accept(paths, loaded.routine, found, loaded.alternatives)
    assert path == paths.routines_dir / "starter.toml"
    assert STARTER_FILE.read_bytes() == before
    entry = RoutineLibrary(paths.routines_dir).find("starter")
    assert not entry.builtin and entry.routine is not None
    changed = entry.routine.exercises[found.exercise_index]
    assert (changed.reps if found.field == "reps" else changed.seconds) == found.new
    assert entry.alternatives == loaded.alternatives
