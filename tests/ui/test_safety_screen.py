"""The safety screen: plain steps, the emergency number, no way back into exercise."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from companion.core.events import Symptom
from companion.core.safety import DEFAULT_EMERGENCY
from companion.ui.screens.safety_screen import SafetyScreen
from tests.helpers.a11y import unnamed_controls
from tests.helpers.keys import click_key


@pytest.fixture
def screen(qtbot: QtBot) -> SafetyScreen:
    widget = SafetyScreen("112")
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    return widget


def _all_text(screen: SafetyScreen) -> str:
    return " ".join(label.text() for label in screen.step_labels)


def test_it_says_stop_sit_or_lie_down_and_seek_advice(screen: SafetyScreen) -> None:
    text = _all_text(screen).lower()
    assert "stop exercising" in text
    assert "sit or lie down" in text
    assert "seek medical advice" in text


def test_it_names_the_emergency_number_from_settings(screen: SafetyScreen) -> None:
    last = screen.step_labels[-1].text()
    assert "chest pain, severe breathlessness or fainting" in last
    assert "call 112" in last


def test_without_a_number_it_says_your_local_emergency_number(qtbot: QtBot) -> None:
    screen = SafetyScreen("")
    qtbot.addWidget(screen)
    assert f"call {DEFAULT_EMERGENCY}" in screen.step_labels[-1].text()
    screen.set_emergency_text("999")
    assert "call 999" in screen.step_labels[-1].text()


def test_no_button_starts_or_resumes_exercise(screen: SafetyScreen) -> None:
    screen.show_stop(None)
    words = ("resume", "continue", "begin", "next set", "start session", "start a session",
             "try again", "keep going")
    for button in screen.findChildren(QAbstractButton):
        text = f"{button.text()} {button.accessibleName()}".lower()
        assert not any(w in text for w in words), text
    assert screen.close_button.text() == "Back to start"


def test_back_to_start_is_the_only_way_out(qtbot: QtBot, screen: SafetyScreen) -> None:
    with qtbot.waitSignal(screen.finished):
        qtbot.mouseClick(screen.close_button, Qt.MouseButton.LeftButton)


def test_stray_keys_do_not_leave_the_screen(qtbot: QtBot, screen: SafetyScreen) -> None:
    screen.show_stop(Symptom.CHEST_PAIN)
    with qtbot.assertNotEmitted(screen.finished):
        for key in (Qt.Key.Key_Escape, Qt.Key.Key_N, Qt.Key.Key_Space, Qt.Key.Key_1):
            click_key(key, screen)


def test_an_unknown_symptom_can_be_named_by_key(qtbot: QtBot, screen: SafetyScreen) -> None:
    screen.show_stop(Symptom.UNSPECIFIED)
    assert all(b.isVisible() for b in screen.symptom_buttons)

    with qtbot.waitSignal(screen.symptom_chosen) as blocker:
        click_key(Qt.Key.Key_3, screen)

    assert blocker.args == [Symptom.SHARP_PAIN]
    assert "sharp or shooting pain" in screen.reported.text().lower()
    assert not any(b.isVisible() for b in screen.symptom_buttons)


def test_not_sure_keeps_the_choice_open(qtbot: QtBot, screen: SafetyScreen) -> None:
    screen.show_stop(None)
    with qtbot.waitSignal(screen.symptom_chosen) as blocker:
        click_key(Qt.Key.Key_0, screen)
    assert blocker.args == [Symptom.UNSPECIFIED]
    assert all(b.isVisible() for b in screen.symptom_buttons)
    with qtbot.waitSignal(screen.symptom_chosen) as blocker:
        qtbot.mouseClick(screen.symptom_buttons[0], Qt.MouseButton.LeftButton)
    assert blocker.args == [Symptom.CHEST_PAIN]


def test_a_known_symptom_is_shown_and_not_asked_again(qtbot: QtBot, screen: SafetyScreen) -> None:
    screen.show_stop(Symptom.DIZZINESS)
    assert "dizziness" in screen.reported.text().lower()
    assert not any(b.isVisible() for b in screen.symptom_buttons)
    with qtbot.assertNotEmitted(screen.symptom_chosen):
        click_key(Qt.Key.Key_2, screen)


def test_every_control_has_an_accessible_name(screen: SafetyScreen) -> None:
    assert unnamed_controls(screen) == []
