"""Every date is the user's: days, weeks, report periods and reminders in the system's zone,
with daylight saving, under TZ=America/New_York and TZ=Australia/Sydney, across both 2026
changes of each. Stored times stay UTC.

A fixed UTC offset (today's, whatever today is) puts one side of each change an hour off;
these sessions sit half an hour either side of midnight on the Sundays and Mondays around
each change, so any fixed offset moves at least one of them to the wrong day or week.
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.config import Paths
from companion.localtime import next_reminder
from companion.settings import Reminders
from companion.storage import Database
from tests.conftest import ROOT
from tests.helpers.history import add_session
from tests.helpers.zones import local_zone, tz_set

#: the Sundays of each zone's two 2026 daylight-saving changes
CHANGES = {
    "America/New_York": (date(2026, 3, 8), date(2026, 11, 1)),
    "Australia/Sydney": (date(2026, 4, 5), date(2026, 10, 4)),
}


@pytest.fixture(params=sorted(CHANGES))
def zone(request: pytest.FixtureRequest) -> Iterator[ZoneInfo]:
    """The process runs in this zone (TZ), as the app would when started there."""
    with local_zone(request.param) as tz:
        yield tz


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(paths=Paths(tmp_path / "data").ensure())
    try:
        yield database
    finally:
        database.close()


def local(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def test_weeks_are_local_mondays_across_both_dst_changes(zone: ZoneInfo, db: Database) -> None:
    for change in CHANGES[zone.key]:
        after = change + timedelta(days=1)  # the Monday after the change
        before = after - timedelta(weeks=1)  # the Monday before it
        with db.session() as s:
            from sqlalchemy import delete

            from companion.storage.models import SessionRow

            s.execute(delete(SessionRow))
        for day, hour, minute in ((before - timedelta(days=1), 23, 30), (before, 0, 30),
                                  (change, 23, 30), (after, 0, 30)):
            add_session(db, local(day, hour, minute, zone).astimezone(UTC))
        now = local(after, 12, 0, zone).astimezone(UTC)
        weeks = db.weekly_counts(weeks=3, now=now)  # the app's default: the system's zone
        assert [(w.week_start, w.sessions) for w in weeks] == [
            (before - timedelta(weeks=1), 1), (before, 2), (after, 1)], (zone.key, change)
        assert db.sessions_this_week(now=now) == 1


def test_a_report_counts_the_persons_days_and_labels_its_times(zone: ZoneInfo,
                                                               db: Database) -> None:
    from companion.report.gather import gather
    from companion.report.pdf import build_html
    from companion.safety.content import load_screening

    first, second = CHANGES[zone.key]
    since, until = first - timedelta(days=2), first + timedelta(days=2)  # across a change
    inside = [local(since, 0, 30, zone), local(until, 23, 20, zone)]
    outside = [local(since - timedelta(days=1), 23, 30, zone),
               local(until + timedelta(days=1), 0, 30, zone)]
    for at in outside:
        add_session(db, at.astimezone(UTC))
    add_session(db, inside[0].astimezone(UTC))
    add_session(db, inside[1].astimezone(UTC), status="stopped_red_flag", red_flag="dizziness")
    screening = load_screening()
    data = gather(db, screening, since=since, until=until, weekly_goal=1,
                  now=local(until, 21, 6, zone))
    assert sorted(s.started_at for s in data.sessions) == [a.astimezone(UTC) for a in inside]
    assert len(data.red_flags) == 1
    html = build_html(data)
    raised = inside[1] + timedelta(minutes=3)
    assert f"{raised:%Y-%m-%d %H:%M} {raised.tzname()}" in html  # local, with its zone
    assert f"Generated {until:%Y-%m-%d} 21:06 {local(until, 21, 6, zone).tzname()}" in html
    assert zone.key in html
    # each session with its local start time (several on one day stay apart)
    assert f"<td>{since:%Y-%m-%d} 00:30</td>" in html
    assert f"<td>{until:%Y-%m-%d} 23:20</td>" in html
    # one local day, an evening session: that day, that week
    day = second + timedelta(days=1)
    evening = local(day, 21, 30, zone)
    add_session(db, evening.astimezone(UTC))
    one = gather(db, screening, since=day, until=day, weekly_goal=1)
    assert [s.started_at for s in one.sessions] == [evening.astimezone(UTC)]
    assert one.weekly_counts == [(day - timedelta(days=day.weekday()), 1)]
    assert "met in 1 of 1 week" in build_html(one)


def test_reminders_keep_their_local_time_across_both_dst_changes(zone: ZoneInfo) -> None:
    from companion.ui.adapters.tray import local_now

    app_zone = local_now().tzinfo  # the zone the app's reminder scheduler works in
    assert app_zone is not None
    sunday_six = Reminders(True, (6,), "18:00")
    for change in CHANGES[zone.key]:
        saturday_noon = local(change - timedelta(days=1), 12, 0, zone)
        now = datetime.fromtimestamp(saturday_noon.timestamp(), app_zone)
        at = next_reminder(now, sunday_six)
        assert at is not None
        assert at.astimezone(UTC) == local(change, 18, 0, zone).astimezone(UTC), change
        # and the week after: still 18:00 on the clock
        after = datetime.fromtimestamp(local(change, 19, 0, zone).timestamp(), app_zone)
        nxt = next_reminder(after, sunday_six)
        assert nxt is not None and nxt.astimezone(zone).strftime("%a %H:%M") == "Sun 18:00"


def test_the_reminder_timer_waits_real_time_across_a_change(zone: ZoneInfo, qtbot: object) -> None:
    """Python subtracts two times of one zone as wall-clock times: the wait must be taken
    between instants, or it is an hour off when a change lies between them."""
    from companion.ui.adapters.tray import ReminderScheduler

    change = CHANGES[zone.key][0]
    for hours_before in (1.5, 0.5):
        now = local(change, 18, 0, zone) - timedelta(hours=hours_before)
        now = now.astimezone(UTC).astimezone(zone)  # a real instant, shown locally
        scheduler = ReminderScheduler(now=lambda n=now: n)
        scheduler.schedule(Reminders(True, (6,), "18:00"))
        assert scheduler.next_at is not None
        waits_ms = scheduler._timer.remainingTime()
        expected = min(hours_before * 3600, 3600) * 1000
        assert abs(waits_ms - expected) < 2000, (change, hours_before, waits_ms)
        scheduler._timer.stop()


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(str(path)).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.mark.parametrize("tz_name", sorted(CHANGES))
def test_the_commands_speak_local_time(tz_name: str, tmp_path: Path) -> None:
    """`companion report` and `companion history` run in the user's zone (a subprocess
    with TZ set, as a shell would start them)."""
    tz = ZoneInfo(tz_name)
    data = tmp_path / "data"
    day = CHANGES[tz_name][1] + timedelta(days=3)
    late = local(day, 23, 15, tz)
    with Database.open(paths=Paths(data).ensure()) as db:
        add_session(db, late.astimezone(UTC))
    env = {**os.environ, "TZ": tz_name, "COMPANION_DATA_DIR": str(data),
           "QT_QPA_PLATFORM": "offscreen"}
    pdf = tmp_path / "r.pdf"
    report = subprocess.run(
        [sys.executable, "-m", "companion", "report", "--pdf", str(pdf), "--since",
         day.isoformat(), "--until", day.isoformat()],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    assert "(1 sessions" in report.stdout
    text = _pdf_text(pdf)
    assert f"{day:%Y-%m-%d}" in text and tz_name in text
    assert "1 session in the period" in text
    table = subprocess.run([sys.executable, "-m", "companion", "history"], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert table.returncode == 0, table.stderr
    assert f"{day:%Y-%m-%d} 23:15" in table.stdout and tz_name in table.stdout


@pytest.mark.parametrize(("tz_value", "unknown"), [
    ("Bogus/Zone", True), ("Europe/Pariss", True), (":Nowhere", True),
    ("Europe/Paris", False), (":Europe/Paris", False), ("EST5EDT", False), ("CET-1", False),
    ("UTC", False)])
def test_a_tz_that_names_no_known_zone_is_said_not_passed_off_as_local(
        tz_value: str, unknown: bool, tmp_path: Path) -> None:
    """A tester: `TZ=Bogus/Zone companion history` printed UTC times labelled "Times are
    local (Bogus)". A mistyped zone is now named as such, with UTC said as what is used."""
    from companion.localtime import unknown_zone, zone_name

    with tz_set(tz_value):
        assert (unknown_zone() == tz_value) is unknown
        said = zone_name()
    if unknown:
        assert said == f"UTC, as TZ '{tz_value}' is not a known time zone"
    else:
        assert "not a known" not in said
    data = tmp_path / "data"
    with Database.open(paths=Paths(data).ensure()) as db:
        add_session(db, datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    env = {**os.environ, "TZ": tz_value, "COMPANION_DATA_DIR": str(data),
           "QT_QPA_PLATFORM": "offscreen"}
    table = subprocess.run([sys.executable, "-m", "companion", "history"], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert table.returncode == 0, table.stderr
    assert ("is not a known time zone" in table.stdout) is unknown, table.stdout


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["UTC", "GMT"]), hours=st.integers(-12, 14),
       minutes=st.sampled_from([0, 30, 45]))
