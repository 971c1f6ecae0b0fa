"""`costcalc audit`: read an article the way a careful reviewer does, and check every claim.

The article is read into blocks, headings and sentences (:mod:`costcalc.check.document`),
formulas are found with or without delimiters (:mod:`costcalc.check.plain`), the prose gives
symbols their meaning and values (:mod:`costcalc.check.prose`), and three kinds of claim are
checked:

- **formulas**: each side against the kind its words name (the label, its sentence, the one
  before, the heading) and against the next side; a worked value after it (``= 462M``) against
  the formula at the values the text states;
- **numbers in prose** (:mod:`costcalc.check.numeric`): '8 to 9 times fewer', '2/3 (about
  66%) of the standard', 'a total of 9 operations', 'MobileNet has 4.2 million parameters';
- **shapes**: 'N filters of size Dk x Dk x N' — a standard convolution's filters span the M
  input channels.

Each claim gets a verdict: ``equal``; ``not equal`` with a counterexample and the condition
under which it would hold; or ``unverifiable`` with the specific reason (a symbol the text never
defines, an unreadable formula, a kind nothing names, a value the text does not give).
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import sympy as sp

from ..errors import CostcalcError
from ..units import plural
from ..symbolic import ROLE_DOC, SYM
from . import kinds as K
from . import numeric as NUM
from .document import SPAN, Document, Sentence, Span, fmt_of, read
from . import equations as EQ
from .equations import Link, Namer, _num, _order, link_dict

# The symbolic steps are pure functions of sympy expressions, and an article repeats its
# formulas (each section writes the same costs at other sizes): each runs once per expression.
_screen = lru_cache(maxsize=8192)(lambda a, b: EQ._screen(a, b))
_proved_zero = lru_cache(maxsize=8192)(EQ._proved_zero)
asymptotic = lru_cache(maxsize=4096)(EQ.asymptotic)
display_form = lru_cache(maxsize=4096)(EQ.display_form)
essential = lru_cache(maxsize=8192)(EQ.essential)
ratio_like = lru_cache(maxsize=8192)(EQ.ratio_like)


@lru_cache(maxsize=4096)
def _compare(a, b, relation="=", left="yours", right="reference", tol=None, literals=((), ())):
    return EQ.compare(a, b, relation, left, right, tol=tol, literals=literals)


def compare(a, b, relation="=", left="yours", right="reference", tol=None, literals=((), ())):
    """equations.compare, once per (expressions, relation, tolerance); the Link is copied so a
    caller's changes never reach the cache."""
    import copy

    lits = tuple(tuple(x) for x in literals)
    return copy.copy(_compare(a, b, relation, left, right, tol, lits))
from .parse import AUTO, Binding, ExpressionError, normalize_name, parse_chain, parse_let
from .prose import (ALPHA_WORDS, comparative, inverted, ratio_pair, LARGE, MEASURE_WORDS, RHO_WORDS, Decision, Reader, Source,
                    Values, decide, has, kind_hits, role_of_phrase)

MAX_ARTICLE_BYTES = 2_000_000
VERDICTS = ("equal", "not equal", "unverifiable")


@dataclass
class Row:
    line: int
    claim: str  # the formula or the words of a numeric claim, as written
    verdict: str  # equal | not equal | unverifiable
    note: str
    what: str = "formula"  # formula | number | shape
    sentence: str = ""
    kind: str | None = None
    words: str = ""  # the words that decided the kind, and where they were
    binding: dict = field(default_factory=dict)  # author's symbol -> what it was read as
    reason: str = ""  # unverifiable: refused | undefined | no-kind | no-value | accuracy | ...
    truth: str = ""  # the true formula or value (for --annotate)
    links: list = field(default_factory=list)
    end_line: int = 0
    order: int = 0

    @property
    def formula(self) -> str:
        return self.claim

    def to_dict(self) -> dict:
        return {"line": self.line, "end_line": self.end_line or self.line, "what": self.what,
                "sentence": self.sentence, "claim": self.claim,
                "verdict": self.verdict.replace(" ", "_"), "kind": self.kind,
                "decided_by": self.words, "binding": self.binding, "note": self.note,
                "reason": self.reason or None, "truth": self.truth or None, "links": self.links}


@dataclass
class AuditResult:
    path: str
    rows: list
    notes: list = field(default_factory=list)
    fmt: str = "markdown"
    skipped: list = field(default_factory=list)  # (line, text, why)
    text: str = ""
    blocks: list = field(default_factory=list)  # (start line, end line) of each block

    @property
    def failed(self) -> bool:
        return any(r.verdict == "not equal" for r in self.rows)

    def counts(self) -> dict:
        out: dict = {}
        for r in self.rows:
            out[r.verdict] = out.get(r.verdict, 0) + 1
        return out

    def to_dict(self) -> dict:
        return {"path": self.path, "format": self.fmt, "counts": self.counts(),
                "notes": self.notes, "claims": [r.to_dict() for r in self.rows],
                "skipped": [{"line": ln, "text": t, "why": w} for ln, t, w in self.skipped]}

    def annotated(self) -> str:
        """The article with a review line after each block that holds a checked claim."""
        lines = self.text.split("\n")
        after: dict[int, list[str]] = {}
        for r in self.rows:
            end = r.end_line or r.line
            last = next((b for a, b in self.blocks if a <= end <= b), end)
            after.setdefault(last, []).append(_review_line(r, self.fmt))
        out: list[str] = []
        for i, ln in enumerate(lines, start=1):
            out.append(ln)
            if i in after:
                out.append("")
                for k, rl in enumerate(after[i]):
                    out.append(rl)
                    if self.fmt != "latex" and k < len(after[i]) - 1:
                        out.append(">")
                if i < len(lines) and lines[i].strip():
                    out.append("")
        return "\n".join(out)

    def annotate(self, out_path: str) -> None:
        """Write the annotated copy atomically (a temporary file, then a rename)."""
        target = Path(out_path)
        if self.path not in ("<text>", "-") and target.exists() and \
                target.resolve() == Path(self.path).resolve():
            raise CostcalcError(f"--annotate {out_path}: that is the article itself; "
                                "the input is never modified (choose another file)")
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise CostcalcError(f"--annotate {out_path}: no such directory {folder}")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(folder))
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(self.annotated())
            os.replace(tmp, target)
        except OSError as e:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise CostcalcError(f"--annotate {out_path}: cannot write ({e.strerror or e})") from None
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


_MARK = {"equal": "✓", "not equal": "✗", "unverifiable": "?"}


def _review_line(r: Row, fmt: str) -> str:
    """'> ✗ costcalc, line 56: `MxPxPxN` — …': the verdict, the claim, the true form or value."""
    lead = "% " if fmt == "latex" else "> "
    claim = _clip(r.claim, 60)
    code = f"`{claim}`" if fmt != "latex" else claim
    head = f"{lead}{_MARK[r.verdict]} costcalc, line {r.line}: {code} — "
    body = r.note
    if r.verdict == "equal":
        body = r.truth or r.note
    elif r.verdict == "unverifiable":
        body = "unverifiable: " + r.note
    body = re.sub(r"^=\s*", "", body)
    return head + _clip(body, 220)


