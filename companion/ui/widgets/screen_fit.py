"""Windows open at their preferred size, but never larger than the screen they open on."""

from __future__ import annotations

from companion.qt.gui import QGuiApplication
from companion.qt.widgets import QWidget

#: the share of the screen's free area (without panels and docks) a window may take, so
#: its title bar and edges stay on screen
WIDTH_SHARE = 0.95
HEIGHT_SHARE = 0.9


def fitted_size(width: int, height: int, free_width: int, free_height: int) -> tuple[int, int]:
    """(width, height) in px, shrunk to the shares above of a free area of
    `free_width` x `free_height` px (an empty area changes nothing)."""
    if free_width <= 0 or free_height <= 0:
        return width, height
    return min(width, int(free_width * WIDTH_SHARE)), min(height, int(free_height * HEIGHT_SHARE))


def resize_within_screen(window: QWidget, width: int, height: int) -> None:
    """`window.resize(width, height)` (px), shrunk to fit the free area of its screen (the
    primary one before it is shown): a tester's 1280-pixel-wide screen cut off the routine
    editor's 1360-pixel-wide problems column. On Qt's offscreen platform (tests,
    screenshots) there is no real screen, only a nominal 800 x 800 one: the size is used
    as given there."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None and QGuiApplication.platformName() != "offscreen":
        free = screen.availableGeometry()
        width, height = fitted_size(width, height, free.width(), free.height())
    window.resize(width, height)
