"""How fast is `costcalc compare`, next to `python -c "import torch"` on the same machine?

The analytic commands never import torch, so they should start several times faster than torch
alone imports. Both commands run in fresh interpreters, interleaved, in the same run; the
script prints each median wall time and the ratio import-torch / compare (goal: >= 3x).

Usage: python benchmarks/bench_compare.py [--runs 7] [--check]
  --check  exit 1 when the ratio is below the goal (for CI).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

GOAL = 3.0
COMPARE = [sys.executable, "-m", "costcalc", "compare", "--kernel", "3", "--channels", "512"]
TORCH = [sys.executable, "-c", "import torch"]


def wall(cmd: list[str]) -> float:
    env = dict(os.environ, NO_COLOR="1", PYTHONUTF8="1")
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="timed runs of each command (default 7)")
    ap.add_argument("--check", action="store_true", help=f"exit 1 if the ratio is below {GOAL:g}x")
    args = ap.parse_args()

    wall(COMPARE), wall(TORCH)  # warm the file cache; not timed
    compare_t, torch_t = [], []
    for _ in range(args.runs):  # interleaved, so load on the machine hits both alike
        compare_t.append(wall(COMPARE))
        torch_t.append(wall(TORCH))
    c, t = statistics.median(compare_t), statistics.median(torch_t)
    ratio = t / c
    print(f"python {sys.version.split()[0]}, {args.runs} runs each, median wall time:")
    print(f"  costcalc compare --kernel 3 --channels 512  {c * 1000:8.1f} ms"
          f"  (min {min(compare_t) * 1000:.1f}, max {max(compare_t) * 1000:.1f})")
    print(f"  python -c 'import torch'                    {t * 1000:8.1f} ms"
          f"  (min {min(torch_t) * 1000:.1f}, max {max(torch_t) * 1000:.1f})")
    verdict = "met" if ratio >= GOAL else "NOT met"
    print(f"  compare takes {c / t:.2f}x the time of import torch;"
          f" import torch / compare = {ratio:.2f}x (goal >= {GOAL:g}x: {verdict})")
    return 1 if args.check and ratio < GOAL else 0


if __name__ == "__main__":
    sys.exit(main())
