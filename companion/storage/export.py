"""Export the history to a CSV or JSON file (the CLI's --export and the history window)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from companion.errors import KnownError

CSV_COLUMNS = [
    "session_id", "routine", "routine_name", "started_at", "ended_at", "duration_seconds",
    "status", "mood_before", "mood_after", "red_flags", "set_no", "round", "exercise",
    "planned_reps", "planned_seconds", "reps", "seconds", "effort", "skipped", "capped", "amber",
    # added with rev 0003 (after the old columns, so readers by position keep working)
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
    """Empty for none, true/false like the JSON, anything else as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_export(data: list[dict[str, Any]], path: Path) -> None:
    """Write `export_rows()` data to `path` (.csv or .json), atomically: all or nothing."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise KnownError(f"cannot export to {path}: the file name must end in .csv or .json")
    path = path.expanduser()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise KnownError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            if suffix == ".json":
                json.dump(data, f, indent=2, ensure_ascii=False)
                f.write("\n")
            else:
                writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
                writer.writeheader()
                writer.writerows(csv_rows(data))
        os.chmod(tmp, 0o600)  # health data: private, like the database
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
