"""How the check-in looks: the question with the four red flags, effort on CR10, and the
symptom chooser after a yes. What the keys and buttons do is
`companion.ui.screens.checkin_view.CheckinView`."""

from __future__ import annotations

from collections.abc import Callable

from companion.core.events import Symptom
from companion.core.safety import (
    ALL_CLEAR_KEY,
    CHECKIN_FLAGS,
    CHECKIN_TITLE,
    CR10_LABELS,
    YES_SIGN_KEY,
)
from companion.core.safety_words import SYMPTOM_LABELS
from companion.qt.core import Qt, Signal
from companion.qt.widgets import QGridLayout, QHBoxLayout, QLabel, QPushButton
from companion.ui.screens.stacked_pages import StackedPages
from companion.ui.widgets.safety_style import make_button, make_label

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



def symptom_for_key(key: int) -> Symptom | None:
    """The symptom a number key names where one is asked (the check-in's chooser, the
    safety screen): 1-4 as listed, 5 or 0 "not sure"; None for any other key."""
    if Qt.Key.Key_1 <= key <= Qt.Key.Key_5:
        return SYMPTOM_KEYS[int(key) - int(Qt.Key.Key_1)]
    if key == Qt.Key.Key_0:
        return Symptom.UNSPECIFIED
    return None


class CheckinPages(StackedPages):
    """The check-in's pages on `stack` (built once; the view shows and fills them).

    Signals: `all_clear()`, `red_flag()` (before the symptom chooser shows),
    `effort_chosen(int)` 0-10, `effort_skipped()`, `symptom_chosen(Symptom)`."""

    all_clear = Signal()
    red_flag = Signal()
    effort_chosen = Signal(int)
    effort_skipped = Signal()
    symptom_chosen = Signal(object)  # the `Symptom` (an enum end to end, never a string)

    # -- what the answers do (defined by CheckinView) ----------------------------------------
    answer_all_clear: Callable[..., bool]
    _yes: Callable[[], None]
    _effort: Callable[[int], None]
    _skip_effort: Callable[[], None]
    _symptom: Callable[[Symptom], None]

    # -- pages --------------------------------------------------------------------------------
    def _build_question(self) -> None:
        page, lay = self._new_page(8)
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
        self.question_page = self._add_page(page)

    def _build_effort(self) -> None:
        page, lay = self._new_page(10)
        lay.addWidget(make_label(EFFORT_TITLE, "title", page, bold=True))
        lay.addWidget(make_label(EFFORT_HELP, "body", page))
        # one row, 0 to 10 then Skip, each anchor under its number (wrapped when narrow):
        # two rows left the anchors under 6-10 below the fold at 1280x800 (a tester)
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)  # at 1120 px with a banner: no sideways scrolling
        grid.setVerticalSpacing(4)
        self.effort_buttons: list[QPushButton] = []
        self.effort_anchors: list[QLabel] = []  # the CR10 words under each number
        for n in range(11):
            words = CR10_LABELS[n]
            key = "T" if n == 10 else str(n)
            name = f"Effort {n}" + (f", {words.lower()}" if words else "") + f" (key {key})"
            button = make_button(str(n), name, page, role="heading")
            button.setCheckable(True)
            button.setMinimumWidth(56)
            button.clicked.connect(lambda _=False, n=n: self._effort(n))
            grid.addWidget(button, 0, n)
            anchor = make_label(words, "small", page, name=words or f"effort {n}")
            anchor.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            anchor.setWordWrap(True)
            grid.addWidget(anchor, 1, n)
            self.effort_anchors.append(anchor)
            grid.setColumnStretch(n, 1)
            self.effort_buttons.append(button)
        self.skip_button = make_button("S  Skip", "Skip the effort question", page)
        self.skip_button.setMinimumWidth(self.skip_button.sizeHint().width())
        self.skip_button.clicked.connect(self._skip_effort)
        grid.addWidget(self.skip_button, 0, 11)
        grid.setColumnStretch(11, 1)
        lay.addLayout(grid)
        self.amber_label = make_label("", "body", page, description="Very hard effort")
        self.amber_label.setObjectName("banner")
        lay.addWidget(self.amber_label)
        lay.addStretch(1)
        self.effort_page = self._add_page(page)

    def _build_symptom(self) -> None:
        page, lay = self._new_page(10)
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
        self.symptom_page = self._add_page(page)
