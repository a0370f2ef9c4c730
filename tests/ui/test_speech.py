"""The live speaker on the real engine and QtMultimedia (offscreen: no audio device, so
QMediaPlayer runs on its simulated clock; timing and interruption behave as with sound)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from companion.config import Paths
from companion.core.routine import Routine
from companion.core.timeline import (
    STOP_MESSAGE,
    Cue,
    CueKind,
    Priority,
    SessionPlan,
    TimelineOptions,
    Tone,
    Verbosity,
)
from companion.ui.adapters import speech
from companion.ui.adapters.speech import QtSpeaker
from companion.ui.adapters.speech_setup import available_voices, make_speaker
from companion.ui.screens.voice_banner import VoiceBanner
from companion.voice import policy
from companion.voice.base import CaptionsOnlySpeaker, SpeakerState, VoiceSettings, VoiceStatus
from companion.voice.synth import Synthesizer
from tests.helpers.voice import speech_cache, synth, tiny_routine

__all__ = ["speech_cache", "synth", "tiny_routine"]

LONG = "Bodyweight squats. Feet shoulder-width apart. Chest up, sit back. Ten reps."
SHORT = "Hold"


def _cue(text: str, priority: Priority = Priority.NORMAL, kind: CueKind = CueKind.INFO,
         **kw: Any) -> Cue:
    return Cue(0.0, kind, text, priority=priority, **kw)


@pytest.fixture
def speaker(qapp: Any, synth: Synthesizer) -> Iterator[QtSpeaker]:
    synth.prerender([LONG, SHORT, "3", "2", "Next up", STOP_MESSAGE])
    sp = QtSpeaker(synth, VoiceSettings(), audio_outputs=lambda: ["speakers"])
    yield sp
    sp.cancel()


def _started(qtbot: QtBot, sp: QtSpeaker, text: str) -> None:
    with qtbot.waitSignal(sp.signals.started, timeout=3000,
                          check_params_cb=lambda cue, _onset: cue.text == text):
        pass


def test_every_cue_is_captioned_at_once(speaker: QtSpeaker) -> None:
    seen: list[str] = []
    speaker.on_caption(lambda cue: seen.append(cue.text))
    speaker.say(_cue(LONG))
    speaker.say(_cue("Breathe in", kind=CueKind.BREATHE, speak=False, tone=Tone.BREATHE_IN))
    speaker.say(_cue(SHORT, Priority.TIMED))
    assert seen == [LONG, "Breathe in", SHORT]


def test_a_timed_cue_replaces_a_stale_announcement(qtbot: QtBot, speaker: QtSpeaker) -> None:
    speaker.say(_cue(LONG))
    speaker.say(_cue("Next up"))
    assert speaker.queued == 1
    _started(qtbot, speaker, LONG)
    with qtbot.waitSignal(speaker.signals.started, timeout=3000) as blocker:
        speaker.say(_cue("3", Priority.TIMED, CueKind.COUNTDOWN))
    assert blocker.args is not None and blocker.args[0].text == "3"
    assert speaker.queued == 0  # the stale queued announcement is gone too
    with qtbot.waitSignal(speaker.signals.idle, timeout=3000):
        pass
    assert not speaker.speaking  # the announcement did not come back after the "3"


def test_a_normal_cue_waits_for_the_one_playing(qtbot: QtBot, speaker: QtSpeaker) -> None:
    speaker.say(_cue(SHORT))
    speaker.say(_cue("Next up"))
    assert speaker.queued == 1
    _started(qtbot, speaker, SHORT)
    _started(qtbot, speaker, "Next up")


def test_a_normal_cue_that_waited_too_long_is_dropped(
    qtbot: QtBot, speaker: QtSpeaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policy, "MAX_QUEUE_WAIT", 0.05)
    started: list[str] = []
    speaker.signals.started.connect(lambda cue, _o: started.append(cue.text))
    speaker.say(_cue(SHORT))
    speaker.say(_cue("Next up"))
    with qtbot.waitSignal(speaker.signals.idle, timeout=3000):
        pass
    assert started == [SHORT]


def test_safety_cuts_off_speech_within_100_ms_and_empties_the_queue(
    qtbot: QtBot, speaker: QtSpeaker
) -> None:
    speaker.say(_cue(LONG))
    speaker.say(_cue("Next up"))
    _started(qtbot, speaker, LONG)
    t0 = time.perf_counter()
    speaker.say(_cue(STOP_MESSAGE, Priority.SAFETY, CueKind.SAFETY))
    assert speaker.stopped_at - t0 < 0.1
    assert speaker.queued == 0
    _started(qtbot, speaker, STOP_MESSAGE)
    speaker.say(_cue("2", Priority.TIMED, CueKind.COUNTDOWN))  # never over the safety message
    speaker.say(_cue(SHORT))
    assert speaker.queued == 0
    assert speaker.speaking


def test_cancel_silences_speech_and_queue(qtbot: QtBot, speaker: QtSpeaker) -> None:
    speaker.say(_cue(LONG))
    speaker.say(_cue(SHORT))
    _started(qtbot, speaker, LONG)
    speaker.cancel()
    assert not speaker.speaking
    assert speaker.queued == 0


def test_an_uncached_utterance_never_blocks_the_gui_thread(
    qtbot: QtBot, speaker: QtSpeaker, synth: Synthesizer
) -> None:
    text = f"A sentence nobody has rendered yet, number {time.time_ns()}."
    assert synth.cached(text) is None
    t0 = time.perf_counter()
    speaker.say(_cue(text))
    assert time.perf_counter() - t0 < 0.02
    _started(qtbot, speaker, text)
    assert synth.cached(text) is not None


def test_tones_only_mutes_words_but_still_speaks_the_check_in(speaker: QtSpeaker) -> None:
    speaker.apply(VoiceSettings(verbosity=Verbosity.TONES))
    speaker.say(_cue("3", Priority.TIMED, CueKind.COUNTDOWN))
    assert not speaker.speaking
    speaker.say(_cue(SHORT, kind=CueKind.CHECKIN))
    assert speaker.speaking


def test_volume_applies_at_once(qtbot: QtBot, speaker: QtSpeaker) -> None:
    speaker.apply(VoiceSettings(volume=0.3))

    def applied() -> None:  # player calls are queued (see QueuedPlayer): one event-loop turn
        assert speaker._speech.output.volume() == pytest.approx(0.3, abs=0.01)
        assert all(p.output.volume() == pytest.approx(0.3, abs=0.01)
                   for p in speaker._tones.values())

    qtbot.waitUntil(applied, timeout=500)


def test_preparing_a_plan_happens_off_the_gui_thread(
    qtbot: QtBot, speaker: QtSpeaker, tiny_routine: Routine, synth: Synthesizer
) -> None:
    plans: list[SessionPlan] = []
    t0 = time.perf_counter()
    speaker.prepare(tiny_routine, TimelineOptions(), plans.append)
    assert time.perf_counter() - t0 < 0.05
    qtbot.waitUntil(lambda: bool(plans), timeout=15000)
    first = plans[0].segments[0].cues[0]
    assert first.duration == pytest.approx(synth.duration(first.text))


def test_no_speech_engine_keeps_captions_and_explains_the_fix(
    qapp: Any, tmp_path: Path
) -> None:
    broken = Synthesizer(tmp_path, driver="no_such_driver")
    sp = make_speaker(Paths(tmp_path), synth=broken, audio_outputs=lambda: ["speakers"])
    states: list[SpeakerState] = []
    sp.on_state(states.append)
    seen: list[str] = []
    sp.on_caption(lambda cue: seen.append(cue.text))
    sp.say(_cue(STOP_MESSAGE, Priority.SAFETY, CueKind.SAFETY))
    assert seen == [STOP_MESSAGE]
    assert sp.state.status is VoiceStatus.NO_ENGINE
    assert "espeak-ng" in sp.state.fix
    assert states and states[-1].status is VoiceStatus.NO_ENGINE
    broken.close()


def test_engine_failure_mid_session_falls_back_to_captions(
    qtbot: QtBot, qapp: Any, speech_cache: Path
) -> None:
    own = Synthesizer(speech_cache)
    sp = QtSpeaker(own, audio_outputs=lambda: ["speakers"])
    states: list[SpeakerState] = []
    sp.on_state(states.append)
    seen: list[str] = []
    sp.on_caption(lambda cue: seen.append(cue.text))
    assert own.start().status is VoiceStatus.OK
    own.prerender([STOP_MESSAGE])  # as when the routine loaded
    own._command = [sys.executable, "-c", "raise SystemExit(3)"]  # the engine breaks...
    assert own._helper is not None
    own._helper.kill()
    text = f"Something new to say, {time.time_ns()}."
    sp.say(_cue(text))  # ...while a new utterance is being rendered
    qtbot.waitUntil(lambda: sp.state.status is VoiceStatus.NO_ENGINE, timeout=15000)
    assert states[-1].status is VoiceStatus.NO_ENGINE
    sp.say(_cue(f"Another new sentence, {time.time_ns()}."))
    assert not sp.speaking  # nothing can render it: caption only
    sp.say(_cue(STOP_MESSAGE, Priority.SAFETY, CueKind.SAFETY))
    assert seen[0] == text and seen[-1] == STOP_MESSAGE  # safety still shows...
    assert sp.speaking  # ...and, pre-rendered, is still spoken
    sp.close()


def test_no_audio_device_is_reported_and_recovers_when_one_appears(
    qapp: Any, synth: Synthesizer, tmp_path: Path
) -> None:
    outputs: list[str] = []
    sp = make_speaker(Paths(tmp_path), synth=synth, audio_outputs=lambda: list(outputs))
    assert isinstance(sp, QtSpeaker)
    assert sp.state.status is VoiceStatus.NO_AUDIO
    assert "headphones" in sp.state.fix
    seen: list[str] = []
    sp.on_caption(lambda cue: seen.append(cue.text))
    sp.say(_cue(SHORT))
    assert seen == [SHORT]
    outputs.append("headphones")
    sp._on_devices_changed()
    assert sp.state.status is VoiceStatus.OK
    sp.cancel()


def test_without_qtmultimedia_the_speaker_is_captions_only(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as in a fresh process whose PySide6 has no QtMultimedia: companion.qt.multimedia runs
    # again and turns the ImportError into QtUnavailable (an ImportError too)
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)
    monkeypatch.delitem(sys.modules, "companion.qt.multimedia", raising=False)
    sp = make_speaker(Paths(tmp_path))
    assert isinstance(sp, CaptionsOnlySpeaker)
    assert sp.state.status is VoiceStatus.NO_AUDIO
    assert "libpulse0" in sp.state.fix


def test_a_player_that_never_ends_does_not_stall_the_queue(
    qtbot: QtBot, speaker: QtSpeaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(speech, "WATCHDOG_SLACK", 0.05)
    monkeypatch.setattr(speaker._speech, "play", lambda path: None)  # a backend that hangs
    speaker.say(_cue(SHORT))
    speaker.say(_cue("Next up"))
    with qtbot.waitSignal(speaker.signals.idle, timeout=5000):
        pass
    assert not speaker.speaking
    assert speaker.queued == 0


def test_the_banner_shows_what_is_missing_and_the_fix(qtbot: QtBot, tmp_path: Path) -> None:
    banner = VoiceBanner()
    qtbot.addWidget(banner)
    speaker = CaptionsOnlySpeaker(VoiceStatus.NO_ENGINE, "No speech engine could start.",
                                  "Install espeak-ng: sudo apt-get install espeak-ng")
    banner.follow(speaker)
    banner.resize(520, banner.sizeHint().height())
    banner.show()
    assert banner.isVisible()
    assert "sudo apt-get install espeak-ng" in banner.fix.text()
    banner.grab().save(str(tmp_path / "voice-banner.png"))
    banner.show_state(SpeakerState())
    assert not banner.isVisible()


def test_settings_can_list_voices_by_name_and_language(speaker: QtSpeaker) -> None:
    voices = available_voices(speaker)
    assert any(v.language.startswith("en") for v in voices)
    assert available_voices(CaptionsOnlySpeaker()) == []


def test_a_cancelled_prompt_lets_the_microphone_hear_again(qtbot: QtBot,
                                                           speaker: QtSpeaker) -> None:
    """Issue 12: pausing while the voice spoke left the listener muted for the whole pause
    ("stop" and "resume" went unheard): cancel must say the speaker is idle."""
    from companion.ui.adapters.listening import VoiceInput

    class Ear:
        speaking = False

        def set_speaking(self, speaking: bool) -> None:
            self.speaking = speaking

    ear = Ear()
    voice = VoiceInput(True, listener=ear)
    voice.connect_speaker(speaker)
    speaker.say(_cue(LONG))
    _started(qtbot, speaker, LONG)
    assert ear.speaking
    with qtbot.waitSignal(speaker.signals.idle, timeout=1000):
        speaker.cancel()
    assert not ear.speaking
    with qtbot.assertNotEmitted(speaker.signals.idle, wait=100):
        speaker.cancel()  # nothing was playing: nothing to announce


def test_a_speech_cache_that_cannot_be_written_falls_back_to_a_private_temporary_folder(
    tmp_path: Path,
) -> None:
    """A read-only data folder must not silence the voice: the prompts are rendered to a
    temporary folder instead (seen by a tester: a read-only mount left no voice at all)."""
    from companion.config import Paths
    from companion.ui.adapters.speech_setup import speech_cache_dir

    blocked = tmp_path / "data"
    blocked.mkdir()
    (blocked / "cache").write_text("a file where the cache folder should be")  # any user
    chosen = speech_cache_dir(Paths(blocked))
    assert chosen != Paths(blocked).cache_dir
    probe = chosen / "speech" / "probe.wav"
    probe.parent.mkdir(parents=True, exist_ok=True)
    probe.write_bytes(b"RIFF")
    ok = tmp_path / "fine"
    assert speech_cache_dir(Paths(ok)) == Paths(ok).cache_dir
