"""costcalc.check.equations and kinds: verdicts, counterexamples, conditions, the reference table.

Closed forms carry their arithmetic. The first test configuration is a MobileNet-like stride-2
layer: Dk=3, M=32, N=64, Di=28, Df=14, s=2, p=1, d=1, g=4, t=6 (Df = floor((28+2-2-1)/2)+1 = 14).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc import layers
from costcalc.check import check
from costcalc.check.equations import CONFIGS, compare, evaluate
from costcalc.check.kinds import KINDS, kind, reference
from costcalc.derivations import TOPICS
from costcalc.errors import CostcalcError
from costcalc.symbolic import SYM, Df, Di, Dk, M, N, d, s


def first_bad(result):
    return next(l for l in result.links if not l.equal)


# -- verdicts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, as_, let", [
    ("D_K . D_K . M . N . D_F . D_F", "standard", None),
    ("DkxDkxMxDpxDp", "depthwise", None),
    ("M x Dp2 x N", "pointwise", None),
    ("M x Dp2 x (Dk2 + N)", "separable", None),
    ("MxPxPx(RxR + N)", "separable", ["P=Df", "R=Dk"]),
    (r"\frac{D_K^2 M D_F^2 + M N D_F^2}{D_K^2 M N D_F^2}", "ratio", None),
    (r"\frac{1}{N} + \frac{1}{D_K^2}", "ratio", None),
    ("Dk2·(M/g)·N·Df2", "grouped", None),
    ("M N Df^2 / g", "shuffle", None),
    ("(N-k+1)^2 k^2", "spatial_standard", None),
    ("N(N-k+1)k + (N-k+1)^2 k", "spatial_separable", None),
    ("k(N-k+1)(2N-k+1)", "spatial_separable", None),
    ("(2N-k+1)/(k(N-k+1))", "spatial_ratio", None),
    ("h w d' t d' + Df² t d' (k² + d'')", "v2_block", None),
    (r"D_K \cdot D_K \cdot \alpha M \cdot \rho D_F \cdot \rho D_F + \alpha M \cdot \alpha N "
     r"\cdot \rho D_F \cdot \rho D_F", "separable", None),
    ("floor((Di + 2p - d(Dk-1) - 1)/s) + 1", "out_side", None),
    ("Dk^2 M N", "standard_params", None),
])
def test_correct_formulas_are_equal(text, as_, let):
    r = check(text, as_, let)
    assert r.verdict == "equal", r.to_dict()
    assert r.to_dict()["verdict"] == "equal"


def test_kernel_specific_constant_passed_off_as_general():
    r = check("1/N + 1/9", "ratio")
    assert r.verdict == "not_equal"
    l = first_bad(r)
    assert l.conditions == [((Dk, sp.Integer(3)),)]  # 1/9 = 1/Dk² only when Dk = 3
    at = l.counterexample["at"]  # the first configuration has Dk = 3, where they agree
    assert at == {Dk: 5, N: 40}
    assert l.counterexample["left"] == Fraction(49, 360)  # 1/40 + 1/9 = (9 + 40)/360
    assert l.counterexample["right"] == Fraction(13, 200)  # 1/40 + 1/25 = (5 + 8)/200
    assert sp.simplify(l.difference - (1 / sp.Integer(9) - 1 / Dk ** 2)) == 0


def test_v2_paper_formula_is_exact_only_at_stride_one():
    r = check("h·w·d'·t·(d' + k² + d'')", "v2_block")
    l = first_bad(r)
    assert l.conditions == [((Di, Df),)]  # exact when the block keeps its size (stride 1)
    cex = l.counterexample
    assert cex["left"] == 15_805_440  # 28²·32·6·(32 + 9 + 64) = 784·192·105
    assert cex["right"] == 7_564_032  # 28²·32·6·32 + 14²·6·32·(9 + 64) = 4,816,896 + 2,747,136
    assert any("h is the block's input side" in x for x in r.readings)


def test_input_side_used_for_the_depthwise_part():
    r = check("Dk^2 M Di^2 + M N Df^2", "separable")
    l = first_bad(r)
    assert l.conditions == [((Di, Df),)]
    # at Dk=3, M=32, N=64, Di=28, Df=14: 9·32·784 + 32·64·196 = 225,792 + 401,408
    assert l.counterexample["left"] == 627_200
    assert l.counterexample["right"] == 457_856  # 9·32·196 + 32·64·196 = 56,448 + 401,408


def test_swapped_binding_is_pointed_out():
    r = check("MxPxPx(RxR + N)", "separable", ["P=Di,R=Df,K=Dk"])
    assert r.verdict == "not_equal"
    assert any("P read as Df" in n and "R read as Dk" in n for n in r.notes), r.notes


def test_flops_are_twice_the_macs():
    l = first_bad(check("2*Dk^2*M*N*Df^2", "standard"))
    assert l.factor == 2


def test_output_side_without_floor_needs_stride_and_dilation_one():
    l = first_bad(check("(D_I - D_K + 2p)/s + 1", "out_side"))
    assert l.conditions == [((s, 1), (d, 1))]
    # at Di=28, Dk=3, p=1, s=2: (28 - 3 + 2)/2 + 1 = 14.5, but floor(27/2) + 1 = 14
    assert l.counterexample["left"] == Fraction(29, 2) and l.counterexample["right"] == 14


def test_chain_of_sides():
    assert check("D_K^2 M D_F^2 + M N D_F^2 = M D_F^2 (D_K^2 + N)").verdict == "equal"
    r = check("(2N-k+1)/(k(N-k+1)) = 2/k")
    l = first_bad(r)
    assert l.asymptotic == [N]  # only as N → ∞
    assert l.conditions == [((Dk, 1),)]
    assert check("(2N-k+1)/(k(N-k+1)) ≈ 2/k").verdict == "equal"


def test_numbers_plugged_in_are_matched():
    r = check("1/N + 1/Dk^2 = 1/512 + 1/9")
    assert r.verdict == "equal" and r.links[0].evaluation == {Dk: 3, N: 512}
    r = check("1/N + 1/Dk^2 = 1/512 + 1/9 ≈ 0.0113")  # the claimed saving is off by 10×
    assert r.verdict == "not_equal" and not r.links[1].equal
    assert check("1/512 + 1/9 ≈ 0.1131").verdict == "equal"  # 521/4608 = 0.11306...


def test_value_at():
    r = check("1/N + 1/Dk2", "ratio", at="N=512,Dk=3")
    assert r.value["reference"] == Fraction(521, 4608)  # 1/512 + 1/9 = (9 + 512)/4608 = 0.1131
    assert round(float(1 / r.value["reference"]), 2) == 8.84  # 4608/521 = 8.84× fewer
    r = check("Dk^2 M N Df^2", "standard", at="Dk=3,M=512,N=512,Df=14")
    assert r.value["reference"] == 462_422_016  # 3*3*512*512*14*14 (MobileNet v1 Table 3)


def test_bad_requests():
    with pytest.raises(CostcalcError, match="nothing to compare"):
        check("Dk^2 M")
    with pytest.raises(CostcalcError, match="unknown kind"):
        check("Dk^2 M", "bogus")
    with pytest.raises(CostcalcError, match="--at"):
        check("Dk^2 M", "depthwise_params", at="Dk=three")


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_derive_topic_is_a_kind(topic):
    assert kind(topic).name in KINDS


def test_compare_counterexample_is_a_real_difference():
    l = compare(Dk ** 2 * M * N * Di ** 2, layers.standard(Dk, M, N, Df).macs)
    at = l.counterexample["at"]
    assert l.counterexample["left"] == evaluate(l.a, at) != evaluate(l.b, at) == l.counterexample["right"]


def test_configurations_are_valid_layers():
    for c in CONFIGS[:3]:
        v = {k.name: int(x) for k, x in c.items() if x.denominator == 1}
        assert layers.out_side(v["Di"], v["Dk"], v["s"], v["p"], v["d"]) == v["Df"]


# -- property: the reference table is the registry ------------------------------------------

def _registry(name: str, c: dict):
    """The registry's own count for the kind, called with ints (α/ρ applied by the caller)."""
    L = layers
    table = {
        "standard": lambda: L.standard(c["Dk"], c["M"], c["N"], c["Df"]).macs,
        "depthwise": lambda: L.depthwise(c["Dk"], c["M"], c["Df"]).macs,
        "pointwise": lambda: L.pointwise(c["M"], c["N"], c["Df"]).macs,
        "separable": lambda: L.separable(c["Dk"], c["M"], c["N"], c["Df"]).macs,
        "ratio": lambda: Fraction(L.separable(c["Dk"], c["M"], c["N"], c["Df"]).macs,
                                  L.standard(c["Dk"], c["M"], c["N"], c["Df"]).macs),
        "inverse_ratio": lambda: Fraction(L.standard(c["Dk"], c["M"], c["N"], c["Df"]).macs,
                                          L.separable(c["Dk"], c["M"], c["N"], c["Df"]).macs),
        "grouped": lambda: L.grouped(c["Dk"], c["M"], c["N"], c["Df"], c["g"]).macs,
        "pointwise_grouped": lambda: L.pointwise_grouped(c["M"], c["N"], c["Df"], c["g"]).macs,
        "dilated": lambda: L.dilated(c["Dk"], c["M"], c["N"], c["Df"], c["d"]).macs,
        "transposed": lambda: L.transposed(c["Dk"], c["M"], c["N"], c["Di"], c["g"]).macs,
        "spatial_standard": lambda: L.spatial_standard_image(c["Dk"], c["Di"]).macs,
        "spatial_separable": lambda: L.spatial_separable_image(c["Dk"], c["Di"]).macs,
        "spatial_ratio": lambda: Fraction(L.spatial_separable_image(c["Dk"], c["Di"]).macs,
                                          L.spatial_standard_image(c["Dk"], c["Di"]).macs),
        "spatial_inverse_ratio": lambda: Fraction(L.spatial_standard_image(c["Dk"], c["Di"]).macs,
                                                  L.spatial_separable_image(c["Dk"], c["Di"]).macs),
        "v2_block": lambda: L.v2_block(c["Dk"], c["M"], c["N"], c["Di"], c["Df"], c["t"]).macs,
        "standard_params": lambda: L.standard(c["Dk"], c["M"], c["N"], c["Df"]).params,
        "depthwise_params": lambda: L.depthwise(c["Dk"], c["M"], c["Df"]).params,
        "pointwise_params": lambda: L.pointwise(c["M"], c["N"], c["Df"]).params,
        "separable_params": lambda: L.separable(c["Dk"], c["M"], c["N"], c["Df"]).params,
        "grouped_params": lambda: L.grouped(c["Dk"], c["M"], c["N"], c["Df"], c["g"]).params,
        "out_side": lambda: L.out_side(c["Di"], c["Dk"], c["s"], c["p"], c["d"]),
        # one output value: the layer's MACs over its output elements (ints here)
        "standard_per_output": lambda: _per(L.standard(c["Dk"], c["M"], c["N"], c["Df"])),
        "depthwise_per_output": lambda: _per(L.depthwise(c["Dk"], c["M"], c["Df"])),
        "pointwise_per_output": lambda: _per(L.pointwise(c["M"], c["N"], c["Df"])),
        "grouped_per_output": lambda: _per(L.grouped(c["Dk"], c["M"], c["N"], c["Df"], c["g"])),
        "spatial_standard_per_output": lambda: _per(L.spatial_standard_image(c["Dk"], c["Di"])),
        "spatial_separable_per_output": lambda: _per(L.spatial_separable_image(c["Dk"], c["Di"])),
    }
    macs = {"standard": table["standard"], "depthwise": table["depthwise"],
            "pointwise": table["pointwise"], "separable": table["separable"]}
    if "_over_" in name:  # the ratio of two of the four (kinds.pair_kind)
        a, b = name.split("_over_")
        return Fraction(macs[a](), macs[b]())
    return table[name]()


