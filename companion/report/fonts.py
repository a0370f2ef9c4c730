"""The font the clinician summary is written in: DejaVu Sans, shipped in `resources/fonts/`
(licence beside it) and registered with Qt for this process, so every PDF embeds the same
font on Linux, Windows and macOS, whatever the machine has installed.
"""

from __future__ import annotations

import logging
from functools import cache

from companion.datafile import RESOURCES
from companion.qt.gui import QFontDatabase, QGuiApplication

log = logging.getLogger(__name__)

FONTS_DIR = RESOURCES / "fonts"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf")
FAMILY = "DejaVu Sans"


@cache
def report_family() -> str:
    """The family name to write the report in (needs a QGuiApplication): "DejaVu Sans"
    from the shipped files; if they cannot be loaded (a damaged install), the application's
    own font, with a warning in the log, so a report is still written."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("report_family needs a QGuiApplication")
    families: set[str] = set()
    for name in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(FONTS_DIR / name))
        if font_id < 0:
            log.warning("could not load the report font %s", FONTS_DIR / name)
            continue
        families.update(QFontDatabase.applicationFontFamilies(font_id))
    if FAMILY in families:
        return FAMILY
    fallback = QGuiApplication.font().family()
    log.warning("report font %s unavailable; using %s", FAMILY, fallback)
    return fallback
