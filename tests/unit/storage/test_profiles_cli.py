"""Issue 21 on the command line with a SQLite history: `companion profiles`, `--profile`
on a command, and the PIN (right, wrong, none) asked before anything of a protected
profile is shown. PINs come from standard input, never from an argument."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from companion.cli import main
from companion.config import Paths
from companion.storage import Database
from companion.storage.access import WrongPin, change_pin, unlock
from companion.storage.profiles import first_profile_name
from tests.helpers.history import add_session


def run(data: Path, *argv: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["--data-dir", str(data), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_profiles_add_list_pin_and_history_per_profile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    paths = Paths(data).ensure()
    with Database.open(None, paths=paths) as db:  # a single user's history
        add_session(db, datetime.now(UTC) - timedelta(days=1), name="Mine")
    me = first_profile_name()

    def go(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        return run(data, *argv, stdin=stdin, monkeypatch=monkeypatch, capsys=capsys)

    code, out, _ = go("profiles", "list")
    assert (code, out) == (0, f"{me}  (first)\n")
    assert go("profiles", "add", "Ben", "--pin", stdin="12\n")[0] == 1  # too short
    code, _, err = go("profiles", "add", "Ben", "--pin", stdin="4711\n4711\n")
    assert code == 0 and "protected by a PIN" in err
    assert go("profiles", "add", "ben")[0] == 1  # the name is taken (any case)
    code, out, _ = go("profiles", "list")
    assert out == f"{me}  (first)\nBen  (PIN)\n"
    # the first profile needs no PIN; its history is its own
    code, out, _ = go("history", "--json")
    assert code == 0 and [r["routine_name"] for r in json.loads(out)] == ["Mine"]
    # Ben's: a wrong PIN three times, then none at all: nothing shown
    code, out, err = go("history", "--json", "--profile", "Ben", stdin="0000\n1111\n2222\n")
    assert code == 1 and out == "" and "protected by a PIN" in err
    code, out, _ = go("history", "--json", "--profile", "Ben", stdin="")
    assert code == 1 and out == ""
    # the right one: Ben's (empty) history, not the first profile's
    code, out, _ = go("history", "--json", "--profile", "Ben", stdin="4711\n")
    assert code == 0 and json.loads(out) == []
    code, out, _ = go("history", "--profile", "Ben", stdin="4711\n")
    assert "No sessions yet for Ben." in out
    code, _, err = go("history", "--profile", "Nobody")
    assert code == 1 and "no profile called Nobody" in err and "Ben" in err
    # rename and remove the PIN (each asks the current PIN first)
    assert go("profiles", "rename", "Benjamin", "--profile", "Ben", stdin="4711\n")[0] == 0
    assert go("profiles", "pin", "--remove", "--profile", "Benjamin", stdin="4711\n")[0] == 0
    code, out, _ = go("profiles", "list")
    assert out == f"{me}  (first)\nBenjamin\n"
    # the app's profile switcher lists Benjamin once, never the old name beside it
    from companion.storage.access import names_to_choose

    with Database.open(None, paths=paths) as db:
        assert names_to_choose(paths, None, db) == [me, "Benjamin"]


def test_unlock_and_change_pin_right_wrong_and_none(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "data").ensure()
    with Database.open(None, paths=paths) as db, db.engine.begin() as conn:
        from companion.storage.profiles import create_profile

        create_profile(conn, "Ben", pin="4711")
        create_profile(conn, "Ana")
    assert unlock(paths, None, "Ben", "4711").name == "Ben"
    with pytest.raises(WrongPin):
        unlock(paths, None, "Ben", "4712")
    with pytest.raises(WrongPin):
        unlock(paths, None, "Ben", "")
    assert unlock(paths, None, "Ana", "").name == "Ana"  # no PIN: anything opens it
    with Database.open(None, paths=paths, profile="Ben") as db:
        with pytest.raises(WrongPin):
            change_pin(db, "nope", "new-pin")
        change_pin(db, "4711", None)
        assert not db.profile.has_pin
    assert unlock(paths, None, "Ben", "").name == "Ben"
    # the hash is a slow Argon2id one, never the PIN itself
    with Database.open(None, paths=paths, profile="Ana") as db:
        change_pin(db, "", "correct horse")
        from sqlalchemy import text

        with db.engine.connect() as conn:
            stored = conn.scalar(text("SELECT pin_hash FROM profiles WHERE name = 'Ana'"))
    assert stored.startswith("$argon2id$") and "correct horse" not in stored


def test_without_profile_a_server_opens_the_profile_logged_in_here(tmp_path: Path) -> None:
    from companion.storage.credentials import find_known, remember

    server = "postgresql+psycopg://db.example.lan/companion"
    remember(tmp_path, server, "k1", "Anna", "k1", "anna")
    found = find_known(tmp_path, server, None)
    assert found is not None and found.name == "Anna"
    # a local file: only its first profile (folder ""), never another person's
    local = f"sqlite:///{tmp_path / 'companion.sqlite3'}"
    remember(tmp_path, local, "k2", "Ben", "k2", None)
    assert find_known(tmp_path, local, None) is None
