"""Run the benchmarks, compare every figure with its target, exit non-zero on any miss.

    python -m bench                 # all modules; writes bench/results.json
    python -m bench --stress        # the timing figures again with the other core busy;
                                    # writes bench/results-stress.json
    python -m bench safety voice    # only bench_safety.py and bench_voice.py (merged into
                                    # the existing results file)
    python -m bench --quick ...     # fewer repeats (the harness's own test)

Each `bench/bench_<topic>.py` exposes `run() -> dict[str, number | figure]` and `TARGETS`,
figure name -> (comparison, target) such as ("<=", 50.0). A figure is a plain number or
a `bench.stats.summary` (median, p95, max, n, runs...; `value` is the compared statistic).
Each module runs in a fresh process (no Qt application, timers or memory left over from
another benchmark); a module that fails is reported while the others still run.

The harness also starts a private PulseAudio daemon with a null sink (bench/audio_out.py)
so speech figures are observed at the audio output, samples the load average while each
module runs, and records the machine beside the figures. Exit status: 0 when every figure
with a target met it; 1 when any missed, was not measured, or a module failed (the names
are printed). `COMPANION_BENCH_INJECT` (bench/hooks.py) slows a path on purpose, for the
harness's test only; a run with it is marked as such.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pkgutil
import platform
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Runs one module in a child process and prints its figures and targets as one JSON line.
ONE = (
    "import importlib, json, math, sys\n"
    "from bench import hooks\n"
    "hooks.install_from_env()\n"
    "m = importlib.import_module('bench.' + sys.argv[1])\n"
    "figures = m.run()\n"
    "sys.stdout.flush()\n"
    "print(json.dumps([figures, getattr(m, 'TARGETS', {})]), flush=True)\n"
)

# Old figure names, kept for one release: old name -> the figure it now reports.
ALIASES = {
    "startup_ratio": "startup_interactive_ratio",
    "red_flag_stop_ms": "red_flag_durable_ms",
}

# Targets for per-condition figures a module reports without a target of its own (after
# its own target for the same figure without the suffix, e.g. asr_latency_ms for
# asr_latency_ms_espeak): every voice family and condition must be heard as well, and
# never take anything for "all clear".
PATTERN_TARGETS: list[tuple[str, tuple[str, float]]] = [
    (r"^asr_accuracy(_.*)?$", (">=", 0.9)),
    (r"^asr_false_all_clear(_.*)?$", ("<=", 0.0)),
    (r"^asr_cond_.*_false_clear$", ("<=", 0.0)),
]

# Not repeated under --stress: their figures are accuracies, not timings.
STRESS_SKIP = {"bench_asr"}


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)])
                  if m.name.startswith("bench_"))


class LoadSampler:
    """The 1-minute load average and whole-machine CPU use, sampled once a second."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float, int, int]] = []  # t, load1, busy, total
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _cpu() -> tuple[int, int]:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields) - idle, sum(fields)

    def sample(self) -> None:
        try:
            busy, total = self._cpu()
        except OSError:
            busy = total = 0
        self.samples.append((time.monotonic(), os.getloadavg()[0], busy, total))

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.sample()

    def start(self) -> None:
        self.sample()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()

    def between(self, start: float, end: float) -> dict[str, float]:
        inside = [s for s in self.samples if start <= s[0] <= end] or self.samples[-1:]
        loads = [s[1] for s in inside]
        out = {"load_avg_min": round(min(loads), 2), "load_avg_mean": round(
            sum(loads) / len(loads), 2), "load_avg_max": round(max(loads), 2)}
        if len(inside) >= 2 and inside[-1][3] > inside[0][3]:
            out["cpu_busy_pct"] = round(100.0 * (inside[-1][2] - inside[0][2])
                                        / (inside[-1][3] - inside[0][3]), 1)
        return out


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from PySide6 import __version__ as pyside
    except ImportError:
        pyside = ""
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "cpu": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pyside6": pyside,
    }
    try:
        mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
        info["memory_gb"] = round(int(mem) / 1e6, 1)
    except (OSError, IndexError, ValueError):
        pass
    return info


