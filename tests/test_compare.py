"""costcalc.compare: MobileNet v1 Table 3 through the public API, and its views.

Howard et al. 2017 (arXiv 1704.04861), Table 3: one 3×3 layer, M = N = 512, Df = 14.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

import costcalc
from costcalc import CostcalcError, compare_layer


@pytest.fixture(scope="module")
def table3():
    return compare_layer(kernel=3, channels=512)


def test_table3_rows(table3):
    got = {r.layer: (r.macs, r.params) for r in table3.rows}
    assert got["standard"] == (462_422_016, 2_359_296)  # 3*3*512*512*14*14; 3*3*512*512
    assert got["depthwise"] == (903_168, 4_608)  # 3*3*512*14*14; 3*3*512
    assert got["pointwise"] == (51_380_224, 262_144)  # 512*512*14*14; 512*512
    assert got["separable"] == (52_283_392, 266_752)  # 512*14*14*(9 + 512); 4,608 + 262,144
    # α = 0.75 (M = N = 384): 384*14*14*(9 + 384) = 29,578,752 (≈29.6M); 3,456 + 147,456 = 150,912
    assert got["separable_alpha"] == (29_578_752, 150_912)
    # α = 0.75, ρ = 0.714 (Df = round(0.714*14) = 10): 384*10*10*(9 + 384) = 15,091,200 (≈15.1M)
    assert got["separable_alpha_rho"] == (15_091_200, 150_912)


def test_table3_in_the_papers_units(table3):
    # Table 3 prints million mult-adds / million parameters
    published = {"standard": (462, 2.36), "separable": (52.3, 0.27),
                 "separable_alpha": (29.6, 0.15), "separable_alpha_rho": (15.1, 0.15)}
    for layer, (macs_m, params_m) in published.items():
        r = table3.row(layer)
        assert round(r.macs / 1e6, 1 if macs_m < 100 else 0) == macs_m, layer
        assert round(r.params / 1e6, 2) == params_m, layer


def test_macs_are_python_ints(table3):
    for r in table3.rows:
        assert type(r.macs) is int and type(r.params) is int


def test_ratio(table3):
    assert table3.ratio == Fraction(521, 4608)  # 52,283,392 / 462,422,016 = 1/512 + 1/9
    assert table3.ratio == Fraction(1, 512) + Fraction(1, 9)
    assert 8 < 1 / table3.ratio < 9  # "8 to 9 times fewer"


def test_setting(table3):
    st = table3.setting
    assert (st.Dk, st.M, st.N, st.Df, st.s, st.g, st.p, st.Di) == (3, 512, 512, 14, 1, 1, 1, 14)
    alpha_rho = table3.row("separable_alpha_rho").setting
    assert (alpha_rho.M, alpha_rho.N, alpha_rho.Df) == (384, 384, 10)


def test_formulas_are_the_symbolic_twins(table3):
    import sympy as sp

    from costcalc import symbolic as S

    for r in table3.rows:
        st = r.setting
        subs = {S.Dk: st.Dk, S.M: st.M, S.N: st.N, S.Df: st.Df}
        if r.layer.startswith("separable_alpha"):
            base = table3.setting
            subs = {S.Dk: base.Dk, S.M: base.M, S.N: base.N, S.Df: base.Df,
                    S.alpha: sp.Rational(st.M, base.M), S.rho: sp.Rational(st.Df, base.Df)}
        assert sp.sympify(r.formula.macs).subs(subs) == r.macs, r.layer
        assert sp.sympify(r.formula.params).subs(subs) == r.params, r.layer


def test_to_frame(table3):
    import pandas as pd

    df = table3.to_frame()
    assert isinstance(df, pd.DataFrame)
    assert df.index.name == "layer"
    assert list(df.index[:4]) == ["standard", "depthwise", "pointwise", "separable"]
    assert df.loc["standard", "macs"] == 462_422_016
    assert df.loc["separable", "params"] == 266_752


def test_repr_latex(table3):
    out = table3._repr_latex_()
    assert isinstance(out, str) and out.startswith("$") and out.endswith("$")
    assert "D_K" in out


def test_to_dict(table3):
    data = table3.to_dict()
    assert data["ratio"]["fraction"] == "521/4608"
    assert data["ratio"]["simplified_pretty"] == "1/N + 1/Dk²"
    assert [r["layer"] for r in data["rows"]] == [r.layer for r in table3.rows]


def test_printed_forms_table_is_current():
    """costcalc/_forms.py is what sympy prints today; regenerate with compare.write_forms()."""
    from costcalc import _forms, compare

    assert _forms.FORMS == compare.printed_forms(), "run: python -c 'from costcalc.compare import write_forms; write_forms()'"


def test_printed_rows_match_their_sympy_formula(table3):
    """Each row's table-backed form is the printer's output for the row's own sympy formula."""
    from costcalc import symbolic as S

    for r in table3.rows:
        for q in ("macs", "params"):
            f = getattr(r.formula, q)
            assert r.printed(q) == (S.pretty(f), S.latex(f), S.plain(f)), (r.layer, q)
    assert table3.printed_ratio().plain == "1/N + 1/Dk**2" == S.plain(table3.ratio_simplified)


def test_public_api():
    for name in ("compare_layer", "derive", "cost", "KINDS", "verify", "CostcalcError", "__version__"):
        assert hasattr(costcalc, name), name
    assert costcalc.cost("separable", Dk=3, M=512, N=512, Df=14).macs == 52_283_392


def test_groups_add_a_grouped_row():
    c = compare_layer(kernel=3, channels=512, groups=4)
    r = c.row("grouped")
    assert r.macs == 115_605_504  # 3*3*(512/4)*512*14*14 = 462,422,016/4
    assert r.params == 589_824  # 3*3*128*512


def test_stride_and_input_size():
    c = compare_layer(kernel=3, channels=64, size=14, stride=2)
    assert (c.setting.Di, c.setting.Df, c.setting.p) == (28, 14, 1)
    assert "spatial_separable" not in [r.layer for r in c.rows]  # stride 1 only
    c = compare_layer(kernel=3, channels=64, input_size=7, padding=0)
    assert (c.setting.Di, c.setting.Df) == (7, 5)  # 7 - 3 + 1
    assert c.row("standard").macs == 921_600  # 3*3*64*64*5*5


def test_alpha_rho_one_hides_the_scaled_rows():
    c = compare_layer(kernel=3, channels=512, alpha=1, rho=1)
    assert [r.layer for r in c.rows] == ["standard", "depthwise", "pointwise", "separable",
                                         "spatial_separable"]


@pytest.mark.parametrize("kwargs", [
    dict(kernel=0, channels=512), dict(kernel=-3, channels=512), dict(kernel=3, channels=0),
    dict(kernel=3, channels=512, groups=3), dict(kernel=9, channels=8, input_size=3, padding=0),
    dict(kernel=3, channels=512, alpha=0), dict(kernel=3, channels=512, rho=-1),
    dict(kernel=3, channels=512, padding=-1), dict(kernel=3, channels=512, alpha=1e-4),
], ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_bad_input_raises_costcalc_error(kwargs):
    with pytest.raises(CostcalcError):
        compare_layer(**kwargs)


def test_verify_agrees_with_torch():
    pytest.importorskip("torch")
    c = costcalc.verify(compare_layer(kernel=3, channels=512, groups=4))
    assert [r.verified for r in c.rows] == [True] * len(c.rows)
    c = costcalc.verify(compare_layer(kernel=5, channels=48, in_channels=32, size=7, stride=2))
    assert all(r.verified for r in c.rows)
