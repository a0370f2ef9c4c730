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
from typing import Any

from companion.qt.core import QCoreApplication, QEvent, QObject, QTimer
from companion.qt.gui import QAccessible, QAccessibleAnnouncementEvent
from companion.qt.widgets import QApplication, QWidget
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


_ATSPI_PATH = "/org/a11y/atspi/accessible/"
_SHOW, _HIDE = QEvent.Type.Show, QEvent.Type.Hide


class VisibleStates(QObject):
    """Keeps a screen reader's idea of what is on screen true (Linux, AT-SPI).

    Qt's AT-SPI bridge reports a widget that appears or disappears as "showing" or not, but
    never updates its "visible" state. A screen reader (libatspi's cache, as Orca uses it)
    that first met a widget on a hidden page of a stacked layout (the check-in inside the
    player, the next screen of the window, the next page of the screening) then keeps it as
    not visible for good, and flat review cannot read it. This filter sends the missing
    "visible" state change, on Qt's own accessibility connection, whenever a widget is shown
    or hidden. It does nothing unless Qt's accessibility is active.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._connection: Any = None
        self.sent = 0
        #: whether the filter is on the application (keep_visible_states installs it)
        self.installed = False

    def install(self, app: QCoreApplication) -> None:
        """Filter every event of `app` from now on (Qt drops the filter with this object)."""
        app.installEventFilter(self)
        self.installed = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if (kind in (_SHOW, _HIDE)) and isinstance(watched, QWidget):
            try:
                self._send(watched, kind == _SHOW)
            except Exception:  # never let this break showing a screen
                log.exception("cannot report a visible state to AT-SPI")
        return False

    def _bus(self) -> Any:
        if self._connection is None:
            try:
                from companion.qt.dbus import QDBusConnection
            except ImportError:  # no QtDBus (not Linux): nothing to fix
                self._connection = False
                return None
            self._connection = QDBusConnection("a11y")  # Qt's AT-SPI connection, by name
        return self._connection or None

    def _send(self, widget: QWidget, visible: bool) -> None:
        if not QAccessible.isActive():
            return
        bus = self._bus()
        if bus is None or not bus.isConnected():
            return
        from companion.qt.dbus import QDBusMessage, QDBusVariant

        iface = QAccessible.queryAccessibleInterface(widget)
        if iface is None or not iface.isValid():
            return
        message = QDBusMessage.createSignal(f"{_ATSPI_PATH}{QAccessible.uniqueId(iface)}",
                                            "org.a11y.atspi.Event.Object", "StateChanged")
        message.setArguments(["visible", 1 if visible else 0, 0, QDBusVariant(0), {}])
        if bus.send(message):
            self.sent += 1


_visible_states: VisibleStates | None = None

#: how often to look whether accessibility has come on (a screen reader started after the
#: app): the filter is installed only then
A11Y_POLL_MS = 250


def keep_visible_states() -> VisibleStates | None:
    """Install `VisibleStates` on the application once (the window calls this), as soon as
    Qt's accessibility is active: at once, or when a screen reader turns it on later (looked
    at every A11Y_POLL_MS). Until then no filter runs: an application-wide Python event
    filter wraps every event of every object for Python, which doubled the longest pause
    of the first History window (bench: history_stall_max_ms)."""
    global _visible_states
    app = QApplication.instance()
    if app is None:
        return None
    if _visible_states is None:
        states = _visible_states = VisibleStates(app)
        poll = QTimer(states)
        poll.setInterval(A11Y_POLL_MS)

        def install_when_active() -> None:
            if QAccessible.isActive():
                poll.stop()
                states.install(app)

        poll.timeout.connect(install_when_active)
        if QAccessible.isActive():
            states.install(app)
        else:
            poll.start()
    return _visible_states


__all__ = ["REPEAT_WINDOW_S", "VisibleStates", "announce", "configure", "forget",
           "keep_visible_states", "sent", "wanted"]
