"""Qt's QtNetwork, imported once here (see `companion.qt`)."""

from companion.qt import unavailable

try:
    from PySide6.QtNetwork import *  # noqa: F403
except ImportError as _exc:
    raise unavailable("QtNetwork", _exc) from _exc
