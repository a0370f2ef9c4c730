"""Companion's icon for the window and the tray: the SVG the Linux menu entry installs.

Light on purpose (Qt and the file only): the main window sets it before its first paint.
"""

from __future__ import annotations

import logging

from companion.desktop import ICON_FILE
from companion.qt.core import QRectF, Qt
from companion.qt.gui import QColor, QIcon, QPainter, QPen, QPixmap

log = logging.getLogger(__name__)

def app_icon() -> QIcon:
    """Companion's icon (resources/desktop/companion.svg, the one the menu entry installs)
    for the window and the tray; drawn at each size asked for (Qt's SVG icon engine, which
    PySide6 ships on every platform). If it cannot be drawn, a plain breathing circle."""
    icon = QIcon(str(ICON_FILE))
    if icon.pixmap(32, 32).isNull():
        log.warning("could not draw %s; using a plain icon", ICON_FILE)
        return _fallback_icon()
    return icon


def _fallback_icon() -> QIcon:
    pix = QPixmap(64, 64)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor("#0b57d0"))
    pen.setWidth(5)
    painter.setPen(pen)
    painter.setBrush(QColor(11, 87, 208, 90))
    painter.drawEllipse(QRectF(6, 6, 52, 52))
    painter.setBrush(QColor("#0b57d0"))
    painter.drawEllipse(QRectF(22, 22, 20, 20))
    painter.end()
    return QIcon(pix)
