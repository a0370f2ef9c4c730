"""How the history storage stands, in plain words for the person using the app.

`StorageStatus` is what the background writer reports (the GUI shows it in a banner at once;
the command line prints it). `classify()` turns a database or file error into the kind of
trouble a person can act on: busy, disk full, read-only, not reachable, damaged.
"""

from __future__ import annotations

import enum
import errno
import sqlite3
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, OperationalError


class Trouble(enum.Enum):
    """What is wrong with saving, if anything."""

    NONE = "none"
    OPENING = "opening"  # not open yet (a server being reached, a migration running)
    BUSY = "busy"  # another program holds the database longer than the retry budget
    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"  # the database file or folder may not be written
    UNREACHABLE = "unreachable"  # a database server does not answer
    FAILED = "failed"  # anything else the database refuses (said in `detail`)


@dataclass(frozen=True)
class StorageStatus:
    """One state of the storage.

    `journaled`: events are kept safely in the local journal (and will be added to the
    history when the database accepts them); False means they are not being kept at all.
    `pending`: journal entries not in the database yet. `where`: the database or folder.
    """

    trouble: Trouble = Trouble.NONE
    journaled: bool = True
    pending: int = 0
    where: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.trouble in (Trouble.NONE, Trouble.OPENING) and self.journaled

    def message(self) -> str:
        """What is happening, whether events are kept, and what to do: '' when all is well."""
        if self.ok:
            return ""
        if self.trouble in (Trouble.NONE, Trouble.OPENING):  # only the journal fails
            return ("The journal that keeps each event safe on this computer cannot be "
                    "written. Events still go to your history, but one could be lost if "
                    "Companion stopped before saving it. Free some disk space or check the "
                    "data folder's permissions.")
        kept = ("What you do is being kept safely on this computer and will be added to "
                "your history as soon as it can be saved."
                if self.journaled else
                "What you do is NOT being saved, not even on this computer.")
        where = f" ({self.where})" if self.where else ""
        what = {
            Trouble.NONE: "",
            Trouble.OPENING: "",
            Trouble.BUSY: f"Your history database{where} is busy: another program is "
                          "using it.",
            Trouble.DISK_FULL: f"The disk is full, so your history{where} cannot be saved.",
            Trouble.READ_ONLY: f"Your history{where} is read-only, so it cannot be saved.",
            Trouble.UNREACHABLE: f"The history database{where} is not reachable.",
            Trouble.FAILED: f"Your history{where} cannot be saved"
                            + (f": {self.detail.rstrip('.')}." if self.detail else "."),
        }[self.trouble]
        todo = {
            Trouble.NONE: "",
            Trouble.OPENING: "",
            Trouble.BUSY: "You can carry on; close the other program if this stays.",
            Trouble.DISK_FULL: "Free some disk space; Companion saves it then by itself.",
            Trouble.READ_ONLY: "Check the folder's permissions, or start Companion with "
                               "--data-dir on a folder you can write.",
            Trouble.UNREACHABLE: "Check the network or the database server; Companion "
                                 "keeps trying.",
            Trouble.FAILED: "See the log for details.",
        }[self.trouble]
        if not self.journaled and self.trouble is Trouble.DISK_FULL:
            todo = "Free some disk space now."
        return " ".join(p for p in (what, kept, todo) if p)


# SQLite primary result codes (https://www.sqlite.org/rescode.html)
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


def classify(exc: BaseException) -> Trouble:
    """The kind of storage trouble behind `exc` (FAILED when it is not a known one)."""
    orig: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    if isinstance(orig, OSError):
        if orig.errno in (errno.ENOSPC, errno.EDQUOT):
            return Trouble.DISK_FULL
        if orig.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return Trouble.READ_ONLY
        return Trouble.FAILED
    if isinstance(orig, sqlite3.Error):
        code = (getattr(orig, "sqlite_errorcode", 0) or 0) & 0xFF
        text = str(orig).lower()
        if code in (_BUSY, _LOCKED) or "locked" in text or "busy" in text:
            return Trouble.BUSY
        if code == _FULL or "disk is full" in text:
            return Trouble.DISK_FULL
        if code == _READONLY or "readonly" in text or "read-only" in text:
            return Trouble.READ_ONLY
        return Trouble.FAILED
    module = type(orig).__module__
    if module.startswith("psycopg"):
        name = type(orig).__name__
        if name in ("QueryCanceled", "LockNotAvailable", "DeadlockDetected"):
            return Trouble.BUSY
        if name in ("ReadOnlySqlTransaction", "InsufficientPrivilege"):
            return Trouble.READ_ONLY
        if name == "DiskFull":
            return Trouble.DISK_FULL
        if isinstance(exc, OperationalError) or name in ("OperationalError",
                                                          "ConnectionTimeout"):
            return Trouble.UNREACHABLE
    elif isinstance(exc, OperationalError):
        return Trouble.UNREACHABLE
    return Trouble.FAILED


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: the database or the disk refused (it may clear up by itself or when
    the person fixes it), as opposed to an entry the database can never take (a bug)."""
    from sqlalchemy.exc import InterfaceError, InternalError

    if isinstance(exc, OperationalError | InterfaceError | InternalError | OSError):
        return True
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    if isinstance(orig, sqlite3.OperationalError):
        return True
    return classify(exc) in (Trouble.BUSY, Trouble.DISK_FULL, Trouble.READ_ONLY,
                             Trouble.UNREACHABLE)
