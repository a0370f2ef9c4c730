"""Summaries of repeated measurements: what every timing figure in results.json carries.

A benchmark module returns, per figure, either a plain number (a count, a ratio measured
once) or `summary(...)`: the compared value (`value`, the statistic named by `stat`) beside
median, p95, min, max, the number of samples `n` and, when the samples came from several
runs, each run's own value (`runs`), so the spread shows how noisy the machine was.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

Figure = dict[str, Any]
STATS = ("median", "p95", "p99", "max", "min", "mean")


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `samples`; NaN when there are none.

    Nearest rank never invents a value between two samples, and with few samples the p95
    is the worst one (for 5 runs, p95 == max): a noisy outlier is shown, not averaged away.
    """
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def summary(samples: Iterable[float], stat: str = "p95", *, unit: str = "ms",
            runs: Sequence[float] | None = None, digits: int = 2,
            note: str = "") -> Figure:
    """A figure from its samples. `stat` (one of STATS) is the value the target compares.

    `runs`: the same statistic per run (for the spread between runs). Raises ValueError for
    an unknown `stat`; no samples give NaN values (the harness reports "not measured").
    """
    if stat not in STATS:
        raise ValueError(f"unknown statistic {stat!r} (one of {', '.join(STATS)})")
    values = [float(v) for v in samples]
    finite = [v for v in values if math.isfinite(v)]
    out: Figure = {
        "n": len(values),
        "median": _round(statistics.median(finite) if finite else math.nan, digits),
        "p95": _round(percentile(finite, 95), digits),
        "p99": _round(percentile(finite, 99), digits),
        "max": _round(max(finite) if finite else math.nan, digits),
        "min": _round(min(finite) if finite else math.nan, digits),
        "mean": _round(statistics.fmean(finite) if finite else math.nan, digits),
        "stat": stat,
        "unit": unit,
    }
    if len(finite) != len(values):  # a sample that never happened (timeout) is the worst
        out["max"] = out["p95"] = out["p99"] = math.inf
    out["value"] = out[stat]
    if runs is not None:
        out["runs"] = [_round(float(r), digits) for r in runs]
    if note:
        out["note"] = note
    return out


def value_of(figure: float | Figure) -> float:
    """The compared number of a figure (plain numbers are their own value)."""
    if isinstance(figure, dict):
        return float(figure.get("value", math.nan))
    return float(figure)


def _round(x: float, digits: int) -> float:
    return round(x, digits) if math.isfinite(x) else x
