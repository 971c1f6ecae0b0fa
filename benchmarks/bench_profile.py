"""Profiling on meta at 2048×2048 vs 224×224 (time, peak Python memory, and their ratio: on meta
nothing is computed, so the ratio stays near 1; tests/test_profile_replay.py checks the same
property without a clock), and thop on the same model in the same run when thop is importable.
Run: python benchmarks/bench_profile.py [arch]"""

import sys
import time
import tracemalloc

from costcalc.profile.aten_ops import profile_model
from costcalc.profile.target import load_model


def measure(fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return dt, peak


def main(arch: str = "mobilenet_v1") -> None:
    model = load_model(arch)
    got = {}
    for side in (224, 2048):
        profile_model(model, (1, 3, side, side))  # warm-up: first dispatch through the modes is slow
        runs = sorted(measure(lambda: profile_model(model, (1, 3, side, side))) for _ in range(5))
        dt, peak = got[side] = runs[2]  # the median run
        print(f"costcalc meta {arch} {side}x{side}: {dt:.3f} s, peak python alloc {peak / 2**20:.1f} MiB "
              "(median of 5)")
    print(f"2048 / 224 on meta: time {got[2048][0] / got[224][0]:.2f}x, peak python alloc "
          f"{got[2048][1] / got[224][1]:.2f}x")
    try:
        import torch
        from thop import profile as thop_profile
    except ImportError:
        print("thop not importable: comparison skipped")
        return
    cpu = load_model(arch).to_empty(device="cpu").eval()
    for side in (224, 2048):
        x = torch.zeros(1, 3, side, side)
        dt, peak = measure(lambda: thop_profile(cpu, inputs=(x,), verbose=False))
        print(f"thop cpu {arch} {side}x{side}: {dt:.3f} s, peak python alloc {peak / 2**20:.1f} MiB "
              "(tensor memory not traced by tracemalloc)")


if __name__ == "__main__":
    main(*sys.argv[1:])
