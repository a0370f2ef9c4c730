"""Build one session: routine + settings -> plan -> engine, with its listeners and driver.

Listener order matters and is fixed here: the history recorder first (it commits a red flag
before anything else reacts), then speech, then the driver that updates the screens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from companion.core.breathing import BreathingSession
from companion.core.clock import FakeClock
from companion.core.engine import SessionEngine
from companion.core.events import (
    EffortRecorded,
    EndStatus,
    Event,
    RedFlagRaised,
    SessionEnded,
    SetFinished,
    Symptom,
    SymptomSpecified,
)
from companion.core.routine import Exercise, Routine
from companion.core.timeline import (
    SessionPlan,
    TimelineOptions,
    breathing_routine,
    compile_plan,
)
from companion.qt.core import QObject
from companion.ui.adapters.driver import EngineDriver
from companion.ui.services.container import AppServices, ScaledClock
from companion.ui.services.ports import SessionRecorder
from companion.voice.base import speech_listener

log = logging.getLogger(__name__)


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
    #: the words heard when the stop was spoken ("" for a key or button)
    red_flag_heard: str = ""
    error: str = ""
    #: set for a stand-alone breathing session (the end screen says minutes, not sets)
    breathing: BreathingSession | None = None

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
            elif isinstance(event, RedFlagRaised):
                self.red_flag = event.symptom
                self.red_flag_heard = event.heard
            elif isinstance(event, SymptomSpecified):
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
    #: the history listener (its `session_id`, once started, is where the note goes)
    recorder: SessionRecorder | None = None

    @property
    def session_id(self) -> int | None:
        """The stored session's id, or None (not recorded, or not in the database yet)."""
        return self.recorder.session_id if self.recorder is not None else None

    @property
    def note_ref(self) -> int | str | None:
        """What the history saves this session's note against: its id, else its journal
        key (the writer may not have stored it yet), else None (not recorded)."""
        sid = self.session_id
        if sid is not None:
            return sid
        key = self.recorder.key if self.recorder is not None else ""
        return key or None

    @property
    def breathing(self) -> BreathingSession | None:
        return self.summary.breathing


def plan_inputs(routine: Routine, services: AppServices,
                alternatives: Mapping[str, Exercise]) -> tuple[Routine, TimelineOptions]:
    """What a session compiles from: the screening's adaptations (no lying on the back in
    later pregnancy, no breath holds, balance cues...) and the user's settings.
    `alternatives`: the routine file's stand-in exercises (`RoutineEntry.alternatives`)."""
    adapted = services.adapt(routine, alternatives)
    routine = adapted.routine
    if services.settings.rest_seconds > 0:
        routine = replace(routine, rest_seconds=float(services.settings.rest_seconds))
    return routine, adapted.options(services.settings.timeline_options(
        voice_answers=services.voice_input is not None
        and services.voice_input.listening_possible))


def build_session(routine: Routine, services: AppServices, parent: QObject | None = None,
                  plan: SessionPlan | None = None,
                  alternatives: Mapping[str, Exercise] | None = None) -> Session:
    """Engine, listeners and driver for one session; `plan` when the voice prepared it
    (real speech lengths), else compiled here with estimates (from `plan_inputs`)."""
    if plan is None:
        plan = compile_plan(*plan_inputs(routine, services, alternatives or {}))
    return _assemble(plan, services, parent)


def breathing_inputs(breathing: BreathingSession,
                     services: AppServices) -> tuple[Routine, TimelineOptions]:
    """What a stand-alone breathing session compiles from (the speaker prepares these)."""
    options = services.settings.timeline_options(breathing=breathing)
    return breathing_routine(breathing), options


def build_breathing_session(breathing: BreathingSession, services: AppServices,
                            parent: QObject | None = None,
                            plan: SessionPlan | None = None) -> Session:
    """Engine, listeners and driver for a stand-alone breathing session: the same red-flag
    path, pause and recorder as a workout; history stores it as kind "breathing"."""
    if plan is None:
        plan = compile_plan(*breathing_inputs(breathing, services))
    return _assemble(plan, services, parent, snapshot=breathing.snapshot())


def _assemble(plan: SessionPlan, services: AppServices, parent: QObject | None,
              snapshot: dict[str, object] | None = None) -> Session:
    routine = plan.routine
    engine = SessionEngine(plan, services.clock)
    recorder = None
    try:
        recorder = services.history.recorder_for(routine, snapshot) if snapshot is not None \
            else services.history.recorder_for(routine)
    except Exception:  # storage down must not stop the workout; it is said on screen
        log.exception("history cannot record this session")
        services.problems.append("This session cannot be saved to your history.")
    if recorder is not None:
        engine.subscribe(recorder)
    engine.subscribe(speech_listener(services.speaker))
    summary = SessionSummary(routine.name, plan.set_count, breathing=plan.breathing)
    engine.subscribe(summary.listener())
    driver = EngineDriver(engine, parent,
                          time_scale=services.clock.factor
                          if isinstance(services.clock, ScaledClock) else 1.0,
                          spin_wait=not isinstance(services.clock, FakeClock))
    return Session(engine, driver, summary, routine, recorder)
