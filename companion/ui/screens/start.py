"""The start screen: today's suggestion, the week so far, a routine picker with a readable
preview, an optional mood check, and one big Start button.

Progress is framed as consistency against a weekly goal (the seed: even two sessions a week
help); there are no streaks to break and no weight or appearance numbers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging

from companion.core.safety import suggested_routine
from companion.qt.core import Qt, Signal
from companion.qt.widgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from companion.routines import RoutineEntry
from companion.ui.screens.buttons import linked_button
from companion.ui.screens.labels import described_label, titled_list
from companion.ui.screens.mood import mood_question, show_mood
from companion.ui.screens.routine_preview import problem_text, routine_preview_html
from companion.ui.screens.week_dots import WeekDots
from companion.ui.services.container import AppServices
from companion.ui.widgets.style import apply_font

log = logging.getLogger(__name__)

DEFAULT_SUGGESTION = "starter"


class StartScreen(QWidget):
    """Pick and start; emits `start_requested(entry, mood_or_None)`."""

    start_requested = Signal(object, object)
    settings_requested = Signal()
    history_requested = Signal()
    screening_requested = Signal()
    learn_requested = Signal()
    breathing_requested = Signal()
    profile_requested = Signal()  # "Switch profile" (P)
    pin_requested = Signal()  # set or change this profile's PIN
    editor_requested = Signal()

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.entries: list[RoutineEntry] = []
        self.broken: list[RoutineEntry] = []
        self.setAccessibleName("Start")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.setSpacing(12)

        self.banner = described_label(self, "Messages", "small")
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        outer.addWidget(self.banner)

        # whose session it is (issue 21): the profile's name, and switching to another
        whose = QHBoxLayout()
        self.person_label = described_label(self, "Whose session", "heading", bold=True)
        whose.addWidget(self.person_label)
        self.profile_button = linked_button(self, whose, "Switch profile (P)",
                                            "Switch profile: whose session it is",
                                            self.profile_requested, "small")
        self.pin_button = linked_button(self, whose, "PIN…",
                                        "Set or change the PIN of this profile",
                                        self.pin_requested, "small")
        whose.addStretch(1)
        self._whose = whose
        outer.addLayout(whose)

        top = QHBoxLayout()
        head = QVBoxLayout()
        self.today_label = QLabel("", self)
        self.today_label.setAccessibleDescription("Today's suggestion")
        self.today_label.setWordWrap(True)
        apply_font(self.today_label, "title", bold=True)
        head.addWidget(self.today_label)
        week = QHBoxLayout()
        self.week_label = QLabel("", self)
        self.week_label.setAccessibleDescription("This week")
        apply_font(self.week_label, "heading")
        self.week_dots = WeekDots(self)
        week.addWidget(self.week_label)
        week.addWidget(self.week_dots)
        week.addStretch(1)
        head.addLayout(week)
        self.week_note = QLabel("", self)
        self.week_note.setWordWrap(True)
        apply_font(self.week_note, "body")
        head.addWidget(self.week_note)
        top.addLayout(head, 1)
        side = QVBoxLayout()
        (self.settings_button, self.history_button, self.screening_button, self.editor_button,
         self.breathing_button, self.learn_button) = (
            linked_button(self, side, text, name, signal) for text, name, signal in (
                ("Settings", "Settings", self.settings_requested),
                ("History (H)", "History", self.history_requested),
                ("Health questions", "Health questions (screening)",
                 self.screening_requested),
                ("Edit routines", "Routine editor: create and edit your routines",
                 self.editor_requested),
                ("Breathing (B)", "A breathing session on its own", self.breathing_requested),
                ("Why this helps (L)", "Why this helps: what the evidence says",
                 self.learn_requested)))
        side.addStretch(1)
        top.addLayout(side)
        outer.addLayout(top)
        self.progression: QWidget | None = None  # the window adds a ProgressionBanner here
        self._outer = outer

        middle = QHBoxLayout()
        left = QVBoxLayout()
        self.routine_list = titled_list(self, left, "Routines", "Routines")
        self.routine_list.currentRowChanged.connect(self._show_preview)
        self.routine_list.itemActivated.connect(lambda _item: self.request_start())
        left.addWidget(self.routine_list, 1)
        self.broken_title = QLabel("Routine files with problems", self)
        apply_font(self.broken_title, "body", bold=True)
        self.broken_list = QListWidget(self)
        self.broken_list.setAccessibleName("Routine files with problems")
        self.broken_list.setWordWrap(True)
        apply_font(self.broken_list, "small")
        left.addWidget(self.broken_title)
        left.addWidget(self.broken_list)
        middle.addLayout(left, 2)

        self.preview = QLabel("", self)
        # its text is its name (exercises, time, health adaptations); a Tab stop, so a
        # screen reader user reaches it right after the routine list
        self.preview.setAccessibleDescription("Routine preview")
        self.preview.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.preview.setTextFormat(Qt.TextFormat.RichText)
        self.preview.setWordWrap(True)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        apply_font(self.preview, "body")
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.preview)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        middle.addWidget(scroll, 3)
        outer.addLayout(middle, 1)

        mood_row, self.mood_buttons = mood_question(
            self, "How do you feel right now? (optional, keys 1-5)", "Mood",
            lambda n: self.set_mood(n, toggle=True))
        outer.addLayout(mood_row)

        self.start_button = QPushButton("Start  (Space)", self)
        self.start_button.setObjectName("primary")
        self.start_button.setAccessibleName("Start the session")
        apply_font(self.start_button, "title", bold=True)
        self.start_button.clicked.connect(self.request_start)
        outer.addWidget(self.start_button)
        self.mood: int | None = None
        chain = [self.routine_list, self.preview, *self.mood_buttons, self.start_button,
                 self.settings_button, self.history_button, self.screening_button,
                 self.editor_button, self.breathing_button, self.learn_button,
                 self.profile_button, self.pin_button]
        for before, after in itertools.pairwise(chain):
            self.setTabOrder(before, after)
        self.set_person("")

    def add_banner(self, banner: QWidget) -> None:
        """A progression suggestion sits just above the routine picker."""
        self.progression = banner
        self._outer.insertWidget(3, banner)

    def set_person(self, name: str) -> None:
        """Whose session it is ("" hides the row: a history without profiles)."""
        self.person_label.setText(f"{name}'s profile" if name else "")
        self.person_label.setAccessibleName(f"Whose session: {name}" if name else "")
        for w in (self.person_label, self.profile_button, self.pin_button):
            w.setVisible(bool(name))

    # -- content -----------------------------------------------------------------------------
    def populate(self, entries: list[RoutineEntry], select: str | None = None) -> None:
        """Fill the picker; broken files are listed with their problems, never raised."""
        self.entries = [e for e in entries if e.routine is not None]
        broken = self.broken = [e for e in entries if e.routine is None]
        self.routine_list.clear()
        for e in self.entries:
            assert e.routine is not None
            where = "" if e.builtin else "  (yours)"
            item = QListWidgetItem(f"{e.routine.name}{where}")
            item.setData(Qt.ItemDataRole.UserRole, e.id)
            self.routine_list.addItem(item)
        self.broken_list.clear()
        for e in broken:
            lines = "\n".join(f"  {problem_text(p)}" for p in e.problems)
            item = QListWidgetItem(f"{e.path.name}:\n{lines}")
            item.setToolTip("\n".join(str(p) for p in e.problems))
            self.broken_list.addItem(item)
        self.broken_title.setVisible(bool(broken))
        self.broken_list.setVisible(bool(broken))
        suggestion = self.suggested_id()
        entry = self.entry_for(suggestion)
        self.today_label.setText(
            f"Today: {entry.routine.name}" if entry and entry.routine else "Choose a routine"
        )
        self.select(select or suggestion)

    def suggested_id(self) -> str | None:
        ids = [e.id for e in self.entries]
        stability = suggested_routine(self.services.profile)  # frailty / balance first
        if stability in ids:
            return stability
        try:
            sid = self.services.history.suggested_routine_id()
        except Exception:  # history unavailable: still suggest something
            log.exception("history could not suggest a routine")
            sid = None
        if sid in ids:
            return sid
        if DEFAULT_SUGGESTION in ids:
            return DEFAULT_SUGGESTION
        return ids[0] if ids else None

    def entry_for(self, routine_id: str | None) -> RoutineEntry | None:
        return next((e for e in self.entries if e.id == routine_id), None)

    def add_entry(self, entry: RoutineEntry) -> None:
        """A routine opened from a file (`--routine path.toml`) joins the list, selected."""
        kept = [e for e in self.entries if e.id != entry.id]
        self.populate([*kept, entry, *self.broken], select=entry.id)

    def select(self, routine_id: str | None) -> bool:
        for row, e in enumerate(self.entries):
            if e.id == routine_id:
                self.routine_list.setCurrentRow(row)
                return True
        if self.entries and self.routine_list.currentRow() < 0:
            self.routine_list.setCurrentRow(0)
        return False

    def selected(self) -> RoutineEntry | None:
        row = self.routine_list.currentRow()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def set_week(self, done: int, goal: int) -> None:
        self.week_label.setText(f"This week: {done} of {goal} sessions")
        self.week_dots.set_progress(done, goal)
        if done >= goal:
            note = "Weekly goal reached. Every extra session is a bonus, and rest counts too."
        elif done == 0:
            note = "Showing up is the win. Treat your sessions like fixed appointments."
        else:
            note = "Good going: each session you finish counts, whatever the pace."
        self.week_note.setText(note)

    def show_messages(self, messages: list[str]) -> None:
        self.banner.setText("\n".join(messages))
        self.banner.setVisible(bool(messages))

    def refresh_week(self, now: dt.datetime | None = None) -> None:
        try:
            done = self.services.history.sessions_this_week(
                now, count_breathing=self.services.settings.breathing_counts)
        except Exception:  # history unavailable: show the goal without a count
            log.exception("history could not count this week's sessions")
            done = 0
        self.set_week(done, self.services.settings.weekly_goal)

    def _show_preview(self, row: int) -> None:
        entry = self.entries[row] if 0 <= row < len(self.entries) else None
        adapted = None
        if entry is not None and entry.routine is not None:
            try:
                adapted = self.services.adapt(entry.routine, entry.alternatives)
            except Exception:  # show the plain routine rather than nothing
                log.exception("cannot adapt %s", entry.id)
        self.preview.setText(routine_preview_html(entry, adapted) if entry else "")
        self.start_button.setEnabled(entry is not None)

    # -- input -------------------------------------------------------------------------------
    def set_mood(self, mood: int | None, *, toggle: bool = False) -> None:
        if toggle and mood == self.mood:
            mood = None
        self.mood = mood
        show_mood(self.mood_buttons, mood)

    def request_start(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.start_requested.emit(entry, self.mood)

    def handle_key(self, key: int, text: str) -> bool:
        if key == Qt.Key.Key_Space:
            self.request_start()
            return True
        if text in ("1", "2", "3", "4", "5"):
            self.set_mood(int(text), toggle=True)
            return True
        if key == Qt.Key.Key_H:
            self.history_requested.emit()
            return True
        return False
