"""A whole session through the GUI with a fake clock: start, sets, check-ins, end, history."""

from __future__ import annotations

from PySide6.QtCore import Qt

from companion.core.events import State
from companion.ui.services.container import AppServices, InMemoryHistory
from tests.ui.conftest import App


def test_full_session_from_start_to_history_row(app: App, services: AppServices) -> None:
    app.key("4")
    app.key(Qt.Key.Key_Space)
    efforts = iter("563")
    checkins = 0
    while not app.engine.is_over:
        state = app.engine.state
        if state is State.CHECKIN:
            checkins += 1
            app.all_clear()
            app.key(next(efforts))
        elif state is State.WORK and app.engine.segment is not None \
                and app.engine.segment.open_ended and app.engine.segment_elapsed() > 15:
            app.key(Qt.Key.Key_D)
        app.step(0.25)
    assert checkins == 3
    assert app.engine.state is State.ENDED
    app.qtbot.waitUntil(lambda: app.window.current_screen() == "end")
    end = app.window.end_screen
    assert end is not None
    assert end.headline.text().startswith("Session complete")
    assert "3 of 3 sets" in end.details.text()
    assert [e for _, _, e in end.chart.efforts] == [5, 6, 3]
    app.key("5")
    history = services.history
    assert isinstance(history, InMemoryHistory)
    row = history.sessions[-1]
    assert (row.routine_id, row.status, row.sets_done) == ("tiny", "completed", 3)
    assert (row.mood_before, row.mood_after) == (4, 5)
    assert row.efforts == {0: 5, 1: 6, 2: 3}
    app.key(Qt.Key.Key_Return)
    assert app.window.current_screen() == "start"
    assert app.window.start_screen.week_label.text() == "This week: 1 of 2 sessions"  # type: ignore[union-attr]


def test_an_unanswered_checkin_waits_and_never_moves_on(app: App) -> None:
    app.start()
    app.run_until(lambda: app.engine.state is State.CHECKIN)
    app.step(120.0)
    assert app.engine.state is State.CHECKIN
    assert app.player.checkin.isVisible()


class PreparingSpeaker:
    """Like the real voice: the plan is prepared (rendered) first, then handed back."""

    def __init__(self) -> None:
        from companion.voice.base import RecordingSpeaker

        self.inner = RecordingSpeaker()
        self.state = self.inner.state
        self.pending: list[tuple[object, object, object]] = []

    def prepare(self, routine: object, options: object, done: object) -> None:
        self.pending.append((routine, options, done))

    def finish(self) -> None:
        from companion.core.timeline import compile_plan

        routine, options, done = self.pending.pop()
        done(compile_plan(routine, options))  # type: ignore[arg-type, operator]

    def say(self, cue: object) -> None:
        self.inner.say(cue)  # type: ignore[arg-type]

    def cancel(self) -> None:
        self.inner.cancel()

    def apply(self, settings: object) -> None:
        self.inner.apply(settings)  # type: ignore[arg-type]

    def on_caption(self, listener: object) -> None:
        self.inner.on_caption(listener)  # type: ignore[arg-type]


def test_session_starts_once_the_voice_has_prepared_it(app: App, services: AppServices) -> None:
    speaker = PreparingSpeaker()
    services.speaker = speaker  # type: ignore[assignment]
    app.key(Qt.Key.Key_Space)
    assert app.window.current_screen() == "player"
    assert app.player.session is None
    assert app.player.state_label.text() == "Getting ready"
    with app.qtbot.waitSignal(app.player.session_started):
        speaker.finish()
    assert app.engine.state is State.ARRIVAL


def test_escape_while_getting_ready_goes_back_to_the_start(app: App,
                                                           services: AppServices) -> None:
    speaker = PreparingSpeaker()
    services.speaker = speaker  # type: ignore[assignment]
    app.key(Qt.Key.Key_Space)
    app.key(Qt.Key.Key_Escape)
    assert app.window.current_screen() == "start"
    speaker.finish()  # arrives late: ignored
    assert app.player.session is None


def test_a_voice_that_never_prepares_does_not_block_the_start(
    app: App, services: AppServices, monkeypatch: object
) -> None:
    import companion.ui.screens.session_page as player_module

    monkeypatch.setattr(player_module, "PREPARE_TIMEOUT_MS", 10)  # type: ignore[attr-defined]
    services.speaker = PreparingSpeaker()  # type: ignore[assignment]
    with app.qtbot.waitSignal(app.player.session_started, timeout=3000):
        app.key(Qt.Key.Key_Space)
    assert app.engine.state is State.ARRIVAL
