"""After a red-flag stop: what to do now, in plain words and large type.

There is deliberately no way to start or resume exercise from here: the only way out is
"Back to start" (`finished`), which leads to the start screen, where the next session first
asks for the red-flag acknowledgement. It is left only on purpose: the screen itself has the
focus (not the button), and in the app no key used during a session (Space, Enter, Esc, N)
leaves it; a click, or Tab to the button and then Enter or Space, does. If the symptom is
not yet known, the user can say which one it was (keys 1-4, 5 or 0 = not sure); the choice
is emitted for the engine to record.
"""

from __future__ import annotations

import re

from companion.core.events import Symptom
from companion.core.safety import SAFETY_TITLE, safety_steps
from companion.core.safety_words import SYMPTOM_LABELS
from companion.qt.core import Qt, Signal
from companion.qt.gui import QKeyEvent
from companion.qt.widgets import (
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from companion.ui.screens.checkin_pages import SYMPTOM_KEYS, symptom_for_key
from companion.ui.widgets.announce import announce
from companion.ui.widgets.safety_style import apply_style, make_button, make_label
from companion.ui.widgets.scroll import page_scroll


class SafetyScreen(QWidget):
    """Stop, sit or lie down, seek advice; call the emergency number if it does not pass."""

    symptom_chosen = Signal(object)  # the `Symptom` (an enum end to end, never a string)
    finished = Signal()  # "Back to start": never starts a session

    def __init__(self, emergency_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Session stopped for your safety")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        apply_style(self)
        self.emergency_text = emergency_text
        self.symptom: Symptom | None = None
        self.heard = ""  # the words heard when the stop was spoken ("" for a key or button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 28, 40, 28)
        outer.setSpacing(14)
        # The instructions are never clipped: the page scrolls (from the top, where the
        # instructions and the emergency advice are) when the window is too short for it all,
        # so the symptom buttons below go out of view first (a tester's 1120x786 window with
        # a banner clipped the emergency advice).
        self.scroll_area = page_scroll(QScrollArea(self))
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget(self.scroll_area)
        body.setObjectName("safetyBody")
        self.scroll_area.setStyleSheet(
            "QScrollArea, QWidget#safetyBody { background: transparent; }")
        self.scroll_area.viewport().setAutoFillBackground(False)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(14)
        lay.addWidget(make_label(SAFETY_TITLE, "title", body, bold=True))
        self.step_labels: list[QLabel] = []
        for _ in safety_steps():
            label = make_label("", "heading", body)
            lay.addWidget(label)
            self.step_labels.append(label)
        self.reported = make_label("", "body", body, description="What you reported")
        lay.addWidget(self.reported)
        self.ask = make_label("If you can, say which one it was: press 1 to 4, or 5 if you are "
                              "not sure.", "body", body)
        lay.addWidget(self.ask)
        self.symptom_buttons: list[QPushButton] = []
        for i, symptom in enumerate(SYMPTOM_KEYS):
            text = SYMPTOM_LABELS[symptom] if symptom is not Symptom.UNSPECIFIED \
                else "Not sure, or something else"
            button = make_button(f"{i + 1}   {text}", f"{text} (key {i + 1})", body, role="body")
            button.setStyleSheet("text-align: left;")
            # a long symptom must not set the page's least width: in a narrow window the
            # instructions above wrap to it (a tester's 700 px window ran them off the edge)
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.setToolTip(text)
            button.clicked.connect(lambda _=False, s=symptom: self._choose(s))
            lay.addWidget(button)
            self.symptom_buttons.append(button)
        lay.addStretch(1)
        self.scroll_area.setWidget(body)
        outer.addWidget(self.scroll_area, 1)
        self.close_button = make_button("Back to start", "Back to the start screen", self)
        self.close_button.clicked.connect(self.finished.emit)
        outer.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        # Tab from the page reaches "Back to start" first, as the README says (Tab, then
        # Enter): a symptom button first let Tab + Enter record "chest pain" by accident
        QWidget.setTabOrder(self, self.close_button)
        previous: QWidget = self.close_button
        for button in self.symptom_buttons:
            QWidget.setTabOrder(previous, button)
            previous = button
        self.set_emergency_text(emergency_text)
        self.show_stop(None)

    def set_emergency_text(self, emergency_text: str) -> None:
        """The number to call, from settings ("your local emergency number" if empty)."""
        self.emergency_text = emergency_text
        for label, text in zip(self.step_labels, safety_steps(emergency_text), strict=True):
            label.setText(text)
        last = self.step_labels[-1]
        font = last.font()
        font.setBold(True)
        last.setFont(font)

    def show_stop(self, symptom: Symptom | None) -> None:
        """Show the screen for a stop; UNSPECIFIED or None lets the user pick the symptom."""
        known = symptom is not None and symptom is not Symptom.UNSPECIFIED
        self.symptom = symptom
        self.heard = ""
        self._show_reported()
        self.ask.setVisible(not known)
        for button in self.symptom_buttons:
            button.setVisible(not known)
        self._describe()
        self.setFocus(Qt.FocusReason.OtherFocusReason)  # the page, never "Back to start"
        self.scroll_area.verticalScrollBar().setValue(0)  # the instructions first
        if self.isVisible():
            self.announce_stop()

    def show_heard(self, heard: str) -> None:
        """The words heard when the stop was spoken, said back above the symptom question
        ("You said \u201cmy chest hurts\u201d."): what was heard, never a diagnosis."""
        self.heard = re.sub(r"\bi\b", "I", heard.strip())  # "i can't breathe" -> "I ..."
        self._show_reported()
        self._describe()

    def announce_stop(self) -> None:
        """Assertive, once the page shows: what to do now and the emergency advice."""
        announce(self, f"{SAFETY_TITLE}. {self.accessibleDescription()}", assertive=True)

    def _describe(self) -> None:
        """The page has the focus: its description carries what to do, so a screen reader
        reads the instructions and the emergency advice when the page appears."""
        parts = [label.text() for label in self.step_labels]
        if self.reported.text():
            parts.append(self.reported.text())
        if self.ask.isVisibleTo(self):
            parts.append(self.ask.text())
        self.setAccessibleDescription(" ".join(parts))

    def _show_reported(self) -> None:
        if self.symptom is None:
            text = ""
        elif self.symptom is Symptom.UNSPECIFIED:
            text = "You reported: not sure which symptom."
        else:
            text = f"You reported: {SYMPTOM_LABELS[self.symptom].lower()}."
        if self.heard:
            text = f"You said \u201c{self.heard}\u201d. {text}".strip()
        self.reported.setText(text)
        self.reported.setVisible(bool(text))

    def choose(self, symptom: Symptom) -> None:
        """Which symptom it was (keys 1-4, 5 or 0 = not sure), while that is still open."""
        if self.symptom_buttons[0].isVisibleTo(self):
            self._choose(symptom)

    def _choose(self, symptom: Symptom) -> None:
        self.symptom = symptom
        self._show_reported()
        self.symptom_chosen.emit(symptom)
        # a real symptom is final; "not sure" can still be refined
        if symptom is not Symptom.UNSPECIFIED:
            self.ask.hide()
            for button in self.symptom_buttons:
                button.hide()
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        self._describe()
        announce(self, self.reported.text())

    def handle_key(self, key: int, text: str = "") -> bool:
        """1-4 / 5 or 0 while the symptom is still open. No key leaves this screen: the page
        has the focus, so Enter and Space do nothing until the person tabs to the button."""
        if not self.symptom_buttons[0].isVisibleTo(self):
            return False
        symptom = symptom_for_key(key)
        if symptom is not None:
            self._choose(symptom)
        return symptom is not None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        from companion.ui.services.key_names import qt_key

        if not self.handle_key(qt_key(event), event.text()):
            super().keyPressEvent(event)
