from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from companion.core.routine import Routine
from companion.core.timeline import Cue, TimelineOptions, compile_plan, flatten
from companion.routines import RoutineLibrary
from companion.voice import audio
from companion.voice.base import VoiceSettings
from companion.voice.policy import audible
from companion.voice.render import render_session_wav
from companion.voice.synth import Synthesizer
from tests.helpers.voice import speech_cache, synth, tiny_routine

__all__ = ["speech_cache", "synth", "tiny_routine"]


def _window_rms(data: audio.Samples, start: float, end: float) -> float:
    return audio.rms(data[int(start * audio.RATE):int(end * audio.RATE)])


def _sounding_intervals(routine: Routine, options: TimelineOptions) -> list[tuple[float, float]]:
    """Where the file should have sound: each spoken cue and each tone, by its length."""
    tone_len = {}
    spans = []
    for cue in flatten(compile_plan(routine, options)):
        heard = audible(cue, VoiceSettings())
        if heard.speak:
            spans.append((cue.t, cue.t + cue.duration))
        if heard.tone is not None:
            if heard.tone not in tone_len:
                tone_len[heard.tone] = audio.duration(audio.tone_path(heard.tone))
            spans.append((cue.t, cue.t + tone_len[heard.tone]))
    return sorted(spans)


def render_quick_ten(synth: Synthesizer, out: Path
                     ) -> tuple[Routine, TimelineOptions, audio.Samples, list[Cue]]:
    """The quick-ten session's voice track rendered to `out` with `synth`, checked to be a
    mono 16-bit file at audio.RATE as long as the session (within 1 s) with over 50 spoken
    cues: (routine, options, samples, spoken cues)."""
    routine = RoutineLibrary(out.parent / "routines").find("quick-ten").routine
    assert routine is not None
    options = render_session_wav(routine, TimelineOptions(), out, synth=synth)

    with wave.open(str(out), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, audio.RATE)
        seconds = w.getnframes() / w.getframerate()
    plan = compile_plan(routine, options)
    assert abs(seconds - plan.total_seconds) <= 1.0

    data = audio.read_wav(out)
    spoken = [c for c in flatten(plan) if c.speak]
    assert len(spoken) > 50
    return routine, options, data, spoken


def assert_quiet_between(data: audio.Samples, routine: Routine,
                         options: TimelineOptions) -> None:
    """At least 10 stretches of 2.5 s or more with no cue or tone (the rests' tone-only
    breathing), and nothing sounds in them."""
    gaps = []
    end = 0.0
    for start, stop in _sounding_intervals(routine, options):
        if start - end >= 2.5:
            gaps.append((end, start))
        end = max(end, stop)
    assert len(gaps) >= 10
    for start, stop in gaps:
        assert _window_rms(data, start + 0.1, stop - 0.1) < 1e-4, (start, stop)


def test_quick_ten_renders_as_long_as_the_session_with_speech_at_cue_times(
    synth: Synthesizer, tmp_path: Path
) -> None:
    routine, options, data, spoken = render_quick_ten(synth, tmp_path / "quick-ten.wav")
    for cue in spoken:  # speech sits at its cue's time...
        assert _window_rms(data, cue.t, cue.t + min(0.4, cue.duration)) > 0.01, cue.text
        assert _window_rms(data, cue.t - 0.25, cue.t - 0.05) < 0.2, cue.text
    assert_quiet_between(data, routine, options)  # ...and nothing sounds in between


def test_tones_off_and_volume_shape_the_rendered_file(
    synth: Synthesizer, tiny_routine: Routine, tmp_path: Path
) -> None:
    loud, quiet = tmp_path / "loud.wav", tmp_path / "quiet.wav"
    render_session_wav(tiny_routine, TimelineOptions(), loud, synth=synth)
    render_session_wav(tiny_routine, TimelineOptions(), quiet, synth=synth,
                       settings=VoiceSettings(volume=0.5, tones=False))
    a, b = audio.read_wav(loud), audio.read_wav(quiet)
    assert len(a) == len(b)
    assert audio.rms(b) < audio.rms(a) * 0.6
    assert np.max(np.abs(b)) <= 0.5 + 1e-3
