"""Which keys are held: a held or auto-repeated key never gives a deliberate answer (issue 12),
whether Qt flags the repeat or not. Used by the key dispatcher (companion/ui/services/keys.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from companion.qt.gui import QKeyEvent

#: An auto-repeat that Qt did not flag: X servers send the repeat's release and press with one
#: timestamp (and Qt's detection, which peeks at the event queue, misses some under load); a
#: person lifting a finger and pressing again needs far longer than this (ms).
REPEAT_GAP_MS = 25.0
#: A key whose press was seen and whose release was not, within this long, is still held: a
#: further press of it is a repeat (servers with detectable auto-repeat send no releases). Older
#: than this with no repeat in between, the release went astray (another window) (ms).
HELD_FOR_MS = 1500.0


class KeyState:
    """Which keys are held, from every key press and release the application sees.

    `press(event)` -> True when the press is a repeat of a key held down (flagged by Qt or
    not); a held key never gives a deliberate answer (issue 12: "a key that was held or
    auto-repeated does not answer"). Times are the events' own (ms, the window system's
    clock) or, for events with none (synthesised), the monotonic clock.
    """

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._down: dict[int, float] = {}
        self._released: dict[int, float] = {}

    @staticmethod
    def _id(event: QKeyEvent) -> int:
        return int(event.nativeScanCode()) or int(event.key())

    def _ms(self, event: QKeyEvent) -> float:
        stamp = int(event.timestamp())
        return float(stamp) if stamp else self._now() * 1000.0

    def press(self, event: QKeyEvent) -> bool:
        key, at = self._id(event), self._ms(event)
        held, released = self._down.get(key), self._released.get(key)
        stamped = bool(event.timestamp())  # a synthesised event has no time of its own
        repeat = (event.isAutoRepeat()
                  or (held is not None and 0.0 <= at - held < HELD_FOR_MS)
                  or (stamped and released is not None
                      and 0.0 <= at - released <= REPEAT_GAP_MS))
        self._down[key] = at
        return repeat

    def release(self, event: QKeyEvent) -> None:
        if event.isAutoRepeat():
            return  # the key is still held
        key = self._id(event)
        self._down.pop(key, None)
        self._released[key] = self._ms(event)

    def clear(self) -> None:
        """Forget held keys (the application lost the keyboard: their releases go elsewhere)."""
        self._down.clear()
