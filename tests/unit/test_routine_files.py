"""`companion routines check` and the loader: one clear line per problem, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.cli import main
from companion.routines import RoutineLibrary, check_file, load_routine
from companion.routines.loader import BUILTIN_DIR
from companion.routines.writer import routine_to_toml

GOOD = """\
name = "Starter circuit"
rounds = 3              # circuit rounds
rest_seconds = 75       # rest after each set
[[exercise]]
name = "Bodyweight squats"
reps = 12               # rep set: voice-paced, or...
[[exercise]]
name = "Plank"
seconds = 30            # ...timed set (exactly one of reps / seconds / to_fatigue = true)
"""


def _write(tmp_path: Path, text: str, name: str = "r.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = _write(tmp_path, text)
    code = main(["routines", "check", str(path)])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out


def test_the_minimal_format_from_the_issue_is_valid(tmp_path: Path) -> None:
    routine = load_routine(_write(tmp_path, GOOD, "my-circuit.toml"))
    assert routine.id == "my-circuit"
    assert routine.rounds == 3 and routine.rest_seconds == 75
    assert [e.name for e in routine.exercises] == ["Bodyweight squats", "Plank"]


def test_every_builtin_routine_is_valid() -> None:
    files = sorted(BUILTIN_DIR.glob("*.toml"))
    assert len(files) >= 3
    for path in files:
        assert check_file(path) == [], path


def test_builtin_routines_include_the_starter_and_two_more() -> None:
    ids = {r.id for r in RoutineLibrary(None).routines()}
    assert {"starter", "gentle-stability", "quick-ten"} <= ids


def test_check_exits_zero_for_good_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _check(tmp_path, GOOD, capsys)
    assert code == 0
    assert "ok" in out


#: one bad routine file each: (id, its text, what `routines check` must say about it)
REFUSED = [
    ("unknown key named with line and a suggestion", GOOD.replace("reps = 12", "rep = 12"),
     ["r.toml:6: exercise[0].rep: unknown key 'rep' (did you mean 'reps'?)"]),
    ("unknown top-level key suggests the right one", GOOD.replace("rounds = 3", "round = 3"),
     ["r.toml:2: round: unknown key 'round' (did you mean 'rounds'?)"]),
    ("wrong type says what was expected", GOOD.replace("reps = 12", 'reps = "twelve"'),
     ["r.toml:6: exercise[0].reps: must be a whole number, not text 'twelve'"]),
    ("both reps and seconds", GOOD.replace("reps = 12", "reps = 12\nseconds = 20"),
     ["exercise[0]: has both reps and seconds", "r.toml:4:"]),
    ("an exercise with no target", GOOD.replace("reps = 12", ""),
     ["exercise[0]: needs exactly one of reps, seconds or to_fatigue = true"]),
    ("negative rest", GOOD.replace("rest_seconds = 75", "rest_seconds = -5"),
     ["rest_seconds: must be at least 0, not -5"]),
    ("absurd rounds", GOOD.replace("rounds = 3", "rounds = 500"),
     ["rounds: is too large (500); at most 10 makes sense here"]),
    ("absurd reps", GOOD.replace("reps = 12", "reps = 10000"),
     ["exercise[0].reps: is too large (10000)"]),
    ("zero seconds", GOOD.replace("seconds = 30", "seconds = 0"),
     ["exercise[1].seconds: must be at least 5, not 0"]),
    ("an empty exercise list", 'name = "Nothing"\nrounds = 1\nrest_seconds = 30\nexercise = []\n',
     ["r.toml:4: exercise: must not be empty"]),
    ("a missing exercise list", 'name = "Nothing"\nrounds = 1\nrest_seconds = 30\n',
     ["exercise: is required but missing"]),
    ("bad TOML syntax reported with its line", GOOD.replace("rounds = 3", "rounds = = 3"),
     ["r.toml:2: bad TOML syntax"]),
    ("4-7-8 breathing is not used between sets", 'breathing = "4-7-8"\n' + GOOD,
     ["r.toml:1: breathing: '4-7-8' is never used right after effort"]),
]


@pytest.mark.parametrize(("text", "expected"), [case[1:] for case in REFUSED],
                         ids=[case[0] for case in REFUSED])
def test_a_bad_routine_file_is_refused_with_a_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: list[str]
) -> None:
    code, out = _check(tmp_path, text, capsys)
    assert code == 1
    for said in expected:
        assert said in out


def test_several_problems_give_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace("reps = 12", "rep = 12").replace("seconds = 30", "seconds = -1")
    code, out = _check(tmp_path, text, capsys)
    assert code == 1
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) >= 2
    assert all(line.startswith(str(tmp_path / "r.toml")) for line in lines)


def test_a_missing_file_is_a_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["routines", "check", str(tmp_path / "nope.toml")])
    out = capsys.readouterr().out
    assert code == 1
    assert "nope.toml: no such file" in out


def test_check_reports_each_file_and_fails_if_any_is_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path, GOOD, "good.toml")
    bad = _write(tmp_path, GOOD.replace("rounds = 3", "rounds = 0"), "bad.toml")
    assert main(["routines", "check", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{good}: ok" in out
    assert "bad.toml:2: rounds: must be at least 1, not 0" in out


def test_list_shows_builtin_and_user_routines_with_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    (data / "routines").mkdir(parents=True)
    _write(data / "routines", GOOD, "mine.toml")
    _write(data / "routines", "not toml [", "broken.toml")
    assert main(["routines", "list", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "starter" in out and "built-in" in out
    assert "mine" in out and "yours" in out
    assert "broken" in out and "has problems" in out


def test_what_the_routine_commands_say_is_true_and_never_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tester: `routines list` told to run `routines check` on a Notepad `.toml.txt`, which
    then said "ok"; a folder or a dangling link named `.toml` was left out without a word;
    `true` was said as "true/false True", nan as "too large", "1 exercises x 1 rounds"."""
    data = tmp_path / "data"
    folder = data / "routines"
    folder.mkdir(parents=True)
    _write(folder, GOOD, "notepad.toml.txt")
    (folder / "adir.toml").mkdir()
    (folder / "gone.toml").symlink_to(folder / "nowhere.toml")
    _write(folder, GOOD.replace("rounds = 3 ", "rounds = true "), "flag.toml")
    _write(folder, GOOD.replace("rest_seconds = 75", "rest_seconds = nan"), "nan.toml")
    assert main(["routines", "check", str(folder / "notepad.toml.txt")]) == 0
    out = capsys.readouterr().out
    assert "rename it to notepad.toml" in out and out.rstrip().endswith(": ok")
    assert main(["routines", "list", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "run `companion routines check" not in out
    for name in ("adir", "gone", "notepad-toml"):
        line = next(x for x in out.splitlines() if x.startswith(name))
        assert "has problems" in line, out
    assert "is a folder" in out
    assert "rounds: must be a whole number, not true" in out and "True" not in out
    assert "rest_seconds: must be a number (nan is not one)" in out
    assert " 1 exercises" not in out and " 1 rounds" not in out


def test_a_user_routine_with_a_builtin_id_takes_its_place(tmp_path: Path) -> None:
    _write(tmp_path, 'id = "starter"\n' + GOOD.replace("Starter circuit", "My starter"), "s.toml")
    entry = RoutineLibrary(tmp_path).find("starter")
    assert entry.routine is not None and entry.routine.name == "My starter"
    assert not entry.builtin


def test_a_routine_written_back_loads_the_same(tmp_path: Path) -> None:
    original = RoutineLibrary(None).find("starter").routine
    assert original is not None
    copy = load_routine(_write(tmp_path, routine_to_toml(original), "copy.toml"))
    assert copy.exercises == original.exercises
    assert (copy.id, copy.rounds, copy.rest_seconds) == (original.id, original.rounds, 75)


def test_an_unknown_routine_id_suggests_a_close_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "startr"]) == 1
    err = capsys.readouterr().err
    assert "did you mean 'starter'?" in err
    assert "Traceback" not in err


def test_a_user_copy_keeps_the_alternative_exercises(tmp_path: Path) -> None:
    entry = RoutineLibrary(None).find("quick-ten")
    assert entry.routine is not None and entry.alternatives
    text = routine_to_toml(entry.routine, entry.alternatives)
    copy = RoutineLibrary(tmp_path).find(str(_write(tmp_path, text, "quick-ten.toml")))
    assert copy.alternatives == entry.alternatives


@pytest.mark.parametrize("before", [True, False])
def test_the_data_dir_option_works_before_or_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], before: bool
) -> None:
    data = tmp_path / "elsewhere"
    (data / "routines").mkdir(parents=True)
    _write(data / "routines", GOOD, "only-here.toml")
    args = ["routines", "list"]
    opt = ["--data-dir", str(data)]
    assert main(opt + args if before else args + opt) == 0
    assert "only-here" in capsys.readouterr().out
