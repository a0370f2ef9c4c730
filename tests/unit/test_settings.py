"""Settings: defaults, round trip, and a broken file that never stops the app."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.core.timeline import Verbosity
from companion.localtime import next_reminder, week_start
from companion.settings import (
    LENGTH_SCALE_RANGE,
    REST_PATTERNS,
    Reminders,
    Settings,
    load_settings,
    save_settings,
    setting_max_length,
    setting_range,
    settings_from_json,
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


def test_speech_engine_settings_round_trip_and_bad_values_fall_back(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    chosen = Settings(engine="piper", piper_voice="/voices/mine.onnx", piper_length_scale=1.25)
    save_settings(chosen, path)
    assert load_settings(path) == (chosen, [])
    voice = chosen.voice_settings()
    assert (voice.engine, voice.piper_voice, voice.length_scale) == (
        "piper", "/voices/mine.onnx", 1.25)
    path.write_text(json.dumps({"engine": "neural", "piper_length_scale": 9,
                                "piper_voice": 3}), encoding="utf-8")
    settings, problems = load_settings(path)
    assert (settings.engine, settings.piper_length_scale, settings.piper_voice) == (
        "auto", 1.0, "")
    assert len([p for p in problems if p.endswith("using the default")]) == 3
    assert any("engine 'neural' is not one of auto, piper, system" in p for p in problems)
    assert any("piper_length_scale must be from 0.5 to 2, not 9" in p for p in problems)


#: What the person reads for each kind of bad value (the model's constraints in plain words).
BAD_VALUES = [
    ("rate", "fast", "rate must be a whole number, not 'fast'"),
    ("rate", True, "rate must be a whole number, not True"),
    ("rate", 165.0, "rate must be a whole number, not 165.0"),
    ("rate", 999, "rate must be between 80 and 300, not 999"),
    ("weekly_goal", 0, "weekly_goal must be between 1 and 14, not 0"),
    ("volume", "loud", "volume must be a number from 0 to 1, not 'loud'"),
    ("volume", 1.5, "volume must be from 0 to 1, not 1.5"),
    ("volume", float("nan"), "volume must be from 0 to 1, not nan"),
    ("tones", 1, "tones must be true or false, not 1"),
    ("voice_id", 7, "voice_id must be text, not 7"),
    ("emergency_text", "x" * 201, "emergency_text is too long (at most 200 characters)"),
    ("emergency_text", "  ", "emergency_text must not be empty"),
    ("rest_breathing", "4-7-8", "rest_breathing '4-7-8' is not one of coherent, "
                                "extended_exhale, box"),
    ("breathing_pattern", [1], "breathing_pattern [1] is not one of coherent, "
                               "extended_exhale, box, 4-7-8"),
    ("verbosity", "loud", "verbosity 'loud' is not one of full, brief, tones"),
    ("announce_prompts", None, "announce_prompts None is not one of off, when_voice_off, "
                               "always"),
    ("engine", 3, "engine 3 is not one of auto, piper, system"),
    ("piper_length_scale", 9, "piper_length_scale must be from 0.5 to 2, not 9"),
    ("reminders", {"time": "25:99"}, 'reminders.time must be a time like "18:00", not '
                                     "'25:99'"),
    ("reminders", {"days": [7]}, "reminders.days must be a list of weekdays 0-6 (0 = Monday), "
                                 "not [7]"),
    ("reminders", {"enabled": "yes"}, "reminders.enabled must be true or false, not 'yes'"),
    ("reminders", [], "reminders must be an object"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_VALUES)
def test_each_bad_value_is_named_in_plain_words_and_the_default_used(
        key: str, value: object, message: str) -> None:
    settings, problems = settings_from_json({key: value, "weekly_goal": 5}
                                            if key != "weekly_goal" else {key: value})
    assert problems == [f"settings: {message}; using the default"]
    default = Settings()
    assert getattr(settings, key) == getattr(default, key)
    assert settings.weekly_goal == (5 if key != "weekly_goal" else default.weekly_goal)


SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
#: Any JSON value two levels deep (enough to put a list or an object where a value belongs).
JSON = SCALAR | st.lists(SCALAR, max_size=3) | st.dictionaries(
    st.text(max_size=8), SCALAR | st.lists(SCALAR, max_size=2), max_size=3)
KEYS = st.sampled_from([*(f.name for f in fields(Settings)), "version", "colour"])
REMINDERS = st.fixed_dictionaries({}, optional={
    "enabled": JSON | st.booleans(), "days": JSON | st.lists(st.integers(-1, 7), max_size=8),
    "time": JSON | st.sampled_from(["18:00", "7:05", "24:00", "12:60", "noon"])})


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(KEYS, JSON, max_size=8), REMINDERS)
def test_any_damaged_settings_file_gives_valid_settings_and_keeps_the_file(
        tmp_path: Path, data: dict[str, object], reminders: dict[str, object]) -> None:
    """Any JSON in any setting: no traceback, every other setting kept, the file kept."""
    if "reminders" not in data:
        data["reminders"] = reminders
    path = tmp_path / "settings.json"
    for old in tmp_path.glob("settings.json*"):
        old.unlink()
    raw = json.dumps(data).encode()
    path.write_bytes(raw)
    settings, problems = load_settings(path)
    assert path.read_bytes() == raw  # reading never rewrites it
    assert isinstance(settings, Settings)
    save_settings(settings, path)  # every value it holds is valid: it saves and comes back
    assert load_settings(path) == (settings, [])
    if problems:
        assert problems[-1].startswith("Your file as it was is kept as ")
        (copy,) = tmp_path.glob("settings.json.damaged-*")
        assert copy.read_bytes() == raw


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_any_bytes_give_the_defaults_or_settings_and_a_message_never_a_traceback(
        tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(raw)
    settings, problems = load_settings(path)
    assert isinstance(settings, Settings)
    assert all(isinstance(p, str) and p for p in problems)
    assert path.read_bytes() == raw


def test_the_editors_limits_are_the_models() -> None:
    assert setting_range("rate") == (80, 300)
    assert setting_range("weekly_goal") == (1, 14)
    assert setting_range("rest_seconds") == (0, 600)
    assert setting_range("piper_length_scale") == LENGTH_SCALE_RANGE
    assert setting_max_length("emergency_text") == 200
    lo, hi = setting_range("rate")
    assert settings_from_json({"rate": hi})[1] == []
    assert settings_from_json({"rate": hi + 1})[1]
    assert settings_from_json({"rate": lo - 1})[1]


def test_a_file_from_a_newer_version_says_so_and_is_kept_before_a_save(tmp_path: Path) -> None:
    """A tester's settings.json with "version": 99 loaded silently; a save would then drop
    what the newer version wrote. It says so, and the file is kept beside itself."""
    path = tmp_path / "settings.json"
    raw = json.dumps({"version": 99, "rate": 150, "posture_cues": "gentle"}).encode()
    path.write_bytes(raw)
    settings_read, problems = load_settings(path)
    assert settings_read.rate == 150
    assert "written by a newer version of Companion" in problems[0]
    assert "settings version 99" in problems[0]
    (copy,) = tmp_path.glob("settings.json.damaged-*")
    assert copy.read_bytes() == raw
    path.write_bytes(json.dumps({"version": 1, "rate": 150}).encode())
    assert load_settings(path) == (settings_read, [])
