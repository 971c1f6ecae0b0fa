"""A whole network's cost as a closed form: MACs(α, ρ) and params(α), derived by sympy.

The architecture is resolved once more, with α a sympy symbol and nothing rounded (resolve.py's
``"exact"`` width rule: every α-scaled channel count is c·α, every derived one — an expansion
t·c, a squeeze-and-excite c/4 — exact too), at its default resolution R. Each layer's count is
a channel term (an expression in α) times a spatial term (Ho·Wo, ...), the factorization
:mod:`costcalc.sweep` relies on. The spatial terms become functions of ρ: each layer's output
side is an affine function of its input side, ``a·side + b``, read off the layer's own registry
formula (:mod:`costcalc.layers`) at two input sides its stride divides (so no floor applies),
and composed from the input side ρ·R. Summed and expanded, the counts are polynomials in α and
ρ (and max(1, α), where a layer grows with α > 1 only), grouped by monomial with exact
coefficients: the papers' "cost scales with α² and ρ²", made precise.

Rounding is ignored, so the formula is the exact count only where nothing rounds:
1. every α-scaled channel count c·α is one the width rule keeps (floor / round: a whole number;
   divisible8: a multiple of 8), at least ``min_channels``, and every derived count is whole
   (and, for a divisible8 squeeze, a multiple of 8);
2. every strided layer's input side is divisible by its stride (the sides then follow the
   affine model exactly);
3. the layer set is the same (a block drops its expansion conv where the rounded expansion
   equals its input width).
:func:`departures` lists, at any α and resolution, every place where one of these fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import gcd

import sympy as sp

from . import layers
from .archs import get, resolve_model, resolver
from .errors import CostcalcError
from .resolve import PARAM_CONVENTIONS, Resolved
from .symbolic import alpha as ALPHA, rho as RHO

_FIELDS = ("macs", "params", "bias", "bn_affine", "bn_stats")
_L = 720_720  # lcm(1..16): an input side every stride up to 16 divides


@dataclass(frozen=True)
class Term:
    monomial: sp.Expr  # alpha**2*rho**2, alpha, 1, ...
    coefficient: sp.Rational
    share: float  # of the total at α = ρ = 1


@dataclass(frozen=True)
class Formula:
    name: str
    title: str
    default_resolution: int
    width_rule: str
    macs: sp.Expr
    params: dict  # convention -> expression (resolve.PARAM_CONVENTIONS)
    resolved: Resolved  # the symbolic resolve (channels in α, sides at the default resolution)
    sides: dict  # layer id -> ((A, B), (A, B)): output H and W = A·R + B of the input side R
    per_layer: dict  # "macs" / "params" (weights) -> ((layer id, expression), ...)

    def terms(self, expr: sp.Expr | None = None) -> list[Term]:
        """The expression's monomials, largest share first, with exact coefficients."""
        return monomials(self.macs if expr is None else expr)

    def sources(self, field: str = "macs") -> dict:
        """monomial -> {layer type (the paper's Table 2 tag, else the kind): coefficient}:
        which layers each monomial's coefficient comes from."""
        tag = {l.id: l.tag or l.kind for l in self.resolved.layers}
        out: dict = {}
        for lid, e in self.per_layer[field]:
            for t in monomials(e):
                d = out.setdefault(t.monomial, {})
                d[tag[lid]] = d.get(tag[lid], 0) + t.coefficient
        return out

    def value(self, expr: sp.Expr, alpha, resolution: int) -> sp.Rational:
        """The formula at α and an input side (ρ = side / default side), exactly: the
        polynomial's rational coefficients at rational α and ρ, so a Rational, never rounded."""
        v = sp.sympify(expr).subs({ALPHA: _rational(alpha),
                                   RHO: sp.Rational(int(resolution), self.default_resolution)})
        if not v.is_Rational:  # every monomial is α^i·ρ^j·max(1, α)^k with a rational coefficient
            raise AssertionError(f"formula value {v} is not a rational number")
        return v


def _rational(x) -> sp.Rational:
    """α as an exact Rational: a float is the decimal it prints as (0.3 → 3/10, the number the
    user typed), a string or Fraction is taken as written."""
    if isinstance(x, sp.Rational):
        return x
    if isinstance(x, (int, Fraction)):
        x = Fraction(x)
    elif isinstance(x, str):
        x = Fraction(x)
    else:
        x = Fraction(repr(float(x)))
    return sp.Rational(x.numerator, x.denominator)


def monomials(expr: sp.Expr) -> list[Term]:
    expr = sp.expand(expr)
    gens = [ALPHA, RHO] + sorted(expr.atoms(sp.Max), key=sp.default_sort_key)
    poly = sp.Poly(expr, *gens)
    total = sum(c for _, c in poly.terms())
    out = []
    for powers, coeff in poly.terms():
        mono = sp.Mul(*(g**p for g, p in zip(gens, powers)))
        out.append(Term(mono, sp.Rational(coeff), float(coeff / total) if total else 0.0))
    return sorted(out, key=lambda t: -abs(t.share))


