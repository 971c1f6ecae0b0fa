"""Is a hand-derived cost formula right? Compare it with the registry's, and say why not.

:func:`check` reads a formula (see :mod:`costcalc.check.parse`), binds the author's symbols to
roles, and compares it with :func:`costcalc.check.kinds.reference` or, for ``A = B = C``, each
side with the next. Every comparison first evaluates both sides exactly (fractions, no floats)
at a handful of valid layer configurations — that gives a concrete counterexample when they
differ — and then asks sympy for a proof (``cancel`` of the difference, ``simplify`` when
floors are involved). When the two differ it looks for the condition under which they agree:
a factor of the difference that can vanish (``Dk = 3``, ``Di = Df``), a setting of the
stride, dilation or padding, or a limit (``N → ∞``).
"""

from __future__ import annotations

import itertools
import math
import random
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import sympy as sp

from .. import symbolic as S
from ..errors import CostcalcError
from ..symbolic import SYM, ROLE_DOC
from . import kinds as K
from .parse import (ROLES, Binding, ExpressionError, Side, normalize_name, parse_chain,
                    parse_let)

_GREEK = {"alpha": "α", "rho": "ρ"}
_ORDER = {n: i for i, n in enumerate(["Dk", "k", "t", "s", "p", "d", "g", "Di", "Df", "N", "M",
                                      "alpha", "rho"])}


# -- printing in the author's symbols --------------------------------------------------------

class _NamedPretty(S.PaperPrinter):
    def __init__(self, names: dict):
        super().__init__()
        self._names = {sym.name: n for sym, n in names.items()}

    def _print_Symbol(self, expr):
        n = self._names.get(expr.name, expr.name)
        return _GREEK.get(n, n)


@lru_cache(maxsize=4096)
def _pretty(e, names: tuple) -> str:
    return _NamedPretty({SYM.get(k, sp.Symbol(k)): v for k, v in names}).doprint(e)


class _NamedPlain(S.PlainPrinter):
    def __init__(self, names: dict):
        super().__init__()
        self._names = {sym.name: n for sym, n in names.items()}

    def _print_Symbol(self, expr):
        return self._names.get(expr.name, expr.name)


@dataclass
class Namer:
    """Prints canonical expressions with the author's spelling of each role (K for Dk, ...)."""

    names: dict = field(default_factory=dict)  # Symbol -> author spelling

    def pretty(self, e) -> str:
        return _pretty(e, tuple(sorted(((s.name, n) for s, n in self.names.items()))))

    def plain(self, e) -> str:
        return _NamedPlain(self.names).doprint(e)

    def name(self, sym) -> str:
        n = self.names.get(sym, sym.name)
        return _GREEK.get(n, n)

    def condition(self, conj: tuple) -> str:
        return " and ".join(f"{self.pretty(lhs)} = {self.pretty(rhs)}" for lhs, rhs in conj)

    def at(self, values: dict) -> str:
        return ", ".join(f"{self.name(s)}={_compact(v)}" for s, v in _sorted(values.items()))


def _sorted(items):
    return sorted(items, key=lambda kv: _order(kv[0]))


def _order(sym) -> tuple:
    return (_ORDER.get(sym.name, 50), sym.name)


def _compact(v) -> str:
    """A setting as the author would write it: 512, 0.75, 5/7."""
    v = Fraction(int(v.numerator), int(v.denominator))
    if v.denominator == 1:
        return str(v.numerator)
    q = v.denominator
    while q % 2 == 0:
        q //= 2
    while q % 5 == 0:
        q //= 5
    return f"{float(v):g}" if q == 1 else f"{v.numerator}/{v.denominator}"


def _num(v) -> str:
    if isinstance(v, (Fraction, sp.Rational)):
        v = Fraction(int(v.numerator), int(v.denominator))
        if v.denominator == 1:
            return f"{v.numerator:,}" if abs(v.numerator) >= 10_000 else str(v.numerator)
        return f"{v.numerator}/{v.denominator} ≈ {float(v):.4g}"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


