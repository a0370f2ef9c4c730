"""Keys by name whatever the keyboard layout: what the layout types for Latin layouts (AZERTY,
QWERTZ and Dvorak users press the letter printed on the key) and the key's physical position
when it types something else (Cyrillic, Greek, Hebrew...). The safety key U matches either
way. The key dispatcher (companion/ui/services/keys.py) looks these names up in its table.
"""

from __future__ import annotations

from companion.core.safety import UNWELL_KEY
from companion.qt.core import Qt
from companion.qt.gui import QGuiApplication, QKeyEvent

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
    return event.key() == Qt.Key.Key_U or physical_name(event, platform) == UNWELL_KEY
