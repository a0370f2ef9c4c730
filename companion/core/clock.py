"""Monotonic clocks: the engine asks a clock for the time instead of counting ticks."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything that tells monotonic time in seconds."""

    def now(self) -> float: ...


class SystemClock:
    """The real monotonic clock (immune to wall-clock changes during a session)."""

    def now(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock tests move by hand, so a 20-minute session runs in milliseconds."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += seconds
