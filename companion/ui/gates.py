"""Checks before a session starts: after a red-flag stop, an explicit confirmation first."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import QDialog, QWidget

from companion.core.routine import Routine
from companion.core.safety import ACK_LABELS

log = logging.getLogger(__name__)


def red_flag_gate(history: Any, parent: QWidget | None, routine: Routine) -> bool:
    """True when the session may start: no unconfirmed red-flag stop, or the user confirms.

    Uses the history's `pending_red_flag_ack()` / `acknowledge_red_flag(session_id, text)`
    (the storage `Database` offers both); a history without them has nothing to confirm.
    """
    pending = getattr(history, "pending_red_flag_ack", None)
    if not callable(pending):
        return True
    stop = pending()
    if stop is None:
        return True
    from companion.ui.redflag_ack import RedFlagAckDialog

    symptom = stop.symptoms[-1] if stop.symptoms else None
    dialog = RedFlagAckDialog(stop.stopped_at, symptom, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.choice is None:
        log.info("session not started: the red-flag stop was not confirmed")
        return False
    history.acknowledge_red_flag(stop.session_id, ACK_LABELS[dialog.choice])
    return True
