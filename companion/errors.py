"""One exception root. Environment problems (disk, database, voice engine) are told to the
user with a fix; anything else is a bug and is logged with its traceback."""

from __future__ import annotations


class CompanionError(Exception):
    """Root of every error this app raises on purpose."""


class KnownError(CompanionError):
    """A problem with the user's environment or input: show the message, not a traceback."""


class BugError(CompanionError):
    """Something that should not happen; logged in full."""
