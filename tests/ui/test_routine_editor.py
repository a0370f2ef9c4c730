"""The routine editor end to end (issue 16): create, a wrong value with the message
`routines check` gives, save, the routine in the start screen's list, and it runs. Keys go
through the application to the focused widget, as Qt delivers them."""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from companion.core.events import State
from companion.routines import check_file, load_routine
from companion.ui.screens.routine_editor import RoutineEditor
from companion.ui.services.container import AppServices
from tests.helpers.keys import click_key, type_text
from tests.ui.conftest import App

CONTROLS = (QAbstractButton, QLineEdit, QPlainTextEdit, QAbstractSpinBox, QComboBox,
            QListWidget)


def _open(app: App) -> RoutineEditor:
    start = app.window.start_screen
    assert start is not None
    app.qtbot.mouseClick(start.editor_button, Qt.MouseButton.LeftButton)
    editor = app.window.routine_editor  # type: ignore[attr-defined]
    assert isinstance(editor, RoutineEditor) and editor.isVisible()
    editor.activateWindow()
    app.qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    return editor


def _press(qtbot: QtBot, key: Qt.Key | str,
           modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key to whatever has focus (the person's keyboard), through the application."""
    target = QApplication.focusWidget()
    assert target is not None
    click_key(key, target, modifier)


def _type(qtbot: QtBot, text: str) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    type_text(target, text)


def _message_from_check(tmp_path: Path, text: str) -> str:
    path = tmp_path / "same.toml"
    path.write_text(text, encoding="utf-8")
    (problem,) = check_file(path)
    return f"{problem.key}: {problem.message}"


CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def test_create_a_routine_with_the_keyboard_save_it_and_run_it(
        make_app: Callable[..., App], services: AppServices, tmp_path: Path) -> None:
    app = make_app(routine=None)
    editor = _open(app)
    qtbot = app.qtbot

    _press(qtbot, Qt.Key.Key_N, CTRL)  # a new routine; the name field has focus, selected
    assert QApplication.focusWidget() is editor.name_edit
    _type(qtbot, "   ")  # a name of only spaces: refused, with check's own message
    qtbot.waitUntil(lambda: "only spaces" in editor.problems_label.text())
    expected = _message_from_check(
        tmp_path, 'name = "   "\nrounds = 1\nrest_seconds = 30\n[[exercise]]\nname = "A"\n'
                  "reps = 5\n")
    assert expected in editor.problems_label.text()
    assert not editor.save_button.isEnabled()
    _press(qtbot, Qt.Key.Key_S, CTRL)
    assert list(services.paths.routines_dir.glob("*.toml")) == []

    _press(qtbot, Qt.Key.Key_A, CTRL)
    _type(qtbot, "Evening stretch")
    _press(qtbot, Qt.Key.Key_Tab)  # description
    _press(qtbot, Qt.Key.Key_Tab)  # rounds
    assert QApplication.focusWidget() is editor.rounds_box
    _press(qtbot, Qt.Key.Key_A, CTRL)
    _type(qtbot, "12")  # too many rounds: the file's limit, said as check says it
    qtbot.waitUntil(lambda: "rounds: is too large (12); at most 10" in
                    editor.problems_label.text())
    _press(qtbot, Qt.Key.Key_A, CTRL)
    _type(qtbot, "1")
    _press(qtbot, Qt.Key.Key_Tab)  # rest
    _press(qtbot, Qt.Key.Key_A, CTRL)
    _type(qtbot, "20")

    _press(qtbot, Qt.Key.Key_N, CTRL | Qt.KeyboardModifier.ShiftModifier)  # add an exercise
    assert QApplication.focusWidget() is editor.ex_name
    _type(qtbot, "Wall push-ups")
    _press(qtbot, Qt.Key.Key_Up, ALT)  # to the top of the list
    qtbot.waitUntil(lambda: editor.problems_label.text() == "No problems.")
    assert [e["name"] for e in editor.draft["exercise"]] == [  # type: ignore[index]
        "Wall push-ups", "Bodyweight squats"]
    assert "Evening stretch" in editor.preview.text() and "in all" in editor.preview.text()

    _press(qtbot, Qt.Key.Key_S, CTRL)
    saved = services.paths.routines_dir / "evening-stretch.toml"
    assert saved.is_file() and check_file(saved) == []
    assert "Saved to" in editor.status.text()
    routine = load_routine(saved)
    assert (routine.name, routine.rounds, routine.rest_seconds) == ("Evening stretch", 1, 20)

    # the start screen lists it at once, and it runs
    start = app.window.start_screen
    assert start is not None
    names = [start.routine_list.item(i).text() for i in range(start.routine_list.count())]
    assert "Evening stretch  (yours)" in names
    editor.close()
    assert start.select("evening-stretch")
    start.request_start()
    assert app.window.current_screen() == "player"
    app.run_until(lambda: app.engine.state is State.ANNOUNCE)
    assert app.player.exercise_label.text() == "Wall push-ups"


def test_keys_typed_in_the_editor_never_reach_the_app(make_app: Callable[..., App],
                                                      services: AppServices) -> None:
    app = make_app(routine=None)
    editor = _open(app)
    _press(app.qtbot, Qt.Key.Key_N, CTRL)
    _press(app.qtbot, Qt.Key.Key_A, CTRL)
    _type(app.qtbot, "H 1 2 3 ")  # start-screen keys: history, mood, Space starts
    assert editor.name_edit.text() == "H 1 2 3 "
    assert app.window.current_screen() == "start"
    assert app.window.start_screen is not None and app.window.start_screen.mood is None
    assert getattr(app.window, "history_window", None) is None


def test_a_builtin_opens_read_only_and_duplicates_to_edit(make_app: Callable[..., App],
                                                          services: AppServices) -> None:
    app = make_app(routine=None)
    editor = _open(app)
    editor.show_routine("starter")
    assert editor.readonly and not editor.routine_box.isEnabled()
    assert editor.duplicate_to_edit.isVisible() and not editor.save_button.isVisible()
    app.qtbot.mouseClick(editor.duplicate_to_edit, Qt.MouseButton.LeftButton)
    assert not editor.readonly and editor.name_edit.text() == "Starter circuit (copy)"
    assert editor.save()
    copy = services.paths.routines_dir / "starter-circuit-copy.toml"
    assert load_routine(copy).name == "Starter circuit (copy)"
    assert load_routine(copy).exercises == load_routine(
        Path(__file__).resolve().parents[2] / "resources/routines/starter.toml").exercises


def test_edit_and_delete_your_routine(make_app: Callable[..., App], services: AppServices,
                                      tmp_path: Path) -> None:
    mine = services.paths.routines_dir / "mine.toml"
    mine.write_text('name = "Mine"\nrounds = 2\nrest_seconds = 30\n[[exercise]]\n'
                    'name = "Squats"\nreps = 8\n[[exercise]]\nname = "Plank"\n'
                    'seconds = 20\n', encoding="utf-8")
    app = make_app(routine=None)
    editor = _open(app)
    editor.show_routine("mine")
    assert editor.path == mine and not editor.readonly
    editor.exercise_list.setCurrentRow(1)
    editor.ex_kind.setCurrentIndex(editor.ex_kind.findData("to_fatigue"))
    editor.ex_own_rest.setChecked(True)
    editor.ex_rest.setValue(45)
    editor.ex_supine.setChecked(True)
    editor.alt_name.setText("Standing march")
    editor.alt_name.textEdited.emit("Standing march")
    editor.ex_cues.setPlainText('Keep "long" spine\nBreathe')
    assert editor.save()
    data = tomllib.loads(mine.read_text(encoding="utf-8"))
    plank = data["exercise"][1]
    assert plank["to_fatigue"] is True and plank["rest_seconds"] == 45
    assert plank["position"] == "supine" and plank["alternative"]["name"] == "Standing march"
    assert plank["cues"] == ['Keep "long" spine', "Breathe"]
    assert data["id"] == "mine"

    # delete: a real question box, answered Yes
    def answer(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        box.button(QMessageBox.StandardButton.Yes).click()

    _when_modal(QMessageBox, answer)
    editor.delete()
    assert not mine.exists()
    start = app.window.start_screen
    assert start is not None and start.entry_for("mine") is None


def test_an_unsaved_change_is_never_lost_by_switching(make_app: Callable[..., App],
                                                      services: AppServices) -> None:
    app = make_app(routine=None)
    editor = _open(app)
    editor.new_routine()
    asked: list[str] = []
    editor.ask_unsaved = lambda: asked.append("?") or "cancel"  # type: ignore[func-returns-value]
    editor.routine_list.setCurrentRow(0)
    assert asked == ["?"] and editor.path is None and editor.draft is not None
    assert editor.draft["name"] == "New routine"
    editor.ask_unsaved = lambda: "save"
    editor.close()
    assert (services.paths.routines_dir / "new-routine.toml").is_file()


def test_reorder_by_drag(make_app: Callable[..., App], services: AppServices) -> None:
    app = make_app(routine=None)
    editor = _open(app)
    editor.show_routine("quick-ten")
    app.qtbot.mouseClick(editor.duplicate_to_edit, Qt.MouseButton.LeftButton)
    before = [e["name"] for e in editor.draft["exercise"]]  # type: ignore[index]
    # what an internal drag and drop ends in: the list model moves the row
    editor.exercise_list.setCurrentRow(2)
    assert editor.exercise_list.model().moveRow(QModelIndex(), 2, QModelIndex(), 0)
    app.qtbot.waitUntil(lambda: [e["name"] for e in editor.draft["exercise"]]  # type: ignore[index]
                        == [before[2], before[0], before[1]])
    assert editor.exercise_list.item(0).text().startswith(f"1. {before[2]}")
    assert editor.save()
    saved = load_routine(services.paths.routines_dir / "quick-10-minute-circuit-copy.toml")
    assert [e.name for e in saved.exercises] == [before[2], before[0], before[1]]


def _when_modal(kind: type, act: Callable[[QWidget], None], timeout: float = 60.0) -> None:
    """Act on the real dialog once it is up. Polled (a loaded machine may be slow) over the
    visible top-level widgets, not just the active modal one (a dialog left over by another
    test must not hide it); if it never comes, every dialog of that kind is closed, so the
    test fails instead of hanging."""
    deadline = time.monotonic() + timeout

    def shown() -> list[QWidget]:
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, kind) and w.isVisible()]

    def poll() -> None:
        found = shown()
        if found:
            act(found[-1])
        elif time.monotonic() < deadline:
            QTimer.singleShot(50, poll)
        else:
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, QFileDialog | QMessageBox) and widget.isVisible():
                    widget.close()

    QTimer.singleShot(50, poll)


