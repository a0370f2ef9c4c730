"""One key dispatcher for the whole application: a declared table of modes -> keys -> actions.

Modelled on qutebrowser's `keyinput/eventfilter.py` (one event filter on the QApplication)
and `keyinput/modeman.py` (the current mode decides what a key means). Every key press in
every window the app owns passes through `KeyDispatcher.eventFilter` first:

1. **The safety key.** While a session exists (getting ready, running, paused, at a check-in,
   on the end or safety screen, and in any dialog or other window opened meanwhile), U raises
   the red flag. Nothing else is consulted first, and it works on any keyboard layout. In a
   text field it types a "u" only where the red "I feel unwell" button is on screen in the
   same window (the end screen's note, the note dialog); in any other text field (History's
   search, the editor, a date or file name) U is the red flag.
2. **The main window's keys** come from `BINDINGS[mode]`. A key the table does not bind is
   left to Qt (Tab moves focus, a focused button takes Enter where that is safe).

Keys are matched by what the layout types for Latin layouts (so AZERTY, QWERTZ and Dvorak users
press the letter printed on the key) and by the key's physical position when the layout types
something else (Cyrillic, Greek, Hebrew...): the key where U sits on a US keyboard is U. The
safety key U matches either way. See `key_names.layout_key()`; which keys are held (a
repeat never answers) is `key_state.KeyState`.

Check-in answers need a deliberate act (`../shared/SPEC.md`, "Answering, by key or by voice"):
all clear is C, a key that means nothing else in a session; Enter, Space and N never answer;
an auto-repeated key or one pressed within `ANSWER_GUARD_S` of the question appearing does
not answer it.
"""

from __future__ import annotations

import enum
import logging
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from companion.core.safety import ALL_CLEAR_KEY, UNWELL_KEY, YES_SIGN_KEY
from companion.qt.core import QEvent, QObject, Qt, QTimer
from companion.qt.gui import QFocusEvent, QKeyEvent
from companion.qt.widgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from companion.ui.services.key_names import is_safety_key, layout_key
from companion.ui.services.key_state import KeyState

log = logging.getLogger(__name__)

#: A key pressed this soon after a check-in question appears does not answer it (seconds).
ANSWER_GUARD_S = 0.6

class Mode(enum.Enum):
    """What the main window is showing, as far as keys are concerned."""

    LOADING = "loading"
    START = "start"
    PREPARING = "preparing"  # the voice is still getting the session ready
    ARRIVAL = "arrival"
    ANNOUNCE = "announce"
    COUNTDOWN = "countdown"
    WORK = "work"
    CHECKIN = "checkin"  # the four warning signs are asked
    EFFORT = "effort"  # the rest after a check-in, with "how hard was that set?" showing
    REST = "rest"
    PAUSED = "paused"
    COOLDOWN = "cooldown"
    SYMPTOM = "symptom"  # after "yes, one of these": which one was it?
    SAFETY = "safety"  # the safety screen after a red-flag stop
    END = "end"  # the end screen after a session
    DIALOG = "dialog"  # a modal dialog (or another window) has the keys
    LEARN = "learn"  # the "Why this helps" page
    BREATHE_SETUP = "breathe_setup"  # choosing a stand-alone breathing session
    BREATHING = "breathing"  # a stand-alone breathing session (running or paused)


#: Modes in which a session exists, so U raises the red flag (in DIALOG too, when a session
#: exists behind the dialog: see `KeyHost.session_exists`).
SESSION_MODES = frozenset({
    Mode.PREPARING, Mode.ARRIVAL, Mode.ANNOUNCE, Mode.COUNTDOWN, Mode.WORK, Mode.CHECKIN,
    Mode.EFFORT, Mode.REST, Mode.PAUSED, Mode.COOLDOWN, Mode.SYMPTOM, Mode.SAFETY, Mode.END,
    Mode.BREATHING,
})


