"""The mood and effort charts' date axis: no date label repeats, whatever the sessions' dates.

A tester saw "12 Nov 26" three times under the mood chart: one session (or several within a
day or two) gave a range of two days over four ticks, 16 hours apart. The axis is checked
as Qt draws it (ticks evenly spaced over the axis range, each formatted in local time),
for any set of session times, and in time zones with daylight-saving changes, where a day
is 23 or 25 hours long (Lord Howe Island moves by half an hour).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCharts import QDateTimeAxis
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QApplication

from companion.storage.repository import HistoryRow
from companion.ui.history.charts import EffortChart, MoodChart

ROOT = Path(__file__).resolve().parents[2]


def row(i: int, at: datetime) -> HistoryRow:
    return HistoryRow(i, "r", "Routine", at, at + timedelta(minutes=20), "completed",
                      2, 4, 6, 6, 0, 5.0, 6, 0, 0)


def tick_labels(times: Sequence[datetime]) -> tuple[list[str], bool]:
    """The date labels the mood and effort charts draw for sessions at `times`, and whether
    every session lies within the axis (both charts must agree)."""
    rows = [row(i, t) for i, t in enumerate(sorted(times))]
    seen: list[tuple[list[str], bool]] = []
    for chart in (MoodChart(), EffortChart()):
        chart.set_rows(rows)
        axis = chart._chart.axes(Qt.Orientation.Horizontal)[0]
        assert isinstance(axis, QDateTimeAxis)
        lo, hi = axis.min().toMSecsSinceEpoch(), axis.max().toMSecsSinceEpoch()
        n = axis.tickCount()
        labels = [QDateTime.fromMSecsSinceEpoch(lo + (hi - lo) * i // (n - 1))
                  .toString(axis.format()) for i in range(n)]
        inside = all(lo <= int(t.timestamp() * 1000) <= hi for t in times)
        seen.append((labels, inside))
        chart.deleteLater()
    assert seen[0] == seen[1]
    return seen[0]


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1),
                       timezones=st.just(UTC))


@settings(max_examples=60, deadline=None)
@given(first=moments, gaps=st.lists(st.integers(0, 20 * 24 * 3600), min_size=0, max_size=12))
def test_no_date_label_repeats_and_every_session_is_on_the_axis(
    qapp: QApplication, first: datetime, gaps: list[int]
) -> None:
    times = [first]
    for gap in gaps:
        times.append(times[-1] + timedelta(seconds=gap))
    labels, inside = tick_labels(times)
    assert len(set(labels)) == len(labels), labels
    assert inside


@pytest.mark.parametrize("hours", [[7], [0, 23.5], [1, 13, 30], [22, 50, 73]])
def test_sessions_within_a_few_days_sit_by_their_own_dates_label(
    qapp: QApplication, hours: list[float]
) -> None:
    """Short spans get a tick at local noon of each day, from the day before the first
    session to the day after the last: each session is within half a day of its date."""
    day = datetime(2026, 11, 12).astimezone()
    times = [day + timedelta(hours=h) for h in hours]
    labels, inside = tick_labels(times)
    assert inside and len(set(labels)) == len(labels)
    dates = {QDateTime.fromMSecsSinceEpoch(int(t.timestamp() * 1000)).toString("d MMM yy")
             for t in times}
    assert dates <= set(labels[1:-1])
    assert len(labels) == (max(times).date() - min(times).date()).days + 3


# Sessions on the days the clocks change (and the evening before), in zones that change
# by an hour either way, and by half an hour.
DST_TIMES = [
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 4, 4, 14, 45, tzinfo=UTC),
    datetime(2026, 10, 3, 15, 15, tzinfo=UTC), datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
]


def _dst_child() -> None:
    """In a subprocess with TZ set: the labels for each DST time alone and with a session
    a day later; JSON on stdout."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert app is not None
    out = []
    for t in DST_TIMES:
        for times in ([t], [t, t + timedelta(hours=26)], [t - timedelta(hours=5), t]):
            out.append(tick_labels(times))
    sys.stdout.write(json.dumps(out) + "\n")


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York",
                                  "Australia/Lord_Howe", "Pacific/Chatham"])
def test_no_date_label_repeats_across_a_daylight_saving_change(zone: str) -> None:
    env = dict(os.environ, TZ=zone, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    code = "from tests.ui.test_history_chart_dates import _dst_child; _dst_child()"
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(results) == 3 * len(DST_TIMES)
    for labels, inside in results:
        assert len(set(labels)) == len(labels), (zone, labels)
        assert inside
