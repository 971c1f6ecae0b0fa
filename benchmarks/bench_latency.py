"""MACs vs measured latency: MobileNet v1 (depthwise separable) vs its full-conv twin on this CPU.

The paper's Table 4: Conv MobileNet 4866M mult-adds, MobileNet 569M, so 8.6× fewer MACs. How
much faster is the separable model when it actually runs? For each model at 224×224, batch 1,
``costcalc.profile.latency.bench_model`` (what ``costcalc bench`` calls) times the forward pass
with and without per-layer hooks; this prints, per layer kind, the share of MACs next to the
share of time and the achieved GMAC/s, then the latency ratio beside the MAC ratio. Run once at
one thread (least noise on a shared machine) and once at torch's default thread count.

    python benchmarks/bench_latency.py [--repeats 20] [--warmup 3] [--threads 1,0] [--resolution 224]

(--threads 0 means torch's default.) Nothing here is asserted: timings are this machine's.
"""

from __future__ import annotations

import argparse
import os
import platform

MODELS = ("mobilenet_v1", "mobilenet_v1_conv")


def _load() -> str:
    try:
        return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    except OSError:
        return "load average unknown"


def _pct(v: float) -> str:
    return f"{100 * v:6.2f}%"


def _show(r) -> None:
    t, h = r.total, r.hooked
    print(f"  {r.label}: {r.macs:,} MACs; forward {t.median * 1e3:.2f} ms median "
          f"(q1 {t.q1 * 1e3:.2f}, q3 {t.q3 * 1e3:.2f}, min {t.min * 1e3:.2f}) = {r.gmacs_per_s:.2f} GMAC/s")
    print(f"    with timing hooks {h.median * 1e3:.2f} ms (overhead {r.hook_overhead * 1e3:+.2f} ms); "
          f"sum of {len(r.layers)} per-layer medians {r.layer_sum * 1e3:.2f} ms "
          f"(outside leaf modules {r.outside_layers * 1e3:+.2f} ms)")
    print(f"    {'kind':<12} {'layers':>6} {'MACs':>15} {'% MACs':>8} {'time ms':>9} {'% time':>8} "
          f"{'time÷MAC':>9} {'GMAC/s':>8}")
    for k in r.by_kind():
        ratio = f"{k.time_per_mac_share:8.2f}×" if k.time_per_mac_share else " " * 9
        rate = f"{k.gmacs_per_s:8.2f}" if k.gmacs_per_s else " " * 8
        print(f"    {k.kind:<12} {k.layers:>6} {k.macs:>15,} {_pct(k.macs_share):>8} {k.time * 1e3:>9.3f} "
              f"{_pct(k.time_share):>8} {ratio} {rate}")


def run(threads: int | None, repeats: int, warmup: int, resolution: int) -> None:
    import torch

    from costcalc.profile.latency import bench_model
    from costcalc.profile.target import load_model

    shape = (1, 3, resolution, resolution)
    results = {}
    for name in MODELS:
        results[name] = bench_model(load_model(name, resolution=resolution), shape, "cpu",
                                    repeats, warmup, threads, label=name)
    r0 = results[MODELS[0]]
    print(f"[{r0.threads} thread{'s' if r0.threads != 1 else ''}] torch {torch.__version__}, "
          f"{platform.processor() or platform.machine()}, {repeats} runs after {warmup} warm-up, "
          f"{_load()} at the end")
    for r in results.values():
        _show(r)
    sep, conv = results["mobilenet_v1"], results["mobilenet_v1_conv"]
    mac_ratio = conv.macs / sep.macs
    lat = conv.total.median / sep.total.median
    best = conv.total.min / sep.total.min
    layers = conv.layer_sum / sep.layer_sum
    print(f"  conv / separable: MACs {mac_ratio:.2f}× | latency {lat:.2f}× (medians), {best:.2f}× (best "
          f"runs), {layers:.2f}× (sums of per-layer medians) | the separable model runs at "
          f"{sep.gmacs_per_s / conv.gmacs_per_s:.2f}× the conv model's GMAC/s")
    dw = next((k for k in sep.by_kind() if k.kind == "Conv DW 3×3"), None)
    if dw:
        print(f"  depthwise 3×3 in mobilenet_v1: {_pct(dw.macs_share).strip()} of MACs, "
              f"{_pct(dw.time_share).strip()} of layer time, {dw.gmacs_per_s:.2f} GMAC/s "
              f"({dw.time_per_mac_share:.1f}× its MAC share)")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", default="1,0", help="comma-separated; 0 = torch's default")
    ap.add_argument("--resolution", type=int, default=224)
    args = ap.parse_args()
    for t in (int(x) for x in args.threads.split(",")):
        run(t or None, args.repeats, args.warmup, args.resolution)


if __name__ == "__main__":
    main()
