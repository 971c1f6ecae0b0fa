"""MobileNet v1 Table 3 (Howard et al. 2017, arXiv 1704.04861) through costcalc's Python API.

One 3×3 layer with M = N = 512 channels on a 14×14 map, convolved every way the paper
compares: standard, depthwise separable, with width multiplier α = 0.75, and with resolution
multiplier ρ = 0.714 (Df 14 → 10). Counts are mult-adds (multiply-accumulates, bias not
counted), as in the paper. Run: ``python examples/compare_table3.py``.
"""

from __future__ import annotations

from costcalc import compare_layer, derive
from costcalc import symbolic as S

# The paper's Table 3, in million mult-adds and million parameters, to set next to ours.
PAPER = {
    "standard": (462, 2.36),
    "separable": (52.3, 0.27),
    "separable_alpha": (29.6, 0.15),
    "separable_alpha_rho": (15.1, 0.15),
}


def main() -> None:
    c = compare_layer(kernel=3, channels=512, size=14, alpha=0.75, rho=0.714)

    frame = c.to_frame()[["formula", "macs", "params"]]
    frame["paper MACs (M)"] = [PAPER.get(layer, ("", ""))[0] for layer in frame.index]
    frame["paper params (M)"] = [PAPER.get(layer, ("", ""))[1] for layer in frame.index]
    print("MobileNet v1 Table 3: Dk=3, M=N=512, Df=14 (MACs = multiply-accumulates, no bias)")
    print(frame.to_string(formatters={"macs": "{:,}".format, "params": "{:,}".format}))
    print()

    ratio, st = c.ratio, c.setting
    print(f"separable / standard = {S.pretty(c.ratio_simplified)}"
          f" = 1/{st.N} + 1/{st.Dk}² = {ratio.numerator}/{ratio.denominator}"
          f" = {float(ratio):.4f}  ({float(1 / ratio):.2f}× fewer mult-adds)")
    print()

    d = derive("separable")
    print(d.title)
    for step in d.steps:
        check = "" if step.holds is None else ("  ✓ sympy" if step.holds else "  ✗")
        print(f"  {step.name:<16} = {S.pretty(step.expr):<40}{check}")

    # The published figures, to the paper's rounding.
    for layer, (macs_m, params_m) in PAPER.items():
        row = c.row(layer)
        assert round(row.macs / 1e6, 1 if macs_m < 100 else 0) == macs_m, layer
        assert round(row.params / 1e6, 2) == params_m, layer


if __name__ == "__main__":
    main()
