"""What the history window writes, each off the GUI thread: a session's journal note, the
clinician summary (PDF) and the export (CSV or JSON). A failure is said in the window's
status line (and `failed`), never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import shiboken6

from companion.config import Paths
from companion.core.wording import counted
from companion.qt.core import Qt, Signal
from companion.qt.widgets import QDialog, QFileDialog, QLabel, QPushButton, QWidget
from companion.storage.database import Database
from companion.ui.history.detail import SessionDetailView
from companion.ui.history.report import ReportPeriodDialog, write_report

log = logging.getLogger(__name__)


class HistoryWriting(QWidget):
    """The history window's writing half (its base class).

    Signals: `note_saved(int)` (a session's note is stored: its id), `report_written(Path)`,
    `exported(Path, int)`, `failed(str)` (also shown in the status line).
    """

    note_saved = Signal(int)
    report_written = Signal(object)
    exported = Signal(object, int)
    failed = Signal(str)

    # set by the window
    db: Database
    paths: Paths | None
    weekly_goal: int
    count_breathing: bool
    session_active: Callable[[], bool] | None
    on_unwell: Callable[[], None] | None
    note_dialog: Any
    #: notes typed but not saved when a red flag closed their dialog, by session id
    note_drafts: dict[int, str]
    status_line: QLabel
    report_button: QPushButton

    def reload(self) -> None:
        raise NotImplementedError

    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
             on_failed: Callable[[], None] | None = None) -> None:
        """`fn` off the GUI thread (`companion.ui.adapters.operations.QueryOp`); `on_done(result)`
        back on it, or the failure in the status line (one line, never a traceback)."""
        from companion.ui.adapters.operations import QueryOp

        def failed(exc: Exception) -> None:
            log.warning("history task failed: %s", exc, exc_info=exc)
            message = str(exc) or type(exc).__name__
            if on_failed is not None:
                on_failed()
            self.status_line.setText(f"Something went wrong: {message}")
            self.failed.emit(message)

        QueryOp(parent=self, op=fn, success=on_done).failure(failed).run_in_background()

    # -- the journal ------------------------------------------------------------------------
    def ask_note(self, view: SessionDetailView) -> None:
        """Add or change a session's note (window-modal; the session keeps running)."""
        from companion.ui.history.journal import NoteDialog

        r = view.detail.row
        title = f"{r.routine_name}, {r.started_at.astimezone():%A %d %B %Y}"
        draft = self.note_drafts.pop(r.id, None)
        dialog = NoteDialog(title, view.detail.note, view, session_active=self.session_active,
                            on_unwell=self.on_unwell, draft=draft)
        self.note_dialog = dialog

        def done(code: int) -> None:
            self.note_dialog = None
            if code == QDialog.DialogCode.Accepted:
                self.save_note(view, dialog.text())
            elif dialog.interrupted and dialog.text() != (view.detail.note or "").strip():
                self.note_drafts[r.id] = dialog.draft()  # a red flag closed it: keep the words
                self.status_line.setText(f"Your note for {title} is kept, not saved yet: "
                                         "open it again to save it.")
            elif draft is not None:  # the kept words let go (Cancel): say so, not "kept"
                self.status_line.setText(f"The unsaved note for {title} was let go.")
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    def save_note(self, view: SessionDetailView | None, text: str, session_id: int = 0) -> None:
        """Store a note off the GUI thread, then show it (`note_saved(session_id)` fires);
        a failure is said in the status line (and to a screen reader), never raised."""
        sid = view.detail.row.id if view is not None else session_id
        db = self.db
        self.status_line.setText("Saving the note…")

        def saved(_result: object) -> None:
            if view is not None and shiboken6.isValid(view):  # a red flag may have closed it
                view.show_note(text.strip() or None)
            self.status_line.setText("Note saved." if text.strip() else "Note removed.")
            self.note_saved.emit(sid)
            self.reload()  # the list and its search see the new words

        self._run(lambda: db.save_note(sid, text), saved)

    # -- report and export ------------------------------------------------------------------
    def ask_report(self) -> None:
        dialog = ReportPeriodDialog(self)
        # modal to this window only: the main window's red button stays usable meanwhile
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        since, until = dialog.period()
        name, _ = save_file_name(
            self, "Save the clinician summary", str(Path.home() / f"companion-summary-"
                                                    f"{until:%Y-%m-%d}.pdf"), "PDF (*.pdf)")
        if name:
            path = Path(name)
            self.write_report(path if path.suffix.lower() == ".pdf"
                              else path.with_suffix(".pdf"), since, until,
                              include_notes=dialog.include_notes.isChecked())

    def write_report(self, path: Path, since: date, until: date, *,
                     include_notes: bool = False) -> None:
        """Write the PDF on a worker; `report_written(path)` fires when it is on disk.
        The journal notes go in only with `include_notes` (the dialog's tick box)."""
        self.report_button.setEnabled(False)
        self.status_line.setText(f"Writing {path.name}…")
        db, goal, paths = self.db, self.weekly_goal, self.paths
        count_breathing = self.count_breathing

        def done(result: Path) -> None:
            self.report_button.setEnabled(True)
            self.status_line.setText(f"Saved the clinician summary to {result}")
            self.report_written.emit(result)

        self._run(lambda: write_report(db, path, since, until, weekly_goal=goal, paths=paths,
                                       include_notes=include_notes,
                                       count_breathing=count_breathing),
                  done, lambda: self.report_button.setEnabled(True))

    def ask_export(self) -> None:
        name, chosen = save_file_name(
            self, "Export history", str(Path.home() / "companion-history.csv"),
            "CSV (*.csv);;JSON (*.json)")
        if name:
            path = Path(name)
            if path.suffix.lower() not in (".csv", ".json"):
                path = path.with_suffix(".json" if "json" in chosen.lower() else ".csv")
            self.export_to(path)

    def export_to(self, path: Path) -> None:
        """Write CSV or JSON (by suffix) on a worker; `exported(path, sessions)` follows."""
        db = self.db
        self.status_line.setText(f"Exporting to {path.name}…")

        def done(n: int) -> None:
            self.status_line.setText(f"Exported {counted(n, 'session')} to {path}")
            self.exported.emit(path, n)

        self._run(lambda: db.export(path), done)


def save_file_name(parent: QWidget, title: str, start: str, filters: str) -> tuple[str, str]:
    """The platform's save dialog, as `QFileDialog.getSaveFileName` gives it, but modal to
    `parent`'s window only (the static function blocks every window of the app, the main
    window's red button included, while it is open). Returns (path or "", chosen filter)."""
    suggested = Path(start)
    dialog = QFileDialog(parent, title, str(suggested.parent), filters)
    dialog.selectFile(suggested.name)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return "", ""
        files = dialog.selectedFiles()
        return (files[0] if files else ""), dialog.selectedNameFilter()
    finally:
        dialog.deleteLater()  # one dialog per save, not one more child of the window each time
