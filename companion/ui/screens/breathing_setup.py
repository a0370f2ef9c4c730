"""Choosing a breathing session (key B): a pattern and a length, then Start.

`BreathingSetup` is the choice: coherent, 4-6, box or 4-7-8 (with its note: only when
already resting, not in pregnancy), 1-10 minutes, an optional mood. Patterns the health
answers rule out are shown with the reason and cannot be chosen. The session itself runs
on `companion.ui.screens.breathe.BreathingScreen`.
"""

from __future__ import annotations

from companion.core.breathing import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    MIN_MINUTES,
    PATTERNS,
    BreathingPattern,
    BreathingSession,
)
from companion.core.safety import Profile, breathing_refusal
from companion.qt.core import Qt, Signal
from companion.qt.widgets import (
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)
from companion.ui.screens.buttons import named_button
from companion.ui.screens.labels import described_label, titled_list
from companion.ui.screens.mood import mood_question, show_mood
from companion.ui.widgets.style import apply_font, fmt_duration

#: the order the patterns are offered in (the calmest first)
ORDER = ("coherent", "extended_exhale", "box", "4-7-8")


def pattern_title(pattern: BreathingPattern) -> str:
    """'Box breathing (4-4-4-4)': the name and its rhythm in seconds."""
    rhythm = "-".join(f"{s:g}" for _, s in pattern.steps)
    if pattern.id == "coherent":
        rhythm = f"about {pattern.breaths_per_minute:.1f} breaths a minute"
    return pattern.name if rhythm in pattern.name else f"{pattern.name} ({rhythm})"


