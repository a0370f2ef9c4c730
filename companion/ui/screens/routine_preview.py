"""What a person reads about a routine before starting it (the start screen's preview,
the routine editor's), and a broken routine file's problems in one line each."""

from __future__ import annotations

import html

from companion.core.safety import Adapted
from companion.core.timeline import compile_plan
from companion.core.wording import counted
from companion.routines import Problem, RoutineEntry
from companion.ui.widgets.style import fmt_duration


def problem_text(problem: Problem) -> str:
    """'message (line 3, exercises.0.reps)': where the problem is, when it is known."""
    where = [w for w in (f"line {problem.line}" if problem.line else "", problem.key) if w]
    return f"{problem.message} ({', '.join(where)})" if where else problem.message


def routine_preview_html(entry: RoutineEntry, adapted: Adapted | None = None) -> str:
    """The preview a person reads before starting: moves, rounds, rests, time, and what the
    health answers change (the routine shown is the one that will run)."""
    r = adapted.routine if adapted is not None else entry.routine
    if r is None:
        return ""
    plan = compile_plan(r, adapted.options() if adapted is not None else None)
    total = plan.total_seconds
    rows = []
    for ex in r.exercises:
        extra = f" · {', '.join(ex.equipment)}" if ex.equipment else ""
        rows.append(f"<li><b>{html.escape(ex.name)}</b>: {html.escape(ex.target_text)}"
                    f"{html.escape(extra)}</li>")
    rests = sorted({r.rest_after(ex) for ex in r.exercises})
    rest_text = " / ".join(f"{s:g}" for s in rests)
    desc = f"<p>{html.escape(r.description)}</p>" if r.description else ""
    notes = ""
    if adapted is not None and adapted.notes:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in adapted.notes)
        notes = f"<p><b>Adapted to your health answers:</b></p><ul>{items}</ul>"
    for note in plan.notes:  # what runs differently from the file (e.g. a lengthened rest)
        notes += f"<p><b>Note:</b> {html.escape(note)}</p>"
    return (
        f"<h2>{html.escape(r.name)}</h2>{desc}"
        f"<p><b>{counted(len(r.exercises), 'exercise')} × {counted(r.rounds, 'round')}</b>"
        f" · rest {rest_text} s "
        f"between sets · about <b>{fmt_duration(total)}</b> in all, with a calm arrival "
        f"and a cool-down</p><ul>{''.join(rows)}</ul>{notes}"
    )