def _choose_file(editor: RoutineEditor, path: Path) -> None:
    """In the file dialog the editor opened (a real QFileDialog), choose `path`."""
    dialog = editor.file_dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    dialog.selectFile(str(path))
    dialog.accept()
    assert editor.file_dialog is None


def test_import_and_export_through_the_file_dialogs(make_app: Callable[..., App],
                                                    services: AppServices,
                                                    tmp_path: Path) -> None:
    source = tmp_path / "FROM-WINDOWS.TOML"
    text = ('name = "Office break"\r\nrounds = 2\r\nrest_seconds = 15\r\n[[exercise]]\r\n'
            'name = "Chair squats"\r\nreps = 8\r\n')
    source.write_bytes(text.encode("utf-16"))  # Notepad's "Unicode", CRLF
    app = make_app(routine=None)
    editor = _open(app)
    editor.native_dialogs = False  # Qt's own dialog, which a test can drive; the same calls
    editor.import_file()
    _choose_file(editor, source)
    imported = services.paths.routines_dir / "from-windows.toml"
    assert imported.is_file() and load_routine(imported).name == "Office break"
    assert editor.draft is not None and editor.draft["name"] == "Office break"
    start = app.window.start_screen
    assert start is not None and start.entry_for("from-windows") is not None

    target = tmp_path / "exported.toml"
    editor.export_file()
    _choose_file(editor, target)
    assert load_routine(target).exercises == load_routine(imported).exercises

    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n", encoding="utf-8")
    editor.import_file()
    _choose_file(editor, broken)
    assert isinstance(editor.message_box, QMessageBox) and editor.message_box.isVisible()
    assert "broken.toml:1" in editor.message_box.text()
    editor.message_box.accept()
    assert "Not imported" in editor.status.text() and "broken.toml:1" in editor.status.text()