# -- exact evaluation at a configuration -----------------------------------------------------

def evaluate(e: sp.Expr, env: dict) -> Fraction | float:
    """e at the values in env: exact Fractions for rational arithmetic, a float only for an
    irrational power. Walks the sympy tree; nothing is compiled or executed."""
    if e.is_Symbol:
        return env[e]
    if e.is_Rational:
        return Fraction(int(e.p), int(e.q))
    if e.is_Add:
        return sum((evaluate(a, env) for a in e.args), Fraction(0))
    if e.is_Mul:
        out = Fraction(1)
        for a in e.args:
            out = out * evaluate(a, env)
        return out
    if e.is_Pow:
        b, x = evaluate(e.base, env), e.exp
        if x.is_Integer:
            return b ** int(x)
        if b < 0:
            raise ValueError("a root of a negative number")
        return float(b) ** float(x)
    if isinstance(e, sp.floor):
        return Fraction(math.floor(evaluate(e.args[0], env)))
    if isinstance(e, sp.ceiling):
        return Fraction(math.ceil(evaluate(e.args[0], env)))
    if isinstance(e, sp.Min):
        return min(evaluate(a, env) for a in e.args)
    if isinstance(e, sp.Max):
        return max(evaluate(a, env) for a in e.args)
    if e.is_number:
        return float(e.evalf(30))
    raise CostcalcError(f"cannot evaluate {e}")


def _same_value(x, y, tol=None) -> bool:
    if tol is not None:
        return abs(float(x) - float(y)) <= tol * (1 + 1e-9)
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        return x == y
    return math.isclose(float(x), float(y), rel_tol=1e-12, abs_tol=1e-12)


def _configs(n_random: int = 16) -> list[dict]:
    """Valid layer settings with distinct values, so swapped roles show (Di ≠ Df, M ≠ N)."""
    R = sp.Rational
    nice = [  # first: a MobileNet-like stride-2 layer; Df = floor((28 + 2 - 2 - 1)/2) + 1 = 14
        dict(Dk=3, M=32, N=64, Df=14, Di=28, s=2, p=1, d=1, g=4, t=6, alpha=R(3, 4), rho=R(1, 2)),
        dict(Dk=5, M=24, N=40, Df=9, Di=9, s=1, p=2, d=1, g=8, t=4, alpha=R(1, 2), rho=R(5, 7)),
        dict(Dk=7, M=16, N=48, Df=6, Di=23, s=2, p=0, d=2, g=16, t=3, alpha=R(1, 4), rho=R(3, 5)),
    ]
    rng = random.Random(20170417)  # fixed: the same counterexamples every run
    for _ in range(n_random):
        dk = rng.randint(1, 9)
        g = rng.choice([1, 2, 3, 4])
        nice.append(dict(Dk=dk, M=g * rng.randint(1, 40), N=g * rng.randint(1, 40),
                         Df=rng.randint(1, 60), Di=rng.randint(dk, 90), s=rng.randint(1, 3),
                         p=rng.randint(0, 3), d=rng.randint(1, 3), g=g, t=rng.randint(1, 6),
                         alpha=R(rng.randint(1, 8), 8), rho=R(rng.randint(1, 7), 7)))
    return [{SYM[k]: Fraction(int(sp.Rational(v).p), int(sp.Rational(v).q)) for k, v in c.items()}
            for c in nice]


CONFIGS = _configs()
_MORE: list = []


def _more_configs() -> list:
    """200 more settings, for the rare difference that vanishes at all of CONFIGS."""
    if not _MORE:
        _MORE.extend(_configs(200)[3:])
    return _MORE
_PRIMES = [11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71]


def _env(cfg_index: int, symbols, configs: list | None = None) -> dict:
    """Values for the symbols: a role's from the configuration, a free symbol's a prime."""
    cfg = (CONFIGS if configs is None else configs)[cfg_index]
    env, extra = {}, 0
    for sym in sorted(symbols, key=_order):
        if sym in cfg:
            env[sym] = cfg[sym]
        else:
            env[sym] = Fraction(_PRIMES[(cfg_index + extra) % len(_PRIMES)] + cfg_index)
            extra += 1
    return env


