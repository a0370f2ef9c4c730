"""The `Speaker` interface the session talks to, plus the two simplest speakers.

Every implementation must: caption every cue (captions are how a user without sound, or
in a noisy room, follows along); let TIMED cues replace a stale one instead of queueing;
make SAFETY cues cut off whatever is playing and empty the queue.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from companion.core.events import CancelSpeech, CueDue, Event
from companion.core.timeline import Cue, Verbosity


class VoiceStatus(enum.Enum):
    OK = "ok"
    NO_ENGINE = "no_engine"
    NO_AUDIO = "no_audio"
    OFF = "off"


@dataclass(frozen=True)
class VoiceSettings:
    """What the user chose in Settings; applied to the next utterance at once.

    `engine`: "auto" (the natural voice when it is installed, else the system's), "piper"
    or "system". `voice_id` and `rate` (words per minute) are the system engine's;
    `piper_voice` ("" = the packaged voice, a voice's name, or a path to a .onnx file) and
    `length_scale` (1.0 = the voice's own pace, higher is slower) are Piper's.
    """

    voice_id: str = ""
    rate: int = 165
    volume: float = 1.0
    verbosity: Verbosity = Verbosity.FULL
    tones: bool = True
    engine: str = "auto"
    piper_voice: str = ""
    length_scale: float = 1.0


@dataclass
class SpeakerState:
    """`notice`: said once while the voice works, e.g. that the natural voice could not
    start and the system voice speaks instead (the banner shows it until dismissed)."""

    status: VoiceStatus = VoiceStatus.OK
    message: str = ""
    fix: str = ""
    notice: str = ""


CaptionListener = Callable[[Cue], None]
StateListener = Callable[[SpeakerState], None]


class Speaker(Protocol):
    """What the session needs from a voice: say, cancel, settings, and a status to show."""

    state: SpeakerState

    def say(self, cue: Cue) -> None: ...

    def cancel(self) -> None: ...

    def apply(self, settings: VoiceSettings) -> None: ...

    def on_caption(self, listener: CaptionListener) -> None: ...

    def on_state(self, listener: StateListener) -> None:
        """`listener(state)` whenever the status changes (e.g. the engine fails mid-session):
        the UI shows or hides its banner from it."""
        ...


def speech_listener(speaker: Speaker) -> Callable[[Event], None]:
    """An engine listener that voices the session: CueDue -> say, CancelSpeech -> cancel.

    `engine.subscribe(speech_listener(speaker))`; the engine emits CancelSpeech before a
    safety stop message, so the order of events is the order heard.
    """

    def listen(event: Event) -> None:
        if isinstance(event, CueDue):
            speaker.say(event.cue)
        elif isinstance(event, CancelSpeech):
            speaker.cancel()

    return listen


class CaptionsOnlySpeaker:
    """No voice at all: captions still show every prompt (the safe fallback)."""

    def __init__(self, status: VoiceStatus = VoiceStatus.OFF, message: str = "",
                 fix: str = "") -> None:
        self.state = SpeakerState(status, message, fix)
        self._listeners: list[CaptionListener] = []
        self.settings = VoiceSettings()

    def say(self, cue: Cue) -> None:
        for listener in self._listeners:
            listener(cue)

    def cancel(self) -> None:
        pass

    def apply(self, settings: VoiceSettings) -> None:
        self.settings = settings

    def on_caption(self, listener: CaptionListener) -> None:
        self._listeners.append(listener)

    def on_state(self, listener: StateListener) -> None:
        listener(self.state)  # the state never changes: tell it once, now


@dataclass
class RecordingSpeaker:
    """For tests: remembers what was said and cancelled, in order."""

    state: SpeakerState = field(default_factory=SpeakerState)
    said: list[Cue] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    settings: VoiceSettings = field(default_factory=VoiceSettings)
    _listeners: list[CaptionListener] = field(default_factory=list)

    def say(self, cue: Cue) -> None:
        self.said.append(cue)
        self.log.append(f"say:{cue.kind.value}:{cue.text}")
        for listener in self._listeners:
            listener(cue)

    def cancel(self) -> None:
        self.log.append("cancel")

    def apply(self, settings: VoiceSettings) -> None:
        self.settings = settings

    def on_caption(self, listener: CaptionListener) -> None:
        self._listeners.append(listener)

    def on_state(self, listener: StateListener) -> None:
        listener(self.state)
