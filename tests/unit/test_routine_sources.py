"""Routine files as people really write them (issue 16, findings 1, 3 and "files from
anywhere"): names in any script, collisions, Windows and Mac editors, limits with lines."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest

from companion.cli import main
from companion.core.routine import Position
from companion.core.safety import Profile, adapt
from companion.routines import RoutineLibrary, check_file, load_routine
from companion.routines.loader import load_routine_full

GOOD = """\
name = "Утренняя зарядка"
rounds = 2
rest_seconds = 30
[[exercise]]
name = "Приседания"
reps = 10
[[exercise]]
name = "Планка"
seconds = 20
"""

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- finding 1: ids -------------------------------------------------------------------------------
def test_files_named_in_other_scripts_get_their_own_ids(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "routines"
    for stem in ("утро", "вечер", "朝の体操"):
        _write(mine, f"{stem}.toml", GOOD)
    entries = [e for e in RoutineLibrary(mine).entries() if not e.builtin]
    ids = [e.id for e in entries if e.routine is not None]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert all(ID_RE.match(i) for i in ids)
    assert main(["routines", "list", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert all(i in out for i in ids)


def test_ids_are_stable_and_readable() -> None:
    from companion.routines.loader import make_id

    assert make_id("утро") == make_id("утро") == "utro"
    assert make_id("Bodyweight squats") == "bodyweight-squats"
    assert ID_RE.match(make_id("★☆")) and make_id("★") != make_id("☆")
    long_a, long_b = "x" * 50 + "a", "x" * 50 + "b"
    assert make_id(long_a) != make_id(long_b) and len(make_id(long_a)) <= 40


def test_two_of_your_files_with_one_id_are_reported_with_both_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "routines"
    first = _write(mine, "a-first.toml", 'id = "same"\n' + GOOD)
    second = _write(mine, "b-second.toml", 'id = "same"\n' + GOOD.replace("Утренняя", "Вечерняя"))
    entries = [e for e in RoutineLibrary(mine).entries() if not e.builtin]
    loaded = [e for e in entries if e.routine is not None]
    broken = [e for e in entries if e.routine is None]
    assert [e.path for e in loaded] == [first]
    assert [e.path for e in broken] == [second]
    text = str(broken[0].problems[0])
    assert str(first) in text and str(second) in text and ":1: id:" in text
    assert main(["routines", "list", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "b-second.toml" in out and "a-first.toml" in out
    assert main(["routines", "check", str(first), str(second)]) == 1
    out = capsys.readouterr().out
    assert f"{second}:1: id: 'same' is already the id of {first}" in out


def test_exercises_in_other_scripts_keep_their_own_alternatives(tmp_path: Path) -> None:
    text = """\
