"""How the health questions look: the intro, one question per page (Yes / No / Not sure),
the trimester follow-up, and the result with its acknowledgement. The flow through them
(answers, keys, Back, Finish) is `companion.ui.screens.screening_wizard.ScreeningWizard`.
"""

from __future__ import annotations

from collections.abc import Callable

from companion.core.safety import Answer, Trimester
from companion.qt.core import Qt, Signal
from companion.qt.gui import QMouseEvent
from companion.qt.widgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from companion.safety.content import Question, Screening
from companion.ui.screens.stacked_pages import StackedPages
from companion.ui.widgets.safety_style import font_for, make_button, make_label
from companion.ui.widgets.scroll import page_scroll

ANSWER_WORDS = {Answer.YES: "Yes", Answer.NO: "No", Answer.NOT_SURE: "Not sure"}


class _ClickLabel(QLabel):
    """The acknowledgement's text: clicking it ticks the box, like a checkbox label."""

    clicked = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit()
        event.accept()


class ScreeningPages(StackedPages):
    """The wizard's pages on `stack` (built once; the wizard fills and shows them).

    Signals: `finished(ScreeningResult)`, `cancelled()`."""

    finished = Signal(object)  # ScreeningResult
    cancelled = Signal()

    screening: Screening
    answers: dict[str, Answer]
    trimester: Trimester | None

    # -- what the flow does (defined by ScreeningWizard) -------------------------------------
    begin: Callable[[], None]
    answer: Callable[[Answer], None]
    back: Callable[[], None]
    finish: Callable[[], None]
    _choose_follow_up: Callable[[int], None]
    _update_finish: Callable[[], None]

    def _back_button(self, page: QWidget, name: str) -> QPushButton:
        """A small "Back" button (Backspace) named `name` for screen readers."""
        button = make_button("Back", name, page, role="small")
        button.clicked.connect(self.back)
        return button

    # -- building ------------------------------------------------------------------------------
    def _build_intro(self) -> None:
        page, lay = self._new_page(16)
        lay.addWidget(make_label(self.screening.title, "title", page, bold=True))
        lay.addWidget(make_label(self.screening.intro, "body", page))
        count = len(self.screening.questions)
        lay.addWidget(make_label(f"{count} short questions. Keys: Y yes, N no, S not sure, "
                                 "Backspace to go back.", "small", page))
        lay.addStretch(1)
        row = QHBoxLayout()
        self.later_button = make_button("Not now", "Not now: close the screening", page)
        self.later_button.clicked.connect(self.cancelled.emit)
        self.begin_button = make_button("Begin  (Enter)", "Begin the questions", page,
                                        kind="primary")
        self.begin_button.clicked.connect(self.begin)
        row.addWidget(self.later_button)
        row.addStretch(1)
        row.addWidget(self.begin_button)
        lay.addLayout(row)
        self.intro_page = self._add_page(page)

    def _build_question(self) -> None:
        page, lay = self._new_page(14)
        self.progress = make_label("", "small", page, description="Progress")
        lay.addWidget(self.progress)
        self.question_text = make_label("", "heading", page, bold=True, description="Question")
        lay.addWidget(self.question_text)
        self.question_hint = make_label("", "body", page, description="Hint")
        lay.addWidget(self.question_hint)
        lay.addSpacing(24)
        row = QHBoxLayout()
        row.setSpacing(20)
        self.answer_buttons: dict[Answer, QPushButton] = {}
        for answer, key in ((Answer.YES, "Y"), (Answer.NO, "N"), (Answer.NOT_SURE, "S")):
            word = ANSWER_WORDS[answer]
            button = make_button(f"{key}   {word}", f"{word} (key {key})", page)
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, a=answer: self.answer(a))
            row.addWidget(button, 1)
            self.answer_buttons[answer] = button
        lay.addLayout(row)
        lay.addStretch(1)
        self.back_button = self._back_button(page, "Back to the previous question (Backspace)")
        lay.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.question_page = self._add_page(page)

    def _build_follow_up(self) -> None:
        page, lay = self._new_page(14)
        # where you are, as on every question page ("Question 9 of 15 · Pregnancy, more")
        self.follow_up_progress = make_label("", "small", page)
        lay.addWidget(self.follow_up_progress)
        self.follow_up_text = make_label("", "heading", page, bold=True,
                                         description="Question")
        lay.addWidget(self.follow_up_text)
        lay.addWidget(make_label("Press 1 to 4 (S: not sure).", "small", page))
        self.trimester_buttons: list[QPushButton] = []
        for i in range(4):
            button = make_button("", f"choice {i + 1}", page)
            button.setCheckable(True)
            button.setStyleSheet("text-align: left;")
            button.clicked.connect(lambda _=False, i=i: self._choose_follow_up(i))
            lay.addWidget(button)
            self.trimester_buttons.append(button)
        lay.addStretch(1)
        back = self._back_button(page, "Back to the previous question (Backspace)")
        lay.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        self.follow_up_page = self._add_page(page)

    def _build_result(self) -> None:
        page, lay = self._new_page(10)
        lay.addWidget(make_label(self.screening.result_title, "title", page, bold=True))
        self.result_intro = make_label("", "body", page, description="Summary")
        lay.addWidget(self.result_intro)
        self.items_area = page_scroll(QScrollArea(page))
        self.items_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.items_area.setAccessibleName("What to discuss and what the app changes")
        lay.addWidget(self.items_area, 1)
        # a checkbox cannot wrap its text: a wrapping label beside it, clickable too
        ack_row = QHBoxLayout()
        self.ack = QCheckBox(page)
        self.ack.setAccessibleName(self.screening.acknowledgement)
        self.ack.toggled.connect(self._update_finish)
        self.ack_label = _ClickLabel(self.screening.acknowledgement + "  (key A)", page)
        self.ack_label.setFont(font_for("body", bold=True))
        self.ack_label.setWordWrap(True)
        self.ack_label.setAccessibleName(self.screening.acknowledgement)
        self.ack_label.setBuddy(self.ack)
        self.ack_label.clicked.connect(self.ack.toggle)
        ack_row.addWidget(self.ack, 0, Qt.AlignmentFlag.AlignTop)
        ack_row.addWidget(self.ack_label, 1)
        lay.addLayout(ack_row)
        row = QHBoxLayout()
        back = self._back_button(page, "Back to the questions (Backspace)")
        self.finish_button = make_button("Finish  (Enter)", "Finish the screening", page,
                                         kind="primary")
        self.finish_button.clicked.connect(self.finish)
        row.addWidget(back)
        row.addStretch(1)
        row.addWidget(self.finish_button)
        lay.addLayout(row)
        self.result_page = self._add_page(page)

    def _result_items(self) -> QWidget:
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 12, 0)
        lay.setSpacing(12)
        for q in self.screening.applicable(self.answers):
            lay.addWidget(self._item(body, q))
        lay.addStretch(1)
        return body

    def _item(self, parent: QWidget, q: Question) -> QFrame:
        frame = QFrame(parent)
        frame.setObjectName("item")
        frame.setAccessibleName(q.group)
        lay = QVBoxLayout(frame)
        lay.setSpacing(6)
        answer = ANSWER_WORDS[self.answers[q.id]]
        if q.follow_up is not None and self.trimester is not None:
            chosen = dict(q.follow_up.choices).get(self.trimester.value, "")
            answer += f"; {q.follow_up.text.rstrip('?').lower()}: {chosen.lower()}"
        lay.addWidget(make_label(q.group, "body", frame, bold=True))
        lay.addWidget(make_label(f"{q.text}  Your answer: {answer}.", "small", frame))
        for head, text in (("Talk with your clinician about", q.discuss), ("Why", q.why),
                           ("What the app changes", q.app_changes)):
            label = make_label(f"<b>{head}:</b> {text}", "small", frame, name=f"{head}: {text}")
            label.setTextFormat(Qt.TextFormat.RichText)
            lay.addWidget(label)
        return frame
