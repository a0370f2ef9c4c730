"""The routine a clinician summary proposes (the CLI's `companion report` and the History
window's Report button share it): the one asked for, else the last workout's, else the
starter, adapted to the person's latest screening."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from companion.core.routine import Routine
from companion.core.safety import adapt
from companion.errors import KnownError
from companion.routines.library import RoutineLibrary
from companion.safety.content import Screening
from companion.storage.database import Database

log = logging.getLogger(__name__)


def proposed_routine(db: Database, routines_dir: Path, screening: Screening, ref: str = "",
                     *, until: datetime | None = None) -> tuple[Routine | None, list[str]]:
    """(routine, adaptation notes) for the report.

    `ref` is a routine id or file (empty: the routine of the last workout before `until`, or
    the starter when there is none or it is gone). Notes are empty without a screening.
    """
    if not ref:
        last = [r for r in db.history(limit=20, until=until) if not r.is_breathing][:1]
        ref = last[0].routine_id if last else "starter"
    library = RoutineLibrary(routines_dir)
    try:
        entry = library.find(ref)
    except KnownError:
        log.info("routine %r not found; the report proposes the starter", ref)
        entry = library.find("starter")
    profile = screening.stored_profile(db.latest_screening())
    if entry.routine is None or profile is None:
        return entry.routine, []
    adapted = adapt(entry.routine, entry.alternatives, profile)
    return adapted.routine, list(adapted.notes)
