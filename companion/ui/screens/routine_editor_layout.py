"""The routine editor's layout: the routine list, the routine and exercise forms, problems
and preview, with a label and a shortcut for every control.
"""

from __future__ import annotations

from collections.abc import Callable

from companion.qt.core import Qt
from companion.qt.gui import QKeySequence, QShortcut
from companion.qt.widgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from companion.routines.schema import MAX_NAME
from companion.ui.screens.routine_editor_state import (
    BREATHING,
    KINDS,
    EditorState,
    _button,
    _count_box,
    _line,
    _seconds_box,
)
from companion.ui.widgets.scroll import page_scroll


class EditorLayout(EditorState):
    """The editor's layout: every control, its label and its shortcut."""

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

        scroll = page_scroll(QScrollArea(self))
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
