"""The clinician summary PDF has real, findable content and stays short."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader

from companion.core.safety import ACK_LABELS, AckChoice
from companion.report.data import (
    Confirmation,
    RedFlagLine,
    ReportData,
    ScreeningLine,
    SessionLine,
)
from companion.report.pdf import HEALTH_ANSWERS_HEADING, write_pdf


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
        health_answers=["Low mood, treated by GP"],
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


def _written(tmp_path: Path) -> Path:
    """The usual report data written to tmp_path/summary.pdf."""
    out = tmp_path / "summary.pdf"
    write_pdf(_data(), out)
    return out


def test_the_summary_covers_the_four_talking_points_and_the_stops(
    qapp: object, tmp_path: Path
) -> None:
    text, pages = _text(_written(tmp_path))
    for heading in (HEALTH_ANSWERS_HEADING, "Current treatment and medications",
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


def test_the_first_section_is_the_persons_own_answers_not_a_diagnosis(
    qapp: object, tmp_path: Path
) -> None:
    text = _text(_written(tmp_path))[0]
    assert "1. Health answers to discuss" in text
    assert "Symptoms and diagnosis" not in text
    assert "the person's own answers (yes or not sure) to the app's health questions" in text
    # the one mention of a diagnosis is the statement that the summary is not one
    lowered = text.lower()
    assert lowered.count("diagnos") == lowered.count("not a diagnosis") == 1


def test_the_trimester_stands_next_to_the_pregnancy_answer(
    qapp: object, tmp_path: Path
) -> None:
    from companion.safety.content import load_screening

    pregnancy = load_screening().question("pregnancy")
    assert pregnancy.follow_up is not None
    second = dict(pregnancy.follow_up.choices)["second"]
    data = replace(_data(3), screening=[
        ScreeningLine(pregnancy.text, "yes", follow_up=f"trimester: {second}"),
        ScreeningLine("Do you take beta-blockers?", "no"),
    ])
    out = tmp_path / "summary.pdf"
    write_pdf(data, out)
    text, _pages = _text(out)
    # the answer is bold and the follow-up not: text extraction puts a space between them
    assert f"{pregnancy.text} yes ; trimester: {second}" in text
    assert "Do you take beta-blockers? no" in text  # no follow-up: nothing added


def test_each_red_flag_stop_says_whether_and_how_it_was_confirmed(
    qapp: object, tmp_path: Path
) -> None:
    base = _data(5)
    first, second = base.generated_at - timedelta(days=9), base.generated_at - timedelta(days=2)
    chosen = ACK_LABELS[AckChoice.SOUGHT_ADVICE]
    data = replace(base, tz=UTC, red_flags=[
        RedFlagLine(first.replace(tzinfo=UTC), "chest_pain", "Push-ups", session_id=7,
                    confirmation=Confirmation(datetime(2026, 11, 12, 8, 30, tzinfo=UTC),
                                              chosen)),
        # a second flag of the same stop: one line, one confirmation
        RedFlagLine(first.replace(tzinfo=UTC) + timedelta(seconds=20), "dizziness", None,
                    session_id=7),
        RedFlagLine(second.replace(tzinfo=UTC), "headache", None, session_id=9),
    ])
    out = tmp_path / "summary.pdf"
    write_pdf(data, out)
    text, _pages = _text(out)
    assert ("2026-11-11 10:00 UTC: reported chest pain, pressure or severe breathlessness; "
            "dizziness, light-headedness or fainting (during Push-ups). Confirmed by the "
            f"person on 2026-11-12 08:30 UTC: \u201c{chosen}\u201d.") in text
    assert text.count("Confirmed by the person") == 1
    assert ("2026-11-18 10:00 UTC: reported unexpected or severe headache. Not confirmed yet."
            in text)


def test_an_older_stop_settled_by_a_later_confirmation_says_so(
    qapp: object, tmp_path: Path
) -> None:
    """The gate asks only about the latest stop; an older one without a confirmation of its
    own is neither "confirmed" nor "not confirmed yet"."""
    at = datetime(2026, 11, 1, 9, tzinfo=UTC)
    data = replace(_data(3), tz=UTC, red_flags=[
        RedFlagLine(at, "sharp_pain", None, session_id=1, later_stop_confirmed=True),
        RedFlagLine(at + timedelta(days=3), "headache", None, session_id=2,
                    confirmation=Confirmation(at + timedelta(days=4),
                                              ACK_LABELS[AckChoice.RESOLVED])),
    ])
    out = tmp_path / "summary.pdf"
    write_pdf(data, out)
    text, _pages = _text(out)
    assert ("sharp or shooting joint/muscle pain. No confirmation recorded for this stop; "
            "a later stop was confirmed.") in text
    assert f"\u201c{ACK_LABELS[AckChoice.RESOLVED]}\u201d" in text
    assert "Not confirmed yet." not in text


def _page_texts(pdf: bytes) -> list[str]:
    """Each page's text, spaces normalised, without its "Page n of m" footer."""
    import io

    pages = PdfReader(io.BytesIO(pdf)).pages
    texts = [" ".join(unicodedata.normalize("NFKC", p.extract_text()).split()) for p in pages]
    for i, text in enumerate(texts):
        footer = f"Page {i + 1} of {len(pages)}"
        assert text.endswith(footer), (i, text[-40:])
        texts[i] = text.removesuffix(footer).strip()
    return texts


def test_what_prints_nothing_past_the_last_line_adds_no_page(qapp: object) -> None:
    """QTextDocument.print_() printed pageCount() pages: a final table's bottom margin
    crossing the page end gave a second page with only its number on it."""
    from companion.qt.gui import QTextDocument
    from companion.report.pages import print_pages

    doc = QTextDocument()
    doc.setHtml("<p>The only line.</p>"
                '<table border="1" style="margin-bottom: 1200px"><tr><td>cell</td></tr></table>')
    assert _page_texts(print_pages(doc)) == ["The only line. cell"]


def test_no_page_of_the_summary_is_empty_whatever_its_length(qapp: object) -> None:
    """The sessions table (the last thing printed without notes) ends on each side of the
    end of page 2 and 3 as the screening answers grow; no page shows only its number."""
    from companion.report.pdf import render_pdf

    counts = set()
    for questions in range(12, 44, 2):
        data = replace(_data(24), screening=[ScreeningLine(f"Question {i}?", "no")
                                             for i in range(questions)])
        texts = _page_texts(render_pdf(data))
        assert all(texts), (questions, [len(t) for t in texts])
        assert texts[-1].endswith("2026-11-20 10:00 Starter circuit completed 8 5.5 2 → 4")
        counts.add(len(texts))
    assert counts == {2, 3}  # the sweep did cross a page end
