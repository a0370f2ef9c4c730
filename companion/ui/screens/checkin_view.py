"""The check-in after every set: the four red flags in plain words, then effort on CR10.

Display only, keyboard first. It says what was pressed through its signals; the player passes
that to the engine. Y (or the red button) emits `red_flag` *before* it shows the symptom
chooser, so the session stops first and asks second. Silence never counts: the view waits, and
`show_stalled()` says so when the engine reports `CheckinStalled`.

Keys: question C = all clear, Y (or U) = yes, one of these; effort 0-9, T = 10, S = skip;
symptom 1-4, 5 or 0 = not sure. An answer of "all clear" must be deliberate: nothing has the
focus on it, Enter, Space and N never answer (they show which keys do), and for
`keys.ANSWER_GUARD_S` after the question appears neither C nor a click on the button counts.
In the app the keys arrive through `companion.ui.services.keys.KeyDispatcher`;
`keyPressEvent` serves the view on its own (tests, screenshots).
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from companion.core.events import Symptom
from companion.core.safety import (
    ALL_CLEAR_KEY,
    AMBER_EFFORT,
    CHECKIN_FLAGS,
    CHECKIN_TITLE,
    CR10_LABELS,
    YES_SIGN_KEY,
)
from companion.core.safety_words import SYMPTOM_LABELS
from companion.core.timeline import CHECKIN_QUESTION, CHECKIN_QUESTION_BRIEF
from companion.ui.services import keys as _keys
from companion.ui.services.key_names import qt_key
from companion.ui.widgets.announce import announce
from companion.ui.widgets.safety_style import apply_style, make_button, make_label

STALLED_TEXT = "Paused until you answer"
ANSWER_HINT = (f"To answer, press {ALL_CLEAR_KEY} for all clear, or {YES_SIGN_KEY} if you have "
               "any of these.")
QUESTION_TEXT = "Do you have any of these right now?"
EFFORT_TITLE = "How hard was that set?"
EFFORT_HELP = "0 is nothing at all, 10 is maximal. Press 0 to 9, or T for 10."
SYMPTOM_ASK = "Which one was it? Press 1 to 4, or 5 if you are not sure."
SYMPTOM_KEYS: tuple[Symptom, ...] = (
    Symptom.CHEST_PAIN, Symptom.DIZZINESS, Symptom.SHARP_PAIN, Symptom.HEADACHE,
    Symptom.UNSPECIFIED,
)


class CheckinPage(enum.Enum):
    HIDDEN = "hidden"
    QUESTION = "question"
    EFFORT = "effort"
    SYMPTOM = "symptom"


class CheckinView(QWidget):
    """Check-in question -> effort (after N) or symptom chooser (after Y)."""

    all_clear = Signal()
    red_flag = Signal()
    effort_chosen = Signal(int)
    effort_skipped = Signal()
    symptom_chosen = Signal(object)  # the `Symptom` (an enum end to end, never a string)

    def __init__(self, parent: QWidget | None = None,
                 now: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._now = now
        self._asked_at = -1e9
        self._guard = QTimer(self)
        self._guard.setSingleShot(True)
        # a coarse timer may fire up to 5 % early: the button must never look ready while a
        # click on it would still be refused
        self._guard.setTimerType(Qt.TimerType.PreciseTimer)
        self._guard.timeout.connect(self._guard_over)
        # the view itself has the focus at a check-in (never "All clear"): its name and
        # description carry the page's question, so a screen reader reads it on focus
        self.setAccessibleName("Check-in")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        apply_style(self)
        self.page = CheckinPage.HIDDEN
        self.stalled = False
        self.effort: int | None = None
        self.symptom: Symptom | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        self.stack = QStackedWidget(self)
        layout.addWidget(self.stack)
        self._build_question()
        self._build_effort()
        self._build_symptom()
        self.clear()

    # -- pages --------------------------------------------------------------------------------
    def _build_question(self) -> None:
        page = QWidget(self.stack)
        lay = QVBoxLayout(page)
        lay.setSpacing(8)
        # compact, so the answers fit below the four signs in the player at its default size
        # (a tester's 1120x786 window with a banner showed them below the fold)
        self.title = make_label(CHECKIN_TITLE, "heading", page, bold=True)
        lay.addWidget(self.title)
        self.prompt = make_label(QUESTION_TEXT, "heading", page)
        lay.addWidget(self.prompt)
        self.flag_labels: list[QLabel] = []
        signs = QGridLayout()  # two columns: reading order row by row, as listed
        signs.setHorizontalSpacing(24)
        signs.setVerticalSpacing(4)
        for i, (_symptom, text) in enumerate(CHECKIN_FLAGS):
            label = make_label(f"•  {text}", "body", page, name=text)
            label.setContentsMargins(12, 0, 0, 0)
            signs.addWidget(label, i // 2, i % 2)
            self.flag_labels.append(label)
        signs.setColumnStretch(0, 1)
        signs.setColumnStretch(1, 1)
        lay.addLayout(signs)
        self.stalled_label = make_label(STALLED_TEXT, "heading", page, bold=True,
                                        name="Paused until you answer the check-in")
        self.stalled_label.setObjectName("banner")
        self.stalled_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.stalled_label)
        row = QHBoxLayout()
        row.setSpacing(24)
        self.hint_label = make_label(ANSWER_HINT, "body", page)
        self.hint_label.setObjectName("banner")
        self.hint_label.hide()
        lay.addWidget(self.hint_label)
        self.clear_button = make_button(f"{ALL_CLEAR_KEY}   All clear",
                                        f"All clear: none of these (key {ALL_CLEAR_KEY})", page,
                                        kind="primary")
        self.yes_button = make_button(f"{YES_SIGN_KEY}   Yes, one of these",
                                      f"Yes, one of these: stop now (key {YES_SIGN_KEY})",
                                      page, kind="unwell")
        # never the default answer: Enter or Space on a focused button must not say "all clear"
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(lambda: self.answer_all_clear())
        self.yes_button.clicked.connect(self._yes)
        row.addWidget(self.clear_button, 1)
        row.addWidget(self.yes_button, 1)
        lay.addLayout(row)
        lay.addStretch(1)
        self.stack.addWidget(page)
        self.question_page = page

    def _build_effort(self) -> None:
        page = QWidget(self.stack)
        lay = QVBoxLayout(page)
        lay.setSpacing(10)
        lay.addWidget(make_label(EFFORT_TITLE, "title", page, bold=True))
        lay.addWidget(make_label(EFFORT_HELP, "body", page))
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.effort_buttons: list[QPushButton] = []
        for n in range(11):
            words = CR10_LABELS[n]
            key = "T" if n == 10 else str(n)
            name = f"Effort {n}" + (f", {words.lower()}" if words else "") + f" (key {key})"
            button = make_button(str(n), name, page, role="heading")
            button.setCheckable(True)
            button.setMinimumWidth(90)
            button.clicked.connect(lambda _=False, n=n: self._effort(n))
            row, col = divmod(n, 6)
            grid.addWidget(button, row * 2, col)
            anchor = make_label(words, "small", page, name=words or f"effort {n}")
            anchor.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(anchor, row * 2 + 1, col)
            self.effort_buttons.append(button)
        self.skip_button = make_button("S   Skip", "Skip the effort question", page)
        self.skip_button.clicked.connect(self._skip_effort)
        grid.addWidget(self.skip_button, 2, 5)
        lay.addLayout(grid)
        self.amber_label = make_label("", "body", page, description="Very hard effort")
        self.amber_label.setObjectName("banner")
        lay.addWidget(self.amber_label)
        lay.addStretch(1)
        self.stack.addWidget(page)
        self.effort_page = page

    def _build_symptom(self) -> None:
        page = QWidget(self.stack)
        lay = QVBoxLayout(page)
        lay.setSpacing(10)
        lay.addWidget(make_label("Session stopped.", "title", page, bold=True))
        lay.addWidget(make_label("Stop exercising, and sit or lie down somewhere safe.", "heading",
                                 page, bold=True))
        lay.addWidget(make_label(SYMPTOM_ASK, "heading", page))
        self.symptom_buttons: list[QPushButton] = []
        for i, symptom in enumerate(SYMPTOM_KEYS):
            label = SYMPTOM_LABELS[symptom] if symptom is not Symptom.UNSPECIFIED \
                else "Not sure, or something else"
            button = make_button(f"{i + 1}   {label}", f"{label} (key {i + 1})", page)
            button.setStyleSheet("text-align: left;")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, s=symptom: self._symptom(s))
            lay.addWidget(button)
            self.symptom_buttons.append(button)
        self.symptom_done = make_label("", "body", page, description="Symptom recorded")
        lay.addWidget(self.symptom_done)
        lay.addStretch(1)
        self.stack.addWidget(page)
        self.symptom_page = page

    # -- what the player calls ----------------------------------------------------------------
    def ask(self, question: str = "") -> None:
        """Show the question (again). A re-ask's words ("I didn't catch that") show too."""
        self.page = CheckinPage.QUESTION
        self.stalled = False
        self.stalled_label.hide()
        standard = question in ("", CHECKIN_QUESTION, CHECKIN_QUESTION_BRIEF)
        self.prompt.setText(QUESTION_TEXT if standard else f"{question}\n{QUESTION_TEXT}")
        self.hint_label.hide()
        self.stack.setCurrentWidget(self.question_page)
        self._expose(f"{CHECKIN_TITLE} {QUESTION_TEXT}" if standard
                     else f"{CHECKIN_TITLE} {question} {QUESTION_TEXT}",
                     self._signs_text() + " " + ANSWER_HINT)
        self.show()
        # the question is new: a key (or click) already on its way does not answer it
        self._asked_at = self._now()
        self.clear_button.setEnabled(False)
        self._guard.start(max(1, int(_keys.ANSWER_GUARD_S * 1000)))
        self.setFocus(Qt.FocusReason.OtherFocusReason)  # the question, not an answer
        self.reveal(self.clear_button, from_top=True)
        announce(self, f"{self.accessibleName()} {self.accessibleDescription()}")

    @staticmethod
    def _signs_text() -> str:
        return "; ".join(text for _symptom, text in CHECKIN_FLAGS) + "."

    def _expose(self, name: str, description: str) -> None:
        """What a screen reader reads for the page on show (the view has the focus)."""
        self.setAccessibleName(name)
        self.setAccessibleDescription(description)

    def _guard_over(self) -> None:
        if self.page is not CheckinPage.QUESTION:
            self.clear_button.setEnabled(False)
            return
        left = _keys.ANSWER_GUARD_S - (self._now() - self._asked_at)
        if left > 0:  # the timer came early: enable only once a click would count
            self._guard.start(max(1, math.ceil(left * 1000)))
            return
        self.clear_button.setEnabled(True)

    def all_clear_allowed(self) -> bool:
        """True once the question has been showing for `keys.ANSWER_GUARD_S`."""
        return (self.page is CheckinPage.QUESTION
                and self._now() - self._asked_at >= _keys.ANSWER_GUARD_S)

    def show_answer_hint(self) -> None:
        """A key that does not answer (Enter, Space, N...): say which keys do."""
        if self.page is CheckinPage.QUESTION:
            self.hint_label.show()
            self.reveal(self.hint_label)
            announce(self, ANSWER_HINT)

    def reveal(self, widget: QWidget, from_top: bool = False) -> None:
        """Scroll the view's scroll area (the player's, if any) so `widget` shows: the answer
        buttons and the hint must never sit below the fold."""
        from PySide6.QtWidgets import QScrollArea

        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if isinstance(parent, QScrollArea):
            area = parent

            def show() -> None:
                if from_top:  # a new page opens at its title, not where the last one was
                    area.verticalScrollBar().setValue(0)
                area.ensureWidgetVisible(widget, 0, 12)

            QTimer.singleShot(0, area, show)

    def show_stalled(self, stalled: bool = True) -> None:
        """No answer after two asks: say plainly that everything waits for an answer."""
        self.stalled = stalled
        self.stalled_label.setVisible(stalled and self.page is CheckinPage.QUESTION)
        if stalled and self.page is CheckinPage.QUESTION:
            announce(self, f"{STALLED_TEXT}. {QUESTION_TEXT} {ANSWER_HINT}")

    def ask_effort(self) -> None:
        self.page = CheckinPage.EFFORT
        self.effort = None
        self.amber_label.hide()
        for button in self.effort_buttons:
            button.setChecked(False)
        self.stack.setCurrentWidget(self.effort_page)
        self._expose(EFFORT_TITLE, EFFORT_HELP + " S skips the question.")
        self.show()
        self.reveal(self.skip_button, from_top=True)
        announce(self, f"{EFFORT_TITLE} {EFFORT_HELP}")

    def show_amber(self, suggestion: str) -> None:
        """Effort 9-10: the engine's suggestion (longer rest, an easier variation)."""
        self.amber_label.setText(suggestion)
        self.amber_label.setVisible(bool(suggestion))
        announce(self, suggestion)

    def ask_symptom(self) -> None:
        self.page = CheckinPage.SYMPTOM
        self.symptom = None
        self.symptom_done.setText("")
        for button in self.symptom_buttons:
            button.setChecked(False)
        self.stack.setCurrentWidget(self.symptom_page)
        self._expose("Session stopped. Stop exercising, and sit or lie down somewhere safe.",
                     SYMPTOM_ASK)
        self.show()

    def clear(self) -> None:
        self.page = CheckinPage.HIDDEN
        self.stalled = False
        self.hide()

    # -- actions -----------------------------------------------------------------------------
    def answer_all_clear(self, deliberate: bool = True) -> bool:
        """C or the button: all clear, only when deliberate (not auto-repeated, not within
        the guard time after the question appeared). Returns True when it counted."""
        if not deliberate or not self.all_clear_allowed():
            self.show_answer_hint()
            return False
        self._all_clear()
        return True

    def answer_yes(self) -> None:
        if self.page is CheckinPage.QUESTION:
            self._yes()

    def choose_effort(self, n: int) -> None:
        if self.page is CheckinPage.EFFORT:
            self._effort(n)

    def skip_effort(self) -> None:
        if self.page is CheckinPage.EFFORT:
            self._skip_effort()

    def choose_symptom(self, symptom: Symptom) -> None:
        if self.page is CheckinPage.SYMPTOM:
            self._symptom(symptom)

    def _all_clear(self) -> None:
        if self.page is not CheckinPage.QUESTION:
            return
        self.all_clear.emit()
        if self.page is CheckinPage.QUESTION:
            self.ask_effort()

    def _yes(self) -> None:
        self.red_flag.emit()  # stop first, ask which symptom second
        if self.page is CheckinPage.QUESTION:  # unless the host already moved on (safety screen)
            self.ask_symptom()

    def _effort(self, n: int) -> None:
        self.effort = n
        for i, button in enumerate(self.effort_buttons):
            button.setChecked(i == n)
        words = CR10_LABELS[n]
        announce(self, f"Effort {n} noted" + (f": {words.lower()}." if words else "."))
        self.effort_chosen.emit(n)
        if n < AMBER_EFFORT:
            self.amber_label.hide()

    def _skip_effort(self) -> None:
        self.effort = None
        self.effort_skipped.emit()

    def _symptom(self, symptom: Symptom) -> None:
        self.symptom = symptom
        for button, s in zip(self.symptom_buttons, SYMPTOM_KEYS, strict=True):
            button.setChecked(s is symptom)
        self.symptom_done.setText(f"Noted: {SYMPTOM_LABELS[symptom]}.")
        announce(self, self.symptom_done.text())
        self.symptom_chosen.emit(symptom)

    # -- keys -----------------------------------------------------------------------------------
    def handle_key(self, key: int, text: str = "", autorepeat: bool = False) -> bool:
        """The view's keys for the current page; True when the key was used.

        In the app, `KeyDispatcher` reads the same keys from its table; this serves the view
        when it has the keys itself.
        """
        if self.page is CheckinPage.QUESTION:
            if key == Qt.Key(ord(ALL_CLEAR_KEY)):
                self.answer_all_clear(deliberate=not autorepeat)
                return True
            if key in (Qt.Key(ord(YES_SIGN_KEY)), Qt.Key.Key_U):
                self._yes()
                return True
            if key in (Qt.Key.Key_N, Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.show_answer_hint()
                return True
        elif self.page is CheckinPage.EFFORT:
            if Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
                self._effort(int(key) - int(Qt.Key.Key_0))
                return True
            if key == Qt.Key.Key_T:
                self._effort(10)
                return True
            if key == Qt.Key.Key_S:
                self._skip_effort()
                return True
        elif self.page is CheckinPage.SYMPTOM:
            if Qt.Key.Key_1 <= key <= Qt.Key.Key_5:
                self._symptom(SYMPTOM_KEYS[int(key) - int(Qt.Key.Key_1)])
                return True
            if key == Qt.Key.Key_0:
                self._symptom(Symptom.UNSPECIFIED)
                return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier or \
                not self.handle_key(qt_key(event), event.text(), event.isAutoRepeat()):
            super().keyPressEvent(event)


__all__ = ["STALLED_TEXT", "CheckinPage", "CheckinView"]
