"""Build one session: routine + settings -> plan -> engine, with its listeners and driver.

Listener order matters and is fixed here: the history recorder first (it commits a red flag
before anything else reacts), then speech, then the driver that updates the screens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from PySide6.QtCore import QObject

from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.events import (
    CancelSpeech,
    CueDue,
    EffortRecorded,
    EndStatus,
    Event,
    RedFlagRaised,
    SessionEnded,
    SetFinished,
    Symptom,
    SymptomSpecified,
)
from companion.core.routine import Routine
from companion.core.timeline import SessionPlan, compile_plan
from companion.ui.driver import EngineDriver
from companion.ui.services import AppServices
from companion.voice.base import Speaker

log = logging.getLogger(__name__)


class SpeechBridge:
    """Engine events -> the speaker: every cue goes to `say` (it captions), cancels cancel."""

    def __init__(self, speaker: Speaker) -> None:
        self.speaker = speaker

    def __call__(self, event: Event) -> None:
        if isinstance(event, CueDue):
            self.speaker.say(event.cue)
        elif isinstance(event, CancelSpeech):
            self.speaker.cancel()


@dataclass
class SetResult:
    set_no: int
    exercise: str
    skipped: bool
    effort: int | None = None


@dataclass
class SessionSummary:
    """What the end screen shows; collected from the same events storage records."""

    routine_name: str
    sets_total: int
    status: EndStatus | None = None
    seconds: float = 0.0
    sets: dict[int, SetResult] = field(default_factory=dict)
    red_flag: Symptom | None = None
    error: str = ""

    @property
    def sets_done(self) -> int:
        return sum(1 for s in self.sets.values() if not s.skipped)

    @property
    def efforts(self) -> list[tuple[int, str, int]]:
        return [(n, s.exercise, s.effort) for n, s in sorted(self.sets.items())
                if s.effort is not None]

    def listener(self) -> Callable[[Event], None]:
        def listen(event: Event) -> None:
            if isinstance(event, SetFinished):
                self.sets[event.set_no] = SetResult(event.set_no, event.exercise, event.skipped)
            elif isinstance(event, EffortRecorded) and event.set_no in self.sets:
                self.sets[event.set_no].effort = event.effort
            elif isinstance(event, (RedFlagRaised, SymptomSpecified)):
                self.red_flag = event.symptom
            elif isinstance(event, SessionEnded):
                self.status = event.status
                self.seconds = event.t
                self.error = event.error

        return listen


@dataclass
class Session:
    engine: SessionEngine
    driver: EngineDriver
    summary: SessionSummary
    routine: Routine


def routine_as_run(routine: Routine, services: AppServices) -> Routine:
    """The routine with the user's settings applied (e.g. their default rest length)."""
    if services.settings.rest_seconds > 0:
        return replace(routine, rest_seconds=float(services.settings.rest_seconds))
    return routine


def build_session(routine: Routine, services: AppServices, parent: QObject | None = None,
                  plan: SessionPlan | None = None) -> Session:
    """Engine, listeners and driver for one session; `plan` when the voice prepared it
    (real speech lengths), else compiled here with estimates."""
    routine = routine_as_run(routine, services)
    if plan is None:
        plan = compile_plan(routine, services.settings.timeline_options())
    routine = plan.routine
    engine = SessionEngine(plan, services.clock)
    recorder = None
    try:
        recorder = services.history.recorder_for(routine)
    except Exception:  # storage down must not stop the workout; it is said on screen
        log.exception("history cannot record this session")
        services.problems.append("This session cannot be saved to your history.")
    if recorder is not None:
        engine.subscribe(recorder)
    engine.subscribe(SpeechBridge(services.speaker))
    summary = SessionSummary(routine.name, plan.set_count)
    engine.subscribe(summary.listener())
    driver = EngineDriver(engine, parent,
                          time_scale=float(getattr(services.clock, "factor", 1.0)),
                          spin_wait=not isinstance(services.clock, FakeClock))
    return Session(engine, driver, summary, routine)