def formula(name: str, growth_rate: int | None = None) -> Formula:
    """MACs(α, ρ) and params(α) of an architecture (a registered name or a spec file)."""
    from .archs import ARCHS

    if name in ARCHS:  # a file may change between calls; a built-in does not
        return _builtin_formula(name, growth_rate)
    return _formula(name, growth_rate)


@lru_cache(maxsize=64)
def _builtin_formula(name: str, growth_rate: int | None) -> Formula:
    return _formula(name, growth_rate)


def _formula(name: str, growth_rate: int | None) -> Formula:
    from .sweep import _MASK, _counts, _sides, _spatial

    arch = get(name)
    R = arch.default_resolution
    opts = {} if growth_rate is None else {"growth_rate": int(growth_rate)}
    resolve_model(name, growth_rate=growth_rate)  # bad options fail here, as for `model`
    r = resolver(arch, ALPHA, R, width_rule="exact")
    try:
        arch.build(r, **opts)
    except (TypeError, ValueError) as e:  # a Python build that rounds outside the Resolver
        raise CostcalcError(f"--formula: {name}'s build cannot run with a symbolic α ({e})") from None
    m = Resolved(name, 1.0, R, tuple(r.layers), opts, tuple(r.roundings))
    counted = _counts(m)
    if counted is None:
        kinds = sorted({l.kind for l in m.layers if l.cost.macs or l.cost.params})
        raise CostcalcError(f"--formula: {name} has a layer whose count is not a channel term "
                            f"times a spatial term (kinds: {', '.join(kinds)})")
    ids, kinds, vals = counted
    _, s0 = _sides(m)
    sides = model_sides(m)
    S = _spatial(m, _sympy_sides(sides, R))
    totals = {f: sp.Integer(0) for f in _FIELDS}
    per_layer = {"macs": [], "params": []}
    for lid, kind, v, s_at_R, s_model in zip(ids, kinds, vals, s0, S):
        for f, spatial in zip(_FIELDS, _MASK[kind]):
            # sympify first: an α-free count is a Python int, and int / int is a float
            e = sp.sympify(v[_FIELDS.index(f)])
            e = e / s_at_R * s_model if spatial else e
            totals[f] += e
            if f in per_layer and e != 0:
                per_layer[f].append((lid, sp.expand(e)))
    totals = {f: sp.expand(e) for f, e in totals.items()}
    params = {conv: sp.expand(sum((totals[f] for f in fs), sp.Integer(0)))
              for conv, (fs, _) in PARAM_CONVENTIONS.items()}
    return Formula(name, arch.title, R, arch.width_rule, totals["macs"], params, m, sides,
                   {f: tuple(v) for f, v in per_layer.items()})


def model_sides(m: Resolved) -> dict:
    """Each layer's output side per axis as ``A·R + B`` (Fractions) of the input side R, or
    None past a flatten: the affine model, exact wherever every stride divides its input."""
    one = ((Fraction(1), Fraction(0)),) * 2
    hw: dict = {"input": one}
    for l in m.layers:
        if len(l.out_shape) != 3:
            hw[l.id] = None
            continue
        src = hw.get(l.inputs[0])
        if src is None or "h" not in l.args:
            raise CostcalcError(f"--formula: cannot follow the side of {l.id} ({l.kind})")
        hw[l.id] = tuple((a * A, a * B + b) for (a, b), (A, B) in zip(_affine(l), src))
    return hw


def _affine(l) -> tuple:
    """(a, b) per axis with out = a·in + b, from the layer's formula at in = L and 2L."""
    outs = [layers.cost(l.kind, **{**l.args, "h": n, "w": n}).out_shape[1:] for n in (_L, 2 * _L)]
    res = []
    for axis in (0, 1):
        o1, o2 = int(outs[0][axis]), int(outs[1][axis])
        a = Fraction(o2 - o1, _L)
        res.append((a, o1 - a * _L))
    return tuple(res)


def _at(side, R: int) -> Fraction:
    A, B = side
    return A * R + B


def _sympy_sides(sides: dict, R: int) -> dict:
    """The model sides as expressions in ρ (input side ρ·R)."""
    q = lambda x: sp.Rational(x.numerator, x.denominator)  # noqa: E731
    return {k: None if v is None else tuple(q(A) * R * RHO + q(B) for A, B in v)
            for k, v in sides.items()}


# -- where rounding departs ----------------------------------------------------------------------

@dataclass(frozen=True)
class Departure:
    where: str  # a block or layer id
    what: str  # "channels", "side", "layers"
    formula: str  # the formula's value
    exact: str  # the resolve's value
    why: str


