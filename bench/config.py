"""What every benchmark module reads before it measures: its figures' targets (one table for
all modules, bench/targets.toml) and whether this is a quick run (`python -m bench --quick`,
the harness's own test: fewer repeats).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

TARGETS_FILE = Path(__file__).with_name("targets.toml")

#: a quick run: each module repeats less (the harness sets COMPANION_BENCH_QUICK)
QUICK = bool(os.environ.get("COMPANION_BENCH_QUICK"))

Target = tuple[str, float]
"""(comparison, target): ("<=", 50.0) or (">=", 0.9)."""


def targets(module: str) -> dict[str, Target]:
    """Figure name -> (comparison, target) for `bench/bench_<module>.py`, from TARGETS_FILE.

    Raises KeyError for a module with no table, ValueError for a malformed entry."""
    with TARGETS_FILE.open("rb") as f:
        table = tomllib.load(f)[module]
    out: dict[str, Target] = {}
    for figure, entry in table.items():
        if (not isinstance(entry, list) or len(entry) != 2 or entry[0] not in ("<=", ">=")
                or not isinstance(entry[1], int | float)):
            raise ValueError(f"{TARGETS_FILE.name} [{module}] {figure}: want [\"<=\" or \">=\", "
                             f"number], not {entry!r}")
        out[figure] = (entry[0], float(entry[1]))
    return out