def test_a_posix_tz_never_labels_shifted_times_utc(name: str, hours: int, minutes: int) -> None:
    """A tester: with `TZ=UTC+3` (POSIX: three hours WEST of Greenwich) the history and the
    PDF showed 09:40 labelled "UTC". Whatever the rule, the label says the offset shown."""
    from companion.localtime import local_text, zone_name

    east = hours * 60 + (minutes if hours >= 0 else -minutes)  # minutes east of Greenwich
    west = -east  # POSIX counts west as positive
    rule = f"{name}{'+' if west >= 0 else '-'}{abs(west) // 60}:{abs(west) % 60:02d}"
    at = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    with tz_set(rule):
        shown = local_text(at)
        label = zone_name()
    offset = timedelta(minutes=east)
    if offset:
        sign = "+" if offset > timedelta(0) else "-"
        whole = abs(int(offset.total_seconds()))
        expected = f"UTC{sign}{whole // 3600:02d}:{whole % 3600 // 60:02d}"
    else:
        expected = name  # truly at Greenwich: the name is right
    assert shown == f"{(at + offset).replace(tzinfo=None):%Y-%m-%d %H:%M} {expected}", rule
    assert label == expected, rule


def test_two_sessions_in_the_repeated_hour_never_look_alike(tmp_path: Path) -> None:
    """A tester: two sessions in the hour repeated when daylight saving ends both showed
    "2026-11-01 01:30" in `companion history` and in the PDF. The clock time is said with
    its abbreviation there (EDT, then EST); any other time stays as it was."""
    from companion.localtime import wall_text

    zone = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = first + timedelta(hours=1)  # 01:30 EST
    assert wall_text(first, zone) == "2026-11-01 01:30 EDT"
    assert wall_text(second, zone) == "2026-11-01 01:30 EST"
    assert wall_text(first + timedelta(hours=3), zone) == "2026-11-01 03:30"
    data = tmp_path / "data"
    with Database.open(paths=Paths(data).ensure()) as db:
        add_session(db, first)
        add_session(db, second)
    env = {**os.environ, "TZ": "America/New_York", "COMPANION_DATA_DIR": str(data)}
    env.pop("COMPANION_DB_URL", None)
    table = subprocess.run([sys.executable, "-m", "companion", "history"], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert table.returncode == 0, table.stderr
    assert "2026-11-01 01:30 EDT" in table.stdout and "2026-11-01 01:30 EST" in table.stdout