# -- one comparison --------------------------------------------------------------------------

@dataclass
class Link:
    """a (left) compared with b (right)."""

    left: str
    right: str
    a: sp.Expr
    b: sp.Expr
    relation: str = "="
    verdict: str = "equal"  # equal | not_equal
    how: str = ""  # sympy | numeric | asymptotic | rounded | evaluation
    difference: sp.Expr | None = None
    counterexample: dict | None = None  # {"at": {Symbol: v}, "left": v, "right": v}
    conditions: list = field(default_factory=list)  # [((Symbol, Expr), ...), ...]: any one
    asymptotic: list = field(default_factory=list)  # [Symbol]: a/b → 1 as it grows
    factor: sp.Expr | None = None  # a/b when that is a constant
    evaluation: dict | None = None  # {Symbol: v} that gives the numbers on the other side

    @property
    def equal(self) -> bool:
        return self.verdict == "equal"


def _special(e) -> bool:
    return e.has(sp.floor, sp.ceiling, sp.Min, sp.Max)


def essential(e) -> set:
    """The symbols e really depends on: Df and M cancel out of separable / standard."""
    return e.free_symbols if _special(e) else sp.cancel(sp.together(e)).free_symbols


def _screen(a, b, tol=None, configs: list | None = None) -> dict | None:
    """The first configuration where a and b differ, or None."""
    syms = a.free_symbols | b.free_symbols
    configs = CONFIGS if configs is None else configs
    for i in range(len(configs)):
        env = _env(i, syms, configs)
        try:
            va, vb = evaluate(a, env), evaluate(b, env)
        except (ZeroDivisionError, OverflowError, ValueError):
            continue
        if not _same_value(va, vb, tol):
            return {"at": env, "left": va, "right": vb}
    return None


def _proved_zero(d) -> bool | None:
    """True when sympy proves d == 0, False when it proves d != 0, None when it cannot tell."""
    if not _special(d):
        return sp.cancel(sp.together(d)) == 0
    z = sp.simplify(d)
    return True if z == 0 else None


def _difference(a, b) -> sp.Expr:
    d = a - b
    if _special(d):
        return sp.simplify(d)
    return sp.factor(sp.cancel(sp.together(d)))


def _admissible(sym, sol) -> bool:
    if sol.has(sym) or sol.has(sp.I) or sol.is_negative or (sol.is_zero and sym.name != "p"):
        return False
    if sol.is_number:
        if sym.is_integer:
            return bool(sol.is_integer) and (sol >= 0 if sym.name == "p" else sol >= 1)
        return bool(sol > 0)
    return True


def conditions(a, b) -> list[tuple]:
    """Alternative conditions under which a == b: each a tuple of (symbol, value) pairs."""
    if _special(a - b):
        return _conditions_by_setting(a, b)
    num, _ = sp.fraction(sp.cancel(sp.together(a - b)))
    if not num.free_symbols:
        return []
    out = []
    _, factors = sp.factor_list(num)
    for f, _mult in factors:
        if not f.free_symbols or len(sp.Add.make_args(f)) > 8 or f.is_positive or f.is_negative:
            continue  # Dk² + N never vanishes; a long factor gives no simple condition
        best = None
        for sym in sorted(f.free_symbols, key=_order):
            try:
                deg = sp.degree(f, sym)
            except sp.PolynomialError:
                continue
            if not 1 <= deg <= 2:
                continue
            for sol in sp.solve(f, sym):
                if _admissible(sym, sol) and sp.count_ops(sol) <= 2:
                    key = (sp.count_ops(sol), _order(sym))
                    if best is None or key < best[0]:
                        best = (key, sym, sol)
        if best is not None and ((best[1], best[2]),) not in out:
            out.append(((best[1], best[2]),))
    return out


_SETTINGS = [("s", 1), ("d", 1), ("p", 0), ("g", 1), ("t", 1)]


