"""The end screen: what was done, an optional mood check, an optional journal note, and this
session's effort trend (a breathing session shows its minutes instead of sets).

The note is the person's own words: saved a moment after typing stops and when the screen
is left, never spoken, never sent anywhere. While a note can be typed here, letters type
(U too), so the red "I feel unwell" button stays on screen.
"""

from __future__ import annotations

from companion.core.events import EndStatus
from companion.qt.core import QRectF, QSize, Qt, QTimer, Signal
from companion.qt.gui import QColor, QPainter, QPaintEvent, QPalette, QPen
from companion.qt.widgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from companion.storage.models import NOTE_MAX_CHARS
from companion.ui.screens.buttons import unwell_button
from companion.ui.screens.mood import mood_question, show_mood
from companion.ui.services.session import SessionSummary
from companion.ui.widgets.announce import announce
from companion.ui.widgets.style import AMBER, apply_font, fmt_duration

HEADLINES = {
    EndStatus.COMPLETED: "Session complete. You showed up and finished.",
    EndStatus.STOPPED_BY_USER: "Session ended. What you did still counts.",
    EndStatus.INTERRUPTED: "The session stopped because something went wrong.",
    EndStatus.STOPPED_RED_FLAG: "The session was stopped for your safety.",
}
BREATHING_HEADLINES = {
    EndStatus.COMPLETED: "Breathing session complete. Well done for taking this time.",
    EndStatus.STOPPED_BY_USER: "Breathing session ended. The minutes you took still count.",
    EndStatus.INTERRUPTED: "The breathing session stopped because something went wrong.",
    EndStatus.STOPPED_RED_FLAG: "The session was stopped for your safety.",
}
NOTE_SAVE_DELAY_MS = 800
NOTE_PLACEHOLDER = ("A few words about how it went, if you like. Your own words: kept on "
                    "this computer, never read aloud, never sent anywhere.")


