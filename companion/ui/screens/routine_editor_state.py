"""The routine editor's shared parts: the draft's defaults and choices, the small form
helpers, and `EditorState` (what every part of the editor holds; see routine_editor.py).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from companion.qt.core import QTimer, Signal
from companion.qt.widgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QWidget,
)
from companion.routines import RoutineEntry
from companion.routines.loader import Problem
from companion.routines.writer import routine_to_toml
from companion.ui.services.container import AppServices

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


def _write(path: Path, text: str) -> None:
    """Write whole or not at all (a temporary file, then one rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


class EditorState(QWidget):
    """What every part of the routine editor holds (set by its __init__ and _build)."""

    routines_changed = Signal()

    entries: list[RoutineEntry]
    entry: RoutineEntry | None
    draft: dict[str, Any] | None
    path: Path | None
    problems: list[Problem]
    warnings: list[Problem]
    confirm: Callable[[str, str], bool]
    ask_unsaved: Callable[[], str]
    file_dialog: QFileDialog | None
    message_box: QMessageBox | None
    services: AppServices
    readonly: bool
    dirty: bool
    _loading: bool
    _ex_row: int
    native_dialogs: bool
    _check_timer: QTimer
    title_label: QLabel
    routine_list: QListWidget
    new_button: QPushButton
    duplicate_button: QPushButton
    delete_button: QPushButton
    import_button: QPushButton
    export_button: QPushButton
    readonly_label: QLabel
    duplicate_to_edit: QPushButton
    routine_box: QGroupBox
    name_edit: QLineEdit
    description_edit: QPlainTextEdit
    rounds_box: QSpinBox
    rest_box: QDoubleSpinBox
    breathing_box: QComboBox
    exercises_box: QGroupBox
    exercise_list: QListWidget
    add_button: QPushButton
    remove_button: QPushButton
    up_button: QPushButton
    down_button: QPushButton
    exercise_form: QWidget
    ex_name: QLineEdit
    ex_kind: QComboBox
    ex_reps: QSpinBox
    ex_seconds: QDoubleSpinBox
    ex_cap: QDoubleSpinBox
    ex_own_rest: QCheckBox
    ex_rest: QDoubleSpinBox
    ex_cues: QPlainTextEdit
    ex_equipment: QLineEdit
    ex_easier: QLineEdit
    ex_supine: QCheckBox
    alt_name: QLineEdit
    alt_kind: QComboBox
    alt_amount: QSpinBox
    form_scroll: QScrollArea
    problems_title: QLabel
    problems_label: QLabel
    preview: QLabel
    status: QLabel
    save_button: QPushButton
    close_button: QPushButton

    # -- what one part calls on another (declared here, defined in the part named) ------
    _alternative_changed: Callable[[], None]  # routine_editor_form
    def _changed(self, *, refresh_item: bool=False) -> None:  # routine_editor
        raise NotImplementedError

    _cues_changed: Callable[[], None]  # routine_editor_form
    _equipment_changed: Callable[[str], None]  # routine_editor_form
    _exercise_chosen: Callable[[int], None]  # routine_editor_form
    _kind_changed: Callable[[], None]  # routine_editor_form
    _label: Callable[[], str]  # routine_editor
    _may_leave: Callable[[], bool]  # routine_editor
    _rest_changed: Callable[[], None]  # routine_editor_form
    _routine_chosen: Callable[[int], None]  # routine_editor
    def _rows_dragged(self, *_args: object) -> None:  # routine_editor_form
        raise NotImplementedError

    def _set(self, key: str, value: Any, *, drop: Any=None) -> None:  # routine_editor_form
        raise NotImplementedError

    def _set_ex(self, key: str, value: Any, *, drop: Any=None) -> None:  # routine_editor_form
        raise NotImplementedError

    # routine_editor
    def _show_draft(self, draft: dict[str, Any], *, readonly: bool, dirty: bool = False
                    ) -> None:
        raise NotImplementedError

    _show_unsaved_item: Callable[[], None]  # routine_editor
    _supine_changed: Callable[[bool], None]  # routine_editor_form
    add_exercise: Callable[[], None]  # routine_editor_form
    check_now: Callable[[], None]  # routine_editor
    delete: Callable[[], None]  # routine_editor_files
    duplicate: Callable[[], None]  # routine_editor_files
    export_file: Callable[[], None]  # routine_editor_files
    import_file: Callable[[], None]  # routine_editor_files
    move_exercise: Callable[[int], None]  # routine_editor_form
    new_routine: Callable[[], None]  # routine_editor_files
    def reload(self, select: str | None=None) -> None:  # routine_editor
        raise NotImplementedError

    remove_exercise: Callable[[], None]  # routine_editor_form
    save: Callable[[], bool]  # routine_editor_files
