"""Run every benchmark module and write bench/results.json plus a readable table.

Each `bench/bench_<topic>.py` exposes `run() -> dict[str, float]` and `TARGETS`, a dict of
figure name -> (comparison, target) such as ("<=", 3.0). A module that fails is reported
and the others still run: one broken figure should not hide the rest.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


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
        try:
            module = importlib.import_module(f"bench.{info.name}")
            figures = module.run()
            results.update(figures)
            targets.update(getattr(module, "TARGETS", {}))
        except Exception:
            traceback.print_exc()
            failed.append(info.name)
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
