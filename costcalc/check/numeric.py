"""Numbers claimed in prose: '8 to 9 times fewer', '2/3 (about 66%) of the standard',
'costs 462,422,016 mult-adds', 'a total of 9 operations', 'MobileNet has 4.2 million
parameters', and the value after a formula ('$D_K^2 M N D_F^2$ = 462,422,016').

Each is checked against costcalc's exact number for the quantity its words name (the kind
decided as for formulas, see :mod:`costcalc.check.prose`), at the values the same clause,
sentence or paragraph states.

The tolerance rule (:func:`agrees`), applied to every claim alike:

- a number as written stands for every value that rounds to it: 462M covers 461.5M–462.5M,
  8.84 covers 8.835–8.845, 40% covers 39.5%–40.5%, 462,422,016 only itself;
- a hedged number ('about', 'around', 'approximately', 'roughly', 'nearly', 'almost',
  'close to', '~', '≈') also covers anything within 5% of the true value
  (:data:`HEDGE_REL`): 'about 66%' for 2/3, 'roughly 9 times' for 8.84;
- a range ('8 to 9 times', 'between 8 and 9') covers its ends as written, hedged or not.

Sizes the text leaves out are read the way the papers mean them: channel counts and sides large
(the limit N → ∞, with the size from which the claim holds in the note); a kernel size it
leaves out is the one the article's network uses when it names one whose depthwise kernels all
share a size (MobileNet v1 and v2: 3×3), and otherwise the claim is unverifiable.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import sympy as sp

from ..symbolic import SYM
from .document import SPAN, Sentence
from .prose import MEASURE_WORDS, has

HEDGE_REL = Fraction(5, 100)
HEDGES = (r"about|around|approximately|approx\.?|roughly|nearly|almost|close to|~|≈|some|circa|"
          r"more or less|on the order of|of the order of")
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = {"thousand": 10 ** 3, "k": 10 ** 3, "K": 10 ** 3, "million": 10 ** 6, "M": 10 ** 6,
          "mn": 10 ** 6, "billion": 10 ** 9, "B": 10 ** 9, "G": 10 ** 9, "bn": 10 ** 9}
_UNITS = {
    "macs": r"mult[\s-]*adds?|multiply[\s-]*(?:adds?|accumulates?|accumulations?)|multiplications?|"
            r"multiplicants?|multiplies|MACs?|MAdds|operations|ops\b|computations",
    "flops": r"FLOPs?|GFLOPs?|MFLOPs?",
    "params": r"parameters|params|weights",
    "layers": r"layers",
}
_DIRECTION = (r"fewer|less|lesser|smaller|cheaper|lower|faster|reduc\w*|sav\w*|more efficient|more\b|"
              r"\bcuts?\b|\bcutting\b|shrinks?|\bdrops?\b|decreas\w*|lowers?\b|"
              r"more than|larger|bigger|greater|higher|costlier|"
              r"speed[\s-]*up|more (?:computation|expensive|costly|multiplications|operations)|"
              r"more than (?:the )?(?:depthwise|separable)|expensive")
ACCURACY = r"accura|top-?[15]\b|precision|error rate|recall|\bmAP\b"
_LARGE = (r">>|≫|\\gg\b|much (?:larger|bigger|greater)|way (?:larger|bigger)|\blarge\b|→\s*∞|"
          r"infinity|in the limit|asymptotic")


@dataclass
class NumClaim:
    sentence: int
    start: int  # in the sentence's flat text
    end: int
    text: str
    form: str  # factor | fraction | percent | saving | count | value | accuracy
    lo: Fraction
    hi: Fraction | None = None
    hedged: bool = False
    half: Fraction = Fraction(0)  # half a unit in the last written place (in the claim's unit)
    unit: str | None = None  # macs | flops | params | layers
    each: int | None = None  # 'two convolutions with 3 multiplications each': 2
    span: int | None = None  # 'value': the index of the formula it is the value of


def _half(num: str, scale: int = 1) -> Fraction:
    num = num.replace(",", "")
    places = len(num.split(".")[1]) if "." in num else 0
    return Fraction(1, 2 * 10 ** places) * scale


def _f(num: str) -> Fraction:
    return Fraction(num.replace(",", ""))


def _hedged(flat: str, start: int) -> bool:
    return bool(re.search(r"(?:" + HEDGES + r")\s*$", flat[max(0, start - 24):start], re.I))


_FACTOR = re.compile(
    r"(?:(?:" + HEDGES + r")\s+)?(?:by\s+)?(?:a\s+factor\s+of\s+)?(?:between\s+)?(?P<a>" + _NUM +
    r")(?:\s*(?:to|-|–|—|or|and)\s*(?P<b>" + _NUM + r"))?\s*(?:x\b(?!\s*\d)|×(?!\s*\d)|times\b|-?fold\b)", re.I)
# 'by a factor of 8 to 9', 'a factor of about 9': a factor without 'times' after it
_FACTOR_OF = re.compile(
    r"(?:by\s+)?(?:a\s+)?factor\s+of\s+(?:(?:" + HEDGES + r")\s+)?(?:between\s+)?(?P<a>" + _NUM +
    r")(?:\s*(?:to|-|–|—|or|and)\s*(?P<b>" + _NUM + r"))?(?![\d,]|\.\d|\s*(?:x\b|×|times\b|-?fold\b|%|/))", re.I)
_PERCENT = re.compile(r"(?P<a>" + _NUM + r")\s*%")
_FRACTION = re.compile(r"(?<![\w/.,])(?P<a>\d+)\s*/\s*(?P<b>\d+(?:\.\d+)?)(?![\w/]|\.\d)")
_TERM = r"\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?(?:\^\d|[²³])?)?"
# '1/512 + 1/9' or '1/512 + 1/3²': one stated value, the sum of its terms (never two claims)
_SUM = re.compile(r"(?<![\w/.,^])(?P<a>" + _TERM + r")(?P<rest>(?:\s*\+\s*" + _TERM + r")+)(?![\w/^²³]|\.\d)")
_COUNT = re.compile(r"(?<![×x*·/\d.,^])(?P<a>" + _NUM + r")\s*(?P<sc>million|billion|thousand|mn|bn|[MBGKk](?![a-z]))?\s*"
                    r"(?P<u>" + "|".join(_UNITS.values()) + r")\b", re.I)
_NUMBER_OF = re.compile(
    r"(?:number|no\.?)\s+of\s+(?P<u>" + "|".join(_UNITS.values()) + r")\b[^.;\x01]{0,50}?\b"
    r"(?:is|are|=|equals|comes to|amounts to|becomes)\s+(?P<h>(?:" + HEDGES + r")\s+)?(?P<a>" + _NUM +
    r")(?!\s*(?:x|×|\*))\s*(?P<sc>million|billion|thousand|[MBGK](?![a-z]))?", re.I)
_VALUE = re.compile(
    r"\x01(?:\s*,?\s*(?:=|≈|which is|that is|i\.e\.,?|gives|equals|is|comes to|which comes to)|"
    r"[^\x01.;]{0,40}?\b(?:which|that|this)\b[^\x01.;]{0,40}?\b(?:is|comes to|gives|equals|"
    r"amounts to)|\s+(?:mult[\s-]*adds|MACs|multiplications|weights|parameters)\s*,?\s*(?:i\.e\.,?|that is))"
    r"\s*(?P<h>(?:" + HEDGES + r")\s+)?(?P<a>" + _NUM + r")(?![\d,]*\s*(?:/|%|x\b|×|times|-fold))\s*"
    r"(?P<sc>million|billion|thousand|[MBGK](?![a-z]))?", re.I)


def unread_factors(sent: Sentence, claims: list[NumClaim]) -> list[str]:
    """Factors a sentence about costs states with no direction ('9 times the mult-adds of …'
    has none of fewer, more, cheaper, …): not checked, so listed, never dropped in silence."""
    flat = sent.flat
    if not has(MEASURE_WORDS["macs"] + "|" + MEASURE_WORDS["params"] + r"|expensive|costly", flat):
        return []
    out = []
    for m in itertools.chain(_FACTOR.finditer(flat), _FACTOR_OF.finditer(flat)):
        if any(c.start < m.end() and m.start("a") < c.end for c in claims):
            continue
        out.append(" ".join(m.group(0).split()))
    return list(dict.fromkeys(out))


def find_claims(sent: Sentence, index: int) -> list[NumClaim]:
    """The numeric claims of one sentence, in order."""
    flat = sent.flat
    out: list[NumClaim] = []
    taken: list[tuple[int, int]] = []

    def free(a, b):
        return not any(x < b and a < y for x, y in taken)

    def add(c: NumClaim):
        taken.append((c.start, c.end))
        out.append(c)

    for m in _VALUE.finditer(flat):
        k = flat[:m.start() + 1].count(SPAN) - 1
        sc = _SCALE.get(m.group("sc") or "", 1)
        add(NumClaim(index, m.start("a"), m.end(),
                     flat[m.start("h") if m.group("h") else m.start("a"):m.end()].strip(), "value",
                     _f(m.group("a")) * sc, hedged=bool(m.group("h")), half=_half(m.group("a"), sc),
                     span=k))
    for m in itertools.chain(_FACTOR.finditer(flat), _FACTOR_OF.finditer(flat)):
        if not free(m.start("a"), m.end()):
            continue
        around = flat[max(0, m.start() - 60):m.end() + 50]
        if not has(_DIRECTION, around):
            continue
        a, b = m.group("a"), m.group("b")
        hedged = _hedged(flat, m.start("a")) or bool(re.match(r"\s*(?:" + HEDGES + ")", m.group(0), re.I))
        half = _half(a) if b is None else max(_half(a), _half(b))
        add(NumClaim(index, m.start(), m.end(), m.group(0).strip(), "factor", _f(a),
                     _f(b) if b else None, hedged, half))
    for m in _COUNT.finditer(flat):
        if not free(m.start(), m.end()):
            continue
        if re.search(r"\b(?:into|down in|split in|divided in|the first|the second)\s*$",
                     flat[max(0, m.start() - 14):m.start()], re.I):
            continue  # 'broken down into 2 operations': steps, not a count of multiplications
        unit = next(u for u, pat in _UNITS.items() if re.fullmatch(pat, m.group("u"), re.I))
        sc = _SCALE.get(m.group("sc") or "", 1)
        if m.group("sc") and m.group("sc") in "Mm" and not re.search(r"\d\s*M\b", m.group(0)):
            sc = 1
        after = flat[m.end():m.end() + 12]
        each = None
        if re.match(r"\s*each\b", after):
            before = flat[max(0, m.start() - 60):m.start()]
            mm = re.search(r"\b(two|three|2|3)\s+(?:\w+\s+){0,2}?(?:convolutions|filters|kernels|"
                           r"steps|passes|layers|stages)\b", before, re.I)
            each = {"two": 2, "three": 3, "2": 2, "3": 3}[mm.group(1).lower()] if mm else 0
        add(NumClaim(index, m.start(), m.end(), m.group(0).strip(), "count",
                     _f(m.group("a")) * sc, hedged=_hedged(flat, m.start()),
                     half=_half(m.group("a"), sc), unit=unit, each=each))
    for c in list(out):  # '52,283,392 mult-adds (52.3 million)': the same count, restated
        if c.form != "count":
            continue
        m = re.match(r"\s*\(\s*(?P<h>(?:" + HEDGES + r")\s+)?(?P<a>" + _NUM + r")\s*(?P<sc>million|billion|"
                     r"thousand|[MBGK](?![a-z]))?\s*\)", flat[c.end:]) or \
            re.match(r"\s*,\s*(?:i\.e\.,?\s*|or\s+|that is\s+)?(?P<h>(?:" + HEDGES + r")\s+)?(?P<a>" + _NUM +
                     r")\s*(?P<sc>million|billion|thousand)\b()", flat[c.end:])
        if m:
            sc = _SCALE.get(m.group("sc") or "", 1)
            stop = m.end("sc") if m.group("sc") else m.end("a")
            add(NumClaim(index, c.end + m.start("a"), c.end + stop,
                         flat[c.end + m.start(1 if m.group("h") else 2):c.end + stop].strip(),
                         "count", _f(m.group("a")) * sc, hedged=bool(m.group("h")),
                         half=_half(m.group("a"), sc), unit=c.unit))
    for m in _NUMBER_OF.finditer(flat):  # 'the total number of layers ... is 28'
        if not free(m.start("a"), m.end()):
            continue
        unit = next(u for u, pat in _UNITS.items() if re.fullmatch(pat, m.group("u"), re.I))
        sc = _SCALE.get(m.group("sc") or "", 1)
        add(NumClaim(index, m.start("a"), m.end(), m.group("a") + (f" {m.group('sc')}" if m.group("sc") else "")
                     + f" ({m.group('u')})", "count", _f(m.group("a")) * sc,
                     hedged=bool(m.group("h")), half=_half(m.group("a"), sc), unit=unit))
    for m in re.finditer(r"(?P<a>" + _NUM + r")\s+(?:in total|altogether|in all)\b", flat):
        if not free(m.start(), m.end()):
            continue
        prev = [c for c in out if c.form == "count" and c.start < m.start()]
        if prev:
            add(NumClaim(index, m.start(), m.end(), m.group(0).strip(), "count", _f(m.group("a")),
                         hedged=_hedged(flat, m.start()), half=_half(m.group("a")),
                         unit=prev[-1].unit))
    for m in _PERCENT.finditer(flat):
        if not free(m.start(), m.end()):
            continue
        clause = flat[max(0, m.start() - 80):m.end() + 40]
        form = "percent"
        if has(ACCURACY, clause):
            form = "accuracy"
        elif re.match(r"\s*(?:fewer|less|lower|cheaper|saving|savings|reduction|smaller)\b",
                      flat[m.end():], re.I) or \
                re.search(r"(?:saves?|saving|reduc\w*(?:\s+\w+){0,3}\s+by|cuts?\s+(?:\w+\s+){0,2}by|"
                          r"lower by|less by)\s*(?:(?:" + HEDGES + r")\s+)?$", flat[max(0, m.start() - 40):m.start()], re.I):
            form = "saving"
        hedged = _hedged(flat, m.start())
        lead = re.search(r"(?:" + HEDGES + r")\s*$", flat[max(0, m.start() - 24):m.start()], re.I)
        text = (lead.group(0) if lead and hedged else "") + m.group(0)
        add(NumClaim(index, m.start() - (len(lead.group(0)) if lead and hedged else 0), m.end(), text,
                     form, _f(m.group("a")) / 100, hedged=hedged, half=_half(m.group("a")) / 100))
    for m in _SUM.finditer(flat):
        if "/" not in m.group(0) or not free(m.start(), m.end()) or not _ratio_context(flat, m):
            continue
        add(NumClaim(index, m.start(), m.end(), m.group(0), "fraction", _sum_value(m.group(0)),
                     hedged=_hedged(flat, m.start())))
    for m in _FRACTION.finditer(flat):
        if not free(m.start(), m.end()):
            continue
        if not _ratio_context(flat, m):
            continue
        a, b = Fraction(m.group("a")), Fraction(m.group("b"))
        hb = _half(m.group("b")) if "." in m.group("b") else Fraction(0)
        if b - hb <= 0:
            continue
        hedged = _hedged(flat, m.start())
        lead = re.search(r"(?:" + HEDGES + r")\s*$", flat[max(0, m.start() - 24):m.start()], re.I)
        text = (lead.group(0) if lead and hedged else "") + m.group(0)
        if hb:  # '1/8.7': every value between 1/8.75 and 1/8.65
            add(NumClaim(index, m.start(), m.end(), text, "fraction", a / (b + hb), a / (b - hb), hedged))
        else:
            add(NumClaim(index, m.start(), m.end(), text, "fraction", a / b, hedged=hedged))
    out.sort(key=lambda c: c.start)
    return out


def _ratio_context(flat: str, m: re.Match) -> bool:
    """A written fraction is a claim only where the words around it say it is a cost ratio."""
    ctx = flat[m.end():m.end() + 30] + " " + flat[max(0, m.start() - 40):m.start()]
    return bool(re.search(r"\bof\b|\(|ratio|cost|computation|becomes|is\b", ctx, re.I))


def _sum_value(text: str) -> Fraction:
    """'1/512 + 1/3²' → 521/4608, exactly."""
    total = Fraction(0)
    for term in text.split("+"):
        num, _, den = term.partition("/")
        power = re.search(r"(?:\^(\d)|([²³]))\s*$", den)
        if power:
            den = den[:power.start()]
        exp = int(power.group(1)) if power and power.group(1) else {"²": 2, "³": 3}.get(power and power.group(2), 1)
        total += _f(num.strip()) / (_f(den.strip()) if den.strip() else 1) ** exp
    return total


# -- true values -----------------------------------------------------------------------------

def agrees(true: Fraction, c: NumClaim) -> bool:
    """The tolerance rule of the module docstring."""
    lo, hi = c.lo, c.hi if c.hi is not None else c.lo
    slack = c.half
    if c.hedged:
        slack = max(slack, abs(true) * HEDGE_REL)
    return lo - slack <= true <= hi + slack


def shown(v: Fraction, form: str) -> str:
    if form in ("percent", "saving", "fraction_pct"):
        return f"{float(v) * 100:.3g}%"
    if v.denominator == 1:
        return f"{v.numerator:,}"
    return f"{float(v):.4g}" + (f" ({v.numerator}/{v.denominator})" if v.denominator <= 100 else "")


_LARGE_ROLES = ("M", "N", "Df", "Di")


@dataclass
class Evaluated:
    value: Fraction | None
    at: dict = field(default_factory=dict)  # role -> value used
    large: list = field(default_factory=list)  # roles taken to infinity
    missing: list = field(default_factory=list)  # roles with no value
    defaulted: dict = field(default_factory=dict)  # role -> value from the network named
    expr: sp.Expr | None = None


def evaluate(expr: sp.Expr, values: dict, large_ok: bool, defaults: dict) -> Evaluated:
    """expr at values {role: Fraction}; unbound channel/side roles go to infinity when
    large_ok; an unbound kernel takes defaults['Dk'] when given."""
    ev = Evaluated(None, expr=expr)
    sub = {}
    for sym in sorted(expr.free_symbols, key=lambda s: s.name):
        role = sym.name
        if role in values:
            sub[sym] = sp.Rational(values[role].numerator, values[role].denominator)
            ev.at[role] = values[role]
        elif role in defaults:
            sub[sym] = sp.Integer(defaults[role])
            ev.defaulted[role] = defaults[role]
    e = _reduced(expr, tuple(sorted(sub.items(), key=lambda kv: kv[0].name)))
    rest = sorted(e.free_symbols, key=lambda s: s.name)
    for sym in rest:
        if large_ok and sym.name in _LARGE_ROLES:
            ev.large.append(sym.name)
        else:
            ev.missing.append(sym.name)
    if ev.missing:
        return ev
    v = _limit(e, tuple(ev.large))
    if v is None:
        ev.missing.append("(unbounded)")
    ev.value = v
    return ev


@lru_cache(maxsize=4096)
def _reduced(expr: sp.Expr, sub: tuple) -> sp.Expr:
    e = expr.xreplace(dict(sub))
    if not e.has(sp.floor, sp.ceiling, sp.Min, sp.Max):
        e = sp.cancel(sp.together(e))  # Df and M cancel out of separable / standard
    return e


@lru_cache(maxsize=4096)
def _limit(e: sp.Expr, large: tuple) -> Fraction | None:
    """e (exact) with the large roles taken to infinity, as an exact fraction."""
    for name in large:
        e = sp.limit(e, SYM[name], sp.oo)
    if e.is_Rational:
        return Fraction(int(e.p), int(e.q))
    return None


def value_range(expr: sp.Expr, ev: Evaluated, quantity) -> tuple[Fraction, Fraction, str] | None:
    """(lowest, highest, the symbol) that quantity(expr) takes over every positive integer value
    of the one role the text leaves unset (the others as ev has them), when it is monotone
    there: a claim outside it is wrong whatever that role is ('8 to 9 times cheaper' for a
    ratio that never exceeds 1). None when more than one role is missing or it is not monotone."""
    miss = [m for m in ev.missing if m != "(unbounded)"]
    if len(miss) != 1:
        return None
    sym = SYM[miss[0]]
    sub = {SYM[r]: sp.Rational(v.numerator, v.denominator) for r, v in ev.at.items()}
    sub.update({SYM[r]: sp.Integer(v) for r, v in ev.defaulted.items()})
    try:
        e = quantity(_reduced(expr, tuple(sorted(sub.items(), key=lambda kv: kv[0].name))))
        for name in ev.large:
            e = sp.limit(e, SYM[name], sp.oo)
        if e.free_symbols != {sym}:
            return None
        pts = [e.xreplace({sym: sp.Integer(k)}) for k in range(1, 65)]
        end = sp.limit(e, sym, sp.oo)
    except (NotImplementedError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not all(x.is_Rational for x in pts):
        return None
    vals = [Fraction(int(x.p), int(x.q)) for x in pts]
    steps = [b - a for a, b in zip(vals, vals[1:])]
    if not (all(d >= 0 for d in steps) or all(d <= 0 for d in steps)):
        return None
    if end.is_Rational:
        vals.append(Fraction(int(end.p), int(end.q)))
    elif end not in (sp.oo, -sp.oo):
        return None
    lo, hi = min(vals), max(vals)
    if end == sp.oo:
        hi = None
    elif end == -sp.oo:
        lo = None
    return lo, hi, miss[0]


def outside(c: NumClaim, lo: Fraction | None, hi: Fraction | None) -> bool:
    """Whether no value between lo and hi (None: unbounded) agrees with the claim, by the
    tolerance rule (a hedge widened a little, so that only a clear miss counts)."""
    a = c.lo - c.half
    b = (c.hi if c.hi is not None else c.lo) + c.half
    if c.hedged:
        a, b = a / (1 + HEDGE_REL * 2), b / (1 - HEDGE_REL * 2)
    return (hi is not None and a > hi) or (lo is not None and b < lo)


def threshold(expr: sp.Expr, values: dict, defaults: dict, large: list, goal: Fraction,
              quantity) -> str:
    """'for N ≥ 72': the size from which quantity(expr) reaches goal, one large role only."""
    if len(large) != 1:
        return ""
    sym = SYM[large[0]]
    sub = {SYM[r]: sp.Rational(v.numerator, v.denominator) for r, v in values.items() if SYM[r] in expr.free_symbols}
    sub.update({SYM[r]: sp.Integer(v) for r, v in defaults.items() if SYM[r] in expr.free_symbols})
    q = quantity(expr.xreplace(sub))
    sols = _solutions(q, sym, sp.Rational(goal.numerator, goal.denominator))
    if not sols:
        return ""
    n = math.ceil(float(max(sols)))
    return f"{large[0]} ≥ {n:,}"


@lru_cache(maxsize=2048)
def _solutions(q, sym, goal) -> list:
    try:
        return [s for s in sp.solve(sp.Eq(q, goal), sym) if s.is_real and s > 0]
    except (NotImplementedError, TypeError, ValueError):
        return []


def kernel_default(text: str) -> tuple[int, str] | None:
    """The depthwise kernel size of the network an article is about, when all its depthwise
    convolutions share one (MobileNet v1 and v2: 3); from costcalc's own spec of it."""
    names = list(dict.fromkeys(networks(text)))
    sizes: set = set()
    titles = []
    for name in names:
        from ..archs import ARCHS, resolve_model

        r = resolve_model(name)
        ks = {l.args.get("kh") for l in r.layers
              if l.kind == "conv2d" and l.args.get("groups", 1) > 1}
        if ks:
            sizes |= ks
            titles.append(ARCHS[name].title)
    if len(sizes) == 1:
        return next(iter(sizes)), " and ".join(titles)
    return None


