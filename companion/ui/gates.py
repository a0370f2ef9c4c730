"""Safety steps around sessions: the red-flag confirmation before the next session, and the
first-run notice and screening."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog, QWidget

from companion.core.routine import Routine
from companion.core.safety import ACK_LABELS, screening_due

if TYPE_CHECKING:
    from companion.ui.services import AppServices

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


def start_first_run(parent: QWidget, services: AppServices) -> None:
    """The not-a-medical-device notice once, then the screening when it is due.

    Non-blocking (window-modal dialogs opened with `open()`), so the window is usable the
    moment they close and nothing waits on them. The notice is remembered in settings; the
    screening is stored through the history's `latest_screening()` / `save_screening()`
    (the storage `Database` offers both) and offered again every 6 months.
    """
    from companion.ui.safety_notice import NoticeDialog

    if services.settings.notice_shown:
        _offer_screening(parent, services)
        return
    notice = NoticeDialog(parent)

    def seen(_code: int) -> None:
        services.save_settings(replace(services.settings, notice_shown=True))
        _offer_screening(parent, services)

    notice.finished.connect(seen)
    notice.open()


def _offer_screening(parent: QWidget, services: AppServices) -> None:
    latest = getattr(services.history, "latest_screening", None)
    if not callable(latest):
        return
    record = latest()
    taken = record.taken_at if record is not None else None
    if taken is not None and taken.tzinfo is None:  # stored as UTC
        taken = taken.replace(tzinfo=UTC)
    if screening_due(taken, datetime.now(UTC)) or _has_new_questions(record):
        open_screening(parent, services)


def _has_new_questions(record: Any) -> bool:
    """The questions changed since these answers were given (an unanswered question counts
    as "not sure" meanwhile: see `derive_profile`), or the answers cannot be read."""
    if record is None:
        return False
    try:
        from companion.safety.content import load_screening

        answered = set(dict(record.answers.get("answers", {})))
        return any(q.id not in answered for q in load_screening().questions)
    except Exception:  # unreadable answers or questions: ask again, the careful choice
        log.exception("cannot compare the screening with its questions")
        return True


def open_screening(parent: QWidget, services: AppServices) -> bool:
    """The health questions (first run, every 6 months, or on demand from the start screen).

    The answers are stored with their date; the profile (and so every adaptation) is
    re-read at once and the window's routine preview follows. False without storage.
    """
    save = getattr(services.history, "save_screening", None)
    if not callable(save):
        return False
    from companion.ui.screening_wizard import ScreeningDialog

    dialog = ScreeningDialog(parent)

    def done(_code: int) -> None:
        result = dialog.result_value
        if result is None:
            return
        save(result.to_json(), result.acknowledgement_text or None, result.taken_at)
        services.refresh_profile()
        reload = getattr(parent, "reload_routines", None)
        if callable(reload):
            reload()

    dialog.finished.connect(done)
    dialog.open()
    return True
