"""The faults a desktop meets, made real for tests: a database another program holds, a full
disk, a read-only folder.

- `BusyHolder`: a second SQLite connection holding a write transaction (BEGIN IMMEDIATE),
  exactly what another program writing the file does; released on demand or after a time.
- `small_disk()`: a real small tmpfs mounted where the machine allows it (root with
  CAP_SYS_ADMIN); None otherwise (tests then inject ENOSPC at the OS write instead).
- `fill(folder)`: fill that disk to the last byte.
- `read_only(folder)`: a folder nobody may write: a read-only bind mount as root (root
  ignores permission bits), chmod otherwise; None when neither is possible.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path


class BusyHolder:
    """Hold a write lock on the SQLite file at `path` from another connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = sqlite3.connect(path, timeout=30, isolation_level=None,
                                     check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._timer: threading.Timer | None = None
        self.held = False

    def hold(self, seconds: float | None = None) -> BusyHolder:
        self._conn.execute("BEGIN IMMEDIATE")
        self.held = True
        if seconds is not None:
            self._timer = threading.Timer(seconds, self.release)
            self._timer.daemon = True
            self._timer.start()
        return self

    def release(self) -> None:
        if self.held:
            self.held = False
            self._conn.execute("ROLLBACK")

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.release()
        self._conn.close()

    def __enter__(self) -> BusyHolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _run(*cmd: str) -> bool:
    return subprocess.run(list(cmd), capture_output=True, check=False).returncode == 0


@contextlib.contextmanager
def small_disk(base: Path, size: str = "3m") -> Iterator[Path | None]:
    """A real tmpfs of `size` at `base/disk`, or None where mounting is not allowed."""
    mount = base / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    if os.geteuid() != 0 or not _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755",
                                     "tmpfs", str(mount)):
        yield None
        return
    try:
        yield mount
    finally:
        _run("umount", "-l", str(mount))


def fill(folder: Path) -> Path:
    """Write a file until the disk says it is full; returns it (delete it to free space)."""
    filler = folder / f"filler-{uuid.uuid4().hex[:6]}"
    chunk = b"\0" * (64 * 1024)
    with filler.open("wb", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    with filler.open("ab", buffering=0) as f:  # and the last few bytes
        for _ in range(64 * 1024):
            try:
                f.write(b"\0" * 64)
            except OSError:
                break
    return filler


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[bool]:
    """Make `folder` (and what is in it), or a file, impossible to write; yields False if
    it cannot."""
    if os.geteuid() == 0:
        if not _run("mount", "--bind", str(folder), str(folder)):
            yield False
            return
        try:
            if not _run("mount", "-o", "remount,bind,ro", str(folder)):
                yield False
                return
            yield True
        finally:
            _run("umount", "-l", str(folder))
        return
    paths = [folder, *folder.rglob("*")] if folder.is_dir() else [folder]
    modes = {p: p.stat().st_mode for p in paths}
    for p in modes:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        yield True
    finally:
        for p, mode in modes.items():
            p.chmod(mode)
