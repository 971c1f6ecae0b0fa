"""How fast does `costcalc fit` answer a 10,000-cell grid, next to resolving every cell?

For each model (MobileNet v1, v2, and the EfficientNet-B0 spec file) the script times
costcalc.fit.fit over a 100 α × 100 resolution grid (α 0.25, 0.26, ..., 1.24; resolution 96,
99, ..., 393) with the resolve cache emptied before every run, then, in the same run, resolves
a sample of the same cells one by one through resolve_model (what a fit without the sweep's
closed form would do per cell), checks both agree, and prints the fit's time (goal: well under
a second), the per-cell baseline extrapolated to the grid, and their ratio. Last, the whole
command as a user runs it (`python -m costcalc fit ... --format json`, interpreter start-up
included).

Usage: python benchmarks/bench_fit.py [--grid 100] [--runs 5] [--sample 200] [--check]
  --check  exit 1 when the fit takes a second or more.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 1.0
MODELS = ("mobilenet_v1", "mobilenet_v2", str(ROOT / "examples" / "specs" / "efficientnet_b0.toml"))
BUDGET = 150_000_000


def grid(n: int):
    from costcalc.ranges import parse_values as parse_list

    return (parse_list(f"0.25:{0.25 + 0.01 * (n - 1):.2f}:0.01"),
            parse_list(f"96:{96 + 3 * (n - 1)}:3", integer=True))


def time_fit(name, alphas, resolutions, runs):
    from costcalc.archs import _resolve
    from costcalc.fit import fit

    times, f = [], None
    for _ in range(runs):
        _resolve.cache_clear()
        t = time.perf_counter()
        f = fit(name, BUDGET, None, alphas, resolutions)
        f.cells()
        times.append(time.perf_counter() - t)
    return statistics.median(times), f


def time_per_cell(name, f, sample):
    import random

    from costcalc.archs import _resolve, resolve_model

    rng = random.Random(0)
    sw = f.sweep
    cells = [(rng.choice(sw.alphas), rng.choice(sw.resolutions)) for _ in range(sample)]
    _resolve.cache_clear()
    t = time.perf_counter()
    wrong = 0
    for a, r in cells:
        m = resolve_model(name, a, r)
        i, j = sw.alphas.index(a), sw.resolutions.index(r)
        wrong += (m.macs <= BUDGET) != bool(f.within[i, j]) or m.macs != int(sw.macs[i, j])
    return (time.perf_counter() - t) / sample, wrong


def time_cli(name, n):
    a = f"0.25:{0.25 + 0.01 * (n - 1):.2f}:0.01"
    r = f"96:{96 + 3 * (n - 1)}:3"
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "costcalc", "fit", name, "--max-macs", "150M",
                          "-a", a, "-r", r, "--format", "json"], capture_output=True, cwd=ROOT)
    return time.perf_counter() - t, res.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    alphas, resolutions = grid(args.grid)
    cells = len(alphas) * len(resolutions)
    print(f"grid: {len(alphas)} α × {len(resolutions)} resolutions = {cells:,} cells, "
          f"budget {BUDGET:,} MACs (medians of {args.runs} runs; the machine may be shared)")
    ok = True
    for name in MODELS:
        t_fit, f = time_fit(name, alphas, resolutions, args.runs)
        per_cell, wrong = time_per_cell(name, f, args.sample)
        base = per_cell * cells
        label = Path(name).name
        print(f"{label:22s} fit {t_fit * 1e3:7.1f} ms ({f.sweep.resolves} resolves, "
              f"{int(f.within.sum()):,} within, {int(f.frontier.sum())} on the frontier) | "
              f"cell by cell {base:6.2f} s ({per_cell * 1e3:.2f} ms × {cells:,}) | "
              f"ratio {base / t_fit:6.1f}× | mismatches {wrong}")
        ok &= t_fit < GOAL_S and wrong == 0
    t_cli, rc = time_cli("mobilenet_v2", args.grid)
    print(f"`costcalc fit mobilenet_v2 --max-macs 150M` on the grid, --format json, interpreter "
          f"start-up included: {t_cli:.2f} s (exit {rc})")
    print("goal: the fit well under a second —", "met" if ok else "NOT met")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
