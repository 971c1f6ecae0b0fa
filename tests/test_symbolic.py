"""costcalc.symbolic: the canonical symbols, the ratio 1/N + 1/Dk², and the printers."""

from __future__ import annotations

import sympy as sp

from costcalc import compare_layer, layers
from costcalc import symbolic as S
from costcalc.symbolic import Df, Dk, M, N, alpha, rho


def test_symbols_are_created_once_with_assumptions():
    for name in ("Dk", "M", "N", "Df", "Di", "s", "d", "g", "k", "t", "kh", "kw"):
        x = S.SYM[name]
        assert x.is_integer and x.is_positive, name
    assert S.SYM["p"].is_integer and S.SYM["p"].is_nonnegative
    assert alpha.is_positive and rho.is_positive
    assert S.SYM["Dk"] is Dk and S.SYM["alpha"] is alpha
    assert set(S.ROLE_DOC) == set(S.SYM)


def test_ratio_simplifies_to_one_over_n_plus_one_over_dk_squared():
    c = compare_layer(kernel=3, channels=512)
    expected = 1 / N + 1 / Dk ** 2
    assert sp.simplify(c.ratio_simplified - expected) == 0
    assert c.ratio_simplified == expected  # already in its simplest form, not just equivalent
    assert S.plain(c.ratio_simplified) == "1/N + 1/Dk**2"
    assert S.pretty(c.ratio_simplified) == "1/N + 1/Dk²"
    # the exact (unsimplified) ratio is the same function
    assert sp.simplify(c.ratio_exact - expected) == 0


def test_ratio_from_the_layer_formulas():
    ratio = layers.separable(Dk, M, N, Df).macs / layers.standard(Dk, M, N, Df).macs
    assert sp.simplify(ratio - (1 / N + 1 / Dk ** 2)) == 0
    assert ratio.subs({Dk: 3, N: 512}) == sp.Rational(521, 4608)  # 1/512 + 1/9 = (9 + 512)/4608


def test_ratio_independent_of_the_setting():
    # 1/N + 1/Dk² does not depend on M or Df, whatever numbers the comparison was made at
    for kernel, channels, size in ((3, 512, 14), (5, 64, 7), (1, 32, 3)):
        c = compare_layer(kernel=kernel, channels=channels, size=size)
        assert S.plain(c.ratio_simplified) == "1/N + 1/Dk**2"
        assert c.ratio == sp.Rational(1, channels) + sp.Rational(1, kernel ** 2)


def test_pretty_uses_the_papers_order():
    assert S.pretty(layers.standard(Dk, M, N, Df).macs) == "Dk²·M·N·Df²"
    assert S.pretty(layers.depthwise(Dk, M, Df).macs) == "Dk²·M·Df²"
    assert S.pretty(layers.pointwise(M, N, Df).macs) == "M·N·Df²"
    assert S.pretty(alpha * rho ** 2 * M) == "α·ρ²·M"


def test_plain_is_parseable_sympy():
    for expr in (1 / N + 1 / Dk ** 2, Dk ** 2 * M * N * Df ** 2, M * Df ** 2 * (Dk ** 2 + N) / (M + 1)):
        text = S.plain(expr)
        assert "**(-" not in text
        assert sp.simplify(sp.sympify(text, locals=S.SYM) - expr) == 0


def test_latex_uses_paper_names():
    out = S.latex(layers.standard(Dk, M, N, Df).macs)
    assert "D_K" in out and "D_F" in out and r"\cdot" in out
    assert r"\alpha" in S.latex(alpha * M)


def test_equal():
    assert S.equal(M * Df ** 2 * (Dk ** 2 + N), Dk ** 2 * M * Df ** 2 + M * N * Df ** 2)
    assert not S.equal(Dk ** 2 * M, Dk * M)
