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
from companion.core.timeline import (
    CHECKIN_QUESTION,
    CHECKIN_QUESTION_BRIEF,
    CHECKIN_QUESTION_KEYS,
)
from companion.qt.core import Qt, QTimer
from companion.qt.gui import QKeyEvent
from companion.qt.widgets import (
    QWidget,
)
from companion.ui.screens.checkin_pages import (
    ANSWER_HINT,
    EFFORT_HELP,
    EFFORT_TITLE,
    QUESTION_TEXT,
    STALLED_TEXT,
    SYMPTOM_ASK,
    SYMPTOM_KEYS,
    CheckinPages,
    symptom_for_key,
)
from companion.ui.services import keys as _keys
from companion.ui.services.key_names import qt_key
from companion.ui.widgets.announce import announce


class CheckinPage(enum.Enum):
    HIDDEN = "hidden"
    QUESTION = "question"
    EFFORT = "effort"
    SYMPTOM = "symptom"


class CheckinView(CheckinPages):
    """Check-in question -> effort (after N) or symptom chooser (after Y)."""

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
        self._make_stack("Check-in", (24, 16, 24, 16))
        self.page = CheckinPage.HIDDEN
        self.stalled = False
        self.effort: int | None = None
        self.symptom: Symptom | None = None
        self._build_question()
        self._build_effort()
        self._build_symptom()
        self.clear()

    # -- what the player calls ----------------------------------------------------------------
    def ask(self, question: str = "") -> None:
        """Show the question (again). A re-ask's words ("I didn't catch that") show too."""
        self.page = CheckinPage.QUESTION
        self.stalled = False
        self.stalled_label.hide()
        standard = question in ("", CHECKIN_QUESTION, CHECKIN_QUESTION_BRIEF,
                                CHECKIN_QUESTION_KEYS)
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
            # then the answers below it: the hint must not push them out of view
            self.reveal(self.clear_button)
            announce(self, ANSWER_HINT)

    def reveal(self, widget: QWidget, from_top: bool = False) -> None:
        """Scroll the view's scroll area (the player's, if any) so `widget` shows: the answer
        buttons and the hint must never sit below the fold."""
        from companion.qt.widgets import QScrollArea

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
            # the box sits above the answers: they must not end up below the fold (a
            # tester at 1280x800 saw C and Y pushed out of view by it)
            self.reveal(self.clear_button)
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
        # the numbers and the words under them in view; on a short window the title is
        # what scrolls away (the question is also spoken and captioned)
        self.reveal(self.effort_anchors[-1], from_top=True)
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
        elif self.page is CheckinPage.SYMPTOM and (symptom := symptom_for_key(key)) is not None:
            self._symptom(symptom)
            return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier or \
                not self.handle_key(qt_key(event), event.text(), event.isAutoRepeat()):
            super().keyPressEvent(event)


__all__ = ["STALLED_TEXT", "CheckinPage", "CheckinView"]
