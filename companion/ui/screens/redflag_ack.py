"""Before the first session after a red-flag stop: when it happened, and a confirmation.

The user confirms one of two things (key 1 or 2): they have sought medical advice, or the
symptom has passed and they feel well; not in the first 0.6 s the question is on screen,
nor with a key held down (ANSWER_GUARD_S, as at a check-in). `confirmed(choice)` carries
the `AckChoice` value for storage; "Not now" (Esc) closes without a confirmation, and no
session starts. "I still feel unwell" (U, as during a session) answers neither: the dialog
then says not to exercise today and what to do (`still_unwell_steps`, from
`companion.core.safety_words`), stores nothing, and closes with no session; the question
comes back next time.
"""

from __future__ import annotations

import time
from datetime import datetime

from companion.core.events import Symptom
from companion.core.safety import ACK_LABELS, AckChoice
from companion.core.safety_words import SYMPTOM_LABELS, still_unwell_steps
from companion.qt.core import Qt, QTimer, Signal
from companion.qt.gui import QKeyEvent, QShowEvent
from companion.qt.widgets import QDialog, QPushButton, QVBoxLayout, QWidget
from companion.ui.services.key_state import KeyState
from companion.ui.services.keys import ANSWER_GUARD_S
from companion.ui.widgets.safety_style import apply_style, make_button, make_label


def describe_when(when: datetime) -> str:
    """'Tuesday 24 November 2026 at 18:05', in local time when the time is zone-aware."""
    local = when.astimezone() if when.tzinfo is not None else when
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