def _per(cost) -> Fraction:
    return Fraction(cost.macs, cost.out_elems)


def test_property_table_covers_every_kind():
    c = dict(Dk=3, M=8, N=8, Df=5, Di=7, s=1, p=0, d=1, g=2, t=2)
    for name in KINDS:
        _registry(name, c)  # raises KeyError for a kind the property below would miss


@st.composite
def configs(draw):
    a, r = draw(st.integers(1, 4)), draw(st.integers(1, 7))  # α = a/4, ρ = r/7
    g = draw(st.sampled_from([1, a]))
    dk, dil = draw(st.integers(1, 7)), draw(st.integers(1, 3))
    return {
        "Dk": dk, "M": 4 * g * draw(st.integers(1, 16)), "N": 4 * g * draw(st.integers(1, 16)),
        "Df": 7 * draw(st.integers(1, 8)), "Di": dil * (dk - 1) + 1 + draw(st.integers(0, 60)),
        "Di7": 7 * draw(st.integers(1, 8)),  # an input side ρ = r/7 scales to an integer
        "s": draw(st.integers(1, 3)), "p": draw(st.integers(0, 3)), "d": dil, "g": g,
        "t": draw(st.integers(2, 6)),  # t ≥ 2: with t = 1 the registry drops the expand conv
        "alpha": Fraction(a, 4), "rho": Fraction(r, 7),
    }


@settings(max_examples=60, deadline=None)
@given(configs())
def test_reference_evaluates_to_the_registry_count(c):
    """For every kind: reference(kind) at a configuration == the registry's count there, with
    and without α and ρ (the scaled reference against the registry at αM, αN, ρDf, ρDi)."""
    plain = {k: v for k, v in c.items() if k not in ("alpha", "rho", "Di7")}
    env = {SYM[k]: Fraction(v) for k, v in plain.items()}
    a, r = c["alpha"], c["rho"]
    env_scaled = {**env, SYM["alpha"]: a, SYM["rho"]: r, SYM["Di"]: Fraction(c["Di7"])}
    scaled = dict(plain, M=int(a * c["M"]), N=int(a * c["N"]), Df=int(r * c["Df"]),
                  Di=int(r * c["Di7"]))
    for name, k in KINDS.items():
        assert evaluate(reference(name), env) == _registry(name, plain), name
        if k.scalable:
            got = evaluate(reference(name, alpha=True, rho=True), env_scaled)
            assert got == _registry(name, scaled), name
