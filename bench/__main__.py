"""Run every benchmark module and write bench/results.json plus a readable table.

Each `bench/bench_<topic>.py` exposes `run() -> dict[str, float]` and `TARGETS`, a dict of
figure name -> (comparison, target) such as ("<=", 3.0). Each module runs in a fresh
process (no Qt application, timers or memory left over from another benchmark), and a
module that fails is reported while the others still run.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Runs one module in a child process and prints its figures and targets as one JSON line.
ONE = (
    "import importlib, json, sys\n"
    "m = importlib.import_module('bench.' + sys.argv[1])\n"
    "figures = m.run()\n"
    "sys.stdout.flush()\n"
    "print(json.dumps([figures, getattr(m, 'TARGETS', {})]), flush=True)\n"
)


def main(argv: list[str]) -> int:
    only = set(argv)
    results: dict[str, float] = {}
    targets: dict[str, tuple[str, float]] = {}
    failed: list[str] = []
    for info in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        if only and info.name.removeprefix("bench_") not in only:
            continue
        start = time.monotonic()
        print(f"running {info.name} ...", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [sys.executable, "-c", ONE, info.name], stdout=subprocess.PIPE, text=True,
            cwd=HERE.parent, check=False,
        )
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines:
            failed.append(info.name)
        else:
            figures, module_targets = json.loads(lines[-1])
            results.update(figures)
            targets.update({k: (v[0], v[1]) for k, v in module_targets.items()})
        print(f"  {info.name} took {time.monotonic() - start:.1f} s", file=sys.stderr)
    out = HERE / "results.json"
    previous = json.loads(out.read_text()) if out.exists() and only else {}
    previous.update(results)
    out.write_text(json.dumps(previous, indent=2, sort_keys=True) + "\n")
    print(f"\n{'figure':<28}{'value':>12}  target")
    for name, value in sorted(results.items()):
        op, target = targets.get(name, ("", float("nan")))
        ok = ""
        if op:
            good = value <= target if op == "<=" else value >= target
            ok = "ok" if good else "MISSED"
        tgt = f"{op} {target:g}" if op else ""
        print(f"{name:<28}{value:>12.3f}  {tgt:<10} {ok}")
    print(f"\nwrote {out}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
