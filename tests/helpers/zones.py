"""Run part of a test in another time zone, as the app would run when started there."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo


@contextmanager
def tz_set(value: str) -> Iterator[None]:
    """The process runs with `TZ=value` (a zone name, a POSIX rule such as "UTC+3", or a
    mistyped name) inside the block; the old setting comes back."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = value
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


@contextmanager
def local_zone(name: str) -> Iterator[ZoneInfo]:
    """The process runs in zone `name` (TZ) inside the block; the old zone comes back."""
    with tz_set(name):
        yield ZoneInfo(name)