class SessionEffortChart(QWidget):
    """Bars of CR10 effort per set (0-10), amber at 9-10, so the trend reads at a glance; a
    set skipped part-way is drawn as an outline, labelled "skipped" (the effort is still
    the person's answer for the part they did)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.efforts: list[tuple[int, str, int]] = []
        self.skipped: frozenset[int] = frozenset()  # set numbers (0-based) skipped part-way
        self.setAccessibleName("Effort per set")
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_efforts(self, efforts: list[tuple[int, str, int]],
                    skipped: frozenset[int] = frozenset()) -> None:
        """`efforts`: (set number from 0, exercise, CR10 0-10) per answered set; `skipped`:
        the set numbers skipped part-way."""
        self.efforts = efforts
        self.skipped = skipped
        text = ", ".join(f"set {n + 1} {name}: {e}" + (" (skipped)" if n in skipped else "")
                         for n, name, e in efforts)
        self.setAccessibleDescription(text or "No effort answers this session")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, 220)

    def paintEvent(self, event: QPaintEvent) -> None:
        pal = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        text_color = pal.color(QPalette.ColorRole.WindowText)
        if not self.efforts:
            painter.setPen(text_color)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "No effort answers this session.")
            painter.end()
            return
        left = fm.horizontalAdvance("10") + 12
        top = fm.height()
        bottom = self.height() - fm.height() - 8
        right = self.width() - 8
        plot_h = max(10, bottom - top)
        axis = QPen(pal.color(QPalette.ColorRole.Mid))
        axis.setWidthF(1.5)
        painter.setPen(axis)
        for level in (0, 5, 10):
            y = bottom - plot_h * level / 10
            painter.drawLine(left, int(y), right, int(y))
            painter.setPen(text_color)
            painter.drawText(QRectF(0, y - fm.height() / 2, left - 6, fm.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             str(level))
            painter.setPen(axis)
        n = len(self.efforts)
        slot = (right - left) / n
        bar_w = min(slot * 0.6, fm.height() * 3)
        accent = pal.color(QPalette.ColorRole.Highlight)
        for i, (set_no, _name, effort) in enumerate(self.efforts):
            x = left + slot * i + (slot - bar_w) / 2
            h = plot_h * effort / 10
            color = QColor(AMBER) if effort >= 9 else accent
            skipped = set_no in self.skipped
            if skipped:  # an outline: not a set done, only the answer given for it
                painter.setPen(QPen(color, 2, Qt.PenStyle.DashLine))
                painter.drawRect(QRectF(x, bottom - h, bar_w, h))
            else:
                painter.fillRect(QRectF(x, bottom - h, bar_w, h), color)
            painter.setPen(text_color)
            label_y = max(0.0, bottom - h - fm.height())
            painter.drawText(QRectF(x - 10, label_y, bar_w + 20, fm.height()),
                             Qt.AlignmentFlag.AlignCenter, str(effort))
            painter.drawText(QRectF(left + slot * i, bottom + 4, slot, fm.height()),
                             Qt.AlignmentFlag.AlignCenter,
                             f"set {set_no + 1}" + (" skipped" if skipped else ""))
        painter.end()


class EndScreen(QWidget):
    """Emits `mood_chosen(n)` (1-5), `back_requested()`, `learn_requested()`,
    `unwell_requested()` and `note_changed(text)` (a moment after typing stops, and when
    the screen is left with an unsaved change)."""

    mood_chosen = Signal(int)
    back_requested = Signal()
    learn_requested = Signal()
    unwell_requested = Signal()
    note_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Session summary")
        self.mood: int | None = None
        self._saved_note = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.setSpacing(12)
        top = QHBoxLayout()
        self.headline = QLabel("", self)
        self.headline.setWordWrap(True)
        self.headline.setAccessibleDescription("Result")
        apply_font(self.headline, "title", bold=True)
        top.addWidget(self.headline, 1)
        # U types into the note, so the red button is always here while one can be typed
        self.unwell_button = unwell_button(self, self.unwell_requested.emit)
        top.addWidget(self.unwell_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        self.details = QLabel("", self)
        self.details.setWordWrap(True)
        self.details.setAccessibleDescription("What you did")
        apply_font(self.details, "heading")
        outer.addWidget(self.details)

        mood_row, self.mood_buttons = mood_question(
            self, "How do you feel now? (optional, keys 1-5)", "Mood now", self.choose_mood)
        outer.addLayout(mood_row)

        note_row = QHBoxLayout()
        self.note_label = QLabel("Your note (optional)", self)
        apply_font(self.note_label, "body", bold=True)
        note_row.addWidget(self.note_label)
        self.note_status = QLabel("", self)
        self.note_status.setAccessibleDescription("Note status")
        apply_font(self.note_status, "small")
        note_row.addWidget(self.note_status, 1)
        outer.addLayout(note_row)
        self.note = QPlainTextEdit(self)
        self.note.setAccessibleName("Your note about this session (optional, private)")
        self.note.setAccessibleDescription(NOTE_PLACEHOLDER)
        self.note.setPlaceholderText(NOTE_PLACEHOLDER)
        self.note.setTabChangesFocus(True)  # Tab leaves the note, as everywhere else
        apply_font(self.note, "body")
        lines = 3
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * lines + 16)
        self.note_label.setBuddy(self.note)
        self.note.textChanged.connect(self._note_edited)
        outer.addWidget(self.note)
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(NOTE_SAVE_DELAY_MS)
        self._note_timer.timeout.connect(self.flush_note)

        self.chart_title = QLabel("Effort per set (0 nothing at all – 10 maximal)", self)
        apply_font(self.chart_title, "body", bold=True)
        outer.addWidget(self.chart_title)
        self.chart = SessionEffortChart(self)
        apply_font(self.chart, "body")
        outer.addWidget(self.chart, 1)
        self.spacer = QWidget(self)
        self.spacer.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        outer.addWidget(self.spacer, 1)

        bottom = QHBoxLayout()
        self.learn_button = QPushButton("Why this helps  (L)", self)
        self.learn_button.setAccessibleName("Why this helps: what the evidence says")
        apply_font(self.learn_button, "button")
        self.learn_button.clicked.connect(self.learn_requested.emit)
        bottom.addWidget(self.learn_button)
        self.back_button = QPushButton("Back to start  (Enter)", self)
        self.back_button.setObjectName("primary")
        self.back_button.setAccessibleName("Back to the start screen")
        apply_font(self.back_button, "heading", bold=True)
        self.back_button.clicked.connect(self.back_requested.emit)
        bottom.addWidget(self.back_button, 1)
        outer.addLayout(bottom)

    def show_summary(self, summary: SessionSummary) -> None:
        self.mood = None
        show_mood(self.mood_buttons, None)
        self._note_timer.stop()
        self.note.blockSignals(True)
        self.note.setPlainText("")
        self.note.blockSignals(False)
        self._saved_note = ""
        self.note_status.setText("")
        status = summary.status or EndStatus.COMPLETED
        breathing = summary.breathing
        self.chart_title.setVisible(breathing is None)
        self.chart.setVisible(breathing is None)
        self.spacer.setVisible(breathing is not None)
        if breathing is not None:
            self.headline.setText(BREATHING_HEADLINES[status])
            self.details.setText(f"{breathing.pattern.name}: {fmt_duration(summary.seconds)} "
                                 f"of about {fmt_duration(breathing.seconds)}.")
            self.chart.set_efforts([])
            return
        self.headline.setText(HEADLINES[status])
        done = summary.sets_done
        # in the order they came (a tester saw them alphabetically), each once
        names = list(dict.fromkeys(
            s.exercise for _no, s in sorted(summary.sets.items()) if not s.skipped))
        lines = [
            f"{summary.routine_name}: {done} of {summary.sets_total} sets done in "
            f"{fmt_duration(summary.seconds)}."
        ]
        if names:
            lines.append("You worked on: " + ", ".join(names) + ".")
        if summary.error:
            lines.append("Your progress up to that point is kept.")
        self.details.setText("\n".join(lines))
        self.chart.set_efforts(summary.efforts, frozenset(
            no for no, result in summary.sets.items() if result.skipped))

    # -- the note ---------------------------------------------------------------------------
    def _note_edited(self) -> None:
        text = self.note.toPlainText()
        if len(text) > NOTE_MAX_CHARS:  # a paste past the limit: keep what fits, say so
            cursor = self.note.textCursor()
            self.note.blockSignals(True)
            self.note.setPlainText(text[:NOTE_MAX_CHARS])
            self.note.blockSignals(False)
            cursor.setPosition(NOTE_MAX_CHARS)
            self.note.setTextCursor(cursor)
            self.note_status.setText(f"A note holds up to {NOTE_MAX_CHARS} characters.")
        else:
            self.note_status.setText("")
        self._note_timer.start()

    def note_text(self) -> str:
        return self.note.toPlainText()

    def flush_note(self) -> None:
        """Hand over an unsaved change now (leaving the screen, or after the typing pause)."""
        self._note_timer.stop()
        text = self.note.toPlainText().strip()
        if text != self._saved_note:
            self.note_changed.emit(text)

    def note_saved(self, text: str, problem: str = "") -> None:
        """The window's answer: saved (or why not; the text stays in the box)."""
        if problem:
            self.note_status.setText(problem)
            announce(self, problem)  # a note that did not save must be heard, not only seen
            return
        self._saved_note = text.strip()
        self.note_status.setText("Note saved." if text.strip() else "")

    def announce_summary(self) -> None:
        """Once the screen shows: the result and what was done, for a screen reader."""
        announce(self, f"{self.headline.text()} {self.details.text()}")

    def choose_mood(self, mood: int) -> None:
        self.mood = mood
        show_mood(self.mood_buttons, mood)
        self.mood_chosen.emit(mood)

    def handle_key(self, key: int, text: str) -> bool:
        if text in ("1", "2", "3", "4", "5"):
            self.choose_mood(int(text))
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.back_requested.emit()
            return True
        return False
