"""The routine editor: create, duplicate, edit, delete, import and export your routines.

A window of its own (not a screen of the main window), so the app's one-key commands never
fire while you type a name. What you edit is a draft: the data of a routine file. Every
change is checked at once by the same code as `companion routines check` (so the messages
are the same), and the preview (total time, the plan as your health answers adapt it)
follows. Save writes TOML (tomli-w) to `<data-dir>/routines/<id>.toml`; built-in routines
open read-only with "Duplicate to edit".

Keys: Ctrl+N new, Ctrl+D duplicate, Ctrl+S save, Ctrl+O import, Ctrl+E export, Delete
(in a list) deletes the routine or removes the exercise, Ctrl+Shift+N adds an exercise,
Alt+Up / Alt+Down move the selected exercise, Escape closes. Every control has a label and
an accessible name, and Tab reaches each one.
"""

from __future__ import annotations

import copy
import logging
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from companion.core.safety import adapt
from companion.routines import RoutineEntry, RoutineFileError
from companion.routines.loader import (
    Problem,
    build_routine,
    check_file,
    load_routine_full,
    make_id,
    parse_routine_text,
    routine_to_toml,
    routine_warnings,
)
from companion.routines.schema import MAX_EXERCISES, MAX_NAME
from companion.ui.services.container import AppServices
from companion.ui.widgets.style import AMBER, apply_font

log = logging.getLogger(__name__)

KINDS = [("reps", "Reps"), ("seconds", "Timed hold"), ("to_fatigue", "To near fatigue")]
BREATHING = [("extended_exhale", "Extended exhale (default)"), ("coherent", "Coherent"),
             ("box", "Box")]
NEW_ROUTINE: dict[str, Any] = {
    "name": "New routine",
    "rounds": 2,
    "rest_seconds": 60,
    "exercise": [{"name": "Bodyweight squats", "reps": 10}],
}
NEW_EXERCISE: dict[str, Any] = {"name": "New exercise", "reps": 10}


def draft_of(entry: RoutineEntry) -> dict[str, Any]:
    """A routine as editable file data (what its file would hold, ids included)."""
    assert entry.routine is not None
    return tomllib.loads(routine_to_toml(entry.routine, dict(entry.alternatives)))


def target_text(ex: dict[str, Any]) -> str:
    if "reps" in ex:
        return f"{ex['reps']} reps"
    if "seconds" in ex:
        return f"{ex['seconds']:g} s hold"
    return "to near fatigue"


def _seconds_box(name: str, parent: QWidget, top: float = 9999) -> QDoubleSpinBox:
    # wider than the file allows, so an out-of-range value gets the file's own message
    box = QDoubleSpinBox(parent)
    box.setRange(0, top)
    box.setDecimals(1)
    box.setSuffix(" s")
    box.setAccessibleName(name)
    return box


def _count_box(name: str, parent: QWidget, top: int = 999) -> QSpinBox:
    box = QSpinBox(parent)
    box.setRange(0, top)
    box.setAccessibleName(name)
    return box


