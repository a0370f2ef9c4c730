"""The screening wizard: yes / no / not sure by key and button, trimester, acknowledgement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from companion.core.safety import Answer, ScreeningResult, Trimester
from companion.safety.content import load_screening
from companion.ui.screens.screening_wizard import ScreeningDialog, ScreeningWizard
from tests.helpers.a11y import unnamed_controls
from tests.helpers.keys import click_key

TAKEN = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
KEYS = {Answer.YES: Qt.Key.Key_Y, Answer.NO: Qt.Key.Key_N, Answer.NOT_SURE: Qt.Key.Key_S}


@pytest.fixture
def wizard(qtbot: QtBot) -> ScreeningWizard:
    widget = ScreeningWizard(now=lambda: TAKEN)
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    return widget


def _answer_all(qtbot: QtBot, wizard: ScreeningWizard, answers: dict[str, Answer],
                trimester_key: Qt.Key = Qt.Key.Key_2) -> None:
    click_key(Qt.Key.Key_Return, wizard)
    while wizard.step[0] != "result":
        kind, qid = wizard.step
        if kind == "follow_up":
            click_key(trimester_key, wizard)
        else:
            click_key(KEYS[answers.get(qid, Answer.NO)], wizard)


def _finish(qtbot: QtBot, wizard: ScreeningWizard) -> ScreeningResult:
    with qtbot.waitSignal(wizard.finished) as blocker:
        click_key(Qt.Key.Key_Return, wizard)
    result = blocker.args[0]
    assert isinstance(result, ScreeningResult)
    return result


def test_all_no_by_keys_needs_no_acknowledgement(qtbot: QtBot, wizard: ScreeningWizard) -> None:
    _answer_all(qtbot, wizard, {})

    assert wizard.finish_button.isEnabled()
    assert not wizard.ack.isVisible()
    assert wizard.result_intro.text() == wizard.screening.nothing_applies
    result = _finish(qtbot, wizard)
    assert set(result.answers.values()) == {Answer.NO}
    assert len(result.answers) == len(load_screening().questions)
    assert not result.acknowledged and result.taken_at == TAKEN and result.trimester is None


def test_a_yes_lists_what_to_discuss_why_and_what_changes(
    qtbot: QtBot, wizard: ScreeningWizard
) -> None:
    _answer_all(qtbot, wizard, {"beta_blockers": Answer.YES})

    body = wizard.items_area.widget()
    assert body is not None
    shown = " ".join(label.text() for label in body.findChildren(type(wizard.progress)))
    q = wizard.screening.question("beta_blockers")
    for part in (q.discuss, q.why, q.app_changes):
        assert part in shown


def test_finish_needs_the_acknowledgement_when_anything_applies(
    qtbot: QtBot, wizard: ScreeningWizard
) -> None:
    _answer_all(qtbot, wizard, {"heart": Answer.NOT_SURE})

    assert wizard.ack.isVisible()
    assert not wizard.finish_button.isEnabled()
    with qtbot.assertNotEmitted(wizard.finished):
        click_key(Qt.Key.Key_Return, wizard)

    click_key(Qt.Key.Key_A, wizard)
    assert wizard.ack.isChecked() and wizard.finish_button.isEnabled()
    result = _finish(qtbot, wizard)
    assert result.acknowledged
    assert result.answers["heart"] is Answer.NOT_SURE
    assert "medical clearance" in result.acknowledgement_text


def test_clicking_the_acknowledgement_text_ticks_the_box(
    qtbot: QtBot, wizard: ScreeningWizard
) -> None:
    _answer_all(qtbot, wizard, {"retina": Answer.YES})
    qtbot.mouseClick(wizard.ack_label, Qt.MouseButton.LeftButton)
    assert wizard.ack.isChecked()


def test_pregnancy_asks_the_trimester_and_adapts_after_the_first(
    qtbot: QtBot, wizard: ScreeningWizard
) -> None:
    seen: list[str] = []
    click_key(Qt.Key.Key_Return, wizard)
    while wizard.step[0] != "result":
        kind, qid = wizard.step
        seen.append(kind)
        if kind == "follow_up":
            assert "trimester" in wizard.follow_up_text.text().lower()
            click_key(Qt.Key.Key_3, wizard)
        else:
            click_key(Qt.Key.Key_Y if qid == "pregnancy" else Qt.Key.Key_N, wizard)

    assert seen.count("follow_up") == 1
    assert wizard.trimester is Trimester.THIRD
    assert wizard.profile().pregnant_after_first_trimester
    click_key(Qt.Key.Key_A, wizard)
    assert _finish(qtbot, wizard).trimester is Trimester.THIRD


def test_no_to_pregnancy_skips_the_trimester(qtbot: QtBot, wizard: ScreeningWizard) -> None:
    steps: list[str] = []
    click_key(Qt.Key.Key_Return, wizard)
    while wizard.step[0] != "result":
        steps.append(wizard.step[0])
        click_key(Qt.Key.Key_N, wizard)
    assert "follow_up" not in steps


def test_answer_buttons_work_like_the_keys(qtbot: QtBot, wizard: ScreeningWizard) -> None:
    qtbot.mouseClick(wizard.begin_button, Qt.MouseButton.LeftButton)
    first = wizard.step[1]
    qtbot.mouseClick(wizard.answer_buttons[Answer.NOT_SURE], Qt.MouseButton.LeftButton)
    assert wizard.answers[first] is Answer.NOT_SURE
    assert wizard.step[1] != first


def test_backspace_goes_back_and_an_answer_can_be_changed(
    qtbot: QtBot, wizard: ScreeningWizard
) -> None:
    click_key(Qt.Key.Key_Return, wizard)
    first = wizard.step[1]
    click_key(Qt.Key.Key_Y, wizard)
    click_key(Qt.Key.Key_Backspace, wizard)
    assert wizard.step == ("question", first)
    assert wizard.answer_buttons[Answer.YES].isChecked()
    click_key(Qt.Key.Key_N, wizard)
    assert wizard.answers[first] is Answer.NO


def test_changing_pregnancy_to_no_forgets_the_trimester(
    qtbot: QtBot, wizard: ScreeningWizard
) -> None:
    _answer_all(qtbot, wizard, {"pregnancy": Answer.YES})
    assert wizard.trimester is Trimester.SECOND
    while wizard.step != ("question", "pregnancy"):
        click_key(Qt.Key.Key_Backspace, wizard)
    click_key(Qt.Key.Key_N, wizard)
    assert wizard.trimester is None


def test_progress_says_which_question_of_how_many(qtbot: QtBot, wizard: ScreeningWizard) -> None:
    click_key(Qt.Key.Key_Return, wizard)
    total = len(wizard.screening.questions)
    assert wizard.progress.text().startswith(f"Question 1 of {total}")


def test_escape_at_the_start_means_not_now(qtbot: QtBot, wizard: ScreeningWizard) -> None:
    with qtbot.waitSignal(wizard.cancelled):
        click_key(Qt.Key.Key_Escape, wizard)


def test_every_control_has_an_accessible_name(qtbot: QtBot, wizard: ScreeningWizard) -> None:
    _answer_all(qtbot, wizard, {"heart": Answer.YES})
    assert unnamed_controls(wizard) == []


def test_the_screening_dialog_returns_the_result(qtbot: QtBot) -> None:
    dialog = ScreeningDialog(now=lambda: TAKEN)
    qtbot.addWidget(dialog)
    dialog.show()
    _answer_all(qtbot, dialog.wizard, {})
    click_key(Qt.Key.Key_Return, dialog.wizard)
    assert dialog.result() == ScreeningDialog.DialogCode.Accepted
    assert dialog.result_value is not None and dialog.result_value.taken_at == TAKEN


def test_not_now_closes_the_screening_dialog_without_a_result(qtbot: QtBot) -> None:
    dialog = ScreeningDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.wizard.later_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == ScreeningDialog.DialogCode.Rejected
    assert dialog.result_value is None


def test_page_down_scrolls_the_results_wherever_the_focus_is(qtbot: QtBot) -> None:
    """A tester: Page Down on the results did nothing until the list was clicked. Keys go
    to the focused window, as Qt delivers them, with the focus on a button."""
    dialog = ScreeningDialog(now=lambda: TAKEN)
    qtbot.addWidget(dialog)
    dialog.resize(1000, 560)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.isActiveWindow())
    wizard = dialog.wizard
    _answer_all(qtbot, wizard, dict.fromkeys((q.id for q in wizard.screening.questions),
                                             Answer.YES))
    bar = wizard.items_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    wizard.finish_button.setFocus()
    assert bar.value() == 0
    click_key(Qt.Key.Key_PageDown)  # to the focused window
    assert bar.value() == min(bar.pageStep(), bar.maximum())
    click_key(Qt.Key.Key_PageUp)
    assert bar.value() == 0


def test_the_trimester_question_says_where_you_are_like_every_question(
    qtbot: QtBot, wizard: ScreeningWizard
) -> None:
    """A tester: the trimester follow-up was the one page without "Question N of 15"."""
    click_key(Qt.Key.Key_Return, wizard)
    total = len(wizard.screening.questions)
    while wizard.step[0] != "follow_up":
        qid = wizard.step[1]
        q = wizard.screening.question(qid)
        click_key(KEYS[Answer.YES if q.follow_up is not None else Answer.NO], wizard)
    q = wizard.screening.question(wizard.step[1])
    number = [x.id for x in wizard.screening.questions].index(q.id) + 1
    assert wizard.follow_up_progress.isVisible()
    assert wizard.follow_up_progress.text() == f"Question {number} of {total}, more  ·  {q.group}"


def test_s_on_the_trimester_question_means_not_sure_as_on_every_page(
    qtbot: QtBot, wizard: ScreeningWizard
) -> None:
    """A tester: S did nothing on "Which trimester are you in?" (keys 1-4)."""
    from companion.core.safety import Trimester

    click_key(Qt.Key.Key_Return, wizard)
    while wizard.step[0] != "follow_up":
        q = wizard.screening.question(wizard.step[1])
        click_key(KEYS[Answer.YES if q.follow_up is not None else Answer.NO], wizard)
    click_key(Qt.Key.Key_S, wizard)
    assert wizard.trimester is Trimester.NOT_SURE
    assert wizard.step[0] != "follow_up"  # on to the next question, as with key 4
