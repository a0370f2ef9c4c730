"""Run part of a test in another time zone, as the app would run when started there."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo


@contextmanager
def local_zone(name: str) -> Iterator[ZoneInfo]:
    """The process runs in zone `name` (TZ) inside the block; the old zone comes back."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield ZoneInfo(name)
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()
