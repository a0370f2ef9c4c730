"""The write-behind journal: every session event is on disk before the recorder returns.

A session's events are appended, one JSON line each, to this run's journal file in
`<data dir>/journal/` on the caller's thread, so a killed process loses none of them; the
safety-critical ones (a red flag, its symptom, the end of a session, a confirmation) are
also flushed to the disk (`fdatasync`) before the append returns, so they survive a power
cut too. The rest are flushed by the background writer (`companion.storage.store`) before
it commits them: fdatasync costs 0.1 ms on a quiet disk but 3-16 ms when other programs
keep it busy, which the GUI thread should not pay for every set. The database commits
happen on that writer,
which appends a `{"merged": [...]}` line for what it has committed. Whatever is in the
journal and not marked merged is merged at the next start; the database keeps, per
session, the last journal sequence number applied (`sessions.journal_seq`), so an entry
merged twice (a kill between the commit and the mark) changes nothing. The file format
and its readers are in `companion.storage.journal_file`.

A full disk: the folder holds a small reserve file; when an append fails for want of
space the reserve is given up and the append tried again, so a red flag still reaches
the disk after the disk filled.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import tempfile
import threading
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from companion.core.events import Event
from companion.errors import KnownError
from companion.files import fsync_dir
from companion.storage.journal_file import SUFFIX, VERSION, Ack, Entry

log = logging.getLogger(__name__)

RESERVE_NAME = "reserve"
RESERVE_BYTES = 512 * 1024  # thousands of events: several sessions on a full disk
COMPACT_BYTES = 256 * 1024


class JournalError(KnownError):
    """The journal could not be written (disk full even after the reserve, read-only...)."""

    def __init__(self, message: str, cause: OSError | None = None) -> None:
        super().__init__(message)
        self.cause = cause


# -- this run's journal -------------------------------------------------------------------------
def process_started() -> float | None:
    """This process's start time (epoch seconds), to tell it from a later one with its pid."""
    try:
        import psutil

        return float(psutil.Process().create_time())
    except Exception:  # psutil missing or refused: the pid alone will do
        return None


