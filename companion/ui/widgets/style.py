"""Look and feel: type sizes relative to the system font, palette-based colours only.

Nothing here hard-codes a colour that must contrast with the background (the one exception
is the red "I feel unwell" button, white on dark red, which reads on light and dark alike),
so the app follows the system light/dark palette, and every size is a multiple of the
system font so a larger system font makes the whole app larger.
"""

from __future__ import annotations

from companion.qt.gui import QColor, QFont, QPalette
from companion.qt.widgets import QApplication, QWidget

#: Multiples of the system font size for each text role.
SCALE = {
    "body": 1.5,
    "small": 1.2,
    "button": 1.5,
    "title": 2.6,
    "heading": 1.9,
    "exercise": 3.4,
    "caption": 2.2,
    "counter": 1.8,
    "reps": 4.2,
}

UNWELL_RED = "#a1001a"
AMBER = "#b86e00"
#: the notice banners (no voice, history kept safely, why the health questions are asked):
#: (background, border, text), readable in light and dark palettes alike
NOTICE_COLOURS = ("#fff4ce", "#c8a200", "#3b2f00")


def base_point_size() -> float:
    font = QApplication.font()
    size = font.pointSizeF()
    if size <= 0:  # a pixel-sized system font: convert at the usual 96 dpi
        size = font.pixelSize() * 0.75
    return size if size > 0 else 10.0


def font_for(role: str, *, bold: bool = False) -> QFont:
    font = QFont(QApplication.font())
    font.setPointSizeF(base_point_size() * SCALE[role])
    font.setBold(bold)
    return font


def apply_font(widget: QWidget, role: str, *, bold: bool = False) -> None:
    widget.setFont(font_for(role, bold=bold))


def button_rules(pad: int, *, bold_emphasis: bool) -> str:
    """The push-button rules both style sheets share (app-wide and the safety pages):
    padding `pad` px, a visible focus ring, the primary and "I feel unwell" looks
    (bold when `bold_emphasis`)."""
    bold = "font-weight: bold;" if bold_emphasis else ""
    return f"""
    QPushButton {{
        padding: {pad}px {pad * 2}px;
        border: 2px solid palette(mid);
        border-radius: {pad}px;
        background: palette(button);
        color: palette(button-text);
    }}
    QPushButton:hover {{ border-color: palette(highlight); }}
    QPushButton:focus {{ border: 4px solid palette(highlight); }}
    QPushButton:checked {{
        background: palette(highlight);
        color: palette(highlighted-text);
        border-color: palette(highlight);
    }}
    QPushButton:disabled {{ color: palette(mid); border-color: palette(midlight); }}
    QPushButton#primary {{
        background: palette(highlight);
        color: palette(highlighted-text);
        border-color: palette(highlight);
        {bold}
    }}
    QPushButton#primary:focus {{ border: 4px solid palette(text); }}
    QPushButton#primary:disabled {{
        background: palette(button);
        color: palette(mid);
        border-color: palette(midlight);
    }}
    QPushButton#unwell {{
        background: {UNWELL_RED};
        color: white;
        border-color: {UNWELL_RED};
        {bold}
    }}
    QPushButton#unwell:focus {{ border: 4px solid palette(text); }}
    """


def app_stylesheet() -> str:
    """Buttons big enough to hit from a step away, and a focus ring you can see."""
    pad = max(6, round(base_point_size() * 0.8))
    return f"""
    {button_rules(pad, bold_emphasis=True)}
    QListWidget:focus, QComboBox:focus, QSpinBox:focus, QLineEdit:focus,
    QSlider:focus, QCheckBox:focus, QTimeEdit:focus {{
        border: 3px solid palette(highlight);
    }}
    QListWidget::item {{ padding: {pad // 2}px; }}
    QFrame#caption {{
        border: 2px solid palette(mid);
        border-radius: {pad}px;
        background: palette(alternate-base);
    }}
    QLabel#banner {{
        border: 2px solid {AMBER};
        border-radius: {pad}px;
        padding: {pad}px;
    }}
    """


def make_palette(dark: bool) -> QPalette:
    """An explicit high-contrast palette (screenshots, and platforms without a theme)."""
    pal = QPalette()
    if dark:
        colors = {
            QPalette.ColorRole.Window: "#121212",
            QPalette.ColorRole.WindowText: "#f2f2f2",
            QPalette.ColorRole.Base: "#1c1c1c",
            QPalette.ColorRole.AlternateBase: "#262626",
            QPalette.ColorRole.Text: "#f2f2f2",
            QPalette.ColorRole.Button: "#2a2a2a",
            QPalette.ColorRole.ButtonText: "#f2f2f2",
            QPalette.ColorRole.Highlight: "#5aa9ff",
            QPalette.ColorRole.HighlightedText: "#000000",
            QPalette.ColorRole.Mid: "#8a8a8a",
            QPalette.ColorRole.Midlight: "#444444",
            QPalette.ColorRole.Dark: "#0a0a0a",
            QPalette.ColorRole.Light: "#3a3a3a",
            QPalette.ColorRole.PlaceholderText: "#b0b0b0",
            QPalette.ColorRole.ToolTipBase: "#262626",
            QPalette.ColorRole.ToolTipText: "#f2f2f2",
        }
    else:
        colors = {
            QPalette.ColorRole.Window: "#f7f7f7",
            QPalette.ColorRole.WindowText: "#111111",
            QPalette.ColorRole.Base: "#ffffff",
            QPalette.ColorRole.AlternateBase: "#ececec",
            QPalette.ColorRole.Text: "#111111",
            QPalette.ColorRole.Button: "#ffffff",
            QPalette.ColorRole.ButtonText: "#111111",
            QPalette.ColorRole.Highlight: "#0b57d0",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.Mid: "#6b6b6b",
            QPalette.ColorRole.Midlight: "#cfcfcf",
            QPalette.ColorRole.Dark: "#505050",
            QPalette.ColorRole.Light: "#ffffff",
            QPalette.ColorRole.PlaceholderText: "#5c5c5c",
            QPalette.ColorRole.ToolTipBase: "#ffffff",
            QPalette.ColorRole.ToolTipText: "#111111",
        }
    for role, value in colors.items():
        pal.setColor(role, QColor(value))
    return pal


def fmt_clock(seconds: float, *, up: bool = True) -> str:
    """m:ss for the big timer; countdowns round up (so "0:01" shows until the very end),
    elapsed times (`up=False`) round down."""
    whole = max(0, int(-(-seconds // 1)) if up else int(seconds // 1))
    minutes, secs = divmod(whole, 60)
    return f"{minutes}:{secs:02d}"


def fmt_duration(seconds: float) -> str:
    """Readable length: '12 min', '45 s', '1 h 5 min'."""
    if seconds < 60:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
