"""When is a red flag durable? When a fresh process can see it. The one place that says how.

`red_flags_seen(data_dir)` counts the red flags another process can read right now: rows
in the history database (SQLite file in the data folder) plus red-flag entries in the
app's journal (`<data dir>/journal/`, where the app makes each event durable before it
goes on, fdatasync'd for a red flag; read through `companion.storage.journal`). A flag
counts as durable as soon as either has it. When the storage format changes, this file is
the one to follow it.

`python -m bench.durable watch DATA_DIR` is the observer process the red-flag benchmark
runs beside the app: it polls every POLL_S and prints the counts with the time each time
they change (CLOCK_MONOTONIC is shared by all processes, so the time compares with the
key press in the app).
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

POLL_S = 0.002
DB_NAME = "companion.sqlite3"  # companion.config.Paths.db_file
JOURNAL_DIR = "journal"  # companion.ui.adapters.history.DatabaseHistory.open


def _db_red_flags(conn: sqlite3.Connection | None) -> int:
    if conn is None:
        return 0
    try:
        row = conn.execute("SELECT count(*) FROM red_flags").fetchone()
    except sqlite3.Error:  # not created yet, or busy beyond the timeout
        return 0
    return int(row[0]) if row else 0


def _journal_red_flags(data_dir: Path) -> int:
    """Red flags in the app's journal (`<data dir>/journal/*.jsonl`, read through the
    storage layer's own reader), merged into the database or not."""
    from companion.core.events import RedFlagRaised
    from companion.storage.journal_file import read_folder

    files, _problems = read_folder(data_dir / JOURNAL_DIR)
    return sum(1 for f in files for e in f.entries if isinstance(e.event, RedFlagRaised))


def _journal_signature(data_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Cheap to read: the journal files' names, sizes and times (re-read only on change)."""
    try:
        paths = sorted((data_dir / JOURNAL_DIR).glob("*.jsonl"))
        return tuple((p.name, (st := p.stat()).st_size, st.st_mtime_ns) for p in paths)
    except OSError:
        return ()


def _connect(data_dir: Path) -> sqlite3.Connection | None:
    db = data_dir / DB_NAME
    if not db.exists():
        return None
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None,
                           timeout=0.05)
    return conn


def red_flags_seen(data_dir: Path) -> int:
    """How many red flags a fresh process can see in `data_dir`: the more of the database's
    and the journal's counts (a merged flag is in both while its journal file is kept)."""
    conn = _connect(data_dir)
    try:
        return max(_db_red_flags(conn), _journal_red_flags(data_dir))
    finally:
        if conn is not None:
            conn.close()


def watch(data_dir: Path) -> int:
    """The observer loop (see module doc); ends when stdin closes.

    Prints `count <monotonic time> <database red flags> <journal red flags>` at start and
    whenever either count changes; the benchmark decides which flag became visible when.
    """
    import select

    conn = _connect(data_dir)
    last = (-1, -1)
    signature: tuple[tuple[str, int, int], ...] | None = None
    journal = 0
    while True:
        if conn is None:
            conn = _connect(data_dir)
        seen = _journal_signature(data_dir)
        if seen != signature:
            signature, journal = seen, _journal_red_flags(data_dir)
        now = (_db_red_flags(conn), journal)
        if now != last:
            print(f"count {time.monotonic():.6f} {now[0]} {now[1]}", flush=True)
            last = now
        readable, _, _ = select.select([sys.stdin], [], [], POLL_S)
        if readable and not sys.stdin.readline():
            return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "watch":
        return watch(Path(argv[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