_NETWORKS = [
    ("dense1_mobilenet", r"\bdense[\s-]*1[\s-]*mobile[\s-]*net"),
    ("dense2_mobilenet", r"\bdense[\s-]*2[\s-]*mobile[\s-]*net"),
    ("mobilenet_v1_conv", r"(?:full[\s-]*conv\w*|conv)[\s-]+(?:version\s+of\s+)?mobile[\s-]*net|"
                          r"mobile[\s-]*net\w*\s+with\s+(?:full|standard)\s+conv"),
    ("mobilenet_v1_shallow", r"shallow(?:er)?\s+mobile[\s-]*net"),
    ("mobilenet_v3_large", r"mobile[\s-]*net[\s-]*v?3[\s-]*large"),
    ("mobilenet_v3_small", r"mobile[\s-]*net[\s-]*v?3[\s-]*small"),
    ("mobilenet_v2", r"mobile[\s-]*net[\s-]*v2|mobilenetv2"),
    ("mobilenet_v1", r"mobile[\s-]*nets?(?![\s-]*v?[23]\b)(?:[\s-]*v1)?"),
    ("vgg16", r"\bvgg[\s-]*16\b"),
    ("googlenet", r"\bgoogl?e[\s-]*net\b|\binception[\s-]*v1\b"),
    ("squeezenet1_1", r"\bsqueeze[\s-]*net[\s-]*(?:v\s*)?1[._]1\b"),
    ("squeezenet1_0", r"\bsqueeze[\s-]*net(?:[\s-]*(?:v\s*)?1(?:[._]0)?\b)?"),  # the paper's, unqualified
    ("alexnet", r"(?:torchvision(?:'s)?\s+|one[\s-]*tower\s+|single[\s-]*tower\s+)alex[\s-]*net\b|"
                r"\balex[\s-]*net\s*\(\s*(?:torchvision|one[\s-]*tower)"),
    ("alexnet_two_tower", r"\balex[\s-]*net\b"),  # unqualified: the 2012 paper's two towers
]
# ShuffleNet v1: the group count names the network ('ShuffleNet 1x (g=3)', 'ShuffleNet v1, g=8')
_NETWORKS += [(f"shufflenet_v1_g{g}", r"\bshuffle[\s-]*net(?:[\s-]*v1)?[\s,]*(?:\d(?:\.\d)?\s*[x×]\s*)?"
               r"[\s,(]*(?:(?:with|and|using|at)\s+)?(?:(?:g|groups?)\s*=\s*" + str(g) + r"|" + str(g) +
               r"\s+groups)\b\)?") for g in (1, 2, 3, 4, 8)]


