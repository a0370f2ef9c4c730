"""One key dispatcher for the whole application: a declared table of modes -> keys -> actions.

Modelled on qutebrowser's `keyinput/eventfilter.py` (one event filter on the QApplication)
and `keyinput/modeman.py` (the current mode decides what a key means). Every key press in
every window the app owns passes through `KeyDispatcher.eventFilter` first:

1. **The safety key.** While a session exists (getting ready, running, paused, at a check-in,
   on the end or safety screen, and in any dialog or other window opened meanwhile), U raises
   the red flag. Nothing else is consulted first, and it works on any keyboard layout.
2. **The main window's keys** come from `BINDINGS[mode]`. A key the table does not bind is
   left to Qt (Tab moves focus, a focused button takes Enter where that is safe).

Keys are matched by what the layout types for Latin layouts (so AZERTY, QWERTZ and Dvorak users
press the letter printed on the key) and by the key's physical position when the layout types
something else (Cyrillic, Greek, Hebrew...): the key where U sits on a US keyboard is U. The
safety key U matches either way. See `layout_key()`.

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

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFocusEvent, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from companion.core.safety import ALL_CLEAR_KEY, UNWELL_KEY, YES_SIGN_KEY

log = logging.getLogger(__name__)

#: A key pressed this soon after a check-in question appears does not answer it (seconds).
ANSWER_GUARD_S = 0.6

#: An auto-repeat that Qt did not flag: X servers send the repeat's release and press with one
#: timestamp (and Qt's detection, which peeks at the event queue, misses some under load); a
#: person lifting a finger and pressing again needs far longer than this (ms).
REPEAT_GAP_MS = 25.0
#: A key whose press was seen and whose release was not, within this long, is still held: a
#: further press of it is a repeat (servers with detectable auto-repeat send no releases). Older
#: than this with no repeat in between, the release went astray (another window) (ms).
HELD_FOR_MS = 1500.0


class KeyState:
    """Which keys are held, from every key press and release the application sees.

    `press(event)` -> True when the press is a repeat of a key held down (flagged by Qt or
    not); a held key never gives a deliberate answer (issue 12: "a key that was held or
    auto-repeated does not answer"). Times are the events' own (ms, the window system's
    clock) or, for events with none (synthesised), the monotonic clock.
    """

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._down: dict[int, float] = {}
        self._released: dict[int, float] = {}

    @staticmethod
    def _id(event: QKeyEvent) -> int:
        return int(event.nativeScanCode()) or int(event.key())

    def _ms(self, event: QKeyEvent) -> float:
        stamp = int(event.timestamp())
        return float(stamp) if stamp else self._now() * 1000.0

    def press(self, event: QKeyEvent) -> bool:
        key, at = self._id(event), self._ms(event)
        held, released = self._down.get(key), self._released.get(key)
        stamped = bool(event.timestamp())  # a synthesised event has no time of its own
        repeat = (event.isAutoRepeat()
                  or (held is not None and 0.0 <= at - held < HELD_FOR_MS)
                  or (stamped and released is not None
                      and 0.0 <= at - released <= REPEAT_GAP_MS))
        self._down[key] = at
        return repeat

    def release(self, event: QKeyEvent) -> None:
        if event.isAutoRepeat():
            return  # the key is still held
        key = self._id(event)
        self._down.pop(key, None)
        self._released[key] = self._ms(event)

    def clear(self) -> None:
        """Forget held keys (the application lost the keyboard: their releases go elsewhere)."""
        self._down.clear()



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


# -- layout-independent matching ------------------------------------------------------------
# Physical key positions, by the evdev / PC set-1 scan code of the US-layout key (Linux evdev
# codes equal set-1 scan codes for these keys; X11 and Wayland report evdev + 8; Windows
# reports the set-1 code itself). macOS reports no scan code: its virtual key codes
# (kVK_ANSI_*) are positional too.
_EVDEV = {
    "1": 2, "2": 3, "3": 4, "4": 5, "5": 6, "6": 7, "7": 8, "8": 9, "9": 10, "0": 11,
    "Q": 16, "W": 17, "E": 18, "R": 19, "T": 20, "Y": 21, "U": 22, "I": 23, "O": 24, "P": 25,
    "A": 30, "S": 31, "D": 32, "F": 33, "G": 34, "H": 35, "J": 36, "K": 37, "L": 38,
    "Z": 44, "X": 45, "C": 46, "V": 47, "B": 48, "N": 49, "M": 50,
}
_MAC_VK = {
    "A": 0x00, "S": 0x01, "D": 0x02, "F": 0x03, "H": 0x04, "G": 0x05, "Z": 0x06, "X": 0x07,
    "C": 0x08, "V": 0x09, "B": 0x0B, "Q": 0x0C, "W": 0x0D, "E": 0x0E, "R": 0x0F, "Y": 0x10,
    "T": 0x11, "1": 0x12, "2": 0x13, "3": 0x14, "4": 0x15, "6": 0x16, "5": 0x17, "9": 0x19,
    "7": 0x1A, "8": 0x1C, "0": 0x1D, "O": 0x1F, "U": 0x20, "I": 0x22, "P": 0x23, "L": 0x25,
    "J": 0x26, "K": 0x28, "N": 0x2D, "M": 0x2E,
}
_BY_X11 = {code + 8: name for name, code in _EVDEV.items()}
_BY_SET1 = {code: name for name, code in _EVDEV.items()}
_BY_MAC = {code: name for name, code in _MAC_VK.items()}


def physical_name(event: QKeyEvent, platform: str | None = None) -> str | None:
    """The US-layout name ("U", "7") of the key's physical position, or None if unknown.

    `platform` is `QGuiApplication.platformName()` (xcb, wayland, windows, cocoa; offscreen
    and minimal use the X11 numbering, so tests can type as an X11 keyboard would).
    """
    platform = platform or QGuiApplication.platformName()
    if platform == "cocoa":
        return _BY_MAC.get(event.nativeVirtualKey())
    scan = event.nativeScanCode()
    if not scan:
        return None
    if platform == "windows":
        return _BY_SET1.get(scan & 0xFF)
    return _BY_X11.get(scan)


def _latin(key: int) -> str | None:
    if Qt.Key.Key_A <= key <= Qt.Key.Key_Z or Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
        return chr(key)
    return None


_NAMED = {
    Qt.Key.Key_Space: "Space", Qt.Key.Key_Return: "Return", Qt.Key.Key_Enter: "Enter",
    Qt.Key.Key_Escape: "Escape", Qt.Key.Key_F11: "F11", Qt.Key.Key_Plus: "+",
    Qt.Key.Key_Tab: "Tab", Qt.Key.Key_Backtab: "Backtab", Qt.Key.Key_Comma: ",",
    Qt.Key.Key_Minus: "-",
}


def layout_key(event: QKeyEvent, platform: str | None = None) -> str | None:
    """The key's name in the binding table, whatever the keyboard layout.

    A Latin letter or a digit is taken as typed (AZERTY's A is A). Any other character (a
    Cyrillic У, a Greek Θ, AZERTY's unshifted digit row) is taken by its physical position.
    Modifiers other than Shift and keypad make it "Ctrl+," style; None for anything unbound.
    """
    key = event.key()
    name = _latin(key)
    if name is None and key not in _NAMED:
        name = "+" if event.text() == "+" else physical_name(event, platform)
    if name is None:
        name = _NAMED.get(Qt.Key(key)) if key in _NAMED else None
    if name is None:
        return None
    mods = event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier
                                 | Qt.KeyboardModifier.KeypadModifier)
    if mods & Qt.KeyboardModifier.ControlModifier:
        return f"Ctrl+{name}"
    if mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier):
        return f"Alt+{name}"
    return name


def qt_key(event: QKeyEvent, platform: str | None = None) -> int:
    """`event.key()`, with a letter or digit of a non-Latin layout (or AZERTY's unshifted
    digit row) replaced by the Latin key at its position, for widgets that match
    `Qt.Key` values themselves (dialogs, the screening)."""
    name = layout_key(event, platform)
    if name is not None and len(name) == 1 and name.isalnum():
        return int(Qt.Key(ord(name)))
    return int(event.key())


def is_safety_key(event: QKeyEvent, platform: str | None = None) -> bool:
    """U as typed, or the key where U is on a US keyboard (any layout), without Ctrl/Alt."""
    mods = event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier
                                 | Qt.KeyboardModifier.KeypadModifier)
    if mods:
        return False
    return event.key() == Qt.Key.Key_U or physical_name(event, platform) == SAFETY_KEY


# -- the dispatcher ---------------------------------------------------------------------------
class KeyHost(Protocol):
    """What the dispatcher needs from the main window."""

    def key_mode(self) -> Mode: ...

    def session_exists(self) -> bool: ...

    def owns_window(self, widget: QWidget) -> bool: ...

    def perform(self, binding: Binding, event: QKeyEvent) -> bool: ...

    def raise_red_flag(self) -> None: ...


_TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox, QComboBox)


def _typing_into(widget: QWidget | None) -> bool:
    """A text field has the focus: letters are typed, not commands."""
    if widget is None:
        return False
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        return not widget.isReadOnly()
    return isinstance(widget, _TEXT_INPUTS)


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

    def deliberate_focus(self, widget: QWidget) -> bool:
        """The person moved the focus to `widget` with Tab / Backtab (not the app)."""
        focused, reason = self._focus
        return focused is widget and reason in (Qt.FocusReason.TabFocusReason,
                                                Qt.FocusReason.BacktabFocusReason)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
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
        if is_safety_key(event) and host.session_exists() and not _typing_into(focus):
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
    "ANSWER_GUARD_S", "BINDINGS", "HELD_FOR_MS", "REPEAT_GAP_MS", "SAFETY_KEY", "SESSION_MODES",
    "Action", "Binding", "KeyDispatcher", "KeyHost", "KeyState", "Mode", "describe",
    "is_safety_key", "layout_key", "physical_name", "qt_key",
]
