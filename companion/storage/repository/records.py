"""What the history queries return: plain frozen records, safe on any thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from companion.core.events import SetCounts
from companion.storage.models import (
    SessionKind,
)


class HistoryRow(NamedTuple):
    """One line of the history list, aggregated in SQL.

    A NamedTuple rather than a frozen dataclass: built straight from the result row, it
    halves the time to load a long history (bench: history_query_ms, history_open_ms).
    """

    id: int
    routine_id: str
    routine_name: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    mood_before: int | None
    mood_after: int | None
    set_count: int
    sets_done: int
    sets_skipped: int
    avg_effort: float | None
    max_effort: int | None
    amber_count: int
    red_flag_count: int
    kind: str = SessionKind.WORKOUT.value  # rev 0004: "workout" or "breathing"
    note: str | None = None  # rev 0004: the user's journal note

    @property
    def is_breathing(self) -> bool:
        return self.kind == SessionKind.BREATHING.value

    @property
    def duration_seconds(self) -> float | None:
        if self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.started_at).total_seconds())


@dataclass(frozen=True)
class SetRecord(SetCounts):
    effort: int | None
    skipped: bool
    capped: bool
    amber: bool
    finished_at: datetime


@dataclass(frozen=True)
class RedFlagRecord:
    session_id: int
    symptom: str
    raised_at: datetime
    session_seconds: float
    engine_state: str
    set_no: int | None
    exercise: str | None
    heard: str | None = None  # the words heard when the stop was spoken (None: key, button)


@dataclass(frozen=True)
class CheckinRecord:
    set_no: int
    question: str
    answer: str
    answered_at: datetime


@dataclass(frozen=True)
class EventRecord:
    kind: str
    at: datetime
    session_seconds: float
    state: str
    set_no: int | None
    seconds: float | None
    detail: str


@dataclass(frozen=True)
class SessionDetail:
    """Everything stored about one session."""

    row: HistoryRow
    routine_snapshot: dict[str, Any]
    error: str
    sets: tuple[SetRecord, ...]
    checkins: tuple[CheckinRecord, ...]
    red_flags: tuple[RedFlagRecord, ...]
    events: tuple[EventRecord, ...]
    note_at: datetime | None = None  # when the note was last written

    @property
    def note(self) -> str | None:
        return self.row.note


@dataclass(frozen=True)
class WeekCount:
    week_start: date  # the Monday, in the caller's time zone
    sessions: int


@dataclass(frozen=True)
class ScreeningRecord:
    id: int
    answers: dict[str, Any]
    taken_at: datetime
    acknowledgement: str | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class RedFlagStop:
    """A session stopped for a red flag whose follow-up confirmation is still missing.

    `session_id` is its database id (None while it is only in the local journal);
    `journal_key` its journal name (None for sessions recorded before the journal).
    `raised_at` is when the (last) red flag was raised.
    """

    session_id: int | None
    routine_name: str
    stopped_at: datetime
    symptoms: tuple[str, ...]
    journal_key: str | None = None
    raised_at: datetime | None = None

    def same_session(self, session_id: int | None, key: str | None) -> bool:
        return ((session_id is not None and session_id == self.session_id)
                or (key is not None and key == self.journal_key))


@dataclass(frozen=True)
class RecentEfforts:
    """One recent session as the progression rule sees it: how it ended, any amber or red
    sign, and every set's effort by exercise (None: not rated or skipped)."""

    session_id: int
    routine_id: str
    status: str
    amber: bool
    red_flag: bool
    efforts: dict[str, tuple[int | None, ...]]
