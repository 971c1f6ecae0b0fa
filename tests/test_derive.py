"""costcalc.derivations: every derivation's identities hold, and the key ones re-checked by hand.

The re-checks below build each identity in the test itself with sympy, so a derivation that
states the right equation about the wrong expression (or none) still fails.
"""

from __future__ import annotations

import pytest
import sympy as sp

from costcalc import CostcalcError, derive, layers
from costcalc.derivations import TOPICS, Derivation, Step
from costcalc.symbolic import Df, Dk, M, N, alpha, k, rho


@pytest.fixture(scope="module")
def derivations() -> dict[str, Derivation]:
    return {topic: derive(topic) for topic in TOPICS}


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_identity_holds(topic, derivations):
    d = derivations[topic]
    assert d.topic == topic and d.title and d.steps
    checked = [st for st in d.steps if st.equals is not None]
    assert checked, f"{topic}: a derivation should check at least one identity"
    for st in checked:
        assert st.holds is True, f"{topic}: {st.name} ({st.label}): {st.expr} != {st.equals}"
        # and independently of costcalc.symbolic.equal
        assert sp.simplify(sp.sympify(st.expr) - sp.sympify(st.equals)) == 0, st.name


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_derivation_renders(topic, derivations):
    d = derivations[topic]
    data = d.to_dict()
    assert data["topic"] == topic
    assert all(s["identity_holds"] for s in data["steps"] if "identity_holds" in s)
    tex = d.to_latex()
    assert tex.startswith("\\begin{align*}") and tex.rstrip().endswith("\\end{align*}")
    assert d._repr_latex_().startswith("$$")


def _step(d: Derivation, name: str, label: str | None = None) -> Step:
    return next(st for st in d.steps if st.name == name and (label is None or st.label == label))


def test_separable_ratio_is_one_over_n_plus_one_over_dk_squared(derivations):
    ratio = layers.separable(Dk, M, N, Df).macs / layers.standard(Dk, M, N, Df).macs
    assert sp.simplify(ratio - (1 / N + 1 / Dk ** 2)) == 0
    d = derivations["separable"]
    assert sp.simplify(_step(d, "ratio", "simplified").expr - (1 / N + 1 / Dk ** 2)) == 0
    assert sp.simplify(_step(d, "ratio", "simplified").equals - ratio) == 0
    assert sp.simplify(_step(d, "lim N→∞ ratio").expr - 1 / Dk ** 2) == 0


def test_separable_limit_names_the_term_that_survives(derivations):
    # ratio = depthwise/standard + pointwise/standard = 1/N + 1/Dk²; as N→∞ the depthwise share
    # 1/N vanishes and the limit 1/Dk² is the pointwise share: the pointwise term dominates.
    std = layers.standard(Dk, M, N, Df).macs
    dw_share = layers.depthwise(Dk, M, Df).macs / std
    pw_share = layers.pointwise(M, N, Df).macs / std
    assert sp.limit(dw_share, N, sp.oo) == 0
    step = _step(derivations["separable"], "lim N→∞ ratio")
    assert sp.simplify(step.expr - sp.limit(pw_share, N, sp.oo)) == 0
    assert "pointwise dominates" in step.label and "depthwise term dominates" not in step.label


def test_separable_factored_form(derivations):
    sep = layers.separable(Dk, M, N, Df).macs
    assert sp.simplify(sep - M * Df ** 2 * (Dk ** 2 + N)) == 0
    assert sp.simplify(_step(derivations["separable"], "MACs(separable)", "factored").expr
                       - M * Df ** 2 * (Dk ** 2 + N)) == 0


def test_spatial_separable_limit_is_two_over_k(derivations):
    n = sp.Symbol("n", integer=True, positive=True)  # the image side, written N in the brief
    standard = (n - k + 1) ** 2 * k ** 2
    separable = n * (n - k + 1) * k + (n - k + 1) ** 2 * k
    assert sp.simplify(separable - k * (n - k + 1) * (2 * n - k + 1)) == 0
    assert sp.simplify(sp.limit(separable / standard, n, sp.oo) - 2 / k) == 0
    # costcalc's own formulas give the same thing
    ratio = layers.spatial_separable_image(k, n).macs / layers.spatial_standard_image(k, n).macs
    assert sp.simplify(ratio - separable / standard) == 0
    assert sp.simplify(sp.limit(ratio, n, sp.oo) - 2 / k) == 0
    assert [sp.limit(ratio, n, sp.oo).subs(k, kk) for kk in (3, 5, 7)] == [
        sp.Rational(2, 3), sp.Rational(2, 5), sp.Rational(2, 7)]
    d = derivations["spatial"]
    assert sp.simplify(_step(d, "lim N→∞ ratio").expr - 2 / k) == 0


def test_alpha_rho_factored_form(derivations):
    scaled = layers.separable(Dk, alpha * M, alpha * N, rho * Df).macs
    factored = alpha * rho ** 2 * M * Df ** 2 * (Dk ** 2 + alpha * N)
    assert sp.simplify(scaled - factored) == 0
    # Dk²·αM·ρ²Df² + αM·αN·ρ²Df², as the paper writes it
    assert sp.simplify(scaled - (Dk ** 2 * alpha * M * rho ** 2 * Df ** 2
                                 + alpha * M * alpha * N * rho ** 2 * Df ** 2)) == 0
    # for N ≫ Dk² the cost falls as α²ρ²
    ratio = scaled / layers.separable(Dk, M, N, Df).macs
    assert sp.simplify(sp.limit(ratio, N, sp.oo) - alpha ** 2 * rho ** 2) == 0
    step = _step(derivations["alpha-rho"], "MACs(separable, α, ρ)", "factored")
    assert sp.simplify(step.expr - factored) == 0


def test_table3_from_the_alpha_rho_formula():
    scaled = layers.separable(Dk, alpha * M, alpha * N, rho * Df).macs
    # α = 3/4, ρ = 10/14 (Df 14 -> 10): 384*100*(9 + 384) = 15,091,200
    assert scaled.subs({Dk: 3, M: 512, N: 512, Df: 14, alpha: sp.Rational(3, 4),
                        rho: sp.Rational(10, 14)}) == 15_091_200


def test_unknown_topic():
    with pytest.raises(CostcalcError, match="unknown topic"):
        derive("no-such-topic")


def test_a_false_identity_is_refused(monkeypatch):
    def wrong() -> Derivation:
        return Derivation("wrong", "a wrong claim", [Step("wrong", "MACs", Dk ** 2 * M, Dk * M)])

    monkeypatch.setitem(TOPICS, "wrong", wrong)
    with pytest.raises(AssertionError, match="identity fails"):
        derive("wrong")


def test_cli_offers_every_topic():
    from costcalc.cli.analytic import Topic

    assert {t.value for t in Topic} == set(TOPICS)
