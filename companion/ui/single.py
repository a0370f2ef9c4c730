"""One instance per data dir: a second launch hands its request to the first and exits.

The server name is derived from the data dir, so two different data dirs (e.g. tests) can
run side by side while two launches on the same data never write the same history at once.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_MS = 500


def server_name(data_dir: Path) -> str:
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name (e.g. a container): the data dir suffices
        user = "user"
    return f"companion-{user}-{digest}"


class SingleInstance(QObject):
    """`claim()` is False when another instance runs (it has been asked to show itself)."""

    activated = Signal(str)  # the other launch's --routine, or ""

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self.server: QLocalServer | None = None

    def claim(self, routine: str | None = None) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if socket.waitForConnected(CONNECT_MS):
            message = json.dumps({"cmd": "raise", "routine": routine or ""}) + "\n"
            socket.write(message.encode())
            socket.waitForBytesWritten(CONNECT_MS)
            socket.disconnectFromServer()
            log.info("another Companion is running; asked it to show itself")
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # a stale socket left by a crash: nobody answered above, so take it over
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                log.warning("single-instance server unavailable: %s", server.errorString())
                return True
        server.newConnection.connect(self._on_connection)
        self.server = server
        return True

    def _on_connection(self) -> None:
        # Read at once (the other launch writes one short line, then exits): no lambdas or
        # per-socket slots to outlive the server.
        assert self.server is not None
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            if not socket.canReadLine():
                socket.waitForReadyRead(CONNECT_MS)
            data = bytes(socket.readAll().data()).decode(errors="replace")
            socket.abort()
            socket.deleteLater()
            for line in data.splitlines():
                self._handle(line.strip())

    def _handle(self, line: str) -> None:
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            log.warning("ignored a malformed message from another launch")
            return
        if isinstance(message, dict) and message.get("cmd") == "raise":
            self.activated.emit(str(message.get("routine", "")))

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
