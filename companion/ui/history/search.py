"""What the history's search box finds in a session, as its placeholder promises ("e.g. red
flag, squats, March"): the routine, how it ended, the exercises done, the date in the
user's local time (the month and the weekday in full, the date as the list shows it), the
other columns' words and the journal note. Every word of a search must be found, in any
case; a word may be part of one ("squat", "dec").

The exercises are read with one query off the GUI thread, after the list is shown
(`Database.session_exercises`), and each session's text is made there too
(`search_texts`): a key typed in the search box only compares strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from companion.storage.database import Database
from companion.storage.repository import HistoryRow
from companion.ui.history.look import COLUMNS, DATE_FORMAT, cell_text

#: The month and weekday names a search finds whatever the system's language (the
#: placeholder's example, "March", is English); the system's own names are found too.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def query_words(text: str) -> list[str]:
    """The words of a search, each to be found (case-insensitive)."""
    return text.casefold().split()


def search_text(row: HistoryRow, exercises: Iterable[str] = ()) -> str:
    """Everything a search may find in one session, casefolded. Fields are on separate
    lines, so a word never matches across two of them."""
    at = row.started_at.astimezone()  # the user's local time, as the Date column
    month = MONTHS[at.month - 1]
    parts = [
        # the Date column, then the month and weekday in the user's language (Qt sets
        # the C locale from theirs), in English, and the date as numbers
        at.strftime(f"{DATE_FORMAT}\n%A %B"),
        f"{WEEKDAYS[at.weekday()]} {at.day} {month} {at.year}",
        f"{at.year:04d}-{at.month:02d}-{at.day:02d}",
        *(cell_text(row, column) for column in range(1, len(COLUMNS))),
        row.status.replace("_", " "),  # "stopped red flag", "stopped by user"
        "red flag" if row.red_flag_count else "",
        "amber sign" if row.amber_count else "",
        *exercises,
        row.note or "",
    ]
    return "\n".join(part for part in parts if part).casefold()


def matches(words: Sequence[str], text: str) -> bool:
    """Whether every word of a search is in a session's `search_text`."""
    return all(word in text for word in words)


def search_texts(rows: Iterable[HistoryRow],
                 exercises: dict[int, list[str]]) -> dict[int, str]:
    """Each session's `search_text`, by session id."""
    return {r.id: search_text(r, exercises.get(r.id, ())) for r in rows}


def load_search_texts(db: Database, rows: Sequence[HistoryRow]) -> dict[int, str]:
    """What the window loads off the GUI thread once the list is shown."""
    return search_texts(rows, db.session_exercises())