def _conditions_by_setting(a, b) -> list[tuple]:
    """For floors and min/max: the smallest sets of s = 1, d = 1, p = 0, ... that make a == b
    at every test configuration."""
    syms = a.free_symbols | b.free_symbols
    cands = [(SYM[n], sp.Integer(v)) for n, v in _SETTINGS if SYM[n] in syms]
    found: list[tuple] = []
    for size in (1, 2, 3):
        for combo in itertools.combinations(cands, size):
            if any(set(f) <= set(combo) for f in found):
                continue
            sub = dict(combo)
            if _screen(a.xreplace(sub), b.xreplace(sub)) is None:
                found.append(combo)
        if found:
            break
    return found


def ratio_like(e) -> bool:
    """A dimensionless expression (degree ≤ 0: 1/N + 1/Dk², 2/k), where a limit is the usual
    approximation; for a cost (degree 6) 'for large N' would only be noise."""
    if _special(e):
        return False
    num, den = sp.fraction(sp.cancel(sp.together(e)))
    gens = sorted(e.free_symbols, key=_order)
    if not gens:
        return True
    try:
        return sp.Poly(num, *gens).total_degree() <= sp.Poly(den, *gens).total_degree()
    except sp.PolynomialError:
        return False


def asymptotic(a, b) -> list:
    """Symbols x for which a/b → 1 as x → ∞ (the approximation holds for large x)."""
    if _special(a - b) or b == 0:
        return []
    q = sp.cancel(a / b)
    if q.is_number:
        return []
    out = []
    for sym in sorted(q.free_symbols, key=_order):
        try:
            if sp.limit(q, sym, sp.oo) == 1:
                out.append(sym)
        except (NotImplementedError, ValueError, TypeError):
            continue
    return out


def _literal_values(literals: list) -> list[Fraction]:
    vals: list[Fraction] = []
    for v in literals:
        v = Fraction(int(v.p), int(v.q))
        cands = [v]
        if v.denominator == 1 and v > 1:
            r2, r3 = math.isqrt(int(v)), round(int(v) ** (1 / 3))
            cands += [Fraction(r) for r in (r2, r3) if r > 1 and (r * r == v or r ** 3 == v)]
        for c in cands:
            if c > 0 and c not in vals:
                vals.append(c)
    return vals[:10]


def evaluation(expr, target, literals: list, tol=None) -> dict | None:
    """Values, taken from the numbers the author wrote on the numeric side, at which expr
    equals that side: 1/N + 1/Dk² = 1/512 + 1/9 holds at N = 512, Dk = 3."""
    syms = sorted(expr.free_symbols, key=_order)
    vals = _literal_values(literals)
    if not syms or len(syms) > 4 or not vals:
        return None
    try:
        goal = evaluate(target, {})
    except (ZeroDivisionError, OverflowError, ValueError):
        return None
    for combo in itertools.product(vals, repeat=len(syms)):
        env = dict(zip(syms, combo))
        try:
            if _same_value(evaluate(expr, env), goal, tol):
                return env
        except (ZeroDivisionError, OverflowError, ValueError):
            continue
    return None