def departures(f: Formula, alpha: float, resolution: int, growth_rate: int | None = None) -> list[Departure]:
    """Every place where the exact resolve at (α, resolution) leaves the formula's model."""
    m = resolve_model(f.name, alpha, resolution, growth_rate=growth_rate)
    out = []
    for rd in m.roundings:
        out.append(Departure(rd.where or "?", "channels", _num(rd.exact), str(rd.value),
                             _rule_text(rd.rule)))
    sym_ids = [l.id for l in f.resolved.layers]
    ids = [l.id for l in m.layers]
    if ids != sym_ids:
        gone = [i for i in sym_ids if i not in set(ids)]
        new = [i for i in ids if i not in set(sym_ids)]
        desc = "; ".join(x for x in (f"no {', '.join(gone[:4])}" if gone else "",
                                      f"extra {', '.join(new[:4])}" if new else "") if x)
        out.append(Departure((gone or new)[0], "layers", f"{len(sym_ids)} layers", f"{len(ids)} layers",
                             f"the layer set moves with the rounding ({desc})"))
        return out
    exact = {"input": (resolution, resolution)}
    for l in m.layers:
        exact[l.id] = tuple(l.out_shape[1:]) if len(l.out_shape) == 3 else None
        mine, got = f.sides[l.id], exact[l.id]
        if mine is None or got is None:
            continue
        mine = tuple(_at(x, resolution) for x in mine)
        if mine == got:
            continue
        src = f.sides[l.inputs[0]]
        if src is not None and tuple(_at(x, resolution) for x in src) == exact[l.inputs[0]]:
            # the first layer where the sides leave the model, not every one after it
            stride = l.describe().get("stride") or 1
            out.append(Departure(l.id, "side", "×".join(_num(x) for x in mine),
                                 "×".join(str(x) for x in got),
                                 f"input side {'×'.join(map(str, exact[l.inputs[0]]))} not divisible "
                                 f"by the stride {stride}" if stride != 1 else "the side rounds"))
    return out


def _num(x) -> str:
    if isinstance(x, Fraction):
        return str(x.numerator) if x.denominator == 1 else f"{float(x):g}"
    if isinstance(x, (int, float)):
        return f"{x:g}"
    x = sp.sympify(x)
    return str(x) if x.is_Integer else f"{float(x):g}"


def _rule_text(rule: str) -> str:
    return {"floor": "floor", "round": "round to nearest",
            "divisible8": "make_divisible: a multiple of 8",
            "floor_divisible8": "make_divisible of the floor: a multiple of 8",
            "int": "floor, at least 8", "table": "the reference code's own width"}.get(rule, rule)


# -- where the formula is exact, in words -------------------------------------------------------

def alpha_lattice(f: Formula) -> tuple[Fraction | None, Fraction | None]:
    """(step, minimum): every channel count the resolve rounds — k·α + c, with c a fixed part
    (a growth rate, a fixed width) — is kept by its rule at α = multiples of ``step`` at or
    above ``minimum`` (min_channels). (None, None) when no such lattice exists (a fixed part the
    rule would round, a count not linear in α). max(1, α) counts are taken at α > 1, where they
    grow; below they are fixed."""
    arch = get(f.name)
    steps = []
    lo = Fraction(0)
    for rd in f.resolved.roundings:
        e = sp.expand(sp.sympify(rd.exact).subs(sp.Max(1, ALPHA), ALPHA))
        if not e.has(ALPHA):
            continue
        p = sp.Poly(e, ALPHA)
        if p.degree() != 1 or not all(c.is_Rational for c in p.all_coeffs()):
            return None, None
        k, c = (Fraction(int(x.p), int(x.q)) for x in p.all_coeffs())
        width = rd.rule.startswith("width")  # an α-scaled count (else a derived one)
        rule = arch.width_rule if rd.rule == "width" else rd.rule.split("/")[-1]
        unit = int(rule.split("divisible")[1]) if "divisible" in rule else 1
        if c % unit:
            return None, None  # k·α + c on the rule's grid is a shifted lattice, not this one
        steps.append(Fraction(unit) / k)
        if width and arch.min_channels:
            lo = max(lo, (arch.min_channels - c) / k)
    if not steps:
        return None, None
    num, den = 1, 0
    for s in steps:
        num = num * s.numerator // gcd(num, s.numerator)
        den = gcd(den, s.denominator)
    return Fraction(num, den), lo


def table_alphas(f: Formula) -> list[float]:
    """The α at which a width table (``c_at``) overrides c·α: the formula departs there."""
    return sorted({a for rd in f.resolved.roundings for a in rd.at})


def rounding_free_sides(f: Formula, limit: int | None = None) -> list[int]:
    """Input sides from the smallest the network takes up to ``limit`` (default twice its
    default side) at which no side rounds: every model side is a whole number there (a layer's
    model side is whole exactly when its stride divides its input side)."""
    from .archs import min_side

    limit = limit or 2 * f.default_resolution
    sides = [s for v in f.sides.values() if v is not None for s in v]
    return [R for R in range(min_side(get(f.name)), limit + 1)
            if all(_at(s, R).denominator == 1 and _at(s, R) >= 1 for s in sides)]


__all__ = ["Departure", "Formula", "Term", "alpha_lattice", "departures", "formula", "monomials",
           "rounding_free_sides", "table_alphas"]
