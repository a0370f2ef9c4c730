"""The routine editor's form and its draft: the draft shown in the form, every edit written
back into the draft, and the exercises added, removed and reordered.
"""

from __future__ import annotations

import copy
from typing import Any

from companion.qt.core import Qt, QTimer
from companion.qt.widgets import (
    QListWidgetItem,
)
from companion.ui.screens.routine_editor_state import (
    NEW_EXERCISE,
    EditorState,
    target_text,
)


class DraftForm(EditorState):
    """The form and its draft: edits go into the draft, exercises reorder."""

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
