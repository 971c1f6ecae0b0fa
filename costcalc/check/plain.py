"""Formulas written in the prose itself, without delimiters: ``KxKxM``,
``Total no of multiplications = M x Dp2 x N``, ``((N — 2) x (N — 2) x m x m)``,
``(Number of operations per convolution)* (RxRxN)``, ``N * Dp * Dp * (eq.1 )``.

A small grammar over word tokens finds them (the arithmetic of a formula, where an operand is a
number, a symbol-like word, a bracketed group, a reference to an equation, or a quantity named
in words next to an operator). Symbol-like means what articles use as symbols: single letters
(not 'a', 'A', 'I'), the spellings of :data:`costcalc.check.parse.AUTO` (``Dk``, ``D_K``,
``Dp2``), ``D``-names (``D_G``), and ``x``-joined products (``KxKxM``, ``1xM``). Nothing is
evaluated here: the text found is handed to :mod:`costcalc.check.parse` like any formula.
"""

from __future__ import annotations

import re

from .document import SPAN, Sentence, Span
from .parse import AUTO

_TOKEN = re.compile(r"""
    (?P<eqref>\(\s*(?:eq|Eq|EQ|equation|Equation)\.?\s*(?P<n1>\d+)\s*\)
             |\b(?:eq|Eq|equation|Equation)\.?\s*(?P<n2>\d+)\b)
   |(?P<word2>\b\d-?[dD]\b)
   |(?P<word3>\b(?:[A-Za-z]/(?=\s)|w/o\b|[A-Za-z]/[AaI]\b(?!/)|[AaI]/[A-Za-z]\b(?!/)))
   |(?P<num>\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:\.\d+)?)
   |(?P<sup>[²³⁴])
   |(?P<name>[A-Za-z]{2,}(?:-[A-Za-z]{2,})+|[A-Za-z_αρ][A-Za-z0-9_]*'*)
   |(?P<op>\*\*|>>|<<|[-+*/^=≈×·∗−–—⋅])
   |(?P<lp>[(\[{])|(?P<rp>[)\]}])
   |(?P<span>\x01)
   |(?P<punct>[,;:.!?])
   |(?P<ws>\s+)
   |(?P<other>.)""", re.X)

_WORDS_NOT_SYMBOLS = {"a", "A", "I"}
_GREEK = {"alpha", "rho", "α", "ρ"}
_ARITH = {"+", "-", "*", "/", "×", "·", "∗", "−", "–", "—", "⋅", "^", "x", "X"}
_ADD = {"+", "-", "−", "–", "—"}
_MUL = {"*", "/", "×", "·", "∗", "⋅", "x", "X"}
_REL = {"=", "≈"}
_NOT_A_QUANTITY = {"for", "in", "on", "at", "to", "by", "with", "from", "into", "of", "so", "and", "or",
                   "then", "is", "are", "was", "does", "do", "gives", "give", "needs", "takes", "costs",
                   "which", "that", "where", "when", "while", "but", "as", "because", "since"}
_PART_WORDS = r"\b(?:bit|part|step|stage|pass|half)\b"  # "the depthwise bit": a part, not a quantity
_PHRASE_OPS = {"+", "*", "/", "×", "·", "∗", "⋅"}  # what joins quantities named in words


def symbol_like(name: str) -> bool:
    """A word an article uses as a symbol (M, Dk, D_K, Dp2, n) rather than an English word."""
    if name in _WORDS_NOT_SYMBOLS:
        return False
    base = name.rstrip("'")
    if len(base) == 1 and base.isalpha():
        return base not in "xX" or base != name  # C, C' (x alone is the times sign)
    if base in AUTO or base in _GREEK or (base[:-1] in AUTO and base[-1] in "23"):
        return True
    return bool(re.fullmatch(r"D_?[A-Za-z]{1,2}[23]?|[A-Za-z]_[A-Za-z0-9]{1,3}|[A-Z][0-9]", base))