class Journal:
    """This run's journal file. Thread-safe: the recorder appends on the GUI thread, the
    background writer marks entries merged.

    The file is created on the first append (so a run without sessions leaves none) and
    removed by `close()` once everything in it is merged.
    """

    def __init__(self, folder: Path, db: str, device: str, profile: str | None = None) -> None:
        self.folder = folder
        self.db = db
        self.device = device
        self.profile = profile
        self.run = uuid.uuid4().hex
        self.path = folder / f"{self.run}{SUFFIX}"
        self.reserve_used = False
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._size = 0
        self._seq = 0
        self._unmerged: set[int] = set()
        self._pid_started = process_started()

    def prepare(self) -> None:
        """Make the folder and the reserve now (the app does, off the GUI thread; the
        command line, which only reads, does not)."""
        self._make_reserve()

    def probe(self) -> str:
        """'' when a file can be created in the folder now; else why not (a read-only
        folder or mount is known before the first event, not at the red flag)."""
        try:
            self._ensure_folder()
            fd, name = tempfile.mkstemp(prefix=".probe-", dir=self.folder)
            os.close(fd)
            os.unlink(name)
        except OSError as exc:
            return f"the journal folder {self.folder} cannot be written " \
                   f"({exc.strerror or exc})"
        return ""

    # -- the folder and its reserve -------------------------------------------------------------
    def _ensure_folder(self) -> None:
        # The writer thread (`prepare`, `probe`) and the first append may both get here at
        # once: a folder the other one made in between is no failure.
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, mode=0o700, exist_ok=True)
            fsync_dir(self.folder.parent)

    def _make_reserve(self) -> None:
        """Keep RESERVE_BYTES of real disk blocks to give up when the disk fills."""
        reserve = self.folder / RESERVE_NAME
        try:
            if reserve.exists() and reserve.stat().st_size >= RESERVE_BYTES:
                return
            self._ensure_folder()
            fd = os.open(reserve, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                if hasattr(os, "posix_fallocate"):
                    os.posix_fallocate(fd, 0, RESERVE_BYTES)
                else:
                    os.write(fd, b"\0" * RESERVE_BYTES)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:  # a read-only or full disk: appends will say so
            log.info("journal reserve not made: %s", exc)
            with contextlib.suppress(OSError):
                if reserve.exists() and reserve.stat().st_size < RESERVE_BYTES:
                    reserve.unlink()

    def restore_reserve(self) -> None:
        """After the disk had room again (the writer calls this when a commit succeeds)."""
        if self.reserve_used:
            self._make_reserve()
            self.reserve_used = not (self.folder / RESERVE_NAME).exists()

    def _give_up_reserve(self) -> bool:
        try:
            (self.folder / RESERVE_NAME).unlink()
        except OSError:
            return False
        self.reserve_used = True
        log.warning("the disk is full: the journal's reserve space is in use")
        return True

    # -- writing -----------------------------------------------------------------------------
    def _open(self) -> int:
        if self._fd is not None:
            return self._fd
        self._ensure_folder()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        header = {"v": VERSION, "journal": "companion", "run": self.run, "pid": os.getpid(),
                  "pid_started": self._pid_started, "device": self.device, "db": self.db,
                  "profile": self.profile}
        try:
            self._size = os.fstat(fd).st_size
            if self._size == 0:
                self._fd = fd
                self._write(json.dumps(header).encode() + b"\n", sync=True)
                fsync_dir(self.folder)
        except BaseException:
            self._fd = None
            os.close(fd)
            raise
        self._fd = fd
        return fd

    def _write(self, data: bytes, *, sync: bool) -> None:
        """Append `data` whole or not at all (a failed write is cut off again)."""
        assert self._fd is not None
        try:
            written = os.write(self._fd, data)
            if written != len(data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            if sync:
                (os.fdatasync if hasattr(os, "fdatasync") else os.fsync)(self._fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)
            raise
        self._size += len(data)

    def _append(self, make: Any, sync: bool = True) -> Entry:
        with self._lock:
            self._seq += 1
            entry: Entry = make(self._seq)
            line = json.dumps(entry.to_json(), ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8") + b"\n"
            for attempt in (1, 2):
                try:
                    self._open()
                    self._write(line, sync=sync)
                    break
                except OSError as exc:
                    full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
                    if attempt == 1 and full and self._give_up_reserve():
                        continue
                    self._seq -= 1
                    raise JournalError(
                        f"the journal {self.path} cannot be written "
                        f"({exc.strerror or exc})", exc) from exc
            self._unmerged.add(entry.seq)
            return entry

    def append_event(self, key: str, event: Event, at: datetime,
                     routine: dict[str, Any] | None = None, *, sync: bool = True) -> Entry:
        """Append one event of session `key`: in the file when this returns (a killed
        process cannot lose it), and flushed to the disk too with `sync` (a power cut
        cannot either; else `sync()` does it later, off the caller's thread).

        Raises JournalError when the disk refuses even after giving up the reserve.
        """
        return self._append(lambda seq: Entry(seq, key, at, event, routine), sync)

    def sync(self) -> None:
        """Flush what has been appended to the disk (the writer, before it commits)."""
        with self._lock:  # a duplicate of the descriptor: flush without holding the lock,
            if self._fd is None:  # so the GUI thread's next append never waits for it
                return
            fd = os.dup(self._fd)
        try:
            (os.fdatasync if hasattr(os, "fdatasync") else os.fsync)(fd)
        except OSError as exc:  # reported by the next append, if it persists
            log.info("journal flush failed: %s", exc)
        finally:
            os.close(fd)

    def append_ack(self, ack: Ack, at: datetime) -> Entry:
        return self._append(lambda seq: Entry(seq, "", at, ack=ack))

    def mark_merged(self, seqs: Iterable[int]) -> None:
        """Note that these entries are in the database (no fsync: merging twice is harmless)."""
        done = sorted(set(seqs))
        if not done:
            return
        with self._lock:
            self._unmerged.difference_update(done)
            if self._fd is None:
                return
            try:
                self._write(json.dumps({"merged": done}).encode() + b"\n", sync=False)
                if not self._unmerged and self._size > COMPACT_BYTES:
                    self._compact()
            except OSError as exc:  # harmless: they would be merged (as no-ops) again
                log.info("could not mark journal entries merged: %s", exc)

    def _compact(self) -> None:
        """Everything is merged: start the file again from its header."""
        assert self._fd is not None
        os.close(self._fd)
        self._fd = None
        self.path.unlink(missing_ok=True)
        self._size = 0

    @property
    def unmerged(self) -> int:
        with self._lock:
            return len(self._unmerged)

    def close(self) -> None:
        """Close the file; delete it when everything in it is merged."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            if not self._unmerged:
                with contextlib.suppress(OSError):
                    self.path.unlink(missing_ok=True)

