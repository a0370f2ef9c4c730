"""What the voice listener reports and is set with: Heard (a recognised phrase with its
confidence), the listener's state and noise report, its settings, the Listener protocol, and
`Reports`, how the listener and its recogniser deliver results and states to callbacks.
"""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from companion.voice.decide import Expecting, Surroundings

log = logging.getLogger(__name__)
T = TypeVar("T")


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
    # Begun while the app's own voice may still echo in the room (the ECHO_GUARD after it
    # falls silent): only a stop, or a number that cannot be the echo of the question's
    # last words, may act on it (`VoiceListener.feed`, `VoiceCommandRouter.handle`).
    early: bool = False


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


def notify(callbacks: Iterable[Callable[[T], None]], value: T, what: str) -> None:
    """Call each callback with `value`, in the order they were added. One that raises is
    logged ("`what` callback failed") and the others are still called: a failing consumer
    never kills the thread reporting, nor keeps the news from the consumers after it."""
    for callback in list(callbacks):
        try:
            callback(value)
        except Exception:
            log.exception("%s callback failed", what)


class Reports:
    """The listener's and the recogniser's shared side: `state`, and the `on_result` and
    `on_state` callbacks (run on a background thread: see `Listener`)."""

    def __init__(self) -> None:
        self.state = ListenerState(ListenStatus.OFF, "not started")
        self._result_cbs: list[ResultCallback] = []
        self._state_cbs: list[StateCallback] = []

    def on_result(self, callback: ResultCallback) -> None:
        self._result_cbs.append(callback)

    def on_state(self, callback: StateCallback) -> None:
        self._state_cbs.append(callback)

    @contextlib.contextmanager
    def collecting(self) -> Iterator[list[Heard]]:
        """Everything heard while the block runs, in order (`companion listen`, tests)."""
        got: list[Heard] = []
        self._result_cbs.append(got.append)
        try:
            yield got
        finally:
            self._result_cbs.remove(got.append)

    def _heard(self, heard: Heard) -> None:
        notify(self._result_cbs, heard, "listener result")

    def _set_state(self, status: ListenStatus, reason: str) -> ListenerState:
        self.state = ListenerState(status, reason)
        notify(self._state_cbs, self.state, "listener state")
        return self.state
