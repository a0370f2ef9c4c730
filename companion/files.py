"""Write a user's file all at once or not at all: temp file, fsync, rename.

Exports, report PDFs and settings go through here. A full disk, a read-only folder or a
path that is a folder gives one `KnownError` line ("cannot write X: No space left on
device"), never a traceback, a 0-byte file or a half-written one; the old file (if any)
is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from companion.errors import KnownError

PRIVATE = 0o600  # health data: only the user may read it


class WriteFailed(KnownError):
    """A file could not be written; the message names it and says why, in one line."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in `folder` durable (no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, fill: Callable[[IO[bytes]], None] | bytes, *,
                 mode: int = PRIVATE) -> None:
    """Write `path` through a temp file in the same folder, then rename it into place.

    `fill` is the bytes, or a function that writes them to the open binary file. The file
    gets `mode` (0600 by default). Raises `WriteFailed` on any OS error (the temp file is
    removed); `fill`'s own exceptions propagate after the same clean-up.
    """
    path = path.expanduser()
    if path.is_dir():
        raise WriteFailed(path, "that is a folder, not a file name")
    folder = path.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except FileNotFoundError:
        raise WriteFailed(path, f"the folder {folder} does not exist") from None
    except OSError as exc:
        raise WriteFailed(path, _reason(exc)) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            with contextlib.suppress(OSError):  # e.g. a FAT stick: no modes at all
                os.fchmod(f.fileno(), mode)
            if isinstance(fill, bytes):
                f.write(fill)
            else:
                fill(f)
            f.flush()
            os.fsync(f.fileno())  # a full disk often says so only here
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteFailed(path, _reason(exc)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(folder)


def write_text_atomic(path: Path, text: str, *, mode: int = PRIVATE) -> None:
    write_atomic(path, text.encode("utf-8"), mode=mode)
