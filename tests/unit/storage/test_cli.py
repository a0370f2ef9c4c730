"""`companion history`: the table, the JSON contract, export, and delete-all."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from companion.cli import main
from companion.config import resolve_paths
from companion.core.clock import FakeClock
from companion.storage import Database
from tests.conftest import ROOT
from tests.unit.storage.sessions import new_engine, play, tiny_routine

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$")
STATUSES = {"completed", "stopped_by_user", "stopped_red_flag", "interrupted", "in_progress"}
SYMPTOMS = {"chest_pain", "dizziness", "sharp_pain", "headache", "unspecified"}


def record_sessions(url: str) -> None:
    """Three real sessions: completed, stopped for a red flag, and one still open."""
    routine = tiny_routine()
    with Database.open(url) as db:
        for kw in ({}, {"red_flag_at": 2}):
            clock = FakeClock()
            engine = new_engine(routine, clock)
            engine.subscribe(db.recorder(routine))
            play(engine, clock.advance, efforts=lambda n: n + 2, **kw)  # type: ignore[arg-type]
        clock = FakeClock()
        engine = new_engine(routine, clock)
        engine.subscribe(db.recorder(routine))
        engine.start(mood_before=None)


def history(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["history", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_history_json_follows_the_documented_contract(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record_sessions(db_url)
    code, out, err = history(capsys, "--json", "--db", db_url)
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 3
    for item in data:
        assert {"id", "routine", "routine_name", "started_at", "ended_at", "status",
                "mood_before", "mood_after", "red_flags", "sets"} <= item.keys()
        assert isinstance(item["id"], int)
        assert item["routine"] == "tiny" and item["routine_name"] == "Tiny circuit"
        assert ISO_UTC.match(item["started_at"])
        assert item["ended_at"] is None or ISO_UTC.match(item["ended_at"])
        assert item["status"] in STATUSES
        assert item["mood_before"] is None or 1 <= item["mood_before"] <= 5
        assert item["mood_after"] is None or 1 <= item["mood_after"] <= 5
        assert set(item["red_flags"]) <= SYMPTOMS
        for st in item["sets"]:
            assert {"exercise", "round", "reps", "seconds", "effort"} <= st.keys()
            assert isinstance(st["exercise"], str) and isinstance(st["round"], int)
            assert st["reps"] is None or isinstance(st["reps"], int)
            assert st["seconds"] is None or isinstance(st["seconds"], int | float)
            assert st["effort"] is None or 0 <= st["effort"] <= 10
    starts = [datetime.fromisoformat(i["started_at"]) for i in data]
    assert starts == sorted(starts, reverse=True)
    open_, red, done = data
    assert (open_["status"], open_["ended_at"], open_["sets"]) == ("in_progress", None, [])
    assert red["status"] == "stopped_red_flag" and red["red_flags"] == ["chest_pain"]
    assert [s["effort"] for s in red["sets"]] == [2, 3, None]
    assert done["status"] == "completed" and (done["mood_before"], done["mood_after"]) == (3, 4)
    assert [(s["exercise"], s["round"], s["reps"], s["seconds"]) for s in done["sets"]] == [
        ("Squats", 1, 2, 3.0), ("Plank", 1, None, 2.0), ("Squats", 2, 2, 3.0),
        ("Plank", 2, None, 2.0)]


def test_history_table_is_readable_newest_first(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record_sessions(db_url)
    code, out, _ = history(capsys, "--db", db_url)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["id", "started", "routine"]
    assert "in progress" in lines[1]
    assert "stopped: red flag (chest pain)" in lines[2]
    assert "completed" in lines[3] and "4/4" in lines[3] and "3->4" in lines[3]
    assert lines[-1].startswith("3 sessions, newest first")


def test_empty_history_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = history(capsys)
    assert (code, out) == (0, "No sessions yet.\n")


def test_export_csv_has_one_row_per_set_with_session_columns(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_sessions(db_url)
    target = tmp_path / "history.csv"
    code, _, err = history(capsys, "--db", db_url, "--export", str(target))
    assert code == 0 and "wrote 3 sessions" in err
    assert target.stat().st_mode & 0o777 == 0o600  # health data stays private
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 4 + 3 + 1  # sets of each session; the open one has a row of its own
    completed = [r for r in rows if r["status"] == "completed"]
    assert [r["exercise"] for r in completed] == ["Squats", "Plank", "Squats", "Plank"]
    assert {r["routine_name"] for r in completed} == {"Tiny circuit"}
    assert len({r["started_at"] for r in completed}) == 1
    assert [r["effort"] for r in completed] == ["2", "3", "4", "5"]
    assert {r["skipped"] for r in completed} == {"false"}
    red = [r for r in rows if r["status"] == "stopped_red_flag"]
    assert {r["red_flags"] for r in red} == {"chest_pain"}


def test_export_json_matches_history_json(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_sessions(db_url)
    target = tmp_path / "history.json"
    assert history(capsys, "--db", db_url, "--export", str(target))[0] == 0
    _, out, _ = history(capsys, "--db", db_url, "--json")
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(out)


def test_export_refuses_an_unknown_format(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    code, _, err = history(capsys, "--export", str(tmp_path / "history.xlsx"))
    assert code == 1 and ".csv or .json" in err
    assert not (tmp_path / "history.xlsx").exists()


def test_delete_all_asks_first_and_keeps_everything_on_no(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    record_sessions(db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    code, out, err = history(capsys, "--db", db_url, "--delete-all")
    assert code == 1 and "Nothing was deleted" in err
    assert "Erase all 2 sessions" in out
    assert "stopped for a red flag on" in out and "has not been confirmed yet" in out
    with Database.open(db_url) as db:
        assert len(db.history()) == 3
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    code, _, err = history(capsys, "--db", db_url, "--delete-all")
    assert code == 0 and "Deleted 2 sessions" in err and "it is kept" in err
    with Database.open(db_url) as db:
        assert [r.status for r in db.history()] == ["stopped_red_flag"]


def test_delete_all_keeps_an_unconfirmed_red_flag_stop_so_the_app_still_asks(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tester: `--delete-all` after a red-flag stop not yet confirmed erased it, and the
    next session started with no "Before you exercise again" question. The stop is kept
    (and said) until it is confirmed; then everything goes."""
    record_sessions(db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    assert history(capsys, "--db", db_url, "--delete-all")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    _, out, _ = history(capsys, "--db", db_url, "--delete-all")
    assert "Erase the screening answers" in out  # not "all 0 sessions": one is kept
    with Database.open(db_url) as db:
        pending = db.pending_red_flag_ack()
        assert pending is not None  # the app's gate still asks
        assert db.latest_screening() is None
        db.acknowledge_red_flag(pending.session_id, "I feel well again")
    code, _, err = history(capsys, "--db", db_url, "--delete-all", "--yes")
    assert code == 0 and "Deleted 1 session " in err and "kept" not in err
    with Database.open(db_url) as db:
        assert db.history() == [] and db.pending_red_flag_ack() is None


@pytest.mark.parametrize("answer", ["y", "Y", "ye", "yes please", "yess", "ok", "", "n", "no"])
def test_delete_all_erases_only_on_the_word_it_asks_for(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    answer: str
) -> None:
    """"Type 'yes' to confirm": a reflex "y" (or anything else) keeps everything."""
    record_sessions(db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(answer + "\n"))
    code, _, err = history(capsys, "--db", db_url, "--delete-all")
    assert code == 1 and "Nothing was deleted" in err
    with Database.open(db_url) as db:
        assert len(db.history()) == 3
    monkeypatch.setattr("sys.stdin", io.StringIO(" YES \n"))
    code, _, _ = history(capsys, "--db", db_url, "--delete-all")
    assert code == 0


def test_delete_all_with_yes_does_not_ask(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record_sessions(db_url)
    code, out, _ = history(capsys, "--db", db_url, "--delete-all", "--yes")
    assert code == 0 and out == ""
    with Database.open(db_url) as db:
        assert [r.status for r in db.history()] == ["stopped_red_flag"]  # not confirmed


def test_environment_url_is_honoured(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    record_sessions(db_url)
    monkeypatch.setenv("COMPANION_DB_URL", db_url)
    _, out, _ = history(capsys, "--json")
    assert len(json.loads(out)) == 3


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COMPANION_DATA_DIR": str(data_dir)}
    env.pop("COMPANION_DB_URL", None)
    return subprocess.run([sys.executable, "-m", "companion", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60)


def test_a_damaged_database_is_left_alone_by_commands_and_set_aside_by_the_app(
        tmp_path: Path) -> None:
    """A command only reads: it says the file is damaged and changes nothing (a tester's
    `companion history` moved the file aside, and the app then started with no red-flag
    confirmation). The app's own start sets it aside; commands then read the new one."""
    data = tmp_path / "data"
    data.mkdir()
    damaged = os.urandom(20_000)
    (data / "companion.sqlite3").write_bytes(damaged)
    for command in (("history", "--json"), ("history",),
                    ("report", "--pdf", str(tmp_path / "r.pdf"))):
        result = run_cli(*command, data_dir=data)
        assert result.returncode == 1, command
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("companion: The history database"), result.stderr
        assert "damaged" in result.stderr and "Nothing was changed" in result.stderr
        assert not list(data.glob("companion.sqlite3.corrupt-*"))
        assert (data / "companion.sqlite3").read_bytes() == damaged
        assert not (data / "companion.sqlite3.recovered").exists()
    from companion.storage.database import Database

    db = Database.open(f"sqlite:///{data / 'companion.sqlite3'}")  # as the app opens it
    assert db.recovered is not None
    db.close()
    moved = sorted(data.glob("companion.sqlite3.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == damaged
    assert (data / "companion.sqlite3.recovered").exists()
    again = run_cli("history", "--json", data_dir=data)  # the fresh database is fine
    assert (again.returncode, again.stdout.strip(), again.stderr) == (0, "[]", "")


def test_a_used_history_emptied_to_zero_bytes_is_damage_but_a_new_empty_file_is_not(
        tmp_path: Path) -> None:
    """A tester: a history file truncated to 0 bytes (a crash, a sync tool, a full disk)
    was taken as a new history: "No sessions yet", and the unconfirmed red-flag stop it held
    was forgotten. Once this computer has used the file (`known_profiles.json`), an empty
    one is damage: commands say so and change nothing; the app sets it aside and asks."""
    data = tmp_path / "data"
    assert run_cli("history", "--json", data_dir=data).returncode == 0  # used once
    assert (data / "known_profiles.json").exists()
    (data / "companion.sqlite3").write_bytes(b"")
    result = run_cli("history", "--json", data_dir=data)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "damaged" in result.stderr and "empty (0 bytes)" in result.stderr, result.stderr
    assert (data / "companion.sqlite3").read_bytes() == b""  # left as it is

    fresh = tmp_path / "fresh"  # never used here: an empty file is just a new history
    fresh.mkdir()
    (fresh / "companion.sqlite3").write_bytes(b"")
    again = run_cli("history", "--json", data_dir=fresh)
    assert (again.returncode, again.stdout.strip()) == (0, "[]"), again.stderr


def test_unreachable_database_server_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("history", "--db", "postgresql+psycopg://me@127.0.0.1:9/none",
                     data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("companion: Cannot open the history database")
    assert "the server does not answer. Check that it is running" in result.stderr


def test_json_times_are_utc(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    record_sessions(db_url)
    _, out, _ = history(capsys, "--db", db_url, "--json")
    first = json.loads(out)[-1]
    started = datetime.fromisoformat(first["started_at"])
    assert started.utcoffset() is not None and started.tzinfo is not None
    assert abs((datetime.now(UTC) - started).total_seconds()) < 600


@pytest.mark.parametrize("command", [
    ["init-postgres"], ["add-profile", "Sam", "--role", "sam"], ["add-clinician", "doc"],
    ["grant", "doc"], ["revoke", "doc"], ["grants"], ["login", "--role", "sam"],
], ids=lambda c: c[0])
def test_every_db_command_on_a_sqlite_history_says_it_is_for_postgresql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    """A tester's `db add-profile X --role r` on the default SQLite file ended in a
    SQLAlchemy traceback (`no such table: pg_roles`): each `db` command says what it is for."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = main(["--data-dir", str(tmp_path), "db", *command])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "PostgreSQL database" in err and "Traceback" not in err
    assert "pg_roles" not in err and "unexpected error" not in err


@pytest.mark.parametrize(("make", "says"), [
    (lambda d: (d / "companion.sqlite3").mkdir(parents=True), "it is a folder"),
    (lambda d: (d.mkdir(parents=True), sqlite3.connect(d / "companion.sqlite3").execute(
        "CREATE TABLE sessions (id INTEGER)").connection.commit()),
     "not the version record Companion keeps"),
], ids=["a-folder", "tables-without-version"])
def test_a_history_that_cannot_be_opened_says_why_and_what_to_do(
        tmp_path: Path, make: Callable[[Path], object], says: str) -> None:
    """A tester: "unable to open database file" and "table sessions already exists" told a
    person nothing they could act on. One line: what, why, what to do, then the details."""
    data = tmp_path / "data"
    make(data)
    result = run_cli("history", data_dir=data)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert line.startswith("companion: Cannot open the history database") and says in line
    assert "(Details: " in line and len(line.splitlines()) == 1


def test_a_value_edited_by_hand_is_one_clear_line_never_a_traceback(tmp_path: Path) -> None:
    """A tester: a start time edited to 'yesterday' made every command print "unexpected
    error" and a traceback. One line now says the history holds a value that cannot be
    read; the traceback is there with -v."""
    data = tmp_path / "data"
    assert run_cli("history", data_dir=data).returncode == 0
    with Database.open(paths=resolve_paths(data)) as db:
        from tests.helpers.history import add_session

        add_session(db, datetime.now(UTC))
    with sqlite3.connect(data / "companion.sqlite3") as conn:
        conn.execute("UPDATE sessions SET started_at = 'yesterday'")
    for command in (("history",), ("history", "--json"),
                    ("report", "--pdf", str(tmp_path / "r.pdf"))):
        result = run_cli(*command, data_dir=data)
        assert result.returncode == 1, (command, result.stderr)
        assert "Traceback" not in result.stderr, command
        assert result.stderr.startswith("companion: your history holds a value Companion "
                                         "cannot read"), result.stderr
    verbose = run_cli("history", "-v", data_dir=data)
    assert "Traceback" in verbose.stderr