def compare(a: sp.Expr, b: sp.Expr, relation: str = "=", left: str = "yours",
            right: str = "reference", tol: float | None = None,
            literals: tuple = ((), ())) -> Link:
    """Compare two expressions; '≈' also accepts a limit (a/b → 1) or a rounding (tol)."""
    link = Link(left, right, a, b, relation)
    a_num, b_num = not a.free_symbols, not b.free_symbols
    if a_num != b_num:  # a formula on one side, the numbers it evaluates to on the other
        expr, target, lits = (a, b, literals[1]) if b_num else (b, a, literals[0])
        env = evaluation(expr, target, list(lits), tol)
        if env is not None:
            link.how, link.evaluation = "evaluation", env
            return link
    cex = _screen(a, b, tol)
    if cex is None:
        if a_num and b_num:
            link.how = "rounded" if tol is not None else "exact"
            return link
        proved = _proved_zero(a - b)
        if proved:
            link.how = "sympy"
            return link
        if proved is None:
            link.how = "numeric"  # equal at every test configuration; sympy could not prove it
            return link
        cex = _screen(a, b, configs=_more_configs()) or {"at": {}, "left": None, "right": None}
    link.verdict = "not_equal"
    keep = essential(a) | essential(b)
    cex["at"] = {k: v for k, v in cex["at"].items() if k in keep}
    link.counterexample = cex
    if a_num and b_num:
        if b != 0 and a != 0:
            link.factor = a / b
        return link
    link.difference = _difference(a, b)
    if b != 0 and not _special(a - b):
        q = sp.cancel(a / b)
        if q.is_number:
            link.factor = q
    if link.factor is None:
        link.conditions = conditions(a, b)
        if ratio_like(a) and ratio_like(b):
            link.asymptotic = asymptotic(a, b)
    if relation == "≈" and link.asymptotic:
        link.verdict, link.how = "equal", "asymptotic"
    return link


def rebinding(expr: sp.Expr, reference: sp.Expr, free: list = ()) -> dict | None:
    """Another assignment of roles to the author's symbols that makes expr equal the reference
    (input and output sides swapped, kernel and side mixed up): {old symbol: new role}."""
    used = sorted((expr.free_symbols - set(free)) & set(SYM.values()), key=_order)
    pool = sorted(set(used) | (essential(reference) & set(SYM.values())), key=_order)
    movable = [s for s in used if s.name not in ("alpha", "rho")]
    if len(movable) > 6 or len(pool) > 8:
        return None
    for perm in itertools.permutations([p for p in pool if p.name not in ("alpha", "rho")],
                                       len(movable)):
        sub = dict(zip(movable, perm))
        if all(k == v for k, v in sub.items()):
            continue
        cand = expr.xreplace(sub)
        if _screen(cand, reference) is None and _proved_zero(cand - reference) is not False:
            return {k: v for k, v in sub.items() if k != v}
    return None


# -- the check command -----------------------------------------------------------------------

@dataclass
class CheckResult:
    text: str
    kind: K.RefKind | None
    verdict: str  # equal | not_equal
    links: list
    namer: Namer
    sides: list  # [Side]
    readings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    reference: sp.Expr | None = None
    value: dict | None = None  # --at: {"at": {Symbol: v}, "yours": v, "reference": v}

    @property
    def reference_display(self) -> sp.Expr | None:
        """The reference shaped like the author's formula (1/N + 1/Dk², not the raw quotient)."""
        if self.reference is None:
            return None
        return display_form(self.reference, self.sides[0].expr)

    def to_dict(self) -> dict:
        nm = self.namer
        out = {"verdict": self.verdict, "expression": self.text,
               "kind": self.kind.name if self.kind else None,
               "bindings": {n: sym.name for sym, n in self.namer.names.items()
                            if sym.name in SYM},
               "yours": [nm.plain(s.expr) for s in self.sides]}
        if self.reference is not None:
            out["reference"] = nm.plain(self.reference_display)
            out["reference_pretty"] = nm.pretty(self.reference_display)
        out["links"] = [link_dict(l, nm) for l in self.links]
        first_bad = next((l for l in self.links if not l.equal), None)
        if first_bad is not None:
            out["difference"] = link_dict(first_bad, nm)["difference"]
            out["counterexample"] = link_dict(first_bad, nm)["counterexample"]
            out["conditions"] = link_dict(first_bad, nm)["conditions"]
            out["asymptotic"] = link_dict(first_bad, nm)["asymptotic"]
        out["readings"] = self.readings
        out["notes"] = self.notes
        if self.value is not None:
            out["value"] = {"at": {nm.name(s): _jsonable(v)
                                   for s, v in _sorted(self.value["at"].items())},
                            **{k: _jsonable(v) for k, v in self.value.items() if k != "at"}}
        return out


def _jsonable(v):
    if isinstance(v, Fraction):
        return v.numerator if v.denominator == 1 else float(v)
    if isinstance(v, sp.Basic):
        if v.is_Integer:
            return int(v)
        if v.is_number:
            return float(v)
        return S.plain(v)
    return v


