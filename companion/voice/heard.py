"""What the voice listener reports and is set with: Heard (a recognised phrase with its
confidence), the listener's state and noise report, its settings, and the Listener protocol.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from companion.voice.decide import Expecting, Surroundings


class ListenStatus(enum.Enum):
    OK = "ok"
    OFF = "off"  # the user turned it off
    UNAVAILABLE = "unavailable"  # no sounddevice/PortAudio, no input device
    FAILED = "failed"  # the recogniser failed to start or died


@dataclass
class ListenerState:
    status: ListenStatus = ListenStatus.OK
    reason: str = ""
    noisy: bool = False  # too noisy to listen: "It's noisy here: please use the keys"

    @property
    def enabled(self) -> bool:
        return self.status is ListenStatus.OK


@dataclass(frozen=True)
class ListenSettings:
    """Settings > Voice input. Off means no microphone is opened at all."""

    enabled: bool = True
    device: str | int | None = None


@dataclass(frozen=True)
class Heard:
    """One utterance as recognised. `phrase` None: speech, but nothing in the grammar."""

    phrase: str | None
    confidence: float
    expecting: Expecting
    speech_end: float = 0.0  # time.monotonic() when the speech ended (parent's clock)
    decode_ms: float = 0.0
    received: float = field(default=0.0, compare=False)  # time.monotonic() in the parent
    # "all clear" only: how much it beat the best other phrase, per frame (decide.py).
    margin: float | None = None
    # How it was said (when, how long, talk around it); None: not known (then "all clear"
    # is not accepted).
    around: Surroundings | None = None
    # Stream seconds (from when listening started) at which the recogniser had its answer,
    # before decoding: the endpointer's wait, plus the hold for "all clear".
    at: float = 0.0


def heard_from(payload: dict[str, Any], received: float = 0.0) -> Heard:
    """A `Heard` from the recogniser process's result message."""
    around = None
    if "start" in payload:
        around = Surroundings(start=payload["start"], end=payload["end"],
                              background=payload["background"], at_open=payload["at_open"],
                              followed=payload["followed"],
                              speech_after=payload["speech_after"], snr_db=payload["snr_db"])
    return Heard(payload["phrase"], payload["confidence"], Expecting(payload["expecting"]),
                 payload["speech_end"], payload["decode_ms"], received,
                 payload.get("margin"), around, payload.get("at", 0.0))


@dataclass(frozen=True)
class NoiseReport:
    """Whether the room is too noisy for voice answers ("It's noisy here: please use the
    keys"), with the steady noise level (dBFS) and the last utterance's level above it."""

    noisy: bool
    noise_db: float
    snr_db: float | None


ResultCallback = Callable[[Heard], None]
StateCallback = Callable[[ListenerState], None]
NoiseCallback = Callable[[NoiseReport], None]
LevelCallback = Callable[[float], None]
LEVEL_EVERY = 0.1  # seconds between input-level reports (the loudest block since the last)


class Listener(Protocol):
    """What the session needs from an ear: listen for a context, stop, mute while speaking.

    `on_result` and `on_state` callbacks run on a background thread: marshal them to the GUI
    thread (a queued signal) before touching widgets or the engine.
    """

    state: ListenerState

    def start(self, expecting: Expecting) -> None: ...

    def stop(self) -> None: ...

    def set_speaking(self, speaking: bool) -> None: ...

    def on_result(self, callback: ResultCallback) -> None: ...

    def on_state(self, callback: StateCallback) -> None: ...

    def close(self) -> None: ...


