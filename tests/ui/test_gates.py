"""Before the next session after a red-flag stop, an explicit confirmation is required."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import Qt

from companion.ui.services.container import AppServices, InMemoryHistory
from companion.ui.shell.gates import red_flag_gate_for
from tests.helpers.keys import answer_modal
from tests.ui.conftest import App


@dataclass
class Stop:
    session_id: int = 7
    routine_name: str = "Tiny test"
    stopped_at: dt.datetime = dt.datetime(2026, 11, 24, 18, 5, tzinfo=dt.UTC)
    symptoms: tuple[str, ...] = ("dizziness",)


@dataclass
class HistoryWithStop(InMemoryHistory):
    acks: list[tuple[int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        InMemoryHistory.__init__(self)

    def pending_red_flag_ack(self) -> Stop | None:
        return None if self.acks else Stop()

    def acknowledge_red_flag(self, session_id: int, text: str) -> None:
        self.acks.append((session_id, text))


def test_next_session_after_a_red_flag_asks_for_confirmation_first(
    app: App, services: AppServices
) -> None:
    history = HistoryWithStop()
    services.history = history
    services.session_gate = red_flag_gate_for(history)
    answer_modal(Qt.Key.Key_1)
    app.key(Qt.Key.Key_Space)
    assert history.acks == [(7, "I have sought medical advice, and I may exercise")]
    assert app.window.current_screen() == "player"


def test_no_session_starts_without_the_confirmation(app: App, services: AppServices) -> None:
    history = HistoryWithStop()
    services.history = history
    services.session_gate = red_flag_gate_for(history)
    answer_modal(Qt.Key.Key_Escape)
    app.key(Qt.Key.Key_Space)
    assert history.acks == []
    assert app.window.current_screen() == "start"


class FirstRunHistory(InMemoryHistory):
    def __init__(self) -> None:
        super().__init__()
        self.saved: list[tuple[object, object, object]] = []

    def latest_screening(self) -> None:
        return None

    def save_screening(self, answers: object, acknowledgement: object = None,
                       taken_at: object = None) -> None:
        self.saved.append((answers, acknowledgement, taken_at))


def test_first_run_shows_the_notice_once_then_offers_the_screening(
    make_app: Callable[..., App], services: AppServices
) -> None:
    from companion.settings import load_settings
    from companion.ui.screens.safety_notice import NoticeDialog
    from companion.ui.screens.screening_wizard import ScreeningDialog
    from companion.ui.shell.gates import start_first_run

    history = FirstRunHistory()
    services.history = history
    services.first_run = lambda parent: start_first_run(parent, services)  # type: ignore[arg-type]
    app = make_app(routine=None)
    notice = app.window.findChild(NoticeDialog)
    assert notice is not None and notice.isVisible()
    notice.accept()
    assert services.settings.notice_shown
    assert load_settings(services.paths.settings_file)[0].notice_shown
    screening = app.window.findChild(ScreeningDialog)
    assert screening is not None and screening.isVisible()
    screening.reject()  # "Not now": nothing stored
    assert history.saved == []
    # the next start: no notice again
    start_first_run(app.window, services)
    notices = [d for d in app.window.findChildren(NoticeDialog) if d.isVisible()]
    assert notices == []
    for dialog in app.window.findChildren(ScreeningDialog):
        dialog.reject()
