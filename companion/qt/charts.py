"""Qt's QtCharts, imported once here (see `companion.qt`)."""

from companion.qt import unavailable

try:
    from PySide6.QtCharts import *  # noqa: F403
except ImportError as _exc:
    raise unavailable("QtCharts", _exc) from _exc
