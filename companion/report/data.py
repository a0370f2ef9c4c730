"""The content of a clinician summary as plain data, gathered by the caller (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo


@dataclass(frozen=True)
class SessionLine:
    started_at: datetime
    routine_name: str
    status: str
    minutes: float
    sets_done: int
    mean_effort: float | None
    mood_before: int | None
    mood_after: int | None
    kind: str = "workout"  # or "breathing" (a stand-alone breathing session)
    note: str | None = None  # the user's note, only when they chose to include notes


@dataclass(frozen=True)
class RedFlagLine:
    at: datetime
    symptom: str
    exercise: str | None


@dataclass(frozen=True)
class ScreeningLine:
    question: str
    answer: str
    discuss: str = ""


@dataclass(frozen=True)
class ReportData:
    """Everything the PDF shows; empty lists print as a plain 'none recorded'."""

    period_start: date
    period_end: date
    generated_at: datetime
    weekly_goal: int
    sessions: list[SessionLine] = field(default_factory=list)
    red_flags: list[RedFlagLine] = field(default_factory=list)
    screening_taken_at: datetime | None = None
    screening: list[ScreeningLine] = field(default_factory=list)
    acknowledgement: str = ""
    symptoms_and_diagnosis: list[str] = field(default_factory=list)
    treatment_and_medications: list[str] = field(default_factory=list)
    physical_limitations: list[str] = field(default_factory=list)
    routine_name: str = ""
    routine_lines: list[str] = field(default_factory=list)
    adaptations: list[str] = field(default_factory=list)
    weekly_counts: list[tuple[date, int]] = field(default_factory=list)
    #: the zone every day and time in the report is shown in (None: the system's)
    tz: tzinfo | None = None
    include_notes: bool = False  # the user ticked "include my notes"
    person: str = ""  # whose summary it is (the profile's name)
