"""Screen-reader announcements (issue 22), in process: the setting, the voice rule, once
only, and what each screen says. The same behaviour on the real AT-SPI stack is in
tests/a11y/."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar, QWidget
from pytestqt.qtbot import QtBot

from companion.core.events import State
from companion.core.safety import CHECKIN_FLAGS, SAFETY_TITLE
from companion.settings import AnnouncePrompts, Settings, settings_from_json
from companion.ui.screens.session_page import PAUSE_NAME, RESUME_NAME
from companion.ui.screens.settings_dialog import SettingsDialog
from companion.ui.widgets import announce
from companion.voice.base import VoiceStatus
from tests.ui.conftest import App


@pytest.fixture(autouse=True)
def _fresh_announcer() -> Iterator[None]:
    announce.sent.clear()
    announce.forget()
    yield
    announce.configure(lambda: AnnouncePrompts.ALWAYS, lambda: False)
    announce.forget()


def said() -> list[str]:
    return [message for message, _assertive in announce.sent]


def test_the_setting_defaults_to_when_the_voice_is_off_and_round_trips() -> None:
    assert Settings().announce_prompts is AnnouncePrompts.WHEN_VOICE_OFF
    for mode in AnnouncePrompts:
        data = dataclasses.replace(Settings(), announce_prompts=mode).to_json()
        assert data["announce_prompts"] == mode.value
        assert settings_from_json(data)[0].announce_prompts is mode
    settings, problems = settings_from_json({"announce_prompts": "loud"})
    assert settings.announce_prompts is AnnouncePrompts.WHEN_VOICE_OFF
    assert problems and "announce_prompts" in problems[0]


@pytest.mark.parametrize(("mode", "voice", "sent"), [
    (AnnouncePrompts.OFF, False, False), (AnnouncePrompts.OFF, True, False),
    (AnnouncePrompts.WHEN_VOICE_OFF, False, True), (AnnouncePrompts.WHEN_VOICE_OFF, True, False),
    (AnnouncePrompts.ALWAYS, False, True), (AnnouncePrompts.ALWAYS, True, True),
])
def test_the_setting_and_the_voice_decide(qtbot: QtBot, mode: AnnouncePrompts, voice: bool,
                                          sent: bool) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    announce.configure(lambda: mode, lambda: voice)
    assert announce.announce(widget, "Go: Squats.") is sent


def test_the_same_message_is_announced_once(qtbot: QtBot) -> None:
    one, two = QWidget(), QWidget()
    qtbot.addWidget(one)
    qtbot.addWidget(two)
    assert announce.announce(one, "Rest and breathe.")
    assert not announce.announce(one, "Rest   and breathe.")  # the same words
    assert announce.announce(two, "Rest and breathe.")  # another place says it
    announce.forget()  # a new screen
    assert announce.announce(two, "Rest and breathe.")
    assert not announce.announce(two, "")


def test_a_broken_setting_hook_still_announces(qtbot: QtBot) -> None:
    def broken() -> AnnouncePrompts:
        raise RuntimeError("gone")

    announce.configure(broken, lambda: True)
    assert announce.wanted()


def test_the_voice_counts_as_heard_only_when_it_can_be(app: App) -> None:
    services = app.window.services
    assert services is not None
    speaker = services.speaker
    app.start()
    assert announce.wanted() is False  # the recording voice works: it speaks the prompts
    services.settings = dataclasses.replace(services.settings, volume=0.0)
    assert announce.wanted() is True
    services.settings = dataclasses.replace(services.settings, volume=1.0)
    speaker.state = dataclasses.replace(speaker.state, status=VoiceStatus.NO_AUDIO)
    assert announce.wanted() is True
    services.settings = dataclasses.replace(services.settings,
                                            announce_prompts=AnnouncePrompts.OFF)
    assert announce.wanted() is False


def test_a_session_announces_each_change_once(app: App) -> None:
    services = app.window.services
    assert services is not None
    services.settings = dataclasses.replace(services.settings,
                                            announce_prompts=AnnouncePrompts.ALWAYS)
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    assert any(m.startswith("Arrive and breathe") for m in said())
    assert said().count("Get ready: Squats, 2 reps. Set 1 of 3, round 1 of 1.") == 1
    assert sum(m.startswith("Go: Squats") for m in said()) == 1
    before = len(said())
    app.step(3.0)  # the timer runs: nothing more is said until something changes
    assert len(said()) == before

    app.run_until(lambda: app.engine.state is State.CHECKIN)
    question = [m for m in said() if "Do you have any of these right now?" in m]
    assert len(question) == 1
    assert all(text in question[0] for _symptom, text in CHECKIN_FLAGS)
    view = app.player.checkin
    assert "Do you have any of these right now?" in view.accessibleName()
    assert all(text in view.accessibleDescription() for _symptom, text in CHECKIN_FLAGS)

    app.all_clear()
    assert sum(m.startswith("How hard was that set?") for m in said()) == 1
    app.key("7")
    assert "Effort 7 noted: very hard." in said()
    app.key("U")
    safety = [(m, loud) for m, loud in announce.sent if m.startswith(SAFETY_TITLE)]
    assert len(safety) == 1 and safety[0][1] is True  # assertive


def test_pause_button_names_the_state_and_progress_is_quiet(app: App) -> None:
    app.start()
    player = app.player
    assert not player.findChildren(QProgressBar)  # a progress bar reads out every step
    assert player.progress.accessibleName() == "Session progress"
    assert player.pause_button.accessibleName() == PAUSE_NAME
    app.key(Qt.Key.Key_Space)
    assert app.engine.state is State.PAUSED
    assert player.pause_button.accessibleName() == RESUME_NAME
    app.key(Qt.Key.Key_Space)
    assert player.pause_button.accessibleName() == PAUSE_NAME
    app.run_until(lambda: player.progress.value() > 0)
    assert player.progress.accessibleDescription().endswith("% of the session done")


def test_labels_read_their_text_not_a_generic_name(app: App) -> None:
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    player = app.player
    for label in (player.exercise_label, player.timer, player.counter_label,
                  player.next_label, player.caption, player.state_label):
        assert label.accessibleName() == "", label.accessibleDescription()
    start = app.window.start_screen
    assert start is not None
    assert start.preview.accessibleName() == "" and start.preview.focusPolicy()


def test_settings_dialog_offers_the_announcement_setting(qtbot: QtBot) -> None:
    settings = dataclasses.replace(Settings(), announce_prompts=AnnouncePrompts.ALWAYS)
    dialog = SettingsDialog(settings, None)
    qtbot.addWidget(dialog)
    assert dialog.announce.accessibleName() == "Screen reader announces prompts"
    assert dialog.announce.currentText() == "Always"
    dialog.announce.setCurrentIndex(dialog.announce.findData("off"))
    assert dialog.result_settings().announce_prompts is AnnouncePrompts.OFF


def test_the_visible_state_filter_runs_only_once_accessibility_is_on(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An application-wide Python event filter costs every event of every object a trip
    into Python (it doubled the first History window's longest pause): the screen-reader
    fix-up is installed only when Qt's accessibility is active, and as soon as it is.

    (No monkeypatching of `eventFilter` here: PySide caches a Python override per object,
    and a patched-in function freed at teardown crashed a later test.)"""
    from PySide6.QtGui import QAccessible
    from PySide6.QtWidgets import QApplication

    monkeypatch.setattr(announce, "_visible_states", None)
    was_active = QAccessible.isActive()
    QAccessible.setActive(False)
    states = announce.keep_visible_states()
    try:
        assert states is not None
        widget = QWidget()
        qtbot.addWidget(widget)
        widget.show()
        qtbot.wait(3 * announce.A11Y_POLL_MS)
        assert not states.installed  # no event goes through it
        QAccessible.setActive(True)  # a screen reader turns accessibility on
        qtbot.waitUntil(lambda: states.installed, timeout=5 * announce.A11Y_POLL_MS)
    finally:
        app = QApplication.instance()
        assert app is not None
        app.removeEventFilter(states)
        QAccessible.setActive(was_active)
