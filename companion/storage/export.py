"""Export the history to a CSV or JSON file (the CLI's --export and the history window).

CSV cells that a spreadsheet would run as a formula are neutralised the OWASP way: a text
cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
routine named `=HYPERLINK(...)` opens as that text. JSON keeps every value as it is.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import IO, Any

from companion.errors import KnownError
from companion.files import write_atomic

#: What a spreadsheet takes as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = [
    "session_id", "routine", "routine_name", "started_at", "ended_at", "duration_seconds",
    "status", "mood_before", "mood_after", "red_flags", "set_no", "round", "exercise",
    "planned_reps", "planned_seconds", "reps", "seconds", "effort", "skipped", "capped", "amber",
    # added with rev 0004 (after the old columns, so readers by position keep working)
    "kind", "note", "breathing_pattern", "breathing_minutes",
]
SET_COLUMNS = ("set_no", "round", "exercise", "planned_reps", "planned_seconds", "reps",
               "seconds", "effort", "skipped", "capped", "amber")


def csv_rows(export: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per set, the session's columns repeated; a session without sets gets one row."""
    out: list[dict[str, Any]] = []
    for e in export:
        base = {
            "session_id": e["id"], "routine": e["routine"], "routine_name": e["routine_name"],
            "started_at": e["started_at"], "ended_at": e["ended_at"],
            "duration_seconds": e["duration_seconds"], "status": e["status"],
            "mood_before": e["mood_before"], "mood_after": e["mood_after"],
            "red_flags": ";".join(e["red_flags"]),
            "kind": e.get("kind", "workout"), "note": e.get("note"),
            "breathing_pattern": (e.get("breathing") or {}).get("pattern"),
            "breathing_minutes": (e.get("breathing") or {}).get("minutes"),
        }
        for st in e["sets"] or [None]:
            row = dict(base)
            if st is not None:
                row.update({k: st[k] for k in SET_COLUMNS})
            out.append({k: _cell(row.get(k)) for k in CSV_COLUMNS})
    return out


def _cell(value: Any) -> Any:
    """Empty for none, true/false like the JSON, text made safe, numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return safe_text(value)
    return value


def safe_text(text: str) -> str:
    """`text` as a spreadsheet shows it, never runs it: a formula start gets a `'` before it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_export(data: list[dict[str, Any]], path: Path) -> None:
    """Write `export_rows()` data to `path` (.csv or .json), atomically: all or nothing.

    The file is private (0600). Raises KnownError for another suffix, and `WriteFailed`
    (a KnownError, one line) when the disk or the folder refuses.
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise KnownError(f"cannot export to {path}: the file name must end in .csv or .json")

    def fill(f: IO[bytes]) -> None:
        text = io.TextIOWrapper(f, encoding="utf-8", newline="", write_through=True)
        if suffix == ".json":
            json.dump(data, text, indent=2, ensure_ascii=False)
            text.write("\n")
        else:
            writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            writer.writerows(csv_rows(data))
        text.flush()
        text.detach()  # leave `f` open for write_atomic's fsync

    write_atomic(path, fill)