def link_dict(l: Link, nm: Namer) -> dict:
    cex = None
    if l.counterexample and l.counterexample.get("at") is not None:
        cex = {"at": {nm.name(s): _jsonable(v) for s, v in _sorted(l.counterexample["at"].items())},
               "left": _jsonable(l.counterexample["left"]),
               "right": _jsonable(l.counterexample["right"])}
    return {"left": l.left, "right": l.right, "relation": l.relation,
            "verdict": l.verdict, "how": l.how,
            "difference": nm.plain(l.difference) if l.difference is not None else None,
            "counterexample": cex,
            "conditions": [nm.condition(c) for c in l.conditions],
            "asymptotic": [f"{nm.name(s)} → ∞" for s in l.asymptotic],
            "factor": _jsonable(l.factor) if l.factor is not None else None,
            "evaluation": ({nm.name(s): _jsonable(v) for s, v in _sorted(l.evaluation.items())}
                           if l.evaluation else None)}


def display_form(e: sp.Expr, like: sp.Expr | None = None) -> sp.Expr:
    """The reference shaped like the author's formula: a sum if theirs is a sum, else factored."""
    if _special(e):
        return e
    c = sp.cancel(sp.together(e))
    if like is not None and like.is_Add:
        return e if e.is_Add else sp.expand(c)  # the registry's own sum of layer costs
    return sp.factor(c)


def parse_at(at: str | None, binding: Binding) -> dict:
    """'N=512,Dk=3' -> {N: 512, Dk: 3}; keys are roles or the author's names."""
    out: dict = {}
    if not at:
        return out
    for part in at.split(","):
        if not part.strip():
            continue
        if part.count("=") != 1:
            raise ExpressionError(f"--at expects ROLE=VALUE, got '{part.strip()}'")
        key, raw = (x.strip() for x in part.split("="))
        name = normalize_name(key)
        role = binding.role(name) or (name if name in ROLES else None)
        if role is None:
            raise ExpressionError(f"--at: unknown symbol '{key}'")
        if not re.fullmatch(r"[-+]?\d{1,30}(\.\d{1,30})?(/[1-9]\d{0,29})?", raw):
            raise ExpressionError(f"--at: '{raw[:30]}' is not a number (write 512, 0.75 or 3/4)")
        num = Fraction(raw)
        if num < 0 and role == "p":
            raise ExpressionError(f"--at: {key} must be 0 or more, got {raw}")
        if num <= 0 and role != "p":
            raise ExpressionError(f"--at: {key} must be positive, got {raw}")
        out[SYM[role]] = num
    return out


def unused_let(let: dict, used, where: str) -> list[str]:
    """A note for each --let binding of a symbol that does not occur (a typo, or the wrong
    article): the binding did nothing, and saying so beats silence."""
    idle = [n for n in let if n not in used]
    if not idle:
        return []
    return [f"--let {', '.join(f'{n}={let[n]}' for n in idle)}: {where} "
            f"{' or '.join(repr(n) for n in idle)}, so {'it binds' if len(idle) == 1 else 'they bind'} nothing"]


