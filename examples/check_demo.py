"""Check hand-derived MobileNet cost formulas with the library API (what `costcalc check` and
`costcalc audit` print). Run: python examples/check_demo.py"""

from pathlib import Path

from costcalc.check import audit, check

# A correct formula in article notation: Dp is the output side, Dk2 means Dk².
r = check("M x Dp2 x (Dk2 + N)", "separable")
print(f"M x Dp2 x (Dk2 + N) as separable: {r.verdict}")

# A kernel-specific constant passed off as general: 1/N + 1/9 holds only for 3×3 kernels.
r = check("1/N + 1/9", "ratio")
link = r.links[0]
nm = r.namer
print(f"1/N + 1/9 as ratio: {r.verdict}; correct: {nm.pretty(r.reference_display)}; "
      f"agrees when {' or '.join(nm.condition(c) for c in link.conditions)}")

# The MobileNet v2 paper's block cost h·w·d'·t·(d' + k² + d''): exact only at stride 1.
r = check("h·w·d'·t·(d' + k² + d'')", "v2_block")
link = r.links[0]
print(f"v2 block (paper §3.3): {r.verdict}; agrees when "
      f"{' or '.join(r.namer.condition(c) for c in link.conditions)}")

# The ratio at a concrete layer: N = 512, 3×3 kernel (MobileNet v1 Table 3).
r = check("1/N + 1/Dk^2", "ratio", at="N=512,Dk=3")
v = r.value["reference"]
print(f"ratio at N=512, Dk=3: {float(v):.4f} -> {float(1 / v):.2f}x fewer mult-adds")

# Audit the example article: one row per formula.
article = Path(__file__).resolve().parent / "article.md"
result = audit(str(article))
for row in result.rows:
    print(f"line {row.line:3}: {row.verdict:10} {row.note[:70]}")
print(result.counts())
