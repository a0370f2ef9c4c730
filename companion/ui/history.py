"""`History` backed by the storage `Database` (the in-memory one stays for tests)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from companion.core.routine import Routine
from companion.storage import Database
from companion.storage import repository as repo
from companion.ui.services import EngineListener

log = logging.getLogger(__name__)


class DatabaseHistory:
    """The start and end screens' view of the history database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def sessions_this_week(self, now: dt.datetime | None = None, *,
                           count_breathing: bool = False) -> int:
        kinds = repo.WITH_BREATHING if count_breathing else repo.COUNTED_KINDS
        return self.db.sessions_this_week(now, kinds=kinds)

    def suggested_routine_id(self) -> str | None:
        """The routine of the last workout (a breathing session suggests no routine)."""
        rows = self.db.history(limit=10)
        return next((r.routine_id for r in rows if not r.is_breathing), None)

    def recorder_for(self, routine: Routine,
                     snapshot: dict[str, Any] | None = None) -> EngineListener | None:
        return self.db.recorder(routine, snapshot=snapshot)

    def save_note(self, session_id: int, text: str) -> None:
        self.db.save_note(session_id, text)

    # the red-flag follow-up (used by companion.ui.gates.red_flag_gate)
    def pending_red_flag_ack(self) -> object | None:
        return self.db.pending_red_flag_ack()

    def acknowledge_red_flag(self, session_id: int, text: str) -> None:
        self.db.acknowledge_red_flag(session_id, text)

    # screening (used by companion.ui.gates.start_first_run)
    def latest_screening(self) -> Any:
        return self.db.latest_screening()

    def save_screening(self, answers: dict[str, Any], acknowledgement: str | None = None,
                       taken_at: dt.datetime | None = None) -> Any:
        return self.db.save_screening(answers, acknowledgement, taken_at)

    def close(self) -> None:
        self.db.close()
