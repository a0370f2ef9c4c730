"""Qt's QtWidgets, imported once here (see `companion.qt`)."""

from companion.qt import unavailable

try:
    from PySide6.QtWidgets import *  # noqa: F403
except ImportError as _exc:
    raise unavailable("QtWidgets", _exc) from _exc
