"""costcalc.check.parse: the article notations it must read, and how it binds names to roles.

Every expected expression is built from the canonical symbols, so a test fails if a notation is
read as anything else (Dk2 as a new symbol, 2N-2 as 2·(N-2), ...).
"""

from __future__ import annotations

import pytest
import sympy as sp

from costcalc import symbolic as S
from costcalc.check.kinds import KINDS, reference
from costcalc.check.parse import (Binding, ExpressionError, UnknownSymbolError, parse_chain,
                                  parse_expression, parse_let)
from costcalc.symbolic import Df, Di, Dk, M, N, alpha, d, p, rho, s, t


def read(text, **kw):
    return parse_expression(text, Binding(**kw))


def same(a, b) -> bool:
    return sp.cancel(sp.together(a - b)) == 0


@pytest.mark.parametrize("text, expected", [
    ("D_K . D_K . M", Dk ** 2 * M),                       # spaced '.' between factors
    ("D_K * D_K * M * N * D_F * D_F", Dk ** 2 * M * N * Df ** 2),
    ("D_K · D_K · M", Dk ** 2 * M),                       # middle dot
    ("Dk × Dk × M", Dk ** 2 * M),                         # times sign
    ("DkxDkxM", Dk ** 2 * M),                             # x glued between factors
    ("M x Dp2 x N", M * N * Df ** 2),                     # Dp is the output side; Dp2 = Dp²
    ("M(Dk² + N)", M * (Dk ** 2 + N)),                    # implicit multiplication before '('
    ("2N-2", 2 * N - 2),                                  # not 2·(N-2)
    ("αM", alpha * M),
    ("Dk^2 M", Dk ** 2 * M), ("Dk**2*M", Dk ** 2 * M), ("Dk³", Dk ** 3),
    ("Dk2 M Df2", Dk ** 2 * M * Df ** 2),
    ("MN", M * N),                                        # concatenated known names
    ("1/N + 1/Dk2", 1 / N + 1 / Dk ** 2),
    ("0.75 M", sp.Rational(3, 4) * M),                    # decimals are exact
    ("3x3xM", 9 * M),
    (r"\frac{1}{N} + \frac{1}{D_K^2}", 1 / N + 1 / Dk ** 2),
    (r"D_{K} \cdot D_{K} \times M", Dk ** 2 * M),
    (r"\alpha M \cdot \rho^{2} D_F^2", alpha * rho ** 2 * M * Df ** 2),
    (r"\left( D_K^2 + N \right) M", (Dk ** 2 + N) * M),
    (r"\left\lfloor \frac{D_I + 2p - d(k-1) - 1}{s} \right\rfloor + 1",
     sp.floor((Di + 2 * p - d * (Dk - 1) - 1) / s) + 1),
    ("floor((Di + 2p - d(k-1) - 1)/s) + 1", sp.floor((Di + 2 * p - d * (Dk - 1) - 1) / s) + 1),
    ("max(M, N) + min(M, N)", sp.Max(M, N) + sp.Min(M, N)),
    ("sqrt(M^2)", M),
    ("-M + N", N - M), ("M - -N", M + N),
    ("M / N / Df", M / (N * Df)),                         # left to right
    ("2^3^2", 2 ** 9),                                    # right-associative, as in maths
])
def test_article_notation(text, expected):
    assert same(read(text), expected), text


def test_dk2_reading_is_said():
    side = parse_chain("Dk2·M", Binding()).sides[0]
    assert any("Dk2" in r and "Dk²" in r for r in side.readings)


def test_let_binds_author_symbols():
    let = parse_let(["P=Di", "R=Df,K=Dk"])
    assert let == {"P": "Di", "R": "Df", "K": "Dk"}
    assert same(read("MxPxPx(RxR + N)", let=let), M * Di ** 2 * (Df ** 2 + N))
    assert same(read("K2 M", let=let), Dk ** 2 * M)  # K2 is K² once K is bound


def test_let_accepts_spellings_of_roles():
    assert parse_let([r"X=D_K", r"Y=\alpha", "Z=k"]) == {"X": "Dk", "Y": "alpha", "Z": "Dk"}


@pytest.mark.parametrize("bad", ["P", "P=Q", "P=Di=Df", "__x__=Di"])
def test_let_refuses_bad_bindings(bad):
    with pytest.raises(ExpressionError):
        parse_let([bad])


def test_unknown_symbols_are_named():
    with pytest.raises(UnknownSymbolError) as e:
        read("MxPxPx(RxR + N)")
    assert e.value.names == ["P", "R"]
    assert "'P'" in str(e.value) and "'R'" in str(e.value) and "--let" in str(e.value)


def test_spatial_and_v2_readings():
    # spatial kinds: N is the image side; v2 block: h and w the input side, d' and d'' channels
    assert same(read("(N-k+1)^2 k^2", family="spatial"), (Di - Dk + 1) ** 2 * Dk ** 2)
    assert same(read("h·w·d'·t·(d' + k² + d'')", family="v2"), Di ** 2 * M * t * (M + Dk ** 2 + N))


def test_chain_sides_and_relations():
    c = parse_chain(r"\frac{1}{N} + \frac{1}{D_K^2} = \frac{1}{512} + \frac{1}{9} \approx 0.113")
    assert c.relations == ["=", "≈"]
    assert [x.text for x in c.sides][1:] == [r"\frac{1}{512} + \frac{1}{9}", "0.113"]
    assert c.sides[1].expr == sp.Rational(521, 4608)  # 1/512 + 1/9 = (9 + 512)/4608
    assert c.sides[2].decimals == 3


def test_lenient_labels_and_free_letters():
    c = parse_chain(r"\text{MACs} = MxPxPx(RxR + N)", Binding(lenient=True))
    assert c.sides[0].expr is None and c.sides[0].unknown == ["MACs"]
    assert [x.name for x in c.sides[1].free] == ["P", "R"]


@pytest.mark.parametrize("name", sorted(KINDS))
@pytest.mark.parametrize("printer", [S.plain, S.pretty, S.latex])
def test_printed_references_read_back(name, printer):
    """What costcalc prints (plain, paper-style, LaTeX) the checker reads back to the same."""
    for scaled in (False, True):
        ref = reference(name, alpha=scaled, rho=scaled)
        text = printer(ref)
        got = read(text)
        assert same(got, ref) or sp.simplify(got - ref) == 0, text
