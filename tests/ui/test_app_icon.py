"""The window and the tray show the icon the menu entry installs (resources/desktop)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from companion.desktop import ICON_FILE
from companion.ui.adapters.tray import Tray
from companion.ui.widgets.icon import app_icon
from tests.ui.conftest import App

SIZES = (16, 22, 32, 48, 64, 128)


def _svg(size: int) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    QSvgRenderer(str(ICON_FILE)).render(painter, QRectF(0, 0, size, size))
    painter.end()
    return img


def _pixels(icon: object, size: int) -> QImage:
    return icon.pixmap(size, size).toImage().convertToFormat(  # type: ignore[attr-defined]
        QImage.Format.Format_ARGB32_Premultiplied)


def _close(a: QImage, b: QImage) -> bool:
    """Same picture (anti-aliasing may differ by a step in a few edge pixels)."""
    if a.size() != b.size():
        return False
    worst = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixelColor(x, y), b.pixelColor(x, y)
            worst = max(worst, abs(pa.red() - pb.red()), abs(pa.green() - pb.green()),
                        abs(pa.blue() - pb.blue()), abs(pa.alpha() - pb.alpha()))
    return worst <= 8


def test_the_icon_is_the_menu_entrys_svg_at_every_size(qapp: object) -> None:
    icon = app_icon()
    assert not icon.isNull()
    for size in SIZES:
        assert _close(_pixels(icon, size), _svg(size)), size
    # not a blank or the fallback picture: the tile is the brand blue at its top edge
    middle = _svg(64).pixelColor(32, 3)
    assert (middle.red(), middle.green(), middle.blue()) == (0x0B, 0x57, 0xD0)


def test_the_window_and_the_tray_show_that_icon(
    make_app: Callable[..., App], tmp_path: Path
) -> None:
    app = make_app()
    tray = Tray(app.window)
    try:
        for size in (16, 32, 64):
            expected = _svg(size)
            assert _close(_pixels(app.window.windowIcon(), size), expected)
            assert _close(_pixels(tray.icon.icon(), size), expected)
        if os.environ.get("COMPANION_ICON_SHOT"):  # a picture to look at, on request
            shot = app.window.grab()
            painter = QPainter(shot)
            painter.drawPixmap(8, 8, app.window.windowIcon().pixmap(64, 64))
            painter.drawPixmap(80, 8, tray.icon.icon().pixmap(22, 22))
            painter.end()
            shot.save(os.environ["COMPANION_ICON_SHOT"])
    finally:
        tray.icon.hide()
        tray.deleteLater()
