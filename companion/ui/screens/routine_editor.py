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

This module holds the window, the routine list, checking and leaving; its parts are
routine_editor_layout, routine_editor_form and routine_editor_files, on the shared
routine_editor_state.EditorState.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w

from companion.core.safety import adapt
from companion.qt.core import Qt, QTimer
from companion.qt.gui import QCloseEvent
from companion.qt.widgets import (
    QFileDialog,
    QGroupBox,
    QListWidgetItem,
    QMessageBox,
    QWidget,
)
from companion.routines import RoutineEntry, RoutineFileError
from companion.routines.loader import (
    Problem,
    build_routine,
    parse_routine_text,
    routine_warnings,
)
from companion.routines.schema import MAX_EXERCISES
from companion.ui.screens.routine_editor_files import EditorFiles
from companion.ui.screens.routine_editor_form import DraftForm
from companion.ui.screens.routine_editor_layout import EditorLayout
from companion.ui.screens.routine_editor_state import (
    draft_of,
    target_text,
)
from companion.ui.services.container import AppServices
from companion.ui.widgets.screen_fit import resize_within_screen
from companion.ui.widgets.style import AMBER, apply_font

log = logging.getLogger(__name__)


class RoutineEditor(EditorLayout, DraftForm, EditorFiles):
    """The editor window. `routines_changed` fires after every save, delete or import."""


    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services = services
        self.setWindowTitle("Routine editor")
        self.setAccessibleName("Routine editor")
        resize_within_screen(self, 1360, 860)
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
        from companion.ui.screens.routine_preview import routine_preview_html

        try:
            adapted = adapt(routine, alternatives, self.services.profile)
        except Exception:  # the preview must never stop the editing
            log.exception("cannot adapt the draft")
            adapted = None
        entry = RoutineEntry(routine.id, self.path or Path(f"{routine.id}.toml"), False,
                             routine, (), alternatives)
        self.preview.setText(routine_preview_html(entry, adapted))


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


__all__ = ["RoutineEditor", "draft_of", "target_text"]
