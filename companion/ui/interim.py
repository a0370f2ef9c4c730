"""Built-in check-in panel and safety page, until the safety screens (CheckinView,
SafetyScreen) replace them through `AppServices.checkin_view_factory` /
`safety_screen_factory`. They keep the same signals and methods, so the swap is one line.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from companion.core.events import SYMPTOM_LABELS, Symptom
from companion.ui.style import apply_font

#: Borg CR10 anchor words shown under the effort buttons.
CR10_WORDS = {
    0: "nothing at all",
    1: "very light",
    2: "light",
    3: "moderate",
    5: "hard",
    7: "very hard",
    10: "maximal",
}

_RED_FLAGS = (Symptom.CHEST_PAIN, Symptom.DIZZINESS, Symptom.SHARP_PAIN, Symptom.HEADACHE)


def _button(text: str, name: str, parent: QWidget, role: str = "button") -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    apply_font(button, role)
    return button


class SimpleCheckinPanel(QWidget):
    """The question after a set (N all clear / Y something is wrong), then the effort scale.

    Display only: it says what was pressed; the player passes it to the engine.
    """

    all_clear = Signal()
    red_flag = Signal()
    effort_chosen = Signal(int)
    effort_skipped = Signal()
    symptom_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Check-in")
        self.mode = "idle"
        layout = QVBoxLayout(self)
        self.question = QLabel("", self)
        self.question.setWordWrap(True)
        self.question.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.question.setAccessibleName("Check-in question")
        apply_font(self.question, "heading", bold=True)
        layout.addWidget(self.question)

        # question mode
        self.question_box = QWidget(self)
        qlay = QVBoxLayout(self.question_box)
        row = QHBoxLayout()
        self.clear_button = _button("All clear  (N)", "All clear, no symptoms", self)
        self.clear_button.setObjectName("primary")
        self.stop_button = _button("Yes, I need to stop  (Y)", "Yes, I have a symptom: stop",
                                   self)
        self.stop_button.setObjectName("unwell")
        self.clear_button.clicked.connect(self.all_clear.emit)
        self.stop_button.clicked.connect(self.red_flag.emit)
        row.addWidget(self.clear_button)
        row.addWidget(self.stop_button)
        qlay.addLayout(row)
        hint = QLabel("Or say which one (keys 1-4):", self.question_box)
        apply_font(hint, "small")
        qlay.addWidget(hint)
        grid = QGridLayout()
        self.symptom_buttons: list[QPushButton] = []
        for i, symptom in enumerate(_RED_FLAGS):
            b = _button(f"{i + 1}  {SYMPTOM_LABELS[symptom]}", SYMPTOM_LABELS[symptom], self,
                        "small")
            b.clicked.connect(lambda _=False, s=symptom: self.symptom_chosen.emit(s.value))
            grid.addWidget(b, i // 2, i % 2)
            self.symptom_buttons.append(b)
        qlay.addLayout(grid)
        layout.addWidget(self.question_box)

        # effort mode
        self.effort_box = QWidget(self)
        elay = QVBoxLayout(self.effort_box)
        elay.setContentsMargins(0, 0, 0, 0)
        erow = QHBoxLayout()
        self.effort_buttons: list[QPushButton] = []
        for n in range(11):
            words = CR10_WORDS.get(n, "")
            b = _button(str(n), f"Effort {n}" + (f", {words}" if words else ""), self)
            b.setToolTip(words or f"effort {n}")
            b.clicked.connect(lambda _=False, n=n: self.effort_chosen.emit(n))
            erow.addWidget(b)
            self.effort_buttons.append(b)
        self.skip_effort = _button("Skip", "Skip the effort question", self)
        self.skip_effort.clicked.connect(self.effort_skipped.emit)
        erow.addWidget(self.skip_effort)
        elay.addLayout(erow)
        anchors = QLabel("0 nothing at all · 3 moderate · 5 hard · 7 very hard · 10 maximal "
                         "(keys 0-9, T = 10)", self.effort_box)
        anchors.setWordWrap(True)
        apply_font(anchors, "small")
        elay.addWidget(anchors)
        layout.addWidget(self.effort_box)
        self.clear()

    def ask(self, question: str) -> None:
        self.mode = "question"
        self.question.setText(question)
        self.question.show()
        self.question_box.show()
        self.effort_box.hide()
        self.show()

    def ask_effort(self) -> None:
        self.mode = "effort"
        self.question.setText("How hard was that, from 0 to 10?")
        self.question.show()
        self.question_box.hide()
        self.effort_box.show()
        self.show()

    def clear(self) -> None:
        self.mode = "idle"
        self.question_box.hide()
        self.effort_box.hide()
        self.hide()

    def handle_key(self, key: int, text: str) -> bool:
        """Keys while shown: N / Y / 1-4 for the question, 0-9 and T for effort."""
        if self.mode == "question":
            if key == Qt.Key.Key_N:
                self.all_clear.emit()
                return True
            if key == Qt.Key.Key_Y:
                self.red_flag.emit()
                return True
            if text in ("1", "2", "3", "4"):
                self.symptom_chosen.emit(_RED_FLAGS[int(text) - 1].value)
                return True
        elif self.mode == "effort":
            if text.isdigit() and len(text) == 1:
                self.effort_chosen.emit(int(text))
                return True
            if key == Qt.Key.Key_T:
                self.effort_chosen.emit(10)
                return True
        return False


class SimpleSafetyPage(QWidget):
    """After a red flag: what to do now, in plain words, and which symptom it was."""

    symptom_chosen = Signal(str)
    finished = Signal()

    def __init__(self, emergency_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Session stopped for your safety")
        self.emergency_text = emergency_text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        title = QLabel("Stop exercising now.", self)
        apply_font(title, "title", bold=True)
        title.setAccessibleName("Stop exercising now")
        layout.addWidget(title)
        self.body = QLabel(self)
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        apply_font(self.body, "heading")
        self.body.setAccessibleName("What to do now")
        layout.addWidget(self.body)
        self.chosen = QLabel("", self)
        apply_font(self.chosen, "body")
        ask = QLabel("If you can, tell us what happened (optional, keys 1-5):", self)
        ask.setWordWrap(True)
        apply_font(ask, "body")
        layout.addWidget(ask)
        grid = QGridLayout()
        self.symptom_buttons: list[QPushButton] = []
        for i, symptom in enumerate((*_RED_FLAGS, Symptom.UNSPECIFIED)):
            b = _button(f"{i + 1}  {SYMPTOM_LABELS[symptom]}", SYMPTOM_LABELS[symptom], self,
                        "body")
            b.clicked.connect(lambda _=False, s=symptom: self._choose(s))
            grid.addWidget(b, i // 2, i % 2)
            self.symptom_buttons.append(b)
        layout.addLayout(grid)
        layout.addWidget(self.chosen)
        layout.addStretch(1)
        self.close_button = _button("Close", "Close this page", self)
        self.close_button.clicked.connect(self.finished.emit)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        self.show_stop(None)

    def show_stop(self, symptom: Symptom | None) -> None:
        self.body.setText(
            "<p>Sit or lie down somewhere safe and rest.</p>"
            "<p>Please seek medical advice before you exercise again.</p>"
            "<p><b>If chest pain, severe breathlessness or fainting does not pass, call "
            f"{self.emergency_text} now.</b></p>"
        )
        self.chosen.setText(f"Noted: {SYMPTOM_LABELS[symptom]}." if symptom else "")

    def _choose(self, symptom: Symptom) -> None:
        self.chosen.setText(f"Noted: {SYMPTOM_LABELS[symptom]}.")
        self.symptom_chosen.emit(symptom.value)

    def handle_key(self, key: int, text: str) -> bool:
        if text in ("1", "2", "3", "4", "5"):
            self.symptom_buttons[int(text) - 1].click()
            return True
        return False
