"""What the engine reports. Views, speech and storage all react to these same events.

Events are emitted in a meaningful order (e.g. for a red flag: cancel speech, then the
stop that storage commits, then the stop message), and every consumer handles each event
before the next is delivered, so the order in the core is the order in the world.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from companion.core.safety_words import Symptom as Symptom  # re-exported: events carry it
from companion.core.timeline import Cue


class State(enum.Enum):
    """Engine states; PAUSED remembers what it interrupted."""

    IDLE = "idle"
    ARRIVAL = "arrival"
    ANNOUNCE = "announce"
    COUNTDOWN = "countdown"
    WORK = "work"
    CHECKIN = "checkin"
    REST = "rest"
    COOLDOWN = "cooldown"
    BREATHING = "breathing"  # a stand-alone breathing session
    PAUSED = "paused"
    ENDED = "ended"
    STOPPED = "stopped"


class EndStatus(enum.Enum):
    """How a session ended; values are the `status` strings of `history --json`."""

    COMPLETED = "completed"
    STOPPED_BY_USER = "stopped_by_user"
    STOPPED_RED_FLAG = "stopped_red_flag"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Event:
    """Base: `t` is seconds since the session started (monotonic, pauses included)."""

    t: float


@dataclass(frozen=True)
class SessionStarted(Event):
    routine_id: str
    routine_name: str
    set_count: int
    kind: str = "workout"  # or "breathing" (a stand-alone breathing session)


@dataclass(frozen=True)
class StateChanged(Event):
    old: State
    new: State


@dataclass(frozen=True)
class CueDue(Event):
    """A cue to caption (and speak, and/or sound). `late` is how far past due it fired."""

    cue: Cue
    late: float = 0.0


@dataclass(frozen=True)
class CancelSpeech(Event):
    """Cut off whatever is being said and drop the queue (safety, stop, skip)."""


@dataclass(frozen=True)
class SetStarted(Event):
    set_no: int
    round: int
    exercise: str


@dataclass(frozen=True)
class SetCounts:
    """A set as asked and as done: what a finished set reports and what history keeps of it
    (`storage.repository.SetRecord`). Reps are counts and seconds are seconds of work, None
    where the set does not count them (a timed set has no reps)."""

    set_no: int
    round: int
    exercise: str
    planned_reps: int | None
    planned_seconds: float | None
    actual_reps: int | None
    actual_seconds: float | None


@dataclass(frozen=True)
class SetFinished(SetCounts, Event):
    """A set ended: its counts (`t` first, then `SetCounts`), and whether it was skipped or
    stopped at its safety cap."""

    skipped: bool = False
    capped: bool = False


@dataclass(frozen=True)
class CheckinAsked(Event):
    set_no: int
    attempt: int
    question: str


@dataclass(frozen=True)
class CheckinStalled(Event):
    """No answer after asking twice: the session stays paused on the question."""

    set_no: int


@dataclass(frozen=True)
class CheckinAnswered(Event):
    set_no: int
    question: str
    answer: str  # "all_clear" or "red_flag"


@dataclass(frozen=True)
class EffortRecorded(Event):
    set_no: int
    effort: int
    amber: bool


@dataclass(frozen=True)
class AmberSign(Event):
    """Effort 9-10: the rest grows and an easier variation is suggested."""

    set_no: int
    effort: int
    extra_rest: float
    suggestion: str


@dataclass(frozen=True)
class RedFlagRaised(Event):
    """A red flag: storage must commit this before the stop message is spoken.

    `heard`: the words the voice recogniser heard when the stop was spoken ("my chest
    hurts", "stop"; at most `HEARD_MAX` characters), "" when it came from a key or button.
    What was heard, not a diagnosis: the symptom stays `UNSPECIFIED` until the person picks it.
    """

    symptom: Symptom
    state: State
    set_no: int | None
    exercise: str | None
    heard: str = ""


#: the longest `RedFlagRaised.heard` kept (the stored column's width)
HEARD_MAX = 100


@dataclass(frozen=True)
class SymptomSpecified(Event):
    symptom: Symptom


@dataclass(frozen=True)
class Paused(Event):
    state: State


@dataclass(frozen=True)
class Resumed(Event):
    state: State
    paused_for: float


@dataclass(frozen=True)
class Skipped(Event):
    state: State
    set_no: int | None


@dataclass(frozen=True)
class RestExtended(Event):
    set_no: int | None
    seconds: float
    reason: str


@dataclass(frozen=True)
class MoodRecorded(Event):
    when: str  # "before" or "after"
    mood: int | None


@dataclass(frozen=True)
class SessionEnded(Event):
    status: EndStatus
    error: str = ""


#: The engine events the history records (journal and database), in the order a session
#: first emits them. `SessionStarted` opens a session and `SessionEnded` closes it.
RECORDED_EVENTS: tuple[type[Event], ...] = (
    SessionStarted, SetFinished, CheckinAnswered, EffortRecorded, AmberSign, RedFlagRaised,
    SymptomSpecified, Paused, Resumed, Skipped, RestExtended, CheckinStalled, MoodRecorded,
    SessionEnded,
)

#: Each recorded event class by its name: the journal's `event.type` field (a contract of
#: the journal file format; a class renamed here must keep its old name readable).
EVENT_TYPES: dict[str, type[Event]] = {cls.__name__: cls for cls in RECORDED_EVENTS}
