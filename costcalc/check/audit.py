"""`costcalc audit`: find the cost formulas in a Markdown/LaTeX article and check each one.

Formulas come from ``$$…$$``, ``\\[…\\]``, ``\\(…\\)``, ``$…$``, inline code spans, and plain
lines of the form ``… = …`` built from cost symbols (fenced code blocks are skipped). For
each one the audit checks that every side of a chain ``A = B ≈ C`` equals the next (a number
on one side is matched against the values the author plugged in), then tries to recognise the
expression as one of the kinds of :mod:`costcalc.check.kinds` under some binding of its
unbound symbols. Words before the formula (``the depthwise layer costs``, ``the ratio is``)
are taken as a claim: a formula that is not the kind it is said to be is ``not equal``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path


from ..errors import CostcalcError
from ..symbolic import SYM
from . import kinds as K
from .equations import (Link, Namer, _num, _order, _proved_zero, _screen, compare, display_form,
                        essential, link_dict, tolerance)
from .parse import AUTO, Binding, ExpressionError, parse_chain, parse_let

MAX_ARTICLE_BYTES = 2_000_000


@dataclass
class Formula:
    line: int
    text: str
    context: str  # prose before the formula on its line
    previous: str  # the last non-blank line above, when the formula starts its line


@dataclass
class Row:
    line: int
    formula: str
    verdict: str  # equal | not equal | unrecognised | refused
    note: str
    kind: str | None = None
    binding: dict = field(default_factory=dict)
    links: list = field(default_factory=list)


@dataclass
class AuditResult:
    path: str
    rows: list
    notes: list = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(r.verdict == "not equal" for r in self.rows)

    def counts(self) -> dict:
        out: dict = {}
        for r in self.rows:
            out[r.verdict] = out.get(r.verdict, 0) + 1
        return out

    def to_dict(self) -> dict:
        return {"path": self.path, "counts": self.counts(), "notes": self.notes,
                "formulas": [{"line": r.line, "formula": r.formula,
                              "verdict": r.verdict.replace(" ", "_"), "note": r.note,
                              "kind": r.kind, "binding": r.binding, "links": r.links}
                             for r in self.rows]}


# -- finding formulas ------------------------------------------------------------------------

_MARK = "\x00"
_DISPLAY = [re.compile(r"\$\$(.+?)\$\$", re.S), re.compile(r"\\\[(.+?)\\\]", re.S)]
_INLINE = [re.compile(r"\\\((.+?)\\\)"), re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<!\\)\$"),
           re.compile(r"`([^`\n]+)`")]
_ENV = re.compile(r"\\(begin|end)\{[a-zA-Z*]+\}|\\(label|tag)\{[^}]*\}|&")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + "".join("\n" if c == "\n" else _MARK for c in text[start:end]) + text[end:]


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _context(text: str, pos: int) -> tuple[str, str]:
    line_start = text.rfind("\n", 0, pos) + 1
    before = text[line_start:pos]
    before = before[before.rfind(_MARK) + 1:]
    previous = ""
    if not before.strip():
        lines = text[:line_start].split("\n")
        for ln in reversed(lines[:-1] if lines and lines[-1] == "" else lines):
            if ln.strip():
                previous = ln.replace(_MARK, " ").strip()
                break
    return before.strip(), previous


def _display_rows(body: str, line: int) -> list[tuple[int, str]]:
    """Rows of a display block: aligned environments split at \\\\, a row that starts with '='
    continues the chain above it."""
    body = _ENV.sub(" ", body)
    rows: list[tuple[int, str]] = []
    offset = 0
    for part in re.split(r"\\\\", body):
        text = part.strip().rstrip(".,;").strip()
        text = re.sub(r"\\[,;:!]\s*$", "", text).strip().rstrip(".,;").strip()
        text = " ".join(text.split())
        if text:
            if rows and re.match(r"^(=|\\approx|≈)", text):
                rows[-1] = (rows[-1][0], rows[-1][1] + " " + text)
            else:
                rows.append((line + offset + part[:len(part) - len(part.lstrip())].count("\n"), text))
        offset += part.count("\n")
    return rows


def extract(text: str) -> list[Formula]:
    """Every formula in the article, in order of lines."""
    lines = text.split("\n")
    fenced, inside = [], False
    for ln in lines:  # blank fenced code blocks, keep the line count
        if _FENCE.match(ln):
            inside = not inside
            fenced.append("")
            continue
        fenced.append("" if inside else ln)
    work = "\n".join(fenced)
    work = re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group(0)), work, flags=re.S)
    found: list[tuple[int, int, Formula]] = []
    for pat in _DISPLAY:
        for m in list(pat.finditer(work)):
            ctx, prev = _context(work, m.start())
            for ln, row in _display_rows(m.group(1), _line_of(work, m.start())):
                found.append((ln, m.start(), Formula(ln, row, ctx, prev)))
            work = _blank(work, m.start(), m.end())
    for k, pat in enumerate(_INLINE):
        for m in list(pat.finditer(work)):
            body = m.group(1).strip()
            if k == 2 and not _plain_candidate(body, need_eq=False):
                continue
            ctx, prev = _context(work, m.start())
            ln = _line_of(work, m.start())
            found.append((ln, m.start(), Formula(ln, body.rstrip(".,;"), ctx, prev)))
            work = _blank(work, m.start(), m.end())
    pos = 0
    for i, ln in enumerate(work.split("\n"), start=1):
        cand = _plain_line(ln)
        if cand is not None:
            label, body = cand
            found.append((i, pos, Formula(i, body, label, "")))
        pos += len(ln) + 1
    found.sort(key=lambda x: (x[0], x[1]))
    return [f for _, _, f in found]


_COST_WORD = re.compile(r"[A-Za-z_]+\d*")


def _plain_candidate(body: str, need_eq: bool = True) -> bool:
    """A code span or line that looks like a cost formula: '=' (or, in a code span, an
    operator) and a cost symbol in it."""
    if len(body) > 400 or ("=" not in body if need_eq else not re.search(r"[=*·×x^+/(]", body)):
        return False
    words = {w.rstrip("23") for w in _COST_WORD.findall(body)} | set(_COST_WORD.findall(body))
    spelled = set(AUTO) - {"s", "p", "d", "g", "t", "k"}
    return bool(words & spelled) or bool(re.search(r"D_?[kKfFpPiI]", body))


def _plain_line(ln: str) -> tuple[str, str] | None:
    if _MARK in ln or "=" not in ln:
        return None
    s = re.sub(r"^\s*(#+|>|[-*+]|\d+[.)])\s+", "", ln).strip()
    label = ""
    if ":" in s:
        label, s = s.rsplit(":", 1)
    s = s.strip().rstrip(".,;").strip()
    if not _plain_candidate(s) or re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{3,}", s):
        return None  # prose, not a formula
    return label.strip(), s


# -- claims: what the prose says a formula is ------------------------------------------------

_CLAIMS = [
    (r"bottleneck|inverted residual|mobilenet\s*v2|\bv2\b", ["v2_block"]),
    (r"\bratio\b|\breduction\b|\bfewer\b|\bsaving|\bsaves\b", ["ratio"]),
    (r"output (side|size)", ["out_side"]),
    (r"separable", ["separable", "separable_params"]),
    (r"depthwise|depth-wise", ["depthwise", "depthwise_params"]),
    (r"pointwise|point-wise|1\s*[x×]\s*1", ["pointwise", "pointwise_params"]),
    (r"\bgroup", ["grouped", "pointwise_grouped", "grouped_params"]),
    (r"standard|full convolution|regular convolution", ["standard", "standard_params"]),
]
_SPATIAL = {"ratio": ["spatial_ratio"], "separable": ["spatial_separable"],
            "standard": ["spatial_standard"]}
# Without the word 'spatial' nearby, a ratio or a separable cost may still be the spatial one.
_ALSO = {"ratio": ["spatial_ratio"], "separable": ["spatial_separable"]}


_PRIORITY = 2  # the first entries of _CLAIMS (v2 block, ratio) win wherever they appear


def claimed(context: str) -> list[str]:
    """The kinds the words before a formula claim it is: a v2 block or a ratio if said at all,
    else the kind named nearest to the formula ('the depthwise separable cost is')."""
    c = context.lower()
    best = None
    for i, (pat, names) in enumerate(_CLAIMS):
        hits = list(re.finditer(pat, c))
        if not hits:
            continue
        if i < _PRIORITY:
            best = (float("inf"), names)
            break
        if best is None or hits[-1].end() > best[0]:
            best = (hits[-1].end(), names)
    if best is None:
        return ["spatial_standard", "spatial_separable", "spatial_ratio"] if "spatial" in c else []
    names = best[1]
    if "spatial" in c:
        names = _SPATIAL.get(names[0], ["spatial_standard", "spatial_separable", "spatial_ratio"])
    if re.search(r"param|weights", c) and any(n.endswith("_params") for n in names):
        names = [n for n in names if n.endswith("_params")]
    elif re.search(r"mult|mac|flop|cost|operation|comput", c):
        names = [n for n in names if not n.endswith("_params")] or names
    if "spatial" not in c:
        names = names + _ALSO.get(names[0], [])
    return names


_SEARCH_ORDER = ["standard", "depthwise", "pointwise", "separable", "grouped", "pointwise_grouped",
                 "v2_block", "spatial_standard", "spatial_separable", "transposed", "ratio",
                 "spatial_ratio", "standard_params", "depthwise_params", "pointwise_params",
                 "separable_params", "grouped_params", "out_side"]


# -- recognising a kind ----------------------------------------------------------------------

@dataclass
class Match:
    kind: K.RefKind
    binding: dict  # free Symbol -> role Symbol
    names: dict
    factor: int = 1  # 2 when the prose says FLOPs and the formula is 2·MACs
    scaled: str = ""  # "α", "ρ" or "α, ρ" when compared with the scaled form


def _side(text: str, let: dict, family: str | None):
    chain = parse_chain(text, Binding(let, family, lenient=True))
    s = chain.sides[0]
    return s


def recognise(text: str, let: dict, candidates: list[str], flops: bool = False) -> Match | None:
    """The first candidate kind the expression equals, under some binding of its free symbols."""
    for name in candidates:
        k = K.KINDS[name]
        try:
            side = _side(text, let, k.family)
        except ExpressionError:
            continue
        if side.expr is None:
            continue
        expr, free = side.expr, list(side.free)
        alpha, rho = SYM["alpha"] in expr.free_symbols, SYM["rho"] in expr.free_symbols
        ref = K.reference(k, alpha, rho)
        used = expr.free_symbols - set(free)
        targets = sorted((essential(ref) - used) & set(SYM.values()), key=_order)
        if len(free) > 4 or len(free) > len(targets):
            continue
        for perm in itertools.permutations(targets, len(free)):
            sub = dict(zip(free, perm))
            e = expr.xreplace(sub)
            for factor in ((1, 2) if flops else (1,)):
                r = ref * factor
                if _screen(e, r) is None and _proved_zero(e - r) is not False:
                    scaled = ", ".join(n for n, on in (("α", alpha), ("ρ", rho)) if on)
                    return Match(k, sub, side.names, factor, scaled if k.scalable else "")
    return None


# -- one formula -----------------------------------------------------------------------------

def _is_label(side) -> bool:
    """'MACs', 'C' or 'Cost' on one side of '=' names the quantity; it is not checked."""
    if side.expr is None:
        return True
    e = side.expr
    return e.is_Symbol and (e in side.free or e not in set(SYM.values()))


def _atom(side) -> bool:
    return side.expr is not None and (side.expr.is_Symbol or side.expr.is_number)


def analyse(f: Formula, let: dict) -> Row | None:
    """One formula's row, or None when it is not a cost formula (a bare symbol, k = 3)."""
    try:
        chain = parse_chain(f.text, Binding(let, None, lenient=True))
    except ExpressionError as e:
        return Row(f.line, f.text, "refused", str(e))
    sides = chain.sides
    labels = [s.text for s in sides if s.expr is None or _is_label(s)]
    context = " ".join([f.context] + labels)
    claim = claimed(context) or (claimed(f.previous) if not f.context else [])
    out_side = False
    # D_F = ...: a claim about the output side
    if len(sides) >= 2 and sides[0].expr is not None and sides[0].expr == SYM["Df"] \
            and any(SYM["Di"] in (s.expr.free_symbols if s.expr is not None else ()) for s in sides[1:]):
        claim, out_side = ["out_side"], True
    checked = [s for s in sides if not (s.expr is None or _is_label(s))]
    if out_side:
        checked = [s for s in sides[1:] if s.expr is not None]
    if not checked:
        return None
    if all(_atom(s) for s in checked):
        if len(checked) < 2 or not all(s.expr.is_number for s in checked):
            return None  # an assignment such as D_K = 3 or M = N = 512, or a bare symbol
    symbolic = [s for s in checked if s.expr.free_symbols]
    if len(sides) == 1 and (not symbolic or (len(essential(symbolic[0].expr)) < 2 and (
            not claim or not symbolic[0].expr.is_Add))):
        return None  # $D_K$, $D_K \times D_K$: notation, not a cost
    names: dict = {}
    for s in sides:
        for k, v in s.names.items():
            names.setdefault(k, v)
    nm = Namer(names)
    notes: list[str] = []
    verdict = "equal"
    links: list[Link] = []
    for x, y, rel in zip(checked, checked[1:], [r for r in chain.relations][:len(checked) - 1]):
        links.append(compare(x.expr, y.expr, rel, x.text, y.text, tol=tolerance(x, y, rel),
                             literals=(x.literals, y.literals)))
    for i, l in enumerate(links):
        if not l.equal:
            verdict = "not equal"
            notes.append(_broken(i, l, nm))
        elif l.how == "evaluation":
            notes.append(f"side {i + 2} is side {i + 1} at {nm.at(l.evaluation)}")
        elif l.how == "asymptotic":
            notes.append(f"side {i + 1} ≈ side {i + 2} for large "
                         + ", ".join(nm.name(s) for s in l.asymptotic))
    row = Row(f.line, f.text, verdict, "", links=[link_dict(l, nm) for l in links])
    if symbolic:
        flops = bool(re.search(r"flop", context.lower()))
        first = symbolic[0]
        if claim:
            m = recognise(first.text, let, claim, flops)
            if m is not None:
                notes.insert(0, _matched(m))
                row.kind, row.binding = m.kind.name, _binding(m)
            else:
                verdict = "not equal"
                notes.insert(0, _wrong_claim(first, claim, let, nm))
        else:
            m = recognise(first.text, let, _SEARCH_ORDER, flops)
            if m is not None:
                notes.insert(0, _matched(m))
                row.kind, row.binding = m.kind.name, _binding(m)
            elif not links:
                verdict = "unrecognised"
                notes.insert(0, "not one of the known kinds under any binding of its symbols")
    row.verdict = verdict
    row.note = "; ".join(notes)
    return row


