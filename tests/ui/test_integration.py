"""The screening's adaptations reach the session; history, health questions and the
progression suggestion are reachable from the start screen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from companion.core.breathing import PATTERNS
from companion.core.events import State
from companion.core.routine import Position
from companion.core.safety import Profile
from companion.storage.database import Database
from companion.ui.adapters.history import DatabaseHistory
from companion.ui.services.container import AppServices
from companion.voice.base import RecordingSpeaker
from tests.ui.conftest import App

LATER_PREGNANCY = Profile(pregnant=True, pregnant_after_first_trimester=True,
                          applies=("pregnancy",))


def test_the_preview_shows_the_routine_as_the_health_answers_adapt_it(
    make_app: Callable[..., App], services: AppServices
) -> None:
    services.profile = LATER_PREGNANCY
    app = make_app(routine="quick-ten")
    start = app.window.start_screen
    assert start is not None and start.select("quick-ten")
    text = start.preview.text()
    moves, _, notes = text.partition("Adapted to your health answers")
    assert "Standing hip hinge" in moves and "Glute bridge" not in moves
    assert "Glute bridge (lying on your back) is replaced by Standing hip hinge" in notes


def test_a_session_runs_the_adapted_routine_with_no_lying_on_the_back(
    make_app: Callable[..., App], services: AppServices
) -> None:
    services.profile = LATER_PREGNANCY
    app = make_app(routine="starter")
    app.start("quick-ten")
    plan = app.engine.plan
    assert all(ex.position is not Position.SUPINE for ex in plan.routine.exercises)
    assert plan.options.no_breath_hold
    assert not PATTERNS[plan.routine.breathing].holds_breath


def test_frailty_or_balance_answers_suggest_the_stability_circuit(
    make_app: Callable[..., App], services: AppServices
) -> None:
    services.profile = Profile(frailty_balance=True, applies=("frailty",))
    app = make_app(routine=None)
    start = app.window.start_screen
    assert start is not None
    assert start.suggested_id() == "gentle-stability"
    assert "Gentle stability" in start.today_label.text()


@contextmanager
def real_history(services: AppServices) -> Iterator[DatabaseHistory]:
    """`services` on the real SQLite history in their data dir until the block ends."""
    history = DatabaseHistory(Database.open(paths=services.paths))
    services.history = history
    try:
        yield history
    finally:
        history.close()


def test_h_opens_the_history_window_on_the_real_database(
    make_app: Callable[..., App], services: AppServices
) -> None:
    with real_history(services):
        app = make_app(routine=None)
        app.key(Qt.Key.Key_H)
        window = app.window.history_window
        assert window is not None and window.isVisible()
        app.qtbot.waitUntil(lambda: "Loading" not in window.summary.text(), timeout=5000)
        window.close()


def test_without_a_database_history_says_why_instead_of_failing(
    make_app: Callable[..., App], monkeypatch: object
) -> None:
    shown: list[str] = []
    import companion.ui.shell.window_tools as window_module

    monkeypatch.setattr(window_module.QMessageBox, "information",  # type: ignore[attr-defined]
                        lambda _parent, _title, text: shown.append(text))
    app = make_app(routine=None)
    app.window.open_history()
    assert shown and "not available" in shown[0]


def test_the_health_questions_can_be_taken_again_from_the_start_screen(
    make_app: Callable[..., App], services: AppServices
) -> None:
    with real_history(services):
        app = make_app(routine=None)
        start = app.window.start_screen
        assert start is not None
        app.qtbot.mouseClick(start.screening_button, Qt.MouseButton.LeftButton)
        app.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None,
                            timeout=2000)
        dialog = QApplication.activeModalWidget()
        assert dialog is not None and "health" in dialog.windowTitle().lower()
        app.qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle())
        app.key(Qt.Key.Key_Escape)  # "Not now"
        app.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
        # a tester: the focus came back to the last button, so Enter opened Settings
        app.qtbot.waitUntil(start.start_button.hasFocus)


class _SlowVoice(RecordingSpeaker):
    """A voice still rendering the session when the person feels unwell."""

    def prepare(self, routine: object, options: object, done: object) -> None:
        self.pending = done


def test_i_feel_unwell_works_while_the_voice_is_still_getting_ready(
    make_app: Callable[..., App], services: AppServices
) -> None:
    services.speaker = _SlowVoice()
    app = make_app()
    app.window.start_screen.request_start()  # type: ignore[union-attr]
    assert app.player.preparing
    app.key(Qt.Key.Key_U)
    assert app.engine.state is State.STOPPED
    app.qtbot.waitUntil(lambda: app.window.current_screen() == "safety")
    (record,) = services.history.sessions  # type: ignore[attr-defined]
    assert (record.status, record.red_flag) == ("stopped_red_flag", "unspecified")