class Action(enum.Enum):
    RED_FLAG = "red_flag"  # I feel unwell: stop at once (U)
    ALL_CLEAR = "all_clear"  # check-in: none of the four signs (C, deliberate only)
    YES_SIGN = "yes_sign"  # check-in: yes, one of these (Y): stops at once
    ANSWER_HINT = "answer_hint"  # a key that does not answer a check-in: say which keys do
    PAUSE = "pause"  # pause / resume
    SKIP = "skip"  # the rest, or the rest of a set
    REPEAT = "repeat"  # the last prompt again
    ADD_REST = "add_rest"  # +15 s
    DONE = "done"  # ends a to-near-fatigue set
    END_SESSION = "end_session"  # asks first
    CANCEL_PREPARING = "cancel_preparing"
    MOOD = "mood"  # 1-5 (arg)
    EFFORT = "effort"  # CR10 0-10 (arg)
    SKIP_EFFORT = "skip_effort"
    SYMPTOM = "symptom"  # 1-5 (arg; 5 = not sure)
    START = "start"
    HISTORY = "history"
    SETTINGS = "settings"
    FULLSCREEN = "fullscreen"
    BACK_TO_START = "back_to_start"  # end screen
    SWALLOW = "swallow"  # used up on purpose: must not reach a focused button
    LEARN = "learn"  # the "Why this helps" page (L)
    BREATHE = "breathe"  # choose a stand-alone breathing session (B)
    BREATHE_START = "breathe_start"  # start the chosen breathing session
    MINUTES = "minutes"  # the breathing session's length, +1 / -1 (arg)
    BACK = "back"  # leave the Learn page or the breathing choice
    SWITCH_PROFILE = "switch_profile"  # whose session: choose another profile (P)


@dataclass(frozen=True)
class Binding:
    action: Action
    arg: int | None = None


Bindings = Mapping[str, Binding]


def _digits(action: Action, keys: str, first: int = 0) -> dict[str, Binding]:
    return {k: Binding(action, first + i) for i, k in enumerate(keys)}


_PLAYER = {"R": Binding(Action.REPEAT), "Escape": Binding(Action.END_SESSION),
           "F11": Binding(Action.FULLSCREEN)}
_MOVING = {**_PLAYER, "Space": Binding(Action.PAUSE), "N": Binding(Action.SKIP)}
_MOOD = _digits(Action.MOOD, "12345", 1)
_SYMPTOMS = {**_digits(Action.SYMPTOM, "12345", 1), "0": Binding(Action.SYMPTOM, 5)}
# Keys that must never answer a check-in nor leave the safety screen by reflex.
_REFLEX = {k: Binding(Action.ANSWER_HINT) for k in ("N", "Space", "Return", "Enter")}

#: The declared key table (README "Using the app" lists the same keys; a test checks it).
BINDINGS: dict[Mode, Bindings] = {
    Mode.LOADING: {},
    Mode.START: {"Space": Binding(Action.START), "H": Binding(Action.HISTORY),
                 "Ctrl+,": Binding(Action.SETTINGS), "F11": Binding(Action.FULLSCREEN),
                 "L": Binding(Action.LEARN), "B": Binding(Action.BREATHE),
                 "P": Binding(Action.SWITCH_PROFILE), **_MOOD},
    Mode.PREPARING: {"Escape": Binding(Action.CANCEL_PREPARING),
                     "F11": Binding(Action.FULLSCREEN)},
    Mode.ARRIVAL: {**_MOVING, **_MOOD},
    Mode.ANNOUNCE: _MOVING,
    Mode.COUNTDOWN: _MOVING,
    Mode.WORK: {**_MOVING, "D": Binding(Action.DONE)},
    Mode.CHECKIN: {**_PLAYER, **_REFLEX, ALL_CLEAR_KEY: Binding(Action.ALL_CLEAR),
                   YES_SIGN_KEY: Binding(Action.YES_SIGN)},
    Mode.REST: {**_MOVING, "+": Binding(Action.ADD_REST)},
    Mode.EFFORT: {**_MOVING, "+": Binding(Action.ADD_REST),
                  **_digits(Action.EFFORT, "0123456789"), "T": Binding(Action.EFFORT, 10),
                  "S": Binding(Action.SKIP_EFFORT)},
    Mode.PAUSED: {**_PLAYER, "Space": Binding(Action.PAUSE)},
    Mode.COOLDOWN: {**_MOVING, **_MOOD},
    Mode.SYMPTOM: {**_SYMPTOMS, **{k: Binding(Action.SWALLOW) for k in _REFLEX}},
    Mode.SAFETY: {**_SYMPTOMS, **{k: Binding(Action.SWALLOW)
                                  for k in ("N", "Space", "Return", "Enter", "Escape")}},
    Mode.END: {**_MOOD, "Return": Binding(Action.BACK_TO_START),
               "Enter": Binding(Action.BACK_TO_START), "F11": Binding(Action.FULLSCREEN),
               "L": Binding(Action.LEARN)},
    Mode.DIALOG: {},
    Mode.LEARN: {"Escape": Binding(Action.BACK), "F11": Binding(Action.FULLSCREEN)},
    Mode.BREATHE_SETUP: {"Space": Binding(Action.BREATHE_START), "Escape": Binding(Action.BACK),
                         "+": Binding(Action.MINUTES, 1), "-": Binding(Action.MINUTES, -1),
                         "F11": Binding(Action.FULLSCREEN), **_MOOD},
    # the same pause and stop keys as a workout; U (the safety key) raises the red flag
    Mode.BREATHING: {"Space": Binding(Action.PAUSE), "Escape": Binding(Action.END_SESSION),
                     "R": Binding(Action.REPEAT), "F11": Binding(Action.FULLSCREEN)},
}

