"""One instance per data dir: a second launch hands its request to the first and exits.

Done as qutebrowser's `misc/ipc.py` does it:

- the socket lives in the user's own runtime folder (`$XDG_RUNTIME_DIR/companion`, else a
  private `companion-runtime-<uid>` folder in the temp dir, checked to be this user's and
  0700), never under a predictable name in the shared /tmp, so another local user cannot
  squat it; on Windows the pipe name carries the user and the server admits only them;
- messages are one JSON line with a protocol version; the server reads asynchronously
  (readyRead) with a timeout, so a client that connects and says nothing cannot hang the
  app, and it answers `{"v": 1, "ok": true}`;
- a second launch waits a few seconds for that answer (the first one may still be busy
  starting up) and then exits either way: once the request is delivered, it never starts
  a second instance on the same data; a refusal (another protocol version) is logged.

The name is derived from the data dir, so two data dirs (e.g. tests) run side by side while
two launches on the same data never write the same history at once.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import logging
import os
import stat
import sys
import tempfile
from pathlib import Path

from companion.qt.core import QObject, QTimer, Signal
from companion.qt.network import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
CONNECT_MS = 500
REPLY_MS = 5000
READ_TIMEOUT_MS = 2000
MAX_MESSAGE = 64 * 1024


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name (e.g. a container): the uid or data dir do
        return str(os.getuid()) if hasattr(os, "getuid") else "user"


def _private(folder: Path) -> bool:
    """Owned by this user and closed to everyone else."""
    try:
        st = folder.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & 0o077


def runtime_dir() -> Path | None:
    """This user's private folder for the socket, created 0700; None if none can be had."""
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    candidates = []
    if base and _private(Path(base)):
        candidates.append(Path(base) / "companion")
    uid = os.getuid() if hasattr(os, "getuid") else _user()
    candidates.append(Path(tempfile.gettempdir()) / f"companion-runtime-{uid}")
    for folder in candidates:
        with contextlib.suppress(FileExistsError, OSError):
            folder.mkdir(mode=0o700)
        if _private(folder):
            return folder
        log.warning("not using %s for the single-instance socket: not a private folder of "
                    "this user", folder)
    return None


def server_name(data_dir: Path) -> str:
    """The pipe name (Windows) or the socket's file name (elsewhere)."""
    digest = hashlib.sha256(f"{data_dir.resolve()}\0{_user()}".encode()).hexdigest()[:16]
    return f"companion-{_user()}-{digest}" if sys.platform == "win32" else f"ipc-{digest}"


def socket_path(data_dir: Path) -> str | None:
    """What QLocalServer listens on: a full path in the runtime folder (a pipe name on
    Windows); None when there is no private place for it."""
    if sys.platform == "win32":
        return server_name(data_dir)
    folder = runtime_dir()
    return str(folder / server_name(data_dir)) if folder is not None else None


class SingleInstance(QObject):
    """`claim()` is False when another instance runs (it has been asked to show itself)."""

    activated = Signal(str)  # the other launch's --routine, or ""

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = socket_path(data_dir)
        self.server: QLocalServer | None = None
        self._clients: dict[QLocalSocket, tuple[bytearray, QTimer]] = {}

    # -- the second launch ------------------------------------------------------------------------
    def claim(self, routine: str | None = None) -> bool:
        """True: this is the only instance (it now listens). False: another one runs and
        has been handed the request (this launch should exit).

        Runs before the event loop starts, so blocking waits are fine here. Once the
        message is delivered this launch never starts a second instance: the first one may
        be busy starting up and answer late (it reads the message when it can).
        """
        if self.name is None:
            log.warning("single-instance check skipped: no private runtime folder")
            return True
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if socket.waitForConnected(CONNECT_MS):
            reply = self._hand_over(socket, routine)
            socket.abort()
            if reply is None:
                log.info("another Companion is running; it has been asked to show itself")
            elif reply.get("ok") is True:
                log.info("another Companion is running; asked it to show itself")
            else:
                log.warning("another Companion is running on this data folder but refused "
                            "the request (%s); close it first", reply.get("error", "?"))
            return False
        return self._listen()

    def _hand_over(self, socket: QLocalSocket, routine: str | None) -> dict[str, object] | None:
        """Send the request; the answer, or None when none came in time."""
        message = {"v": PROTOCOL_VERSION, "cmd": "raise", "routine": routine or "",
                   "pid": os.getpid()}
        socket.write(json.dumps(message).encode() + b"\n")
        socket.waitForBytesWritten(CONNECT_MS)
        data = b""
        while b"\n" not in data and len(data) < MAX_MESSAGE:
            if not socket.waitForReadyRead(REPLY_MS):
                return None
            data += bytes(socket.readAll().data())
        try:
            reply = json.loads(data.split(b"\n", 1)[0])
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {"ok": False, "error": "an answer that is not Companion's"}
        return reply if isinstance(reply, dict) else {"ok": False, "error": "malformed"}

    def _listen(self) -> bool:
        assert self.name is not None
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # a socket file left by a crash: nobody answered above, and the folder is ours
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                log.warning("single-instance server unavailable: %s", server.errorString())
                return True
        server.newConnection.connect(self._on_connection)
        self.server = server
        return True

    # -- the first instance: asynchronous, with a timeout ----------------------------------------
    def _on_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            if socket is None:
                return
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda s=socket: self._drop(s, "timed out"))
            self._clients[socket] = (bytearray(), timer)
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._drop(s, ""))
            timer.start(READ_TIMEOUT_MS)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        entry = self._clients.get(socket)
        if entry is None:
            return
        buffer, _timer = entry
        buffer += bytes(socket.readAll().data())
        if len(buffer) > MAX_MESSAGE:
            self._drop(socket, "message too long")
            return
        if b"\n" not in buffer:
            return  # more to come (within the timeout)
        line = bytes(buffer).split(b"\n", 1)[0]
        ok, error = self._handle(line)
        reply = {"v": PROTOCOL_VERSION, "ok": ok} | ({"error": error} if error else {})
        socket.write(json.dumps(reply).encode() + b"\n")
        socket.flush()
        self._drop(socket, "", close=True)

    def _drop(self, socket: QLocalSocket, why: str, *, close: bool = False) -> None:
        entry = self._clients.pop(socket, None)
        if entry is None:
            return
        entry[1].stop()
        entry[1].deleteLater()
        if why:
            log.warning("single-instance connection dropped: %s", why)
        # The server owns its sockets and deletes them with itself; deleting them here as
        # well (deleteLater) crashed PySide when the server went first.
        if close:  # after the reply is written out
            socket.disconnectFromServer()
        else:
            socket.abort()

    def _handle(self, line: bytes) -> tuple[bool, str]:
        try:
            message = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.warning("ignored a malformed message from another launch")
            return False, "malformed"
        if not isinstance(message, dict):
            return False, "malformed"
        if message.get("v") != PROTOCOL_VERSION:
            log.warning("ignored a message in protocol version %r (this is %d)",
                        message.get("v"), PROTOCOL_VERSION)
            return False, "protocol version"
        if message.get("cmd") == "raise":
            self.activated.emit(str(message.get("routine", "")))
            return True, ""
        return False, "unknown command"

    def release(self) -> None:
        for socket in list(self._clients):
            self._drop(socket, "")
        if self.server is not None:
            self.server.close()
            self.server = None
