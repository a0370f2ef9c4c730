"""What the screens are given: one small container of services, each behind an interface.

The desktop screens never construct storage, speech or safety objects themselves; they use
what `AppServices` holds. That is the seam where the real implementations plug in:

- `speaker`: anything with the `companion.voice.base.Speaker` protocol. The default is
  `CaptionsOnlySpeaker` until the real voice (`companion.ui.adapters.speech_setup.make_speaker`)
  is wired in. What the real speaker also does is
  `companion.ui.adapters.speech_signals.RenderingSpeaker`, asked with `isinstance`, so mypy
  checks each call.
- `history`: the `History` protocol (`ports.py`). `InMemoryHistory` serves tests and runs
  without a database; the storage facade provides the same calls, and more (`StoredHistory`).
- `voice_input`: the app-wide `companion.ui.adapters.listening.VoiceInput`, or None.
- `session_gate(parent, routine) -> bool`: asked before a session starts (the red-flag
  acknowledgement plugs in here); `first_run(parent)`: called once the window is up (the
  screening wizard plugs in here).
- `checkin_view_factory` / `safety_screen_factory`: the widgets shown during a check-in and
  after a red-flag stop (None: the real `CheckinView`, `SafetyScreen`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from companion.config import Paths
from companion.core.clock import Clock, SystemClock
from companion.core.events import (
    EffortRecorded,
    Event,
    MoodRecorded,
    RedFlagRaised,
    SessionEnded,
    SessionStarted,
    SetFinished,
)
from companion.core.routine import Exercise, Routine
from companion.core.safety import Adapted, Profile, adapt
from companion.localtime import week_start
from companion.routines import RoutineLibrary
from companion.settings import Settings
from companion.ui.services.ports import (
    History,
    RecoveredHistory,
    ScreeningReader,
    SessionRecorder,
    StoredHistory,
)
from companion.voice.base import CaptionsOnlySpeaker, Speaker

if TYPE_CHECKING:
    from companion.qt.widgets import QWidget
    from companion.storage import Database
    from companion.ui.adapters.listening import VoiceInput

log = logging.getLogger(__name__)


@dataclass
class SessionRecord:
    """One session as the in-memory history keeps it (what a history row would hold)."""

    routine_id: str
    routine_name: str
    started_at: dt.datetime
    status: str = ""
    sets_done: int = 0
    efforts: dict[int, int] = field(default_factory=dict)
    mood_before: int | None = None
    mood_after: int | None = None
    red_flag: str | None = None
    kind: str = "workout"
    note: str | None = None
    snapshot: dict[str, Any] | None = None


class _MemoryRecorder:
    """InMemoryHistory's engine listener; `session_id` is set by `SessionStarted`."""

    key = ""  # no journal: the id is all there is

    def __init__(self, listen: Callable[[Event], None]) -> None:
        self._listen = listen
        self.session_id: int | None = None

    def __call__(self, event: Event) -> None:
        self._listen(event)


class InMemoryHistory:
    """`History` without a database: for tests, and for runs where storage is unavailable."""

    def __init__(self, now: Callable[[], dt.datetime] | None = None) -> None:
        self.sessions: list[SessionRecord] = []
        self._now = now or (lambda: dt.datetime.now().astimezone())

    def sessions_this_week(self, now: dt.datetime | None = None, *,
                           count_breathing: bool = False) -> int:
        now = now or self._now()
        start = week_start(now)
        kinds = ("workout", "breathing") if count_breathing else ("workout",)
        return sum(1 for s in self.sessions if s.started_at >= start
                   and s.status == "completed" and s.kind in kinds)

    def suggested_routine_id(self) -> str | None:
        workouts = [s for s in self.sessions if s.kind == "workout"]
        return workouts[-1].routine_id if workouts else None

    def save_note(self, session: int | str, text: str,
                  done: Callable[[str], None] | None = None) -> None:
        if not isinstance(session, int) or not 1 <= session <= len(self.sessions):
            if done is not None:
                done("Your note could not be saved: no such session.")
            return
        self.sessions[session - 1].note = text.strip() or None
        if done is not None:
            done("")

    def close(self) -> None:
        """Nothing to let go of (the sessions stay in memory)."""

    def recorder_for(self, routine: Routine,
                     snapshot: dict[str, Any] | None = None) -> SessionRecorder | None:
        record = SessionRecord(routine.id, routine.name, self._now(), snapshot=snapshot)
        recorder: _MemoryRecorder

        def listen(event: Event) -> None:
            if isinstance(event, SessionStarted):
                record.kind = event.kind
                self.sessions.append(record)
                recorder.session_id = len(self.sessions)
            elif isinstance(event, SetFinished) and not event.skipped:
                record.sets_done += 1
            elif isinstance(event, EffortRecorded):
                record.efforts[event.set_no] = event.effort
            elif isinstance(event, MoodRecorded):
                if event.when == "before":
                    record.mood_before = event.mood
                else:
                    record.mood_after = event.mood
            elif isinstance(event, RedFlagRaised):
                record.red_flag = event.symptom.value
            elif isinstance(event, SessionEnded):
                record.status = event.status.value

        recorder = _MemoryRecorder(listen)
        return recorder


class ScaledClock:
    """Monotonic time running `factor` times faster: a testing aid (COMPANION_TIME_SCALE)."""

    def __init__(self, factor: float) -> None:
        self.factor = factor
        self._origin = time.monotonic()

    def now(self) -> float:
        return self._origin + (time.monotonic() - self._origin) * self.factor


