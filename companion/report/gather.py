"""Collect a clinician summary's content from the history database and the screening.

The seed's talking points for the talk with a clinician (section 6, "When should I talk to
my doctor...") are filled from the person's own answers to the health questions (the
pre-participation screening, seed sections 3 and 5). Which questions were answered yes /
not sure decides the section: medications -> treatment; body, balance and pregnancy ->
physical limitations; the other conditions -> health answers to discuss. The app never
diagnoses: these are the person's answers, not findings.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from companion.core.routine import Routine
from companion.core.safety import Answer, ScreeningResult
from companion.localtime import day_range, local_zone
from companion.report.data import (
    Confirmation,
    RedFlagLine,
    ReportData,
    ScreeningLine,
    SessionLine,
)
from companion.safety.content import Question, Screening
from companion.storage.database import Database
from companion.storage.models import NOTE_MAX_CHARS
from companion.storage.repository import COUNTED_KINDS, WITH_BREATHING

TREATMENT_FLAGS = {"antidepressants", "beta_blockers"}
LIMITATION_FLAGS = {"musculoskeletal", "frailty_balance", "pregnant"}

ANSWER_WORDS = {Answer.YES: "yes", Answer.NO: "no", Answer.NOT_SURE: "not sure"}


def _routine_lines(routine: Routine) -> list[str]:
    lines = []
    for ex in routine.exercises:
        rest = routine.rest_after(ex)
        lines.append(f"{ex.name}: {ex.target_text}, {routine.rounds} rounds, "
                     f"{rest:g} s rest after each set")
    return lines


def _follow_up(question: Question, result: ScreeningResult, answer: Answer) -> str:
    """The pregnancy follow-up in words ("trimester: " + its label in
    resources/screening.toml), or "" when the question has none, the answer was no, or no
    trimester was given."""
    if question.follow_up is None or result.trimester is None or not answer.applies:
        return ""
    value = result.trimester.value
    label = dict(question.follow_up.choices).get(value, value.replace("_", " "))
    return f"trimester: {label}"


def _confirmations(db: Database, session_ids: set[int]) -> dict[int, Confirmation]:
    """Session id -> the first confirmation stored for its red-flag stop (the words the
    person chose and when), for the given sessions only."""
    return {sid: Confirmation(at, text)
            for sid, (at, text) in db.red_flag_confirmations(session_ids).items()}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _note(text: str | None) -> str | None:
    """A note as the app keeps it: at most NOTE_MAX_CHARS characters (one edited past that
    by hand is cut, with an ellipsis, so the summary cannot grow without end)."""
    if text is None or len(text) <= NOTE_MAX_CHARS:
        return text
    return text[:NOTE_MAX_CHARS] + "\u2026"


def _rating(value: object) -> int | None:
    """A stored mood (1-5), or None for anything else (a value edited by hand, 'good',
    9): the summary draws and averages only what the scale allows."""
    return value if isinstance(value, int) and not isinstance(value, bool) \
        and 1 <= value <= 5 else None


def _in_range(value: object, low: float, high: float) -> float | None:
    """A number within [low, high], else None (an average over values edited by hand)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if low <= value <= high else None


def _red_flags(db: Database, start: datetime, end: datetime) -> list[RedFlagLine]:
    """The red flags raised in [start, end), oldest first, each with how its stop was
    confirmed (whenever that was, also after the period)."""
    every = db.red_flags()  # all of them: a later stop's confirmation settles older ones
    confirmed = _confirmations(db, {f.session_id for f in every})
    confirmed_at_raise = [f.raised_at for f in every if f.session_id in confirmed]
    lines = []
    for f in every:
        if not start <= f.raised_at < end:
            continue
        own = confirmed.get(f.session_id)
        later = own is None and any(at > f.raised_at for at in confirmed_at_raise)
        lines.append(RedFlagLine(f.raised_at, f.symptom, f.exercise, session_id=f.session_id,
                                 confirmation=own, later_stop_confirmed=later,
                                 heard=f.heard))
    return lines


