"""Writing routine files (issue 16, finding 4): tomli-w, and any valid routine -> file ->
load gives the same routine, the progression step's user copy included."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from companion import progression_step as progression_data
from companion.config import Paths
from companion.core.progression import Suggestion, apply
from companion.core.routine import Exercise, Routine, SetKind
from companion.routines import load_routine, routine_to_toml
from companion.routines.loader import load_routine_full
from tests.helpers.routine_strategies import routine_data

ROUND_TRIP = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.too_slow,
                                             HealthCheck.data_too_large])


def _same(a: Routine, b: Routine) -> None:
    keep = {f.name for f in dataclasses.fields(Routine)} - {"source", "builtin"}
    assert {k: getattr(a, k) for k in keep} == {k: getattr(b, k) for k in keep}


def _load_text(folder: Path, text: str, name: str = "generated.toml") -> Any:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return load_routine_full(path)


@ROUND_TRIP
@given(data=routine_data())
def test_any_valid_routine_written_and_loaded_is_the_same(data: dict[str, Any]) -> None:
    import tomli_w

    with tempfile.TemporaryDirectory() as folder:
        first = _load_text(Path(folder), tomli_w.dumps(data))
        text = routine_to_toml(first.routine, first.alternatives)
        again = _load_text(Path(folder), text, "again.toml")
    _same(first.routine, again.routine)
    assert again.alternatives == first.alternatives


@ROUND_TRIP
@given(data=routine_data(max_exercises=3), pick=st.integers(0, 2))
def test_the_progression_user_copy_loads_with_the_step_taken(data: dict[str, Any],
                                                             pick: int) -> None:
    import tomli_w

    with tempfile.TemporaryDirectory() as folder:
        first = _load_text(Path(folder), tomli_w.dumps(data))
        routine = first.routine
        steppable = [i for i, e in enumerate(routine.exercises)
                     if e.kind is not SetKind.TO_FATIGUE]  # as the progression rule does
        assume(steppable)
        index = steppable[pick % len(steppable)]
        ex = routine.exercises[index]
        if ex.kind is SetKind.REPS:
            step = Suggestion(routine.id, index, ex.name, "reps", ex.reps or 0,
                              min(100, (ex.reps or 0) + 2))
        else:
            step = Suggestion(routine.id, index, ex.name, "seconds", ex.seconds or 0,
                              min(600.0, (ex.seconds or 5.0) + 10))
        paths = Paths(Path(folder) / "data")
        written = progression_data.accept(paths, routine, step, first.alternatives)
        copy = load_routine_full(written)
    _same(copy.routine, apply(routine, step))
    assert copy.alternatives == first.alternatives


def test_a_cue_with_a_newline_and_quotes_survives_the_user_copy(tmp_path: Path) -> None:
    ex = Exercise(name='Wall "push" ups', reps=10, id="wall",
                  cues=('Hands at "shoulder" height,\nbody straight', "Back\\slash \t tab"))
    routine = Routine(id="mine", name="Mine", rounds=2, rest_seconds=30, exercises=(ex,))
    step = Suggestion("mine", 0, ex.name, "reps", 10, 12)
    written = progression_data.accept(Paths(tmp_path), routine, step)
    copy = load_routine(written)
    assert copy.exercises[0].cues == ex.cues
    assert copy.exercises[0].name == ex.name and copy.exercises[0].reps == 12


def test_the_written_file_is_the_documented_format(tmp_path: Path) -> None:
    ex = Exercise(name="Plank", seconds=30.0, id="plank")
    text = routine_to_toml(Routine(id="mine", name="Mine", rounds=2, rest_seconds=30,
                                   exercises=(ex,)))
    assert "[[exercise]]" in text and 'name = "Plank"' in text and "seconds = 30\n" in text


def test_stepping_up_your_own_routine_rewrites_its_file(tmp_path: Path) -> None:
    paths = Paths(tmp_path).ensure()
    mine = paths.routines_dir / "my file.toml"
    mine.write_text('id = "mine"\nname = "Mine"\nrounds = 1\nrest_seconds = 30\n'
                    '[[exercise]]\nname = "Squats"\nreps = 8\n', encoding="utf-8")
    from companion.routines import RoutineLibrary

    entry = RoutineLibrary(paths.routines_dir).find("mine")
    assert entry.routine is not None
    step = Suggestion("mine", 0, "Squats", "reps", 8, 10)
    assert progression_data.accept(paths, entry.routine, step) == mine
    entries = [e for e in RoutineLibrary(paths.routines_dir).entries() if not e.builtin]
    assert [(e.path, e.routine is not None) for e in entries] == [(mine, True)]
    assert load_routine(mine).exercises[0].reps == 10
