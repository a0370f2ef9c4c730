"""What a screen reader hears when something changes on screen (issue 22).

Qt (6.8 and later, which the app requires) carries an announcement to the platform's
accessibility layer with `QAccessibleAnnouncementEvent`: AT-SPI's `object:announcement` on
Linux (Orca speaks it), a UI Automation notification on Windows, an announcement request on
macOS. `announce(widget, message)` sends one, with the politeness the message deserves
(assertive for the safety screen, polite for everything else).

Whether prompts are announced at all follows the setting "Screen reader announces prompts"
(`companion.settings.AnnouncePrompts`): `off`, `when_voice_off` (the default: the app's own
voice already speaks every prompt, so a screen reader would double it) or `always`. The
window tells this module how to read the setting and whether the voice can be heard
(`configure`); without that (widget tests, screenshots) every announcement is sent, which
is a no-op unless a screen reader is listening.

The same message sent again for the same widget within `REPEAT_WINDOW_S` is dropped, so a
screen that is refreshed (or shown twice by two paths) is still announced once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAccessibleEvent
from PySide6.QtWidgets import QWidget

from companion.settings import AnnouncePrompts

log = logging.getLogger(__name__)

#: The same (widget, message) within this many seconds is announced only once.
REPEAT_WINDOW_S = 2.0

_mode: Callable[[], AnnouncePrompts] = lambda: AnnouncePrompts.ALWAYS  # noqa: E731
_voice_heard: Callable[[], bool] = lambda: False  # noqa: E731
_last: tuple[int, str, float] | None = None
#: every announcement sent, newest last (message, assertive): for tests and the log
sent: list[tuple[str, bool]] = []


def configure(mode: Callable[[], AnnouncePrompts], voice_heard: Callable[[], bool]) -> None:
    """How to read the setting, and whether the app's voice is speaking prompts now."""
    global _mode, _voice_heard
    _mode, _voice_heard = mode, voice_heard


def wanted() -> bool:
    """True when prompts are to be announced now (the setting, and the voice's state)."""
    try:
        mode = _mode()
        if mode is AnnouncePrompts.OFF:
            return False
        return mode is AnnouncePrompts.ALWAYS or not _voice_heard()
    except Exception:  # a broken hook must not silence the screen reader: announce
        log.exception("cannot read the announcement setting")
        return True


def announce(widget: QObject, message: str, *, assertive: bool = False) -> bool:
    """Ask the screen reader to speak `message` now, from `widget` (which should show it).

    Returns True when the announcement was sent. Nothing is sent when the setting says not
    to, for an empty message, or for the same message from the same widget again within
    `REPEAT_WINDOW_S`.
    """
    global _last
    message = " ".join(message.split())
    if not message or not wanted():
        return False
    now = time.monotonic()
    if _last is not None and _last[0] == id(widget) and _last[1] == message \
            and now - _last[2] < REPEAT_WINDOW_S:
        return False
    _last = (id(widget), message, now)
    sent.append((message, assertive))
    del sent[:-50]
    if not QAccessible.isActive():
        return True
    event = QAccessibleAnnouncementEvent(widget, message)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive if assertive
                        else QAccessible.AnnouncementPoliteness.Polite)
    QAccessible.updateAccessibility(event)
    return True


def forget() -> None:
    """Let the next announcement through even if it repeats the last one (a new screen)."""
    global _last
    _last = None


def refresh_shown(root: QWidget) -> None:
    """Tell assistive technology that `root` and everything visible inside it now shows.

    Qt reports a page of a stacked layout as shown, but not its children, so a screen reader
    that looked while the page was hidden keeps its labels as "not showing" and flat review
    cannot read them. Called after a screen or page changes.
    """
    if not QAccessible.isActive() or not root.isVisible():
        return
    for widget in (root, *root.findChildren(QWidget)):
        if widget.isVisible():
            QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.ObjectShow))


__all__ = ["REPEAT_WINDOW_S", "announce", "configure", "forget", "refresh_shown", "sent",
           "wanted"]
