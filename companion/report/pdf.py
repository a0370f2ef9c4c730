"""Render the clinician summary to PDF with Qt's own text engine (no external tools), in
the font the package ships (companion/report/fonts.py), embedded in the file.

Black-and-white friendly: the chart uses solid vs dashed lines and hatching, not colour,
and every figure in the chart is also given in words.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from companion.core.safety_words import symptom_short
from companion.core.wording import counted
from companion.qt.core import (
    QPointF,
    QRectF,
    Qt,
    QUrl,
)
from companion.qt.gui import (
    QBrush,
    QFont,
    QGuiApplication,
    QImage,
    QPainter,
    QPen,
    QTextDocument,
)
from companion.report.data import RedFlagLine, ReportData
from companion.report.fonts import report_family
from companion.report.pages import print_pages

STATUS_WORDS = {
    "completed": "completed",
    "stopped_by_user": "stopped by the user",
    "stopped_red_flag": "STOPPED: red flag",
    "interrupted": "interrupted",
    "in_progress": "in progress",
}


#: Section 1. The seed's first talking point (section 6) is the person's "symptoms and
#: diagnosis", which only a clinician can give: the app has the person's own yes / not sure
#: answers to its health questions (SPEC: "it does not diagnose"), and says so.
HEALTH_ANSWERS_HEADING = "1. Health answers to discuss"


def _stops(lines: list[RedFlagLine]) -> list[list[RedFlagLine]]:
    """The red flags grouped by stop (one session), in order; a line without a session
    is a stop of its own."""
    stops: dict[object, list[RedFlagLine]] = {}
    for i, line in enumerate(lines):
        key = ("session", line.session_id) if line.session_id is not None else ("line", i)
        stops.setdefault(key, []).append(line)
    return list(stops.values())


def _stop_line(stop: list[RedFlagLine], when: Callable[[datetime], str]) -> str:
    """One stop in words: when, what the person reported (SYMPTOM_SHORT words), in which
    exercise, and whether and how they confirmed it (their chosen words, as stored)."""
    first = stop[0]
    symptoms = "; ".join(dict.fromkeys(symptom_short(r.symptom) for r in stop))
    exercise = next((r.exercise for r in stop if r.exercise), None)
    heard = next((r.heard for r in stop if r.heard), None)
    text = f"{when(first.at)}: reported {symptoms}" + (f" (during {exercise})" if exercise
                                                       else "") + ". "
    if heard:
        text += f"Stopped by voice: the app heard \u201c{heard}\u201d. "
    confirmed = next((r.confirmation for r in stop if r.confirmation is not None), None)
    if confirmed is not None:
        words = f": \u201c{confirmed.text}\u201d" if confirmed.text else " (no words recorded)"
        return text + f"Confirmed by the person on {when(confirmed.at)}{words}."
    if any(r.later_stop_confirmed for r in stop):
        return text + "No confirmation recorded for this stop; a later stop was confirmed."
    return text + "Not confirmed yet."


def _ul(items: list[str], empty: str = "None recorded.") -> str:
    if not items:
        return f"<p><i>{html.escape(empty)}</i></p>"
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def _mood_cell(before: int | None, after: int | None) -> str:
    """"3 &rarr; 4"; a missing side is "not given"; nothing when neither was given."""
    if before is None and after is None:
        return ""
    return (f"{'not given' if before is None else before} &rarr; "
            f"{'not given' if after is None else after}")


def _mood_chart(data: ReportData, width: int = 1400, height: int = 420) -> QImage:
    """Mood before (dashed) and after (solid) per session, 1-5; effort bars hatched (0-10)."""
    img = QImage(width, height, QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.white)
    p = QPainter(img)
    try:  # ended whatever happens: a painter left active on an image crashes Qt later
        _paint_mood_chart(p, data, width, height)
    finally:
        p.end()
    return img


def _paint_mood_chart(p: QPainter, data: ReportData, width: int, height: int) -> None:
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    left, right, top, bottom = 90, 90, 30, 60
    plot = QRectF(left, top, width - left - right, height - top - bottom)
    font = QFont(report_family(), 16)
    p.setFont(font)
    p.setPen(QPen(Qt.GlobalColor.black, 2))
    p.drawRect(plot)
    for mood in range(1, 6):
        y = plot.bottom() - (mood - 1) / 4 * plot.height()
        p.setPen(QPen(Qt.GlobalColor.lightGray, 1))
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        p.setPen(Qt.GlobalColor.black)
        p.drawText(QRectF(0, y - 12, left - 10, 24), Qt.AlignmentFlag.AlignRight, str(mood))
    # effort has its own scale on the right (0-10): the bars must not be read against
    # the mood scale on the left (a tester read a mean effort of 5.0 as "3")
    for effort in range(0, 11, 2):
        y = plot.bottom() - effort / 10 * plot.height()
        p.drawText(QRectF(plot.right() + 10, y - 12, right - 14, 24),
                   Qt.AlignmentFlag.AlignLeft, str(effort))
    p.drawText(QRectF(0, 0, left - 10, top), Qt.AlignmentFlag.AlignRight, "Mood")
    p.drawText(QRectF(plot.right() + 6, 0, right, top), Qt.AlignmentFlag.AlignLeft, "Effort")
    sessions = data.sessions[-40:]
    n = max(1, len(sessions))
    step = plot.width() / n
    for i, s in enumerate(sessions):
        if s.mean_effort is None:
            continue
        h = s.mean_effort / 10 * plot.height()
        bar = QRectF(plot.left() + i * step + step * 0.3, plot.bottom() - h, step * 0.4, h)
        p.fillRect(bar, QBrush(Qt.GlobalColor.darkGray, Qt.BrushStyle.BDiagPattern))
    for attr, style in (("mood_before", Qt.PenStyle.DashLine),
                        ("mood_after", Qt.PenStyle.SolidLine)):
        p.setPen(QPen(Qt.GlobalColor.black, 4, style))
        last: QPointF | None = None
        for i, s in enumerate(sessions):
            mood = getattr(s, attr)
            if mood is None:
                last = None
                continue
            pt = QPointF(plot.left() + (i + 0.5) * step,
                         plot.bottom() - (mood - 1) / 4 * plot.height())
            if last is not None:
                p.drawLine(last, pt)
            p.drawEllipse(pt, 5, 5)
            last = pt
    p.setPen(Qt.GlobalColor.black)
    p.drawText(QRectF(left, height - bottom + 10, plot.width(), 40),
               Qt.AlignmentFlag.AlignLeft,
               "Mood 1-5 (left): dashed = before, solid = after.  "
               "Hatched bars: mean effort, CR10 0-10 (right).")


def build_html(data: ReportData) -> str:
    from companion.localtime import local_text, local_zone, wall_text, zone_name

    e = html.escape
    tz = data.tz or local_zone()

    def day(at: datetime) -> str:
        return at.astimezone(tz).strftime("%Y-%m-%d")

    def start_time(at: datetime) -> str:  # several sessions on one day stay apart
        return wall_text(at, tz)

    def when(at: datetime) -> str:
        return local_text(at, tz)

    workouts = [s for s in data.sessions if s.kind != "breathing"]
    breathing = [s for s in data.sessions if s.kind == "breathing"]
    done = [s for s in workouts if s.status == "completed"]
    # done to the end, then U on the end screen: counted toward the goal, as at the start
    done_then_flagged = [s for s in workouts if s.counted and s.status != "completed"]
    moods = [(s.mood_before, s.mood_after) for s in data.sessions
             if s.mood_before is not None and s.mood_after is not None]
    change = (sum(b - a for a, b in moods) / len(moods)) if moods else None
    efforts = [s.mean_effort for s in data.sessions if s.mean_effort is not None]
    weeks = data.weekly_counts
    met = sum(1 for _, c in weeks if c >= data.weekly_goal)
    who = f"<b>{e(data.person)}</b>. " if data.person else ""
    none_answered = ("Health questions not answered yet." if data.screening_taken_at is None
                     else "Nothing answered yes or not sure.")
    parts = [
        "<h1>Companion: exercise summary for a clinician</h1>",
        f"<p>{who}Period {e(data.period_start.isoformat())} to "
        f"{e(data.period_end.isoformat())}. "
        f"Generated {e(when(data.generated_at))}. Days and times are local time "
        f"({e(zone_name(tz))}). Companion is not a "
        "medical device; this summary is the user's own record to support a conversation, "
        "not a diagnosis.</p>",
        "<p>Sections 1 to 3 list the person's own answers (yes or not sure) to the app's "
        "health questions, each with what to talk about.</p>",
        f"<h2>{e(HEALTH_ANSWERS_HEADING)}</h2>",
        _ul(data.health_answers, none_answered),
        "<h2>2. Current treatment and medications</h2>",
        _ul(data.treatment_and_medications, none_answered),
        "<h2>3. Physical limitations</h2>",
        _ul(data.physical_limitations, none_answered),
        "<h2>4. Proposed routine</h2>",
        f"<p><b>{e(data.routine_name or 'No routine chosen yet')}</b></p>",
        _ul(data.routine_lines, "—"),
    ]
    if data.adaptations:
        parts += ["<p>Adaptations the app applies:</p>", _ul(data.adaptations)]
    parts += [
        "<h2>Consistency, effort and mood</h2>",
        f"<p>{counted(len(workouts), 'session')} in the period, {len(done)} completed"
        + (f" and {len(done_then_flagged)} more done to the end, then stopped for a red flag "
           "(counted toward the goal)" if done_then_flagged else "") + ". "
        + (f"Also {counted(len(breathing), 'breathing session')} "
           "on their own. " if breathing else "")
        + f"Weekly goal: {counted(data.weekly_goal, 'session')}; met in {met} of "
        + f"{counted(len(weeks), 'week')}.",
        (f" Average effort (CR10): {sum(efforts) / len(efforts):.1f}." if efforts else ""),
        (f" Average mood change during a session: {change:+.1f} on a 1-5 scale "
         f"({counted(len(moods), 'session')} with both ratings)." if change is not None
         else ""),
        "</p>",
        '<p><img src="chart://mood" width="520"></p>',
        "<h2>Red-flag stops</h2>",
        _ul([_stop_line(stop, when) for stop in _stops(data.red_flags)],
            "No red-flag stops in this period."),
        "<h2>Screening answers</h2>",
    ]
    if data.screening_taken_at is None:
        parts.append("<p><i>Screening not taken.</i></p>")
    else:
        parts.append(f"<p>Taken {e(day(data.screening_taken_at))}.</p>")
        rows = "".join(
            f"<tr><td>{e(s.question)}</td><td><b>{e(s.answer)}</b>"
            + (f"; {e(s.follow_up)}" if s.follow_up else "") + "</td></tr>"
            for s in data.screening
        )
        parts.append(f'<table border="1" cellpadding="4" cellspacing="0" width="100%">'
                     f"{rows}</table>")
        if data.acknowledgement:
            parts.append(f"<p>Acknowledged: {e(data.acknowledgement)}</p>")
    parts.append("<h2>Sessions</h2>")
    rows = "".join(
        f"<tr><td>{e(start_time(s.started_at))}</td><td>{e(s.routine_name)}</td>"
        f"<td>{e(STATUS_WORDS.get(s.status, s.status))}</td><td>{s.sets_done}</td>"
        f"<td>{'' if s.mean_effort is None else f'{s.mean_effort:.1f}'}</td>"
        f"<td>{_mood_cell(s.mood_before, s.mood_after)}</td></tr>"
        for s in data.sessions[-25:]
    )
    parts.append(
        '<table border="1" cellpadding="3" cellspacing="0" width="100%">'
        "<tr><th>Started</th><th>Routine</th><th>Ended</th><th>Sets</th><th>Effort</th>"
        f"<th>Mood</th></tr>{rows}</table>"
    )
    if len(data.sessions) > 25:
        parts.append(f"<p><i>Last 25 of {len(data.sessions)} sessions shown.</i></p>")
    if data.include_notes:
        notes = [s for s in data.sessions if s.note]
        parts.append("<h2>The user's own notes</h2>")
        parts.append(_ul([f"{day(s.started_at)} ({s.routine_name}): {s.note}"
                          for s in notes], "No notes in this period."))
    return "\n".join(parts)


def write_pdf(data: ReportData, path: Path) -> None:
    """Write the PDF to `path`: all or nothing (temp file + rename), private (0600).

    Needs a QGuiApplication (offscreen is fine). Raises `companion.files.WriteFailed`
    (one line: the path and why) when the disk or the folder refuses, or when the path is
    a folder.
    """
    from companion.files import write_atomic

    write_atomic(path, render_pdf(data))


def render_pdf(data: ReportData) -> bytes:
    """The PDF's bytes (Qt writes into memory; the caller decides where they go): A4, as
    many pages as the content fills and never a trailing empty one (`print_pages`).

    Needs a QGuiApplication (RuntimeError otherwise).
    """
    if QGuiApplication.instance() is None:
        raise RuntimeError("write_pdf needs a QGuiApplication")
    return print_pages(_document(data))


def _document(data: ReportData) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultFont(QFont(report_family(), 9))
    doc.setDefaultStyleSheet(
        "h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 10px; } "
        "td, th { font-size: 8pt; }"
    )
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("chart://mood"),
                    _mood_chart(data))
    doc.setHtml(build_html(data))
    return doc