def _binding(m: Match) -> dict:
    return {m.names.get(k, k.name): v.name for k, v in m.binding.items()}


def _matched(m: Match) -> str:
    text = m.kind.title
    if m.factor == 2:
        text = text.replace("MACs", "FLOPs (= 2·MACs)")
    if m.scaled:
        text += f" (scaled by {m.scaled})"
    if m.binding:
        text += " with " + ", ".join(f"{k}={v}" for k, v in _binding(m).items())
    return text


def _broken(i: int, l: Link, nm: Namer) -> str:
    cex = l.counterexample or {}
    text = f"side {i + 1} ≠ side {i + 2}"
    if cex.get("left") is not None:
        where = f" at {nm.at(cex['at'])}" if cex.get("at") else ""
        text += f"{where}: {_num(cex['left'])} vs {_num(cex['right'])}"
    if l.factor is not None and l.factor.is_number and l.factor != 0:
        f = float(l.factor)
        if abs(f) > 1.5 or abs(f) < 1 / 1.5:
            text += f" (off by {max(abs(f), 1 / abs(f)):.3g}×)"
    if l.conditions:
        text += "; they agree when " + " or ".join(nm.condition(c) for c in l.conditions)
    if l.asymptotic:
        text += "; ≈ only for large " + ", ".join(nm.name(x) for x in l.asymptotic)
    return text


