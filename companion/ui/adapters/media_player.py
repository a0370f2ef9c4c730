"""QMediaPlayer for speech and tones, driven only through queued invocations (a direct call
could deadlock against the FFmpeg backend's own threads), with its error and status reports.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from companion.qt.core import QObject, Qt, QUrl


class QueuedPlayer:
    """One QMediaPlayer with its own QAudioOutput (speech, or one tone)."""

    def __init__(self, parent: QObject, on_status: Callable[[bool], None] | None,
                 on_error: Callable[[str], None], on_playing: Callable[[], None] | None) -> None:
        from companion.qt.multimedia import QAudioOutput, QMediaDevices, QMediaPlayer

        self._qmp = QMediaPlayer
        self.player = QMediaPlayer(parent)
        self.output = QAudioOutput(QMediaDevices.defaultAudioOutput(), parent)
        self.player.setAudioOutput(self.output)
        self._on_error = on_error
        if on_status is not None:
            self.player.mediaStatusChanged.connect(
                lambda s: on_status(s == QMediaPlayer.MediaStatus.EndOfMedia))
        if on_playing is not None:
            self.player.playbackStateChanged.connect(
                lambda s: on_playing() if s == QMediaPlayer.PlaybackState.PlayingState else None)
        self.player.errorOccurred.connect(self._error)

    def _error(self, error: Any, message: str) -> None:
        if error != self._qmp.Error.NoError:
            self._on_error(message or str(error))

    # Deadlock guard. A stop()/setSource() makes the FFmpeg backend tear its audio renderer
    # down on another thread, and that teardown calls back into our Python-made QAudioOutput
    # (needing the GIL) while holding a Qt connection lock; calling the player directly holds
    # the GIL while waiting for that lock, and the app froze for good (seen with gdb at 40x
    # session speed). Queued invocations run from the event loop, which does not hold the
    # GIL, so the teardown can always finish. Order is kept: queued calls run FIFO.
    def _invoke(self, target: QObject, method: str, *args: Any) -> None:
        from companion.qt.core import QMetaObject

        QMetaObject.invokeMethod(target, method, Qt.ConnectionType.QueuedConnection, *args)

    def _playing(self) -> bool:
        return bool(self.player.playbackState() == self._qmp.PlaybackState.PlayingState)

    def load(self, path: Path) -> None:
        from companion.qt.core import Q_ARG

        self._invoke(self.player, "setSource", Q_ARG(QUrl, QUrl.fromLocalFile(str(path))))

    def play(self, path: Path) -> None:
        from companion.qt.core import Q_ARG

        if self._playing():
            self._invoke(self.player, "stop")
        url = QUrl.fromLocalFile(str(path))
        if self.player.source() != url:
            self._invoke(self.player, "setSource", Q_ARG(QUrl, url))
        self._invoke(self.player, "play")

    def restart(self) -> None:
        from companion.qt.core import Q_ARG

        if self._playing():
            self._invoke(self.player, "setPosition", Q_ARG("qint64", 0))
        else:
            self._invoke(self.player, "play")

    def stop(self) -> None:
        if self.player.playbackState() != self._qmp.PlaybackState.StoppedState:
            self._invoke(self.player, "stop")

    def set_volume(self, volume: float) -> None:
        from companion.qt.core import Q_ARG

        self._invoke(self.output, "setVolume", Q_ARG("float", float(volume)))

    def use_default_device(self) -> None:
        from companion.qt.multimedia import QMediaDevices

        self.output.setDevice(QMediaDevices.defaultAudioOutput())


