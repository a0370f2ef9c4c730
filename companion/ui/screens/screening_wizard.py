"""The pre-participation screening: one plain question per page, then what it all means.

Questions come from resources/screening.toml (validated at load). Each is answered Yes, No or
Not sure (keys Y, N, S), and the wizard moves on by itself; Backspace goes back. A yes or not
sure to pregnancy asks the trimester (keys 1-4). The result page lists, for each item that
applies, what to discuss with a clinician, why, and what the app changes; where anything
applies, Finish needs the acknowledgement ticked (key A). `finished` carries a
`ScreeningResult` with the answers, the acknowledgement and the time it was taken (UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from companion.core.safety import Answer, Profile, ScreeningResult, Trimester
from companion.qt.core import Qt
from companion.qt.gui import QKeyEvent
from companion.qt.widgets import (
    QDialog,
    QLabel,
    QVBoxLayout,
    QWidget,
)
from companion.safety.content import Question, Screening, load_screening
from companion.ui.screens.screening_pages import ANSWER_WORDS, ScreeningPages
from companion.ui.widgets.announce import announce
from companion.ui.widgets.screen_fit import resize_within_screen
from companion.ui.widgets.style import NOTICE_COLOURS

KEYS_TEXT = "Keys: Y yes, N no, S not sure, Backspace back."

Step = tuple[str, str]  # ("intro", ""), ("question", qid), ("follow_up", qid), ("result", "")


class ScreeningWizard(ScreeningPages):
    """Intro -> questions (+ trimester) -> result with acknowledgement -> `finished`."""

    def __init__(
        self,
        screening: Screening | None = None,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self.screening = screening or load_screening()
        self._now = now or (lambda: datetime.now(UTC))
        self._make_stack("Health screening", (32, 24, 32, 24))
        self.answers: dict[str, Answer] = {}
        self.trimester: Trimester | None = None
        self.step: Step = ("intro", "")
        self._build_intro()
        self._build_question()
        self._build_follow_up()
        self._build_result()
        self._show(("intro", ""))

    # -- flow ---------------------------------------------------------------------------------
    def _steps(self) -> list[Step]:
        steps: list[Step] = [("intro", "")]
        for q in self.screening.questions:
            steps.append(("question", q.id))
            answer = self.answers.get(q.id)
            if q.follow_up is not None and answer is not None and answer.applies:
                steps.append(("follow_up", q.id))
        steps.append(("result", ""))
        return steps

    def _show(self, step: Step) -> None:
        self.step = step
        kind, qid = step
        if kind == "intro":
            self.stack.setCurrentWidget(self.intro_page)
            self.setAccessibleName("Health screening")
            self.setAccessibleDescription(self.screening.intro)
            self.begin_button.setFocus()
        elif kind == "question":
            self._show_question(self.screening.question(qid))
        elif kind == "follow_up":
            self._show_follow_up(self.screening.question(qid))
        else:
            self._show_result()

    def _show_question(self, q: Question) -> None:
        number = [x.id for x in self.screening.questions].index(q.id) + 1
        total = len(self.screening.questions)
        self.progress.setText(f"Question {number} of {total}  ·  {q.group}")
        self.question_text.setText(q.text)
        self.question_hint.setText(q.hint)
        self.question_hint.setVisible(bool(q.hint))
        current = self.answers.get(q.id)
        for answer, button in self.answer_buttons.items():
            button.setChecked(answer is current)
        self.back_button.setEnabled(True)
        self.stack.setCurrentWidget(self.question_page)
        # The wizard itself takes the focus, named with the question, so a screen reader
        # reads each new question (focus left on "No" would say nothing new).
        spoken = f"Question {number} of {total}, {q.group}: {q.text}"
        answered = f" Your answer so far: {ANSWER_WORDS[current]}." if current else ""
        self._focus_self(spoken, " ".join(
            x for x in (q.hint, answered.strip(), KEYS_TEXT) if x))
        announce(self, f"{spoken} {q.hint}")

    def _show_follow_up(self, q: Question) -> None:
        assert q.follow_up is not None
        number = [x.id for x in self.screening.questions].index(q.id) + 1
        self.follow_up_progress.setText(
            f"Question {number} of {len(self.screening.questions)}, more  ·  {q.group}")
        self.follow_up_text.setText(q.follow_up.text)
        for i, button in enumerate(self.trimester_buttons):
            if i < len(q.follow_up.choices):
                value, label = q.follow_up.choices[i]
                button.setText(f"{i + 1}   {label}")
                button.setAccessibleName(f"{label} (key {i + 1})")
                button.setChecked(self.trimester is not None and self.trimester.value == value)
                button.show()
            else:
                button.hide()
        self.stack.setCurrentWidget(self.follow_up_page)
        choices = "; ".join(f"{i + 1}: {label}"
                            for i, (_value, label) in enumerate(q.follow_up.choices))
        self._focus_self(q.follow_up.text, f"Press 1 to {len(q.follow_up.choices)}. {choices}.")
        announce(self, f"{q.follow_up.text} {choices}.")

    def _show_result(self) -> None:
        profile = self.profile()
        applies = profile.needs_acknowledgement
        self.result_intro.setText(self.screening.result_intro if applies
                                  else self.screening.nothing_applies)
        old = self.items_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.items_area.setWidget(self._result_items())
        self.items_area.setVisible(applies)
        self.ack.setVisible(applies)
        self.ack_label.setVisible(applies)
        if not applies:
            self.ack.setChecked(False)
        self._update_finish()
        self.stack.setCurrentWidget(self.result_page)
        self.setAccessibleName("Health screening")
        self.setAccessibleDescription("")
        (self.ack if applies else self.finish_button).setFocus()
        announce(self, f"{self.screening.result_title}. {self.result_intro.text()}")

    def _focus_self(self, name: str, description: str) -> None:
        """Name the wizard after what it asks now and give it the focus, with a fresh focus
        event even when it had the focus already (a screen reader then reads the new name)."""
        self.setAccessibleName(name)
        self.setAccessibleDescription(description)
        if self.hasFocus():
            self.clearFocus()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_finish(self) -> None:
        self.finish_button.setEnabled(self.can_finish)

    def _advance(self) -> None:
        steps = self._steps()
        self._show(steps[steps.index(self.step) + 1])

    # -- public actions --------------------------------------------------------------------------
    @property
    def can_finish(self) -> bool:
        return not self.profile().needs_acknowledgement or self.ack.isChecked()

    def profile(self) -> Profile:
        return self.screening.profile(self.answers, self.trimester)

    def begin(self) -> None:
        """From the intro to the first question."""
        if self.step[0] == "intro":
            self._advance()

    def answer(self, answer: Answer) -> None:
        """Answer the question on screen and move on."""
        kind, qid = self.step
        if kind != "question":
            return
        self.answers[qid] = answer
        q = self.screening.question(qid)
        if q.follow_up is not None and not answer.applies:
            self.trimester = None
        self._advance()

    def _choose_follow_up(self, index: int) -> None:
        kind, qid = self.step
        q = self.screening.question(qid)
        if kind != "follow_up" or q.follow_up is None or index >= len(q.follow_up.choices):
            return
        self.trimester = Trimester(q.follow_up.choices[index][0])
        self._advance()

    def back(self) -> None:
        steps = self._steps()
        i = steps.index(self.step)
        if i > 0:
            self._show(steps[i - 1])

    def finish(self) -> None:
        if not self.can_finish or self.step[0] != "result":
            return
        applies = self.profile().needs_acknowledgement
        result = ScreeningResult(
            answers=dict(self.answers),
            trimester=self.trimester,
            acknowledged=applies and self.ack.isChecked(),
            taken_at=self._now(),
            acknowledgement_text=self.screening.acknowledgement if applies else "",
        )
        self.finished.emit(result)

    # -- keys -------------------------------------------------------------------------------------
    def handle_key(self, key: int, text: str = "") -> bool:
        kind = self.step[0]
        if key == Qt.Key.Key_Backspace and kind != "intro":
            self.back()
            return True
        if kind == "intro":
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.begin()
                return True
            if key == Qt.Key.Key_Escape:
                self.cancelled.emit()
                return True
        elif kind == "question":
            answer = {Qt.Key.Key_Y: Answer.YES, Qt.Key.Key_N: Answer.NO,
                      Qt.Key.Key_S: Answer.NOT_SURE, Qt.Key.Key_Question: Answer.NOT_SURE}
            for k, a in answer.items():
                if key == k:
                    self.answer(a)
                    return True
        elif kind == "follow_up":
            if Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
                self._choose_follow_up(int(key) - int(Qt.Key.Key_1))
                return True
            if key in (Qt.Key.Key_S, Qt.Key.Key_Question):  # "not sure", as on every page
                choices = self.screening.question(self.step[1]).follow_up
                values = [v for v, _label in choices.choices] if choices else []
                if Trimester.NOT_SURE.value in values:
                    self._choose_follow_up(values.index(Trimester.NOT_SURE.value))
                    return True
        elif kind == "result":
            if key == Qt.Key.Key_A and self.ack.isVisibleTo(self):
                self.ack.toggle()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.finish()
                return True
            if key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                # the list scrolls wherever the focus is (a tester: only once clicked)
                bar = self.items_area.verticalScrollBar()
                step = bar.pageStep() if key == Qt.Key.Key_PageDown else -bar.pageStep()
                bar.setValue(bar.value() + step)
                return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        from companion.ui.services.key_names import qt_key

        if not self.handle_key(qt_key(event), event.text()):
            super().keyPressEvent(event)


class ScreeningDialog(QDialog):
    """The wizard in a modal window, for the first run and the menu."""

    def __init__(self, parent: QWidget | None = None, screening: Screening | None = None,
                 *, now: Callable[[], datetime] | None = None, why: str = "") -> None:
        """`why`: a line above the questions saying why they are asked now ("" for none,
        e.g. a damaged history set aside, whose earlier answers are out of reach)."""
        super().__init__(parent)
        self.setWindowTitle("Health screening")
        self.setAccessibleName("Health screening")
        resize_within_screen(self, 1100, 800)
        self.result_value: ScreeningResult | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.why = QLabel(why, self)
        self.why.setObjectName("screeningWhy")
        self.why.setWordWrap(True)
        self.why.setContentsMargins(16, 10, 16, 10)
        back, border, text = NOTICE_COLOURS
        self.why.setStyleSheet(f"#screeningWhy {{ background: {back}; color: {text}; "
                               f"border-bottom: 1px solid {border}; font-size: 12pt; }}")
        self.why.setAccessibleName(why)
        self.why.setVisible(bool(why))
        lay.addWidget(self.why)
        self.wizard = ScreeningWizard(screening, self, now=now)
        lay.addWidget(self.wizard)
        self.wizard.finished.connect(self._done)
        self.wizard.cancelled.connect(self.reject)

    def _done(self, result: ScreeningResult) -> None:
        self.result_value = result
        self.accept()


def run_screening_dialog(parent: QWidget | None = None) -> ScreeningResult | None:
    """Run the screening modally: the result to store, or None if the user chose 'Not now'."""
    dialog = ScreeningDialog(parent)
    dialog.exec()
    return dialog.result_value
