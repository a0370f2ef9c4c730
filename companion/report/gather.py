"""Collect a clinician summary's content from the history database and the screening.

The seed's four talking points are filled from the screening answers: which questions
were answered yes / not sure decides the section (conditions -> symptoms and diagnosis,
medications -> treatment, body and balance -> physical limitations).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from companion.core.routine import Routine
from companion.core.safety import Answer, ScreeningResult
from companion.localtime import day_range, local_zone
from companion.report.data import RedFlagLine, ReportData, ScreeningLine, SessionLine
from companion.safety.content import Screening
from companion.storage.database import Database
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
    weekly goal only with `count_breathing` (as in the app).
    """
    tz = tz or local_zone()
    now = now or datetime.now(tz)
    start, end = day_range(since, until, tz)
    rows = list(reversed(db.history(since=start, until=end)))
    sessions = [
        SessionLine(
            started_at=r.started_at,
            routine_name=r.routine_name,
            status=r.status,
            minutes=((r.ended_at - r.started_at).total_seconds() / 60) if r.ended_at else 0.0,
            sets_done=r.sets_done,
            mean_effort=r.avg_effort,
            mood_before=r.mood_before,
            mood_after=r.mood_after,
            kind=r.kind,
            note=r.note if include_notes else None,
        )
        for r in rows
    ]
    flags = [RedFlagLine(f.raised_at, f.symptom, f.exercise)
             for f in db.red_flags(since=start, until=end)]
    weeks = max(1, min(52, ((until - since).days // 7) + 1))
    last_instant = end - timedelta(microseconds=1)  # the period's last week, not the next
    kinds = WITH_BREATHING if count_breathing else COUNTED_KINDS
    weekly = [(w.week_start, w.sessions)
              for w in db.weekly_counts(weeks=weeks, now=last_instant, tz=tz, kinds=kinds)]

    record = db.latest_screening()
    diagnosis: list[str] = []
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
            lines.append(ScreeningLine(q.text, ANSWER_WORDS.get(answer, answer.value), q.discuss))
            if not answer.applies:
                continue
            item = f"{q.text} ({ANSWER_WORDS.get(answer, answer.value)}). To discuss: {q.discuss}"
            if TREATMENT_FLAGS & set(q.sets):
                treatment.append(item)
            elif LIMITATION_FLAGS & set(q.sets):
                limitations.append(item)
            else:
                diagnosis.append(item)
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
        symptoms_and_diagnosis=diagnosis,
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
