"""A session's timeline: its events in plain words, in a dialog that also holds the journal
note.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from companion.core.safety_words import symptom_short
from companion.qt.core import (
    Qt,
)
from companion.qt.widgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from companion.storage.repository import (
    SessionDetail,
)
from companion.ui.history.look import (
    RED_FLAG,
    duration_text,
    mood_text,
    status_color,
    status_icon,
    status_look,
)


# -- a session's timeline -------------------------------------------------------------------
def _clock(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"


def _amount(reps: int | None, seconds: float | None, seconds_format: str,
            neither: str) -> str:
    """A set's amount as shown: "12 reps", "30 s" (`seconds_format`), else `neither`."""
    if reps is not None:
        return f"{reps} reps"
    if seconds is not None:
        return f"{seconds:{seconds_format}} s"
    return neither


def _set_line(s: Any) -> str:
    planned = _amount(s.planned_reps, s.planned_seconds, "g", "a set to near fatigue")
    if s.skipped:
        return f"Set {s.set_no + 1} (round {s.round}) {s.exercise}: skipped (planned {planned})"
    actual = _amount(s.actual_reps, s.actual_seconds, ".0f", "done")
    of = "for" if planned.startswith("a set") else "of"
    parts = [f"Set {s.set_no + 1} (round {s.round}) {s.exercise}: {actual} {of} {planned}"]
    parts.append(f"effort {s.effort}/10" if s.effort is not None else "effort not rated")
    if s.capped:
        parts.append("ended by the safety cap")
    if s.amber:
        parts.append("amber sign")
    return ", ".join(parts)


EVENT_WORDS = {
    "paused": "Paused",
    "resumed": "Resumed",
    "skipped": "Skipped",
    "rest_extended": "Rest lengthened",
    "amber": "Amber sign",
    "checkin_stalled": "Check-in not answered: session paused",
}


def timeline(detail: SessionDetail) -> list[tuple[float, str, str]]:
    """(seconds into the session, kind, words) for everything that happened, in order."""
    start = detail.row.started_at
    out: list[tuple[float, int, str, str]] = []
    for s in detail.sets:
        out.append(((s.finished_at - start).total_seconds(), 1, "Set", _set_line(s)))
    for c in detail.checkins:
        answer = {"all_clear": "all clear", "red_flag": "red flag"}.get(c.answer, c.answer)
        out.append(((c.answered_at - start).total_seconds(), 2, "Check-in",
                    f"After set {c.set_no + 1}: {answer}"))
    for e in detail.events:
        words = EVENT_WORDS.get(e.kind, e.kind.replace("_", " ").capitalize())
        if e.seconds:
            words += f" ({e.seconds:g} s)"
        if e.set_no is not None:
            words += f", set {e.set_no + 1}"
        if e.detail:
            words += f": {e.detail}"
        out.append((e.session_seconds, 3, "Event", words))
    for f in detail.red_flags:
        where = f" during {f.exercise}" if f.exercise else ""
        said = f", heard \u201c{f.heard}\u201d" if f.heard else ""
        out.append((f.session_seconds, 0, "RED FLAG",
                    f"{symptom_short(f.symptom)}{where}{said} "
                    f"(at {f.raised_at.astimezone():%H:%M:%S})"))
    r = detail.row
    end = max([r.duration_seconds or 0.0, *(t for t, *_ in out)])  # the end comes last
    ending = status_look(r.status).text
    if detail.error:
        ending += f": {detail.error}"
    out.append((end, 9, "Ended", ending))
    out.sort(key=lambda item: (item[0], item[1]))
    return [(t, kind, words) for t, _, kind, words in out]


class SessionDetailView(QDialog):
    """One session: a header and a timeline (sets planned vs done, effort, check-ins,
    pauses, skips, red flags with their time and symptom, how it ended)."""

    #: asked to write a note: `edit_note(view)` (the history window saves it and refreshes)
    edit_note: Callable[[SessionDetailView], None] | None = None

    def __init__(self, detail: SessionDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        r = detail.row
        self.detail = detail
        self.setWindowTitle(f"Session of {r.started_at.astimezone():%d %b %Y}")
        self.setAccessibleName("Session detail")
        self.resize(720, 600)
        look = status_look(r.status)
        done = "breathing session" if r.is_breathing else f"{r.sets_done} of {r.set_count} sets"
        self.header = QLabel(
            f"<b>{html.escape(r.routine_name)}</b> · "
            f"{r.started_at.astimezone():%A %d %B %Y, %H:%M} · "
            f"{duration_text(r.duration_seconds)} · {done} · "
            f"mood {mood_text(r.mood_before, r.mood_after)}")
        self.header.setTextFormat(Qt.TextFormat.RichText)  # the name is escaped above
        self.header.setWordWrap(True)
        self.ending = QLabel(look.text)
        self.ending.setAccessibleName(f"How it ended: {look.text}")
        icon = QLabel()
        icon.setPixmap(status_icon(r.status, self.palette(), 22).pixmap(22, 22))
        icon.setAccessibleName(look.text)
        self.ending.setStyleSheet(
            f"color: {status_color(r.status, self.palette()).name()}; font-weight: bold;")
        ended = QHBoxLayout()
        ended.addWidget(icon)
        ended.addWidget(self.ending, 1)

        rows = timeline(detail)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Time", "What", "Details"])
        self.table.setAccessibleName("Session timeline")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        red = status_color(RED_FLAG, self.palette())
        for i, (t, kind, words) in enumerate(rows):
            items = [QTableWidgetItem(_clock(t)), QTableWidgetItem(kind),
                     QTableWidgetItem(words)]
            for col, item in enumerate(items):
                if kind == "RED FLAG":
                    item.setForeground(red)
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                    if col == 1:
                        item.setIcon(status_icon(RED_FLAG, self.palette()))
                self.table.setItem(i, col, item)
        self.table.resizeRowsToContents()

        # the journal note: the user's own words, shown as plain text (never spoken)
        note_row = QHBoxLayout()
        self.note_title = QLabel("<b>Your note</b>")
        self.note_title.setTextFormat(Qt.TextFormat.RichText)
        note_row.addWidget(self.note_title)
        note_row.addStretch(1)
        self.note_button = QPushButton("")
        self.note_button.clicked.connect(self._ask_note)
        note_row.addWidget(self.note_button)
        self.note = QLabel("")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_note(detail.note)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close the session detail")
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(ended)
        layout.addWidget(self.table, 1)
        layout.addLayout(note_row)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        for button in self.table.findChildren(QAbstractButton):  # Qt's corner button
            if not button.accessibleName():
                button.setAccessibleName("Select the whole timeline")
        self.table.setFocus()

    def show_note(self, note: str | None) -> None:
        self.note.setText(note or "No note yet.")
        self.note.setAccessibleName(f"Your note: {note}" if note else "No note yet")
        self.note_button.setText("Change the note…" if note else "Add a note…")
        self.note_button.setAccessibleName("Change the note about this session" if note
                                           else "Add a note about this session")

    def _ask_note(self) -> None:
        if self.edit_note is not None:
            self.edit_note(self)

    def texts(self) -> list[str]:
        out = [self.windowTitle(), self.header.text(), self.ending.text(), self.note.text()]
        for row in range(self.table.rowCount()):
            for col in range(self.table.columnCount()):
                item = self.table.item(row, col)
                if item is not None:
                    out.append(item.text())
        return out


