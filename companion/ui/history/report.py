"""The clinician summary from the history window: the period dialog and the PDF written on a
worker.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from companion.config import Paths, resolve_paths
from companion.qt.widgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)
from companion.storage.database import Database
from companion.ui.history.look import pydate, qdate


# -- the clinician summary ------------------------------------------------------------------
class ReportPeriodDialog(QDialog):
    """Asks for the period of a clinician summary (default: the last 90 days)."""

    def __init__(self, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        today = today or date.today()
        self.setWindowTitle("Clinician summary (PDF)")
        self.setAccessibleName("Clinician summary period")
        self.since = QDateEdit(qdate(today - timedelta(days=90)))
        self.until = QDateEdit(qdate(today))
        for edit, name in ((self.since, "First day"), (self.until, "Last day")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
        # the journal notes are the user's own words: in the PDF only when asked for
        self.include_notes = QCheckBox("Include my notes")
        self.include_notes.setAccessibleName("Include my notes in the summary")
        self.include_notes.setToolTip("Add the notes you wrote about your sessions to the PDF")
        form = QFormLayout(self)
        form.addRow(QLabel("A printable summary to take to your doctor or physiotherapist: "
                           "screening answers, red-flag stops, your routine and trends."))
        form.addRow("&From:", self.since)
        form.addRow("&To:", self.until)
        form.addRow("", self.include_notes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Choose file…")
        ok.setAccessibleName("Choose where to save the PDF")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def period(self) -> tuple[date, date]:
        a, b = pydate(self.since.date()), pydate(self.until.date())
        assert isinstance(a, date) and isinstance(b, date)
        return (a, b) if a <= b else (b, a)


def write_report(db: Database, path: Path, since: date, until: date, *, weekly_goal: int,
                 paths: Paths | None = None, include_notes: bool = False,
                 count_breathing: bool = False) -> Path:
    """Gather and write the clinician summary; runs on a worker thread (no widgets).

    As `companion report` does: the proposed routine is the one used last in the period
    (the user's copy if any, else the starter), adapted to the latest screening.
    """
    from companion.localtime import day_range
    from companion.report.gather import gather
    from companion.report.pdf import write_pdf
    from companion.report.proposal import proposed_routine
    from companion.safety.content import load_screening

    _start, end = day_range(since, until)  # the person's days, not UTC's
    screening = load_screening()
    routine, notes = proposed_routine(db, (paths or resolve_paths()).routines_dir, screening,
                                      until=end)
    data = gather(db, screening, since=since, until=until, weekly_goal=weekly_goal,
                  routine=routine, adaptations=notes, include_notes=include_notes,
                  count_breathing=count_breathing)
    write_pdf(data, path)
    return path


