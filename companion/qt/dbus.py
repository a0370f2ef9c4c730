"""Qt's QtDBus, imported once here (see `companion.qt`)."""

from companion.qt import unavailable

try:
    from PySide6.QtDBus import *  # noqa: F403
except ImportError as _exc:
    raise unavailable("QtDBus", _exc) from _exc
