"""The session player: what shows during a session, and every key doing its job."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from companion.core.breathing import Phase
from companion.core.events import CueDue, EndStatus, State
from companion.core.timeline import Cue, CueKind
from tests.ui.conftest import App


def _page_text(widget: object) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in widget.findChildren(QLabel))  # type: ignore[attr-defined]


def _to_checkin(app: App) -> None:
    app.run_until(lambda: app.engine.state is State.CHECKIN)


def test_work_shows_exercise_set_counter_and_a_big_countdown(app: App) -> None:
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    p = app.player
    assert p.exercise_label.text() == "Squats"
    assert "Set 1 of 3" in p.counter_label.text()
    assert "Round 1 of 1" in p.counter_label.text()
    assert p.state_label.text() == "Work"
    assert p.timer.text().count(":") == 1
    assert p.timer.font().pixelSize() >= 72
    assert "Next: Push-ups" in p.next_label.text()


def test_rep_count_follows_the_voice_count(app: App) -> None:
    app.start()
    app.run_until(lambda: app.engine.reps_done == 1)
    assert app.player.reps_label.text() == "1 / 2 reps"
    app.run_until(lambda: app.engine.reps_done == 2)
    assert app.player.reps_label.text() == "2 / 2 reps"


def test_every_prompt_appears_as_a_caption(app: App) -> None:
    captions: list[tuple[str, str]] = []
    app.start()
    app.player.driver.event_emitted.connect(
        lambda ev: captions.append((ev.cue.text, app.player.caption.text()))
        if isinstance(ev, CueDue) else None
    )
    app.run_until(lambda: app.engine.state is State.CHECKIN)
    assert len(captions) > 5
    assert all(said == shown for said, shown in captions)


def test_timer_counts_down_a_timed_set_and_up_a_to_fatigue_set(app: App) -> None:
    app.start()
    _to_checkin(app)
    app.all_clear()
    app.key(Qt.Key.Key_N)  # skip the rest
    app.run_until(lambda: app.engine.state is State.WORK)
    app.step(3.0)
    assert app.player.timer_caption.text() == "elapsed"
    assert app.player.timer.text() == "0:03"
    app.key("d")
    _to_checkin(app)
    app.all_clear()
    app.key(Qt.Key.Key_N)
    app.run_until(lambda: app.engine.state is State.WORK)
    app.step(4.0)
    assert app.player.exercise_label.text() == "Plank"
    assert app.player.timer_caption.text() == "time left"
    assert app.player.timer.text() == "0:06"


def test_breathing_circle_grows_on_the_in_breath_and_shrinks_on_the_out_breath(app: App) -> None:
    app.start()
    circle = app.player.circle
    app.run_until(lambda: circle.phase is Phase.IN)
    assert circle.isVisible()
    start = circle.fullness()
    app.step(circle.phase_seconds / 2)
    middle = circle.fullness()
    app.run_until(lambda: circle.phase is Phase.OUT)
    full = circle.fullness()
    app.step(circle.phase_seconds / 2)
    assert start < 0.1 < middle < full
    assert full > 0.9
    assert circle.fullness() < full


def test_breathing_circle_is_anchored_at_the_cue_due_time_not_the_paint_time(app: App) -> None:
    app.start()
    cue = Cue(0.0, CueKind.BREATHE, "Breathe in", phase=Phase.IN, phase_seconds=4.0)
    app.player.on_event(CueDue(0.0, cue, late=1.0))  # delivered a second late
    assert abs(app.player.circle.progress() - 0.25) < 1e-6


def test_circle_hides_during_work_and_shows_in_rests(app: App) -> None:
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    assert not app.player.circle.isVisible()
    _to_checkin(app)
    app.all_clear()
    assert app.engine.state is State.REST
    assert app.player.circle.isVisible()


def test_space_pauses_and_resumes(app: App) -> None:
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    app.key(Qt.Key.Key_Space)
    assert app.engine.state is State.PAUSED
    assert app.player.pause_button.text().startswith("Resume")
    before = app.player.timer.text()
    app.step(5.0)
    assert app.player.timer.text() == before
    app.key(Qt.Key.Key_Space)
    assert app.engine.state is State.WORK


def test_n_skips_the_rest(app: App) -> None:
    app.start()
    _to_checkin(app)
    app.all_clear()
    assert app.engine.state is State.REST
    app.key(Qt.Key.Key_N)
    assert app.engine.state is State.ANNOUNCE
    assert app.player.exercise_label.text() == "Push-ups"


def test_r_repeats_the_last_prompt(app: App) -> None:
    app.start()
    app.run_until(lambda: app.engine.state is State.COUNTDOWN)
    said = app.window.services.speaker.said  # type: ignore[union-attr]
    last = app.engine.last_spoken
    assert last is not None
    count = sum(1 for c in said if c.text == last.text)
    app.key(Qt.Key.Key_R)
    assert sum(1 for c in said if c.text == last.text) == count + 1
    assert app.player.caption.text() == last.text


def test_plus_adds_fifteen_seconds_of_rest(app: App) -> None:
    app.start()
    _to_checkin(app)
    app.all_clear()
    before = app.engine.remaining_in_segment()
    app.key("+")
    assert abs(app.engine.remaining_in_segment() - (before + 15)) < 0.01


def test_d_finishes_a_to_fatigue_set(app: App) -> None:
    app.start()
    _to_checkin(app)
    app.all_clear()
    app.key(Qt.Key.Key_N)
    app.run_until(lambda: app.engine.state is State.WORK)
    assert app.player.done_button.isEnabled()
    app.step(6.0)
    app.key(Qt.Key.Key_D)
    assert app.engine.state is State.CHECKIN
    assert app.player.session is not None
    assert app.player.session.summary.sets[1].skipped is False


def _end_box(app: App):  # type: ignore[no-untyped-def]
    app.qtbot.waitUntil(lambda: app.window.end_box is not None
                        and app.window.end_box.isVisible())
    box = app.window.end_box
    app.qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is box.windowHandle())
    return box


def test_escape_ends_the_session_as_stopped_by_user(app: App) -> None:
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    app.key(Qt.Key.Key_Escape)
    box = _end_box(app)
    assert box.windowTitle() == "End the session?"
    app.key(Qt.Key.Key_Return)  # Enter confirms, in the real dialog
    assert app.engine.state is State.ENDED
    app.qtbot.waitUntil(lambda: app.window.current_screen() == "end")
    assert app.player.session is not None
    assert app.player.session.summary.status is EndStatus.STOPPED_BY_USER


def test_escape_declined_keeps_the_session_going(app: App) -> None:
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    app.key(Qt.Key.Key_Escape)
    _end_box(app)
    app.key(Qt.Key.Key_Escape)  # Esc in the dialog: keep going
    app.qtbot.waitUntil(lambda: app.window.end_box is None)
    assert app.engine.state is State.WORK


def test_space_in_the_end_question_keeps_going_and_enter_still_ends(app: App) -> None:
    """A tester: Esc, then Space (the pause key, by reflex) ended the session, because the
    focus sat on "End the session". Space now presses "Keep going"; Enter ends."""
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    app.key(Qt.Key.Key_Escape)
    box = _end_box(app)
    assert box.focusWidget() is not None and "Keep going" in box.focusWidget().text()
    app.key(Qt.Key.Key_Space)
    app.qtbot.waitUntil(lambda: app.window.end_box is None)
    assert app.engine.state is State.WORK
    app.key(Qt.Key.Key_Escape)
    _end_box(app)
    app.key(Qt.Key.Key_Return)
    assert app.engine.state is State.ENDED


def test_y_and_n_in_the_end_dialog_neither_end_nor_answer(app: App) -> None:
    """The dialog's buttons have no Yes/No letter shortcuts: Y or N meant for a check-in
    behind it must not end the session."""
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    app.key(Qt.Key.Key_Escape)
    _end_box(app)
    app.key(Qt.Key.Key_Y)
    app.key(Qt.Key.Key_N)
    assert app.window.end_box is not None
    assert app.engine.state is State.WORK


def test_u_stops_at_once_and_shows_the_safety_page(app: App) -> None:
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    app.key(Qt.Key.Key_U)
    assert app.engine.state is State.STOPPED
    app.qtbot.waitUntil(lambda: app.window.current_screen() == "safety")
    text = _page_text(app.window.safety_page)
    assert "Sit or lie down" in text or "sit or lie down" in text
    assert "medical advice" in text
    assert "emergency number" in text
    said = [c.text for c in app.window.services.speaker.said]  # type: ignore[union-attr]
    assert said[-1].startswith("Stop exercising now")
    app.key("1")
    assert app.engine.red_flag is not None
    assert app.engine.red_flag.value == "chest_pain"


def test_unwell_button_is_visible_in_every_phase(app: App) -> None:
    app.start()
    seen = set()
    for state in (State.ARRIVAL, State.WORK, State.CHECKIN):
        app.run_until(lambda s=state: app.engine.state is s)
        assert app.player.unwell_button.isVisible()
        seen.add(state)
    app.all_clear()
    assert app.player.unwell_button.isVisible()
    app.player.unwell_button.click()
    assert app.engine.state is State.STOPPED


def test_f11_toggles_full_screen(app: App) -> None:
    assert not app.window.isFullScreen()
    app.key(Qt.Key.Key_F11)
    app.qtbot.waitUntil(app.window.isFullScreen)
    app.key(Qt.Key.Key_F11)
    app.qtbot.waitUntil(lambda: not app.window.isFullScreen())


def test_checkin_y_is_a_red_flag(app: App) -> None:
    app.start()
    _to_checkin(app)
    assert app.player.checkin.isVisible()
    app.key(Qt.Key.Key_Y)
    assert app.engine.state is State.STOPPED


def test_checkin_yes_then_the_symptom_key_names_it(app: App) -> None:
    app.start()
    _to_checkin(app)
    app.key(Qt.Key.Key_Y)
    assert app.engine.state is State.STOPPED
    app.qtbot.waitUntil(lambda: app.window.current_screen() == "safety")
    app.key("2")
    assert app.engine.red_flag is not None and app.engine.red_flag.value == "dizziness"


def test_checkin_waits_and_says_so_when_nobody_answers(app: App) -> None:
    app.start()
    _to_checkin(app)
    app.step(60.0)
    assert app.engine.checkin_stalled
    assert app.player.checkin.stalled


def test_very_hard_effort_shows_the_amber_advice(app: App) -> None:
    app.start()
    _to_checkin(app)
    app.all_clear()
    app.key("9")
    assert app.player.checkin.amber_label.isVisibleTo(app.player.checkin)
    assert "extra 30 seconds" in app.player.checkin.amber_label.text()


def test_effort_keys_record_effort_and_t_means_ten(app: App) -> None:
    app.start()
    _to_checkin(app)
    app.all_clear()
    assert app.player.checkin.isVisible()
    app.key("7")
    assert app.player.session is not None
    assert app.player.session.summary.sets[0].effort == 7
    app.key(Qt.Key.Key_N)
    app.run_until(lambda: app.engine.state is State.WORK)
    app.key(Qt.Key.Key_D)
    app.all_clear()
    app.key(Qt.Key.Key_T)
    assert app.player.session.summary.sets[1].effort == 10


def test_progress_bar_moves_forward(app: App) -> None:
    app.start()
    first = app.player.progress.value()
    app.run_until(lambda: app.engine.state is State.WORK)
    assert app.player.progress.value() > first


def test_every_control_has_an_accessible_name(app: App) -> None:
    from PySide6.QtWidgets import QAbstractButton

    app.start()
    buttons = app.window.findChildren(QAbstractButton)
    assert buttons
    assert all(b.accessibleName() for b in buttons)
