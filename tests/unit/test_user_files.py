"""Nothing the user wrote is lost or overwritten blind: exports, reports and settings under
a full disk, a folder path, a read-only folder, a damaged file; CSV that cannot run as a
formula; `--data-dir` that never changes a folder the app did not create."""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.cli import main
from companion.config import Paths, resolve_paths
from companion.settings import Settings, load_settings, save_settings
from companion.storage import Database
from companion.storage.export import csv_rows
from tests.helpers.faults import fill, read_only, small_disk
from tests.helpers.history import add_session

WHEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
#: OWASP "CSV Injection": what a spreadsheet takes as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data dir with one stored session."""
    data = tmp_path / "data"
    with Database.open(paths=Paths(data).ensure()) as db:
        add_session(db, WHEN)
    return data


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_clean_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(params=["small disk", "injected"])
def full_disk(request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on a full disk: a real small tmpfs filled up where mounting is allowed,
    else ENOSPC injected where the kernel reports it (at the flush to disk)."""
    with small_disk(tmp_path, "2m") as disk:
        if request.param == "small disk" and disk is not None:
            filler = fill(disk)
            try:
                yield disk
            finally:
                filler.unlink()
            return
        if request.param == "small disk":
            pytest.skip("mounting a small disk is not allowed here (the injected case runs)")
        import companion.files as files_module

        def no_space(_fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(files_module.os, "fsync", no_space)
        target = tmp_path / "full"
        target.mkdir()
        yield target


# -- exports and reports ---------------------------------------------------------------------------
def test_export_to_a_full_disk_is_one_line_and_a_non_zero_exit(
    data_dir: Path, full_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = full_disk / "history.csv"
    code, _, err = run(capsys, "history", "--data-dir", str(data_dir), "--export", str(out))
    assert code == 1
    line = one_clean_line(err)
    assert str(out) in line and "No space left on device" in line
    assert not out.exists()
    assert not [p for p in full_disk.iterdir() if p.name.startswith(".history.csv")]


def test_report_to_a_full_disk_is_one_line_a_non_zero_exit_and_no_empty_file(
    data_dir: Path, full_disk: Path, capsys: pytest.CaptureFixture[str], qapp: object
) -> None:
    out = full_disk / "summary.pdf"
    code, stdout, err = run(capsys, "report", "--data-dir", str(data_dir), "--pdf", str(out))
    assert code == 1
    assert "wrote" not in stdout
    line = one_clean_line(err)
    assert str(out) in line and "No space left on device" in line
    assert not out.exists()  # never a 0-byte file


def test_export_and_report_to_a_folder_fail_cleanly(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: object
) -> None:
    folder = tmp_path / "looks-like.csv"
    folder.mkdir()
    code, _, err = run(capsys, "history", "--data-dir", str(data_dir), "--export", str(folder))
    assert code == 1 and "folder" in one_clean_line(err)
    pdf_folder = tmp_path / "out.pdf"
    pdf_folder.mkdir()
    for target in (pdf_folder, tmp_path):
        code, stdout, err = run(capsys, "report", "--data-dir", str(data_dir), "--pdf",
                                str(target))
        assert code == 1, stdout
        assert "wrote" not in stdout and "folder" in one_clean_line(err)


def test_report_pdfs_are_private_like_exports(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: object
) -> None:
    pdf, export = tmp_path / "summary.pdf", tmp_path / "history.csv"
    assert run(capsys, "report", "--data-dir", str(data_dir), "--pdf", str(pdf))[0] == 0
    assert run(capsys, "history", "--data-dir", str(data_dir), "--export", str(export))[0] == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    assert stat.S_IMODE(export.stat().st_mode) == 0o600


def test_a_failed_export_leaves_the_old_file_as_it_was(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import companion.files as files_module

    out = tmp_path / "history.json"
    out.write_text("my old export", encoding="utf-8")

    def no_space(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files_module.os, "fsync", no_space)
    assert run(capsys, "history", "--data-dir", str(data_dir), "--export", str(out))[0] == 1
    assert out.read_text(encoding="utf-8") == "my old export"


# -- CSV that a spreadsheet opens as text ----------------------------------------------------------
def test_csv_cells_that_would_run_as_formulas_are_neutralised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    names = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)",
             "\tTAB", "\rCR"]
    with Database.open(paths=Paths(data).ensure()) as db:
        for i, name in enumerate(names):
            add_session(db, WHEN + timedelta(days=i), name=name, routine_id=name,
                        sets=[(name, 4)])
    out = tmp_path / "h.csv"
    assert run(capsys, "history", "--data-dir", str(data), "--export", str(out))[0] == 0
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
    assert {r["routine_name"] for r in rows} == {"'" + n for n in names}
    for row in rows:
        for column in ("routine", "routine_name", "exercise"):
            assert not row[column].startswith(FORMULA_STARTS), (column, row[column])
    # JSON is data, not a spreadsheet: it keeps the names exactly
    out_json = tmp_path / "h.json"
    assert run(capsys, "history", "--data-dir", str(data), "--export", str(out_json))[0] == 0
    assert {s["routine_name"] for s in json.loads(out_json.read_text())} == set(names)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=30))
def test_no_text_cell_can_start_a_formula_and_the_text_is_kept(name: str) -> None:
    export = [{"id": 1, "routine": name, "routine_name": name, "started_at": "2026-03-02T18:00Z",
               "ended_at": None, "duration_seconds": None, "status": "completed",
               "mood_before": -1, "mood_after": None, "red_flags": [],
               "sets": [{"set_no": 0, "exercise": name, "round": 1, "reps": 3, "seconds": 1.5,
                         "effort": 5, "planned_reps": 3, "planned_seconds": None,
                         "skipped": False, "capped": False, "amber": False}]}]
    (row,) = csv_rows(export)
    for column in ("routine", "routine_name", "exercise"):
        cell = row[column]
        assert not cell.startswith(FORMULA_STARTS)
        assert cell in (name, "'" + name)
    assert row["mood_before"] == -1  # numbers are numbers, not text


# -- settings --------------------------------------------------------------------------------------
def test_a_damaged_settings_file_is_kept_beside_before_defaults_are_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    mine = '{"emergency_text": "Call Dr Okafor on 0161 555 0199", "weekly_goal": 3,,}'
    path.write_text(mine, encoding="utf-8")
    settings, problems = load_settings(path)
    assert settings == Settings()
    copies = list(tmp_path.glob("settings.json.damaged-*"))
    assert len(copies) == 1 and copies[0].read_text(encoding="utf-8") == mine
    assert str(copies[0]) in problems[-1]  # the banner says where
    save_settings(settings, path)  # the first save writes the defaults...
    assert copies[0].read_text(encoding="utf-8") == mine  # ...and the user's text is kept
    load_settings(path)  # a healthy file: nothing more to keep
    load_settings(path)
    assert len(list(tmp_path.glob("settings.json.damaged-*"))) == 1


def test_a_settings_file_with_one_bad_field_is_kept_too(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    mine = json.dumps({"emergency_text": "999", "rate": "fast", "mine": True})
    path.write_text(mine, encoding="utf-8")
    settings, problems = load_settings(path)
    assert settings.emergency_text == "999"
    (copy,) = tmp_path.glob("settings.json.damaged-*")
    assert copy.read_text(encoding="utf-8") == mine and str(copy) in problems[-1]
    load_settings(path)  # started again before any save: no second copy
    assert len(list(tmp_path.glob("settings.json.damaged-*"))) == 1


# -- folders ---------------------------------------------------------------------------------------
def test_data_dir_keeps_the_permissions_of_a_folder_the_app_did_not_create(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    assert run(capsys, "history", "--data-dir", str(home))[0] == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o755  # `--data-dir ~` must not lock ~
    created = tmp_path / "new" / "data"
    resolve_paths(created).ensure()
    assert stat.S_IMODE(created.stat().st_mode) == 0o700  # what the app creates is private
    assert stat.S_IMODE((created / "routines").stat().st_mode) == 0o700


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.iterdir() if p.is_file()}


def test_history_reads_a_read_only_data_folder_and_moves_nothing(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(data_dir)
    with read_only(data_dir) as possible:
        if not possible:
            pytest.skip("this machine cannot make a folder read-only for this user")
        code, out, err = run(capsys, "history", "--data-dir", str(data_dir))
        assert code == 0, err
        assert "Starter circuit" in out and "1 session," in out
        code, out, err = run(capsys, "history", "--data-dir", str(data_dir), "--json")
        assert code == 0, err
        assert len(json.loads(out)) == 1
        code, _, err = run(capsys, "history", "--data-dir", str(data_dir), "--delete-all",
                           "--yes")
        assert code == 1 and "read-only" in one_clean_line(err)
    assert _digest(data_dir) == before  # nothing moved aside, nothing changed
    assert not list(data_dir.glob("*.corrupt-*"))


def test_a_damaged_database_is_still_set_aside(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """'Damaged' is what SQLite says; the command says so and leaves it, the app's start
    sets it aside (with the marker that keeps the red-flag gate asking)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "companion.sqlite3").write_bytes(b"this is not a database" * 100)
    code, _, err = run(capsys, "history", "--data-dir", str(data))
    assert code == 1 and "is damaged" in err and "Nothing was changed" in err
    assert not list(data.glob("companion.sqlite3.corrupt-*"))
    from companion.config import Paths
    from companion.storage import Database

    db = Database.open(paths=Paths(data).ensure())
    assert db.recovered is not None and "moved to" in str(db.recovered)
    db.close()
    assert list(data.glob("companion.sqlite3.corrupt-*"))
    assert (data / "companion.sqlite3.recovered").exists()
