"""Render the history window, a session's timeline and the clinician summary's first page
to PNGs: `python -m tools.history_screenshots docs/screenshots`.

The pictures come from a demo history (four months, two routines, one red-flag stop, one
interruption) written into a throwaway SQLite file through the real storage models. The
PDF page is rendered with QtPdf (PySide6-Addons), so no external tool is needed.
"""

from __future__ import annotations

import functools
import logging
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication

from companion.config import Paths
from companion.storage import Database
from companion.storage.models import (
    CheckinRow,
    RedFlagRow,
    SessionEventRow,
    SessionRow,
    SetRow,
)

log = logging.getLogger(__name__)

STARTER = [("Bodyweight squats", 12, None), ("Push-ups", None, None),
           ("Bent-over rows", 10, None), ("Plank", None, 30.0)]
QUICK = [("Bodyweight squats", 10, None), ("Knee push-ups", 8, None), ("Glute bridge", 10, None)]
QUESTION = "Any chest pain, bad breathlessness, dizziness, sharp pain or sudden headache?"
NOTES = ["Slept badly but felt clearer afterwards.", "Squats felt steadier today.",
         "Short on time; glad I did it anyway.", "Calmer after the cool-down breathing."]
BREATHING = [("coherent", "Coherent breathing", 5), ("extended_exhale", "Longer out-breath", 3),
             ("box", "Box breathing", 4)]


