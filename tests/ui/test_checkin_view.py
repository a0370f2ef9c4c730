"""The check-in view: C / Y, effort 0-10 (T for 10), skip, and the symptom chooser."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.events import State, Symptom
from companion.core.routine import Exercise, Routine
from companion.core.timeline import CHECKIN_QUESTION, CHECKIN_REASK, compile_plan
from companion.ui.screens.checkin_view import STALLED_TEXT, CheckinPage, CheckinView
from tests.helpers.a11y import unnamed_controls
from tests.helpers.keys import click_key


@pytest.fixture
def view(qtbot: QtBot) -> CheckinView:
    widget = CheckinView()
    qtbot.addWidget(widget)
    widget.resize(1100, 640)
    widget.ask(CHECKIN_QUESTION)
    return widget


def test_check_in_lists_the_four_red_flags_in_plain_words(view: CheckinView) -> None:
    texts = [label.text() for label in view.flag_labels]
    assert len(texts) == 4
    joined = " ".join(texts).lower()
    for words in ("chest pain", "shortness of breath", "dizziness", "fainting",
                  "sharp or shooting pain", "headache"):
        assert words in joined
    assert view.isVisible() and view.page is CheckinPage.QUESTION


def test_c_key_means_all_clear_and_then_asks_for_effort(qtbot: QtBot, view: CheckinView) -> None:
    qtbot.waitUntil(view.all_clear_allowed)
    with qtbot.waitSignal(view.all_clear):
        click_key(Qt.Key.Key_C, view)
    assert view.page is CheckinPage.EFFORT


def test_all_clear_button_does_the_same_as_c(qtbot: QtBot, view: CheckinView) -> None:
    qtbot.waitUntil(view.clear_button.isEnabled)
    # enabled means a click counts (a coarse timer firing early once left it refused)
    assert view.all_clear_allowed()
    with qtbot.waitSignal(view.all_clear):
        qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert view.page is CheckinPage.EFFORT


@pytest.mark.parametrize("key", [Qt.Key.Key_N, Qt.Key.Key_Space, Qt.Key.Key_Return,
                                 Qt.Key.Key_Enter])
def test_n_space_and_enter_never_answer_and_say_which_keys_do(
    qtbot: QtBot, view: CheckinView, key: Qt.Key
) -> None:
    qtbot.waitUntil(view.all_clear_allowed)
    with qtbot.assertNotEmitted(view.all_clear), qtbot.assertNotEmitted(view.red_flag):
        click_key(key, view)
    assert view.page is CheckinPage.QUESTION
    assert view.hint_label.isVisibleTo(view)
    assert "press C for all clear" in view.hint_label.text()


def test_all_clear_is_never_the_focused_or_default_button(view: CheckinView) -> None:
    assert not view.clear_button.hasFocus()
    assert view.clear_button.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert not view.clear_button.isDefault() and not view.clear_button.autoDefault()


def test_y_key_stops_first_and_then_asks_which_symptom(qtbot: QtBot, view: CheckinView) -> None:
    page_when_stopped: list[CheckinPage] = []
    view.red_flag.connect(lambda: page_when_stopped.append(view.page))

    with qtbot.waitSignal(view.red_flag):
        click_key(Qt.Key.Key_Y, view)

    assert page_when_stopped == [CheckinPage.QUESTION]  # the stop was sent before asking
    assert view.page is CheckinPage.SYMPTOM


def test_a_host_that_moves_to_the_safety_screen_keeps_the_view_hidden(
    qtbot: QtBot, view: CheckinView
) -> None:
    view.red_flag.connect(view.clear)
    click_key(Qt.Key.Key_Y, view)
    assert view.page is CheckinPage.HIDDEN and not view.isVisible()


def test_keys_given_as_plain_numbers_work_too(view: CheckinView) -> None:
    """The player forwards `QKeyEvent.key()` (an int) to `handle_key`."""
    chosen: list[int] = []
    view.effort_chosen.connect(chosen.append)
    view.ask_effort()
    assert view.handle_key(int(Qt.Key.Key_5), "5")
    assert view.handle_key(int(Qt.Key.Key_T), "t")
    assert chosen == [5, 10]


def test_yes_button_reports_a_red_flag(qtbot: QtBot, view: CheckinView) -> None:
    with qtbot.waitSignal(view.red_flag):
        qtbot.mouseClick(view.yes_button, Qt.MouseButton.LeftButton)
    assert view.page is CheckinPage.SYMPTOM


def test_keys_reach_the_view_even_when_a_button_has_focus(qtbot: QtBot, view: CheckinView) -> None:
    with qtbot.waitSignal(view.red_flag):
        click_key(Qt.Key.Key_Y, view.clear_button)


def test_u_at_the_question_is_the_same_as_y(qtbot: QtBot, view: CheckinView) -> None:
    with qtbot.waitSignal(view.red_flag):
        click_key(Qt.Key.Key_U, view)


@pytest.mark.parametrize("n", range(10))
def test_digit_keys_choose_that_effort(qtbot: QtBot, view: CheckinView, n: int) -> None:
    view.ask_effort()
    with qtbot.waitSignal(view.effort_chosen) as blocker:
        click_key(getattr(Qt.Key, f"Key_{n}"), view)
    assert blocker.args == [n]
    assert view.effort_buttons[n].isChecked()


def test_t_key_means_effort_ten(qtbot: QtBot, view: CheckinView) -> None:
    view.ask_effort()
    with qtbot.waitSignal(view.effort_chosen) as blocker:
        click_key(Qt.Key.Key_T, view)
    assert blocker.args == [10]


def test_effort_buttons_choose_their_number(qtbot: QtBot, view: CheckinView) -> None:
    view.ask_effort()
    with qtbot.waitSignal(view.effort_chosen) as blocker:
        qtbot.mouseClick(view.effort_buttons[7], Qt.MouseButton.LeftButton)
    assert blocker.args == [7]


def test_effort_can_be_skipped_by_key_or_button(qtbot: QtBot, view: CheckinView) -> None:
    view.ask_effort()
    with qtbot.waitSignal(view.effort_skipped):
        click_key(Qt.Key.Key_S, view)
    with qtbot.waitSignal(view.effort_skipped):
        qtbot.mouseClick(view.skip_button, Qt.MouseButton.LeftButton)


def test_effort_scale_shows_the_cr10_anchor_words(view: CheckinView) -> None:
    view.ask_effort()
    names = [b.accessibleName().lower() for b in view.effort_buttons]
    assert "nothing at all" in names[0]
    assert "maximal" in names[10] and "key t" in names[10]


def test_digits_at_the_question_do_not_count_as_effort(qtbot: QtBot, view: CheckinView) -> None:
    with qtbot.assertNotEmitted(view.effort_chosen), qtbot.assertNotEmitted(view.all_clear):
        click_key(Qt.Key.Key_5, view)
    assert view.page is CheckinPage.QUESTION


@pytest.mark.parametrize("key,symptom", [
    (Qt.Key.Key_1, Symptom.CHEST_PAIN),
    (Qt.Key.Key_2, Symptom.DIZZINESS),
    (Qt.Key.Key_3, Symptom.SHARP_PAIN),
    (Qt.Key.Key_4, Symptom.HEADACHE),
    (Qt.Key.Key_5, Symptom.UNSPECIFIED),
    (Qt.Key.Key_0, Symptom.UNSPECIFIED),
])
def test_symptom_keys_name_the_symptom(
    qtbot: QtBot, view: CheckinView, key: Qt.Key, symptom: Symptom
) -> None:
    click_key(Qt.Key.Key_Y, view)
    with qtbot.waitSignal(view.symptom_chosen) as blocker:
        click_key(key, view)
    assert blocker.args == [symptom]
    assert "Noted" in view.symptom_done.text()


def test_symptom_buttons_name_the_symptom(qtbot: QtBot, view: CheckinView) -> None:
    view.ask_symptom()
    with qtbot.waitSignal(view.symptom_chosen) as blocker:
        qtbot.mouseClick(view.symptom_buttons[3], Qt.MouseButton.LeftButton)
    assert blocker.args == [Symptom.HEADACHE]


def test_a_stalled_check_in_says_it_is_paused_until_you_answer(view: CheckinView) -> None:
    assert not view.stalled_label.isVisible()
    view.show_stalled()
    assert view.stalled_label.isVisible()
    assert view.stalled_label.text() == STALLED_TEXT
    view.ask(CHECKIN_QUESTION)
    assert not view.stalled_label.isVisible()


def test_the_re_ask_shows_its_words_too(view: CheckinView) -> None:
    view.ask(CHECKIN_REASK)
    assert CHECKIN_REASK in view.prompt.text()


def test_amber_effort_shows_the_suggestion(view: CheckinView) -> None:
    view.ask_effort()
    view.show_amber("That was very hard. Next time, try squats to a chair instead.")
    assert view.amber_label.isVisible()
    assert "squats to a chair" in view.amber_label.text()


def test_a_cleared_view_is_hidden_and_ignores_keys(qtbot: QtBot, view: CheckinView) -> None:
    view.clear()
    assert not view.isVisible()
    with qtbot.assertNotEmitted(view.all_clear), qtbot.assertNotEmitted(view.red_flag):
        assert not view.handle_key(Qt.Key.Key_C)
        assert not view.handle_key(Qt.Key.Key_Y)


def test_every_control_has_an_accessible_name(view: CheckinView) -> None:
    assert unnamed_controls(view) == []


def test_yes_in_the_view_stops_a_real_engine_and_records_the_symptom(
    qtbot: QtBot, view: CheckinView
) -> None:
    routine = Routine("t", "T", 1, 20, (Exercise("Squats", reps=2),))
    clock = FakeClock()
    engine = SessionEngine(compile_plan(routine), clock)
    engine.start()
    while engine.state is not State.CHECKIN:
        clock.advance(0.5)
        engine.tick()
    view.all_clear.connect(lambda: engine.answer_checkin(True))
    view.red_flag.connect(lambda: engine.answer_checkin(False))
    view.symptom_chosen.connect(engine.specify_symptom)
    view.effort_chosen.connect(engine.record_effort)

    click_key(Qt.Key.Key_Y, view)
    assert engine.state is State.STOPPED  # stopped before the symptom was asked
    click_key(Qt.Key.Key_2, view)

    assert engine.red_flag is Symptom.DIZZINESS