def _allow(parent: QWidget | None, routine: Routine) -> bool:
    return True


def _nothing(parent: QWidget | None) -> None:
    return None


#: Why every careful adaptation is on (a start-screen message while it holds).
CAREFUL_SET_ASIDE = (
    "Your history file was damaged and set aside, so your health answers are not in the "
    "new one: every careful adaptation is on (no lying on your back, no breath holds, "
    "stability first) until you answer the health questions again (button on the start "
    "screen).")
CAREFUL_UNREADABLE = (
    "Your health answers (or the health questions) could not be read, so every careful "
    "adaptation is on: no lying on your back, no breath holds, stability first. Please "
    "take the health questions again (button on the start screen).")
CAREFUL_NOT_ANSWERED = (
    "You have not answered the health questions yet, so every careful adaptation is on: "
    "no lying on your back, no breath holds, stability first. Answer them (Health questions "
    "on the start screen) and your sessions follow your answers.")
CAREFUL_NOTES = (CAREFUL_SET_ASIDE, CAREFUL_UNREADABLE, CAREFUL_NOT_ANSWERED)


@dataclass
class AppServices:
    """Everything a screen may use; built once after the window shows, replaced in tests."""

    paths: Paths
    settings: Settings = field(default_factory=Settings)
    speaker: Speaker = field(default_factory=CaptionsOnlySpeaker)
    history: History = field(default_factory=InMemoryHistory)
    library: RoutineLibrary | None = None
    clock: Clock = field(default_factory=SystemClock)
    db_url: str = ""
    #: problems found while loading (broken settings file, storage unavailable...), shown once
    problems: list[str] = field(default_factory=list)
    session_gate: Callable[[QWidget | None, Routine], bool] = _allow
    first_run: Callable[[QWidget | None], None] = _nothing
    #: `factory(parent) -> widget` with signals all_clear(), red_flag(), effort_chosen(int),
    #: effort_skipped(), symptom_chosen(Symptom) and methods ask(question), ask_effort(), clear()
    checkin_view_factory: Callable[[QWidget | None], Any] | None = None
    #: `factory(emergency_text, parent) -> widget` with show_stop(symptom), signals
    #: symptom_chosen(Symptom) and finished()
    safety_screen_factory: Callable[[str, QWidget | None], Any] | None = None
    #: what the latest screening means (adaptations, wording); see `refresh_profile()`
    profile: Profile = field(default_factory=Profile)
    #: voice commands; None: keys and buttons only
    voice_input: VoiceInput | None = None

    @property
    def person_name(self) -> str:
        """Whose session it is: the profile's name ("" for a history without profiles)."""
        return self.history.person_name if isinstance(self.history, StoredHistory) else ""

    @property
    def database(self) -> Database | None:
        """The storage Database behind the history, or None (history kept in memory, or
        the database not open yet)."""
        return self.history.db if isinstance(self.history, StoredHistory) else None

    def refresh_profile(self) -> Profile:
        """Re-read the latest screening (at start-up and after the wizard saves one).

        No answers yet (the first health questions closed with "Not now"), answers set aside
        with a damaged history, or answers or questions that cannot be read: every careful
        adaptation (`Profile.careful()`), said on the start screen until the questions are
        answered. Not knowing is never "nothing applies" (SPEC, screening)."""
        if not isinstance(self.history, ScreeningReader):
            return self.profile
        # said again below while it still holds (a tester saw it stay after new answers)
        self.problems[:] = [p for p in self.problems if p not in CAREFUL_NOTES]
        try:
            from companion.safety.content import load_screening

            latest = self.history.latest_screening()
            if latest is None:
                # never answered ("Not now"): fifteen questions left unanswered, each "not
                # sure" by the rule for one (derive_profile): silence is never "no"
                set_aside = isinstance(self.history, RecoveredHistory) \
                    and self.history.history_set_aside()
                self._careful(CAREFUL_SET_ASIDE if set_aside else CAREFUL_NOT_ANSWERED)
                return self.profile
            self.profile = load_screening().stored_profile(latest) or Profile()
        except Exception:  # an unreadable screening must not stop the app: be careful instead
            log.exception("cannot read the latest screening")
            self._careful(CAREFUL_UNREADABLE)
        return self.profile

    def _careful(self, why: str) -> None:
        self.profile = Profile.careful()
        if why not in self.problems:
            self.problems.append(why)

    def adapt(self, routine: Routine, alternatives: Mapping[str, Exercise]) -> Adapted:
        """The routine as the screening says it should run, with plain notes of each change.

        `alternatives`: the routine file's named alternative exercises (what its
        `RoutineEntry` holds; `{}` for none), for the adaptations that swap an exercise."""
        return adapt(routine, alternatives, self.profile)

    def routine_library(self) -> RoutineLibrary:
        if self.library is None:
            self.library = RoutineLibrary(self.paths.routines_dir)
        return self.library

    def save_settings(self, settings: Settings) -> str | None:
        """Store and apply at once; returns a message if the file could not be written."""
        from companion.settings import save_settings

        self.settings = settings
        try:
            self.speaker.apply(settings.voice_settings())
        except Exception:  # a failing voice must never block saving the settings
            log.exception("speaker rejected the new settings")
        try:
            save_settings(settings, self.paths.settings_file)
        except OSError as exc:
            log.warning("cannot save settings: %s", exc)
            return f"Your settings apply now but could not be saved: {exc}"
        return None
