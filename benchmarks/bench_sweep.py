"""How fast is `costcalc sweep`, next to building and hook-counting the torch model per cell?

For MobileNet v1 and v2 over an α × resolution grid (64 × 64 by default: α = 0.25, 0.27, ...,
1.51; resolution 96, 100, ..., 348), the script times the closed-form sweep with the resolve
cache emptied before every run (so each run resolves from scratch), then, in the same run, builds
the torch model on the meta device and counts it with forward hooks for a sample of the same
cells, checking that both give the same MACs and parameters. It prints configurations per second
(goal >= 10,000), the speed ratio torch-per-cell / sweep-per-cell (goal >= 500x), and, for
scale, resolving every cell one by one through resolve_model.

Usage: python benchmarks/bench_sweep.py [--grid 64] [--runs 5] [--sample 6] [--check]
  --check  exit 1 when a goal is not met (for CI).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

GOAL_RATE = 10_000
GOAL_RATIO = 500
MODELS = ("mobilenet_v1", "mobilenet_v2")


def grid(n: int) -> tuple[list[float], list[int]]:
    from costcalc.sweep import parse_list

    alphas = parse_list(f"0.25:{0.25 + 0.02 * (n - 1):.2f}:0.02")
    resolutions = parse_list(f"96:{96 + 4 * (n - 1)}:4", integer=True)
    return alphas, resolutions


def time_sweep(name, alphas, resolutions, runs):
    from costcalc.archs import _resolve
    from costcalc.sweep import sweep

    times, sw = [], None
    for _ in range(runs):
        _resolve.cache_clear()  # every run resolves from scratch
        t = time.perf_counter()
        sw = sweep(name, alphas, resolutions)
        times.append(time.perf_counter() - t)
    return statistics.median(times), sw


def time_resolve_per_cell(name, cells):
    from costcalc.archs import _resolve, resolve_model

    _resolve.cache_clear()
    t = time.perf_counter()
    for a, r in cells:
        resolve_model(name, a, r)
    return (time.perf_counter() - t) / len(cells)


def time_torch_per_cell(name, cells, sw):
    """Build + hook-count each cell on meta; check it against the sweep. Seconds per cell."""
    from costcalc.archs import resolve_model
    from costcalc.counting import hooks
    from costcalc.nn.build import build_model

    def count(a, r):
        model = build_model(resolve_model(name, a, r))
        c = hooks.count(model, (1, 3, r, r))
        return c.total_macs, sum(rec.cost.params for rec in c.records)

    count(*cells[0])  # warm torch up; not timed
    mismatches, times = 0, []
    for a, r in cells:
        t = time.perf_counter()
        got = count(a, r)
        times.append(time.perf_counter() - t)
        mismatches += got != sw.cell(a, r)
    return statistics.median(times), mismatches


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=64, help="α values and resolutions (default 64)")
    ap.add_argument("--runs", type=int, default=5, help="timed sweeps per model (default 5)")
    ap.add_argument("--sample", type=int, default=6, help="cells built in torch (default 6)")
    ap.add_argument("--check", action="store_true", help="exit 1 if a goal is not met")
    args = ap.parse_args()

    import torch

    alphas, resolutions = grid(args.grid)
    n = len(alphas) * len(resolutions)
    step = max(1, n // args.sample)
    cells = [(alphas[i // len(resolutions)], resolutions[i % len(resolutions)])
             for i in range(0, n, step)][: args.sample]
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}; grid {len(alphas)} α "
          f"({alphas[0]:g}..{alphas[-1]:g}) × {len(resolutions)} resolutions "
          f"({resolutions[0]}..{resolutions[-1]}) = {n:,} cells; median of {args.runs} cold sweeps")
    ok = True
    for name in MODELS:
        t_sweep, sw = time_sweep(name, alphas, resolutions, args.runs)
        rate = n / t_sweep
        per_cell = t_sweep / n
        spread = [(a, r) for a in alphas[::8] for r in resolutions[::8]]  # 64 distinct cells
        t_resolve = time_resolve_per_cell(name, spread)
        t_torch, bad = time_torch_per_cell(name, cells, sw)
        ratio = t_torch / per_cell
        met_rate, met_ratio = rate >= GOAL_RATE, ratio >= GOAL_RATIO
        ok &= met_rate and met_ratio and not bad
        print(f"{name}:")
        print(f"  sweep (closed form, {sw.resolves} resolves)  {t_sweep * 1e3:8.1f} ms  "
              f"= {rate:10,.0f} configurations/s  (goal >= {GOAL_RATE:,}: "
              f"{'met' if met_rate else 'NOT met'})")
        print(f"  resolve_model per cell           {t_resolve * 1e3:8.3f} ms/cell "
              f"= {1 / t_resolve:10,.0f} configurations/s  ({len(spread)} cells, cold cache)")
        print(f"  torch build + hooks per cell     {t_torch * 1e3:8.1f} ms/cell "
              f"(median of {len(cells)} cells; {len(cells) - bad}/{len(cells)} equal to the sweep)")
        print(f"  speed-up over torch per cell     {ratio:10,.0f}x  (goal >= {GOAL_RATIO}x: "
              f"{'met' if met_ratio else 'NOT met'})")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