def target_for(name: str, targets: dict[str, tuple[str, float]]) -> tuple[str, float] | None:
    """The module's target for `name`, else its target for `name` without a trailing
    `_<suffix>` (a variant such as a second voice family), else PATTERN_TARGETS."""
    if name in targets:
        return targets[name]
    base = name
    while "_" in base:
        base = base.rsplit("_", 1)[0]
        if base in targets:
            return targets[base]
    for pattern, target in PATTERN_TARGETS:
        if re.match(pattern, name):
            return target
    return None


def judge(value: float, target: tuple[str, float] | None) -> str:
    """'ok', 'MISSED', 'NOT MEASURED' (no finite value for a target) or '' (no target)."""
    if target is None:
        return ""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NOT MEASURED"
    op, limit = target
    good = value <= limit if op == "<=" else value >= limit
    return "ok" if good else "MISSED"


def _finite(obj: Any) -> Any:
    """JSON has no NaN or Infinity: NaN -> null, Infinity -> the string "inf"."""
    if isinstance(obj, float):
        if math.isnan(obj):
            return None
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def _num(x: Any) -> float:
    if isinstance(x, int | float):
        return float(x)
    if x == "inf":
        return math.inf
    return math.nan


def run_module(name: str, env: dict[str, str], stress: bool) -> tuple[dict[str, Any],
                                                                      dict[str, Any], str]:
    """Run one module in its own process: (figures, targets, error)."""
    burner = None
    if stress:  # keep one core busy for the whole module (the other is the app's)
        burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        proc = subprocess.run([sys.executable, "-c", ONE, name], stdout=subprocess.PIPE,
                              text=True, cwd=ROOT, env=env, check=False)
    finally:
        if burner is not None:
            burner.kill()
            burner.wait()
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {}, {}, f"exit code {proc.returncode}"
    try:
        figures, targets = json.loads(lines[-1])
    except json.JSONDecodeError as exc:
        return {}, {}, f"unreadable output ({exc})"
    return figures, targets, ""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("topics", nargs="*", help="modules to run (e.g. safety gui)")
    parser.add_argument("--stress", action="store_true",
                        help="repeat the timing figures with the other core kept busy")
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats (for the harness's test; figures are rough)")
    parser.add_argument("--out", type=Path, help="results file (default bench/results.json, "
                        "or bench/results-stress.json with --stress)")
    args = parser.parse_args(argv)

    from bench import hooks
    from bench.audio_out import AudioUnavailable, PulseServer
    from bench.stats import value_of

    names = [m for m in _modules()
             if (not args.topics or m.removeprefix("bench_") in args.topics)
             and not (args.stress and m in STRESS_SKIP)]
    unknown = set(args.topics) - {m.removeprefix("bench_") for m in _modules()}
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; "
              f"there are: {', '.join(m.removeprefix('bench_') for m in _modules())}",
              file=sys.stderr)
        return 2
    out = args.out or HERE / ("results-stress.json" if args.stress else "results.json")
    injected = hooks.parse(os.environ.get(hooks.ENV, ""))
    if injected:
        print(f"WARNING: {hooks.ENV} slows {', '.join(injected)} on purpose: these figures "
              "are not the app's", file=sys.stderr)

    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if args.quick:
        env["COMPANION_BENCH_QUICK"] = "1"
    if args.stress:
        env["COMPANION_BENCH_STRESS"] = "1"
    pulse = PulseServer()
    audio = "private PulseAudio null sink"
    try:
        env.update(pulse.start())
    except AudioUnavailable as exc:
        audio = f"none: {exc}"
        env.pop("PULSE_SERVER", None)
        print(f"no audio output to observe: {exc}", file=sys.stderr)

    load = LoadSampler()
    load.start()
    began = time.monotonic()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    figures: dict[str, Any] = {}
    targets: dict[str, tuple[str, float]] = {}
    modules: dict[str, Any] = {}
    failed: list[str] = []
    try:
        for name in names:
            t0 = time.monotonic()
            print(f"running {name}{' (stress)' if args.stress else ''} ...", file=sys.stderr,
                  flush=True)
            got, module_targets, error = run_module(name, env, args.stress)
            t1 = time.monotonic()
            if error:
                failed.append(name)
            for fig, value in got.items():
                figures[fig] = value if isinstance(value, dict) else _num(value)
            targets.update({k: (v[0], float(v[1])) for k, v in module_targets.items()})
            modules[name] = {"seconds": round(t1 - t0, 1), "error": error,
                             "started": datetime.now(UTC).isoformat(timespec="seconds"),
                             **load.between(t0, t1)}
            print(f"  {name} took {t1 - t0:.1f} s, load average "
                  f"{modules[name]['load_avg_mean']}" + (f"  FAILED: {error}" if error else ""),
                  file=sys.stderr, flush=True)
    finally:
        load.stop()
        pulse.stop()

    results: dict[str, Any] = {}
    for fig, value in figures.items():
        target = target_for(fig, targets)
        entry = dict(value) if isinstance(value, dict) else {"value": value}
        entry["status"] = judge(value_of(value), target)
        if target is not None:
            entry["target"] = [target[0], target[1]]
        results[fig] = entry
    for old, new in ALIASES.items():
        if new in results:
            results[old] = {**results[new], "alias_of": new}

    overall = load.between(began, time.monotonic())
    document: dict[str, Any] = {}
    if args.topics and out.exists():  # a partial run updates the figures it measured
        try:
            document = json.loads(out.read_text())
        except (OSError, json.JSONDecodeError):
            document = {}
    document.setdefault("figures", {}).update(results)
    earlier = document.get("run", {})
    document["machine"] = {**machine(), **overall}
    document["run"] = {
        "started": started_at, "seconds": round(time.monotonic() - began, 1),
        "stress": args.stress, "quick": args.quick, "injected": injected,
        "audio_output": audio, "topics": args.topics or "all",
        # per module: when it ran, how long, and the load meanwhile (kept across partial runs)
        "modules": {**earlier.get("modules", {}), **modules},
    }
    for fig, entry in document["figures"].items():  # flat name -> value, as before
        document[fig] = entry.get("value")
    missed = sorted(f for f, e in document["figures"].items()
                    if e.get("status") in ("MISSED", "NOT MEASURED") and "alias_of" not in e)
    document["missed"] = missed
    document["failed_modules"] = failed
    out.write_text(json.dumps(_finite(document), indent=2, sort_keys=True) + "\n")

    _print_table(results, document, out)
    this_run_missed = sorted(f for f in missed if f in results)
    if this_run_missed:
        print(f"\nMISSED ({len(this_run_missed)}): " + ", ".join(
            f"{f} {_fmt(value_of(figures[f]))} (target {results[f]['target'][0]} "
            f"{results[f]['target'][1]:g})"
            + ("" if results[f]["status"] == "MISSED" else " not measured")
            for f in this_run_missed))
    if failed:
        print(f"failed modules: {', '.join(failed)}")
    return 1 if this_run_missed or failed else 0