def gather(
    db: Database,
    screening: Screening,
    *,
    since: date,
    until: date,
    weekly_goal: int,
    routine: Routine | None = None,
    adaptations: list[str] | None = None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    include_notes: bool = False,
    count_breathing: bool = False,
) -> ReportData:
    """The report's content for the local days `since`..`until` (both included).

    Days and weeks are the person's (`tz`, default the system's zone with its DST rules):
    a session at 21:00 in New York is on that day, not on the next UTC one. The user's
    journal notes are in it only with `include_notes`; breathing sessions count toward the
    weekly goal only with `count_breathing` (as in the app). Each red-flag stop comes with
    the person's confirmation (the words chosen from `ACK_LABELS` and when, also after the
    period), and the pregnancy answer with its trimester when one was given.
    """
    tz = tz or local_zone()
    now = now or datetime.now(tz)
    start, end = day_range(since, until, tz)
    rows = list(reversed(db.history(since=start, until=end)))
    counted = db.counted_sessions(start, end)
    sessions = [
        SessionLine(
            started_at=r.started_at,
            routine_name=r.routine_name,
            status=r.status,
            minutes=((r.ended_at - r.started_at).total_seconds() / 60) if r.ended_at else 0.0,
            sets_done=r.sets_done,
            mean_effort=_in_range(r.avg_effort, 0, 10),
            mood_before=_rating(r.mood_before),
            mood_after=_rating(r.mood_after),
            kind=r.kind,
            note=_note(r.note) if include_notes else None,
            counted=r.id in counted,
        )
        for r in rows
    ]
    flags = _red_flags(db, start, end)
    # every calendar week the period touches (Monday first): a longer period was cut to its
    # last 52 weeks, and said "met in 0 of 52 weeks" beside 38 completed sessions
    weeks = max(1, (_monday(until) - _monday(since)).days // 7 + 1)
    last_instant = end - timedelta(microseconds=1)  # the period's last week, not the next
    kinds = WITH_BREATHING if count_breathing else COUNTED_KINDS
    weekly = [(w.week_start, w.sessions)
              for w in db.weekly_counts(weeks=weeks, now=last_instant, tz=tz, kinds=kinds)]

    record = db.latest_screening()
    health: list[str] = []
    treatment: list[str] = []
    limitations: list[str] = []
    lines: list[ScreeningLine] = []
    taken_at = None
    ack = ""
    if record is not None:
        result = ScreeningResult.from_json(record.answers)
        taken_at = record.taken_at
        ack = record.acknowledgement or result.acknowledgement_text
        for q in screening.questions:
            answer = result.answers.get(q.id)
            if answer is None:
                continue
            words = ANSWER_WORDS.get(answer, answer.value)
            follow_up = _follow_up(q, result, answer)
            lines.append(ScreeningLine(q.text, words, q.discuss, follow_up))
            if not answer.applies:
                continue
            given = f"{words}; {follow_up}" if follow_up else words
            item = f"{q.text} ({given}). To discuss: {q.discuss}"
            if TREATMENT_FLAGS & set(q.sets):
                treatment.append(item)
            elif LIMITATION_FLAGS & set(q.sets):
                limitations.append(item)
            else:
                health.append(item)
    return ReportData(
        period_start=since,
        period_end=until,
        generated_at=now,
        weekly_goal=weekly_goal,
        sessions=sessions,
        red_flags=flags,
        screening_taken_at=taken_at,
        screening=lines,
        acknowledgement=ack,
        health_answers=health,
        treatment_and_medications=treatment,
        physical_limitations=limitations,
        routine_name=routine.name if routine else "",
        routine_lines=_routine_lines(routine) if routine else [],
        adaptations=adaptations or [],
        weekly_counts=weekly,
        tz=tz,
        include_notes=include_notes,
        person=db.profile.name,
    )
