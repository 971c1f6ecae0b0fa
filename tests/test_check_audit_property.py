"""No false claim is ever reported equal: random sentences that name a kind, with its formula
written in random article notation, either right or mutated the ways articles get it wrong
(a square dropped, the input side for the output side, a factor of 2, a term or a divisor
missing, another kind's formula). The audit says equal exactly for the right ones.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.check.audit import audit_text
from costcalc.check.kinds import reference
from costcalc.symbolic import SYM

Dk, M, N, Df, Di, g = (SYM[x] for x in ("Dk", "M", "N", "Df", "Di", "g"))

# kind -> (words that name it, its reference)
CLAIMS = {
    "standard": ["The standard convolution costs", "A regular convolution layer needs"],
    "depthwise": ["The depthwise layer costs", "A depth-wise convolution needs"],
    "pointwise": ["The pointwise (1×1) layer costs", "A point-wise convolution needs"],
    "separable": ["The depthwise separable convolution costs", "Together, the separable layer needs"],
    "grouped": ["A grouped convolution with g groups costs", "With g groups the grouped layer costs"],
}


def mutations(ref: sp.Expr) -> list[sp.Expr]:
    out = [ref.subs(Dk, sp.sqrt(Dk)) if ref.has(Dk) else None,  # Dk² -> Dk
           ref.subs(Df, Di) if ref.has(Df) else None,  # the input side for the output side
           2 * ref, ref * g if not ref.has(g) else ref * g,  # FLOPs, a group factor the wrong way
           ref.subs(N, M) if ref.has(N) else None]  # M for N
    e = sp.expand(ref)
    if e.is_Add:
        out.append(e.args[0])  # a term missing
    for other in ("standard", "depthwise", "pointwise", "separable"):
        out.append(reference(other))  # another kind's formula
    return [sp.expand(x) for x in out if x is not None]


def spelled(e: sp.Expr, style: str) -> str:
    """e in article notation: latex (D_K^2 \\cdot M), plain (Dk2 x M), unicode (Dk²·M)."""
    names = {"latex": {Dk: "D_K", M: "M", N: "N", Df: "D_F", Di: "D_I", g: "g"},
             "plain": {Dk: "Dk", M: "M", N: "N", Df: "Df", Di: "Di", g: "g"},
             "unicode": {Dk: "Dk", M: "M", N: "N", Df: "Df", Di: "Di", g: "g"}}[style]
    times = {"latex": " \\cdot ", "plain": " x ", "unicode": "·"}[style]

    def power(b, k):
        n = names[b]
        if k == 1:
            return n
        if style == "latex":
            return f"{n}^{k}"
        if style == "unicode":
            return n + {2: "²", 3: "³"}.get(k, f"^{k}")
        return f"{n}{k}" if k in (2, 3) else f"{n}^{k}"

    def term(t):
        coeff, rest = t.as_coeff_Mul()
        num, den = [], []
        order = [Dk, M, N, Df, Di, g]
        for f in sorted(sp.Mul.make_args(rest), key=lambda f: order.index(f.as_base_exp()[0])
                        if f.as_base_exp()[0] in order else 9):
            b, k = f.as_base_exp()
            if k.is_negative:
                den.append(power(b, int(-k)))
            else:
                num.append(power(b, int(k)) if k.is_Integer else power(b, 1))  # √Dk: never produced below
        s = times.join(([str(coeff)] if coeff != 1 else []) + num) or "1"
        if den:
            s = f"\\frac{{{s}}}{{{times.join(den)}}}" if style == "latex" else f"{s}/{'/'.join(den)}"
        return s

    terms = sorted(sp.Add.make_args(sp.expand(e)), key=lambda t: -sp.degree(t, Dk) if t.has(Dk) else 1)
    return " + ".join(term(t) for t in terms)


@st.composite
def claims(draw):
    kind = draw(st.sampled_from(sorted(CLAIMS)))
    words = draw(st.sampled_from(CLAIMS[kind]))
    ref = sp.expand(sp.cancel(reference(kind)))
    right = draw(st.booleans())
    expr = ref if right else draw(st.sampled_from(mutations(ref)))
    if any(isinstance(a, sp.Pow) and not a.exp.is_Integer for a in sp.preorder_traversal(expr)):
        expr = 2 * ref  # √Dk cannot be written in the notation; take another wrong form
    style = draw(st.sampled_from(["latex", "plain", "unicode"]))
    return kind, words, expr, style, sp.simplify(expr - ref) == 0


def sentence(words: str, formula: str, style: str) -> str:
    if style == "latex":
        return f"{words} ${formula}$ mult-adds.\n"
    return f"{words} {formula} mult-adds.\n"


@settings(max_examples=80, deadline=None)
@given(claims())
def test_equal_exactly_for_the_right_formulas(c):
    kind, words, expr, style, right = c
    text = sentence(words, spelled(expr, style), style)
    a = audit_text(text, fmt="markdown" if style == "latex" else "text")
    formulas = [r for r in a.rows if r.what == "formula"]
    assert len(formulas) == 1, (text, a.rows, a.notes)
    row = formulas[0]
    if right:
        assert row.verdict == "equal", (text, row.note)
    else:
        assert row.verdict != "equal", (text, row.note)  # never a false 'equal'
        assert row.verdict == "not equal", (text, row.note)


def test_the_strategy_writes_readable_notation():
    e = reference("separable")
    assert spelled(e, "plain") == "Dk2 x M x Df2 + M x N x Df2"
    assert spelled(e, "unicode") == "Dk²·M·Df² + M·N·Df²"
    assert spelled(e, "latex") == "D_K^2 \\cdot M \\cdot D_F^2 + M \\cdot N \\cdot D_F^2"
