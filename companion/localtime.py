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
import os
import time
import warnings
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from companion.settings import Reminders

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


def unknown_zone() -> str | None:
    """The `TZ` setting when it names no time zone this computer knows (e.g. a typo such as
    "Europe/Pariss"): the C library then keeps time in UTC and calls it by the mistyped
    name. None when `TZ` is unset, a known zone, or a POSIX rule ("EST5EDT", "CET-1")."""
    value = os.environ.get("TZ", "").strip()
    name = value.removeprefix(":")
    if not name or any(c.isdigit() for c in name) or name.upper() in ("UTC", "GMT", "Z"):
        return None
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return value
    return None


def zone_name(tz: tzinfo | None = None) -> str:
    """'America/New_York' (or the abbreviation when the zone has no name, see
    `abbreviation`); for a `TZ` that names no known zone, says so: "UTC, as TZ
    'Bogus/Zone' is not a known time zone"."""
    tz = tz or local_zone()
    key = getattr(tz, "key", None)
    if key:
        return str(key)
    unknown = unknown_zone() if isinstance(tz, SystemLocal) else None
    if unknown is not None:
        return f"UTC, as TZ '{unknown}' is not a known time zone"
    return abbreviation(datetime.now(tz))


def abbreviation(local: datetime) -> str:
    """The zone's short name at the aware `local` ("EDT"), or its offset ("UTC-03:00") where
    the name would mislead: the POSIX rule `TZ=UTC+3` calls a zone 3 h west of Greenwich
    "UTC", and a `TZ` naming no known zone ("Bogus/Zone") calls UTC by that name."""
    offset = local.utcoffset() or ZERO
    if isinstance(local.tzinfo, SystemLocal) and unknown_zone() is not None:
        return "UTC"
    name = local.tzname() or ""
    if not name or name[0] in "+-" or (name.upper() in ("UTC", "GMT", "Z") and offset):
        if not offset:
            return "UTC"
        sign, offset = ("-", -offset) if offset < ZERO else ("+", offset)
        hours, rest = divmod(int(offset.total_seconds()), 3600)
        return f"UTC{sign}{hours:02d}:{rest // 60:02d}"
    return name


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
    return f"{local.strftime(fmt)} {abbreviation(local)}".rstrip()


def wall_text(at: datetime, tz: tzinfo | None = None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`at` as the local clock showed it ('2026-11-01 01:30'), with the zone's abbreviation
    only where that clock showed the same time twice (the hour repeated when daylight
    saving ends: '01:30 EDT' then '01:30 EST'), so two sessions never look alike."""
    local = at.astimezone(tz or local_zone())
    text = local.strftime(fmt)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        text += f" {abbreviation(local)}"
    return text


def _zone(now: datetime, tz: tzinfo | None) -> tzinfo | None:
    """The zone to count days in: `tz`, else `now`'s when it is a real zone (with DST
    rules), else the system's. A bare UTC offset would put dates across a DST change an
    hour off. A naive `now` stays naive (plain wall-clock times, as given)."""
    if tz is not None:
        return tz
    if now.tzinfo is None:
        return None
    if isinstance(now.tzinfo, ZoneInfo | SystemLocal) or now.tzinfo is UTC:
        return now.tzinfo
    return local_zone()


def next_reminder(now: datetime, reminders: Reminders,
                  tz: tzinfo | None = None) -> datetime | None:
    """The next scheduled reminder strictly after `now`, or None if none.

    Days and the time of day are local (`tz`, default the system's zone): "18:00 on
    Thursdays" stays 18:00 on the clock across a daylight-saving change. Returns an aware
    datetime in that zone; compare it as an instant (it may be a different UTC offset
    from `now`).
    """
    if not reminders.enabled or not reminders.days:
        return None
    zone = _zone(now, tz)
    local = now.astimezone(zone) if zone is not None else now
    hour, minute = reminders.hour_minute
    for offset in range(0, 8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in reminders.days:
            continue
        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        if zone is None and at > now:
            return at
        if zone is not None and at.astimezone(UTC) > now.astimezone(UTC):
            return at
    return None


def week_start(now: datetime, tz: tzinfo | None = None) -> datetime:
    """Monday 00:00 (local, `tz` or the system's zone) of the week containing `now`."""
    zone = _zone(now, tz)
    local = now.astimezone(zone) if zone is not None else now
    monday = local.date() - timedelta(days=local.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=zone)