class RedFlagAckDialog(QDialog):
    """Shows the last red-flag stop and asks for a confirmation before exercising again."""

    confirmed = Signal(str)  # an `AckChoice` value

    def __init__(
        self,
        when: datetime | None,
        symptom: Symptom | str | None = None,
        parent: QWidget | None = None,
        set_aside: str = "",
        emergency: str = "",
    ) -> None:
        """`when` None: the history could not be read, so the app cannot tell whether the
        last session stopped for a warning sign; it asks anyway (it fails closed).
        `set_aside`: the day a damaged history was set aside ("" if it was not): the
        same question, saying why the app cannot tell. `emergency`: the settings' emergency
        text, said when the person still feels unwell."""
        super().__init__(parent)
        self.setWindowTitle("Before you exercise again")
        self.setAccessibleName("Before you exercise again")
        self.setModal(True)
        apply_style(self)
        self.choice: AckChoice | None = None
        self.still_unwell = False
        self._emergency = emergency
        sym, unknown = _symptom(symptom)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(32, 24, 32, 24)
        lay.setSpacing(14)
        lay.addWidget(make_label("Before you exercise again", "title", self, bold=True))
        if sym is not None and sym is not Symptom.UNSPECIFIED:
            what = "you reported: " + SYMPTOM_LABELS[sym].lower()
        elif unknown:  # written by another version: said as stored, never dropped
            what = f"you reported a warning sign (\u201c{unknown}\u201d)"
        else:
            what = "you reported feeling unwell"
        if when is not None:
            text = f"Your last session stopped on {describe_when(when)}, because {what}."
        elif set_aside:
            on = f" on {set_aside}" if set_aside[0].isdigit() else ""
            text = (f"Your history file was damaged and was set aside{on}, so Companion "
                    "cannot tell whether a session before then was stopped because you "
                    "felt unwell. If one was:")
        else:
            text = ("Companion cannot read your history right now, so it cannot tell "
                    "whether a session was stopped because you felt unwell. If one was:")
        self.summary = make_label(text, "body", self, name="When the last session stopped")
        lay.addWidget(self.summary)
        self.ask_label = make_label("Please confirm one of these (press 1 or 2):", "body", self)
        lay.addWidget(self.ask_label)
        self.buttons: dict[AckChoice, QPushButton] = {}
        for i, choice in enumerate((AckChoice.SOUGHT_ADVICE, AckChoice.RESOLVED)):
            text = ACK_LABELS[choice]
            button = make_button(f"{i + 1}   {text}", f"{text} (key {i + 1})", self)
            button.setStyleSheet("text-align: left;")
            button.clicked.connect(lambda _=False, c=choice: self.confirm(c))
            lay.addWidget(button)
            self.buttons[choice] = button
        self.unwell_button = make_button("U   I still feel unwell",
                                         "I still feel unwell (key U)", self, kind="unwell")
        self.unwell_button.setStyleSheet("text-align: left;")
        self.unwell_button.clicked.connect(self.unwell)
        lay.addWidget(self.unwell_button)
        self.comes_back = make_label("If the symptom comes back, stop and seek medical advice.",
                                     "small", self)
        lay.addWidget(self.comes_back)
        self.not_now = make_button("Not now  (Esc)", "Not now: do not start a session", self,
                                   role="small")
        self.not_now.clicked.connect(self.reject)
        lay.addWidget(self.not_now, 0, Qt.AlignmentFlag.AlignRight)
        self.not_now.setFocus()
        # As at a check-in: an answer needs a deliberate act. A key pressed within
        # ANSWER_GUARD_S of the question appearing (a reflex, or one sent with the Space
        # that opened it), or held down, does not answer; the two buttons are greyed out
        # for that moment too. "Not now" (Esc) always works.
        self._shown_at: float | None = None
        # held keys, told by the app's own rule (Qt's repeat flag alone misses X servers'
        # release-and-press repeats: a tester's held 2 confirmed and started a session)
        self._keys = KeyState()
        self._ready = QTimer(self)
        self._ready.setSingleShot(True)
        self._ready.setTimerType(Qt.TimerType.PreciseTimer)
        self._ready.timeout.connect(self._enable_answers)

    @property
    def answer_ready(self) -> bool:
        """True once the question has been on screen for ANSWER_GUARD_S (s)."""
        return (self._shown_at is not None
                and time.monotonic() - self._shown_at >= ANSWER_GUARD_S)

    def _fit_height(self, *, shrink: bool = False) -> None:
        """As tall as the wrapped text needs at this width (a window's layout does not
        ask its wrapped labels; with no window manager the text was cut at 1280x800)."""
        lay = self.layout()
        if lay is None:
            return
        lay.activate()
        height = lay.heightForWidth(self.width())
        if height > self.height() or (shrink and height > 0):
            self.resize(self.width(), height)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_height()
        if self._shown_at is None:
            self._shown_at = time.monotonic()
            for button in self.buttons.values():
                button.setEnabled(False)
            self._ready.start(int(ANSWER_GUARD_S * 1000) + 1)

    def _enable_answers(self) -> None:
        if not self.answer_ready:  # a timer that fired early: wait the rest
            assert self._shown_at is not None
            left = ANSWER_GUARD_S - (time.monotonic() - self._shown_at)
            self._ready.start(max(1, int(left * 1000) + 1))
            return
        for button in self.buttons.values():
            button.setEnabled(True)

    def unwell(self) -> None:
        """Still unwell: no session today, what to do instead; nothing is stored."""
        if self.still_unwell:
            return
        self.still_unwell = True
        for button in self.buttons.values():
            button.hide()
        self.ask_label.hide()
        self.unwell_button.hide()
        self.comes_back.hide()
        self.summary.setText("\n\n".join(still_unwell_steps(self._emergency)))
        self.summary.setAccessibleName("Please do not exercise today")
        self.not_now.setText("Close  (Esc)")
        self.not_now.setAccessibleName("Close: no session today")
        self.not_now.setDefault(True)  # Enter closes too: the only thing left to do
        self.not_now.setFocus()
        self._fit_height(shrink=True)
        from companion.ui.widgets.announce import announce

        announce(self.summary, self.summary.text())

    def confirm(self, choice: AckChoice) -> None:
        self.choice = choice
        self.confirmed.emit(choice.value)
        self.accept()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        self._keys.release(event)
        super().keyReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        from companion.ui.services.key_names import qt_key

        key = qt_key(event)
        held = self._keys.press(event)  # every press, also those refused: a hold starts here
        if key == Qt.Key.Key_U:  # as during a session: always works, never a confirmation
            self.unwell()
            event.accept()
            return
        if key in (Qt.Key.Key_1, Qt.Key.Key_2) and (self.still_unwell or held
                                                    or not self.answer_ready):
            event.accept()  # too soon, or held down: not an answer
            return
        if key == Qt.Key.Key_1:
            self.confirm(AckChoice.SOUGHT_ADVICE)
        elif key == Qt.Key.Key_2:
            self.confirm(AckChoice.RESOLVED)
        else:
            super().keyPressEvent(event)


def _symptom(stored: Symptom | str | None) -> tuple[Symptom | None, str]:
    """The symptom, or (None, the stored text) for one this version does not know (a newer
    Companion wrote it): the question still comes up, never an error that blocks Start."""
    if not isinstance(stored, str):
        return stored, ""
    try:
        return Symptom(stored), ""
    except ValueError:
        return None, stored.strip()[:60]


def confirm_after_red_flag(
    parent: QWidget | None, when: datetime, symptom: Symptom | str | None
) -> AckChoice | None:
    """Run the dialog modally; the choice to store, or None when the user chose 'Not now'."""
    dialog = RedFlagAckDialog(when, symptom, parent)
    dialog.exec()
    return dialog.choice
