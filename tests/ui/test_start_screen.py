"""The start screen: suggestion, week progress, picker and preview, mood, Start."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt

from companion.ui.services.container import AppServices
from tests.ui.conftest import App


def test_opens_with_the_routine_given_on_the_command_line_selected(app: App) -> None:
    start = app.window.start_screen
    assert start is not None
    assert app.window.current_screen() == "start"
    selected = start.selected()
    assert selected is not None and selected.id == "tiny"
    assert "Tiny test" in start.preview.text()


def test_routine_option_accepts_a_builtin_id(make_app: Callable[..., App]) -> None:
    app = make_app(routine="quick-ten")
    selected = app.window.start_screen.selected()  # type: ignore[union-attr]
    assert selected is not None and selected.id == "quick-ten"


def test_suggests_the_starter_circuit_on_a_first_run(make_app: Callable[..., App]) -> None:
    app = make_app(routine=None)
    start = app.window.start_screen
    assert start is not None
    assert start.today_label.text() == "Today: Starter circuit"
    assert start.selected() is not None and start.selected().id == "starter"  # type: ignore[union-attr]


def test_preview_shows_exercises_rounds_rest_and_total_time(make_app: Callable[..., App]) -> None:
    app = make_app(routine="starter")
    text = app.window.start_screen.preview.text()  # type: ignore[union-attr]
    for words in ("Bodyweight squats", "Push-ups", "Plank", "4 exercises × 2 rounds", "rest 75",
                  "min"):
        assert words in text


def test_week_progress_counts_sessions_against_the_goal(app: App, services: AppServices) -> None:
    start = app.window.start_screen
    assert start is not None
    assert start.week_label.text() == "This week: 0 of 2 sessions"
    app.start()
    app.key(Qt.Key.Key_Escape)  # stopped before any set: not counted
    app.window.show_start()
    assert start.week_label.text() == "This week: 0 of 2 sessions"
    assert "streak" not in start.week_note.text().lower()


def test_broken_routine_file_is_listed_with_its_problems(
    make_app: Callable[..., App], services: AppServices
) -> None:
    bad = services.paths.routines_dir / "broken.toml"
    bad.write_text('name = "Broken"\nrounds = 2\nrest_seconds = 30\n[[exercise]]\n'
                   'name = "Squats"\nreps = 10\nseconds = 30\n', encoding="utf-8")
    app = make_app(routine=None)
    start = app.window.start_screen
    assert start is not None
    assert start.broken_list.isVisible()
    text = start.broken_list.item(0).text()
    assert "broken.toml" in text
    assert "has both reps and seconds" in text
    assert all(e.routine is not None for e in start.entries)


def test_a_bad_routine_option_shows_the_problem_instead_of_crashing(
    make_app: Callable[..., App], tmp_path: Path
) -> None:
    app = make_app(routine=str(tmp_path / "missing.toml"))
    start = app.window.start_screen
    assert start is not None
    assert start.banner.isVisible()
    assert "no such file" in start.banner.text()


def test_mood_keys_choose_and_toggle_the_mood(app: App) -> None:
    start = app.window.start_screen
    assert start is not None
    app.key("4")
    assert start.mood == 4 and start.mood_buttons[3].isChecked()
    app.key("4")
    assert start.mood is None


def test_space_starts_the_selected_routine_with_the_mood(app: App, services: AppServices) -> None:
    app.key("3")
    app.key(Qt.Key.Key_Space)
    assert app.window.current_screen() == "player"
    history = services.history
    assert history.sessions[0].mood_before == 3  # type: ignore[attr-defined]


def test_session_gate_can_refuse_a_start(app: App, services: AppServices) -> None:
    services.session_gate = lambda parent, routine: False
    app.key(Qt.Key.Key_Space)
    assert app.window.current_screen() == "start"


def test_start_controls_have_accessible_names_and_a_tab_order(app: App) -> None:
    from PySide6.QtWidgets import QAbstractButton

    start = app.window.start_screen
    assert start is not None
    assert all(b.accessibleName() for b in start.findChildren(QAbstractButton))
    assert start.routine_list.accessibleName() == "Routines"
    assert start.routine_list.nextInFocusChain() is not None
    assert start.start_button.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_a_missing_voice_engine_is_shown_with_its_fix(
    make_app: Callable[..., App], services: AppServices
) -> None:
    from companion.voice.base import CaptionsOnlySpeaker, VoiceStatus

    services.speaker = CaptionsOnlySpeaker(VoiceStatus.NO_ENGINE, "No voice engine found.",
                                           "Install espeak-ng.")
    app = make_app(routine=None)
    banner = app.window.voice_banner
    assert banner is not None and banner.isVisible()
    assert "No voice engine found." in banner.message.text()  # type: ignore[attr-defined]
    assert "Install espeak-ng." in banner.fix.text()  # type: ignore[attr-defined]
