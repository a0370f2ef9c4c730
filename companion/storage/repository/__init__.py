"""History queries. Each takes an open `Session` and never commits: the caller owns the
transaction (`with Session(engine) as s, s.begin():`), so one user action is one unit.

Every query is about one profile (`pid`, the `profiles.id` of whose history it is): nothing
here reads or changes another person's rows, whatever the database enforces itself.

Results are plain frozen dataclasses (`records`), safe to hand to the GUI thread after the
session closes (no lazy loading, no detached ORM objects). The queries are grouped by what
they are about: `sessions` (the list, one session, notes, export, erase), `progress`
(recent efforts, weekly counts) and `safety` (screenings, red-flag stops and their
confirmation). Callers use this package's names (`from companion.storage import repository
as repo`).
"""

from __future__ import annotations

from companion.storage.repository.progress import (
    COUNTED,
    COUNTED_KINDS,
    WITH_BREATHING,
    counted_sessions,
    recent_efforts,
    sessions_this_week,
    weekly_counts,
)
from companion.storage.repository.records import (
    CheckinRecord,
    EventRecord,
    HistoryRow,
    RecentEfforts,
    RedFlagRecord,
    RedFlagStop,
    ScreeningRecord,
    SessionDetail,
    SetRecord,
    WeekCount,
)
from companion.storage.repository.safety import (
    acknowledge_red_flag,
    acknowledge_screening,
    last_unacknowledged_red_flag_stop,
    latest_red_flag_stop,
    latest_screening,
    red_flag_confirmations,
    save_screening,
)
from companion.storage.repository.sessions import (
    clean_note,
    delete_all,
    export_rows,
    history,
    history_row,
    iso,
    own_sessions,
    red_flags,
    save_note,
    session_detail,
    session_exercises,
    sets,
)

__all__ = [
    "COUNTED",
    "COUNTED_KINDS",
    "WITH_BREATHING",
    "CheckinRecord",
    "EventRecord",
    "HistoryRow",
    "RecentEfforts",
    "RedFlagRecord",
    "RedFlagStop",
    "ScreeningRecord",
    "SessionDetail",
    "SetRecord",
    "WeekCount",
    "acknowledge_red_flag",
    "acknowledge_screening",
    "clean_note",
    "counted_sessions",
    "delete_all",
    "export_rows",
    "history",
    "history_row",
    "iso",
    "last_unacknowledged_red_flag_stop",
    "latest_red_flag_stop",
    "latest_screening",
    "own_sessions",
    "recent_efforts",
    "red_flag_confirmations",
    "red_flags",
    "save_note",
    "save_screening",
    "session_detail",
    "session_exercises",
    "sessions_this_week",
    "sets",
    "weekly_counts",
]
