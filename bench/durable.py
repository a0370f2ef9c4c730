"""When is a red flag durable? When a fresh process can see it. The one place that says how.

`red_flags_seen(data_dir)` counts the red flags another process can read right now: rows
in the history database (SQLite file in the data folder) plus red-flag entries in the
app's red-flag journal, if there is one. The storage layer is gaining a durable journal
(the red flag is written there first, then merged into the database): when it lands,
`_journal_red_flags` is the only function to change so it reads that journal through the
storage API. Until then it looks for a `*journal*` file in the data folder that is not
SQLite's own rollback journal and counts its lines that mention a red flag.

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


def _db_red_flags(conn: sqlite3.Connection | None) -> int:
    if conn is None:
        return 0
    try:
        row = conn.execute("SELECT count(*) FROM red_flags").fetchone()
    except sqlite3.Error:  # not created yet, or busy beyond the timeout
        return 0
    return int(row[0]) if row else 0


def _journal_red_flags(data_dir: Path) -> int:
    """Red-flag entries in the app's journal (see the module doc: follow the storage API)."""
    count = 0
    for path in data_dir.glob("*journal*"):
        if path.name.endswith(("-journal", "-wal", "-shm")) or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        count += sum(1 for line in text.splitlines()
                     if "red_flag" in line or "RedFlag" in line)
    return count


def _connect(data_dir: Path) -> sqlite3.Connection | None:
    db = data_dir / DB_NAME
    if not db.exists():
        return None
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None,
                           timeout=0.05)
    return conn


def red_flags_seen(data_dir: Path) -> int:
    """How many red flags a fresh process can see in `data_dir` (database + journal)."""
    conn = _connect(data_dir)
    try:
        return _db_red_flags(conn) + _journal_red_flags(data_dir)
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
    while True:
        if conn is None:
            conn = _connect(data_dir)
        now = (_db_red_flags(conn), _journal_red_flags(data_dir))
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
