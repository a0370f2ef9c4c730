"""The user's time zone: days, weeks, report periods and reminders are local, with DST.

Stored timestamps stay UTC. Anything a person reads or picks (a day, a Monday, 18:00 on
Thursdays, "Generated 21:06") is in the system's zone as a real `zoneinfo.ZoneInfo`, so a
date on the other side of a daylight-saving change gets that date's offset. Taking
`datetime.now().astimezone().tzinfo` instead would freeze today's offset and put every
week boundary and reminder across a DST change an hour off.

`TZ` is honoured (tzlocal reads it first), so `TZ=America/New_York companion report ...`
writes a New York report.
"""

from __future__ import annotations

import logging
import time
import warnings
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

ZERO = timedelta(0)


class SystemLocal(tzinfo):
    """The C library's local time, asked per instant (a fallback when no zone name is known).

    Correct across DST like a ZoneInfo, because `time.localtime` applies the system's rules
    to each timestamp; only the IANA name is missing.
    """

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(seconds=self._local(dt).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=1) if self._local(dt).tm_isdst > 0 else ZERO

    def tzname(self, dt: datetime | None) -> str:
        return self._local(dt).tm_zone

    def fromutc(self, dt: datetime) -> datetime:
        stamp = dt.replace(tzinfo=UTC).timestamp()
        local = time.localtime(stamp)
        return (dt + timedelta(seconds=local.tm_gmtoff)).replace(tzinfo=self)

    @staticmethod
    def _local(dt: datetime | None) -> time.struct_time:
        if dt is None:
            return time.localtime()
        naive = dt.replace(tzinfo=None)
        stamp = time.mktime((*naive.timetuple()[:8], -1))
        return time.localtime(stamp)

    def __repr__(self) -> str:
        return "SystemLocal()"


def local_zone() -> tzinfo:
    """The system's time zone now (`TZ` first), as a ZoneInfo when it has a name.

    Read afresh on every call (it is not on any hot path), so a laptop that changed zone
    gets the new one at the next reminder check.
    """
    try:
        import tzlocal

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tzlocal warns about odd /etc files; we cope
            zone = tzlocal.reload_localzone()
        if isinstance(zone, ZoneInfo):
            return zone
        key = getattr(zone, "key", None) or getattr(zone, "zone", None)
        if key:
            return ZoneInfo(str(key))
    except Exception:  # no tzlocal, an unknown zone name: the C library still knows the rules
        log.debug("no named local time zone; using the system's local time", exc_info=True)
    return SystemLocal()


def zone_name(tz: tzinfo | None = None) -> str:
    """'America/New_York' (or the abbreviation when the zone has no name)."""
    tz = tz or local_zone()
    key = getattr(tz, "key", None)
    if key:
        return str(key)
    return datetime.now(tz).tzname() or "local time"


def local_now(tz: tzinfo | None = None) -> datetime:
    return datetime.now(tz or local_zone())


def start_of_day(day: date, tz: tzinfo | None = None) -> datetime:
    """Local midnight at the start of `day`, as an aware UTC datetime (for queries)."""
    tz = tz or local_zone()
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def day_range(first: date, last: date, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in local time, as UTC bounds."""
    tz = tz or local_zone()
    return start_of_day(first, tz), start_of_day(last + timedelta(days=1), tz)


def local_text(at: datetime, tz: tzinfo | None = None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`at` in local time with the zone's abbreviation, e.g. '2026-03-08 21:06 EDT'."""
    local = at.astimezone(tz or local_zone())
    return f"{local.strftime(fmt)} {local.tzname() or ''}".rstrip()
