"""Counting speed and memory, measured in one run (a script, not a timed test).

1. MobileNet v2 @224: the hook counter on the meta device
   (``costcalc.counting.hooks.count(build_model(resolve_model('mobilenet_v2')), (1, 3, 224, 224))``)
   vs the same model built on CPU and run through ``torch.utils.flop_counter.FlopCounterMode`` on a
   real tensor. Goal: hooks ≥ 10× faster. Warm medians in this process, then cold first calls
   (fresh processes: build + first count, what one `costcalc model --verify` pays).
2. The hook counter at 1024 px vs 224 px on meta: time and peak memory (tracemalloc peak of the
   counting call, and the process's maxrss growth across it, each resolution in a fresh
   process). Goal: within 1.2×.

    python benchmarks/bench_counting.py [--repeat 15] [--no-cold]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict

MODEL = "mobilenet_v2"


def _times(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def _load() -> str:
    try:
        with open("/proc/loadavg") as f:
            return f"load average {f.read().split()[0]}"
    except OSError:
        return "load average unknown"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def warm_comparison(repeat: int) -> None:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from costcalc.archs import resolve_model
    from costcalc.counting.hooks import count
    from costcalc.nn.build import build_model

    m = resolve_model(MODEL)
    shape = (1, 3, m.resolution, m.resolution)
    meta_model = build_model(m)
    cpu_model = build_model(m, device="cpu").eval()
    x = torch.randn(shape)

    def hooks_meta():
        return count(meta_model, shape).total_macs

    def flop_counter_cpu():
        with torch.no_grad(), FlopCounterMode(display=False) as fc:
            cpu_model(x)
        return fc.get_total_flops() // 2

    t0 = time.perf_counter()
    a = hooks_meta()
    first_hooks = time.perf_counter() - t0
    t0 = time.perf_counter()
    b = flop_counter_cpu()
    first_fcm = time.perf_counter() - t0
    assert a == b == m.macs, (a, b, m.macs)
    for _ in range(4):  # warm both paths (oneDNN primitives take 2-3 calls, meta kernels 1-2)
        hooks_meta(), flop_counter_cpu()

    hooks_t = _times(hooks_meta, repeat)
    fcm_t = _times(flop_counter_cpu, repeat)
    with torch.no_grad():
        plain_t = _times(lambda: cpu_model(x), repeat)
    med = {k: statistics.median(v) for k, v in (("hooks", hooks_t), ("fcm", fcm_t), ("plain", plain_t))}
    best = {k: min(v) for k, v in (("hooks", hooks_t), ("fcm", fcm_t), ("plain", plain_t))}
    print(f"[1] {MODEL} @224, {m.macs:,} MACs, torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads, {repeat} runs each, {_load()}")
    print(f"    first call in this process: hooks/meta {first_hooks * 1e3:8.1f} ms   "
          f"FlopCounterMode/cpu {first_fcm * 1e3:8.1f} ms")
    print(f"    warm hooks on meta          : median {med['hooks'] * 1e3:8.1f} ms   best {best['hooks'] * 1e3:8.1f} ms")
    print(f"    warm FlopCounterMode on CPU : median {med['fcm'] * 1e3:8.1f} ms   best {best['fcm'] * 1e3:8.1f} ms")
    print(f"    warm plain CPU forward      : median {med['plain'] * 1e3:8.1f} ms   best {best['plain'] * 1e3:8.1f} ms")
    # One thread: immune to the stalls a busy machine causes in a multi-threaded oneDNN region.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for _ in range(2):
            flop_counter_cpu()
        fcm1_t = _times(flop_counter_cpu, repeat)
    finally:
        torch.set_num_threads(threads)
    med["fcm1"], best["fcm1"] = statistics.median(fcm1_t), min(fcm1_t)
    print(f"    warm FlopCounterMode, 1 thr : median {med['fcm1'] * 1e3:8.1f} ms   best {best['fcm1'] * 1e3:8.1f} ms")
    for key, what in (("fcm", f"{threads} threads"), ("fcm1", "1 thread")):
        for label, d in (("median", med), ("best", best)):
            ratio = d[key] / d["hooks"]
            print(f"    speed-up FlopCounterMode ({what:>9}, {label:>6}) / hooks: {ratio:6.2f}x   "
                  f"goal >= 10x  {_verdict(ratio >= 10)}")

    # Where the meta forward spends its time, by module type (timed with pre/post hooks here).
    spent, start = defaultdict(float), {}
    handles = []
    for name, mod in meta_model.named_modules():
        if any(True for _ in mod.children()):
            continue
        handles.append(mod.register_forward_pre_hook(lambda mod, i, n=name: start.__setitem__(n, time.perf_counter())))
        handles.append(mod.register_forward_hook(
            lambda mod, i, o, n=name: spent.__setitem__(type(mod).__name__, spent[type(mod).__name__]
                                                        + time.perf_counter() - start[n])))
    hooks_meta()
    spent.clear()
    for _ in range(3):
        hooks_meta()
    for h in handles:
        h.remove()
    total = sum(spent.values())
    top = sorted(spent.items(), key=lambda kv: -kv[1])
    print("    meta forward time by module type: "
          + ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in top[:5]))


_CHILD = r"""
import json, resource, sys, time, tracemalloc
mode, name, res, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
import torch
from costcalc.archs import resolve_model
from costcalc.counting.hooks import count
from costcalc.nn.build import build_model
shape = (1, 3, res, res)
out = {}
if mode == "hooks":
    m = resolve_model(name, resolution=res)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter(); model = build_model(m); c = count(model, shape)
    out["first_s"] = time.perf_counter() - t
    out["maxrss_delta_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
    assert c.total_macs == m.macs
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); count(model, shape); times.append(time.perf_counter() - t)
    times.sort(); out["median_s"] = times[len(times) // 2]
    tracemalloc.start(); count(model, shape); out["tracemalloc_peak_b"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    out["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
else:
    from torch.utils.flop_counter import FlopCounterMode
    m = resolve_model(name, resolution=res)
    t = time.perf_counter()
    model = build_model(m, device="cpu").eval()
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        model(torch.randn(shape))
    out["first_s"] = time.perf_counter() - t
    assert fc.get_total_flops() // 2 == m.macs
print(json.dumps(out))
"""


def _child(mode: str, res: int, repeat: int) -> dict:
    r = subprocess.run([sys.executable, "-c", _CHILD, mode, MODEL, str(res), str(repeat)],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def cold_comparison(repeat: int) -> None:
    hooks = statistics.median(_child("hooks", 224, 1)["first_s"] for _ in range(repeat))
    fcm = statistics.median(_child("fcm", 224, 1)["first_s"] for _ in range(repeat))
    print(f"    cold (fresh process, build + first count, median of {repeat}): hooks/meta "
          f"{hooks * 1e3:.0f} ms, FlopCounterMode/cpu {fcm * 1e3:.0f} ms, "
          f"speed-up {fcm / hooks:.2f}x  {_verdict(fcm / hooks >= 10)}")


def resolution_scaling(repeat: int) -> None:
    small, big = _child("hooks", 224, repeat), _child("hooks", 1024, repeat)
    t = big["median_s"] / small["median_s"]
    mem = big["tracemalloc_peak_b"] / small["tracemalloc_peak_b"]
    print(f"[2] hook counter on meta, {MODEL}, 1024 px vs 224 px (each in a fresh process, "
          f"median of {repeat})")
    print(f"    median time      224: {small['median_s'] * 1e3:8.1f} ms   1024: {big['median_s'] * 1e3:8.1f} ms"
          f"   ratio {t:.2f}x  goal <= 1.2x  {_verdict(t <= 1.2)}")
    print(f"    tracemalloc peak 224: {small['tracemalloc_peak_b'] / 1024:8.1f} KiB  1024: "
          f"{big['tracemalloc_peak_b'] / 1024:8.1f} KiB  ratio {mem:.2f}x  goal <= 1.2x  {_verdict(mem <= 1.2)}")
    print(f"    process maxrss   224: {small['maxrss_kb'] / 1024:8.1f} MiB  1024: {big['maxrss_kb'] / 1024:8.1f} MiB"
          f"   ratio {big['maxrss_kb'] / small['maxrss_kb']:.2f}x; growth across build + first count "
          f"{small['maxrss_delta_kb'] / 1024:.1f} vs {big['maxrss_delta_kb'] / 1024:.1f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--no-cold", action="store_true", help="skip the fresh-process comparison")
    args = ap.parse_args()
    warm_comparison(args.repeat)
    if not args.no_cold:
        cold_comparison(3)
    resolution_scaling(args.repeat)


if __name__ == "__main__":
    main()
