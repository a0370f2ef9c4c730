"""`--routine FILE` through the first run, and long names in the player (issue 16, findings
5 and 3)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from companion.ui.services.container import AppServices
from tests.ui.conftest import TINY, App
from tests.ui.test_gates import FirstRunHistory


def test_a_routine_file_stays_selected_through_the_notice_and_the_screening(
        make_app: Callable[..., App], services: AppServices, tmp_path: Path) -> None:
    from companion.core.safety import Answer
    from companion.ui.screens.safety_notice import NoticeDialog
    from companion.ui.screens.screening_wizard import ScreeningDialog
    from companion.ui.shell.gates import start_first_run

    # the file has the id of a built-in routine: the file's routine must still be the one run
    path = tmp_path / "my-copy.toml"
    path.write_text(TINY.replace('id = "tiny"', 'id = "starter"'), encoding="utf-8")
    services.history = FirstRunHistory()
    services.first_run = lambda parent: start_first_run(parent, services)  # type: ignore[arg-type]
    app = make_app(routine=str(path))
    start = app.window.start_screen
    assert start is not None
    assert start.selected() is not None and start.selected().path == path  # type: ignore[union-attr]

    notice = app.window.findChild(NoticeDialog)
    assert notice is not None
    notice.accept()
    screening = app.window.findChild(ScreeningDialog)
    assert screening is not None
    wizard = screening.wizard
    reloads: list[int] = []
    reload = app.window.reload_routines

    def counted() -> None:
        reloads.append(1)
        reload()

    app.window.reload_routines = counted  # type: ignore[method-assign]
    wizard.begin()
    while wizard.step[0] == "question":
        wizard.answer(Answer.NO)
    wizard.finish()  # stored (off the GUI thread), then the list reloads
    app.qtbot.waitUntil(lambda: bool(reloads), timeout=20_000)
    assert services.history.saved  # type: ignore[attr-defined]

    selected = start.selected()
    assert selected is not None and selected.path == path
    assert not screening.isVisible()
    app.window.show_start()
    app.window.activateWindow()  # as the window manager does when the dialog closes
    app.qtbot.waitUntil(lambda: QApplication.activeWindow() is app.window)
    app.key(Qt.Key.Key_Space)
    assert app.window.current_screen() == "player"
    assert app.player.session is not None
    assert app.player.session.routine.name == "Tiny test"


def test_a_long_exercise_name_ends_in_an_ellipsis(make_app: Callable[..., App],
                                                   tmp_path: Path) -> None:
    long_name = "Slow controlled split squat with a pause at the bottom and arms overhead"
    path = tmp_path / "long.toml"
    path.write_text(TINY.replace('"Squats"', f'"{long_name}"'), encoding="utf-8")
    app = make_app(routine=str(path))
    app.window.resize(700, 700)
    app.start("tiny")
    app.run_until(lambda: app.player.exercise_label.text() == long_name)
    label = app.player.exercise_label
    shown = label.shown_text()
    assert shown != long_name and shown.endswith("…")
    assert long_name.startswith(shown[:-1])
    assert label.toolTip() == long_name
    assert label.accessibleName() == long_name  # a screen reader reads the whole name
    assert label.fontMetrics().horizontalAdvance(shown) <= label.width()