name = "Пол"
rounds = 1
rest_seconds = 30
[[exercise]]
name = "Ягодичный мост"
reps = 10
position = "supine"
[exercise.alternative]
name = "Наклон стоя"
reps = 10
[[exercise]]
name = "Скручивания"
reps = 10
position = "supine"
[exercise.alternative]
name = "Марш стоя"
seconds = 30
"""
    entry = load_routine_full(_write(tmp_path, "floor.toml", text))
    ids = [e.id for e in entry.routine.exercises]
    assert len(set(ids)) == 2
    pregnant = Profile(pregnant=True, pregnant_after_first_trimester=True, applies=("pregnancy",))
    adapted = adapt(entry.routine, entry.alternatives, pregnant)
    assert [e.name for e in adapted.routine.exercises] == ["Наклон стоя", "Марш стоя"]
    assert all(e.position is not Position.SUPINE for e in adapted.routine.exercises)


def test_the_same_exercise_twice_gets_two_ids(tmp_path: Path) -> None:
    text = GOOD + '[[exercise]]\nname = "Приседания"\nreps = 12\n'
    ids = [e.id for e in load_routine(_write(tmp_path, "r.toml", text)).exercises]
    assert len(ids) == len(set(ids)) == 3


def test_a_repeated_exercise_id_is_a_problem_with_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('reps = 10', 'reps = 10\nid = "sq"').replace('seconds = 20',
                                                                     'seconds = 20\nid = "sq"')
    problems = check_file(_write(tmp_path, "r.toml", text))
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'r.toml'}:11: exercise[1].id: 'sq' is already the id of exercise[0] "
        "(Приседания); each exercise needs its own id"]


# -- files from anywhere ----------------------------------------------------------------------
ENCODINGS = {
    "utf-8 with BOM (Notepad)": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16 LE with BOM (Notepad 'Unicode')": lambda t: t.encode("utf-16"),
    "utf-16 BE with BOM": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-16 LE without BOM": lambda t: t.encode("utf-16-le"),
    "utf-32 with BOM": lambda t: t.encode("utf-32"),
}
NEWLINES = {"CRLF (Windows)": "\r\n", "CR (classic Mac)": "\r", "LF": "\n"}


@pytest.mark.parametrize("newline", list(NEWLINES))
@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_files_saved_by_windows_and_mac_editors_load(tmp_path: Path, encoding: str,
                                                     newline: str) -> None:
    reference = load_routine(_write(tmp_path, "ref.toml", GOOD))
    raw = ENCODINGS[encoding](GOOD.replace("\n", NEWLINES[newline]))
    path = tmp_path / "ref.toml"
    path.write_bytes(raw)
    assert check_file(path) == []
    assert load_routine(path).exercises == reference.exercises


def test_a_file_in_another_encoding_gets_a_clear_message_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes('name = "Morning"\nrounds = 1\nrest_seconds = 30\n[[exercise]]\n'
                     'name = "Plié squats"\nreps = 10\n'.encode("cp1252"))
    (problem,) = check_file(path)
    assert str(problem).startswith(f"{path}:5: is not UTF-8 text (byte 0xE9)")
    assert "save it as UTF-8" in str(problem)


def test_upper_case_extensions_are_read(tmp_path: Path) -> None:
    mine = tmp_path / "routines"
    _write(mine, "MORNING.TOML", GOOD)
    _write(mine, "Evening.Toml", GOOD)
    ids = {e.id for e in RoutineLibrary(mine).entries() if not e.builtin and e.routine}
    assert ids == {"morning", "evening"}
    entry = RoutineLibrary(mine).find(str(mine / "MORNING.TOML"))
    assert entry.routine is not None


def test_a_toml_txt_file_from_notepad_is_listed_not_ignored(tmp_path: Path) -> None:
    mine = tmp_path / "routines"
    _write(mine, "morning.toml.txt", GOOD)
    _write(mine, "notes.txt", "not a routine")
    broken = [e for e in RoutineLibrary(mine).entries() if e.routine is None]
    assert len(broken) == 1
    assert "rename it to morning.toml" in str(broken[0].problems[0])


# -- finding 3: names and limits --------------------------------------------------------------
@pytest.mark.parametrize("where", ["routine", "exercise"])
def test_a_name_of_only_spaces_is_refused(tmp_path: Path, where: str) -> None:
    old = 'name = "Утренняя зарядка"' if where == "routine" else 'name = "Приседания"'
    problems = check_file(_write(tmp_path, "r.toml", GOOD.replace(old, 'name = "   "')))
    key = "name" if where == "routine" else "exercise[0].name"
    line = 1 if where == "routine" else 5
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'r.toml'}:{line}: {key}: must not be empty or only spaces"]


def test_fifty_exercises_give_the_limit_and_a_line(tmp_path: Path) -> None:
    text = 'name = "Long"\nrounds = 1\nrest_seconds = 30\n' + \
        "".join(f'[[exercise]]\nname = "Move {n}"\nreps = 5\n' for n in range(50))
    problems = check_file(_write(tmp_path, "r.toml", text))
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'r.toml'}:4: exercise: has 50 exercises; at most 30 are allowed"]


def test_a_name_too_long_gives_the_limit(tmp_path: Path) -> None:
    name = "A really long exercise name " * 4
    problems = check_file(_write(tmp_path, "r.toml", GOOD.replace("Приседания", name)))
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'r.toml'}:5: exercise[0].name: is too long ({len(name)} characters); "
        "at most 80 are allowed"]


def test_a_missing_name_points_at_a_line(tmp_path: Path) -> None:
    problems = check_file(_write(tmp_path, "r.toml", GOOD.replace('name = "Планка"\n', "")))
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'r.toml'}:7: exercise[1].name: is required but missing"]