def _fmt(x: Any) -> str:
    x = _num(x) if not isinstance(x, float) else x
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf"
    return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"


def _print_table(results: dict[str, Any], document: dict[str, Any], out: Path) -> None:
    m, run = document["machine"], document["run"]
    print(f"\n{m['cores']} cores ({m['cpu']}), load average during the run "
          f"{m['load_avg_min']}-{m['load_avg_max']} (mean {m['load_avg_mean']}), "
          f"{'STRESS: one core kept busy' if run['stress'] else 'quiet run'}"
          f"{', QUICK' if run['quick'] else ''}"
          f"{', INJECTED ' + str(run['injected']) if run['injected'] else ''}")
    width = max([34, *(len(n) + 2 for n in results)])
    print(f"\n{'figure':<{width}}{'stat':>6}{'value':>10}{'median':>10}{'p95':>10}{'max':>10}"
          f"{'n':>6}  {'target':<9} status")
    for name in sorted(results):
        e = results[name]
        if "alias_of" in e:
            continue
        tgt = f"{e['target'][0]} {e['target'][1]:g}" if "target" in e else ""
        print(f"{name:<{width}}{e.get('stat', ''):>6}{_fmt(e.get('value')):>10}"
              f"{_fmt(e.get('median', math.nan)):>10}{_fmt(e.get('p95', math.nan)):>10}"
              f"{_fmt(e.get('max', math.nan)):>10}{e.get('n', ''):>6}  {tgt:<9} "
              f"{e.get('status', '')}")
    aliases = [f"{old} = {new}" for old, new in ALIASES.items() if old in results]
    if aliases:
        print(f"\nold names (kept for one release): {'; '.join(aliases)}")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
