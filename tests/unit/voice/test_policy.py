from __future__ import annotations

from companion.core.breathing import Phase
from companion.core.events import CancelSpeech, CueDue
from companion.core.timeline import Cue, CueKind, Priority, Tone, Verbosity
from companion.voice.base import RecordingSpeaker, VoiceSettings, speech_listener
from companion.voice.policy import audible

FULL = VoiceSettings()
TONES = VoiceSettings(verbosity=Verbosity.TONES)


def test_tones_only_turns_a_spoken_countdown_into_a_tick() -> None:
    cue = Cue(0, CueKind.COUNTDOWN, "3", priority=Priority.TIMED)
    assert audible(cue, FULL).speak
    heard = audible(cue, TONES)
    assert not heard.speak
    assert heard.tone is Tone.TICK


def test_tones_only_plays_the_breathing_phase_tone() -> None:
    cue = Cue(0, CueKind.BREATHE, "Breathe out", phase=Phase.OUT, priority=Priority.TIMED)
    assert audible(cue, TONES).tone is Tone.BREATHE_OUT


def test_safety_and_check_in_are_always_spoken() -> None:
    for kind in (CueKind.SAFETY, CueKind.CHECKIN, CueKind.END):
        assert audible(Cue(0, kind, "Stop."), TONES).speak


def test_brief_drops_the_down_half_of_a_rep_but_keeps_the_count() -> None:
    brief = VoiceSettings(verbosity=Verbosity.BRIEF)
    assert not audible(Cue(0, CueKind.REP, "Down"), brief).speak
    assert audible(Cue(0, CueKind.REP, "Up, 3", rep=3), brief).speak


def test_tones_off_silences_every_tone() -> None:
    cue = Cue(0, CueKind.GO, "Go.", tone=Tone.GO)
    assert audible(cue, VoiceSettings(tones=False)).tone is None
    assert audible(cue, VoiceSettings(tones=False)).speak


def test_the_engine_listener_says_cues_and_cancels_speech() -> None:
    speaker = RecordingSpeaker()
    listen = speech_listener(speaker)
    listen(CueDue(1.0, Cue(1.0, CueKind.GO, "Go.")))
    listen(CancelSpeech(2.0))
    assert speaker.log == ["say:go:Go.", "cancel"]
