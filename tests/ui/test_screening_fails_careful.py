"""Issue 12, finding 6: silence is never "no" in the screening either.

An unanswered or newly added question counts as "not sure"; a screening that cannot be read
(its questions file, or the stored answers) gives the careful profile and says so. Uses the
real SQLite history and the real start screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from companion.config import Paths
from companion.core.clock import FakeClock
from companion.core.safety import UNREADABLE, Answer, Profile, derive_profile
from companion.safety import content
from companion.safety.content import ScreeningFileError, load_screening
from companion.storage import Database
from companion.ui.adapters.history import DatabaseHistory
from companion.ui.services.container import AppServices
from companion.ui.shell.gates import _has_new_questions
from companion.voice.base import RecordingSpeaker
from tests.ui.conftest import App


@pytest.fixture
def db(_private_data_dir: Path) -> Iterator[Database]:
    database = Database.open(None, paths=Paths(_private_data_dir).ensure())
    yield database
    database.close()


@pytest.fixture
def services(_private_data_dir: Path, clock: FakeClock, db: Database) -> AppServices:
    return AppServices(paths=Paths(_private_data_dir).ensure(), speaker=RecordingSpeaker(),
                       history=DatabaseHistory(db), clock=clock, db_url=db.url)


def _answer_no_throughout(services: AppServices) -> None:
    """Health answers "no" to every question, stored as the wizard's Finish does, and read."""
    history = services.history
    assert isinstance(history, DatabaseHistory)
    history.save_screening(
        {"answers": {q.id: Answer.NO.value for q in load_screening().questions},
         "trimester": None})
    services.refresh_profile()


def _all_no_but(missing: str) -> dict[str, str]:
    return {q.id: Answer.NO.value for q in load_screening().questions if q.id != missing}


def test_an_unanswered_question_counts_as_not_sure() -> None:
    flags = {"pregnancy": ("pregnant",), "frailty": ("frailty_balance",)}
    profile = derive_profile({"frailty": Answer.NO}, flags)  # pregnancy never answered
    assert profile.pregnant and profile.pregnant_after_first_trimester
    assert profile.applies == ("pregnancy",)
    assert not profile.frailty_balance


def test_a_question_added_after_the_answers_applies_and_the_screening_is_offered_again(
    make_app: Callable[..., App], db: Database, services: AppServices
) -> None:
    db.save_screening({"answers": _all_no_but("frailty"), "trimester": None})
    services.refresh_profile()  # as build_services() does at start-up
    app = make_app(routine="starter")
    assert services.profile.frailty_balance  # the unanswered question counts
    notes = app.window.start_screen.preview.text()  # type: ignore[union-attr]
    assert "Gentle stability circuit is suggested" in notes
    assert _has_new_questions(db.latest_screening())


def test_complete_answers_are_not_offered_again(db: Database) -> None:
    answers = {q.id: Answer.NO.value for q in load_screening().questions}
    db.save_screening({"answers": answers, "trimester": None})
    assert not _has_new_questions(db.latest_screening())


def test_unreadable_stored_answers_give_the_careful_profile_and_a_message(
    make_app: Callable[..., App], db: Database, services: AppServices
) -> None:
    db.save_screening({"answers": {"heart": "perhaps"}})  # not an Answer value
    services.refresh_profile()  # as build_services() does at start-up
    app = make_app(routine="starter")
    assert services.profile == Profile.careful()
    messages = app.window.start_screen.banner.text()  # type: ignore[union-attr]
    assert "could not be read" in messages and "careful adaptation" in messages