def fill_demo_history(db: Database, now: datetime, weeks: int = 17, seed: int = 3) -> None:
    """About two sessions a week, effort settling and mood lifting after sessions."""
    rng = random.Random(seed)
    start = now - timedelta(weeks=weeks)
    day = start
    n = 0
    with db.session() as s:
        while day < now - timedelta(hours=6):
            day += timedelta(days=rng.choice([2, 3, 3, 4]), hours=rng.randint(-3, 3))
            if day >= now - timedelta(hours=6):
                break
            n += 1
            quick = n % 5 == 0
            plan = QUICK if quick else STARTER
            status = "completed"
            if n == 24:
                status = "stopped_red_flag"
            elif n == 14:
                status = "interrupted"
            elif n == 20:
                status = "stopped_by_user"
            progress = n / 40
            before = max(1, min(5, round(2 + rng.uniform(-1, 1) + progress)))
            after = None if status in ("stopped_red_flag", "interrupted") else min(
                5, before + rng.choice([0, 1, 1, 2]))
            rounds = 2
            sets = [(r, ex) for r in range(1, rounds + 1) for ex in plan]
            stop_at = {"stopped_red_flag": 5, "interrupted": 3, "stopped_by_user": 6}.get(
                status, len(sets))
            row = SessionRow(profile_id=db.pid, routine_id="quick-ten" if quick else "starter",
                             routine_name="Quick 10-minute circuit" if quick else "Starter circuit",
                             routine_snapshot={}, set_count=len(sets), started_at=day,
                             ended_at=day + timedelta(minutes=2.3 * stop_at + 4),
                             last_event_at=day, status=status, mood_before=before,
                             mood_after=after)
            s.add(row)
            s.flush()
            t = 60.0
            for set_no, (rnd, (name, reps, secs)) in enumerate(sets[:stop_at]):
                t += rng.uniform(90, 140)
                effort = max(2, min(9, round(7 - 2.5 * progress + rng.uniform(-1.5, 1.5))))
                skipped = n == 17 and set_no == 3
                fatigue_reps = rng.randint(6, 12)
                s.add(SetRow(
                    session_id=row.id, set_no=set_no, round=rnd, exercise=name,
                    planned_reps=reps, planned_seconds=secs,
                    actual_reps=None if skipped or secs else (reps or fatigue_reps),
                    actual_seconds=None if skipped else (secs or rng.uniform(25, 45)),
                    effort=None if skipped else effort, skipped=skipped,
                    amber=effort >= 8 and not skipped,
                    finished_at=day + timedelta(seconds=t), session_seconds=t))
                s.add(CheckinRow(session_id=row.id, set_no=set_no, question=QUESTION,
                                 answer="all_clear",
                                 answered_at=day + timedelta(seconds=t + 6)))
                if effort >= 8 and not skipped:
                    s.add(SessionEventRow(session_id=row.id, kind="rest_extended",
                                          at=day + timedelta(seconds=t + 10),
                                          session_seconds=t + 10, state="rest",
                                          set_no=set_no, seconds=30.0))
                if set_no == 2 and n % 4 == 1:
                    s.add(SessionEventRow(session_id=row.id, kind="paused",
                                          at=day + timedelta(seconds=t + 30),
                                          session_seconds=t + 30, state="rest"))
                    s.add(SessionEventRow(session_id=row.id, kind="resumed",
                                          at=day + timedelta(seconds=t + 95),
                                          session_seconds=t + 95, state="rest"))
                    t += 65
            if status == "stopped_red_flag":
                t += 40
                s.add(RedFlagRow(session_id=row.id, symptom="dizziness",
                                 raised_at=day + timedelta(seconds=t), session_seconds=t,
                                 engine_state="work", set_no=stop_at,
                                 exercise=sets[stop_at][1][0]))
                row.note = (f"Light-headed during the {sets[stop_at][1][0].lower()}, so I "
                            "stopped and sat down. Booked a check-up with my doctor.")
                row.note_at = row.ended_at
            elif n % 6 == 0:
                row.note = NOTES[(n // 6) % len(NOTES)]
                row.note_at = row.ended_at
        # a breathing session on its own now and then (issue 20)
        for i, week in enumerate(range(2, weeks, 3)):
            pid, name, minutes = BREATHING[i % len(BREATHING)]
            at = start + timedelta(weeks=week, days=1, hours=20)
            s.add(SessionRow(profile_id=db.pid, routine_id=f"breathing-{pid}",
                             routine_name=f"Breathing: {name}",
                             routine_snapshot={"kind": "breathing", "pattern": pid,
                                               "minutes": minutes},
                             set_count=0, started_at=at, ended_at=at + timedelta(minutes=minutes),
                             last_event_at=at, status="completed", kind="breathing",
                             mood_before=2, mood_after=3,
                             note="Before bed: easier to settle." if week == 5 else None,
                             note_at=at if week == 5 else None))


def fill_demo_screening(db: Database, taken_at: datetime) -> None:
    """Knee pain and beta-blockers: what a clinician summary would lead with."""
    from companion.core.safety import Answer, ScreeningResult
    from companion.safety.content import load_screening

    yes = {"joint_pain", "beta_blockers"}
    answers = {q.id: Answer.YES if q.id in yes else Answer.NO
               for q in load_screening().questions if q.id != "trimester"}
    result = ScreeningResult(answers, acknowledged=True, taken_at=taken_at,
                             acknowledgement_text="I will check with my clinician first")
    db.save_screening(result.to_json(), result.acknowledgement_text, taken_at=taken_at)


def _palette(dark: bool) -> QPalette:
    try:  # the desktop's palette when present, so all screenshots match
        from companion.ui.widgets.style import make_palette  # type: ignore[import-not-found,unused-ignore]

        return make_palette(dark)  # type: ignore[no-any-return,unused-ignore]
    except ImportError:
        pal = QPalette(QColor("#121212") if dark else QColor("#efefef"))
        if dark:
            for role, color in ((QPalette.ColorRole.Base, "#1c1c1c"),
                                (QPalette.ColorRole.AlternateBase, "#262626"),
                                (QPalette.ColorRole.Text, "#f2f2f2"),
                                (QPalette.ColorRole.WindowText, "#f2f2f2"),
                                (QPalette.ColorRole.ButtonText, "#f2f2f2"),
                                (QPalette.ColorRole.Highlight, "#5aa9ff")):
                pal.setColor(role, QColor(color))
        return pal


def render_pdf_page(pdf: Path, png: Path, width: int = 1240) -> None:
    """The PDF's first page as a PNG (QtPdf; white behind the page)."""
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    doc.load(str(pdf))
    if doc.pageCount() < 1:
        raise RuntimeError(f"{pdf}: no page to render ({doc.error()})")
    size = doc.pagePointSize(0)
    height = round(width * size.height() / size.width())
    page = doc.render(0, QSize(width, height))
    out = QImage(page.size(), QImage.Format.Format_RGB32)
    out.fill(QColor("white"))
    p = QPainter(out)
    p.drawImage(0, 0, page)
    p.end()
    out.save(str(png))
    doc.close()


def _wait(app: QApplication, signal_fired: list[object]) -> None:
    while not signal_fired:
        app.processEvents()


def render(out_dir: Path) -> list[Path]:
    """Write history.png, history-dark.png, history-detail.png and report-page1.png."""
    from companion.ui.history.report import write_report
    from companion.ui.history.window import HistoryWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    original = app.palette()
    with tempfile.TemporaryDirectory(prefix="companion-shots-") as tmp:
        paths = Paths(Path(tmp) / "data").ensure()
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        with Database.open(f"sqlite:///{Path(tmp) / 'demo.sqlite3'}") as db:
            fill_demo_history(db, now)
            fill_demo_screening(db, now - timedelta(days=120))
            for dark, name in ((False, "history.png"), (True, "history-dark.png")):
                app.setPalette(_palette(dark))
                window = HistoryWindow(db, weekly_goal=2, paths=paths)
                window.resize(1400, 820)
                done: list[object] = []
                window.loaded.connect(functools.partial(done.append, True))
                window.show()
                _wait(app, done)
                for _ in range(3):
                    app.processEvents()
                window.grab().save(str(out_dir / name))
                written.append(out_dir / name)
                if not dark:
                    flagged = next(i for i in range(window.proxy.rowCount())
                                   if window.proxy.data(window.proxy.index(i, 4))
                                   == "Stopped: red flag")
                    window.open_detail(window.proxy.index(flagged, 0))
                    deadline = time.monotonic() + 10
                    while window.detail_view is None and time.monotonic() < deadline:
                        app.processEvents()
                        time.sleep(0.01)
                    view = window.detail_view
                    assert view is not None
                    view.resize(900, 640)
                    for _ in range(3):
                        app.processEvents()
                    view.grab().save(str(out_dir / "history-detail.png"))
                    written.append(out_dir / "history-detail.png")
                    view.close()
                window.close()
                window.deleteLater()
                app.processEvents()
            app.setPalette(original)
            pdf = Path(tmp) / "summary.pdf"
            today = now.astimezone().date()  # the local day, as a person picks it
            write_report(db, pdf, today - timedelta(days=90), today, weekly_goal=2,
                         paths=paths)
            render_pdf_page(pdf, out_dir / "report-page1.png")
            written.append(out_dir / "report-page1.png")
    for path in written:
        log.info("wrote %s", path)
    return written


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = Path(argv[0]) if argv else Path("docs/screenshots")
    for path in render(out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
