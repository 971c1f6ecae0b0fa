"""A short tour of the Python API behind `costcalc model`.

Resolve MobileNet v1 at a few (α, resolution) points, set the exact counts beside the paper's
Table 6/7 figures, list the costliest layers, and cross-check symbolic = hooks = aten per layer
(the last step needs torch; it runs on the meta device, so nothing is allocated).

    python examples/model_tour.py
"""

from __future__ import annotations

from costcalc.archs import ARCHS, resolve_model
from costcalc.report.model_views import by_type, layer_rows


def main() -> None:
    print("MobileNet v1: exact mult-adds (MACs) and weights vs the paper")
    for ref in ARCHS["mobilenet_v1"].published:
        m = resolve_model("mobilenet_v1", alpha=ref.alpha, resolution=ref.resolution)
        print(f"  α={ref.alpha:<4g} {ref.resolution}px  {m.macs:>13,} MACs (paper {ref.macs_m:g}M)"
              f"  {m.params():>10,} weights (paper {ref.params_m:g}M)")

    m = resolve_model("mobilenet_v1")
    print("\nShare by layer type (the paper's Table 2):")
    for row in by_type(m):
        print(f"  {row['type']:<12} {100 * row['macs_share']:6.2f}% of MACs  "
              f"{100 * row['params_share']:6.2f}% of weights")

    print("\nThe five costliest layers (per-layer rows):")
    rows = sorted(layer_rows(m), key=lambda r: -r["macs"])[:5]
    for r in rows:
        shape = "×".join(map(str, r["out_shape"]))
        print(f"  {r['id']:<8} {r['kind']:<12} out {shape:<12} {r['macs']:>12,} MACs  {100 * r['share']:5.2f}%")

    try:
        import torch  # noqa: F401
    except ImportError:  # torch not installed: the symbolic counts above need none
        print("\n(torch not installed: skipping the three-way check)")
        return
    from costcalc.counting.verify import verify_model

    print("\nThree-way check on the meta device (symbolic = forward hooks = FlopCounterMode):")
    for name in ARCHS:
        v = verify_model(resolve_model(name, alpha=0.5, resolution=160))
        status = "ok" if v.ok else f"MISMATCH at {[c.id for c in v.mismatches][:3]}"
        print(f"  {name:<22} α=0.5 160px  {len(v.checks):>3} layers  {v.aten_total:>13,} MACs  {status}")


if __name__ == "__main__":
    main()