class BreathingSetup(QWidget):
    """Emits `start_requested(BreathingSession, mood_or_None)` and `back_requested()`."""

    start_requested = Signal(object, object)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Breathing session")
        self.profile = Profile()
        self.mood: int | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.setSpacing(12)
        top = QHBoxLayout()
        title = QLabel("A breathing session", self)
        apply_font(title, "title", bold=True)
        top.addWidget(title, 1)
        self.back_button = named_button("Back  (Esc)", "Back to the start screen", self)
        self.back_button.clicked.connect(self.back_requested.emit)
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        intro = QLabel("Breathe along with a circle that grows as you breathe in and shrinks "
                       "as you breathe out. The voice guides the first breaths, then soft "
                       "tones keep the rhythm.", self)
        intro.setWordWrap(True)
        apply_font(intro, "body")
        outer.addWidget(intro)

        self.patterns = titled_list(self, outer, "Pattern (arrow keys)", "Breathing pattern")
        for pid in ORDER:
            item = QListWidgetItem(pattern_title(PATTERNS[pid]))
            item.setData(Qt.ItemDataRole.UserRole, pid)
            self.patterns.addItem(item)
        self.patterns.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        rows = self.patterns.sizeHintForRow(0) * len(ORDER)
        self.patterns.setFixedHeight(rows + 2 * self.patterns.frameWidth() + 8)
        self.patterns.currentRowChanged.connect(lambda _row: self._show_pattern())
        outer.addWidget(self.patterns)
        self.description = described_label(self, "About this pattern", "body")
        self.description.setWordWrap(True)
        outer.addWidget(self.description)
        self.note = described_label(self, "Note", "body", bold=True)
        self.note.setWordWrap(True)
        self.note.setObjectName("banner")
        self.note.hide()
        outer.addWidget(self.note)

        length = QHBoxLayout()
        self.minutes_label = described_label(self, "Length", "heading", bold=True)
        self.less_button = named_button("−  (-)", "One minute shorter", self)
        self.more_button = named_button("+  (+)", "One minute longer", self)
        self.minutes = QSlider(Qt.Orientation.Horizontal, self)
        self.minutes.setRange(MIN_MINUTES, MAX_MINUTES)
        self.minutes.setPageStep(1)
        self.minutes.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.minutes.setAccessibleName("Length in minutes")
        self.minutes.valueChanged.connect(lambda _v: self._show_minutes())
        self.less_button.clicked.connect(lambda: self.change_minutes(-1))
        self.more_button.clicked.connect(lambda: self.change_minutes(1))
        length.addWidget(self.minutes_label, 2)
        length.addWidget(self.less_button)
        length.addWidget(self.minutes, 3)
        length.addWidget(self.more_button)
        outer.addLayout(length)

        mood_row, self.mood_buttons = mood_question(
            self, "How do you feel right now? (optional, keys 1-5)", "Mood",
            lambda n: self.set_mood(n, toggle=True))
        outer.addLayout(mood_row)
        outer.addStretch(1)
        self.start_button = named_button("Start breathing  (Space)", "Start the breathing session",
                                    self, "title")
        self.start_button.setObjectName("primary")
        apply_font(self.start_button, "title", bold=True)
        self.start_button.clicked.connect(self.request_start)
        outer.addWidget(self.start_button)
        self.minutes.setValue(DEFAULT_MINUTES)
        self.patterns.setCurrentRow(0)

    # -- choosing -----------------------------------------------------------------------------
    def prepare(self, profile: Profile, pattern_id: str = "", minutes: int = DEFAULT_MINUTES,
                ) -> None:
        """Shown again: the last choice, patterns the health answers rule out greyed out
        with the reason, no mood yet, keys to the pattern list."""
        self.profile = profile
        for row in range(self.patterns.count()):
            item = self.patterns.item(row)
            pattern = PATTERNS[item.data(Qt.ItemDataRole.UserRole)]
            refusal = breathing_refusal(pattern, profile)
            item.setText(pattern_title(pattern) + (f"  (not offered: {refusal.split(': ', 1)[-1]})"
                                                   if refusal else ""))
            flags = item.flags()
            if refusal:
                item.setFlags(flags & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
            else:
                item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setToolTip(refusal)
        self.minutes.setValue(max(MIN_MINUTES, min(MAX_MINUTES, minutes)))
        self.select(pattern_id)
        self.set_mood(None)
        self.patterns.setFocus(Qt.FocusReason.OtherFocusReason)
        self._show_pattern()

    def select(self, pattern_id: str) -> bool:
        """Select a pattern if it is offered; else the first one that is."""
        offered = [row for row in range(self.patterns.count())
                   if self.patterns.item(row).flags() & Qt.ItemFlag.ItemIsEnabled]
        for row in offered:
            if self.patterns.item(row).data(Qt.ItemDataRole.UserRole) == pattern_id:
                self.patterns.setCurrentRow(row)
                return True
        if offered:
            self.patterns.setCurrentRow(offered[0])
        return False

    def chosen(self) -> BreathingPattern | None:
        item = self.patterns.currentItem()
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return None
        return PATTERNS[item.data(Qt.ItemDataRole.UserRole)]

    def change_minutes(self, step: int) -> None:
        self.minutes.setValue(self.minutes.value() + step)

    def set_mood(self, mood: int | None, *, toggle: bool = False) -> None:
        if toggle and mood == self.mood:
            mood = None
        self.mood = mood
        show_mood(self.mood_buttons, mood)

    def session(self) -> BreathingSession | None:
        pattern = self.chosen()
        return BreathingSession(pattern, self.minutes.value()) if pattern else None

    def request_start(self) -> None:
        session = self.session()
        if session is not None:
            self.start_requested.emit(session, self.mood)

    def _show_pattern(self) -> None:
        pattern = self.chosen()
        self.start_button.setEnabled(pattern is not None)
        if pattern is None:
            self.description.setText("Choose a pattern.")
            self.note.hide()
            return
        self.description.setText(pattern.description)
        self.note.setText(pattern.note)
        self.note.setVisible(bool(pattern.note))
        self._show_minutes()

    def _show_minutes(self) -> None:
        minutes = self.minutes.value()
        pattern = self.chosen()
        text = "1 minute" if minutes == 1 else f"{minutes} minutes"
        if pattern is not None:
            session = BreathingSession(pattern, minutes)
            text += f"  ·  {session.cycles} breaths, {fmt_duration(session.seconds)}"
        self.minutes_label.setText(f"Length: {text}")
        self.less_button.setEnabled(minutes > MIN_MINUTES)
        self.more_button.setEnabled(minutes < MAX_MINUTES)


__all__ = ["BreathingSetup", "pattern_title"]
