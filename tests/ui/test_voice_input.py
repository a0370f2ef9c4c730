"""Voice commands in the app: heard phrases act like keys, the microphone line says what was
heard, and without a microphone everything still works by keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from companion.core.events import State
from companion.ui.listening import VoiceInput
from companion.ui.services import AppServices
from companion.voice.decide import Expecting
from companion.voice.listen import Heard, ListenerState, ListenStatus
from tests.ui.conftest import App


class FakeEar:
    """Stands in for the microphone + recogniser process: records what it was told."""

    def __init__(self) -> None:
        self.expecting: Expecting | None = None
        self.speaking = False
        self.closed = False

    def open_in_background(self) -> None:
        pass

    def start(self, expecting: Expecting) -> None:
        self.expecting = expecting

    def stop(self) -> None:
        self.expecting = None

    def set_speaking(self, speaking: bool) -> None:
        self.speaking = speaking

    def close(self) -> None:
        self.closed = True


def _voice(services: AppServices, ear: Any) -> VoiceInput:
    voice = VoiceInput(True, listener=ear)
    voice.state_changed.emit(ListenerState(ListenStatus.OK, ""))
    services.voice_input = voice
    return voice


def test_all_clear_by_voice_answers_the_checkin_and_the_mic_line_says_so(
    make_app: Callable[..., App], services: AppServices
) -> None:
    ear = FakeEar()
    voice = _voice(services, ear)
    app = make_app()
    app.start()
    app.run_until(lambda: app.engine.state is State.CHECKIN)
    assert ear.expecting is Expecting.CHECKIN  # it listens now, and only now, for answers
    voice.heard.emit(Heard("all clear", 0.99, Expecting.CHECKIN, margin=2.0))
    app.qtbot.waitUntil(lambda: app.engine.state is State.REST)
    assert "Heard: all clear" in app.player.mic_label.text()
    assert ear.expecting is Expecting.EFFORT
    voice.heard.emit(Heard("four", 0.9, Expecting.EFFORT))
    app.qtbot.waitUntil(lambda: "Heard: 4" in app.player.mic_label.text())


def test_stop_by_voice_takes_the_same_path_as_the_u_key(
    make_app: Callable[..., App], services: AppServices
) -> None:
    voice = _voice(services, FakeEar())
    app = make_app()
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    voice.heard.emit(Heard("stop", 0.9, Expecting.ALWAYS))
    app.qtbot.waitUntil(lambda: app.engine.state is State.STOPPED)
    app.qtbot.waitUntil(lambda: app.window.current_screen() == "safety")


def test_an_unsure_all_clear_asks_again_and_never_moves_on(
    make_app: Callable[..., App], services: AppServices
) -> None:
    voice = _voice(services, FakeEar())
    app = make_app()
    app.start()
    app.run_until(lambda: app.engine.state is State.CHECKIN)
    voice.heard.emit(Heard("all clear", 0.05, Expecting.CHECKIN, margin=2.0))
    app.qtbot.waitUntil(lambda: "say it again" in app.player.mic_label.text())
    assert app.engine.state is State.CHECKIN


def test_without_a_microphone_the_mic_line_says_why_and_keys_still_work(
    make_app: Callable[..., App], services: AppServices
) -> None:
    voice = VoiceInput(True, listener=FakeEar())
    voice.state_changed.emit(ListenerState(ListenStatus.UNAVAILABLE, "no microphone found"))
    services.voice_input = voice
    app = make_app()
    app.start()
    assert "Voice input off: no microphone found" in app.player.mic_label.text()
    app.run_until(lambda: app.engine.state is State.CHECKIN)
    app.all_clear()
    assert app.engine.state is State.REST


def test_settings_explain_why_voice_answers_are_off(qtbot: Any) -> None:
    from companion.settings import Settings
    from companion.ui.settings_dialog import SettingsDialog
    from companion.voice.base import CaptionsOnlySpeaker

    voice = VoiceInput(True, listener=FakeEar())
    voice.state_changed.emit(ListenerState(ListenStatus.UNAVAILABLE, "no microphone found"))
    dialog = SettingsDialog(Settings(), CaptionsOnlySpeaker(), voice_input=voice)
    qtbot.addWidget(dialog)
    assert "no microphone found" in dialog.voice_input_note.text()
    dialog.voice_input.setChecked(False)
    assert dialog.result_settings().voice_input is False
