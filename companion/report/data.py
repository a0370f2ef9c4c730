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
    counted: bool = False  # counts toward the weekly goal (completed, or done then U)


@dataclass(frozen=True)
class Confirmation:
    """How the person confirmed it was fine to exercise again after a red-flag stop.

    `text`: the words they chose, as stored (the app stores one of
    `companion.core.safety.ACK_LABELS`; "" when no words were recorded); `at`: when (aware).
    """

    at: datetime
    text: str


@dataclass(frozen=True)
class RedFlagLine:
    """One red flag raised in the period: when (aware), which symptom (`Symptom.value`), in
    which exercise, and the confirmation its stop needs before the next session."""

    at: datetime
    symptom: str
    exercise: str | None
    #: the stored session; the lines of one stop share it (None: each line is its own stop)
    session_id: int | None = None
    #: the person's confirmation of this stop (None: none recorded for it)
    confirmation: Confirmation | None = None
    #: no confirmation of its own, but a later stop was confirmed (the app's gate counts
    #: that one for the older stops too: companion.storage.repository.safety)
    later_stop_confirmed: bool = False
    #: the words heard when the stop was spoken ("my chest hurts"); None for a key or button
    heard: str | None = None


@dataclass(frozen=True)
class ScreeningLine:
    """One answered health question: its text, the answer in words ("yes", "no",
    "not sure"), what to discuss, and the follow-up answer in words when one was given
    (pregnancy: "trimester: " and the trimester's label from resources/screening.toml)."""

    question: str
    answer: str
    discuss: str = ""
    follow_up: str = ""


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
    #: the person's own yes / not sure answers to the health questions that are neither
    #: medication nor a physical limitation, with what to discuss (never a diagnosis)
    health_answers: list[str] = field(default_factory=list)
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