def _line(name: str, parent: QWidget, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def _button(text: str, name: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    button.setAutoDefault(False)
    return button


class RoutineEditor(QWidget):
    """The editor window. `routines_changed` fires after every save, delete or import."""

    routines_changed = Signal()

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services = services
        self.setWindowTitle("Routine editor")
        self.setAccessibleName("Routine editor")
        self.resize(1360, 860)
        self.entries: list[RoutineEntry] = []
        self.entry: RoutineEntry | None = None  # the routine the draft came from
        self.draft: dict[str, Any] | None = None
        self.path: Path | None = None  # where Save writes (None: a new file)
        self.readonly = False
        self.dirty = False
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self._loading = False
        self._ex_row = -1
        #: seams for tests and other front ends; the defaults are real dialogs
        self.confirm: Callable[[str, str], bool] = self._ask_yes_no
        self.ask_unsaved: Callable[[], str] = self._ask_unsaved
        #: the open file dialog (Import / Export), or None; it never blocks the GUI thread
        self.file_dialog: QFileDialog | None = None
        #: the open "cannot import" message, or None
        self.message_box: QMessageBox | None = None
        #: the platform's own file dialog where it has one; False: Qt's (tests drive it)
        self.native_dialogs = True
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(80)
        self._check_timer.timeout.connect(self.check_now)
        self._build()
        self._shortcuts()
        apply_font(self, "body")
        for child in self.findChildren(QWidget):  # the app's body size, as in Settings
            if child is not self.title_label:
                apply_font(child, "body", bold=isinstance(child, QGroupBox))
        apply_font(self.title_label, "heading", bold=True)
        apply_font(self.problems_title, "heading", bold=True)
        lines = self.fontMetrics().lineSpacing()
        for edit in (self.description_edit, self.ex_cues):
            edit.setFixedHeight(lines * 3 + 14)
        self.exercise_list.setFixedHeight(lines * 6 + 14)
        self.reload()

    # -- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(16)

        # left: your routines and what to do with them
        left = QVBoxLayout()
        title = self.title_label = QLabel("&Routines", self)
        self.routine_list = QListWidget(self)
        self.routine_list.setAccessibleName("Routines to edit")
        self.routine_list.setWordWrap(True)
        title.setBuddy(self.routine_list)
        self.routine_list.currentRowChanged.connect(self._routine_chosen)
        left.addWidget(title)
        left.addWidget(self.routine_list, 1)
        self.new_button = _button("New  (Ctrl+N)", "New routine", self)
        self.duplicate_button = _button("Duplicate  (Ctrl+D)", "Duplicate this routine", self)
        self.delete_button = _button("Delete  (Del)", "Delete this routine", self)
        self.import_button = _button("Import…  (Ctrl+O)", "Import a routine file", self)
        self.export_button = _button("Export…  (Ctrl+E)", "Export this routine to a file",
                                     self)
        for button, slot in ((self.new_button, self.new_routine),
                             (self.duplicate_button, self.duplicate),
                             (self.delete_button, self.delete),
                             (self.import_button, self.import_file),
                             (self.export_button, self.export_file)):
            button.clicked.connect(slot)
            left.addWidget(button)
        outer.addLayout(left, 3)

        # middle: the routine and its exercises
        form_host = QWidget(self)
        middle = QVBoxLayout(form_host)
        middle.setContentsMargins(0, 0, 0, 0)
        self.readonly_label = QLabel(
            "This is a built-in routine: it cannot be changed. Duplicate it to make your own "
            "copy to edit.", form_host)
        self.readonly_label.setObjectName("banner")
        self.readonly_label.setWordWrap(True)
        self.readonly_label.setAccessibleName("Read-only routine")
        self.duplicate_to_edit = _button("Duplicate to edit", "Duplicate to edit", form_host)
        self.duplicate_to_edit.clicked.connect(self.duplicate)
        middle.addWidget(self.readonly_label)
        middle.addWidget(self.duplicate_to_edit)

        self.routine_box = QGroupBox("Routine", form_host)
        form = QFormLayout(self.routine_box)
        self.name_edit = _line("Routine name", self.routine_box)
        self.name_edit.setMaxLength(MAX_NAME + 40)  # longer than allowed: the check says so
        self.description_edit = QPlainTextEdit(self.routine_box)
        self.description_edit.setAccessibleName("Routine description")
        self.description_edit.setTabChangesFocus(True)
        self.rounds_box = _count_box("Rounds", self.routine_box, 99)
        self.rest_box = _seconds_box("Rest after each set", self.routine_box)
        self.breathing_box = QComboBox(self.routine_box)
        self.breathing_box.setAccessibleName("Breathing during rests")
        for value, text in BREATHING:
            self.breathing_box.addItem(text, value)
        for text, widget in (("&Name", self.name_edit), ("Des&cription", self.description_edit),
                             ("R&ounds", self.rounds_box), ("Rest after each &set",
                                                            self.rest_box),
                             ("&Breathing in rests", self.breathing_box)):
            form.addRow(self._buddy(text, widget, self.routine_box), widget)
        middle.addWidget(self.routine_box)

        self.exercises_box = QGroupBox("Exercises", form_host)
        ex_outer = QVBoxLayout(self.exercises_box)
        ex_left = QVBoxLayout()
        self.exercise_list = QListWidget(self.exercises_box)
        self.exercise_list.setAccessibleName("Exercises, in order (drag or Alt+Up/Down)")
        self.exercise_list.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        self.exercise_list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.exercise_list.currentRowChanged.connect(self._exercise_chosen)
        self.exercise_list.model().rowsMoved.connect(self._rows_dragged)
        ex_left.addWidget(self.exercise_list)
        row = QHBoxLayout()
        self.add_button = _button("Add", "Add an exercise (Ctrl+Shift+N)", self.exercises_box)
        self.remove_button = _button("Remove", "Remove this exercise", self.exercises_box)
        self.up_button = _button("Up", "Move this exercise up (Alt+Up)", self.exercises_box)
        self.down_button = _button("Down", "Move this exercise down (Alt+Down)",
                                   self.exercises_box)
        self.add_button.clicked.connect(self.add_exercise)
        self.remove_button.clicked.connect(self.remove_exercise)
        self.up_button.clicked.connect(lambda: self.move_exercise(-1))
        self.down_button.clicked.connect(lambda: self.move_exercise(1))
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            row.addWidget(button)
        ex_left.addLayout(row)
        ex_outer.addLayout(ex_left)

        self.exercise_form = QWidget(self.exercises_box)
        ef = QFormLayout(self.exercise_form)
        ef.setContentsMargins(0, 0, 0, 0)
        self.ex_name = _line("Exercise name", self.exercise_form)
        self.ex_name.setMaxLength(MAX_NAME + 40)
        self.ex_kind = QComboBox(self.exercise_form)
        self.ex_kind.setAccessibleName("Set type")
        for value, text in KINDS:
            self.ex_kind.addItem(text, value)
        self.ex_reps = _count_box("Reps", self.exercise_form)
        self.ex_seconds = _seconds_box("Hold time", self.exercise_form)
        self.ex_cap = _seconds_box("Safety cap for a set to near fatigue", self.exercise_form)
        self.ex_own_rest = QCheckBox("Own rest after this exercise", self.exercise_form)
        self.ex_own_rest.setAccessibleName("Own rest after this exercise")
        self.ex_rest = _seconds_box("Rest after this exercise", self.exercise_form)
        self.ex_cues = QPlainTextEdit(self.exercise_form)
        self.ex_cues.setAccessibleName("Form cues, one per line")
        self.ex_cues.setTabChangesFocus(True)
        self.ex_equipment = _line("Equipment, separated by commas", self.exercise_form,
                                  "e.g. chair, mat")
        self.ex_easier = _line("Easier variation", self.exercise_form,
                               "suggested when a set felt very hard")
        self.ex_supine = QCheckBox("Lies on the back", self.exercise_form)
        self.ex_supine.setAccessibleName("Lies on the back")
        self.alt_name = _line("Stand-in exercise name", self.exercise_form,
                              "used when lying on the back is ruled out")
        self.alt_kind = QComboBox(self.exercise_form)
        self.alt_kind.setAccessibleName("Stand-in set type")
        for value, text in KINDS[:2]:
            self.alt_kind.addItem(text, value)
        self.alt_amount = _count_box("Stand-in reps or seconds", self.exercise_form, 9999)
        rows: list[tuple[str, QWidget]] = [
            ("Exercise na&me", self.ex_name), ("Set &type", self.ex_kind),
            ("Re&ps", self.ex_reps), ("&Hold time", self.ex_seconds),
            ("Sa&fety cap", self.ex_cap), ("", self.ex_own_rest),
            ("Rest aft&er it", self.ex_rest), ("Form c&ues", self.ex_cues),
            ("E&quipment", self.ex_equipment), ("Eas&ier variation", self.ex_easier),
            ("", self.ex_supine), ("Stan&d-in exercise", self.alt_name),
            ("Stand-in type", self.alt_kind), ("Stand-in amount", self.alt_amount)]
        for text, field in rows:
            if text:
                ef.addRow(self._buddy(text, field, self.exercise_form), field)
            else:
                ef.addRow(field)
        ex_outer.addWidget(self.exercise_form)
        middle.addWidget(self.exercises_box)
        middle.addStretch(1)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(form_host)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form_scroll = scroll
        outer.addWidget(scroll, 8)

        # right: problems, preview, save
        right = QVBoxLayout()
        problems_title = self.problems_title = QLabel("Problems", self)
        self.problems_label = QLabel("", self)
        self.problems_label.setObjectName("problems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setAccessibleName("Problems")
        self.problems_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview = QLabel("", self)
        self.preview.setAccessibleName("Preview")
        self.preview.setTextFormat(Qt.TextFormat.RichText)
        self.preview.setWordWrap(True)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        preview_scroll = QScrollArea(self)
        preview_scroll.setWidgetResizable(True)
        preview_scroll.setWidget(self.preview)
        preview_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Status")
        self.save_button = _button("Save  (Ctrl+S)", "Save this routine", self)
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        self.close_button = _button("Close  (Esc)", "Close the routine editor", self)
        self.close_button.clicked.connect(self.close)
        right.addWidget(problems_title)
        right.addWidget(self.problems_label)
        right.addWidget(preview_scroll, 1)
        right.addWidget(self.status)
        right.addWidget(self.save_button)
        right.addWidget(self.close_button)
        outer.addLayout(right, 5)

        # every edit updates the draft
        self.name_edit.textEdited.connect(self._name_edited)
        self.description_edit.textChanged.connect(
            lambda: self._set("description", self.description_edit.toPlainText(), drop=""))
        self.rounds_box.valueChanged.connect(lambda v: self._set("rounds", v))
        self.rest_box.valueChanged.connect(lambda v: self._set("rest_seconds", v))
        self.breathing_box.currentIndexChanged.connect(
            lambda _i: self._set("breathing", self.breathing_box.currentData()))
        self.ex_name.textEdited.connect(lambda t: self._set_ex("name", t))
        self.ex_kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.ex_reps.valueChanged.connect(lambda v: self._set_ex("reps", v))
        self.ex_seconds.valueChanged.connect(lambda v: self._set_ex("seconds", v))
        self.ex_cap.valueChanged.connect(lambda v: self._set_ex("cap_seconds", v))
        self.ex_own_rest.toggled.connect(lambda _on: self._rest_changed())
        self.ex_rest.valueChanged.connect(lambda _v: self._rest_changed())
        self.ex_cues.textChanged.connect(self._cues_changed)
        self.ex_equipment.textEdited.connect(self._equipment_changed)
        self.ex_easier.textEdited.connect(lambda t: self._set_ex("easier", t, drop=""))
        self.ex_supine.toggled.connect(self._supine_changed)
        self.alt_name.textEdited.connect(lambda _t: self._alternative_changed())
        self.alt_kind.currentIndexChanged.connect(lambda _i: self._alternative_changed())
        self.alt_amount.valueChanged.connect(lambda _v: self._alternative_changed())

    def _name_edited(self, text: str) -> None:
        self._set("name", text)
        if self.path is None and self.draft is not None and not self.readonly:
            self._show_unsaved_item()

    def _buddy(self, text: str, widget: QWidget, parent: QWidget) -> QLabel:
        label = QLabel(text, parent)
        label.setBuddy(widget)
        return label

    def _shortcuts(self) -> None:
        def bind(keys: str | QKeySequence.StandardKey, slot: Callable[[], object],
                 widget: QWidget | None = None) -> None:
            shortcut = QShortcut(QKeySequence(keys), widget or self)
            if widget is not None:
                shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)

        bind("Ctrl+N", self.new_routine)
        bind("Ctrl+D", self.duplicate)
        bind("Ctrl+S", self.save)
        bind("Ctrl+O", self.import_file)
        bind("Ctrl+E", self.export_file)
        bind("Ctrl+Shift+N", self.add_exercise)
        bind("Alt+Up", lambda: self.move_exercise(-1))
        bind("Alt+Down", lambda: self.move_exercise(1))
        bind("Escape", self.close)
        bind("Delete", self.delete, self.routine_list)
        bind("Delete", self.remove_exercise, self.exercise_list)

    # -- the list of routines ------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        """Re-read the routines folder; keeps (or moves to) the routine `select`."""
        self.entries = [e for e in self.services.routine_library().entries()
                        if e.routine is not None]
        keep = select or (self.entry.id if self.entry is not None else None)
        self._loading = True
        self.routine_list.clear()
        for e in self.entries:
            assert e.routine is not None
            item = QListWidgetItem(f"{e.routine.name}" + ("  (built-in)" if e.builtin else ""))
            item.setData(Qt.ItemDataRole.UserRole, e.id)
            self.routine_list.addItem(item)
        self._loading = False
        row = next((i for i, e in enumerate(self.entries) if e.id == keep), 0)
        if self.draft is not None and self.path is None and select is None:
            self._show_unsaved_item()  # an unsaved new routine stays on screen
            return
        self.routine_list.setCurrentRow(row if self.entries else -1)
        if self.entries and (self.entry is None or self.entries[row].id != self.entry.id
                             or select is not None or not self.dirty):
            self._open(self.entries[row])

    def show_routine(self, routine_id: str | None) -> None:
        """Open with this routine selected (the start screen's selection)."""
        if routine_id is None or self.dirty:
            return
        for row, e in enumerate(self.entries):
            if e.id == routine_id:
                self.routine_list.setCurrentRow(row)
                return

    def _routine_chosen(self, row: int) -> None:
        if self._loading or not 0 <= row < len(self.entries):
            return  # (the last row may be the unsaved routine itself)
        entry = self.entries[row]
        if self.entry is not None and entry.id == self.entry.id and self.path is not None:
            return
        if not self._may_leave():
            self._select_row_quietly(self._row_of_current())
            return
        self._open(entry)

    def _row_of_current(self) -> int:
        if self.entry is None or self.path is None:
            return len(self.entries) if self.routine_list.count() > len(self.entries) else -1
        return next((i for i, e in enumerate(self.entries) if e.id == self.entry.id), -1)

    def _show_unsaved_item(self) -> None:
        """A new or duplicated routine not saved yet is the list's last row, selected (so
        focusing the list never moves away from it by itself)."""
        assert self.draft is not None
        self._loading = True
        try:
            if self.routine_list.count() > len(self.entries):
                item = self.routine_list.item(len(self.entries))
            else:
                item = QListWidgetItem()
                self.routine_list.addItem(item)
            item.setText(f"{str(self.draft.get('name', '')).strip() or '(no name)'}"
                         "  (not saved yet)")
            self.routine_list.setCurrentRow(len(self.entries))
        finally:
            self._loading = False

    def _select_row_quietly(self, row: int) -> None:
        self._loading = True
        self.routine_list.setCurrentRow(row)
        self._loading = False

    def _open(self, entry: RoutineEntry) -> None:
        if self.routine_list.count() > len(self.entries):  # the unsaved routine's row goes
            self._loading = True
            self.routine_list.takeItem(len(self.entries))
            self._loading = False
        self.entry = entry
        self.path = None if entry.builtin else entry.path
        self._show_draft(draft_of(entry), readonly=entry.builtin)

    def _show_draft(self, draft: dict[str, Any], *, readonly: bool, dirty: bool = False) -> None:
        self.draft = draft
        self.readonly = readonly
        self.dirty = dirty
        self._load_form()
        for box in (self.routine_box, self.exercises_box):
            box.setEnabled(not readonly)
        self.readonly_label.setVisible(readonly)
        self.duplicate_to_edit.setVisible(readonly)
        self.save_button.setVisible(not readonly)
        self.delete_button.setEnabled(not readonly and self.path is not None)
        self.check_now()

    # -- draft <-> form ------------------------------------------------------------------------
    def _load_form(self) -> None:
        assert self.draft is not None
        d = self.draft
        self._loading = True
        try:
            self.name_edit.setText(str(d.get("name", "")))
            self.description_edit.setPlainText(str(d.get("description", "")))
            self.rounds_box.setValue(int(d.get("rounds", 1)))
            self.rest_box.setValue(float(d.get("rest_seconds", 0)))
            index = self.breathing_box.findData(d.get("breathing", "extended_exhale"))
            self.breathing_box.setCurrentIndex(max(index, 0))
        finally:
            self._loading = False
        self._fill_exercises(0)

    def _fill_exercises(self, select: int) -> None:
        assert self.draft is not None
        self._loading = True
        try:
            self.exercise_list.clear()
            for i, ex in enumerate(self.draft.get("exercise", [])):
                item = QListWidgetItem(self._exercise_text(i, ex))
                item.setData(Qt.ItemDataRole.UserRole, i)
                self.exercise_list.addItem(item)
        finally:
            self._loading = False
        count = self.exercise_list.count()
        self._ex_row = -1
        self.exercise_list.setCurrentRow(min(max(select, 0), count - 1) if count else -1)
        if not count:
            self._exercise_chosen(-1)

    def _exercise_text(self, i: int, ex: dict[str, Any]) -> str:
        name = str(ex.get("name", "")).strip() or "(no name)"
        return f"{i + 1}. {name} · {target_text(ex)}"

    def _exercise(self) -> dict[str, Any] | None:
        if self.draft is None:
            return None
        exercises = self.draft.get("exercise", [])
        return exercises[self._ex_row] if 0 <= self._ex_row < len(exercises) else None

    def _exercise_chosen(self, row: int) -> None:
        if self._loading:
            return
        self._ex_row = row
        ex = self._exercise()
        self.exercise_form.setEnabled(ex is not None)
        if ex is None:
            return
        self._loading = True
        try:
            self.ex_name.setText(str(ex.get("name", "")))
            kind = "reps" if "reps" in ex else "seconds" if "seconds" in ex else "to_fatigue"
            self.ex_kind.setCurrentIndex(self.ex_kind.findData(kind))
            self.ex_reps.setValue(int(ex.get("reps", 10)))
            self.ex_seconds.setValue(float(ex.get("seconds", 30)))
            self.ex_cap.setValue(float(ex.get("cap_seconds", 90)))
            self.ex_own_rest.setChecked("rest_seconds" in ex)
            self.ex_rest.setValue(float(ex.get("rest_seconds", self.draft.get("rest_seconds", 60)
                                               if self.draft else 60)))
            self.ex_cues.setPlainText("\n".join(ex.get("cues", [])))
            self.ex_equipment.setText(", ".join(ex.get("equipment", [])))
            self.ex_easier.setText(str(ex.get("easier", "")))
            self.ex_supine.setChecked(ex.get("position") == "supine")
            alt = ex.get("alternative") or {}
            self.alt_name.setText(str(alt.get("name", "")))
            self.alt_kind.setCurrentIndex(0 if "reps" in alt or not alt else 1)
            self.alt_amount.setValue(int(alt.get("reps", alt.get("seconds", 10))))
        finally:
            self._loading = False
        self._sync_kind_fields()

    def _sync_kind_fields(self) -> None:
        kind = self.ex_kind.currentData()
        self.ex_reps.setEnabled(kind == "reps")
        self.ex_seconds.setEnabled(kind == "seconds")
        self.ex_cap.setEnabled(kind == "to_fatigue")
        self.ex_rest.setEnabled(self.ex_own_rest.isChecked())

    def _set(self, key: str, value: Any, *, drop: Any = None) -> None:
        if self._loading or self.draft is None or self.readonly:
            return
        if drop is not None and value == drop:
            self.draft.pop(key, None)
        else:
            self.draft[key] = value
        self._changed()

    def _set_ex(self, key: str, value: Any, *, drop: Any = None) -> None:
        ex = self._exercise()
        if self._loading or ex is None or self.readonly:
            return
        if key in ("reps", "seconds", "cap_seconds") and self.ex_kind.currentData() != (
                "to_fatigue" if key == "cap_seconds" else key):
            return
        if drop is not None and value == drop:
            ex.pop(key, None)
        else:
            ex[key] = value
        self._changed(refresh_item=True)

    def _kind_changed(self) -> None:
        ex = self._exercise()
        self._sync_kind_fields()
        if self._loading or ex is None or self.readonly:
            return
        for key in ("reps", "seconds", "to_fatigue"):
            ex.pop(key, None)
        kind = self.ex_kind.currentData()
        if kind == "reps":
            ex["reps"] = self.ex_reps.value()
        elif kind == "seconds":
            ex["seconds"] = self.ex_seconds.value()
        else:
            ex["to_fatigue"] = True
            ex["cap_seconds"] = self.ex_cap.value()
        self._changed(refresh_item=True)

    def _rest_changed(self) -> None:
        self._sync_kind_fields()
        ex = self._exercise()
        if self._loading or ex is None or self.readonly:
            return
        if self.ex_own_rest.isChecked():
            ex["rest_seconds"] = self.ex_rest.value()
        else:
            ex.pop("rest_seconds", None)
        self._changed()

    def _cues_changed(self) -> None:
        lines = [line.strip() for line in self.ex_cues.toPlainText().splitlines()]
        self._set_ex("cues", [line for line in lines if line], drop=[])

    def _equipment_changed(self, text: str) -> None:
        items = [part.strip() for part in text.split(",")]
        self._set_ex("equipment", [part for part in items if part], drop=[])

    def _supine_changed(self, on: bool) -> None:
        ex = self._exercise()
        if self._loading or ex is None or self.readonly:
            return
        if on:
            ex["position"] = "supine"
        elif ex.get("position") == "supine":
            ex.pop("position", None)
        self._changed()

    def _alternative_changed(self) -> None:
        ex = self._exercise()
        if self._loading or ex is None or self.readonly:
            return
        name = self.alt_name.text()
        if not name.strip():
            ex.pop("alternative", None)
        else:
            alt = {k: v for k, v in (ex.get("alternative") or {}).items()
                   if k not in ("reps", "seconds", "to_fatigue")}
            alt["name"] = name
            alt.pop("id", None)  # made from the new name when saved
            kind = self.alt_kind.currentData()
            alt[kind] = self.alt_amount.value() if kind == "reps" else \
                float(self.alt_amount.value())
            ex["alternative"] = alt
        self._changed()

    # -- exercises -----------------------------------------------------------------------------
    def add_exercise(self) -> None:
        if self.draft is None or self.readonly:
            return
        exercises = self.draft.setdefault("exercise", [])
        at = self._ex_row + 1 if self._ex_row >= 0 else len(exercises)
        exercises.insert(at, copy.deepcopy(NEW_EXERCISE))
        self._fill_exercises(at)
        self._changed()
        self.ex_name.setFocus()
        self.ex_name.selectAll()

    def remove_exercise(self) -> None:
        exercises = self.draft.get("exercise", []) if self.draft else []
        if self.readonly or not 0 <= self._ex_row < len(exercises):
            return
        del exercises[self._ex_row]
        self._fill_exercises(self._ex_row)
        self._changed()

    def move_exercise(self, delta: int) -> None:
        """Alt+Up / Alt+Down and the Up / Down buttons."""
        exercises = self.draft.get("exercise", []) if self.draft else []
        i, j = self._ex_row, self._ex_row + delta
        if self.readonly or not (0 <= i < len(exercises) and 0 <= j < len(exercises)):
            return
        exercises[i], exercises[j] = exercises[j], exercises[i]
        self._fill_exercises(j)
        self._changed()
        self.exercise_list.setFocus()

    def _rows_dragged(self, *_args: object) -> None:
        """A drag in the exercise list: take the new order once the move is done."""
        QTimer.singleShot(0, self._order_from_list)

    def _order_from_list(self) -> None:
        if self.draft is None or self.readonly:
            return
        exercises = self.draft.get("exercise", [])
        order = [self.exercise_list.item(r).data(Qt.ItemDataRole.UserRole)
                 for r in range(self.exercise_list.count())]
        if sorted(order) != list(range(len(exercises))) or order == sorted(order):
            return
        moved = self.exercise_list.currentRow()
        self.draft["exercise"] = [exercises[i] for i in order]
        self._fill_exercises(max(moved, 0))
        self._changed()

    # -- checking and preview ------------------------------------------------------------------
    def _changed(self, *, refresh_item: bool = False) -> None:
        self.dirty = True
        if refresh_item and 0 <= self._ex_row < self.exercise_list.count():
            ex = self._exercise()
            if ex is not None:
                self.exercise_list.item(self._ex_row).setText(
                    self._exercise_text(self._ex_row, ex))
        self._check_timer.start()

    def _label(self) -> str:
        return self.path.name if self.path is not None else "new routine"

    def check_now(self) -> None:
        """Validate the draft as `routines check` would; update problems and preview."""
        self._check_timer.stop()
        if self.draft is None:
            return
        self.problems, self.warnings = [], []
        loaded = None
        text = tomli_w.dumps(self.draft)
        try:
            model, _ = parse_routine_text(text, self._label())
            loaded = build_routine(model, self._label(), text, path=self.path)
            self.warnings = routine_warnings(loaded.routine, "", self._label())
        except RoutineFileError as exc:
            self.problems = list(exc.problems)
        lines = [f"{p.key}: {p.message}" if p.key else p.message
                 for p in self.problems + self.warnings]
        if len(self.draft.get("exercise", [])) >= MAX_EXERCISES:
            lines.append(f"A routine holds at most {MAX_EXERCISES} exercises.")
        self.problems_label.setText("\n".join(lines) if lines else "No problems.")
        self.problems_label.setStyleSheet(
            f"QLabel#problems {{ border: 2px solid {AMBER}; padding: 6px; }}" if lines else "")
        self.save_button.setEnabled(not self.readonly and not self.problems
                                    and (self.dirty or self.path is None))
        self.export_button.setEnabled(not self.problems)
        self.add_button.setEnabled(len(self.draft.get("exercise", [])) < MAX_EXERCISES)
        if loaded is not None:
            self._preview(loaded.routine, loaded.alternatives)
        else:
            self.preview.setText("<p><i>The preview shows again once the problems are "
                                 "fixed.</i></p>")
        self.setWindowTitle(f"Routine editor: {self.draft.get('name', '')}"
                            + ("  (unsaved)" if self.dirty else ""))

    def _preview(self, routine: Any, alternatives: dict[str, Any]) -> None:
        from companion.ui.screens.start import routine_preview_html

        try:
            adapted = adapt(routine, alternatives, self.services.profile)
        except Exception:  # the preview must never stop the editing
            log.exception("cannot adapt the draft")
            adapted = None
        entry = RoutineEntry(routine.id, self.path or Path(f"{routine.id}.toml"), False,
                             routine, (), alternatives)
        self.preview.setText(routine_preview_html(entry, adapted))

    # -- saving, deleting, files ---------------------------------------------------------------
    def _taken_ids(self) -> set[str]:
        own = self.entry.id if (self.entry is not None and self.path is not None) else None
        return {e.id for e in self.services.routine_library().entries()} - {own}

    def _unique_id(self, base: str) -> str:
        taken = self._taken_ids()
        candidate, n = base, 2
        while candidate in taken:
            candidate = f"{base[:36]}-{n}"
            n += 1
        return candidate

    def save(self) -> bool:
        """Write the draft to `<data-dir>/routines/<id>.toml`; False if it has problems."""
        self.check_now()
        if self.draft is None or self.readonly or self.problems:
            if self.problems:
                self.status.setText("Not saved: fix the problems listed first.")
            return False
        if self.path is None:
            self.draft["id"] = self._unique_id(self.draft.get("id") or make_id(self.draft["name"]))
        text = tomli_w.dumps(self.draft)
        model, _ = parse_routine_text(text, self._label())
        loaded = build_routine(model, self._label(), text, path=self.path)
        folder = self.services.paths.ensure().routines_dir
        path = self.path or folder / f"{loaded.routine.id}.toml"
        try:
            _write(path, routine_to_toml(loaded.routine, loaded.alternatives))
        except OSError as exc:
            self.status.setText(f"Not saved: cannot write {path} ({exc.strerror or exc}).")
            return False
        self.path = path
        self.dirty = False
        self.status.setText(f"Saved to {path}")
        self.entry = None
        self.reload(select=loaded.routine.id)
        self.routines_changed.emit()
        return True

    def new_routine(self) -> None:
        if not self._may_leave():
            return
        self.entry = None
        self.path = None
        self._show_draft(copy.deepcopy(NEW_ROUTINE), readonly=False, dirty=True)
        self._show_unsaved_item()
        self.status.setText("A new routine: give it a name, then Save.")
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def duplicate(self) -> None:
        if self.draft is None or not self._may_leave():
            return
        draft = copy.deepcopy(self.draft)
        draft.pop("id", None)
        draft["name"] = f"{str(draft.get('name', '')).strip()[: MAX_NAME - 7]} (copy)"
        self.entry = None
        self.path = None
        self._show_draft(draft, readonly=False, dirty=True)
        self._show_unsaved_item()
        self.status.setText("A copy: change what you like, then Save.")
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def delete(self) -> None:
        if self.readonly or self.path is None or self.draft is None:
            return
        name = self.draft.get("name", self.path.stem)
        if not self.confirm("Delete routine?",
                            f"Delete your routine \u201c{name}\u201d? The file {self.path} "
                            "is removed; your history of it stays."):
            return
        try:
            self.path.unlink()
        except OSError as exc:
            self.status.setText(f"Not deleted: {exc.strerror or exc}.")
            return
        self.status.setText(f"Deleted {self.path}")
        self.entry, self.path, self.draft, self.dirty = None, None, None, False
        self.reload()
        self.routines_changed.emit()

    def import_file(self) -> None:
        """Ask for a .toml file (the platform's file dialog, not blocking), then import it."""
        if not self._may_leave():
            return
        self._file_dialog(save=False, then=self.import_path)

    def import_path(self, chosen: str) -> bool:
        """Import one file (checked first) into your routines folder; a taken id gets a new
        one. False, with the problems shown, when the file is not a usable routine."""
        source = Path(chosen)
        problems = check_file(source)
        if problems:
            self.status.setText("Not imported: " + "; ".join(str(p) for p in problems[:5]))
            box = QMessageBox(QMessageBox.Icon.Warning, "Cannot import",
                              "This file is not a routine the app can use:\n\n"
                              + "\n".join(str(p) for p in problems[:10]),
                              QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.finished.connect(lambda _code: setattr(self, "message_box", None))
            self.message_box = box
            box.open()
            return False
        loaded = load_routine_full(source)
        routine = loaded.routine
        new_id = self._unique_id(routine.id)
        if new_id != routine.id:
            from dataclasses import replace

            routine = replace(routine, id=new_id)
        target = self.services.paths.ensure().routines_dir / f"{new_id}.toml"
        try:
            _write(target, routine_to_toml(routine, loaded.alternatives))
        except OSError as exc:
            self.status.setText(f"Not imported: cannot write {target} ({exc.strerror or exc}).")
            return False
        self.entry, self.path, self.dirty = None, None, False
        self.draft = None
        self.reload(select=new_id)
        note = "" if new_id == loaded.routine.id else \
            f" as '{new_id}' (the id '{loaded.routine.id}' was taken)"
        self.status.setText(f"Imported {source.name}{note}.")
        self.routines_changed.emit()
        return True

    def export_file(self) -> None:
        """Ask where (the platform's file dialog, not blocking), then write the routine on
        screen there as a .toml file."""
        self.check_now()
        if self.draft is None or self.problems:
            return
        text = tomli_w.dumps(self.draft)
        model, _ = parse_routine_text(text, self._label())
        loaded = build_routine(model, self._label(), text, path=self.path)
        self._file_dialog(save=True, suggested=f"{loaded.routine.id}.toml",
                          then=lambda chosen: self.export_to(chosen, loaded))

    def export_to(self, chosen: str, loaded: Any) -> bool:
        target = Path(chosen)
        if target.suffix.lower() != ".toml":
            target = target.with_name(target.name + ".toml")
        try:
            _write(target, routine_to_toml(loaded.routine, loaded.alternatives))
        except OSError as exc:
            self.status.setText(f"Not exported: {exc.strerror or exc}.")
            return False
        self.status.setText(f"Exported to {target}")
        return True

    # -- leaving with unsaved changes ----------------------------------------------------------
    def _may_leave(self) -> bool:
        """True when the draft may be replaced: saved, discarded, or nothing changed."""
        if not self.dirty or self.readonly or self.draft is None:
            return True
        choice = self.ask_unsaved()
        if choice == "save":
            return self.save()
        if choice == "discard":
            self.dirty = False
            return True
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_leave():
            if self.draft is not None and self.path is None and not self.dirty:
                self.draft = None
            event.accept()
        else:
            event.ignore()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.draft is None or (not self.dirty and self.path is not None):
            self.reload()

    # -- real dialogs --------------------------------------------------------------------------
    def _ask_yes_no(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def _ask_unsaved(self) -> str:
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          "Save the changes to this routine first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return "save"
        if answer == QMessageBox.StandardButton.Discard:
            return "discard"
        return "cancel"

    def _file_dialog(self, *, save: bool, then: Callable[[str], object],
                     suggested: str = "") -> None:
        """The platform's file dialog (Qt's own where the platform has none), opened
        without blocking; `then(path)` runs once a file is chosen."""
        if self.file_dialog is not None:
            self.file_dialog.raise_()
            return
        dialog = QFileDialog(self, "Export routine" if save else "Import a routine file")
        dialog.setNameFilters(["Routine files (*.toml *.TOML *.Toml)", "All files (*)"])
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save
                             else QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile if save
                           else QFileDialog.FileMode.ExistingFile)
        dialog.setDirectory(str(Path.home()))
        if save:
            dialog.setDefaultSuffix("toml")
            dialog.selectFile(suggested)
        if not self.native_dialogs:
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: then(path) if path else None)
        dialog.finished.connect(lambda _code: setattr(self, "file_dialog", None))
        self.file_dialog = dialog
        dialog.open()


def _write(path: Path, text: str) -> None:
    """Write whole or not at all (a temporary file, then one rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


__all__ = ["RoutineEditor", "draft_of", "target_text"]
