"""Memory, not MACs: where MobileNet's activations live and why depthwise layers are memory-bound.

1. The MobileNetV2 paper's Table 3 accounting (pure Python, no torch): the largest activation
   tensor materialized per resolution, at 16 bits, for MobileNet v1 and v2 — and what v2 would
   need without streaming its bottleneck expansions.
2. A roofline (needs torch; counts on the meta device): arithmetic intensity of every MobileNet
   v1 layer and whether it is memory- or compute-bound on a given machine.

    python examples/memory_and_roofline.py
"""

from __future__ import annotations

from costcalc.archs import resolve_model
from costcalc.footprint import materialized


def table3() -> None:
    print("Largest materialized activation per resolution, float16 (MobileNetV2 Table 3):")
    for name in ("mobilenet_v1", "mobilenet_v2"):
        fp = materialized(resolve_model(name))
        cells = "  ".join(f"{r.side}²:{r.largest.shape[0]}ch" for r in fp.rows)
        print(f"  {name:<13} {cells}")
        print(f"  {'':<13} max {fp.peak.values:,} values = {fp.peak.bytes:,} B at {fp.peak.largest.layer}"
              + ("  (bottlenecks streamed, paper §5)" if fp.streamed else ""))
    plain = materialized(resolve_model("mobilenet_v2"), stream=False)
    print(f"  mobilenet_v2 without streaming: max {plain.peak.bytes:,} B at {plain.peak.largest.layer}")


def roofline() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        print("\n(torch not installed: skipping the roofline)")
        return
    from costcalc.profile.aten_ops import profile_model
    from costcalc.profile.roofline import Machine, roofline as build
    from costcalc.profile.target import load_model

    machine = Machine(peak_gflops=1000, bandwidth_gbs=100, name="a 1 TFLOP/s, 100 GB/s device")
    r = build(profile_model(load_model("mobilenet_v1"), (1, 3, 224, 224), label="mobilenet_v1"),
              machine, "float16")
    print(f"\nRoofline of mobilenet_v1 at float16 on {machine.name} (ridge {r.ridge:g} FLOP/byte):")
    for row in r.by_kind():
        print(f"  {row['label']:<20} {row['layers']:>3} layers  {100 * row['macs_share']:6.2f}% of MACs  "
              f"{100 * row['bytes_share']:6.2f}% of bytes  median {row['median_intensity']:6.1f} FLOP/B  "
              f"{row['memory_bound']:>3} memory-bound")


if __name__ == "__main__":
    table3()
    roofline()
