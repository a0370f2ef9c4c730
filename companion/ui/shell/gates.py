"""Safety steps around sessions: the red-flag confirmation before the next session, and the
first-run notice and screening."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from companion.core.routine import Routine
from companion.core.safety import ACK_LABELS, screening_due
from companion.qt.widgets import QDialog, QWidget
from companion.ui.services.ports import (
    GatedHistory,
    LegacyGatedHistory,
    RecoveredHistory,
    ScreeningReader,
    ScreeningWriter,
)

if TYPE_CHECKING:
    from companion.ui.services.container import AppServices
    from companion.ui.services.ports import History

log = logging.getLogger(__name__)


def red_flag_gate(history: Any, parent: QWidget | None, routine: Routine, *,
                  emergency: str = "") -> bool:
    """True when the session may start: no unconfirmed red-flag stop, or the user confirms.

    The app's history (`companion.ui.adapters.history.DatabaseHistory`) answers `red_flag_check()`
    from the database, the unmerged journal and this run's memory; when any of them cannot
    be read it cannot tell, and the gate asks anyway (it fails closed). The confirmation is
    stored with `acknowledge_stop(stop, text)` (journal first). Older histories with
    `pending_red_flag_ack()` / `acknowledge_red_flag(session_id, text)` still work; a
    history with neither (the in-memory one of the tests) has nothing to confirm.
    """
    if isinstance(history, GatedHistory):
        return _gate(history, parent, emergency)
    if not isinstance(history, LegacyGatedHistory):
        return True
    stop = history.pending_red_flag_ack()
    if stop is None:
        return True
    from companion.ui.screens.redflag_ack import RedFlagAckDialog

    symptom = stop.symptoms[-1] if stop.symptoms else None
    dialog = RedFlagAckDialog(stop.stopped_at, symptom, parent, emergency=emergency)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.choice is None:
        log.info("session not started: the red-flag stop was not confirmed")
        return False
    history.acknowledge_red_flag(stop.session_id, ACK_LABELS[dialog.choice])
    return True


def _gate(history: GatedHistory, parent: QWidget | None, emergency: str = "") -> bool:
    from companion.ui.screens.redflag_ack import RedFlagAckDialog

    try:
        state = history.red_flag_check()
        known, stop, reason = state.known, state.stop, state.reason
        set_aside = state.set_aside
    except Exception as exc:  # cannot tell: ask
        log.exception("the red-flag gate could not read the history")
        known, stop, reason, set_aside = False, None, str(exc), ""
    if known and stop is None:
        return True
    if not known:
        log.warning("red-flag gate cannot tell (%s): asking", reason)
    symptom = stop.symptoms[-1] if stop is not None and stop.symptoms else None
    dialog = RedFlagAckDialog(stop.stopped_at if stop is not None else None, symptom, parent,
                              set_aside=set_aside if stop is None else "",
                              emergency=emergency)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.choice is None:
        log.info("session not started: the red-flag stop was not confirmed")
        return False
    try:
        history.acknowledge_stop(stop, ACK_LABELS[dialog.choice])
    except Exception:  # kept in memory for this run; asked again next start
        log.exception("the confirmation could not be stored")
    return True


def start_first_run(parent: QWidget, services: AppServices) -> None:
    """The not-a-medical-device notice once, then the screening when it is due.

    Non-blocking (window-modal dialogs opened with `open()`), so the window is usable the
    moment they close and nothing waits on them. The notice is remembered in settings; the
    screening is stored through the history's `latest_screening()` / `save_screening()`
    (the storage `Database` offers both) and offered again every 6 months.
    """
    from companion.ui.screens.safety_notice import NoticeDialog

    if services.settings.notice_shown:
        _offer_screening(parent, services)
        return
    notice = NoticeDialog(parent)

    def seen(_code: int) -> None:
        services.save_settings(replace(services.settings, notice_shown=True))
        if isinstance(parent, ScreeningHost):
            parent.focus_start()  # the health questions, if due, take it next
        _offer_screening(parent, services)

    notice.finished.connect(seen)
    notice.open()


def _offer_screening(parent: QWidget, services: AppServices) -> None:
    if not isinstance(services.history, ScreeningReader):
        return
    record = services.history.latest_screening()
    taken = record.taken_at if record is not None else None
    if taken is not None and taken.tzinfo is None:  # stored as UTC
        taken = taken.replace(tzinfo=UTC)
    if screening_due(taken, datetime.now(UTC)) or _has_new_questions(record):
        set_aside = record is None and isinstance(services.history, RecoveredHistory) \
            and services.history.history_set_aside()
        open_screening(parent, services, why=SET_ASIDE_WHY if set_aside else "")


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


@runtime_checkable
class ScreeningHost(Protocol):
    """A window showing what new answers change (the main window): its routine list and
    preview, and its messages."""

    def reload_routines(self) -> None: ...

    def show_messages(self, messages: list[str]) -> None: ...

    def focus_start(self) -> None: ...


#: above the health questions when they are asked because a damaged history was set aside
SET_ASIDE_WHY = (
    "Your history file was damaged and set aside, so your earlier health answers are not "
    "in the new one. Please answer again: until you do, every careful adaptation is on.")


def open_screening(parent: QWidget, services: AppServices, why: str = "") -> bool:
    """The health questions (first run, every 6 months, or on demand from the start screen).

    The answers are stored with their date; the profile (and so every adaptation) is
    re-read at once and, when `parent` is a `ScreeningHost`, its routine preview follows
    (or it says why the answers were not saved). False without storage.
    """
    history = services.history
    if not isinstance(history, ScreeningWriter):
        return False
    save = history.save_screening
    from companion.ui.screens.screening_wizard import ScreeningDialog

    dialog = ScreeningDialog(parent, why=why)

    def saved(_record: object) -> None:
        services.refresh_profile()
        if isinstance(parent, ScreeningHost):
            parent.reload_routines()

    def not_saved(exc: Exception) -> None:
        log.error("the screening could not be saved: %s", exc)
        services.problems.append(f"Your health answers could not be saved ({exc}). Please "
                                 "take the health questions again when this is fixed.")
        if isinstance(parent, ScreeningHost):
            parent.show_messages(services.problems)

    def done(_code: int) -> None:
        from companion.ui.adapters.operations import QueryOp

        if isinstance(parent, ScreeningHost):
            parent.focus_start()  # where you would look next: Start (not the last button)
        result = dialog.result_value
        if result is None:
            return
        answers, ack, taken = result.to_json(), result.acknowledgement_text or None, \
            result.taken_at
        # off the GUI thread: a busy database or a server that does not answer must not
        # freeze the window (the profile follows when it is stored)
        QueryOp(parent=parent, op=lambda: save(answers, ack, taken),
                success=saved).failure(not_saved).run_in_background()

    dialog.finished.connect(done)
    dialog.open()
    return True


def red_flag_gate_for(history: History, emergency: Callable[[], str] = str
                      ) -> Callable[[QWidget | None, Routine], bool]:
    """The session gate that asks for the red-flag confirmation; `emergency()` gives the
    settings' emergency text at the moment it asks (said if the person still feels unwell)."""

    def gate(parent: QWidget | None, routine: Routine) -> bool:
        return red_flag_gate(history, parent, routine, emergency=emergency())

    return gate
