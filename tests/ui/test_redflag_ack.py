"""The confirmation before exercising again after a red-flag stop, and the first-run notice."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from companion.core.events import Symptom
from companion.core.safety import AckChoice
from companion.ui.screens.redflag_ack import RedFlagAckDialog, confirm_after_red_flag, describe_when
from companion.ui.screens.safety_notice import NoticeDialog
from tests.helpers.a11y import unnamed_controls
from tests.helpers.keys import click_key

WHEN = datetime(2026, 11, 24, 18, 5)


@pytest.fixture
def dialog(qtbot: QtBot) -> RedFlagAckDialog:
    widget = RedFlagAckDialog(WHEN, Symptom.HEADACHE.value)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.answer_ready
                    and all(b.isEnabled() for b in widget.buttons.values()))
    return widget


def test_it_says_when_the_stop_happened_and_why(dialog: RedFlagAckDialog) -> None:
    text = dialog.summary.text()
    assert "Tuesday 24 November 2026 at 18:05" in text
    assert "headache" in text.lower()


def test_unspecified_symptom_still_reads_plainly(qtbot: QtBot) -> None:
    dialog = RedFlagAckDialog(WHEN, Symptom.UNSPECIFIED)
    qtbot.addWidget(dialog)
    assert "feeling unwell" in dialog.summary.text()


@pytest.mark.parametrize("key,choice", [
    (Qt.Key.Key_1, AckChoice.SOUGHT_ADVICE),
    (Qt.Key.Key_2, AckChoice.RESOLVED),
])
def test_keys_confirm_advice_or_resolved(
    qtbot: QtBot, dialog: RedFlagAckDialog, key: Qt.Key, choice: AckChoice
) -> None:
    with qtbot.waitSignal(dialog.confirmed) as blocker:
        click_key(key, dialog)
    assert blocker.args == [choice.value]
    assert dialog.result() == RedFlagAckDialog.DialogCode.Accepted


def test_buttons_confirm_too(qtbot: QtBot, dialog: RedFlagAckDialog) -> None:
    with qtbot.waitSignal(dialog.confirmed) as blocker:
        qtbot.mouseClick(dialog.buttons[AckChoice.RESOLVED], Qt.MouseButton.LeftButton)
    assert blocker.args == ["resolved"]


def test_not_now_confirms_nothing(qtbot: QtBot, dialog: RedFlagAckDialog) -> None:
    with qtbot.assertNotEmitted(dialog.confirmed):
        click_key(Qt.Key.Key_Escape, dialog)
    assert dialog.result() == RedFlagAckDialog.DialogCode.Rejected
    assert dialog.choice is None


def test_still_unwell_says_what_to_do_and_confirms_nothing(qtbot: QtBot) -> None:
    """U (as during a session) answers neither 1 nor 2: no session today, seek advice, the
    emergency text; 1 and 2 no longer count; Enter (or Esc) closes, nothing confirmed."""
    dialog = RedFlagAckDialog(WHEN, Symptom.HEADACHE.value, emergency="call 999 (UK)")
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.assertNotEmitted(dialog.confirmed):
        click_key(Qt.Key.Key_U, dialog)  # at once: U is never guarded
        assert dialog.still_unwell
        text = dialog.summary.text()
        assert "do not exercise today" in text and "call 999 (UK)" in text
        assert not any(b.isVisible() for b in dialog.buttons.values())
        qtbot.waitUntil(lambda: dialog.answer_ready)
        click_key(Qt.Key.Key_1, dialog)
        assert dialog.isVisible() and dialog.choice is None
        click_key(Qt.Key.Key_Return, dialog)  # Enter closes too (a tester), as Esc does
    assert dialog.result() == RedFlagAckDialog.DialogCode.Rejected


@pytest.mark.parametrize("set_aside", ["", "2 December 2026"])
def test_the_words_are_never_cut_whatever_size_the_window_system_gives(
    qtbot: QtBot, set_aside: str
) -> None:
    """With no window manager (a tester's 1280x800 screen) the dialog came up shorter than
    its wrapped text: the reason for asking was overdrawn and cut. It grows to fit."""
    from PySide6.QtWidgets import QLabel

    dialog = RedFlagAckDialog(None if set_aside else WHEN, Symptom.HEADACHE.value,
                              set_aside=set_aside)
    qtbot.addWidget(dialog)
    dialog.resize(700, 200)  # what a window system may hand it
    dialog.show()
    qtbot.waitExposed(dialog)
    for label in dialog.findChildren(QLabel):
        if label.isVisible():
            assert label.height() >= label.heightForWidth(label.width()), label.text()
            assert label.visibleRegion().boundingRect() == label.rect(), label.text()


@pytest.mark.parametrize("key", [Qt.Key.Key_1, Qt.Key.Key_2])
def test_a_held_key_never_confirms_even_when_qt_does_not_flag_the_repeat(
    qtbot: QtBot, key: Qt.Key
) -> None:
    """A tester held 2 (xdotool keydown 2; 1.5 s; keyup): X sent the repeats as release and
    press pairs with one time stamp, not flagged as repeats, and the stop was confirmed and a
    session started. Now the hold that began while the answer was not yet taken stays a
    hold; a fresh press after letting go answers."""
    from PySide6.QtCore import QEvent

    from tests.helpers.keys import key_and_text, send_key_event

    dialog = RedFlagAckDialog(WHEN, Symptom.HEADACHE.value)
    qtbot.addWidget(dialog)
    dialog.show()
    code, text = key_and_text(key)
    press, release = QEvent.Type.KeyPress, QEvent.Type.KeyRelease
    t = 1000
    with qtbot.assertNotEmitted(dialog.confirmed):
        send_key_event(dialog, press, code, text, stamp=t)  # the hold starts, too soon
        qtbot.waitUntil(lambda: dialog.answer_ready)
        for _ in range(30):  # ~1.5 s of X's repeats: release + press, one time stamp each
            t += 50
            send_key_event(dialog, release, code, text, stamp=t)
            send_key_event(dialog, press, code, text, stamp=t)
        for _ in range(5):  # and a server that sends presses only, none flagged
            t += 50
            send_key_event(dialog, press, code, text, stamp=t)
    assert dialog.isVisible() and dialog.choice is None
    send_key_event(dialog, release, code, text, stamp=t + 40)  # let go...
    with qtbot.waitSignal(dialog.confirmed):
        send_key_event(dialog, press, code, text, stamp=t + 400)  # ...and press again
    assert dialog.choice is not None


def test_confirm_after_red_flag_returns_the_choice(qtbot: QtBot) -> None:
    def press() -> None:
        from PySide6.QtWidgets import QApplication

        active = QApplication.activeModalWidget()
        assert isinstance(active, RedFlagAckDialog)
        if not active.answer_ready:
            QTimer.singleShot(50, press)
            return
        click_key(Qt.Key.Key_1, active)

    QTimer.singleShot(0, press)
    assert confirm_after_red_flag(None, WHEN, Symptom.CHEST_PAIN) is AckChoice.SOUGHT_ADVICE


def test_every_control_has_an_accessible_name(dialog: RedFlagAckDialog) -> None:
    assert unnamed_controls(dialog) == []


def test_describe_when_uses_the_day_and_time() -> None:
    assert describe_when(WHEN) == "Tuesday 24 November 2026 at 18:05"


def test_the_notice_says_not_a_medical_device_and_closes_with_enter(qtbot: QtBot) -> None:
    notice = NoticeDialog()
    qtbot.addWidget(notice)
    notice.show()
    assert "not a medical device" in notice.windowTitle()
    with qtbot.waitSignal(notice.accepted):
        click_key(Qt.Key.Key_Return, notice.ok_button)
    assert unnamed_controls(notice) == []


@pytest.mark.parametrize("key", [Qt.Key.Key_1, Qt.Key.Key_2])
def test_a_reflex_or_held_key_does_not_answer(qtbot: QtBot, key: Qt.Key) -> None:
    """A tester's `xdotool key space 1` answered it 12 ms after it appeared. Within
    ANSWER_GUARD_S a key does not answer and the buttons are greyed; a held key (auto-
    repeat) never answers; Esc always leaves; after the guard a fresh press answers."""
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    widget = RedFlagAckDialog(WHEN, Symptom.CHEST_PAIN)
    qtbot.addWidget(widget)
    widget.show()
    with qtbot.assertNotEmitted(widget.confirmed):
        click_key(key, widget)
    assert widget.isVisible() and widget.choice is None
    assert not any(b.isEnabled() for b in widget.buttons.values())
    qtbot.waitUntil(lambda: widget.answer_ready
                    and all(b.isEnabled() for b in widget.buttons.values()), timeout=3000)
    held = QKeyEvent(QKeyEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier,
                     chr(key.value), True)  # auto-repeat
    with qtbot.assertNotEmitted(widget.confirmed):
        QApplication.sendEvent(widget, held)
    assert widget.choice is None
    with qtbot.waitSignal(widget.confirmed):
        click_key(key, widget)


def test_not_now_works_at_once(qtbot: QtBot) -> None:
    widget = RedFlagAckDialog(WHEN, Symptom.CHEST_PAIN)
    qtbot.addWidget(widget)
    widget.show()
    click_key(Qt.Key.Key_Escape, widget)
    assert widget.result() == RedFlagAckDialog.DialogCode.Rejected
