"""The clinician summary PDF has real, findable content and stays short."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader

from companion.report.data import RedFlagLine, ReportData, ScreeningLine, SessionLine
from companion.report.pdf import write_pdf


def _data(sessions: int = 30) -> ReportData:
    now = datetime(2026, 11, 20, 10)
    lines = [
        SessionLine(now - timedelta(days=3 * i), "Starter circuit",
                    "stopped_red_flag" if i == 4 else "completed", 18, 8, 5.5, 2, 4)
        for i in range(sessions)
    ][::-1]
    return ReportData(
        period_start=date(2026, 8, 1), period_end=date(2026, 11, 26), generated_at=now,
        weekly_goal=2, sessions=lines,
        red_flags=[RedFlagLine(now - timedelta(days=12), "chest_pain", "Push-ups")],
        screening_taken_at=now - timedelta(days=40),
        screening=[ScreeningLine("Do you take beta-blockers?", "yes")],
        acknowledgement="I will check with my clinician first",
        symptoms_and_diagnosis=["Low mood, treated by GP"],
        treatment_and_medications=["Beta-blockers"],
        physical_limitations=["Knee pain on stairs"],
        routine_name="Starter circuit",
        routine_lines=["Bodyweight squats: 12 reps, 2 rounds, 75 s rest"],
        weekly_counts=[(date(2026, 11, 2), 2), (date(2026, 11, 9), 1)],
    )


def _text(path: Path) -> tuple[str, int]:
    reader = PdfReader(str(path))
    text = " ".join(page.extract_text() for page in reader.pages)
    # Qt's PDFs extract spaces as tabs and "fl"/"ff" as ligatures: normalise both
    return " ".join(unicodedata.normalize("NFKC", text).split()), len(reader.pages)


def test_the_summary_covers_the_four_talking_points_and_the_stops(
    qapp: object, tmp_path: Path
) -> None:
    out = tmp_path / "summary.pdf"
    write_pdf(_data(), out)
    text, pages = _text(out)
    for heading in ("Symptoms and diagnosis", "Current treatment and medications",
                    "Physical limitations", "Proposed routine", "Red-flag stops",
                    "Screening answers"):
        assert heading in text
    assert "chest pain" in text and "Push-ups" in text
    assert "Bodyweight squats: 12 reps" in text
    assert "Beta-blockers" in text and "Knee pain on stairs" in text
    assert "not a medical device" in text
    assert 1 <= pages <= 3


def test_an_empty_history_still_gives_a_readable_page(qapp: object, tmp_path: Path) -> None:
    data = _data(0)
    empty = ReportData(data.period_start, data.period_end, data.generated_at, 2)
    out = tmp_path / "empty.pdf"
    write_pdf(empty, out)
    text, pages = _text(out)
    assert "No red-flag stops in this period." in text
    assert "Screening not taken." in text
    assert pages == 1


def test_the_mood_column_never_shows_a_lone_arrow() -> None:
    """A clinician reads "3 -> 4"; a side not given says so; nothing when neither was."""
    from companion.report.pdf import _mood_cell

    assert _mood_cell(None, None) == ""
    assert _mood_cell(3, 4) == "3 &rarr; 4"
    assert _mood_cell(None, 4) == "not given &rarr; 4"
    assert _mood_cell(2, None) == "2 &rarr; not given"
