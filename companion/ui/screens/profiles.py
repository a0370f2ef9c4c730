"""Choosing whose session it is: "Switch profile" (P on the start screen), a new profile, and
a profile's PIN.

Every check that touches the database or a PIN hash (Argon2: deliberately slow) runs off the
GUI thread (`QueryOp`); the dialogs only show and collect. The PIN field is a password
field; a wrong PIN says so and clears it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from companion.qt.core import Qt
from companion.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from companion.storage.profiles import NAME_MAX, PIN_MAX, PIN_MIN, ProfileInfo
from companion.ui.adapters.operations import QueryOp
from companion.ui.widgets.announce import announce
from companion.ui.widgets.dialog_parts import status_and_buttons
from companion.ui.widgets.style import apply_font

log = logging.getLogger(__name__)

#: check(name, pin) -> opens the profile or raises (WrongPin...): run off the GUI thread
Check = Callable[[str, str], Any]
#: create(name, pin_or_None) -> the new profile, or raises
Create = Callable[[str, str | None], ProfileInfo]


def _say(status: QLabel, text: str) -> None:
    """Show `text` in a dialog's status line and have a screen reader speak it."""
    status.setText(text)
    status.setAccessibleName(text or "Status")
    if text:
        announce(status, text)


def _pin_field(parent: QWidget, name: str) -> QLineEdit:
    field = QLineEdit(parent)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(PIN_MAX)
    field.setAccessibleName(name)
    return field


