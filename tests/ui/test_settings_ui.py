"""The Settings dialog, saving and restoring, and a broken settings file at startup."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from companion.core.timeline import Verbosity
from companion.settings import Settings, load_settings
from companion.ui.screens.settings_dialog import SettingsDialog
from companion.ui.services.container import AppServices
from companion.ui.shell.build import build_services
from companion.ui.shell.window import MainWindow
from tests.ui.conftest import App


@pytest.fixture(autouse=True)
def _captions_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests build the real services; the voice itself is tested elsewhere."""
    monkeypatch.setenv("COMPANION_NO_VOICE", "1")


class VoicedSpeaker:
    """A speaker that offers voices, like the real one does."""

    def __init__(self) -> None:
        from companion.voice.base import SpeakerState

        self.state = SpeakerState()
        self.applied: list[object] = []

    def voices(self) -> list[tuple[str, str]]:
        return [("en-gb", "English (UK)"), ("en-us", "English (US)")]

    def say(self, cue: object) -> None: ...

    def cancel(self) -> None: ...

    def apply(self, settings: object) -> None:
        self.applied.append(settings)

    def on_caption(self, listener: object) -> None: ...


def test_dialog_edits_every_setting(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings(engine="system"), VoicedSpeaker())
    qtbot.addWidget(dialog)
    assert dialog.voice.isEnabled() and dialog.voice.count() == 3
    dialog.voice.setCurrentIndex(2)
    dialog.rate.setValue(190)
    dialog.volume.setValue(40)
    dialog.tones.setChecked(False)
    dialog.verbosity.setCurrentIndex(dialog.verbosity.findData("brief"))
    dialog.breathing.setCurrentIndex(dialog.breathing.findData("box"))
    dialog.goal.setValue(3)
    dialog.rest.setValue(60)
    dialog.emergency.setText("112")
    dialog.remind.setChecked(True)
    dialog.day_boxes[5].setChecked(True)
    result = dialog.result_settings()
    assert result.voice_id == "en-us"
    assert (result.rate, result.volume, result.tones) == (190, 0.4, False)
    assert result.verbosity is Verbosity.BRIEF and result.rest_breathing == "box"
    assert (result.weekly_goal, result.rest_seconds, result.emergency_text) == (3, 60, "112")
    assert result.reminders.enabled and result.reminders.days == (0, 3, 5)


def test_voice_list_is_disabled_with_a_note_when_the_speaker_has_none(
    qtbot: QtBot, services: AppServices
) -> None:
    dialog = SettingsDialog(Settings(engine="system"), services.speaker)
    qtbot.addWidget(dialog)
    assert not dialog.voice.isEnabled()
    assert "No voices" in dialog.voice_note.text()
    assert all(b not in ("4-7-8",) for b in
               (dialog.breathing.itemData(i) for i in range(dialog.breathing.count())))


def test_saved_settings_apply_at_once_and_are_restored(app: App, services: AppServices) -> None:
    speaker = VoicedSpeaker()
    services.speaker = speaker  # type: ignore[assignment]
    chosen = Settings(rate=210, weekly_goal=4, emergency_text="999")
    app.window.apply_settings(chosen)
    assert speaker.applied[-1].rate == 210  # type: ignore[attr-defined]
    assert load_settings(services.paths.settings_file) == (chosen, [])
    assert app.window.start_screen.week_label.text().endswith("of 4 sessions")  # type: ignore[union-attr]
    restored = build_services(argparse.Namespace(data_dir=str(services.paths.data_dir), db=None))
    assert restored.settings == chosen
    restored.history.close()  # type: ignore[attr-defined]


def test_a_broken_settings_file_gives_defaults_and_a_message(qtbot: QtBot,
                                                            _private_data_dir: Path) -> None:
    _private_data_dir.mkdir(parents=True, exist_ok=True)
    (_private_data_dir / "settings.json").write_text("[1, 2", encoding="utf-8")
    args = argparse.Namespace(data_dir=str(_private_data_dir), db=None, routine=None)
    window = MainWindow(args)
    qtbot.addWidget(window)
    window.show()
    window.load()  # the services open on a worker; the start screen follows
    qtbot.waitUntil(lambda: window.start_screen is not None, timeout=20_000)
    assert window.services is not None and window.services.settings == Settings()
    start = window.start_screen
    assert start is not None and start.banner.isVisible()
    assert "not valid JSON" in start.banner.text()
    window.shutdown()


