"""Fuzzing routine files: 1,000 generated and mutated files per run (fixed seed).

Hypothesis generates 100 valid routines (derandomized: the same every run); each is written
as it is and as 9 mutated copies, 1,000 files in all. A mutation is 0-4 changes of the
kind editors and people make: a line lost or doubled, a value of the wrong type or out of
range, a key misspelt, the file cut short, stray bytes, another encoding or line end.
Whatever comes out: no traceback, and every rejection names the file and the key (or the
line, for syntax).
"""

from __future__ import annotations

import codecs
import random
import tempfile
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.routines.library import RoutineLibrary
from companion.routines.loader import MAX_FILE_BYTES, Problem, check_file_full
from tests.helpers.routine_strategies import routine_data

BASES, COPIES = 100, 10
FUZZ = settings(max_examples=BASES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

_VALUES = ["true", "false", '""', '"   "', "[]", "{}", '["a", 1]', "{ a = 1 }", '"\\u0000"',
           "1979-05-27", '"""x\ny"""', "0", "-1", "1e400", "nan", "inf", "-inf", "2.5",
           str(2**70), "-600", "601", "1000000", '"twelve"', "12.0", '"Привет"', "'lit'"]
_KEYS = ["name", "id", "reps", "seconds", "to_fatigue", "rounds", "rest_seconds", "rep",
         "second", "exercise", "cues", "tempo", "alternative", "position", "cap_seconds",
         "breathing", "schema_version", "Name", "équipement", "x y", '"quoted"']
_TABLES = ["[[exercise]]", "[exercise.tempo]", "[exercise.alternative]", "[tempo]",
           "[[exercise.alternative]]", "[exercise", "[[]]", "[name]"]
_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252",
              "latin-1"]


def mutate(text: str, rnd: random.Random) -> bytes:
    """0-4 mutations, then a line end and an encoding, sometimes stray bytes."""
    for _ in range(rnd.randint(0, 4)):
        lines = text.split("\n")
        i = rnd.randrange(len(lines))
        kind = rnd.choice(["drop", "double", "value", "key", "insert", "cut", "char", "table"])
        if kind == "drop":
            del lines[i]
        elif kind == "double":
            lines.insert(i, lines[i])
        elif kind == "value" and "=" in lines[i]:
            lines[i] = lines[i].split("=", 1)[0] + "= " + rnd.choice(_VALUES)
        elif kind == "key" and "=" in lines[i]:
            lines[i] = rnd.choice(_KEYS) + " =" + lines[i].split("=", 1)[1]
        elif kind == "insert":
            lines.insert(i, f"{rnd.choice(_KEYS)} = {rnd.choice(_VALUES)}")
        elif kind == "table":
            lines.insert(i, rnd.choice(_TABLES))
        elif kind == "cut":
            joined = "\n".join(lines)
            lines = joined[: rnd.randint(0, len(joined))].split("\n")
        elif kind == "char":
            pos = rnd.randint(0, len(lines[i]))
            char = chr(rnd.choice([0, 7, 9, 13, 34, 39, 92, 0x85, 0xE9, 0x2028, 0xFEFF,
                                   rnd.randint(32, 0x10FFFF)]))
            if 0xD800 <= ord(char) <= 0xDFFF:
                char = "?"
            lines[i] = lines[i][:pos] + char + lines[i][pos:]
        text = "\n".join(lines)
    text = text.replace("\n", rnd.choice(["\n", "\r\n", "\r"]))
    encoding = rnd.choice(_ENCODINGS)
    raw = text.encode(encoding, errors="replace")
    if rnd.randrange(10) == 0:  # a few stray bytes
        pos = rnd.randint(0, len(raw))
        raw = raw[:pos] + rnd.randbytes(rnd.randint(1, 4)) + raw[pos:]
    if encoding == "utf-8" and rnd.randrange(10) == 0:
        raw = codecs.BOM_UTF8 + raw
    return raw


_FILES = routine_data(max_exercises=5, light=True)


@FUZZ
@given(data=_FILES, seed=st.integers(0, 2**32))
def test_no_routine_file_gives_a_traceback_and_every_rejection_is_located(
        data: dict[str, Any], seed: int) -> None:
    rnd = random.Random(seed)
    text = tomli_w.dumps(data)
    with tempfile.TemporaryDirectory() as folder:
        for copy in range(COPIES):
            raw = text.encode("utf-8") if copy == 0 else mutate(text, rnd)
            path = Path(folder) / f"fuzzed-{copy}.toml"
            path.write_bytes(raw)
            problems, warnings = check_file_full(path)  # must not raise
            if copy == 0:
                assert problems == [], "a valid generated routine must load"
            _located(path, raw, problems + warnings)
        entries = RoutineLibrary(Path(folder), builtin_dir=Path(folder) / "none").entries()
    assert len(entries) == COPIES  # loaded or listed with problems: never dropped


def _located(path: Path, raw: bytes, problems: list[Problem]) -> None:
    n_lines = raw.count(b"\n") + raw.count(b"\r") + 4
    for problem in problems:
        assert problem.file == str(path)
        assert problem.key or (problem.line and (problem.message.startswith(
            ("bad TOML syntax", "is not UTF-8 text", "is too large")))), str(problem)
        assert problem.line is not None and problem.line >= 1, str(problem)
        assert problem.line <= max(n_lines, len(raw) // 2 + 4), str(problem)
        assert "Traceback" not in str(problem)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_bytes(b"# " + b"x" * MAX_FILE_BYTES)
    problems, _ = check_file_full(path)
    assert [p.message for p in problems] == [
        f"is too large ({MAX_FILE_BYTES + 2:,} bytes); a routine file is at most "
        f"{MAX_FILE_BYTES:,} bytes"]


