"""The one place that imports Qt (PySide6), as qutebrowser's `qutebrowser/qt/` and Anki's
`aqt/qt` do: every other module imports Qt classes from `companion.qt.core`, `.gui`,
`.widgets`, `.multimedia`, `.charts`, `.network` or `.dbus` (a layer contract in
pyproject.toml holds the rest of `companion` to that).

Importing this package checks the PySide6 version once. A missing or too old PySide6, or a Qt
module whose system library is missing (e.g. libEGL, libxkbcommon), raises `QtUnavailable`
(a `KnownError`: the command line shows its message and how to fix it, never a traceback).
"""

from __future__ import annotations

from companion.errors import KnownError

MINIMUM_PYSIDE6 = (6, 8)
"""The oldest PySide6 the app is tested with (pyproject.toml pins >=6.8,<6.12)."""

FIX = ("run `make run` in the source folder, or "
       "`pip install --upgrade 'PySide6-Essentials>=6.8' 'PySide6-Addons>=6.8'`")


class QtUnavailable(KnownError, ImportError):
    """PySide6 is missing, too old, or one of its system libraries cannot be loaded."""


def unavailable(module: str, exc: ImportError) -> QtUnavailable:
    """The error to raise when `PySide6.<module>` cannot be imported: says what is missing."""
    missing = getattr(exc, "name", None) or str(exc)
    if ".so" in str(exc):
        return QtUnavailable(
            f"Qt's {module} cannot load a system library ({exc}). On Debian/Ubuntu: "
            "`sudo apt-get install libegl1 libxkbcommon-x11-0 libxcb-cursor0 libpulse0` "
            "(the Makefile prints the full line).")
    return QtUnavailable(f"Qt's {module} is not installed ({missing}): {FIX}.")


try:
    import PySide6
except ImportError as _exc:  # pragma: no cover - the test extras always install it
    raise QtUnavailable(f"PySide6 (Qt for Python) is not installed: {FIX}.") from _exc

VERSION: tuple[int, int] = (int(PySide6.__version_info__[0]), int(PySide6.__version_info__[1]))
"""The PySide6 version in use, (major, minor)."""

KNOWN_BAD: dict[tuple[int, int, int], str] = {
    (6, 12, 0): "its signals corrupt Python's reference counts, which ends a session in a crash",
}
"""PySide6 releases the app refuses, and why (tests/ui/test_qt_binding.py shows the bug)."""

_release = tuple(int(part) for part in PySide6.__version_info__[:3])
if _release in KNOWN_BAD:
    raise QtUnavailable(
        f"PySide6 {PySide6.__version__} cannot be used: {KNOWN_BAD[_release]}. Use 6.11: "
        "`pip install 'PySide6-Essentials>=6.8,<6.12' 'PySide6-Addons>=6.8,<6.12'`.")
if VERSION < MINIMUM_PYSIDE6:
    raise QtUnavailable(
        f"Companion needs PySide6 {MINIMUM_PYSIDE6[0]}.{MINIMUM_PYSIDE6[1]} or newer; this Python "
        f"has {PySide6.__version__}: {FIX}.")