def without_networks(text: str) -> str:
    """text with the names of registered networks blanked (their words name no layer kind)."""
    for _, pat in _NETWORKS:
        text = re.sub(pat, lambda m: " " * len(m.group(0)), text, flags=re.I)
    return text


def networks(text: str) -> list[str]:
    """The registered networks a text names, in the order it names them."""
    return list(dict.fromkeys(n for _, _, n in networks_at(text)))


_NOT_THE_SUBJECT = re.compile(r"(?:unlike|than|compared\s+(?:to|with)|versus|vs\.?|over|against|"
                              r"instead\s+of|rather\s+than|like)\s+(?:the\s+|a\s+)?$", re.I)


def subject_network(before: str) -> str | None:
    """The network a number is about, from the words before it: the nearest one named, unless
    it is named in contrast ('smaller than MobileNet v1 and needs …'); a relative clause makes
    it the subject again ('smaller than MobileNet v1, which needs …')."""
    found = networks_at(before)
    for a, b, name in reversed(found):
        if _NOT_THE_SUBJECT.search(before[max(0, a - 30):a]) and \
                not re.match(r"\s*,?\s*(?:which|that|whose|who)\b", before[b:]):
            continue
        return name
    return None


def networks_at(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of each registered network a text names, in order."""
    found = []
    for name, pat in _NETWORKS:
        for m in re.finditer(pat, text, re.I):
            if any(a <= m.start() < b for a, b, _ in found):
                continue
            found.append((m.start(), m.end(), name))
            text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    return sorted(found)


_SHARE_TAGS = [("Conv 1×1", r"point[\s-]*wise|1\s*[x×]\s*1"), ("Conv DW", r"depth[\s-]*wise|\bdw\b"),
               ("FC", r"fully[\s-]*connected|\bfc\b|classifier|dense layer"),
               ("Conv 3×3", r"standard|full|first (?:conv|layer)|regular")]


def network_share(name: str, clause: str, unit: str, alpha: float = 1.0, resolution=None):
    """(fraction, what) of a network's mult-adds or weights in one layer type (MobileNet v1
    Table 2's accounting), or None when the clause names no layer type."""
    from ..archs import ARCHS, resolve_model

    tag = next((t for t, pat in _SHARE_TAGS if re.search(pat, clause, re.I)), None)
    if tag is None:
        return None
    r = resolve_model(name, alpha=alpha, resolution=resolution)
    field_ = "params" if unit == "params" else "macs"
    total = sum(getattr(l.cost, field_) for l in r.layers)
    part = sum(getattr(l.cost, field_) for l in r.layers if l.tag.startswith(tag))
    if not total or not part:
        return None
    what = "weights" if field_ == "params" else "mult-adds"
    return (Fraction(part, total), f"{ARCHS[name].title}: {tag} layers hold {part:,} of "
            f"{total:,} {what}")


def published_figure(name: str, unit: str, alpha: float, resolution, c: NumClaim) -> tuple[str, str] | None:
    """The paper's figure a claim repeats, when costcalc's exact count rounds differently, as
    (status, text) from costcalc's papers registry (:mod:`costcalc.papers`): 'truncated' or
    'explained' for a figure the paper printed that way (MobileNet v2's '3.4M' parameters are
    3,469,760 truncated), 'erratum' for one the registry records as wrong (MobileNet v2 at
    α = 1.4: 585M, corrected to 582M). The registry resolves every network it cites, so it is
    only read for a claim the exact count does not already settle."""
    from ..archs import ARCHS

    arch = ARCHS.get(name)
    if arch is None or unit not in ("macs", "flops", "params"):
        return None
    res = resolution or arch.default_resolution
    from ..archs.published import ROWS

    for row in ROWS:
        if row.model != name or abs(row.alpha - alpha) > 1e-9 or row.resolution != res or row.build:
            continue
        text, scale = (row.params, row.params_unit) if unit == "params" else (row.macs, row.macs_unit)
        if text is None:
            continue
        value = Fraction(text) * int(scale) * (2 if unit == "flops" else 1)  # FLOPs = 2·MACs
        if agrees(value, c):
            x = _row_cells(row)[-1 if unit == "params" else 0]
            what = {"macs": "mult-adds", "params": "parameters",
                    "flops": "mult-adds, so twice that in FLOPs"}[unit]
            return x.status, f"{x.citation}: {x.published} {what} — {x.status}: {x.note}".rstrip(": ")
    return None


@lru_cache(maxsize=64)
def _row_cells(row) -> tuple:
    from .. import papers

    return tuple(papers.row_cells(row))


def network_count(name: str, unit: str, alpha: float = 1.0, resolution: int | None = None):
    """(exact number, what it is) for a whole network, from costcalc's resolved spec."""
    from .. import layers
    from ..archs import ARCHS, resolve_model

    r = resolve_model(name, alpha=alpha, resolution=resolution)
    what = f"{ARCHS[name].title} at α={alpha:g}, {r.resolution}×{r.resolution}"
    if unit in ("macs", "flops"):
        v = r.macs * (2 if unit == "flops" else 1)
        return Fraction(v), f"{what}: {v:,} {'FLOPs (= 2·MACs)' if unit == 'flops' else 'mult-adds'}"
    if unit == "params":
        v = r.params()
        return Fraction(v), f"{what}: {v:,} weights"
    v = sum(1 for l in r.layers if layers.KINDS[l.kind].category in ("conv", "linear"))
    return Fraction(v), f"{what}: {v} conv and FC layers"


__all__ = ["NumClaim", "agrees", "find_claims", "unread_factors", "evaluate", "threshold", "kernel_default",
           "networks", "network_count", "HEDGE_REL", "MEASURE_WORDS"]