def test_every_control_has_an_accessible_name_and_tab_reaches_it(
        make_app: Callable[..., App]) -> None:
    app = make_app(routine=None)
    editor = _open(app)
    editor.new_routine()
    controls = [w for w in editor.findChildren(QWidget)
                if isinstance(w, CONTROLS) and w.isVisibleTo(editor)
                and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                and not isinstance(w.parent(), QAbstractSpinBox | QComboBox)]
    unnamed = [f"{type(w).__name__}" for w in controls if not w.accessibleName().strip()]
    assert unnamed == []
    reached: set[int] = set()
    editor.routine_list.setFocus()
    for _ in range(200):
        focus = QApplication.focusWidget()
        if focus is not None:
            reached.add(id(focus))
        _press(app.qtbot, Qt.Key.Key_Tab)
    missing = [w.accessibleName() for w in controls if w.isEnabled() and id(w) not in reached]
    assert missing == []


@pytest.mark.parametrize("rest", [0])
def test_a_short_rest_is_warned_about_in_the_editor(make_app: Callable[..., App],
                                                    rest: int) -> None:
    app = make_app(routine=None)
    editor = _open(app)
    editor.new_routine()
    editor.rest_box.setValue(rest)
    editor.check_now()
    assert "rest_seconds: warning: a rest of 0 s leaves no time" in editor.problems_label.text()
    assert "are too short to say how hard the set was" in editor.preview.text()
    assert editor.save_button.isEnabled()  # a warning does not stop a save


def test_during_a_session_other_letters_type_in_a_name_but_u_stops_the_session(
        app: App) -> None:
    """The app-wide safety key reaches the editor window too. The editor has no red button,
    so during a session U in its name field is the red flag, not a letter (a tester typed a
    "u" there and the session ran on); every other letter types."""
    app.start("tiny")
    app.run_until(lambda: app.engine.state is State.WORK)
    app.window.open_routine_editor()
    editor = app.window.routine_editor  # type: ignore[attr-defined]
    editor.activateWindow()
    app.qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    editor.new_routine()
    _press(app.qtbot, Qt.Key.Key_A, CTRL)
    _type(app.qtbot, "Lower body")
    assert editor.name_edit.text() == "Lower body"
    assert app.engine.state is State.WORK
    assert editor.name_edit.hasFocus()
    _press(app.qtbot, Qt.Key.Key_U)
    assert editor.name_edit.text() == "Lower body"
    assert app.engine.state is State.STOPPED and app.engine.red_flag is not None
    editor.ask_unsaved = lambda: "discard"
