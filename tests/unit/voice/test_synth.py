from __future__ import annotations

import os
import sys
import time
import wave
from pathlib import Path

import pytest

from companion.core.routine import Routine
from companion.core.timeline import STOP_MESSAGE, TimelineOptions, estimate_speech, flatten
from companion.voice import audio
from companion.voice.base import VoiceStatus
from companion.voice.helper_process import EngineUnavailable, install_hint
from companion.voice.synth import Synthesizer
from tests.helpers.voice import speech_cache, synth, tiny_routine

__all__ = ["speech_cache", "synth", "tiny_routine"]


def test_an_utterance_renders_to_a_wav_with_audible_speech(synth: Synthesizer) -> None:
    path = synth.render("Go. Breathe out on the effort.")
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1
        assert w.getsampwidth() == 2
        assert w.getframerate() == audio.RATE
        seconds = w.getnframes() / w.getframerate()
    assert 0.8 < seconds < 4.0
    data = audio.read_wav(path)
    assert audio.peak(data) > 0.1
    assert audio.rms(data) > 0.02


def test_a_cached_utterance_needs_no_engine(synth: Synthesizer, speech_cache: Path) -> None:
    first = synth.render("Rest for thirty seconds.")
    stamp = first.stat().st_mtime_ns
    broken = Synthesizer(speech_cache, command=[sys.executable, "-c", "raise SystemExit(3)"])
    try:
        again = broken.render("Rest for thirty seconds.")
    finally:
        broken.close()
    assert again == first
    assert again.stat().st_mtime_ns == stamp


def test_duration_is_the_rendered_length(synth: Synthesizer) -> None:
    short = synth.duration("Hold")
    long = synth.duration("Lie on your back, knees bent, feet flat, then lift your hips slowly.")
    assert 0.2 < short < 1.5
    assert long > short + 2.0
    assert long == pytest.approx(audio.duration(synth.render(
        "Lie on your back, knees bent, feet flat, then lift your hips slowly.")))
    assert synth.duration("   ") == 0.0


def test_a_slower_rate_renders_a_different_longer_file(synth: Synthesizer) -> None:
    text = "Breathe in slowly through your nose."
    fast = synth.render(text, rate=200)
    slow = synth.render(text, rate=120)
    assert fast != slow
    assert audio.duration(slow) > audio.duration(fast) * 1.3


def test_preparing_a_plan_renders_every_spoken_cue_with_real_lengths(
    synth: Synthesizer, tiny_routine: Routine
) -> None:
    plan = synth.prepare_plan(tiny_routine, TimelineOptions())
    spoken = [c for c in flatten(plan) if c.speak]
    assert spoken
    for cue in spoken:
        path = synth.cached(cue.text)
        assert path is not None, cue.text
        assert cue.duration == pytest.approx(audio.duration(path))
    assert synth.cached(STOP_MESSAGE) is not None  # safety must never wait for the engine


def test_voices_are_listed_by_readable_name_and_language(synth: Synthesizer) -> None:
    voices = synth.voices()
    english = [v for v in voices if v.language.startswith("en")]
    assert english
    assert all(v.name and v.id for v in voices)
    assert any("English" in v.label for v in english)


def test_a_missing_engine_reports_no_engine_with_the_install_command(tmp_path: Path) -> None:
    broken = Synthesizer(tmp_path, driver="no_such_driver")
    try:
        state = broken.start()
        assert state.status is VoiceStatus.NO_ENGINE
        assert "No speech engine could start" in state.message
        assert "espeak-ng" in state.fix
        with pytest.raises(EngineUnavailable):
            broken.render("Hello")
        # a plan can still be compiled: lengths fall back to the estimate
        assert broken.duration("Three slow breaths") == estimate_speech("Three slow breaths")
        assert broken.voices() == []
    finally:
        broken.close()


def test_a_helper_that_stops_answering_is_killed_by_the_watchdog(tmp_path: Path) -> None:
    hang = ("import sys, time; print('{\"ok\": true, \"ready\": true}', flush=True); "
            "sys.stdin.readline(); time.sleep(60)")
    stuck = Synthesizer(tmp_path, command=[sys.executable, "-c", hang], render_timeout=0.4)
    try:
        start = time.monotonic()
        with pytest.raises(EngineUnavailable):
            stuck.render("Hello")
        assert time.monotonic() - start < 10.0
        assert stuck.state.status is VoiceStatus.NO_ENGINE
        assert "stopped working" in stuck.state.message
    finally:
        stuck.close()


@pytest.mark.parametrize(
    ("system", "release", "expected"),
    [
        ("Linux", {"ID": "debian"}, "sudo apt-get install espeak-ng"),
        ("Linux", {"ID": "ubuntu", "ID_LIKE": "debian"}, "sudo apt-get install espeak-ng"),
        ("Linux", {"ID": "fedora"}, "sudo dnf install espeak-ng"),
        ("Linux", {"ID": "arch"}, "sudo pacman -S espeak-ng"),
        ("Windows", {}, "Settings > Time & language > Speech"),
        ("Darwin", {}, "Spoken Content"),
    ],
)
def test_the_fix_names_the_platforms_install_step(
    system: str, release: dict[str, str], expected: str
) -> None:
    assert expected in install_hint(system, release)


def test_quick_duration_never_waits_for_the_engine(synth: Synthesizer) -> None:
    text = f"A lengthened rest, planned mid-session, number {time.time_ns()}."
    start = time.perf_counter()
    first = synth.quick_duration(text)
    assert time.perf_counter() - start < 0.02
    assert first == estimate_speech(text)
    real = synth.duration(text)  # the background render lands in the cache
    assert synth.quick_duration(text) == pytest.approx(real)


def test_a_prepared_plan_replans_without_blocking(
    synth: Synthesizer, tiny_routine: Routine
) -> None:
    plan = synth.prepare_plan(tiny_routine, TimelineOptions())
    assert plan.options.speech_duration == synth.quick_duration


def test_the_cache_keeps_the_newest_files(tmp_path: Path) -> None:
    synth = Synthesizer(tmp_path)
    synth.cache_dir.mkdir(parents=True)
    for i in range(5):
        path = synth.cache_dir / f"{i}.wav"
        path.write_bytes(b"RIFF")
        os.utime(path, (1000 + i, 1000 + i))
    assert synth.cache.prune(max_files=3) == 2
    assert sorted(p.name for p in synth.cache_dir.iterdir()) == ["2.wav", "3.wav", "4.wav"]
    synth.close()
