"""`companion report --pdf FILE` on a real history: the stop, the screening and the routine."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from companion.cli import main
from companion.config import resolve_db_url, resolve_paths
from companion.core.events import State, Symptom
from companion.core.safety import Answer, ScreeningResult
from companion.storage.database import Database
from tests.helpers.sessions import make_engine, run_until


def _pdf_text(path: Path) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(str(path)).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _history(data_dir: Path) -> None:
    paths = resolve_paths(data_dir).ensure()
    db = Database.open(resolve_db_url(paths), paths=paths)
    try:
        engine, clock, _ = make_engine()
        engine.subscribe(db.recorder(engine.plan.routine))
        engine.start(mood_before=2)
        run_until(engine, clock, State.WORK)
        engine.report_red_flag(Symptom.DIZZINESS)
        result = ScreeningResult({"beta_blockers": Answer.YES, "joint_pain": Answer.NOT_SURE,
                                  "mental_health": Answer.YES}, acknowledged=True)
        db.save_screening(result.to_json(), "I will check with my clinician first")
    finally:
        db.close()


def test_the_report_command_writes_a_pdf_with_the_talking_points(
    qapp: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # qapp: pytest-qt's QApplication first, else report() leaves a QGuiApplication behind
    # and every later widget test in this process errors
    data = tmp_path / "data"
    _history(data)
    out = tmp_path / "summary.pdf"
    assert main(["report", "--pdf", str(out), "--data-dir", str(data), "--routine",
                 "starter"]) == 0
    assert "wrote" in capsys.readouterr().out
    text = _pdf_text(out)
    assert "dizziness" in text
    assert "beta-blocker" in text.lower()
    assert "Physical limitations" in text and "joint" in text.lower()
    assert "Bodyweight squats: 12 reps" in text
    assert "Taken " in text


def test_a_bad_date_is_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "--pdf", str(tmp_path / "x.pdf"), "--since", "last week"])
    assert code == 1
    assert "--since must be a date like" in capsys.readouterr().err