def test_an_unreadable_questions_file_gives_the_careful_profile_and_a_message(
    make_app: Callable[..., App], db: Database, services: AppServices,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "screening.toml"
    broken.write_text("[[question]\nid = ", encoding="utf-8")
    content._builtin_screening.cache_clear()
    monkeypatch.setattr(content._builtin_screening, "path", broken)
    try:
        with pytest.raises(ScreeningFileError):
            load_screening()
        db.save_screening({"answers": {"heart": "no"}})
        services.refresh_profile()  # as build_services() does at start-up
        app = make_app(routine="starter")
        assert services.profile.applies == (UNREADABLE,)
        assert services.profile.pregnant_after_first_trimester
        assert services.profile.frailty_balance
        assert "could not be read" in app.window.start_screen.banner.text()  # type: ignore[union-attr]
    finally:
        content._builtin_screening.cache_clear()


def test_not_now_on_the_first_questions_gives_the_careful_profile_until_they_are_answered(
    make_app: Callable[..., App], db: Database, services: AppServices
) -> None:
    """A first run closed with "Not now" (Esc, delivered as a key to the focused dialog):
    no answer at all is fifteen questions left unanswered, each "not sure" by the rule for
    one. Real SQLite history; the start screen says so until the questions are answered."""
    from PySide6.QtCore import Qt

    from companion.ui.screens.screening_wizard import ScreeningDialog
    from companion.ui.services.container import CAREFUL_NOT_ANSWERED
    from companion.ui.shell.gates import start_first_run
    from tests.helpers.keys import click_key, settle

    services.refresh_profile()  # as build_services() does at start-up: nothing answered yet
    services.first_run = lambda parent: start_first_run(parent, services)  # type: ignore[arg-type]
    app = make_app(routine="starter")
    from companion.ui.screens.safety_notice import NoticeDialog

    notice = app.window.findChild(NoticeDialog)
    assert notice is not None
    notice.accept()
    dialog = app.window.findChild(ScreeningDialog)
    assert dialog is not None and dialog.isVisible()
    click_key(Qt.Key.Key_Escape, dialog.wizard)  # "Not now", through the application
    settle()
    assert not dialog.isVisible() and db.latest_screening() is None
    assert services.profile == Profile.careful()
    start = app.window.start_screen
    assert start is not None
    assert CAREFUL_NOT_ANSWERED in start.banner.text()
    assert "Gentle stability circuit is suggested" in start.preview.text()

    # answered ("no" to every question, stored as the wizard's Finish does): the sessions
    # follow the answers, and the note goes
    _answer_no_throughout(services)
    assert services.profile == Profile()
    assert CAREFUL_NOT_ANSWERED not in services.problems


def test_answers_erased_by_another_process_reach_the_open_window_when_it_is_active_again(
    make_app: Callable[..., App], db: Database, services: AppServices,
    _private_data_dir: Path
) -> None:
    """A tester ran `companion history --delete-all` in a terminal with the app open: the
    erased health answers still shaped the sessions until a restart. Coming back to the
    window reads the history again (real SQLite; the real command, in this process)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from companion.cli import main
    from companion.ui.services.container import CAREFUL_NOT_ANSWERED

    _answer_no_throughout(services)
    app = make_app(routine="starter")
    assert services.profile == Profile()
    start = app.window.start_screen
    assert start is not None and "Gentle stability" not in start.preview.text()

    assert main(["history", "--delete-all", "--yes", "--data-dir", str(_private_data_dir)]) == 0
    app.window.activateWindow()
    QApplication.sendEvent(app.window, QEvent(QEvent.Type.ActivationChange))
    app.qtbot.waitUntil(lambda: services.profile == Profile.careful(), timeout=5000)
    app.qtbot.waitUntil(lambda: CAREFUL_NOT_ANSWERED in start.banner.text(), timeout=5000)
    assert "Gentle stability circuit is suggested" in start.preview.text()


def test_coming_back_to_the_window_with_nothing_changed_reads_nothing_more(
    make_app: Callable[..., App], db: Database, services: AppServices,
    _private_data_dir: Path
) -> None:
    """Coming back to the window (H's history closed, a dialog gone) re-read the whole start
    screen each time, progression suggestion included, while the history window opened: it
    now re-reads only what another process may have changed, and the rest only when that
    differs (real SQLite; another process's erase still reaches the window)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from companion.cli import main

    _answer_no_throughout(services)
    app = make_app(routine="starter")
    history = services.history
    assert isinstance(history, DatabaseHistory)
    app.qtbot.waitUntil(lambda: not history._loading, timeout=5000)
    fired: list[int] = []
    history.changed.connect(lambda: fired.append(1))

    def come_back() -> None:
        app.window.activateWindow()
        QApplication.sendEvent(app.window, QEvent(QEvent.Type.ActivationChange))
        app.qtbot.waitUntil(lambda: not history._loading, timeout=5000)
        app.qtbot.wait(50)

    for _ in range(3):
        come_back()
    assert fired == []  # nothing changed: no `changed`, so no progression or profile read
    assert main(["history", "--delete-all", "--yes", "--data-dir", str(_private_data_dir)]) == 0
    come_back()
    assert fired == [1]
    app.qtbot.waitUntil(lambda: services.profile == Profile.careful(), timeout=5000)