#: The safety key, in every mode where a session exists and in every window of the app.
SAFETY_KEY = UNWELL_KEY


# -- the dispatcher ---------------------------------------------------------------------------
class KeyHost(Protocol):
    """What the dispatcher needs from the main window."""

    def key_mode(self) -> Mode: ...

    def session_exists(self) -> bool: ...

    def owns_window(self, widget: QWidget) -> bool: ...

    def perform(self, binding: Binding, event: QKeyEvent) -> bool: ...

    def raise_red_flag(self) -> None: ...


_TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox, QComboBox)


def _types_u(widget: QWidget | None) -> bool:
    """U types a "u" here, even while a session exists: a text field has the focus and its
    window shows the red "I feel unwell" button (object name "unwell"), so the red flag is
    one click away. Anywhere else U is the red flag."""
    if widget is None or not _typing_into(widget):
        return False
    return any(button.isVisible() and button.isEnabled()
               for button in widget.window().findChildren(QAbstractButton, "unwell"))


def _typing_into(widget: QWidget | None) -> bool:
    """A text field has the focus: letters are typed, not commands."""
    if widget is None:
        return False
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        return not widget.isReadOnly()
    return isinstance(widget, _TEXT_INPUTS)


#: ms after a window with the keyboard closes before the app gives it to the window left
#: (a window manager, where there is one, has done so by then)
KEYS_BACK_MS = 50


