"""The breathing circle: grows on the in-breath, shrinks on the out-breath, still on holds.

Its size is a function of the session clock, not of frames drawn: each phase is anchored at
the cue's due time (`started_at`, on the engine's clock), and every paint computes where
the breath is *now*. A late frame draws the right size; it never falls behind the voice.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from companion.core.breathing import PHASE_WORDS, Phase
from companion.qt.core import QPointF, QRectF, Qt, QTimer
from companion.qt.gui import QColor, QPainter, QPaintEvent, QPalette, QPen, QPixmap
from companion.qt.widgets import QSizePolicy, QWidget
from companion.ui.widgets.style import font_for

FRAME_MS = 33  # ~30 frames a second is smooth for a breath lasting seconds
MIN_SCALE = 0.35


class BreathingCircle(QWidget):
    """Custom-painted circle; `start_phase` is called for every BREATHE cue."""

    def __init__(self, now: Callable[[], float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._now = now
        self.phase: Phase | None = None
        self.phase_seconds = 0.0
        self.started_at = 0.0
        self._paused_at: float | None = None
        self._bg: QPixmap | None = None
        self._bg_key: tuple[object, ...] = ()
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.update)
        self.setMinimumSize(160, 160)
        # We paint every pixel ourselves, so Qt need not repaint the parent underneath at
        # each animation frame (the frame cost drops by about half).
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Breathing guide")
        self.setAccessibleDescription("A circle that grows as you breathe in and shrinks as you "
                                      "breathe out")

    # -- state ----------------------------------------------------------------------------
    def start_phase(self, phase: Phase, seconds: float, started_at: float) -> None:
        """Anchor a breath phase at its due time on the session clock."""
        self.phase = phase
        self.phase_seconds = max(0.01, seconds)
        self.started_at = started_at
        self._paused_at = None
        self.setAccessibleDescription(PHASE_WORDS[phase])
        if self.isVisible():
            self._timer.start()
        self.update()

    def stop(self) -> None:
        """No breathing guided right now: a calm, small, still circle."""
        self.phase = None
        self._paused_at = None
        self._timer.stop()
        self.update()

    def pause(self) -> None:
        if self.phase is not None and self._paused_at is None:
            self._paused_at = self._now()
            self._timer.stop()

    def resume(self) -> None:
        if self._paused_at is not None:
            self.started_at += self._now() - self._paused_at
            self._paused_at = None
            if self.isVisible() and self.phase is not None:
                self._timer.start()

    @property
    def animating(self) -> bool:
        return self._timer.isActive()

    def progress(self) -> float:
        """How far into the current phase (0..1) the breath is at this moment."""
        if self.phase is None:
            return 0.0
        now = self._paused_at if self._paused_at is not None else self._now()
        return min(1.0, max(0.0, (now - self.started_at) / self.phase_seconds))

    def fullness(self) -> float:
        """0 = empty lungs (smallest circle) .. 1 = full (largest), eased like a breath."""
        p = self.progress()
        eased = 0.5 - 0.5 * math.cos(math.pi * p)
        if self.phase is Phase.IN:
            return eased
        if self.phase is Phase.OUT:
            return 1.0 - eased
        if self.phase is Phase.HOLD_IN:
            return 1.0
        return 0.0

    def seconds_left(self) -> float:
        return (1.0 - self.progress()) * self.phase_seconds if self.phase else 0.0

    # -- Qt ---------------------------------------------------------------------------------
    def showEvent(self, event: object) -> None:
        if self.phase is not None and self._paused_at is None:
            self._timer.start()

    def hideEvent(self, event: object) -> None:
        self._timer.stop()

    def _background(self) -> QPixmap:
        """Window colour plus the dashed guide ring, drawn once per size and palette.

        Antialiased shapes this large cost milliseconds each in the raster engine; caching
        the still parts keeps a frame well under a millisecond.
        """
        pal = self.palette()
        key = (self.width(), self.height(), pal.cacheKey(), self.devicePixelRatioF())
        if self._bg is not None and self._bg_key == key:
            return self._bg
        ratio = self.devicePixelRatioF()
        pix = QPixmap(int(self.width() * ratio), int(self.height() * ratio))
        pix.setDevicePixelRatio(ratio)
        pix.fill(pal.color(QPalette.ColorRole.Window))
        side = min(self.width(), self.height()) - 8
        if side > 0:
            painter = QPainter(pix)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            ring = QPen(pal.color(QPalette.ColorRole.Mid))
            ring.setWidthF(max(2.0, side / 120))
            ring.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(ring)
            painter.drawEllipse(QPointF(self.width() / 2, self.height() / 2),
                                side / 2 - 2, side / 2 - 2)
            painter.end()
        self._bg, self._bg_key = pix, key
        return pix

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.phase is not None and self.progress() >= 1.0 and self._timer.isActive():
            self._timer.stop()  # phase done: hold still until the next cue arrives
        pal = self.palette()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._background())
        side = min(self.width(), self.height()) - 8
        if side <= 0:
            painter.end()
            return
        center = QPointF(self.width() / 2, self.height() / 2)
        max_r = side / 2
        radius = max_r * (MIN_SCALE + (1.0 - MIN_SCALE) * self.fullness())
        accent = pal.color(QPalette.ColorRole.Highlight)
        # an opaque blend of accent and window: the same look as a translucent fill, cheaper
        fill = _blend(accent, pal.color(QPalette.ColorRole.Window),
                      0.35 if self.phase is not None else 0.15)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawEllipse(center, radius, radius)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        edge = QPen(accent)
        edge.setWidthF(max(3.0, side / 60))
        painter.setPen(edge)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(center, radius, radius)
        if self.phase is not None:
            painter.setPen(pal.color(QPalette.ColorRole.WindowText))
            font = font_for("heading", bold=True)
            font.setPixelSize(max(14, int(side / 9)))
            painter.setFont(font)
            box = QRectF(center.x() - max_r, center.y() - max_r, 2 * max_r, 2 * max_r)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, PHASE_WORDS[self.phase])
        painter.end()


def _blend(top: QColor, bottom: QColor, alpha: float) -> QColor:
    return QColor(
        round(top.red() * alpha + bottom.red() * (1 - alpha)),
        round(top.green() * alpha + bottom.green() * (1 - alpha)),
        round(top.blue() * alpha + bottom.blue() * (1 - alpha)),
    )
