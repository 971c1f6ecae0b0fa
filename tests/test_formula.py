"""`costcalc model NAME --formula` (costcalc.formula): MACs(α, ρ) and params(α) as closed forms.

The test the issue asks for: at every (α, resolution) where nothing rounds, the formula equals
`model`'s exact count — on every registered architecture and every example spec. Rounding-free
points come from the formula's own statement of where it is exact (α lattice, input sides), and
are confirmed independently by the resolve's record of roundings (departures() is empty there);
at points where a count rounds, departures() must say where.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import example, given, settings, strategies as st

from costcalc.archs import ARCHS, resolve_model
from costcalc.formula import (alpha_lattice, departures, formula, monomials, rounding_free_sides,
                              table_alphas)
from costcalc.symbolic import alpha as a, rho as r

SPECS = sorted(str(p) for p in (Path(__file__).resolve().parent.parent / "examples" / "specs").glob("*.toml"))


def test_mobilenet_v1_closed_form():
    f = formula("mobilenet_v1")
    # α²ρ²: the 1×1 convs, 539,492,352 at 224 (Table 2's Conv 1×1); αρ²: the 3-channel first
    # conv 3·3·3·32·112² = 10,838,016 and the depthwise convs 17,385,984; α: the FC 1024·1000
    assert sp.expand(f.macs - (539_492_352 * a**2 * r**2 + (10_838_016 + 17_385_984) * a * r**2
                               + 1_024_000 * a)) == 0
    # weights: the 1×1 convs' 3,139,584 scale as α²; the first conv 3·3·3·32 = 864, the
    # depthwise convs 9·(32+64+128+128+256+256+5·512+512+1024) = 44,640 and the FC 1,024,000
    # as α: 864 + 44,640 + 1,024,000 = 1,069,504
    assert f.params["weights"] == 3_139_584 * a**2 + 1_069_504 * a
    assert [t.monomial for t in f.terms()] == [a**2 * r**2, a * r**2, a]
    assert round(100 * f.terms()[0].share, 2) == 94.86  # the paper's Table 2 share of Conv 1×1


def test_the_issues_point_mobilenet_v1_half_width_192():
    # α = 0.5, 192 px = ρ·224 with ρ = 6/7: no channel count rounds (32·0.5, ..., 1024·0.5 whole,
    # ≥ 8) and 192 is a multiple of 32, so the formula is the exact count
    f = formula("mobilenet_v1")
    m = resolve_model("mobilenet_v1", alpha=0.5, resolution=192)
    assert departures(f, 0.5, 192) == []
    # 539,492,352·(1/4)·(36/49) + 28,224,000·(1/2)·(36/49) + 1,024,000·(1/2)
    # = 99,090,432 + 10,368,000 + 512,000 = 109,970,432
    assert f.macs.subs({a: sp.Rational(1, 2), r: sp.Rational(6, 7)}) == m.macs == 109_970_432
    assert f.value(f.params["weights"], 0.5, 192) == m.params() == 1_319_648


def _by_fractions(expr, alpha: Fraction, rho: Fraction) -> Fraction:
    """The polynomial evaluated term by term in Python Fractions (max(1, α) as max)."""
    total = Fraction(0)
    for t in monomials(expr):
        term = Fraction(int(t.coefficient.p), int(t.coefficient.q))
        for base, power in t.monomial.as_powers_dict().items():
            x = {a: alpha, r: rho}.get(base, max(Fraction(1), alpha) if base.has(a) else Fraction(1))
            term *= x ** int(power)
        total += term
    return total


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(["mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "vgg16"]),
       num=st.integers(1, 400), den=st.integers(1, 100), res=st.integers(32, 1000))
@example(name="mobilenet_v1", num=3, den=10, res=97)  # nsimplify made this 57177414*2**(10/43)*…/25
def test_value_is_an_exact_rational_for_rational_alpha_and_rho(name, num, den, res):
    f = formula(name)
    alpha = Fraction(num, den)
    rho = Fraction(res, f.default_resolution)
    for expr in (f.macs, f.params["weights"]):
        v = f.value(expr, alpha, res)
        assert isinstance(v, sp.Rational), v
        assert Fraction(int(v.p), int(v.q)) == _by_fractions(expr, alpha, rho)
    # a float α is the decimal it prints as: 0.3 is 3/10, not 5404319552844595/2**54
    assert f.value(f.macs, float(alpha), res) == f.value(f.macs, Fraction(repr(float(alpha))), res)


def test_value_of_the_reviewers_point():
    # MobileNet v1 at α = 0.3, 97 px: 539,492,352·(9/100)·(97/224)² + 28,224,000·(3/10)·(97/224)²
    # + 1,024,000·(3/10) = 1099986987/100, exactly
    f = formula("mobilenet_v1")
    assert f.value(f.macs, 0.3, 97) == sp.Rational(1_099_986_987, 100)


def _points(f, name):
    """Rounding-free (α, resolution) points the formula's own statement names."""
    step, lo = alpha_lattice(f)
    assert step is not None, name
    # multiples of the step at or above the minimum that a float holds exactly (α is a float)
    k0 = max(1, -(-lo // step)) if lo else 1
    skip = table_alphas(f)  # where a width table overrides c·α (ShuffleNet 1.5×)
    exact = [step * k for k in range(k0, int(8 / step) + 1)
             if float(step * k) == step * k and float(step * k) not in skip]
    alphas = sorted({exact[0], exact[len(exact) // 2], min(exact, key=lambda x: abs(x - 1))})
    sides = rounding_free_sides(f)
    assert sides, name
    R = f.default_resolution
    picks = sorted({sides[0], sides[len(sides) // 2], sides[-1]} | ({R} if R in sides else set()))
    return [(float(x), s) for x in alphas for s in picks if float(x) == x]


@pytest.mark.parametrize("name", list(ARCHS) + SPECS, ids=lambda n: Path(n).stem)
def test_formula_equals_model_where_nothing_rounds(name):
    f = formula(name)
    pts = _points(f, name)
    assert pts
    for alpha, res in pts:
        assert departures(f, alpha, res) == [], (alpha, res)
        m = resolve_model(name, alpha=alpha, resolution=res)
        assert f.value(f.macs, alpha, res) == m.macs, (alpha, res)
        for conv in ("weights", "bias", "bn", "bn_stats"):
            assert f.value(f.params[conv], alpha, res) == m.params(conv), (alpha, res, conv)


@pytest.mark.parametrize("name", list(ARCHS))
def test_rounding_is_found_where_it_departs(name):
    # α = 0.37 makes some α-scaled count fractional in every registered network (32·0.37 = 11.84)
    f = formula(name)
    deps = departures(f, 0.37, f.default_resolution)
    assert any(d.what == "channels" for d in deps), name
    # an odd side at a stride-2 layer: 225 px
    deps = departures(f, 1.0, 225)
    assert any(d.what == "side" for d in deps), name


def test_departures_name_the_layer_and_rule():
    f = formula("mobilenet_v2")
    deps = departures(f, 0.35, 224)
    first = deps[0]
    # conv1: 32·0.35 = 11.2 → make_divisible → 16 (8 < 0.9·11.2)
    assert (first.where, first.what, first.formula, first.exact) == ("conv1", "channels", "11.2", "16")
    assert f.value(f.macs, 0.35, 224) != resolve_model("mobilenet_v2", alpha=0.35).macs
    v3 = formula("mobilenet_v3_large")
    # at α = 1 only the SE squeeze rounds: 72 // 4 = 18 → make_divisible → 24 (block 4)
    assert {(d.where, d.formula, d.exact) for d in departures(v3, 1.0, 224)} == {
        ("b4", "18", "24"), ("b5", "30", "32"), ("b6", "30", "32")}
    side = departures(formula("mobilenet_v1"), 1.0, 225)
    assert [(d.where, d.what) for d in side] == [("conv1", "side")]  # 225 is odd: 112.5 → 113


def test_a_width_table_is_a_departure():
    # ShuffleNet 1.5×: the authors keep a 24-channel first conv where 24·1.5 = 36
    f = formula("shufflenet_v1_g3")
    assert table_alphas(f) == [1.5]
    assert [(d.where, d.formula, d.exact, d.why) for d in departures(f, 1.5, 224)] == [
        ("conv1", "36", "24", "the reference code's own width")]


def test_where_exact():
    assert alpha_lattice(formula("mobilenet_v1")) == (Fraction(1, 32), Fraction(1, 4))
    # v2: every width a multiple of 8 needs 16α, 24α, ... ∈ 8ℤ: α whole (1280 grows as max(1, α))
    assert alpha_lattice(formula("mobilenet_v2"))[0] == 1
    assert rounding_free_sides(formula("mobilenet_v1"))[:3] == [32, 64, 96]


def test_vgg16_params_depend_on_rho():
    # the first FC reads the flattened 7×7×512 map: its 25,088·4096 weights scale as α·ρ²... ·α
    f = formula("vgg16")
    assert f.params["weights"].coeff(a**2 * r**2) == 7 * 7 * 512 * 4096
    assert f.value(f.params["weights"], 1.0, 224) == resolve_model("vgg16").params()


def test_cli_json_parses_with_sympy(costcalc_cli):
    res = costcalc_cli("model", "mobilenet_v2", "--formula", "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    syms = {"alpha": sp.Symbol("alpha"), "rho": sp.Symbol("rho")}
    macs = sp.sympify(data["formula"]["macs"], locals=syms)
    params = sp.sympify(data["formula"]["params"], locals=syms)
    assert macs.subs({"alpha": 1, "rho": 1}) == 300_774_272
    # α = 2, 128 px (ρ = 4/7; 128 a multiple of 32): nothing rounds
    assert macs.subs({"alpha": 2, "rho": sp.Rational(4, 7)}) == resolve_model(
        "mobilenet_v2", alpha=2.0, resolution=128).macs
    assert params.subs({"alpha": 1}) == 3_469_760
    assert data["check"]["equal"] is True and data["check"]["departures"] == []
    assert sum(t["share"] for t in data["terms"]["macs"]) == pytest.approx(1.0)


def test_cli_table_latex_and_errors(costcalc_cli, tmp_path):
    res = costcalc_cli("model", "mobilenet_v1", "--formula")
    assert res.returncode == 0, res.stderr
    assert "539,492,352·α²·ρ² + 28,224,000·α·ρ² + 1,024,000·α" in res.stdout
    assert "94.86%" in res.stdout and "Conv 1×1" in res.stdout
    lat = costcalc_cli("model", "mobilenet_v1", "--formula", "--latex")
    assert lat.returncode == 0
    assert r"\mathrm{MACs}(\alpha, \rho) &= 539{,}492{,}352\,\alpha^{2} \rho^{2}" in lat.stdout
    assert r"\begin{align*}" in lat.stdout and "\n\n\\mathrm" not in lat.stdout
    off = costcalc_cli("model", "mobilenet_v2", "--formula", "--alpha", "0.35")
    assert "rounding departs at conv1 channels 11.2 → 16" in off.stdout
    for bad, msg in ((("--formula", "--verify"), "drop --verify"), (("--latex",), "--latex applies to --formula"),
                     (("--formula", "--latex", "-f", "json"), "choose one")):
        e = costcalc_cli("model", "mobilenet_v1", *bad)
        assert e.returncode == 2 and msg in e.stderr and "Traceback" not in e.stderr


def test_formula_needs_no_torch(costcalc_cli):
    res = costcalc_cli("model", "mobilenet_v1", "--formula", python_flags=("-X", "importtime"))
    assert res.returncode == 0
    mods = {line.rsplit("|", 1)[-1].strip() for line in res.stderr.splitlines() if "|" in line}
    assert not mods & {"torch", "pandas", "matplotlib"}
