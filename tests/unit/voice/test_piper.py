"""The natural voice on the real Piper (onnxruntime in its helper process, the packaged
voice): renders, the session voice track, voice checks at load, idle exit, and the fallback
when it stops working mid-session."""

from __future__ import annotations

import sys
import time
import wave
from pathlib import Path

import pytest

from companion.core.timeline import (
    CHECKIN_QUESTION,
    STOP_MESSAGE,
    TimelineOptions,
    compile_plan,
    flatten,
)
from companion.routines import RoutineLibrary
from companion.voice import audio
from companion.voice.base import VoiceSettings, VoiceStatus
from companion.voice.engines import PIPER, SYSTEM
from companion.voice.natural import PiperSynthesizer, PiperVoiceFile, check_voice_files
from companion.voice.render import render_session_wav
from companion.voice.speech_engines import SpeechEngines
from companion.voice.synth import Synthesizer
from tests.helpers.piper import copy_voice, packaged_voice, piper_cache, piper_synth
from tests.helpers.voice import speech_cache
from tests.unit.voice.test_render import _sounding_intervals, _window_rms

__all__ = ["packaged_voice", "piper_cache", "piper_synth", "speech_cache"]


def test_a_prompt_renders_to_natural_speech(piper_synth: PiperSynthesizer) -> None:
    path = piper_synth.render("Go. Breathe out on the effort.")
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, audio.RATE)
        seconds = w.getnframes() / w.getframerate()
    assert 1.0 < seconds < 4.0
    data = audio.read_wav(path)
    assert audio.peak(data) > 0.3 and audio.rms(data) > 0.03


def test_pace_is_piper_length_scale_and_part_of_the_cache_key(
    piper_synth: PiperSynthesizer
) -> None:
    text = "Breathe in slowly through your nose."
    own = piper_synth.render(text)
    slow = piper_synth.render(text, rate=160)  # length scale 1.6
    assert own != slow
    assert audio.duration(slow) > audio.duration(own) * 1.25
    assert piper_synth.cache_path(text) != Synthesizer(piper_synth.cache_dir.parent) \
        .cache_path(text)  # the engine is part of the key: never espeak-ng's file


@pytest.mark.slow
def test_quick_ten_voice_track_with_the_natural_voice(
    piper_synth: PiperSynthesizer, tmp_path: Path
) -> None:
    """As the espeak-ng voice track (test_render.py): as long as the session, speech at
    every spoken cue, nothing between them."""
    routine = RoutineLibrary(tmp_path / "routines").find("quick-ten").routine
    assert routine is not None
    out = tmp_path / "quick-ten-piper.wav"
    options = render_session_wav(routine, TimelineOptions(), out, synth=piper_synth)

    with wave.open(str(out), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, audio.RATE)
        seconds = w.getnframes() / w.getframerate()
    plan = compile_plan(routine, options)
    assert abs(seconds - plan.total_seconds) <= 1.0

    data = audio.read_wav(out)
    spoken = [c for c in flatten(plan) if c.speak]
    assert len(spoken) > 50
    for before, cue in zip([None, *spoken], spoken, strict=False):
        assert piper_synth.cached(cue.text) is not None, cue.text  # Piper's own files
        assert _window_rms(data, cue.t, cue.t + min(0.4, cue.duration)) > 0.01, cue.text
        if before is not None and before.text == CHECKIN_QUESTION:
            # a session waits for the check-in's answer before the rest begins; the preview
            # only leaves the question its estimated time, which Piper (whose pace varies a
            # little from render to render) can run past by a few tens of ms
            continue
        assert _window_rms(data, cue.t - 0.25, cue.t - 0.05) < 0.2, cue.text
    gaps = []
    end = 0.0
    for start, stop in _sounding_intervals(routine, options):
        if start - end >= 2.5:
            gaps.append((end, start))
        end = max(end, stop)
    assert len(gaps) >= 10
    for start, stop in gaps:
        assert _window_rms(data, start + 0.1, stop - 0.1) < 1e-4, (start, stop)