def _wrong_claim(side, claim: list[str], let: dict, nm: Namer) -> str:
    k = K.KINDS[claim[0]]
    try:
        s = _side(side.text, let, k.family)
    except ExpressionError:
        s = side
    names = dict(nm.names)
    for sym, n in s.names.items():
        names.setdefault(sym, n)
    nm = Namer(names)
    expr = s.expr
    alpha, rho = SYM["alpha"] in expr.free_symbols, SYM["rho"] in expr.free_symbols
    ref = K.reference(k, alpha, rho)
    text = f"claimed {k.title}, which is {nm.pretty(display_form(ref, expr))}"
    if s.free:
        text += " (not under any binding of " + ", ".join(nm.name(x) for x in s.free) + ")"
    else:
        l = compare(expr, ref)
        cex = l.counterexample or {}
        if cex.get("at"):
            text += f"; at {nm.at(cex['at'])}: {_num(cex['left'])} vs {_num(cex['right'])}"
        if l.factor is not None:
            text += f"; off by a factor {nm.pretty(l.factor)}"
        if l.conditions:
            text += "; agrees when " + " or ".join(nm.condition(c) for c in l.conditions)
        if l.asymptotic:
            text += "; holds only for large " + ", ".join(nm.name(x) for x in l.asymptotic)
    other = recognise(side.text, let, [n for n in _SEARCH_ORDER if n not in claim])
    if other is not None:
        text += f"; it is the {_matched(other)}"
    return text


def audit(path: str, let: list[str] | None = None) -> AuditResult:
    """Audit one article file."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_ARTICLE_BYTES:
            raise CostcalcError(f"{path}: larger than {MAX_ARTICLE_BYTES:,} bytes")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CostcalcError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise CostcalcError(f"{path}: cannot read ({e.__class__.__name__})") from None
    return audit_text(text, path, let)


def audit_text(text: str, path: str = "<text>", let: list[str] | None = None) -> AuditResult:
    bound = parse_let(let)
    rows = []
    skipped = 0
    for f in extract(text):
        row = analyse(f, bound)
        if row is None:
            skipped += 1
            continue
        rows.append(row)
    notes = []
    if skipped:
        notes.append(f"{skipped} bits of notation or assignments (D_K, k = 3) not checked")
    return AuditResult(path, rows, notes)