class ProfileDialog(QDialog):
    """Pick a profile (and give its PIN if it has one); `chosen` is its name once the PIN
    was checked. At start-up (`startup`) it asks whose session it is, and Cancel is Quit."""

    def __init__(self, names: list[str], current: str, check: Check,
                 parent: QWidget | None = None, *, startup: bool = False,
                 create: Create | None = None) -> None:
        super().__init__(parent)
        self.check = check
        self.create_profile = create
        self.current = current
        self.chosen: str | None = None
        self.setWindowTitle("Whose session is it?" if startup else "Switch profile")
        self.setAccessibleName(self.windowTitle())
        self.resize(520, 420)
        lay = QVBoxLayout(self)
        intro = QLabel("Each profile has its own history, health answers, settings and "
                       "routines. A profile with a PIN asks for it.", self)
        intro.setWordWrap(True)
        apply_font(intro, "body")
        lay.addWidget(intro)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Profiles")
        apply_font(self.list, "heading")
        for name in names:
            item = QListWidgetItem(f"{name}  (now)" if name == current and not startup
                                   else name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.list.addItem(item)
            if name == current:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.submit())
        lay.addWidget(self.list, 1)
        form = QFormLayout()
        self.pin = _pin_field(self, "PIN or passphrase, if this profile has one")
        pin_label = QLabel("&PIN (if it has one):", self)
        pin_label.setBuddy(self.pin)
        form.addRow(pin_label, self.pin)
        lay.addLayout(form)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Status")
        lay.addWidget(self.status)
        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton("Open" if startup else "Switch",
                                           QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        self.new_button: QPushButton | None = None
        if create is not None:
            self.new_button = buttons.addButton("New profile…",
                                                QDialogButtonBox.ButtonRole.ActionRole)
            self.new_button.clicked.connect(self.new_profile)
        self.cancel_button = buttons.addButton("Quit" if startup else "Cancel",
                                               QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        lay.addWidget(buttons)
        self.pin.setFocus() if startup else self.list.setFocus()

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _busy(self, busy: bool, text: str = "") -> None:
        for w in (self.ok_button, self.new_button, self.list, self.pin):
            if w is not None:
                w.setEnabled(not busy)
        _say(self.status, text)

    def submit(self) -> None:
        """Check the chosen profile's PIN off the GUI thread, then close with it."""
        name = self.selected_name()
        if name is None:
            return
        pin = self.pin.text()
        self._busy(True, f"Opening {name}'s profile…")

        def done(_info: object) -> None:
            self.chosen = name
            self.accept()

        def failed(exc: Exception) -> None:
            log.info("profile %s not opened: %s", name, exc)
            self._busy(False, str(exc))
            self.pin.clear()
            self.pin.setFocus()

        QueryOp(parent=self, op=lambda: self.check(name, pin),
                success=done).failure(failed).run_in_background()

    def new_profile(self) -> None:
        if self.create_profile is None:
            return
        dialog = NewProfileDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        name, pin = dialog.values()
        create = self.create_profile
        self._busy(True, f"Adding {name}'s profile…")

        def done(info: ProfileInfo) -> None:
            self.chosen = info.name
            self.accept()

        def failed(exc: Exception) -> None:
            self._busy(False, str(exc))

        QueryOp(parent=self, op=lambda: create(name, pin),
                success=done).failure(failed).run_in_background()


class NewProfileDialog(QDialog):
    """A name and an optional PIN (twice)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New profile")
        self.setAccessibleName("New profile")
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setMaxLength(NAME_MAX)
        self.name.setAccessibleName("Name of the new profile")
        self.pin = _pin_field(self, "PIN or passphrase (optional)")
        self.again = _pin_field(self, "The PIN again")
        form.addRow("&Name:", self.name)
        form.addRow("&PIN (optional):", self.pin)
        form.addRow("PIN &again:", self.again)
        lay.addLayout(form)
        note = QLabel(f"A PIN keeps others from opening this profile in Companion (at least "
                      f"{PIN_MIN} characters; a passphrase is better). It cannot be "
                      "recovered: keep it somewhere safe.", self)
        note.setWordWrap(True)
        lay.addWidget(note)
        self.status, _buttons = status_and_buttons(
            self, lay, QDialogButtonBox.StandardButton.Ok, self._check)

    def values(self) -> tuple[str, str | None]:
        return self.name.text().strip(), self.pin.text() or None

    def _check(self) -> None:
        problem = pin_problem(self.pin.text(), self.again.text(), optional=True)
        if not self.name.text().strip():
            problem = "Give the profile a name."
        if problem:
            _say(self.status, problem)
            return
        self.accept()


class PinDialog(QDialog):
    """Set, change or remove the current profile's PIN: `values()` is (old, new or None)."""

    def __init__(self, name: str, has_pin: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"PIN for {name}")
        self.setAccessibleName(self.windowTitle())
        self.remove = False
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.old = _pin_field(self, "The current PIN")
        self.new = _pin_field(self, "The new PIN or passphrase")
        self.again = _pin_field(self, "The new PIN again")
        if has_pin:
            form.addRow("&Current PIN:", self.old)
        else:
            self.old.hide()
        form.addRow("&New PIN:", self.new)
        form.addRow("New PIN &again:", self.again)
        lay.addLayout(form)
        self.status, buttons = status_and_buttons(
            self, lay, QDialogButtonBox.StandardButton.Ok, self._check)
        if has_pin:
            remove = buttons.addButton("Remove the PIN", QDialogButtonBox.ButtonRole.ActionRole)
            remove.clicked.connect(self._remove)

    def values(self) -> tuple[str, str | None]:
        return self.old.text(), None if self.remove else self.new.text()

    def _remove(self) -> None:
        self.remove = True
        self.accept()

    def _check(self) -> None:
        problem = pin_problem(self.new.text(), self.again.text(), optional=False)
        if problem:
            _say(self.status, problem)
            return
        self.accept()


def pin_problem(pin: str, again: str, *, optional: bool) -> str:
    """What is wrong with a new PIN typed twice ("" when fine)."""
    if not pin and optional:
        return "" if not again else "Type the PIN in both fields, or leave both empty."
    if len(pin) < PIN_MIN:
        return f"A PIN needs at least {PIN_MIN} characters."
    if pin != again:
        return "The two PINs are not the same."
    return ""