def x_product(name: str) -> list[str] | None:
    """'KxKxM' -> ['K', 'K', 'M']; 'x3' -> ['', '3'] (the x multiplies what came before)."""
    if "x" not in name or symbol_like(name):
        return None
    parts = name.split("x")
    if len(parts) < 2 or not all(p == "" or p.isdigit() or symbol_like(p) for p in parts):
        return None
    if any(p == "" for p in parts[1:-1]):
        return None
    return parts


class _Tok:
    __slots__ = ("kind", "text", "i", "j", "n")

    def __init__(self, kind, text, i, j, n=None):
        self.kind, self.text, self.i, self.j, self.n = kind, text, i, j, n

    def __repr__(self):
        return f"{self.kind}:{self.text!r}"


def _tokens(flat: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(flat):
        kind = m.lastgroup
        if kind in ("n1", "n2"):
            kind = "eqref"
        if m.group("eqref"):
            kind = "eqref"
        if kind == "ws":
            continue
        if kind in ("word2", "word3"):  # '2-D', '1D': a word, not 2 minus D; 'w/', 'Q/A' 
            kind = "word"
        n = m.group("n1") or m.group("n2") if kind == "eqref" else None
        t = _Tok(kind, m.group(0), m.start(), m.end(), n)
        if kind == "name":
            if t.text in ("x", "X"):
                t.kind = "op"
            elif symbol_like(t.text):
                t.kind = "sym"
            elif x_product(t.text) is not None:
                t.kind = "xprod"
            else:
                t.kind = "word"
        out.append(t)
    return _prose_punctuation(out, flat)


_OPERAND_END = ("num", "sym", "xprod", "rp", "eqref")
_OPERAND_START = ("num", "sym", "xprod", "lp", "eqref")


def _prose_punctuation(toks: list[_Tok], flat: str) -> list[_Tok]:
    """A '*' that is not between two operands is an emphasis marker (*Total number*); a dash
    between words is punctuation ('the depth wise — for spatial operation')."""
    out = []
    for k, t in enumerate(toks):
        if t.kind == "op" and t.text in ("*", "—", "–", "-", "−"):
            prev = out[-1] if out else None
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            between = prev is not None and nxt is not None and prev.kind in _OPERAND_END \
                and nxt.kind in _OPERAND_START
            if t.text == "*" and not between:
                if not (prev is not None and prev.kind in _OPERAND_END and nxt is not None
                        and nxt.kind == "word" and t.j < nxt.i):
                    continue
            if t.text in ("—", "–") and not between:
                t = _Tok("punct", t.text, t.i, t.j)
        out.append(t)
    return out


class _Run:
    def __init__(self):
        self.atoms = 0
        self.symbols = 0
        self.ops = 0
        self.implicit = 0
        self.labels: list[tuple[int, int]] = []  # token ranges of sides that are words (labels)
        self.phrases: list[tuple[int, int]] = []  # token ranges of quantities named in words
        self.eqrefs: list[int] = []


class _Scanner:
    """Recursive descent over tokens, returning the end of the longest formula from k."""

    def __init__(self, toks: list[_Tok], flat: str, tags: set):
        self.t = toks
        self.flat = flat
        self.tags = tags  # equation numbers already given to a formula above

    def adjacent(self, a: int, b: int) -> bool:
        return self.t[a].j == self.t[b].i

    def kind(self, k):
        return self.t[k].kind if k < len(self.t) else None

    def text(self, k):
        return self.t[k].text if k < len(self.t) else None

    def chain(self, k: int, run: _Run) -> int | None:
        e = self.expr(k, run)
        if e is None:
            return None
        return self.infix(e, _REL, run, lambda j: self.expr(j, run) or self.label_side(j, run))

    def infix(self, e: int, ops: set, run: _Run, operand) -> int:
        """Operands joined by ops from e on: the end of the longest such run."""
        while self.kind(e) == "op" and self.text(e) in ops:
            nxt = operand(e + 1)
            if nxt is None:
                break
            run.ops += 1
            e = nxt
        return e

    def label_side(self, k: int, run: _Run) -> int | None:
        """Words after '=' ('= RATIO ( R )'): a name for the quantity, not a formula."""
        j = k
        while j < len(self.t) and self.kind(j) in ("word", "sym", "lp", "rp"):
            j += 1
        if j > k and any(self.kind(x) == "word" for x in range(k, j)) and \
                sum(self.kind(x) == "lp" for x in range(k, j)) == \
                sum(self.kind(x) == "rp" for x in range(k, j)) and j - k <= 8:
            run.labels.append((k, j))
            return j
        return None

    def expr(self, k: int, run: _Run) -> int | None:
        e = self.term(k, run)
        if e is None:
            return None
        return self.infix(e, _ADD, run, lambda j: self.term(j, run))

    def term(self, k: int, run: _Run) -> int | None:
        e = self.unary(k, run, after_op=k > 0 and self.kind(k - 1) == "op"
                       and self.text(k - 1) in _PHRASE_OPS)
        while e is not None:
            last_phrase = bool(run.phrases) and run.phrases[-1][1] in (e, e - 1)
            if self.kind(e) == "op" and self.text(e) in _MUL:
                nxt = self.unary(e + 1, run, after_op=True)
                if nxt is None:
                    break
                run.ops += 1
                e = nxt
            elif self.kind(e) == "sup":
                run.ops += 1
                e = e + 1
            elif self.kind(e) == "op" and self.text(e) == "^":
                nxt = self.unary(e + 1, run, after_op=True)
                if nxt is None:
                    break
                run.ops += 1
                e = nxt
            elif e < len(self.t) and self.kind(e) in ("num", "sym", "lp", "xprod") and \
                    (self.adjacent(e - 1, e) or self.kind(e) == "lp" or self.kind(e - 1) == "rp") \
                    and not (self.kind(e) == "lp" and self._phrase_group(e)) and not last_phrase:
                nxt = self.unary(e, run, after_op=False)
                if nxt is None:
                    break
                run.implicit += 1  # implicit product: 2N, M(Dk2 + N), (N-2)(N-2)
                e = nxt
            else:
                break
        return e

    def unary(self, k: int, run: _Run, after_op: bool) -> int | None:
        if self.kind(k) == "op" and self.text(k) in ("-", "−"):
            k += 1
        return self.atom(k, run, after_op)

    def _phrase_group(self, k: int) -> int | None:
        """'(no. of filters)': a bracket of words; returns the index after ')'."""
        j = k + 1
        words = 0
        while j < len(self.t) and self.kind(j) in ("word", "sym", "punct", "num"):
            if self.kind(j) == "punct" and self.text(j) != ".":
                return None
            words += self.kind(j) == "word"
            j += 1
        if self.kind(j) == "rp" and words >= 1 and j > k + 1 and \
                sum(self.kind(x) in ("word",) for x in range(k + 1, j)) >= 1 and \
                sum(self.kind(x) == "word" for x in range(k + 1, j)) + \
                sum(self.kind(x) == "sym" for x in range(k + 1, j)) >= 2:
            return j + 1
        return None

    def atom(self, k: int, run: _Run, after_op: bool) -> int | None:
        kd = self.kind(k)
        if kd in ("num", "sym", "xprod"):
            if kd == "xprod":
                parts = x_product(self.text(k))
                if parts[0] == "" and not (k > 0 and self.kind(k - 1) in ("num", "sym", "rp")
                                           and self.adjacent(k - 1, k)):
                    return None
                if parts[-1] == "" and self.kind(k + 1) != "lp":
                    return None
                run.atoms += sum(1 for p in parts if p)
                run.symbols += sum(1 for p in parts if p and not p.isdigit())
                run.ops += len(parts) - 1
            else:
                run.atoms += 1
                run.symbols += kd == "sym"
            return k + 1
        if kd == "eqref" and after_op and self.t[k].n in self.tags:
            run.atoms += 1
            run.symbols += 1
            run.eqrefs.append(k)
            return k + 1
        if kd == "lp":
            end = self._phrase_group(k)
            if end is not None:
                if not after_op and not (self.kind(end) == "op" and self.text(end) in _PHRASE_OPS):
                    return None
                run.atoms += 1
                run.symbols += 1
                run.phrases.append((k + 1, end - 1))
                return end
            inner = self.expr(k + 1, run)  # '(m = 5)' is an assignment, not a factor
            if inner is None or self.kind(inner) != "rp":
                return None
            return inner + 1
        if kd == "word":
            # a quantity named in words, next to an arithmetic operator; a phrase that opens
            # with a preposition or a verb ('… for the depthwise bit + …') names none
            if self.text(k).lower() in _NOT_A_QUANTITY:
                return None
            j = k
            while j < len(self.t) and (self.kind(j) == "word" or
                                       (self.kind(j) == "punct" and self.text(j) == "."
                                        and self.kind(j + 1) == "word")):
                j += 1
            nxt_op = self.kind(j) == "op" and self.text(j) in _PHRASE_OPS
            names_part = re.search(_PART_WORDS, self.flat[self.t[k].i:self.t[j - 1].j], re.I)
            if (after_op or nxt_op) and j - k <= 8 and not names_part:
                run.atoms += 1
                run.symbols += 1
                run.phrases.append((k, j))
                return j
        return None


def _label_then_rel(toks: list[_Tok], k: int) -> int | None:
    """At words that end in '=' ('Total multiplications =', 'Ratio(R) ='): the index of '='."""
    if toks[k].kind != "word":
        return None
    j = k
    while j < len(toks) and toks[j].kind in ("word", "sym", "lp", "rp"):
        j += 1
    if j >= len(toks) or j == k or not (toks[j].kind == "op" and toks[j].text in _REL):
        return None
    last = toks[j - 1]
    if last.kind == "word":
        return j
    if last.kind == "rp":
        d, i = 0, j - 1
        while i >= k:
            d += toks[i].kind == "rp"
            d -= toks[i].kind == "lp"
            if d == 0:
                break
            i -= 1
        if i > k and toks[i - 1].kind == "word" and toks[i - 1].j == toks[i].i:
            return j
    return None


def _clause_start(toks: list[_Tok], k: int) -> int:
    j = k
    while j > 0 and toks[j - 1].kind not in ("punct", "span", "eqref") and \
            not (toks[j - 1].kind == "op" and toks[j - 1].text in _REL):
        j -= 1
    return j


def find_plain(sent: Sentence, tags: set | None = None) -> None:
    """Add the sentence's plain formulas to sent.spans (in order) and mark them in sent.flat;
    give every span its label (words before '=' or ':') and equation tag. tags: the equation
    numbers given to formulas above (a reference to one is a factor, not a tag)."""
    tags = set() if tags is None else tags
    flat = sent.flat
    toks = _tokens(flat)
    sc = _Scanner(toks, flat, tags)
    found: list[tuple[int, int, _Run, str]] = []  # token range, run, label
    k = 0
    while k < len(toks):
        t = toks[k]
        lhs = None
        start = k
        r = _label_then_rel(toks, k)
        if r is not None and not (found and found[-1][1] > k):
            k, t = r, toks[r]
        if t.kind == "op" and t.text in _REL and k > 0 and toks[k - 1].kind in ("word", "rp", "sym") \
                and not (found and found[-1][1] >= k):
            c0 = _clause_start(toks, k)
            if c0 < k and any(x.kind == "word" for x in toks[c0:k]) and \
                    all(x.kind in ("word", "sym", "lp", "rp", "punct", "num") for x in toks[c0:k]):
                lhs = (c0, k)  # 'Total multiplications = ...': the words are its label
                start = k + 1
        if toks[start:start + 1] and toks[start].kind in ("num", "sym", "xprod", "lp", "word", "op"):
            run = _Run()
            end = sc.chain(start, run)
            if end is not None and (_worthy(run, toks, start, end) or _factor(toks, start, end, flat)):
                label = ""
                if lhs is None and start > 0 and toks[start - 1].kind == "punct" and \
                        toks[start - 1].text == ":":
                    c0 = _clause_start(toks, start - 1)
                    if c0 < start - 1:
                        label = flat[toks[c0].i:toks[start - 1].i]  # 'Cost of the full filter: …'
                if lhs is not None:
                    run.labels.insert(0, lhs)
                    label = flat[toks[lhs[0]].i:toks[lhs[1] - 1].j]
                    start = lhs[0]
                found.append((start, end, run, label))
                k = end
                continue
        k += 1
    if found:
        pieces, pos, new, last = [], [], [], 0
        for start, end, run, label in found:
            a, b = toks[start].i, toks[end - 1].j
            body, refs = _body(flat, toks, start, end, run)
            sp = Span(sent.pos[a], sent.pos[b - 1] + 1, body, "plain", label=_label(label),
                      refs=refs, mark=sent.pos[a], tag=_tag_after(toks, end))
            if sp.tag:
                tags.add(sp.tag)
            pieces.append(flat[last:a])
            pos += sent.pos[last:a]
            new.append((sum(len(p) for p in pieces), sp))
            pieces.append(SPAN)
            pos.append(sent.pos[a])
            last = b
        pieces.append(flat[last:])
        pos += sent.pos[last:]
        flat = "".join(pieces)
        sent.flat, sent.pos = flat, pos
        plain_at = dict(new)
        olds = iter(sent.spans)
        sent.spans = [plain_at[i] if i in plain_at else next(olds)
                      for i, c in enumerate(flat) if c == SPAN]
    _labels_and_tags(sent)


_FACTOR_AFTER = re.compile(r"\s*(?:times|-?fold)\s+(?:as\s+(?:much|many|expensive|costly|large|big)|more|fewer|less|"
                           r"cheaper|smaller|larger|bigger|greater|lower|higher|costlier|faster|slower)\b", re.I)


def _factor(toks, start, end, flat) -> bool:
    """One symbol stated as a factor: 'N times as much as', 'N times more expensive than'."""
    return end - start == 1 and toks[start].kind == "sym" and bool(_FACTOR_AFTER.match(flat[toks[start].j:]))


def _worthy(run: _Run, toks, start, end) -> bool:
    """Two or more operands joined by arithmetic, at least one of them a symbol; a formula of
    words alone only when it joins quantities (cost words) by an operator."""
    if run.atoms < 2 or run.symbols < 1 or (run.ops < 1 and (run.implicit < 1 or run.symbols < 2)):
        return False
    syms = sum(1 for t in toks[start:end] if t.kind in ("sym", "xprod", "eqref"))
    if syms == 0 and not run.phrases:
        return False
    if syms == 0:  # words only: 'depthwise cost + pointwise cost'
        text = " ".join(t.text for t in toks[start:end]).lower()
        return bool(re.search(r"multipl|cost|complexit|operation|computation|mult-add|mac|flop|"
                              r"param|weight", text))
    if all(t.kind in ("word", "punct") or (t.kind == "op" and t.text in ("-", "—", "–"))
           for t in toks[start:end]):
        return False
    return True


def _body(flat, toks, start, end, run) -> tuple[str, dict]:
    """The formula's text, token by token (emphasis stars dropped), with each phrase, label
    and equation reference as a placeholder name."""
    refs: dict = {}
    sub: dict[int, tuple[int, str]] = {}  # first token -> (end token, placeholder)
    for n, (a, b) in enumerate(run.phrases):
        name = f"Qph{n + 1}"
        refs[name] = ("phrase", flat[toks[a].i:toks[b - 1].j])
        if a > 0 and toks[a - 1].kind == "lp" and b < len(toks) and toks[b].kind == "rp":
            a, b = a - 1, b + 1
        sub[a] = (b, name)
    for n, (a, b) in enumerate(run.labels):
        name = f"Qlb{n + 1}"
        refs[name] = ("label", " ".join(flat[toks[a].i:toks[b - 1].j].replace("*", " ").split()))
        sub[a] = (b, name)
    for n, k in enumerate(run.eqrefs):
        name = f"Qeq{n + 1}"
        refs[name] = ("eq", toks[k].n)
        sub[k] = (k + 1, name)
    out: list[str] = []
    k, prev_end = start, None
    while k < end:
        if k in sub:
            b, name = sub[k]
            piece, i, j = name, toks[k].i, toks[b - 1].j
            k = b
        else:
            piece, i, j = toks[k].text, toks[k].i, toks[k].j
            k += 1
        if out and prev_end is not None and i > prev_end:
            out.append(" ")
        out.append(piece)
        prev_end = j
    return "".join(out), refs


def _tag_after(toks, end) -> str:
    k = end
    while k < len(toks) and toks[k].kind in ("op",) and toks[k].text in ("*",):
        k += 1
    if k < len(toks) and toks[k].kind == "eqref" and toks[k].text.startswith("("):
        return toks[k].n
    return ""


def _label(text: str) -> str:
    return " ".join(text.replace("*", " ").replace("_", " ").split()).strip(" :=,")


def _labels_and_tags(sent: Sentence) -> None:
    """An explicit span's label ('Depthwise cost: $…$') and tag ('$$…$$ (eq. 4)')."""
    flat = sent.flat
    marks = [i for i, c in enumerate(flat) if c == SPAN]
    for i, sp in zip(marks, sent.spans):
        after = flat[i + 1:i + 40]
        m = re.match(r"[\s*_]*\(\s*(?:eq|Eq|equation|Equation)\.?\s*(\d+)\s*\)", after)
        if m and not sp.tag:
            sp.tag = m.group(1)
        if sp.how != "plain" and not sp.label:
            before = flat[max(0, i - 120):i]
            m = re.search(r"([^\x01.;!?]*?)\s*[:=]\s*[*_]*\s*$", before)
            if m and m.group(1).strip():
                sp.label = _label(re.split(r"[,]", m.group(1))[-1])


def code_span_formula(body: str) -> bool:
    """A `code span` that holds a formula (`M x Dp2 x N`) rather than code (`x = f(y)`)."""
    b = body.strip()
    if len(b) > 400 or not b:
        return False
    if re.search(r"\w+\.\w+\(|\w+\(\s*\w+\s*=|^(def|import|from|return|class)\b|['\"]|;", b):
        return False
    if re.fullmatch(r"[\w.-]+(?:/[\w.-]+)+|[\w-]+\.\w{2,4}|--?\w[\w-]*", b):
        return False  # a path, a file name, an option: code
    if re.fullmatch(r"[A-Za-z]x[A-Za-z]", b):
        return False  # 'txt', 'PxP' alone: not enough to call it a formula
    toks = _tokens(b)
    if not any(t.kind in ("sym", "xprod") for t in toks):
        return False
    if any(t.kind == "word" and len(t.text) >= 3 and t.text not in ("floor", "ceil", "sqrt", "min", "max")
           for t in toks):
        return False  # words: a command line or code, not a formula
    return any(t.kind == "op" and t.text in _ARITH | _REL for t in toks) or \
        any(t.kind == "xprod" for t in toks) or \
        sum(t.kind == "sym" for t in toks) >= 2
