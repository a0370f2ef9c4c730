"""`companion report --pdf FILE` on a real history: the stop, the screening and the routine."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from companion.cli import main
from companion.config import resolve_db_url, resolve_paths
from companion.core.events import State, Symptom
from companion.core.safety import ACK_LABELS, AckChoice, Answer, ScreeningResult, Trimester
from companion.safety.content import load_screening
from companion.storage.database import Database
from tests.conftest import ROOT
from tests.helpers.history import add_session
from tests.helpers.sessions import make_engine, run_until


def _pages(path: Path) -> list[str]:
    """Each page's text, spaces normalised (Qt's PDFs extract them as tabs, "fi" as a
    ligature)."""
    return [" ".join(unicodedata.normalize("NFKC", p.extract_text()).split())
            for p in PdfReader(str(path)).pages]


def _pdf_text(path: Path) -> str:
    return " ".join(_pages(path))


@contextmanager
def _app_history(data_dir: Path) -> Iterator[Database]:
    """The history the app opens for `data_dir` (its SQLite file), closed after the block."""
    paths = resolve_paths(data_dir).ensure()
    db = Database.open(resolve_db_url(paths), paths=paths)
    try:
        yield db
    finally:
        db.close()


def _report(tmp_path: Path, fill: Callable[[Path], None], *options: str) -> Path:
    """A data folder filled by `fill`, then `companion report --pdf` on it; the PDF."""
    data = tmp_path / "data"
    fill(data)
    out = tmp_path / "summary.pdf"
    assert main(["report", "--pdf", str(out), "--data-dir", str(data), *options]) == 0
    return out


def _history(data_dir: Path) -> None:
    with _app_history(data_dir) as db:
        engine, clock, _ = make_engine()
        engine.subscribe(db.recorder(engine.plan.routine))
        engine.start(mood_before=2)
        run_until(engine, clock, State.WORK)
        engine.report_red_flag(Symptom.DIZZINESS)
        result = ScreeningResult({"beta_blockers": Answer.YES, "joint_pain": Answer.NOT_SURE,
                                  "mental_health": Answer.YES}, acknowledged=True)
        db.save_screening(result.to_json(), "I will check with my clinician first")


def test_the_report_command_writes_a_pdf_with_the_talking_points(
    qapp: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # qapp: pytest-qt's QApplication first, else report() leaves a QGuiApplication behind
    # and every later widget test in this process errors
    out = _report(tmp_path, _history, "--routine", "starter")
    assert "wrote" in capsys.readouterr().out
    text = _pdf_text(out)
    assert "dizziness" in text
    assert "beta-blocker" in text.lower()
    assert "Physical limitations" in text and "joint" in text.lower()
    assert "Bodyweight squats: 12 reps" in text
    assert "Taken " in text


def test_a_folder_that_does_not_exist_is_a_clear_message_and_none_is_made(
    qapp: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no" / "such" / "summary.pdf"
    code = main(["report", "--pdf", str(out), "--data-dir", str(tmp_path / "data")])
    assert code == 1
    err = capsys.readouterr().err
    assert f"cannot write {out}: the folder {out.parent} does not exist" in err
    assert "Traceback" not in err and not (tmp_path / "no").exists()


def test_a_bad_date_is_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "--pdf", str(tmp_path / "x.pdf"), "--since", "last week"])
    assert code == 1
    assert "--since must be a date like" in capsys.readouterr().err


def _stops_and_pregnancy(data_dir: Path) -> None:
    """Three red-flag stops (the middle one confirmed) and a pregnancy in its 2nd trimester."""
    with _app_history(data_dir) as db:
        now = datetime.now(UTC)
        add_session(db, now - timedelta(days=20), status="stopped_red_flag",
                    red_flag="sharp_pain")
        confirmed = add_session(db, now - timedelta(days=10), status="stopped_red_flag",
                                red_flag="headache")
        db.acknowledge_red_flag(confirmed, ACK_LABELS[AckChoice.SOUGHT_ADVICE])
        add_session(db, now - timedelta(days=2), status="stopped_red_flag",
                    red_flag="chest_pain")
        result = ScreeningResult({"pregnancy": Answer.YES}, trimester=Trimester.SECOND,
                                 acknowledged=True)
        db.save_screening(result.to_json(), "I will check with my clinician first")


def test_the_report_shows_the_trimester_and_how_each_stop_was_confirmed(
    qapp: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _report(tmp_path, _stops_and_pregnancy)
    assert capsys.readouterr().out.startswith(f"wrote {out} (3 sessions, ")
    pages = _pages(out)
    text = " ".join(pages)
    assert "1. Health answers to discuss" in text and "diagnosis" not in text.replace(
        "not a diagnosis", "")
    pregnancy = load_screening().question("pregnancy")
    assert pregnancy.follow_up is not None
    second = dict(pregnancy.follow_up.choices)[Trimester.SECOND.value]
    assert f"(yes; trimester: {second})" in text  # 3. Physical limitations
    assert f"{pregnancy.text} yes ; trimester: {second}" in text  # the answers' table
    stops = text[text.index("Red-flag stops"):text.index("Screening answers")]
    assert stops.index("sharp or shooting") < stops.index("headache") < stops.index("chest")
    older, confirmed, latest = (stops.split(": reported ")[i] for i in (1, 2, 3))
    assert "No confirmation recorded for this stop; a later stop was confirmed." in older
    assert "Confirmed by the person on " in confirmed
    assert f"\u201c{ACK_LABELS[AckChoice.SOUGHT_ADVICE]}\u201d" in confirmed
    assert latest.rstrip().endswith("Not confirmed yet.")
    for i, page in enumerate(pages, 1):  # no page shows only its number
        footer = f"Page {i} of {len(pages)}"
        assert page.endswith(footer) and page.removesuffix(footer).strip(), page


def test_the_trimester_is_given_only_with_a_yes_or_not_sure_to_pregnancy() -> None:
    from companion.report.gather import _follow_up

    pregnancy = load_screening().question("pregnancy")
    assert pregnancy.follow_up is not None
    first = dict(pregnancy.follow_up.choices)[Trimester.FIRST.value]
    for answer, expected in ((Answer.YES, f"trimester: {first}"),
                             (Answer.NOT_SURE, f"trimester: {first}"), (Answer.NO, "")):
        result = ScreeningResult({"pregnancy": answer}, trimester=Trimester.FIRST)
        assert _follow_up(pregnancy, result, answer) == expected
    no_trimester = ScreeningResult({"pregnancy": Answer.YES})
    assert _follow_up(pregnancy, no_trimester, Answer.YES) == ""
    other = load_screening().question("beta_blockers")
    assert _follow_up(other, result, Answer.YES) == ""


def _voice_stop(data_dir: Path) -> None:
    """A session stopped by voice, through the app's own router, recorded in the real
    SQLite history: "my chest hurts" as the recogniser hands it on."""
    from companion.voice.decide import Expecting
    from companion.voice.router import VoiceCommandRouter

    with _app_history(data_dir) as db:
        engine, clock, _ = make_engine()
        engine.subscribe(db.recorder(engine.plan.routine))
        router = VoiceCommandRouter(engine)
        engine.start()
        run_until(engine, clock, State.WORK)
        router.handle("my chest hurts", 0.9, Expecting.ALWAYS)


def test_what_was_heard_at_a_voice_stop_is_in_the_report_and_history_json(
    qapp: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    out = _report(tmp_path, _voice_stop)
    text = _pdf_text(out)
    stops = text[text.index("Red-flag stops"):]
    # the symptom as the person left it (not picked), and the words heard beside it
    assert ("reported unwell, symptom not specified (during Squats). Stopped by voice: the app "
            "heard "
            "\u201cmy chest hurts\u201d. Not confirmed yet.") in stops
    capsys.readouterr()
    assert main(["history", "--json", "--data-dir", str(tmp_path / "data")]) == 0
    [session] = json.loads(capsys.readouterr().out)
    assert session["red_flags"] == ["unspecified"]  # the contract as it was
    [detail] = session["red_flag_details"]
    assert detail["heard"] == "my chest hurts" and detail["symptom"] == "unspecified"
    assert detail["raised_at"].endswith("Z")


def _run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """The real command in its own process (a crash inside Qt must fail this test, not
    end the test run)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COMPANION_DATA_DIR": str(data_dir),
           "QT_QPA_PLATFORM": "offscreen"}
    env.pop("COMPANION_DB_URL", None)
    return subprocess.run([sys.executable, "-m", "companion", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


@pytest.mark.parametrize("mood", ["'good'", "9", "-1", "2.5", "NULL"])
def test_a_mood_edited_by_hand_is_left_out_of_the_summary_never_a_crash(
    tmp_path: Path, mood: str
) -> None:
    """A tester: a mood stored as text made drawing the PDF's chart raise, which left Qt's
    painter active, and the process then crashed (exit 139; in the app, History's summary
    took the whole app down). Any value outside 1-5 is now left out, and a failing chart
    can no longer leave its painter open."""
    import sqlite3

    data = tmp_path / "data"
    with _app_history(data) as db:
        add_session(db, datetime.now(UTC) - timedelta(days=2), mood=(2, 4))
        add_session(db, datetime.now(UTC) - timedelta(days=1), mood=(3, 4))
    with sqlite3.connect(data / "companion.sqlite3") as conn:
        conn.execute(f"UPDATE sessions SET mood_before = {mood} WHERE id = 1")
    out = tmp_path / "summary.pdf"
    result = _run_cli("report", "--pdf", str(out), data_dir=data)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    text = _pdf_text(out)
    assert "+1.0 on a 1-5 scale (1 session with both ratings)" in text  # only the good one


def test_the_weekly_goal_is_counted_over_the_whole_period_even_past_a_year(
    qapp: object, tmp_path: Path
) -> None:
    """A tester: for a period of almost two years the summary said "met in 0 of 52
    weeks" beside 38 completed sessions (only the last 52 weeks were looked at)."""
    data = tmp_path / "data"
    with _app_history(data) as db:
        monday = datetime(2025, 5, 5, 18, tzinfo=UTC)
        for week in range(3):  # two sessions in each of three weeks in 2025
            for day in (0, 2):
                add_session(db, monday + timedelta(weeks=week, days=day))
    out = tmp_path / "summary.pdf"
    assert main(["report", "--pdf", str(out), "--data-dir", str(data),
                 "--since", "2025-01-01", "--until", "2026-12-02"]) == 0
    text = _pdf_text(out)
    weeks = (date(2026, 11, 30) - date(2024, 12, 30)).days // 7 + 1  # Mondays of both ends
    assert f"met in 3 of {weeks} weeks" in text, text[:1500]


def test_a_note_edited_far_past_its_limit_is_cut_in_the_summary(tmp_path: Path) -> None:
    """A tester: a 2 MB note (only by editing the database) made `report --include-notes`
    run for over a minute. The summary shows a note as the app keeps one."""
    import sqlite3

    from companion.storage.models import NOTE_MAX_CHARS

    data = tmp_path / "data"
    with _app_history(data) as db:
        add_session(db, datetime.now(UTC) - timedelta(days=1))
    with sqlite3.connect(data / "companion.sqlite3") as conn:
        conn.execute("UPDATE sessions SET note = ?", ("x" * 2_000_000,))
    out = tmp_path / "summary.pdf"
    result = _run_cli("report", "--pdf", str(out), "--include-notes", data_dir=data)
    assert result.returncode == 0, result.stderr[-2000:]
    text = _pdf_text(out)
    assert NOTE_MAX_CHARS - 50 < text.count("x") < NOTE_MAX_CHARS + 200