class KeyDispatcher(QObject):
    """The application-wide key filter. Install with `install()`; remove with `remove()`."""

    def __init__(self, host: KeyHost, parent: QObject | None = None,
                 now: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        # A weak reference: the window owns the dispatcher (Qt parent), so a strong one back
        # would make a cycle that Python's garbage collector could break at any moment,
        # even while this filter is running (a crash inside Qt's event delivery).
        self._host = weakref.ref(host)
        self.now = now
        #: (widget, reason) of the last focus change: Enter/Space on the safety screen's
        #: button counts only when the person moved there with Tab.
        self._focus: tuple[QWidget | None, Qt.FocusReason] = (None, Qt.FocusReason.OtherFocusReason)
        self.key_state = KeyState()
        self._released: QKeyEvent | None = None
        #: the press being dispatched, and whether it repeats a held key
        self._pressed: tuple[QKeyEvent | None, bool] = (None, False)

    def repeated(self, event: QKeyEvent) -> bool:
        """True when `event` (a key press) repeats a key held down, flagged by Qt or not."""
        pressed, repeat = self._pressed
        return repeat if pressed is event else event.isAutoRepeat()

    @property
    def host(self) -> KeyHost | None:
        return self._host()

    def install(self) -> None:
        """Filter every event of the application (Qt drops the filter when it is deleted)."""
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def remove(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _keys_back(self, owner: QWidget | None = None) -> None:
        """A window of the app that had the keyboard has closed (a dialog answered, the
        history closed) and no window has it now: where no window manager passes it on
        (Xvfb, a kiosk session) the keyboard would stay with the desktop and the next key,
        U included, would reach no window. The modal dialog still open, else the window the
        closed one belonged to (`owner`: the History window for its session detail), else
        the main window gets it back, raised, so what has the keys is what is seen. With a
        window manager some window is already active by now and nothing happens (the app
        never takes the keyboard from another program)."""
        if QApplication.activeWindow() is not None:
            return
        host = self.host
        main = host if isinstance(host, QWidget) else None
        for target in (QApplication.activeModalWidget(), owner, main):
            try:
                usable = (target is not None and target.isVisible()
                          and not target.isMinimized())
            except RuntimeError:  # deleted meanwhile
                continue
            if usable:
                assert target is not None
                target.raise_()
                target.activateWindow()
                return

    def deliberate_focus(self, widget: QWidget) -> bool:
        """The person moved the focus to `widget` with Tab / Backtab (not the app)."""
        focused, reason = self._focus
        return focused is widget and reason in (Qt.FocusReason.TabFocusReason,
                                                Qt.FocusReason.BacktabFocusReason)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Hide and isinstance(obj, QWidget) and obj.isWindow():
            active = QApplication.activeWindow()  # Qt has let go of a closing window's
            if active is obj or (active is None and QApplication.applicationState()
                                 == Qt.ApplicationState.ApplicationActive):
                parent = obj.parentWidget()  # it had the keyboard: back to its own window
                owner = parent.window() if parent is not None else None
                QTimer.singleShot(KEYS_BACK_MS, lambda: self._keys_back(owner))
            return False
        if kind == QEvent.Type.FocusIn and isinstance(obj, QWidget):
            assert isinstance(event, QFocusEvent)
            self._focus = (obj, event.reason())
            return False
        if kind == QEvent.Type.ApplicationDeactivate:
            self.key_state.clear()
            return False
        if kind == QEvent.Type.KeyRelease and isinstance(event, QKeyEvent):
            self._note_release(event)
            return False
        if kind != QEvent.Type.KeyPress or not isinstance(obj, QWidget):
            return False
        assert isinstance(event, QKeyEvent)
        if self._pressed[0] is not event:  # one event, seen once per widget it passes
            self._pressed = (event, self.key_state.press(event))
        try:
            return self._dispatch(obj, event)
        except Exception:  # a key must never crash the app; the session goes on
            log.exception("key handling failed")
            return False

    def _note_release(self, event: QKeyEvent) -> None:
        if self._released is event:
            return
        self._released = event
        self.key_state.release(event)

    def _dispatch(self, obj: QWidget, event: QKeyEvent) -> bool:
        host = self.host
        if host is None:
            return False
        window = obj.window()
        focus = QApplication.focusWidget()
        if is_safety_key(event) and host.session_exists() and not _types_u(focus):
            # Qt's own flag only: raising twice is harmless, missing a press is not
            if event.isAutoRepeat():
                return True  # already raised on the first press
            host.raise_red_flag()
            return True
        if not host.owns_window(window):
            return False  # another window or a dialog: its own keys
        mode = host.key_mode()
        if mode is Mode.DIALOG or _typing_into(focus):
            return False
        name = layout_key(event)
        if name is None:
            return False
        binding = BINDINGS[mode].get(name)
        if binding is None:
            if name in ("Return", "Enter") and isinstance(focus, QAbstractButton) \
                    and focus.window() is window and focus.isEnabled():
                focus.click()  # Enter presses the focused button, as in a dialog
                return True
            return False
        if mode is Mode.SAFETY and name in ("Space", "Return", "Enter") \
                and isinstance(focus, QAbstractButton) and self.deliberate_focus(focus) \
                and not self.repeated(event):
            # Tab to "Back to start", then Enter or Space: a deliberate choice
            if name == "Space":
                return False  # the button presses on Space itself
            focus.click()
            return True
        return host.perform(binding, event)


def describe(bindings: Mapping[str, Binding]) -> dict[str, str]:
    """key name -> action value (for tests and the README check)."""
    return {k: b.action.value + (f"({b.arg})" if b.arg is not None else "")
            for k, b in bindings.items()}


__all__ = [
    "ANSWER_GUARD_S", "BINDINGS", "SAFETY_KEY", "SESSION_MODES", "Action", "Binding",
    "KeyDispatcher", "KeyHost", "Mode", "describe",
]
