"""Drive the Qt-free engine from the Qt event loop.

One single-shot `Qt.PreciseTimer`, re-armed for the engine's next absolute deadline after
every wake-up. The timer never counts: a late wake-up fires what is due and the next
deadline is still computed from the session start, so there is no drift.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from companion.core.engine import SessionEngine
from companion.core.events import Symptom
from companion.qt.core import QObject, Qt, QTimer, Signal

log = logging.getLogger(__name__)

# How early the timer wakes before a deadline; the rest is a short spin on the clock.
EARLY_WAKE_S = 0.002


def _action(call: Callable[[SessionEngine], object]) -> Callable[[EngineDriver], None]:
    """An `EngineDriver` method that runs `call(engine)` as a key press would (`_run`)."""

    def act(driver: EngineDriver) -> None:
        driver._run(lambda: call(driver.engine))

    act.__name__ = call.__name__
    act.__doc__ = f"`engine.{call.__name__}()`, as a key press would run it."
    return act


class EngineDriver(QObject):
    """Owns the timer; every user action goes through here so the timer is re-armed."""

    event_emitted = Signal(object)

    def __init__(self, engine: SessionEngine, parent: QObject | None = None,
                 time_scale: float = 1.0, spin_wait: bool = True) -> None:
        super().__init__(parent)
        self.engine = engine
        # clock seconds per real second (a sped-up clock for tests needs shorter waits)
        self.time_scale = time_scale if time_scale > 0 else 1.0
        # False for a clock that moves only when told (FakeClock): spinning would never end
        self.spin_wait = spin_wait
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._wake)
        engine.subscribe(self.event_emitted.emit)

    def start(self, mood_before: int | None = None) -> None:
        self._run(lambda: self.engine.start(mood_before))

    def tick(self) -> None:
        """Fire whatever is due now and re-arm (tests with a FakeClock; after a system sleep).

        Unlike the timer's wake-up it never waits for a deadline, so a FakeClock cannot hang it.
        """
        self._run(self.engine.tick)

    def _wake(self) -> None:
        # The timer is armed a little early (OS timers wake late, never early enough to
        # matter); finish the last sub-millisecond wait here so cues land on time.
        deadline = self.engine.next_deadline()
        clock = self.engine.clock
        if deadline is not None:
            remaining = deadline - clock.now()
            if remaining > EARLY_WAKE_S:
                self._rearm()
                return
            while self.spin_wait and clock.now() < deadline:
                pass
        self._run(self.engine.tick)

    def run(self, action: Callable[[], object]) -> None:
        """Apply any engine action as a key press would be: errors stop the session safely
        and the timer is re-armed for the new next deadline (voice commands use this)."""
        self._run(action)

    def _run(self, action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as exc:  # stop safely; the engine records the session as interrupted
            log.exception("session action failed")
            self.engine.fail(exc)
        self._rearm()

    def _rearm(self) -> None:
        deadline = self.engine.next_deadline()
        if deadline is None:
            self._timer.stop()
            return
        wait_s = (deadline - self.engine.clock.now() - EARLY_WAKE_S) / self.time_scale
        self._timer.start(max(0, math.floor(wait_s * 1000.0)))

    # user actions (keys and buttons land here): each runs one engine call through `_run`
    pause = _action(SessionEngine.toggle_pause)
    skip = _action(SessionEngine.skip)
    done = _action(SessionEngine.done)
    add_rest = _action(SessionEngine.add_rest)
    repeat = _action(SessionEngine.repeat)
    stop = _action(SessionEngine.stop)

    def answer_checkin(self, all_clear: bool) -> None:
        self._run(lambda: self.engine.answer_checkin(all_clear))

    def record_effort(self, effort: int) -> None:
        self._run(lambda: self.engine.record_effort(effort))

    def red_flag(self, symptom: Symptom = Symptom.UNSPECIFIED) -> None:
        self._run(lambda: self.engine.report_red_flag(symptom))

    def specify_symptom(self, symptom: Symptom) -> None:
        self._run(lambda: self.engine.specify_symptom(symptom))

    def record_mood(self, when: str, mood: int | None) -> None:
        self._run(lambda: self.engine.record_mood(when, mood))

    @property
    def active(self) -> bool:
        return self._timer.isActive()
