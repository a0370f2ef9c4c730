"""Settings: defaults, round trip, and a broken file that never stops the app."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from companion.core.timeline import Verbosity
from companion.settings import (
    REST_PATTERNS,
    Reminders,
    Settings,
    load_settings,
    next_reminder,
    save_settings,
    week_start,
)


def test_first_run_uses_the_defaults(tmp_path: Path) -> None:
    settings, problems = load_settings(tmp_path / "settings.json")
    assert settings == Settings()
    assert problems == []
    assert settings.weekly_goal == 2


def test_saved_settings_come_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    chosen = Settings(rate=200, volume=0.5, tones=False, rest_breathing="box",
                      verbosity=Verbosity.BRIEF, weekly_goal=3, rest_seconds=90,
                      emergency_text="999", reminders=Reminders(True, (1, 4), "07:30"))
    save_settings(chosen, path)
    assert load_settings(path) == (chosen, [])


def test_a_file_that_is_not_json_gives_defaults_and_one_message(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{ not json", encoding="utf-8")
    settings, problems = load_settings(path)
    assert settings == Settings()
    assert len(problems) == 2 and "not valid JSON" in problems[0]
    assert "kept as" in problems[1]


def test_one_bad_field_keeps_the_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"rate": "fast", "weekly_goal": 4, "rest_breathing": "4-7-8",
                                "reminders": {"time": "25:99", "days": [2]}, "colour": 1}),
                    encoding="utf-8")
    settings, problems = load_settings(path)
    assert settings.weekly_goal == 4
    assert settings.rate == Settings().rate
    assert settings.rest_breathing == Settings().rest_breathing
    assert settings.reminders.days == (2,)
    assert settings.reminders.time == "18:00"
    text = "\n".join(problems)
    for words in ("rate", "rest_breathing", "reminders.time", "unknown setting 'colour'"):
        assert words in text


def test_four_seven_eight_is_never_offered_for_rests() -> None:
    assert "4-7-8" not in REST_PATTERNS
    assert "extended_exhale" in REST_PATTERNS


def test_settings_shape_the_voice_and_the_timeline() -> None:
    s = Settings(rate=140, verbosity=Verbosity.TONES, rest_breathing="coherent")
    assert s.voice_settings().rate == 140
    assert s.voice_settings().verbosity is Verbosity.TONES
    options = s.timeline_options()
    assert options.verbosity is Verbosity.TONES and options.rest_pattern == "coherent"


def test_next_reminder_is_the_next_chosen_day_and_time() -> None:
    monday_noon = dt.datetime(2026, 11, 23, 12, 0)
    rem = Reminders(True, (0, 3), "18:00")
    assert next_reminder(monday_noon, rem) == dt.datetime(2026, 11, 23, 18, 0)
    assert next_reminder(dt.datetime(2026, 11, 23, 18, 0), rem) == dt.datetime(2026, 11, 26, 18, 0)
    assert next_reminder(monday_noon, Reminders(False, (0,), "18:00")) is None


def test_weeks_start_on_monday() -> None:
    assert week_start(dt.datetime(2026, 11, 26, 9, 30)) == dt.datetime(2026, 11, 23)


def test_the_settings_model_imports_no_qt() -> None:
    import subprocess
    import sys

    code = "import sys, companion.settings; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
