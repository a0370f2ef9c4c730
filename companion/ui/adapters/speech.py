"""The real `Speaker`: pre-rendered WAVs played with QtMultimedia, so a stop is a real stop.

pyttsx3 cannot be interrupted (its `stop()` can deadlock, nateshmbhat/pyttsx3 #402), so it
only renders files (companion/voice/synth.py, on its own worker) and playback belongs to a
`QMediaPlayer` (companion/ui/adapters/media_player.py). Rules, from
companion/core/timeline.py `Priority`, in companion/voice/policy.py `speech_turn` (the
session renderer follows the same):
- every cue is captioned at once, whatever happens to its sound;
- NORMAL waits for the utterance playing, at most MAX_QUEUE_WAIT, then it is dropped;
- TIMED replaces a stale queued or playing cue (a countdown never lags behind a sentence);
- SAFETY stops everything (speech and tones) at once, empties the queue, then speaks.
An utterance not yet rendered is requested from the synthesizer's worker; the file comes
back through a queued signal, so the GUI thread never waits on the engine.
Its parts: rendering ahead (speech_ahead.py), its signals (speech_signals.py); setting it
up (`make_speaker`, the cache folder, the voices for Settings) is speech_setup.py.

The synthesizer is `companion.voice.speech_engines.SpeechEngines` (the system engine or the
natural voice, Piper, with the fallback between them) or any object with `Synthesizer`'s
interface.
A natural voice renders slower than espeak-ng, so a routine's prompts are rendered ahead:
when it is selected (`warm`) and before its session starts (`prepare`, with progress).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from companion.core.timeline import Cue, Priority, Tone
from companion.qt.core import QObject, QTimer
from companion.ui.adapters.media_player import QueuedPlayer
from companion.ui.adapters.speech_ahead import AheadRendering
from companion.ui.adapters.speech_signals import SpeakerSignals
from companion.voice import audio, policy
from companion.voice.base import (
    CaptionListener,
    SpeakerState,
    StateListener,
    VoiceSettings,
    VoiceStatus,
)
from companion.voice.policy import Turn, audible, speech_turn
from companion.voice.speech_engines import SpeechEngines
from companion.voice.synth import Synthesizer

log = logging.getLogger(__name__)


TIMED_STALE = 0.75  # a TIMED cue whose file arrives later than this is not played
WATCHDOG_SLACK = 3.0  # an utterance not ended this long after its length is given up on

NO_AUDIO_MESSAGE = "No audio output device was found, so prompts show as captions only."
NO_AUDIO_FIX = ("Connect speakers or headphones, or check your sound settings "
                "(on Linux, check that PulseAudio or PipeWire is running: pactl info).")


@dataclass
class _Item:
    cue: Cue
    due: float  # perf_counter when say() was called
    token: int
    path: Path | None = None
    playing: bool = False  # PlayingState seen: only then does EndOfMedia belong to it


class QtSpeaker(AheadRendering):
    """Implements `companion.voice.base.Speaker` on the GUI thread (see module doc)."""

    def __init__(
        self,
        synth: Synthesizer | SpeechEngines | None,
        settings: VoiceSettings | None = None,
        *,
        audio_outputs: Callable[[], list[Any]] | None = None,
        parent: QObject | None = None,
    ) -> None:
        from companion.qt.multimedia import QMediaDevices

        self._signals = SpeakerSignals(parent)
        self._signals.rendered.connect(self._on_rendered)
        self._signals.engine_changed.connect(self._refresh_state)
        self._signals.sample_rendered.connect(self._on_sample)
        self.synth = synth
        self.settings = settings or VoiceSettings()
        self._audio_outputs = audio_outputs or QMediaDevices.audioOutputs
        self._devices = QMediaDevices(self._signals)
        self._devices.audioOutputsChanged.connect(self._on_devices_changed)
        self._captions: list[CaptionListener] = []
        self._state_listeners: list[StateListener] = []
        self._queue: list[_Item] = []
        self._current: _Item | None = None
        self._token = 0
        self._init_ahead()
        self._sample_token = 0
        self._sample_reports: dict[int, Callable[[str], None]] = {}
        self._sample_player: QueuedPlayer | None = None
        self.state = SpeakerState()
        # for the bench and tests: perf_counter when speech was last cut off
        self.stopped_at = 0.0
        self._speech = QueuedPlayer(self._signals, self._on_status, self._on_error,
                               self._on_playing)
        # if a player never reports the end (a broken backend), the queue must not stall
        self._watchdog = QTimer(self._signals)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_watchdog)
        self._tones: dict[Tone, QueuedPlayer] = {}
        for tone in Tone:
            player = QueuedPlayer(self._signals, None, self._on_tone_error, None)
            player.load(audio.tone_path(tone))
            self._tones[tone] = player
        if isinstance(synth, SpeechEngines):
            synth.on_change(self._signals.engine_changed.emit)  # from any thread: queued
        if synth is not None:
            synth.configure(self.settings.voice_id, self.settings.rate)
        self._apply_volume()
        self._refresh_state()

    # -- the Speaker protocol -----------------------------------------------------------------
    def say(self, cue: Cue) -> None:
        """Caption now; then tone now and speech by the priority rules."""
        for listener in list(self._captions):
            try:
                listener(cue)
            except Exception:  # a broken caption view must not silence the session
                log.exception("caption listener failed")
        now = time.perf_counter()
        if cue.priority is Priority.SAFETY:
            self._stop_all()
        heard = audible(cue, self.settings)
        if heard.tone is not None:
            self._tones[heard.tone].restart()
        if not heard.speak or not self._can_speak(cue.text):
            return
        self._token += 1
        item = _Item(cue, now, self._token)
        playing = None if self._current is None else self._current.cue.priority
        turn = speech_turn(cue.priority, playing)
        if turn is Turn.DROP:
            log.info("not speaking %r over a safety message", cue.text)
            return
        if turn is Turn.WAIT:
            self._queue.append(item)
            return
        if turn is Turn.CUT_IN:
            log.debug("%r replaces a stale cue", cue.text)
            self._queue.clear()
        self._start(item)

    def cancel(self) -> None:
        """Cut off speech and tones at once and forget the queue (stop, skip, safety).
        Emits `idle` when something was playing or queued: whoever stopped listening while
        the app spoke (the microphone) must hear again now (a pause while a prompt plays)."""
        busy = self._current is not None or bool(self._queue)
        self._stop_all()
        if busy:
            self._signals.idle.emit()

    def apply(self, settings: VoiceSettings) -> None:
        old, self.settings = self.settings, settings
        self._apply_volume()
        if not settings.tones:
            for player in self._tones.values():
                player.stop()
        if isinstance(self.synth, SpeechEngines):
            if self.synth.apply_settings(settings) and self._prerender_texts:
                self.prerender(self._prerender_texts)
        elif self.synth is not None and (old.voice_id, old.rate) != (settings.voice_id,
                                                                     settings.rate):
            self.synth.configure(settings.voice_id, settings.rate)
            if self._prerender_texts:
                self.prerender(self._prerender_texts)

    def on_caption(self, listener: CaptionListener) -> None:
        self._captions.append(listener)

    def on_state(self, listener: StateListener) -> None:
        self._state_listeners.append(listener)
        listener(self.state)

    def play_sample(self, settings: VoiceSettings, report: Callable[[str], None]) -> None:
        """Render a sample sentence as `settings` would say it (saved or not) off the GUI
        thread, then play it at their volume. `report(text)` runs on the GUI thread with
        what is happening: rendering, playing, or why it failed."""
        if not isinstance(self.synth, SpeechEngines):
            report("No voice engine is running, so there is no sample to play.")
            return
        render = self.synth.render_sample
        self._sample_token += 1
        token = self._sample_token
        self._sample_reports = {token: report}
        signals = self._signals

        def done(fut: Future[Path]) -> None:  # on a synth worker thread
            exc = fut.exception()
            signals.sample_rendered.emit(token, None if exc else fut.result(), str(exc or ""),
                                         float(settings.volume))

        engine, notice = render(settings, done)
        what = "the natural voice" if engine == "piper" else "the system voice"
        _report(report, " ".join(p for p in (notice, f"Rendering a sample with {what}…") if p))

    def _on_sample(self, token: int, path: Path | None, error: str, volume: float) -> None:
        report = self._sample_reports.pop(token, None)
        if report is None:
            return  # a newer sample was asked for
        if path is None:
            _report(report, f"The sample could not be rendered: {error}")
            return
        if self._sample_player is None:
            self._sample_player = QueuedPlayer(self._signals, None, self._on_tone_error, None)
        self._sample_player.set_volume(max(0.0, min(1.0, volume)))
        self._sample_player.play(path)
        try:
            seconds = audio.duration(path)
        except (OSError, ValueError):
            seconds = 0.0
        _report(report, f"Playing the sample ({seconds:.1f} s).")

    @property
    def speaking(self) -> bool:
        return self._current is not None

    @property
    def queued(self) -> int:
        return len(self._queue)

    def close(self) -> None:
        self._stop_all()
        if self._sample_player is not None:
            self._sample_player.stop()
        if self.synth is not None:
            self.synth.close()

    # -- internals ----------------------------------------------------------------------------
    def _can_speak(self, text: str) -> bool:
        """With the engine gone mid-session, pre-rendered prompts still play."""
        if self.synth is None:
            return False
        if self.synth.available:
            return True
        self._refresh_state()
        return self.synth.cached(text) is not None

    def _start(self, item: _Item) -> None:
        """Make `item` the current utterance: play its file now, or ask for it."""
        if self._current is not None:
            self._speech.stop()
            self.stopped_at = time.perf_counter()
        self._current = item
        assert self.synth is not None
        path = self.synth.cached(item.cue.text)
        if path is not None:
            self._play(item, path)
            return
        token = item.token
        signals = self._signals

        def done(fut: Future[Path]) -> None:  # on the synth worker thread
            exc = fut.exception()
            signals.rendered.emit(token, None if exc else fut.result(), str(exc or ""))

        self.synth.render_async(item.cue.text, done)

    def _on_rendered(self, token: int, path: Path | None, error: str) -> None:
        item = self._current
        if item is None or item.token != token:
            return  # cancelled or replaced while it was rendering
        if path is None:
            log.warning("could not speak %r: %s", item.cue.text, error)
            self._refresh_state()
            self._finish()
            return
        if self.state.status is VoiceStatus.NO_ENGINE:
            self._refresh_state()  # a render works again: the banner goes
        late = time.perf_counter() - item.due
        if item.cue.priority is Priority.TIMED and late > TIMED_STALE:
            log.info("dropping %r: rendered %.2f s late", item.cue.text, late)
            self._finish()
            return
        self._play(item, path)

    def _play(self, item: _Item, path: Path) -> None:
        item.path = path
        self._speech.play(path)
        try:
            seconds = audio.duration(path)
        except (OSError, ValueError):
            seconds = 10.0
        self._watchdog.start(round((seconds + WATCHDOG_SLACK) * 1000))

    def _on_playing(self) -> None:
        if self._current is not None and not self._current.playing:
            self._current.playing = True
            now = time.perf_counter()
            self._signals.started.emit(self._current.cue, now - self._current.due)

    def _on_status(self, end_of_media: bool) -> None:
        if end_of_media and self._current is not None and self._current.playing:
            self._finish()

    def _on_watchdog(self) -> None:
        if self._current is not None:
            log.warning("playback of %r never ended; moving on", self._current.cue.text)
            self._speech.stop()
            self._finish()

    def _on_error(self, message: str) -> None:
        self._on_tone_error(message)
        if self._current is not None:
            self._finish()

    def _on_tone_error(self, message: str) -> None:
        log.warning("audio playback failed: %s", message)
        self._set_state(SpeakerState(VoiceStatus.NO_AUDIO, f"Audio playback failed: {message}",
                                     NO_AUDIO_FIX))

    def _finish(self) -> None:
        """The current utterance is done: start the next queued one that is still fresh."""
        self._current = None
        self._watchdog.stop()
        now = time.perf_counter()
        while self._queue:
            item = self._queue.pop(0)
            if policy.still_fresh(now - item.due):
                self._start(item)
                return
            log.info("dropping stale %r (waited %.1f s)", item.cue.text, now - item.due)
        self._signals.idle.emit()

    def _stop_all(self) -> None:
        self._queue.clear()
        self._watchdog.stop()
        if self._current is not None:
            self._current = None
            self._speech.stop()
        for player in self._tones.values():
            player.stop()
        self.stopped_at = time.perf_counter()

    def _apply_volume(self) -> None:
        volume = max(0.0, min(1.0, float(self.settings.volume)))
        self._speech.set_volume(volume)
        for player in self._tones.values():
            player.set_volume(volume)

    def _on_devices_changed(self) -> None:
        for player in (self._speech, *self._tones.values()):
            player.use_default_device()
        self._refresh_state()

    def _refresh_state(self) -> None:
        outputs = self._audio_outputs()
        engine = self.synth.state if self.synth is not None else SpeakerState(
            VoiceStatus.NO_ENGINE, "Speech is turned off.", "")
        notice = engine.notice
        if engine.status is not VoiceStatus.OK:
            message = engine.message + ("" if outputs else " " + NO_AUDIO_MESSAGE)
            fix = engine.fix + ("" if outputs else " " + NO_AUDIO_FIX)
            self._set_state(SpeakerState(VoiceStatus.NO_ENGINE, message.strip(), fix.strip(),
                                         notice))
        elif not outputs:
            self._set_state(SpeakerState(VoiceStatus.NO_AUDIO, NO_AUDIO_MESSAGE, NO_AUDIO_FIX,
                                         notice))
        else:
            self._set_state(SpeakerState(notice=notice))

    def _set_state(self, state: SpeakerState) -> None:
        if state == self.state:
            return
        self.state = state
        log.info("voice status: %s %s", state.status.value, state.message)
        for listener in list(self._state_listeners):
            try:
                listener(replace(state))
            except Exception:
                log.exception("state listener failed")

    # signals for Qt code that prefers them to callbacks
    @property
    def signals(self) -> SpeakerSignals:
        return self._signals


def _report(report: Callable[[str], None], text: str) -> None:
    try:
        report(text)
    except RuntimeError:  # the dialog that asked has been closed (its widgets are gone)
        log.debug("sample report dropped: %s", text)


