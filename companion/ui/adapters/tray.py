"""Reminders and the tray icon: sessions as fixed appointments (the seed's advice).

The scheduler re-checks at least hourly, so a changed clock, a laptop that slept or a time
zone change only delays a reminder until the next check instead of losing it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from companion.localtime import next_reminder
from companion.qt.core import QObject, QTimer, Signal
from companion.qt.gui import QAction
from companion.qt.widgets import QMenu, QSystemTrayIcon, QWidget
from companion.settings import Reminders
from companion.ui.widgets.icon import app_icon

log = logging.getLogger(__name__)

MAX_WAIT_MS = 60 * 60 * 1000


def local_now() -> dt.datetime:
    """Now in the system's zone, with its DST rules (see companion.localtime)."""
    from companion.localtime import local_now as now_in_zone

    return now_in_zone()


def _instant(at: dt.datetime) -> dt.datetime:
    """`at` as UTC when aware (naive times, from tests, stay as they are)."""
    return at.astimezone(dt.UTC) if at.tzinfo is not None else at


class ReminderScheduler(QObject):
    """Emits `reminder_due` at each scheduled day and time."""

    reminder_due = Signal()

    def __init__(self, now: Callable[[], dt.datetime] = local_now,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._now = now
        self.reminders = Reminders()
        self.next_at: dt.datetime | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._check)

    def schedule(self, reminders: Reminders) -> None:
        self.reminders = reminders
        self.next_at = next_reminder(self._now(), reminders)
        self._arm()

    def _arm(self) -> None:
        if self.next_at is None:
            self._timer.stop()
            return
        # as instants: two times in one zone subtract as wall-clock times in Python, which
        # is an hour off when a DST change lies between them
        wait = (_instant(self.next_at) - _instant(self._now())).total_seconds() * 1000
        self._timer.start(int(min(MAX_WAIT_MS, max(0, wait))))

    def _check(self) -> None:
        now = self._now()
        if self.next_at is not None and _instant(now) >= _instant(self.next_at):
            log.info("reminder due (%s)", self.next_at)
            self.next_at = next_reminder(now, self.reminders)
            self.reminder_due.emit()
        self._arm()


class Tray(QObject):
    """The tray icon and its menu; absent (None) where the desktop has no tray."""

    open_requested = Signal()
    start_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = QSystemTrayIcon(app_icon(), self)
        self.icon.setToolTip("Companion")
        self.menu = QMenu(parent)
        self.open_action = QAction("Open Companion", self)
        self.start_action = QAction("Start today's session", self)
        self.quit_action = QAction("Quit", self)
        for action in (self.open_action, self.start_action, self.quit_action):
            self.menu.addAction(action)
        self.open_action.triggered.connect(self.open_requested.emit)
        self.start_action.triggered.connect(self.start_requested.emit)
        self.quit_action.triggered.connect(self.quit_requested.emit)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.messageClicked.connect(self.start_requested.emit)

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        self.icon.show()

    def notify(self, title: str, text: str) -> None:
        self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 60_000)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()
