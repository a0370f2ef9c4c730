"""Qt's QtCore, imported once here (see `companion.qt`)."""

from companion.qt import unavailable

try:
    from PySide6.QtCore import *  # noqa: F403
except ImportError as _exc:
    raise unavailable("QtCore", _exc) from _exc
