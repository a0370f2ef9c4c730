"""Qt's QtMultimedia, imported once here (see `companion.qt`)."""

from companion.qt import unavailable

try:
    from PySide6.QtMultimedia import *  # noqa: F403
except ImportError as _exc:
    raise unavailable("QtMultimedia", _exc) from _exc