def _clip(s: str, width: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= width else s[:width - 1] + "…"


# -- the article as a reviewer holds it ------------------------------------------------------

class _Article:
    def __init__(self, text: str, fmt: str, let: dict):
        self.text = text
        self.doc: Document = read(text, fmt)
        self.reader = Reader(self.doc)
        self.let = let
        self.eqs: dict[str, sp.Expr] = {}
        self.named: dict[str, sp.Expr] = {}  # C_dw = K^2 M H^2: a name the text gives a cost
        self._kdefault = None
        self._kd_done = False

    def name_uses(self) -> dict:
        """How often each symbol name appears in the article's formulas."""
        if not hasattr(self, "_uses"):
            from collections import Counter

            from .plain import x_product

            c: Counter = Counter()
            for s in self.doc.sentences:
                for sp_ in s.spans:
                    body = re.sub(r"\\[A-Za-z]+", " ", sp_.body.replace("\\_", "_"))
                    for m in re.finditer(r"[A-Za-z][A-Za-z0-9_{}]*'*", body):
                        w = m.group(0).replace("{", "").replace("}", "")
                        for part in (x_product(w) or [w]):
                            if part[-1:] in "23" and part[:-1] in AUTO:
                                part = part[:-1]
                            if part and not part.isdigit():
                                c[part] += 1
            self._uses = dict(c)
        return self._uses

    def kdefault(self):
        if not self._kd_done:
            self._kd_done = True
            self._kdefault = NUM.kernel_default(self.text)
        return self._kdefault

    def words(self, i: int) -> tuple[str, list[int]]:
        """Sentence i as words: a plain formula's phrases and labels as written, an explicit
        formula as a blank; and where each formula sits in that text."""
        text, anchors, _ = self._words(i)
        return text, anchors

    @lru_cache(maxsize=None)
    def _words(self, i: int):
        s = self.doc.sentences[i]
        out, anchors, fmap, k, n = [], [], [], 0, 0
        for ch in s.flat:
            fmap.append(n)
            if ch == SPAN:
                sp_ = s.spans[k]
                anchors.append(n)
                piece = " " + _unplace(sp_) + " " if sp_.how == "plain" else " ⟨formula⟩ "
                k += 1
            else:
                piece = ch
            out.append(piece)
            n += len(piece)
        fmap.append(n)
        return "".join(out), anchors, fmap

    def at_words(self, i: int, flat_pos: int) -> int:
        return self._words(i)[2][min(flat_pos, len(self._words(i)[2]) - 1)]

    def previous(self, i: int) -> int | None:
        if i == 0:
            return None
        a, b = self.doc.sentences[i - 1], self.doc.sentences[i]
        return i - 1 if a.heading == b.heading else None

    def sources(self, i: int, anchor: int, label: str = "", anchor_end: int | None = None) -> list[Source]:
        s = self.doc.sentences[i]
        text, _ = self.words(i)
        out = []
        if label:
            out.append(Source("label", label, len(label)))
        out.append(Source("sentence", text, anchor, anchor_end))
        p = self.previous(i)
        prose = re.sub(r"⟨formula⟩", " ", text)
        for sp_ in s.spans:
            if sp_.how == "plain":
                prose = prose.replace(_unplace(sp_), " ")
        own_words = len(re.findall(r"[A-Za-z]{3,}", prose))
        if p is not None and not (self.doc.sentences[p].block == s.block or own_words <= 6 or
                                  re.match(r"\W*(so|hence|thus|therefore|then|this|that|it|its|"
                                           r"which|here|these|such|now)\b", prose, re.I)):
            p = None
        if p is not None:
            pt, _ = self.words(p)
            out.append(Source("previous", pt, len(pt)))
        if s.heading:
            out.append(Source("heading", s.heading, len(s.heading)))
        if s.section and s.section != s.heading:
            out.append(Source("section", s.section, len(s.section)))
        return out

    def let_at(self, i: int) -> tuple[dict, dict]:
        """{name: role} in force at sentence i (the text's definitions, then --let), and
        {name: how it was bound} for the notes."""
        roles, how = {}, {}
        for name, d in self.reader.binding(i).items():
            roles[name] = d.role
            how[name] = f"{d.role} (line {d.line}: '{_clip(d.words, 50)}')"
        for name, role in self.let.items():
            roles[name] = role
            how[name] = f"{role} (--let)"
        return roles, how

    def value_levels(self, i: int, clause: str = "") -> list[Values]:
        from .prose import stated_values

        sents = self.doc.sentences
        first = i
        while first > 0 and sents[first - 1].block == sents[i].block:
            first -= 1
        levels = []
        head = sents[i].heading
        if head:  # '## Layer 3: a 5×5 layer with M = 32 on a 14×14 map' sets the section's values
            levels.append(stated_values(head))
        p = self.previous(first)
        if p is not None:
            levels.append(self.reader.values[p])
        named = self.reader.named_values(i, sents[i].reading())
        if not named.empty():
            levels.append(named)
        levels += [self.reader.values[j] for j in range(first, i + 1)]
        if clause:
            levels.append(stated_values(clause))
        return levels

    def roles_at(self, i: int, clause: str = "") -> dict:
        """{role: [values]} with the nearest statement winning: clause over sentence over
        paragraph over the sentence before it."""
        out: dict = {}
        for level in self.value_levels(i, clause):
            out.update(self.roles_of(level, i))
        return out

    def roles_of(self, v: Values, i: int) -> dict:
        """Values by role: a named symbol's value goes to the role the text gives it."""
        out: dict = {}
        roles, _ = self.let_at(i)
        for name, vals in v.by_name.items():
            role = roles.get(name) or AUTO.get(name)
            if role:
                out[role] = vals
        for role, vals in v.by_role.items():  # 'for a 5 x 5 filter' picks one of 'm = 3, 5, 7'
            if role not in out or len(out[role]) > 1:
                out[role] = vals
        if "Di" in out and "Df" not in out and self.reader.same_size(i):
            out["Df"] = out["Di"]  # stride 1 and 'same' padding: the input side is the output side
        return out


def _unplace(sp_: Span) -> str:
    body = sp_.body
    for name, (what, text) in sp_.refs.items():
        if what in ("phrase", "label"):
            body = body.replace(name, text)
        elif what == "eq":
            body = body.replace(name, f"(eq. {text})")
    return body


# -- formulas --------------------------------------------------------------------------------

_INEQ = re.compile(r"[<>≤≥≪≫]|\\(?:le|ge|leq|geq|ll|gg|neq|ne|lt|gt|in|subset)\b|!=")
_CUES_BEFORE = re.compile(
    r"(?:costs?|cost is|cost of|costs are|requires?|needs?|takes?|uses?|performs?|is|are|"
    r"becomes?|equals?|gives?|given by|computed as|amounts to|equivalent to|equal to|"
    r"simplifies to|reduces to|approaches|tends to|=|:)\s*(?:of\s+)?(?:just\s+|only\s+)?$",
    re.I)
_COST_NOUN = r"mult[\s-]*adds?|multiply|multiplications?|multiplicants?|operations|ops\b|macs?\b|" \
             r"flops?|parameters|params|weights|computation\w*|complexit\w*|\bcosts?\b|\bratio\b|" \
             r"reduction|saving"
_AFTER_NOUN = (r"mult[\s-]*adds?|multiply[\s-]*(?:adds?|accumulates?)|multiplications?|multiplicants?|"
               r"operations|ops|macs?|madds|flops?|parameters|params|weights")
_WORKED = re.compile(
    r"(?P<rel>=|≈|\\approx)\s*(?P<h>~\s*)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(?:\\[,;! ]\s*)*(?:\\(?:text|mathrm|rm)\s*\{\s*)?(?P<sc>million|billion|thousand|M|B|G|K|k)?"
    r"\s*\}?\s*(?:\\(?:text|mathrm)\s*\{[^}]*\}|mult[\s-]*adds?|MACs?|MAdds|FLOPs?|params|parameters|"
    r"multiplications|operations)?\s*$")


def _prepare(text: str) -> tuple[str, NUM.NumClaim | None]:
    """The formula text ready for the parser, and a worked value split off its end."""
    t = text.strip()
    t = re.sub(r"\\(tag|label)\{[^}]*\}", " ", t)
    t = re.sub(r"\\(begin|end)\{[a-zA-Z*]+\}|&", " ", t)
    t = re.sub(r"(\d)\{,\}(\d)", r"\1\2", t)
    t = re.sub(r"\\(quad|qquad)\b", " ", t)
    t = t.strip().rstrip(".,;").strip()
    t = re.sub(r"\\[,;:!]\s*$", "", t).strip().rstrip(".,;").strip()
    worked = None
    m = _WORKED.search(t)
    head = t[:m.start()] if m else ""
    if m and re.search(r"[-+*/^·×]|\\(?:cdot|times|frac)|\w\s+\w|\d\s*[A-Za-z(]|\w\(", head):
        sc = NUM._SCALE.get(m.group("sc") or "", 1)
        num = m.group("num")
        worked = NUM.NumClaim(-1, 0, 0, m.group(0).strip().lstrip("=≈").strip(), "value",
                              NUM._f(num) * sc,
                              hedged=m.group("rel") != "=" or bool(m.group("h")),
                              half=NUM._half(num, sc))
        t = t[:m.start()].rstrip()
    t = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", t)  # 462,422,016 -> 462422016
    return t, worked


@dataclass
class _Side:
    text: str
    expr: sp.Expr | None
    names: dict
    free: list
    readings: list
    label: bool
    decimals: int | None = None
    literals: list = field(default_factory=list)
    unknown: list = field(default_factory=list)


def _parse(text: str, roles: dict, family: str | None, extra: dict):
    return _parse_cached(text, tuple(sorted(roles.items())), family,
                         tuple(sorted(extra.items(), key=lambda kv: kv[0])))


@lru_cache(maxsize=4096)
def _parse_cached(text, roles, family, extra):
    return parse_chain(text, Binding(dict(roles), family, lenient=True, extra=dict(extra)))


def _family_sides(cache: dict, text: str, roles: dict, family, extra: dict):
    """The formula's sides read with a kind family's names (N the image side for the spatial
    kinds), once per family; None when that reading is refused."""
    if family not in cache:
        try:
            cache[family] = _sides(_parse(text, roles, family, extra))
        except ExpressionError:
            cache[family] = None
    return cache[family]


def _sides(chain) -> list[_Side]:
    out = []
    for s in chain.sides:
        is_label = s.expr is None or (s.expr.is_Symbol and (s.expr in s.free or s.expr not in set(SYM.values())))
        out.append(_Side(s.text, s.expr, dict(s.names), list(s.free), list(s.readings), is_label,
                         s.decimals, list(s.literals), list(s.unknown)))
    return out


@dataclass
class _Match:
    kind: K.RefKind
    ok: bool
    sub: dict  # free symbol -> role symbol
    ref: sp.Expr  # the reference compared (scaled, specialised)
    how: str = ""  # exact | asymptotic | flops | stated
    link: Link | None = None
    spec: dict = field(default_factory=dict)  # stated values put into the reference


def _match(expr: sp.Expr, free: tuple, kname: str, values: dict, large: bool, flops: bool) -> _Match:
    # only the values of roles the author wrote as numbers matter (see _match_cached)
    wanted = _roles_needed(expr, kname)
    vals = tuple(sorted((k, tuple(v)) for k, v in values.items() if k in wanted))
    return _match_cached(expr, free, kname, vals, large, flops)


@lru_cache(maxsize=4096)
def _roles_needed(expr, kname) -> frozenset:
    ref = K.reference(K.KINDS[kname], SYM["alpha"] in expr.free_symbols, SYM["rho"] in expr.free_symbols)
    return frozenset(s.name for s in essential(ref) if s not in expr.free_symbols)


@lru_cache(maxsize=4096)
def _match_cached(expr, free, kname, values, large, flops) -> _Match:
    k = K.KINDS[kname]
    alpha, rho = SYM["alpha"] in expr.free_symbols, SYM["rho"] in expr.free_symbols
    ref = K.reference(k, alpha, rho)
    used = expr.free_symbols - set(free)
    # a value the text states for a role the author wrote as a number ('(N-2)(N-2)·3·3')
    spec = {}
    ess = essential(ref)
    for role, v in values:
        sym = SYM[role]
        if sym in ess and sym not in used and len(v) == 1:
            spec[sym] = sp.Rational(v[0].numerator, v[0].denominator)
    for role, neutral in k.optional:
        if SYM[role] in ref.free_symbols and SYM[role] not in used:
            spec[SYM[role]] = sp.Integer(neutral)  # no g in the formula: the ungrouped layer
    ref_s = ref.xreplace(spec) if spec else ref
    targets = sorted((essential(ref_s) - used) & set(SYM.values()), key=_order)
    best = None
    if len(free) <= 4 and len(free) <= max(len(targets), 0) or not free:
        for perm in itertools.permutations(targets, len(free)):
            sub = dict(zip(free, perm))
            e = expr.xreplace(sub)
            for factor in ((1, 2) if flops else (1,)):
                r = ref_s * factor
                if _screen(e, r) is None and _proved_zero(e - r) is not False:
                    return _Match(k, True, sub, r, "flops" if factor == 2 else
                                  ("stated" if spec else "exact"), spec=spec)
                if large and (k.what == "ratio" or ratio_like(e) and ratio_like(r)) and asymptotic(e, r):
                    return _Match(k, True, sub, r, "asymptotic", spec=spec)
            if best is None:
                best = sub
    return _Match(k, False, best or {}, ref_s, spec=spec)


class _Formula:
    """One formula span, analysed."""

    def __init__(self, art: _Article, i: int, k: int):
        self.art, self.i, self.k = art, i, k
        self.sent: Sentence = art.doc.sentences[i]
        self.span: Span = self.sent.spans[k]

    def skip(self, why: str):
        return ("skip", why)

    def analyse(self):
        art, span = self.art, self.span
        text, worked = _prepare(span.body)
        row = Row(span.line, _clip(_unplace(span), 200), "equal", "", "formula",
                  sentence=_sentence_text(art, self.i), end_line=span.end_line,
                  order=span.start)
        if not text:
            return self.skip("empty")
        if _INEQ.search(text):
            return self.skip("a condition, not a cost")
        roles, how = art.let_at(self.i)
        words, anchors = art.words(self.i)
        anchor = anchors[self.k] if self.k < len(anchors) else len(words)
        anchor_end = anchor + (len(_unplace(span)) + 2 if span.how == "plain" else len(" ⟨formula⟩ "))
        label = span.label
        labels = [t for w, t in span.refs.values() if w == "label"]
        head = _label_side_text(text)
        label = " ".join([label] + [x for x in labels if x not in label]).strip()
        sources = art.sources(self.i, anchor, label, anchor_end)
        if head:  # the name the formula gives itself decides first (C_dw = …)
            sources.insert(0, Source("label", head, len(head)))
        named = _NAMED_AFTER.match(words[anchor_end:anchor_end + 80])
        if named:  # '… for the depthwise bit', '… for the 1x1 part'
            part = re.sub(r"^1\s*[x×]\s*1$", "1x1 (pointwise)", named.group("k").strip())
            if any(h.tag != "conv" for h in kind_hits(part)):
                sources.insert(0, Source("label", part, len(part)))
        # what the words around it say, before reading it: placeholders need the kind
        first_guess = decide(sources)
        extra, unreadable = self.placeholders(first_guess)
        try:
            chain = _parse(text, roles, None, extra)
        except ExpressionError as e:
            row.verdict, row.reason = "unverifiable", "refused"
            row.note = f"refused: {e}"
            return row
        sides = _sides(chain)
        same = art.reader.same_size(self.i)
        if same and first_guess.kinds and first_guess.kinds[0] not in _KEEP_INPUT_SIDE and \
                any(s.expr is not None and SYM["Di"] in s.expr.free_symbols for s in sides) and \
                not any(s.expr is not None and SYM["Df"] in s.expr.free_symbols for s in sides):
            # stride 1 and 'same' padding: the input side the text names is the output side
            roles = {n: ("Df" if r == "Di" else r) for n, r in roles.items()}
            how = {n: (h.replace("Di (", f"Df (= the input side at stride 1 with 'same' padding, "
                                          f"line {same}; ", 1) if roles.get(n) == "Df" and
                       h.startswith("Di") else h) for n, h in how.items()}
            try:
                chain = _parse(text, roles, None, extra)
            except ExpressionError as e:
                row.verdict, row.reason, row.note = "unverifiable", "refused", f"refused: {e}"
                return row
            sides = _sides(chain)
        checked = [s for s in sides if not s.label]
        if not checked:
            return self.skip("a label")
        if unreadable:
            row.verdict, row.reason = "unverifiable", "unreadable-words"
            row.note = unreadable
            return row
        symbolic = [s for s in checked if s.expr.free_symbols]
        numeric = [s for s in checked if not s.expr.free_symbols]
        lab_sides = [s.text for s in sides if s.label]
        # output side: D_F = (D_I - D_K + 2p)/s + 1
        out_side = len(sides) >= 2 and sides[0].expr is not None and sides[0].expr == SYM["Df"] and \
            any(s.expr is not None and SYM["Di"] in s.expr.free_symbols for s in sides[1:])
        if out_side:
            checked = [s for s in sides[1:] if not s.label]
            symbolic = [s for s in checked if s.expr.free_symbols]
        cue = self.claims_cost(words, anchor, label + " " + " ".join(lab_sides)) or \
            comparative(words[anchor_end:anchor_end + 60]) is not None  # 'R^2 times more expensive
        quantity_label = cue or (bool(lab_sides) and has(_COST_NOUN, " ".join(lab_sides)))
        if not out_side and worked is None and all(_atom(s) for s in checked) and not (
                quantity_label and checked[0].expr.free_symbols):
            if len(checked) < 2 or not all(s.expr.is_number for s in checked):
                return self.skip("an assignment" if len(sides) > 1 else "notation")
        if not symbolic and worked is None and len(checked) < 2:
            return self.skip("numbers only")
        if len(sides) == 1 and worked is None and not out_side:
            e = symbolic[0].expr if symbolic else None
            if e is None:
                return self.skip("numbers only")
            if _atom(symbolic[0]):
                after = words[anchor:anchor + 40]
                after = re.sub(r"^\s*⟨formula⟩", "", after) if span.how != "plain" else \
                    words[anchor + len(_unplace(span)) + 2:anchor + len(_unplace(span)) + 40]
                if not re.match(r"\s*(?:" + _AFTER_NOUN + r")\b", after, re.I) and not comparative(after):
                    return self.skip("notation")
            elif not cue and not _cost_shaped(e):
                return self.skip("notation")
        after_words = words[anchor_end:anchor_end + 60]
        cmp = comparative(after_words)  # '$D_K^2$ times cheaper': a factor, so a ratio
        dimless = bool(symbolic) and (ratio_like(symbolic[0].expr) or cmp is not None or (
            has(r"\bratio\b", words[:anchor]) and sp.fraction(sp.cancel(symbolic[0].expr))[1].free_symbols))
        d = decide(sources, dimensionless=dimless)
        pair = ratio_pair(words[:anchor], words[anchor_end:], cmp) if d.kinds and \
            d.kinds[0] == "ratio" else None
        if pair is not None:  # the two convolutions the sentence compares, each side
            d.kinds = [K.pair_kind(*pair)]
        elif d.kinds and d.kinds[0] in ("ratio", "spatial_ratio") and \
                inverted(words[:anchor], cmp):  # stated as standard / separable
            d.kinds = [{"ratio": "inverse_ratio", "spatial_ratio": "spatial_inverse_ratio"}.get(x, x) for x in d.kinds]
        if out_side:
            d = Decision(["out_side"], "out_side", f"{sides[0].text.strip()} = … of the input side",
                         "formula", "macs")
        row.words = d.says()
        large = bool(has(LARGE, words)) or bool(has(LARGE, " ".join(
            art.words(p)[0] for p in [art.previous(self.i)] if p is not None)))
        values = art.roles_at(self.i)
        names: dict = {}
        for s in sides:
            for sym, n in s.names.items():
                names.setdefault(sym, n)
        self.prose_names(names, roles, how)
        nm = Namer(names)
        row.binding = {n: how[n] for n in sorted({n for s in sides for n in s.names.values()})
                       if n in how}
        readings = [r for s in sides for r in s.readings]
        notes: list[str] = []
        verdict = "equal"
        reason = ""
        matched: _Match | None = None
        # 1. each symbolic side against the kind the words name
        fam_sides = {}
        if d.kinds:
            row.kind = d.kinds[0]
            for kname in d.kinds:
                fs = _family_sides(fam_sides, text, roles, K.KINDS[kname].family, extra)
                if fs is None:
                    continue
                fc = [s for s in fs if not s.label]
                if out_side:
                    fc = [s for s in fs[1:] if not s.label]
                fsym = [s for s in fc if s.expr.free_symbols]
                if not fsym:
                    continue
                m = _match(fsym[0].expr, tuple(fsym[0].free), kname, values, large,
                           d.measure == "flops")
                if m.ok:
                    matched = m
                    row.kind = kname
                    for sym, n in fsym[0].names.items():
                        names[sym] = n  # the formula's own spelling beats the text's
                    readings += [r for s in fs for r in s.readings if r not in readings]
                    symbolic = fsym
                    checked = fc
                    break
            nm = Namer(names)
            if matched is None and symbolic:
                kname = d.kinds[0]
                fam = K.KINDS[kname].family
                fs = fam_sides.get(fam) or sides
                fc = [s for s in (fs[1:] if out_side else fs) if not s.label]
                fsym = [s for s in fc if s.expr.free_symbols] or symbolic
                for sym, n in fsym[0].names.items():
                    names[sym] = n
                nm = Namer(names)
                if d.tag is None and d.source in ("heading", "section"):
                    verdict, reason = "unverifiable", "no-kind"
                    notes.append(f"no words in its sentence name its kind, and it is none of the "
                                 f"costs its section is about ({', '.join(K.KINDS[x].title for x in d.kinds)})")
                elif fsym[0].free:
                    undefined = ", ".join(f"'{nm.name(x)}'" for x in fsym[0].free)
                    one = len(fsym[0].free) == 1
                    ref_text = nm.pretty(display_form(K.reference(
                        kname, SYM['alpha'] in fsym[0].expr.free_symbols,
                        SYM['rho'] in fsym[0].expr.free_symbols), fsym[0].expr))
                    if _every_reading_tried(fsym[0], kname):  # wrong whatever they stand for
                        verdict = "not equal"
                        notes.append(f"{undefined} {'is' if one else 'are'} not defined in the text, and "
                                     f"the formula is wrong under every reading of {'it' if one else 'them'} "
                                     f"as a role: the {K.KINDS[kname].title} is {ref_text}")
                        row.truth = f"the {K.KINDS[kname].title} is {ref_text}"
                    else:
                        verdict, reason = "unverifiable", "undefined"
                        notes.append(f"{undefined} {'is' if one else 'are'} not "
                                     f"defined in the text, and no reading of "
                                     f"{'it' if one else 'them'} as a role makes it "
                                     f"the {K.KINDS[kname].title} ({ref_text}); "
                                     f"bind {'it' if one else 'them'} with --let")
                else:
                    verdict = "not equal"
                    m = _match(fsym[0].expr, (), kname, values, large, d.measure == "flops")
                    notes.append(self.wrong(fsym[0], m, nm, d, roles, extra))
                    row.truth = f"the {m.kind.title} is {nm.pretty(display_form(m.ref, fsym[0].expr))}"
                symbolic, checked = fsym, fc
        elif symbolic:
            # no word names a kind: recognise it, or say that nothing can be checked
            for kname in _SEARCH_ORDER:
                fs = _family_sides(fam_sides, text, roles, K.KINDS[kname].family, extra)
                if fs is None:
                    continue
                fsym = [s for s in fs if not s.label and s.expr.free_symbols]
                if not fsym or len(fsym[0].free) > 2:
                    continue
                m = _match(fsym[0].expr, tuple(fsym[0].free), kname, {}, False, False)
                if m.ok:
                    matched = m
                    row.kind = kname
                    row.words = "no words name a kind: recognised from the formula"
                    for sym, n in fsym[0].names.items():
                        names.setdefault(sym, n)
                    nm = Namer(names)
                    symbolic = fsym
                    checked = [s for s in fs if not s.label]
                    break
        nm = Namer(names)
        if matched is not None:
            notes.insert(0, self.matched(matched, nm, symbolic[0]))
            row.truth = notes[0]
            for fsym_, role in matched.sub.items():
                row.binding[nm.name(fsym_)] = f"{role.name} (not defined in the text; the only " \
                                              f"reading that fits)"
        # 2. each side against the next (a free symbol read as the match read it)
        sub = dict(matched.sub) if matched else {}
        if matched is not None:
            for x in symbolic[1:]:
                rest = tuple(f for f in x.free if f not in sub)
                if rest:
                    mm = _match(x.expr.xreplace(sub), rest, matched.kind.name, values, large,
                                d.measure == "flops")
                    if mm.ok:
                        sub.update(mm.sub)
                        for fsym_, role in mm.sub.items():
                            row.binding[nm.name(fsym_)] = f"{role.name} (not defined in the " \
                                                          f"text; the only reading that fits)"
        links: list[Link] = []
        pairs = list(zip(checked, checked[1:]))
        rels = [r for r in chain.relations]
        for n, (x, y) in enumerate(pairs):
            a, b = x.expr.xreplace(sub), y.expr.xreplace(sub)
            rel = rels[n] if n < len(rels) else "="
            tol = _tolerance(x, y, rel)
            if a.free_symbols and not b.free_symbols and values:
                env = _values_env(a, values)
                if env is not None:
                    link = Link(x.text, y.text, a, b, rel)
                    va = _eval(a, env)
                    vb = _eval(b, {})
                    if va is not None and vb is not None and (va == vb or tol is not None and
                                                              abs(va - vb) <= tol):
                        link.how, link.evaluation = "evaluation", env
                    else:
                        link.verdict, link.how = "not_equal", "evaluation"
                        link.counterexample = {"at": env, "left": va, "right": vb}
                    links.append(link)
                    continue
            links.append(compare(a, b, rel, x.text, y.text, tol=tol,
                                 literals=(x.literals, y.literals)))
        for n, l in enumerate(links):
            if not l.equal:
                verdict = "not equal"
                notes.append(_broken(n, l, nm))
            elif l.how == "asymptotic":
                notes.append(f"side {n + 1} ≈ side {n + 2} for large "
                             + ", ".join(nm.name(s) for s in l.asymptotic))
        row.links = [link_dict(l, nm) for l in links]
        if sub:
            notes.append("; ".join(f"{nm.name(f)} (not defined in the text) read as {r.name}, the "
                                   f"only reading that fits" for f, r in sub.items()))
        # a chain of numbers for a named kind: the kind at the values the text states
        if not symbolic and d.kinds and d.kinds[0] in K.KINDS and numeric:
            ref = K.reference(d.kinds[0])
            env = _values_env(sp.cancel(ref), values)
            if env is not None:
                truth = _eval(ref, {SYM[k.name]: v for k, v in env.items()})
                got = _eval(numeric[0].expr, {})
                at = ", ".join(f"{k.name}={_plain(v)}" for k, v in sorted(env.items(), key=lambda kv: _order(kv[0])))
                if truth is not None and got is not None and truth == got:
                    notes.append(f"= the {K.KINDS[d.kinds[0]].title} at {at}: {NUM.shown(truth, 'count')}")
                elif truth is not None and got is not None:
                    verdict = "not equal"
                    notes.append(f"the {K.KINDS[d.kinds[0]].title} at {at} is {NUM.shown(truth, 'count')}, "
                                 f"not {NUM.shown(got, 'count')}")
        # 3. a worked value after it: '= 462M'
        if worked is not None:
            v_ok, v_note = self.worked(worked, checked, symbolic, values, sub, nm, matched, d)
            notes.append(v_note)
            if v_ok is False:
                verdict = "not equal"
                row.truth = v_note
            elif v_ok is None and verdict == "equal":
                verdict, reason = "unverifiable", "no-value"
        if verdict == "equal" and matched is None and not links and worked is None:
            verdict, reason = "unverifiable", "no-kind"
            notes.insert(0, "no words name its kind (standard, depthwise, pointwise, separable, "
                            "ratio, …) and it is not one of the known costs")
        if readings:
            notes.append("read: " + "; ".join(dict.fromkeys(readings)))
        conflict = self.conflicts(sides)
        if conflict:
            notes.append(conflict)
        first = sides[0] if sides else None
        if first is not None and first.label and len(first.unknown) == 1 and symbolic and \
                re.fullmatch(r"[A-Za-z]\w*", first.unknown[0]) and verdict != "unverifiable":
            self.art.named[first.unknown[0]] = symbolic[0].expr.xreplace(sub)
        if span.tag:
            expr0 = (symbolic[0].expr.xreplace(sub) if symbolic else None)
            if expr0 is not None:
                art.eqs[span.tag] = expr0
        if verdict == "not equal" and matched is not None and notes and notes[0].startswith("= ") and \
                len(checked) > 1:
            # the first side is right and a later one is not: say which side the '=' is about
            notes[0] = f"side 1 is right ({notes[0][2:]})"
        row.verdict, row.reason = verdict, reason
        row.note = "; ".join(n for n in notes if n)
        return row

    # --------------------------------------------------------------------------------------
    def placeholders(self, guess: Decision) -> tuple[dict, str]:
        """Expressions for what the prose put into the formula: a quantity named in words,
        an earlier equation, a label."""
        extra: dict = dict(self.art.named)
        bad = ""
        for name, (what, text) in self.span.refs.items():
            if what == "label":
                extra[name] = sp.Symbol(f"label_{name}")
            elif what == "eq":
                if text in self.art.eqs:
                    extra[name] = self.art.eqs[text]
                else:
                    extra[name] = sp.Symbol(f"label_{name}")
                    bad = bad or f"it refers to eq. {text}, which is not given above"
            else:
                e = _phrase_expr(text, guess)
                if e is None:
                    extra[name] = sp.Symbol(f"label_{name}")
                    bad = bad or f"'{text}' does not name a quantity costcalc knows"
                else:
                    extra[name] = e
        return extra, bad

    def prose_names(self, names: dict, roles: dict, how: dict) -> None:
        """Print the reference in the text's own symbols: a role the formula does not write
        takes the name the text defined for it (the latest definition above first)."""
        defs = self.art.reader.binding(self.i)
        uses = self.art.name_uses()

        def recent(n):  # the name the text writes most, then the latest definition above
            if n not in defs:
                return (0, -uses.get(n, 0), 0) if n in uses else (2, 0, 0)
            j = defs[n].sentence
            return (0, -uses.get(n, 0), -j) if j <= self.i else (1, -uses.get(n, 0), j)

        cands = dict(roles)
        for n in uses:  # the AUTO spellings the article writes (D_F, Dk) are names too
            if n not in cands and AUTO.get(n):
                cands[n] = AUTO[n]
        for name in sorted(cands, key=recent):
            role = cands[name]
            if role in SYM and SYM[role] not in names and (name in how or name not in roles):
                names[SYM[role]] = name

    def claims_cost(self, words: str, anchor: int, label: str) -> bool:
        before = words[max(0, anchor - 60):anchor]
        after = words[anchor:anchor + 60]
        after = re.sub(r"^\s*⟨formula⟩", "", after)
        if has(_COST_NOUN, label):
            return True
        if _SHAPE_BEFORE.search(before) and not re.match(r"\s*(?:[\w.-]{0,14}\s)?(?:" + _AFTER_NOUN + r")\b",
                                                         after, re.I):
            return False  # 'each depthwise filter is Dk x Dk x 1': a shape, not a cost
        if _CUES_BEFORE.search(before) and has(_COST_NOUN + "|" + "|".join(
                p for _, p in [("", r"separable|depth[\s-]*wise|point[\s-]*wise|standard|"
                                    r"convolution|layer")]), before):
            return True
        if re.match(r"\s*(?:[\w.-]{0,14}\s)?(?:" + _AFTER_NOUN + r")\b", after, re.I):
            return True
        if re.match(r"\s*(?:of|times)\s+(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,3}?(?:cost|computation|"
                    r"complexity|" + _AFTER_NOUN + r")\b", after, re.I):
            return True  # '… gives 1/N + 1/K of the standard cost'

        if re.search(r"(?:ratio|reduction|cost|complexity|computation)\s+(?:\w+\s+){0,3}"
                     r"(?:is|becomes|of|equals|:)\s*$", before, re.I):
            return True
        return self.span.how == "display" and bool(re.search(r":\s*$", before))

    def matched(self, m: _Match, nm: Namer, side: _Side) -> str:
        text = m.kind.title
        if m.how == "flops":
            text = text.replace("MACs", "FLOPs (= 2·MACs)")
        form = nm.pretty(display_form(m.ref / (2 if m.how == "flops" else 1), side.expr))
        out = f"= {text}: {form}"
        if m.how == "asymptotic":
            out += " in the limit (the text says the sizes are large)"
        if m.spec:
            out += _spec_text(m, nm)
        return out

    def wrong(self, side: _Side, m: _Match, nm: Namer, d: Decision, roles, extra) -> str:
        expr = side.expr
        ref = m.ref
        text = f"the {m.kind.title} is {nm.pretty(display_form(ref, expr))}"
        l = compare(expr, ref)
        cex = l.counterexample or {}
        if cex.get("at"):
            text += f"; at {nm.at(cex['at'])}: {_num(cex['left'])} vs {_num(cex['right'])}"
        if l.factor is not None and l.factor.is_number:
            f = l.factor
            text += f"; off by a factor {nm.pretty(f)}"
        conds = _sensible(l.conditions)
        if conds:
            text += "; agrees when " + " or ".join(nm.condition(c) for c in conds)
        elif l.factor is None and not l.asymptotic:
            text += "; no simple condition makes them agree"
        if l.asymptotic:
            text += "; they agree only for large " + ", ".join(nm.name(x) for x in l.asymptotic)
        if m.spec:
            text += " (" + _spec_text(m, nm).strip() + ")"
        other = None
        for kname in _SEARCH_ORDER:
            if kname == m.kind.name:
                continue
            mm = _match(expr, (), kname, {}, False, False)
            if mm.ok:
                other = mm
                break
        if other is not None:
            text += f"; it is the {other.kind.title}"
        else:
            hint = _rebinding(expr, ref)
            if hint:
                text += "; it would be equal with " + " and ".join(
                    f"{nm.name(old)} read as {new.name} ({ROLE_DOC.get(new.name, new.name)})"
                    for old, new in hint.items())
        return text

    def worked(self, w, checked, symbolic, values, sub, nm, matched, d):
        """(ok | None, note) for a worked value after the formula."""
        target = None
        where = ""
        nums = [s for s in checked if not s.expr.free_symbols]
        if nums:
            target = _eval(nums[-1].expr, {})
            where = f"{nums[-1].text.strip()}"
        elif symbolic:
            e = symbolic[0].expr.xreplace(sub)
            env = _values_env(e, values)
            if env is None:
                miss = sorted(nm.name(s) for s in e.free_symbols
                              if s.name not in values or len(values[s.name]) != 1)
                return None, (f"the value {w.text} cannot be checked: the text gives no value for "
                              + ", ".join(miss))
            target = _eval(e, env)
            where = f"the formula at {nm.at(env)}"
        if target is None:
            return None, f"the value {w.text} cannot be checked"
        ok = NUM.agrees(Fraction(target), w)
        truth = NUM.shown(Fraction(target), "count")
        if ok:
            return True, f"{where} = {truth}: the worked value {w.text} ✓"
        return False, f"the worked value {w.text} is wrong: {where} = {truth}"

    def conflicts(self, sides) -> str:
        """A symbol the text defines two ways ('feature map size D_F', later 'D_F is the
        input side')."""
        used = {n for s in sides for n in s.names.values()}
        out = []
        for name in sorted(used):
            ds = [d for d in self.art.reader.defs if d.name == name]
            roles = {d.role for d in ds}
            if len(roles) > 1:
                here = self.art.reader.definition(name, self.i)
                sec = self.sent.section
                others = [d for d in ds if d.role != (here.role if here else None) and not d.scope
                          and (self.art.doc.sentences[d.sentence].section == sec or
                           (here is not None and here.sentence > self.i))]
                if others:
                    o = others[0]
                    out.append(f"note: the text also defines {name} as {ROLE_DOC.get(o.role, o.role)} "
                               f"(line {o.line})")
        return "; ".join(out)


def _phrase_expr(text: str, guess: Decision) -> sp.Expr | None:
    """'no. of filters' -> N; 'Depth wise conv. multiplications' -> the depthwise MACs;
    'Number of operations per convolution' -> the per-output cost of the kind around it."""
    from .prose import PER_OUTPUT, kinds_for

    role = role_of_phrase(text)
    if role is not None:
        return SYM[role]
    d = decide([Source("phrase", text, len(text))])
    if d.tag is not None and has(PER_OUTPUT, text):
        d.per_output = True
        d.kinds = kinds_for(d, text)
    if d.tag is None or not d.kinds or (d.tag == "standard" and not kind_hits_strong(text)):
        if not has(MEASURE_WORDS["macs"] + "|" + MEASURE_WORDS["params"], text) or not guess.kinds:
            return None
        base = guess.kinds[0]
        d = Decision([], guess.tag, guess.words, guess.source,
                     "params" if has(MEASURE_WORDS["params"], text) else "macs",
                     per_output=bool(has(r"\bper\b|single|one\b|each", text)),
                     spatial=guess.spatial)
        d.kinds = kinds_for(d, text) or [base]
    if not d.kinds:
        return None
    return K.reference(d.kinds[0])


def kind_hits_strong(text: str) -> bool:
    return any(h.tag not in ("conv",) for h in kind_hits(text))


def _values_env(e: sp.Expr, values: dict) -> dict | None:
    env = {}
    for s in e.free_symbols:
        v = values.get(s.name)
        if not v or len(v) != 1:
            return None
        env[s] = v[0]
    return env


def _eval(e, env) -> Fraction | None:
    from .equations import evaluate

    try:
        v = evaluate(e, env)
    except (ZeroDivisionError, OverflowError, ValueError, CostcalcError, KeyError):
        return None
    return v if isinstance(v, Fraction) else Fraction(v).limit_denominator(10 ** 9)


def _tolerance(x: _Side, y: _Side, rel: str) -> float | None:
    return EQ.tolerance(x, y, rel, hedge=float(NUM.HEDGE_REL))  # '≈' is a hedge: the 5% rule


def _atom(s: _Side) -> bool:
    return s.expr is not None and (s.expr.is_Symbol or s.expr.is_number)


_KEEP_INPUT_SIDE = ("out_side", "transposed", "spatial_standard", "spatial_separable",
                    "spatial_ratio", "v2_block", "spatial_standard_per_output",
                    "spatial_separable_per_output")


_NAMED_AFTER = re.compile(r"\s*(?:(?:mult[\s-]*adds|MACs|multiplications|operations|ops)\s+)?(?:for|in|of)\s+"
                         r"(?:the|a|an|its)\s+(?P<k>[\w\s×-]{2,30}?)\s+(?:bit|part|step|stage|pass|half|layer|"
                         r"convolution|conv|one)s?\b", re.I)


_SHAPE_BEFORE = re.compile(r"\b(?:filter|kernel|input|output|feature[\s-]*map|image|tensor|volume)s?\s+"
                           r"(?:\w+\s+){0,2}?(?:is|are|has|have|of|becomes?|will be)\s+(?:a\s+|the\s+)?"
                           r"(?:size\s+|shape\s+|dimensions?\s+)?(?:of\s+)?$", re.I)


def _every_reading_tried(side: "_Side", kname: str) -> bool:
    """Whether _match tried every reading of the side's undefined symbols as roles (so that
    none fitting means the formula is wrong whatever they stand for)."""
    e, free = side.expr, set(side.free)
    ref = K.reference(K.KINDS[kname], SYM["alpha"] in e.free_symbols, SYM["rho"] in e.free_symbols)
    targets = (essential(ref) - (e.free_symbols - free)) & set(SYM.values())
    return 0 < len(free) <= 4 and len(free) <= len(targets)


def _label_side_text(text: str) -> str:
    """'C_{\\mathrm{dw}} = …' -> 'C dw': the name a formula gives itself, as words."""
    m = re.match(r"\s*((?:\\text\{[^}]*\}|[A-Za-z]+)(?:_\{?\\?(?:mathrm|text|rm)?\{?[A-Za-z]+\}?\}?)?)\s*(?:=|\\approx)", text)
    if not m:
        return ""
    t = re.sub(r"\\(?:mathrm|text|rm)", " ", m.group(1))
    return " ".join(re.sub(r"[{}_\\]", " ", t).split())


def _cost_shaped(e: sp.Expr) -> bool:
    """Shaped like a layer cost whatever the words say: a product of four or more sizes, or a
    sum of products of three or more (K²MNH², M·Df²·(Dk² + N))."""
    if e.has(sp.floor, sp.ceiling, sp.Min, sp.Max):
        return False
    num, _den = sp.fraction(sp.cancel(sp.together(e)))
    gens = sorted(num.free_symbols, key=lambda x: x.name)
    if not gens:
        return False
    try:
        deg = sp.Poly(num, *gens).total_degree()
    except sp.PolynomialError:
        return False
    return deg >= 4 or (sp.expand(num).is_Add and deg >= 3)


@lru_cache(maxsize=2048)
def _rebinding(expr, ref):
    return EQ.rebinding(expr, ref)


def _spec_text(m: "_Match", nm: Namer) -> str:
    neutral = {SYM[r]: v for r, v in m.kind.optional}
    stated = [(s, v) for s, v in m.spec.items() if s not in neutral or neutral[s] != v]
    out = ""
    if stated:
        out += " at the stated " + ", ".join(f"{nm.name(s)} = {v}" for s, v in stated)
    rest = [(s, v) for s, v in m.spec.items() if (s, v) not in stated]
    if rest:
        out += " with " + ", ".join(f"{s.name} = {v}" for s, v in rest) + " (the formula leaves it out)"
    return out


def _sensible(conds: list) -> list:
    """Conditions a layer can meet: a kernel size equal to an expression in the image side
    (m = 2N − 1) is no condition a reader can use."""
    out = []
    for c in conds:
        if any(lhs.name in ("Dk", "k") and rhs.free_symbols for lhs, rhs in c):
            continue
        out.append(c)
    return out


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
    if _sensible(l.conditions):
        text += "; they agree when " + " or ".join(nm.condition(c) for c in _sensible(l.conditions))
    if l.asymptotic:
        text += "; ≈ only for large " + ", ".join(nm.name(x) for x in l.asymptotic)
    return text


def _sentence_text(art: _Article, i: int) -> str:
    s = art.doc.sentences[i]
    # emphasis markers go from the prose ('*Traditional convolution*'), never from a formula
    # ('`k*k*c_in`', 'DK*DK*M'): a marker touches a word on one side only
    pieces = s.flat.split(SPAN)
    out = [_EMPHASIS.sub("", pieces[0])]
    for sp_, piece in zip(s.spans, pieces[1:]):
        out.append(" " + sp_.body + " ")
        out.append(_EMPHASIS.sub("", piece))
    t = "".join(out).replace("\n", " ")
    for name, (what, text) in [(n, r) for sp_ in s.spans for n, r in sp_.refs.items()]:
        if what in ("phrase", "label"):
            t = t.replace(name, text)
    return _clip(t, 300)


_EMPHASIS = re.compile(r"(?<![\w*])[*_]{1,3}(?=[^\s*_])|(?<=[^\s*_])[*_]{1,3}(?![\w*])|(?<![\w*])[*_]{1,3}(?![\w*])")


_SEARCH_ORDER = ["standard", "depthwise", "pointwise", "separable", "grouped", "pointwise_grouped",
                 "v2_block", "spatial_standard", "spatial_separable", "transposed", "ratio",
                 "spatial_ratio", "standard_params", "depthwise_params", "pointwise_params",
                 "separable_params", "grouped_params", "out_side"]


# -- shapes ----------------------------------------------------------------------------------

def _shape_row(art: _Article, sc) -> Row | None:
    s = art.doc.sentences[sc.sentence]
    words, _ = art.words(sc.sentence)
    anchor = max(0, words.find(sc.kind_words.split()[0])) if sc.kind_words else len(words)
    d = decide(art.sources(sc.sentence, anchor))
    tag = d.tag or "standard"
    if d.spatial or tag not in ("standard", "depthwise", "pointwise", "grouped"):
        return None
    roles, how = art.let_at(sc.sentence)
    depth = sc.depth
    if depth.isdigit():
        got = int(depth)
        got_text = depth
    else:
        from .prose import _sym_name

        name = _sym_name(depth)
        if name is None:
            return None
        got = roles.get(name) or AUTO.get(name)
        if got is None:
            return None  # the shape defines it
        got_text = f"{depth} ({ROLE_DOC.get(got, got)})"
    if sc.what == "filter":
        want = {"standard": "M", "pointwise": "M", "depthwise": 1, "grouped": "M/g"}[tag]
        whose = {"standard": "a standard convolution's filters span all M input channels",
                 "pointwise": "a pointwise filter spans all M input channels",
                 "depthwise": "a depthwise filter sees one channel",
                 "grouped": "a grouped convolution's filters span M/g channels"}[tag]
    else:
        want = {"standard": "N", "pointwise": "N", "depthwise": "M", "grouped": "N"}[tag]
        whose = {"standard": "a standard convolution outputs one channel per filter (N)",
                 "pointwise": "a pointwise convolution outputs one channel per filter (N)",
                 "depthwise": "a depthwise convolution keeps the M input channels",
                 "grouped": "a grouped convolution outputs N channels"}[tag]
    ok = got == want
    name_of = {r: n for n, r in roles.items()}
    want_text = str(want) if isinstance(want, int) else name_of.get(want, want)
    row = Row(sc.line, sc.text, "equal" if ok else "not equal", "", "shape",
              sentence=_sentence_text(art, sc.sentence), kind=f"{tag} {sc.what} shape",
              words=d.says() or "'convolution' (no other kind named)", end_line=s.end_line,
              order=s.start)
    row.binding = {depth: how[depth]} if depth in how else {}
    if ok:
        row.note = f"= {whose}: depth {want_text}"
        row.truth = row.note
    else:
        row.note = (f"{whose}: the depth is {want_text}, not {got_text}; the same only when "
                    f"{want_text} = {depth}" if not isinstance(want, int) or not depth.isdigit()
                    else f"{whose}: the depth is {want_text}, not {got_text}")
    return row


# -- numbers in prose ------------------------------------------------------------------------

def _clause(flat: str, a: int, b: int) -> str:
    lo = max(flat.rfind(",", 0, a), flat.rfind(";", 0, a), 0)
    his = [x for x in (flat.find(",", b), flat.find(";", b)) if x >= 0]
    return flat[lo:min(his) if his else len(flat)]


_SEPARABLE_CUES = (r"\b(?:two|2)\s+(?:\w+\s+){0,2}?(?:convolutions|filters|kernels|steps|passes)\b|"
                   r"\beach\b|\bin total\b|\bsplit\w*|\bdivided\b|\bseparat\w*|\bfactori[sz]\w*")
_STANDARD_CUES = (r"\b(?:one|a single|single|1)\s+(?:\w+\s+){0,1}?(?:convolution|filter|kernel)\b|"
                  r"\bregular|\bstandard|\bnormal|\btraditional")


def _number_row(art: _Article, i: int, c: NUM.NumClaim, formula_rows: dict) -> Row | None:
    s = art.doc.sentences[i]
    flat = s.flat
    clause = _clause(flat, c.start, c.end)
    at = s.pos[c.start] if c.start < len(s.pos) else s.start
    row = Row(art.doc.line_of(at), " ".join(c.text.split()), "equal", "", "number",
              sentence=_sentence_text(art, i),
              end_line=s.end_line, order=at)
    if c.form == "accuracy":
        row.verdict, row.reason, row.kind = "unverifiable", "accuracy", "accuracy"
        row.note = "an accuracy figure: measured on a data set, not counted; costcalc checks costs"
        return row
    if c.form == "value":
        return None  # handled with its formula
    words, anchors = art.words(i)
    # the claim's position in the words text
    anchor = art.at_words(i, c.start)
    values = art.roles_at(i, clause)
    large_text = words + " " + " ".join(art.words(p)[0] for p in [art.previous(i)] if p is not None)
    # a whole network: 'MobileNet has 4.2 million parameters', '28 layers', '95% of the mult-adds'
    before_num = clause[:clause.find(c.text)] if c.text in clause else clause
    bare = NUM.without_networks(before_num)  # 'full-convolution MobileNet' names a network
    layer_words = [h for h in kind_hits(bare) if h.tag not in ("conv", "ratio")]
    net = _network_of(art, i, before_num, words, share=c.form == "percent", before=words[:anchor])
    if c.form == "count" and net and (c.unit == "layers" or (not layer_words and (
            NUM.networks(before_num) or c.lo >= 100_000))):
        return _network_row(row, c, net, words, art.roles_of(art.reader.values[i], i))
    if c.form == "count" and c.unit == "layers":
        row.verdict, row.reason = "unverifiable", "no-network"
        row.note = "a layer count, but no network is named"
        return row
    if c.form == "percent" and net and has(r"\bof (?:the|its|all)?\s*(?:\w+\s+)?(?:mult[\s-]*adds?|"
                                            r"computation|macs|parameters|weights|flops)", clause) \
            and has(r"\b(?:layers|convolutions|convs)\b|(?:fully[\s-]*connected|\bfc|classifier)\s+layer\b", clause) and \
            not has(r"standard|regular|compared|\bthan\b", clause):
        unit = "params" if has(r"param|weight", clause) else "macs"
        got = NUM.network_share(net, clause, unit, *_alpha_res(words, art.roles_of(art.reader.values[i], i)))
        if got is not None:
            true, what = got
            return _judged(row, c, true, f"network share ({net})", f"'{net.replace('_', ' ')}' named",
                           f"{what} = {float(true) * 100:.4g}%")
    if c.form == "factor":
        pair = NUM.networks(words)
        if len(pair) >= 2:
            unit = _factor_unit(flat[c.end:], words)
            a_, wa = NUM.network_count(pair[0], unit)
            b_, wb = NUM.network_count(pair[1], unit)
            true = max(a_, b_) / min(a_, b_)
            return _judged(row, c, true, f"networks ({pair[0]} / {pair[1]})", "two networks named",
                           f"{float(true):.4g}× ({wa}; {wb})")
    want = "ratio" if c.form in ("factor", "fraction", "percent", "saving") else None
    d = decide(art.sources(i, anchor), want=want)
    row.words = d.says()
    kname = _claim_kind(d, c, clause, words[:anchor])
    if kname is None:
        row.verdict, row.reason = "unverifiable", "no-kind"
        row.note = (f"cannot tell what {c.text} measures: no words name a layer kind or a ratio "
                    "near it")
        return row
    paired = False  # the sentence names both sides: the kind is that ratio, stated that way round
    if kname == "ratio" and c.form in ("factor", "fraction", "percent", "saving"):
        cmp0 = (comparative(" times" + flat[c.end:]) or "cheap") if c.form == "factor" else None
        pair = ratio_pair(flat[:c.start].replace(SPAN, " ⟨f⟩ "), flat[c.end:], cmp0)
        # a number next to a bare 'depthwise' keeps the loose reading (the seed article 002's
        # 'depth wise convolution is 100 times less' means the depthwise separable layer)
        if pair is not None and "pointwise" in pair:
            kname, paired = K.pair_kind(*pair), True
    row.kind = kname
    k = K.KINDS[kname]
    alpha = bool(has(ALPHA_WORDS, clause)) and "alpha" in values
    rho = bool(has(RHO_WORDS, clause)) and "rho" in values
    expr = K.reference(k, alpha, rho)
    if c.form == "count" and c.unit == "flops":
        expr = 2 * expr
    defaults = {}
    kd = art.kdefault() if SYM["Dk"] in expr.free_symbols and "Dk" not in values else None
    if kd is not None:
        defaults["Dk"] = kd[0]
    large_ok = c.form != "count" or k.what == "MACs per output" or bool(has(LARGE, large_text))
    ev = NUM.evaluate(expr, {r: v[0] for r, v in values.items() if len(v) == 1}, large_ok, defaults)
    if c.form == "count" and ev.missing and k.per_output is None and kname in _PER_OUTPUT_OF:
        # the layer's total needs sizes the text does not give: read it per output value
        pk = K.KINDS[_PER_OUTPUT_OF[kname]]
        ev2 = NUM.evaluate(K.reference(pk), {r: v[0] for r, v in values.items() if len(v) == 1},
                           True, defaults)
        if not ev2.missing:
            if NUM.agrees(ev2.value, c) and not c.each:
                k, kname, ev, expr = pk, pk.name, ev2, K.reference(pk)
                row.kind = kname
            else:
                row.verdict, row.reason = "unverifiable", "no-value"
                miss = ", ".join(f"{m} ({ROLE_DOC.get(m, m)})" for m in ev.missing)
                row.note = (f"the {k.title} needs {miss}, which the text does not give "
                            f"(per output value it is {NUM.shown(ev2.value, 'count')})")
                return row
    inv = False  # the claim states standard / separable
    if c.form in ("factor", "fraction", "percent") and not paired:
        cmp = comparative(" times" + flat[c.end:]) if c.form == "factor" else None
        inv = inverted(flat[:c.start].replace(SPAN, " ⟨f⟩ "), cmp or ("cheap" if c.form == "factor" else None))
    if ev.missing and not c.each:
        # wrong whatever the missing size is: outside every value the quantity can take
        quantity = _quantity(c.form, inv)
        rng = NUM.value_range(expr, ev, quantity)
        if rng is not None and NUM.outside(c, rng[0], rng[1]):
            lo, hi, role = rng
            span_ = ("from " + _value_text(lo, c.form) if lo is not None else "") + \
                (" to " + _value_text(hi, c.form) if hi is not None else " up")
            row.verdict = "not equal"
            row.note = (f"{c.text} is wrong whatever {role} ({ROLE_DOC.get(role, role)}) is: the "
                        f"{'standard / separable MACs' if inv and kname == 'ratio' else k.title} "
                        f"lies {span_.strip().replace('from ', 'between ', 1).replace(' to ', ' and ', 1)}" + (f" (with {', '.join(ev.large)} → ∞)" if ev.large else ""))
            return row
    if ev.missing or ev.value is None:
        miss = [m for m in ev.missing if m != "(unbounded)"]
        row.verdict, row.reason = "unverifiable", "no-value"
        if miss:
            row.note = (f"the {k.title} needs " + ", ".join(f"{m} ({ROLE_DOC.get(m, m)})" for m in miss)
                        + ", which the text does not give")
        else:
            row.note = f"the {k.title} has no finite value here"
        return row
    true = ev.value
    form = c.form
    if inv:
        if true == 0:
            return None
        true = 1 / true
    elif form == "saving":
        true = 1 - true
    if c.each:
        if not k.equal_parts or k.equal_parts != c.each:
            row.verdict, row.reason = "unverifiable", "parts"
            row.note = f"'{c.text}' counts one of {c.each} parts, and the {k.title} is not " \
                       f"{c.each} equal parts"
            return row
        true = true / c.each
    ok = NUM.agrees(true, c)
    what = {"factor": ("times fewer MACs (standard / separable)" if inv else
                       "times the MACs (separable / standard)") if kname == "ratio" else
            ("times fewer MACs" if inv else "times the MACs"),
            "fraction": "of the cost", "percent": "of the cost", "saving": "saved"}.get(form, k.title)
    if inv and form in ("fraction", "percent"):
        what = "standard / separable" if kname == "ratio" else "full / separable"
    if paired:
        what = {"factor": f"times ({k.title})", "saving": f"saved ({k.title})"}.get(form, f"({k.title})")
    at = ", ".join(f"{r}={_plain(v)}" for r, v in sorted(ev.at.items()))
    extra = []
    if ev.defaulted:
        extra.append(", ".join(f"{r}={v}" for r, v in ev.defaulted.items()) +
                     f" (not given; {kd[1]} uses {kd[0]}×{kd[0]} depthwise kernels)")
    if ev.large:
        extra.append(", ".join(ev.large) + " → ∞ (" + ("the text says large" if has(LARGE, large_text)
                                                        else "not given: read as large") + ")")
    cond = ", ".join(x for x in ([at] if at else []) + extra)
    true_text = _value_text(true, form)
    quantity = _quantity(form, inv)
    # the size from which it holds (one large role), for factor/fraction claims
    thr = ""
    if ev.large and form in ("factor", "fraction", "percent", "saving"):
        goal = c.lo if form == "factor" else (c.hi if c.hi is not None else c.lo)
        thr = NUM.threshold(expr, ev.at, ev.defaulted, ev.large, goal, quantity)
    base = f"{true_text} {what}" + (f" at {cond}" if cond else "")
    row.truth = base
    if ok:
        row.note = f"= {base}" + (f"; {c.text} from {thr}" if thr and form == "factor" else "")
        if c.hedged and not NUM.agrees(true, NUM.NumClaim(**{**c.__dict__, "hedged": False})):
            row.note += f" (within {int(NUM.HEDGE_REL * 100)}%: '{c.text}')"
    else:
        row.verdict = "not equal"
        row.note = f"{c.text} is wrong: {base}"
        hold = _holds_when(expr, ev, c, quantity)
        if hold:
            row.note += f"; it would hold {hold}"
    return row


_SIZE_WORDS = r"\b(?:smaller|larger|bigger|size|lighter|heavier|compact)\b"


def _factor_unit(after: str, sentence: str) -> str:
    """What a factor between two networks counts, from the words after it in its own clause
    ('32 times smaller and 27 times less compute intensive': parameters, then mult-adds; a
    model's size is its parameters), else from the sentence."""
    tail = re.split(r"[,;:]|\.(?:\s|$)|\b(?:and|while|but|whereas)\b", after, maxsplit=1)[0]
    if has(MEASURE_WORDS["params"], tail):
        return "params"
    if has(MEASURE_WORDS["macs"] + r"|" + MEASURE_WORDS["flops"] + r"|\bcompute\b|cheaper|faster", tail):
        return "macs"
    if has(_SIZE_WORDS, tail):
        return "params"
    return "params" if has(r"param|weight", sentence) else "macs"


def _judged(row: Row, c: NUM.NumClaim, true: Fraction, kind: str, words: str, truth: str) -> Row:
    """A numeric claim against its true value, by the tolerance rule."""
    row.kind, row.words, row.truth = kind, words, truth
    if NUM.agrees(true, c):
        row.note = f"= {truth}"
    else:
        row.verdict, row.note = "not equal", f"{c.text} is wrong: {truth}"
        if c.hi is None and not c.hedged and c.lo == int(true) and c.lo.denominator == 1:
            lo, hi = c.lo - c.half, c.lo + c.half
            row.note += (f"; {_plain(c.lo)} is {float(true):.4g} truncated, and the tolerance rule reads "
                         f"{_plain(c.lo)} as {_plain(lo)}–{_plain(hi)} (a hedge, 'about "
                         f"{_plain(c.lo)}', covers it)")
    return row


_PER_OUTPUT_OF = {"standard": "standard_per_output", "depthwise": "depthwise_per_output",
                  "pointwise": "pointwise_per_output", "grouped": "grouped_per_output",
                  "spatial_standard": "spatial_standard_per_output",
                  "spatial_separable": "spatial_separable_per_output"}


def _claim_kind(d: Decision, c: NUM.NumClaim, clause: str, before: str) -> str | None:
    if c.form in ("factor", "fraction", "percent", "saving"):
        if d.tag is None and not d.spatial:
            return None
        return "spatial_ratio" if d.spatial else "ratio"
    if not d.kinds and not d.spatial:
        return None
    if d.spatial:
        # one convolution or the two that replace it: the clause says which
        member = None
        for text in (clause, before[-120:]):
            sep = list(re.finditer(_SEPARABLE_CUES, text, re.I))
            std = list(re.finditer(_STANDARD_CUES, text, re.I))
            if sep or std:
                last_sep = sep[-1].start() if sep else -1
                last_std = std[-1].start() if std else -1
                member = "spatial_separable" if last_sep > last_std else "spatial_standard"
                break
        if member is None:
            member = "spatial_separable" if d.tag == "separable" else "spatial_standard"
        if c.each:
            member = "spatial_separable"
        kname = member
        if d.per_output or has(r"\bone\b|single|each|per\b", clause) or c.each:
            kname = _PER_OUTPUT_OF[member]
        return kname
    kname = d.kinds[0]
    if kname in ("ratio", "spatial_ratio"):
        return None
    if c.unit == "params" and not kname.endswith("_params"):
        kname = {"standard": "standard_params", "depthwise": "depthwise_params",
                 "pointwise": "pointwise_params", "separable": "separable_params",
                 "grouped": "grouped_params"}.get(kname, kname)
    return kname


def _quantity(form: str, inv: bool):
    if inv:
        return lambda e: 1 / e
    if form == "saving":
        return lambda e: 1 - e
    return lambda e: e


def _holds_when(expr, ev: NUM.Evaluated, c: NUM.NumClaim, quantity) -> str:
    """The condition under which the claimed number would be right, when one symbol can make
    it so (the kernel size for '100 times fewer')."""
    goal = c.lo
    sub = {SYM[r]: sp.Rational(v.numerator, v.denominator) for r, v in ev.at.items()}
    e = expr.xreplace(sub)
    for name in ev.large:
        e = sp.limit(e, SYM[name], sp.oo)
    q = quantity(e)
    free = sorted(q.free_symbols, key=lambda s: s.name)
    cands = [s for s in free] or [SYM[r] for r in ev.defaulted]
    for sym in cands:
        qq = q.xreplace({SYM[r]: sp.Integer(v) for r, v in ev.defaulted.items() if SYM[r] != sym})
        try:
            sols = [x for x in sp.solve(sp.Eq(qq, sp.Rational(goal.numerator, goal.denominator)), sym)
                    if x.is_real and x > 0]
        except (NotImplementedError, TypeError, ValueError):
            continue
        if sols:
            v = sols[-1]
            vs = _plain(Fraction(int(v.p), int(v.q))) if v.is_Rational else f"{float(v):.3g}"
            return f"at {sym.name} = {vs}" + (" with " + ", ".join(ev.large) + " → ∞" if ev.large else "")
    if ev.large:
        return ""
    return ""


def _plain(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{float(v):g}"


def _value_text(v: Fraction, form: str) -> str:
    if form in ("percent", "saving"):
        return f"{float(v) * 100:.4g}%"
    if form == "fraction":
        return (f"{v.numerator}/{v.denominator} = " if v.denominator <= 1000 and v.denominator > 1
                else "") + f"{float(v) * 100:.4g}%"
    if v.denominator == 1:
        return f"{v.numerator:,}"
    return f"{float(v):.4g}"


def _network_of(art: "_Article", i: int, clause: str, words: str, share: bool = False,
                before: str = "") -> str | None:
    """The network a whole-network number is about: the one its sentence names last before it,
    not in contrast (see NUM.subject_network), or the first its clause or sentence names, or
    (for 'the network', 'the model', 'it') its heading or the article's title."""
    net = NUM.subject_network(before) if before else None
    if net is not None:
        return net
    for text in (clause, words):
        nets = NUM.networks(text)
        if nets:
            return nets[0]
    s = art.doc.sentences[i]
    if share or has(r"\b(?:network|model|architecture|whole|entire|it|its)\b", words):
        for text in (s.heading, s.section, art.doc.headings[0][1] if art.doc.headings else ""):
            nets = NUM.networks(text)
            if nets:
                return nets[0]
    return None


_ALPHA_SAID = [r"(\d?\.\d+|1\.0)\s*(?:-\s*)?mobile",
               r"\bwidth(?:\s+multiplier)?\s*(?:of|=|:|α\s*=)?\s*(\d?\.\d+|1(?:\.0)?)(?![\d.])"]
_RES_SAID = [r"mobile[\s-]*net\w*[\s-]*(?:v[123][\s-]*)?-?(\d{3})\b",
             r"\b(\d{2,4})\s*(?:x|×)\s*\1\b",
             r"\bresolution(?!\s+multiplier)\s*(?:of|=|:)?\s*(\d{2,4})\b",
             r"\b(\d{2,4})\s*(?:-\s*)?(?:px\b|pixels?\b)",
             r"\binput(?:\s+(?:image\s+)?(?:size|resolution|side))?\s*(?:of|=|:)?\s*(\d{2,4})\b"
             r"(?!\s*(?:channels?|filters?|feature))"]


def _alpha_res(text: str, values: dict) -> tuple:
    """The width multiplier and input resolution a sentence gives a network: '0.5 MobileNet-160',
    'α = 0.5 at 160x160', 'width multiplier 0.5 and resolution 160', 'at width 0.5 and 160 px',
    'input size 128'."""
    alpha = 1.0
    if "alpha" in values and len(values["alpha"]) == 1:
        alpha = float(values["alpha"][0])
    for pat in _ALPHA_SAID:
        m = re.search(pat, text, re.I)
        if m:
            alpha = float(m.group(1))
            break
    res = None
    for pat in _RES_SAID:
        m = re.search(pat, text, re.I)
        if m:
            res = int(m.group(1))
            break
    return alpha, res


def _network_row(row: Row, c: NUM.NumClaim, name: str, clause: str, values: dict) -> Row:
    alpha, res = _alpha_res(clause, values)
    unit = c.unit or "macs"
    try:
        true, what = NUM.network_count(name, unit, alpha, res)
    except CostcalcError as e:
        row.verdict, row.reason = "unverifiable", "network"
        row.note = str(e)
        return row
    row.kind = f"network ({name})"
    row.words = f"'{name.replace('_', ' ')}' named"
    ok = NUM.agrees(true, c)
    row.truth = what
    if ok:
        row.note = f"= {what}" + (" (within 5%)" if c.hedged else "")
        return row
    pub = NUM.published_figure(name, unit, alpha, res, c)
    if pub is not None and pub[0] == "erratum":  # a figure costcalc's papers registry corrects
        row.verdict = "not equal"
        row.note = f"{c.text} is wrong: {what}; it repeats a published erratum ({pub[1]})"
        return row
    if pub is not None:  # the paper's own (rounded or truncated) figure: say so, and why
        row.note = f"= the published figure ({pub[1]}); costcalc's exact count: {what}"
        return row
    row.verdict = "not equal"
    row.note = f"{c.text} is wrong: {what}"
    return row


# -- the audit -------------------------------------------------------------------------------

def audit(path: str, let: list[str] | None = None) -> AuditResult:
    """Audit one article file (.md, .tex or .txt)."""
    p = Path(path)
    try:
        if p.is_dir():
            raise CostcalcError(f"{path}: is a directory, not an article")
        if p.stat().st_size > MAX_ARTICLE_BYTES:
            raise CostcalcError(f"{path}: larger than {MAX_ARTICLE_BYTES:,} bytes")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CostcalcError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise CostcalcError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise CostcalcError(f"{path}: cannot read ({e.strerror or e.__class__.__name__})") from None
    return audit_text(text, path, let, fmt_of(path))


def audit_text(text: str, path: str = "<text>", let: list[str] | None = None,
               fmt: str | None = None) -> AuditResult:
    """Audit article text; fmt is 'markdown', 'latex' or 'text' (default: from path)."""
    fmt = fmt or (fmt_of(path) if path not in ("<text>", "-") else "markdown")
    bound = parse_let(let)
    art = _Article(text.replace("\r\n", "\n"), fmt, bound)
    rows: list[Row] = []
    skipped: list = []
    unread: list = []  # (line, number): a factor with no direction, not checked
    formula_rows: dict = {}
    for i, s in enumerate(art.doc.sentences):
        for k, sp_ in enumerate(s.spans):
            got = _Formula(art, i, k).analyse()
            if isinstance(got, tuple):
                skipped.append((sp_.line, _clip(_unplace(sp_), 60), got[1]))
                continue
            formula_rows[(i, k)] = got
            rows.append(got)
        claims = NUM.find_claims(s, i)
        unread += [(art.doc.line_of(s.start), t) for t in NUM.unread_factors(s, claims)]
        for c in claims:
            if c.form == "value" and c.span is not None and (i, c.span) in formula_rows:
                _attach_value(art, formula_rows[(i, c.span)], c, i)
                continue
            r = _number_row(art, i, c, formula_rows)
            if r is not None:
                rows.append(r)
    for sc in art.reader.shapes:
        r = _shape_row(art, sc)
        if r is not None:
            rows.append(r)
    rows.sort(key=lambda r: (r.line, r.order))
    notes = []
    if skipped:
        by: dict = {}
        for ln, t, why in skipped:
            by.setdefault(why, []).append(f"{t} (line {ln})")
        parts = []
        for why, items in by.items():
            shown = ", ".join(items[:4]) + (f", … {len(items) - 4} more" if len(items) > 4 else "")
            parts.append(f"{why}: {shown}")
        notes.append(f"{len(skipped)} formula{'s' if len(skipped) != 1 else ''} not checked, "
                     f"not being claims — " + "; ".join(parts))
    if unread:
        shown = ", ".join(f"{t} (line {ln})" for ln, t in unread[:4]) + (
            f", … {len(unread) - 4} more" if len(unread) > 4 else "")
        notes.append(f"{plural(len(unread), 'number')} not checked — a factor with no direction "
                     f"(more, fewer, cheaper, …) to check: {shown}")
    uses = set()
    for n in art.name_uses():
        uses.add(n)
        try:
            uses.add(normalize_name(n))
        except ExpressionError:
            pass
    notes += EQ.unused_let(bound, uses, "no formula in the article has the symbol")
    blocks = [(b.line, b.end_line) for b in art.doc.blocks]
    return AuditResult(path, rows, notes, fmt, skipped, text, blocks)


def _attach_value(art: _Article, row: Row, c: NUM.NumClaim, i: int) -> None:
    """A value written after a formula in prose ('$…$ = 462,422,016'): part of its row."""
    if row.verdict == "unverifiable" and row.reason == "refused":
        return
    s = art.doc.sentences[i]
    values = art.roles_at(i)
    sp_ = s.spans[c.span]
    text, _ = _prepare(sp_.body)
    roles, _ = art.let_at(i)
    try:
        chain = _parse(text, roles, K.KINDS[row.kind].family if row.kind in K.KINDS else None, {})
    except ExpressionError:
        return
    sides = [x for x in _sides(chain) if not x.label]
    nums = [x for x in sides if not x.expr.free_symbols]
    if nums:
        target = _eval(nums[-1].expr, {})
        where = nums[-1].text.strip()
    else:
        e = sides[0].expr if sides else None
        env = _values_env(e, values) if e is not None else None
        if env is None:
            row.note += f"; the value {c.text} cannot be checked: the text gives no value for " + \
                ", ".join(sorted(x.name for x in (e.free_symbols if e is not None else [])
                                 if x.name not in values))
            if row.verdict == "equal":
                row.verdict, row.reason = "unverifiable", "no-value"
            return
        target = _eval(e, env)
        where = "the formula at " + ", ".join(f"{k.name}={_plain(v)}" for k, v in env.items())
    if target is None:
        return
    if NUM.agrees(Fraction(target), c):
        row.note += f"; {c.text} ✓ ({where} = {NUM.shown(Fraction(target), 'count')})"
    else:
        row.verdict = "not equal"
        row.note += f"; the worked value {c.text} is wrong: {where} = {NUM.shown(Fraction(target), 'count')}"
    row.claim = row.claim + " " + c.text


__all__ = ["AuditResult", "Row", "VERDICTS", "audit", "audit_text"]