def test_a_voice_whose_model_does_not_load_fails_its_check_with_the_file_named(
    tmp_path: Path, packaged_voice: PiperVoiceFile
) -> None:
    model = copy_voice(packaged_voice, tmp_path / "voices", "garbled")
    model.unlink()  # not the packaged file itself (it may be a hard link)
    model.write_bytes(b"\x08\x07" + b"not an onnx model" * 100)
    voice = check_voice_files(model)  # the config alone is fine
    with PiperSynthesizer(tmp_path, voice, start_timeout=60) as synth:
        state = synth.start()
    assert state.status is VoiceStatus.NO_ENGINE
    assert "garbled.onnx" in state.message
    assert "is not a model onnxruntime can load" in state.message
    assert "companion[natural-voice]" in state.fix or "system voice" in state.fix


def test_the_helper_leaves_when_idle_and_comes_back_when_needed(
    tmp_path: Path, packaged_voice: PiperVoiceFile
) -> None:
    with PiperSynthesizer(tmp_path, packaged_voice, idle_exit=0.5) as synth:
        synth.render("Rest.")
        helper = synth._helper
        assert helper is not None
        deadline = time.monotonic() + 10
        while synth._helper is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert synth._helper is None and helper.proc.poll() is not None  # memory given back
        assert audio.duration(synth.render("Rest again.")) > 0.3  # and it comes back


def test_piper_failing_mid_session_hands_over_to_the_system_voice(
    tmp_path: Path, packaged_voice: PiperVoiceFile, speech_cache: Path
) -> None:
    """Prompts Piper rendered still play; new ones come from the system voice; said once."""
    piper = PiperSynthesizer(tmp_path, packaged_voice)
    engines = SpeechEngines(tmp_path, VoiceSettings(), None, system=Synthesizer(speech_cache),
                            piper_factory=lambda _v, _s: piper)
    try:
        assert engines.start(wait=True).status is VoiceStatus.OK
        assert engines.engine == PIPER
        before = engines.render("Well done.")
        # the helper dies and cannot start again (as if onnxruntime broke under it)
        piper._command = [sys.executable, "-c", "raise SystemExit(3)"]
        assert piper._helper is not None
        piper._helper.kill()
        after = engines.render("Session complete.")
        assert engines.engine == SYSTEM
        assert engines.notice.startswith("The natural voice could not start:")
        assert audio.peak(audio.read_wav(after)) > 0.1
        assert engines.cached("Well done.") == before  # Piper's file still plays
        assert engines.cached(STOP_MESSAGE) is not None
    finally:
        engines.close()


def test_the_system_engines_voice_and_rate_never_reach_piper(
    piper_synth: PiperSynthesizer
) -> None:
    """A speaker passes its settings' voice id and words per minute to its synthesizer:
    for Piper they are meaningless and must not replace its model and length scale."""
    model, rate = piper_synth.voice_id, piper_synth.rate
    piper_synth.configure("en-us", 165)
    assert (piper_synth.voice_id, piper_synth.rate) == (model, rate)


def test_the_app_process_never_loads_onnxruntime_or_a_voice(tmp_path: Path) -> None:
    """With Piper chosen, everything heavy lives in the helper process: the app itself
    imports neither Piper nor onnxruntime, even while it renders with them."""
    import subprocess

    from tests.conftest import ROOT

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from companion.voice.base import VoiceSettings\n"
        "from companion.voice.speech_engines import SpeechEngines\n"
        f"e = SpeechEngines(Path({str(tmp_path)!r}), VoiceSettings(engine='piper'), None)\n"
        "state = e.start(wait=True)\n"
        "assert e.engine == 'piper', (e.engine, e.notice)\n"
        "assert e.render('Rest now.').exists()\n"
        "e.close()\n"
        "heavy = {'onnxruntime', 'piper'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
