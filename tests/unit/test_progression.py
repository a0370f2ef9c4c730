"""The progression rule, one test per condition."""

from __future__ import annotations

from pathlib import Path

from companion.core.progression import SessionSummary, apply, suggest
from companion.routines import RoutineLibrary, load_routine, routine_to_toml
from tests.helpers.sessions import tiny_routine

ROUTINE = tiny_routine()


def easy(routine_id: str = "tiny", **kw: object) -> SessionSummary:
    data: dict[str, object] = {
        "routine_id": routine_id,
        "status": "completed",
        "efforts": {"Squats": (4, 5), "Push-ups": (5, 6), "Plank": (3, 3)},
    }
    data.update(kw)
    return SessionSummary(**data)  # type: ignore[arg-type]


def test_two_easy_completed_sessions_suggest_one_small_step() -> None:
    s = suggest(ROUTINE, [easy(), easy()])
    assert s is not None
    assert (s.exercise, s.field, s.old, s.new) == ("Plank", "seconds", 10, 20)
    assert "your choice" in s.text.lower()


def test_the_easiest_rep_exercise_gets_two_more_reps() -> None:
    efforts = {"Squats": (2, 2), "Push-ups": (5, 6), "Plank": (5, 5)}
    s = suggest(ROUTINE, [easy(efforts=efforts), easy(efforts=efforts)])
    assert s is not None and (s.exercise, s.old, s.new) == ("Squats", 3, 5)


def test_one_session_is_not_enough() -> None:
    assert suggest(ROUTINE, [easy()]) is None


def test_effort_above_six_on_any_set_blocks_it() -> None:
    hard = easy(efforts={"Squats": (4, 7), "Push-ups": (5, 6), "Plank": (3, 3)})
    assert suggest(ROUTINE, [easy(), hard]) is None


def test_missing_effort_is_missing_evidence() -> None:
    unknown = easy(efforts={"Squats": (4, None), "Push-ups": (5, 6), "Plank": (3, 3)})
    assert suggest(ROUTINE, [easy(), unknown]) is None


def test_an_amber_sign_blocks_it() -> None:
    assert suggest(ROUTINE, [easy(amber=True), easy()]) is None


def test_a_red_flag_in_either_session_blocks_it() -> None:
    assert suggest(ROUTINE, [easy(), easy(red_flag=True)]) is None


def test_never_right_after_a_red_flag_stop_in_another_routine() -> None:
    stop = SessionSummary("other", "stopped_red_flag", {}, red_flag=True)
    assert suggest(ROUTINE, [stop, easy(), easy()]) is None


def test_sessions_that_did_not_complete_do_not_count() -> None:
    assert suggest(ROUTINE, [easy(status="stopped_by_user"), easy()]) is None
    assert suggest(ROUTINE, [easy(status="interrupted"), easy()]) is None


def test_only_sessions_of_the_same_routine_count() -> None:
    assert suggest(ROUTINE, [easy(), easy("other")]) is None
    assert suggest(ROUTINE, [easy(), easy("other"), easy()]) is not None


def test_to_fatigue_sets_are_never_changed() -> None:
    efforts = {"Squats": (6, 6), "Push-ups": (1, 1), "Plank": (6, 6)}
    s = suggest(ROUTINE, [easy(efforts=efforts), easy(efforts=efforts)])
    assert s is not None and s.exercise != "Push-ups"


def test_accepting_writes_a_user_copy_and_leaves_the_builtin_alone(tmp_path: Path) -> None:
    lib = RoutineLibrary(tmp_path)
    starter = lib.find("starter").routine
    assert starter is not None and starter.source is not None
    builtin_text = starter.source.read_text(encoding="utf-8")
    efforts = {ex.name: (3, 3) for ex in starter.exercises}
    s = suggest(starter, [easy("starter", efforts=efforts)] * 2)
    assert s is not None
    stepped = apply(starter, s)
    (tmp_path / "starter.toml").write_text(routine_to_toml(stepped), encoding="utf-8")
    assert starter.source.read_text(encoding="utf-8") == builtin_text
    mine = lib.find("starter")
    assert not mine.builtin and mine.routine is not None
    assert load_routine(tmp_path / "starter.toml").exercises[s.exercise_index] == \
        stepped.exercises[s.exercise_index]