def test_emergency_text_from_settings_shows_on_the_safety_page(app: App,
                                                               services: AppServices) -> None:
    from companion.core.events import State

    services.settings = Settings(emergency_text="000 (Australia)")
    app.start()
    app.run_until(lambda: app.engine.state is State.WORK)
    app.player.report_unwell()
    app.qtbot.waitUntil(lambda: app.window.current_screen() == "safety")
    from PySide6.QtWidgets import QLabel

    page = app.window.safety_page
    assert any("000 (Australia)" in label.text() for label in page.findChildren(QLabel))


def test_an_unusable_database_still_lets_sessions_run_journaled_and_gated(
    _private_data_dir: Path,
) -> None:
    """No in-memory fallback without a gate: the app's history keeps its journal and its
    red-flag gate (which asks, as it cannot tell) when the database will not open."""
    from companion.ui.adapters.history import DatabaseHistory

    args = argparse.Namespace(data_dir=str(_private_data_dir), db="nosuchdb://nowhere")
    services = build_services(args)
    try:
        assert isinstance(services.history, DatabaseHistory)
        history = services.history
        deadline = time.monotonic() + 5
        while history.status.trouble.value in ("none", "opening") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "cannot be saved" in history.status.message()
        assert "kept safely on this computer" in history.status.message()
        state = services.history.red_flag_check()
        assert not state.known  # it cannot tell, so the gate will ask
        assert services.history.recorder_for(load_routine_for_test()) is not None
    finally:
        services.history.close()  # type: ignore[attr-defined]


def load_routine_for_test():  # type: ignore[no-untyped-def]
    from companion.routines import RoutineLibrary

    entry = RoutineLibrary(None).find("starter")
    return entry.routine


def test_the_history_database_is_used_when_it_opens(_private_data_dir: Path) -> None:
    from companion.ui.adapters.history import DatabaseHistory

    services = build_services(argparse.Namespace(data_dir=str(_private_data_dir), db=None))
    assert isinstance(services.history, DatabaseHistory)
    assert services.history.sessions_this_week() == 0
    assert services.history.suggested_routine_id() is None
    services.history.close()


def test_every_field_is_at_the_body_size_inside_the_app(app: App) -> None:
    """Read from a step away like the rest of the app, not at the small system size."""
    from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSpinBox

    from companion.ui.widgets.style import font_for

    dialog = SettingsDialog(Settings(), VoicedSpeaker(), app.window)
    app.qtbot.addWidget(dialog)
    dialog.show()
    body = font_for("body").pointSizeF()
    fields = [w for kind in (QLabel, QComboBox, QSpinBox, QCheckBox)
              for w in dialog.findChildren(kind)]
    assert len(fields) > 15
    assert {round(w.font().pointSizeF(), 1) for w in fields} == {round(body, 1)}
    dialog.close()


def test_the_dialog_fits_the_screen_and_save_stays_in_view(qtbot: QtBot) -> None:
    """On a small screen the groups scroll and Save / Cancel stay on screen (a tester's
    dialog opened 923 px tall, Save below a 900 px screen's edge)."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QDialogButtonBox

    from companion.settings import Settings
    from companion.ui.screens.settings_dialog import SettingsDialog
    from companion.voice.base import RecordingSpeaker

    dialog = SettingsDialog(Settings(), RecordingSpeaker())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    free = (dialog.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    assert dialog.height() <= free.height() and dialog.width() <= free.width()
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    for button in box.buttons():
        assert button.visibleRegion().boundingRect() == button.rect(), button.text()


def test_at_1024_pixels_wide_settings_never_scroll_sideways(qtbot: QtBot) -> None:
    """A tester at 1024 x 600: the voice group's long "Answer by voice" label made the
    groups wider than the dialog, so they scrolled sideways and cut "Choose a voice file"
    and "Play a sample". What can be said is in the option's description now."""
    from companion.settings import Settings
    from companion.ui.screens.settings_dialog import SettingsDialog
    from companion.voice.base import RecordingSpeaker

    dialog = SettingsDialog(Settings(), RecordingSpeaker())
    qtbot.addWidget(dialog)
    dialog.resize(960, 500)
    dialog.show()
    qtbot.waitExposed(dialog)
    inner = dialog.scroll_area.widget()
    assert inner.minimumSizeHint().width() <= dialog.scroll_area.viewport().width(), \
        (inner.minimumSizeHint(), dialog.scroll_area.viewport().size())
    qtbot.waitUntil(lambda: not dialog.scroll_area.horizontalScrollBar().isVisible(),
                    timeout=2000)
    assert "stop" in dialog.voice_input.accessibleDescription()
