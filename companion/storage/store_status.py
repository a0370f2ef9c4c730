"""The history store's status: what is wrong (busy, full, read-only, away) and since when,
published to the GUI from the writer thread.
"""

from __future__ import annotations

import logging
import time

from companion.storage.connect import sqlite_path
from companion.storage.status import StorageStatus, Trouble, classify, is_transient
from companion.storage.store_state import (
    StoreState,
    _Merged,
)

log = logging.getLogger(__name__)


class StatusReports(StoreState):
    """The status: what is wrong and since when, published from the writer."""

    # -- status ----------------------------------------------------------------------------------
    def _failed(self, exc: BaseException) -> None:
        trouble = classify(exc)
        if trouble is Trouble.FAILED and is_transient(exc):
            trouble = Trouble.UNREACHABLE if sqlite_path(self.url) is None else Trouble.FAILED
        log.info("history write not done yet (%s): %s", trouble.value, exc)
        self._set_trouble(trouble, str(getattr(exc, "orig", None) or exc),
                          at_once=trouble is not Trouble.BUSY)

    def _succeeded(self) -> None:
        self._set_trouble(Trouble.NONE, "", at_once=True)

    def _set_trouble(self, trouble: Trouble, detail: str, *, at_once: bool) -> None:
        now = time.monotonic()
        if trouble is Trouble.NONE:
            self._failing_since = None
        elif self._failing_since is None:
            self._failing_since = now
        shown = at_once or (self._failing_since is not None
                            and now - self._failing_since >= self.policy.budget_s)
        if trouble is not Trouble.NONE and not shown:
            return  # still within the retry budget: nothing to tell yet
        self._trouble = trouble
        self._detail = detail
        self._publish()

    def _publish(self) -> None:
        with self._cond:
            pending = len(self._queue) + len(self._stuck)
        trouble = self._trouble
        if trouble is Trouble.NONE and self._db is not None and self._db.read_only:
            trouble = Trouble.READ_ONLY
        if trouble in (Trouble.NONE, Trouble.OPENING) and self.journal is not None \
                and self.journal.reserve_used:
            trouble = Trouble.DISK_FULL  # saving goes on in the reserve: say so now
        status = StorageStatus(trouble, self._journal_ok, pending, self.where,
                               self._detail if trouble is Trouble.FAILED else "")
        if status == self._status:
            return
        self._status = status
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:  # a display problem must not stop the writer
                log.exception("storage status listener failed")

    def _changed(self, merged: _Merged) -> None:
        if self.on_change is None:
            return
        try:
            self.on_change({"sessions": sorted(merged.sessions), "red_flags": merged.red_flags,
                            "acks": merged.acks, "ended": merged.ended})
        except Exception:  # a display problem must not stop the writer
            log.exception("storage change listener failed")
