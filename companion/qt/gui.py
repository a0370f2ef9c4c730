"""Qt's QtGui, imported once here (see `companion.qt`)."""

from companion.qt import unavailable

try:
    from PySide6.QtGui import *  # noqa: F403
except ImportError as _exc:
    raise unavailable("QtGui", _exc) from _exc
