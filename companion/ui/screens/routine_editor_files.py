"""The routine editor's files: save, new, duplicate, delete, import and export, and the real
dialogs that ask (non-blocking file dialogs).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w

from companion.qt.core import Qt
from companion.qt.widgets import (
    QFileDialog,
    QMessageBox,
)
from companion.routines.loader import (
    build_routine,
    check_file,
    load_routine_full,
    make_id,
    parse_routine_text,
)
from companion.routines.schema import MAX_NAME
from companion.routines.writer import routine_to_toml
from companion.ui.screens.routine_editor_state import (
    NEW_ROUTINE,
    EditorState,
    _write,
)


class EditorFiles(EditorState):
    """Save, new, duplicate, delete, import and export, and their dialogs."""

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

    # -- real dialogs --------------------------------------------------------------------------
    def _ask_yes_no(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setWindowModality(Qt.WindowModality.WindowModal)  # the main window stays usable
        return box.exec() == QMessageBox.StandardButton.Yes

    def _ask_unsaved(self) -> str:
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          "Save the changes to this routine first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.setWindowModality(Qt.WindowModality.WindowModal)  # the main window stays usable
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