def check(text: str, kind: str | None = None, let: list[str] | None = None,
          at: str | None = None) -> CheckResult:
    """Check a formula against a kind (--as) or, for 'A = B = C', each side against the next."""
    ref_kind = K.kind(kind) if kind else None
    binding = Binding(parse_let(let), ref_kind.family if ref_kind else None)
    chain = parse_chain(text, binding)
    sides: list[Side] = chain.sides
    names: dict = {}
    readings: list[str] = []
    for s in sides:
        for sym, n in s.names.items():
            names.setdefault(sym, n)
        readings += [r for r in s.readings if r not in readings]
    namer = Namer(names)
    notes: list[str] = unused_let(binding.let, binding.used, "the formula has no symbol")
    if ref_kind is None and len(sides) == 1:
        raise CostcalcError("nothing to compare: give --as KIND, or write an equation 'A = B'")
    links: list[Link] = []
    reference = None
    if ref_kind is not None:
        used = set().union(*(s.expr.free_symbols for s in sides))
        alpha, rho = SYM["alpha"] in used, SYM["rho"] in used
        reference = K.reference(ref_kind, alpha, rho)
        if (alpha or rho) and ref_kind.scalable:
            notes.append("compared with the α/ρ-scaled form: " + ", ".join(
                x for x, on in (("M→αM, N→αN", alpha), ("Df→ρDf, Di→ρDi", rho)) if on))
        elif (alpha or rho):
            notes.append(f"α and ρ do not apply to {ref_kind.name}")
        used = set().union(*(essential(s.expr) for s in sides))
        missing = [s for s in sorted(essential(reference) - used, key=_order)]
        if missing:
            notes.append("your formula has no symbol for " + ", ".join(
                f"{s.name} ({ROLE_DOC.get(s.name, s.name)})" for s in missing))
        extra = [s for s in sorted(used - essential(reference), key=_order)]
        if extra:
            notes.append("the reference does not depend on " + ", ".join(
                f"{namer.name(s)} ({ROLE_DOC.get(s.name, s.name)})" for s in extra))
        for s in sides:
            links.append(compare(s.expr, reference, "=", s.text, "reference",
                                 literals=(s.literals, ())))
        bad = [s for s, l in zip(sides, links) if not l.equal]
        if bad:
            hint = rebinding(bad[0].expr, reference)
            if hint:
                notes.append("it would be equal with " + " and ".join(
                    f"{namer.name(old)} read as {new.name} ({ROLE_DOC.get(new.name, new.name)})"
                    for old, new in hint.items()))
    else:
        for k, rel in enumerate(chain.relations):
            x, y = sides[k], sides[k + 1]
            links.append(compare(x.expr, y.expr, rel, x.text, y.text, tol=tolerance(x, y, rel),
                                 literals=(x.literals, y.literals)))
    for l in links:
        if l.how == "numeric":
            notes.append(f"sympy could not simplify {l.left} − {l.right} to 0; they agree at all "
                         f"{len(CONFIGS)} test configurations")
        if l.factor is not None and l.a.free_symbols:
            f = l.factor
            notes.append(f"{l.left} is {namer.pretty(f)} × {l.right}"
                         + (" (FLOPs = 2·MACs? the reference counts MACs)" if f == 2 else ""))
    verdict = "equal" if all(l.equal for l in links) else "not_equal"
    result = CheckResult(text, ref_kind, verdict, links, namer, sides, readings, notes, reference)
    values = parse_at(at, binding)
    if values:
        result.value = _value_at(result, values)
    return result


def tolerance(x: Side, y: Side, relation: str, hedge: float = 0.01) -> float | None:
    """Rounding a numeric side allows: half a unit in the last place of a decimal the author
    wrote (0.113 → ±0.0005); with '≈', the hedge (1% of the value; the audit's 5%) otherwise."""
    tols = []
    for s in (x, y):
        if s.expr is not None and not s.expr.free_symbols and s.decimals is not None:
            tols.append(0.5 * 10 ** -s.decimals)
    if tols:
        return max(tols)
    if relation == "≈":
        for s in (x, y):
            if s.expr is not None and not s.expr.free_symbols:
                return hedge * abs(float(s.expr))
    return None


def _value_at(r: CheckResult, values: dict) -> dict:
    out: dict = {"at": values}
    exprs = {"yours": r.sides[0].expr}
    if r.reference is not None:
        exprs["reference"] = r.reference
    for key, e in exprs.items():
        sub = e.xreplace({s: sp.Rational(v.numerator, v.denominator) for s, v in values.items()})
        out[key] = sub if sub.free_symbols else evaluate(sub, {})
    missing = sorted(set().union(*(essential(e) for e in exprs.values())) - set(values),
                     key=_order)
    if missing:
        out["missing"] = [r.namer.name(s) for s in missing]
    return out
