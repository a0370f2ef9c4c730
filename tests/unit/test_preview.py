"""`companion preview --json` keeps its contract for every built-in routine."""

from __future__ import annotations

import itertools
import json

import pytest

from companion.cli import main
from companion.core.routine import Routine
from companion.routines import RoutineLibrary

BUILTIN = [r.id for r in RoutineLibrary(None).routines()]
REQUIRED_KINDS = {"exercise", "countdown", "rep", "halfway", "checkin", "rest", "next",
                  "breathe", "end"}


def _preview(routine: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["preview", routine, "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    return [json.loads(line) for line in lines]


def _builtin_preview(routine_id: str, capsys: pytest.CaptureFixture[str]
                     ) -> tuple[Routine, list[dict[str, object]]]:
    """A built-in routine and its `preview --json` cues."""
    routine = RoutineLibrary(None).find(routine_id).routine
    assert routine is not None
    return routine, _preview(routine_id, capsys)


@pytest.mark.parametrize("routine_id", BUILTIN)
def test_every_cue_has_time_kind_and_text_in_order(
    routine_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cues = _preview(routine_id, capsys)
    assert cues
    times = []
    for cue in cues:
        assert isinstance(cue["t"], float | int) and isinstance(cue["t"], float)
        assert isinstance(cue["kind"], str) and isinstance(cue["text"], str) and cue["text"]
        times.append(cue["t"])
    assert times == sorted(times)
    assert cues[-1]["kind"] == "end"


@pytest.mark.parametrize("routine_id", BUILTIN)
def test_a_checkin_follows_every_set_and_rests_last_rest_seconds(
    routine_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    routine, cues = _builtin_preview(routine_id, capsys)
    kinds = [c["kind"] for c in cues]
    sets = routine.sets()
    assert kinds.count("exercise") == len(sets)
    assert kinds.count("checkin") == len(sets)
    assert kinds.count("rest") == len(sets) - 1
    # between two announcements there is exactly one check-in, after the work
    starts = [i for i, k in enumerate(kinds) if k == "exercise"] + [len(kinds)]
    for n, (a, b) in enumerate(itertools.pairwise(starts)):
        block = kinds[a:b]
        assert block.count("checkin") == 1, f"set {n}"
        assert block.index("checkin") > block.index("go")
    # each rest lasts rest_seconds: from the rest cue to the next announcement
    for i, cue in enumerate(cues):
        if cue["kind"] != "rest":
            continue
        nxt = next(c for c in cues[i:] if c["kind"] == "exercise")
        set_no = sum(1 for c in cues[:i] if c["kind"] == "checkin") - 1
        expected = routine.rest_after(sets[set_no][2])
        assert nxt["t"] - cue["t"] == pytest.approx(expected, abs=0.01)
        between = cues[i:cues.index(nxt)]
        assert any(c["kind"] == "breathe" for c in between), "breathing fills the rest"
        assert any(c["kind"] == "next" for c in between), "the rest previews the next exercise"


@pytest.mark.parametrize("routine_id", BUILTIN)
def test_a_timed_set_lasts_exactly_its_seconds(
    routine_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    routine, cues = _builtin_preview(routine_id, capsys)
    sets = routine.sets()
    set_no = -1
    go_t = 0.0
    for cue in cues:
        if cue["kind"] == "exercise":
            set_no += 1
        elif cue["kind"] == "go":
            go_t = float(cue["t"])  # type: ignore[arg-type]
        elif cue["kind"] == "checkin":
            ex = sets[set_no][2]
            if ex.seconds is not None:
                assert float(cue["t"]) - go_t == pytest.approx(ex.seconds, abs=0.01)  # type: ignore[arg-type]


def test_the_preview_uses_every_required_kind(capsys: pytest.CaptureFixture[str]) -> None:
    kinds = {c["kind"] for rid in BUILTIN for c in _preview(rid, capsys)}
    assert kinds >= REQUIRED_KINDS


def test_breathing_cues_say_breathe_in_and_out(capsys: pytest.CaptureFixture[str]) -> None:
    texts = {c["text"] for c in _preview("starter", capsys) if c["kind"] == "breathe"}
    assert {"Breathe in", "Breathe out"} <= texts


def test_rep_cues_count_up_to_the_target(capsys: pytest.CaptureFixture[str]) -> None:
    cues = _preview("starter", capsys)
    first = next(i for i, c in enumerate(cues) if c["kind"] == "checkin")
    counts = [c["rep"] for c in cues[:first] if c["kind"] == "rep" and "rep" in c]
    assert counts == list(range(1, 13))


def test_plain_preview_prints_clock_times_and_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "starter"]) == 0
    out = capsys.readouterr().out.splitlines()
    first_exercise = next(line for line in out if "  exercise  " in line)
    assert first_exercise.split("  ")[0].count(":") == 1
    assert "Bodyweight squats. Feet shoulder-width apart." in first_exercise
    assert out[-1].startswith("-- total ")


def test_preview_accepts_a_path(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "x.toml"
    path.write_text('name = "X"\nrounds = 1\nrest_seconds = 10\n[[exercise]]\nname = "Y"\n'
                    "seconds = 12\n", encoding="utf-8")
    cues = _preview(str(path), capsys)
    assert [c["kind"] for c in cues].count("exercise") == 1
