"""A safe reader for hand-written cost formulas: article notation in, a sympy expression out.

The text comes from users and from articles, so nothing here evaluates it: no ``eval``, no
``exec``, no ``sympify`` of a string (``sympify`` runs Python). A small tokenizer accepts a
whitelist — numbers, names, ``+ - * / ^ ( )``, the functions ``floor ceil sqrt min max`` — and
a recursive-descent parser builds the sympy tree node by node. Everything else is refused with
one line: attribute access, dunder names, calls, strings, lambdas, subscripts, over-long
input, exponent towers and integers big enough to stall sympy.

Article notation it reads: ``*``, ``·``, ``×``, ``x`` and a spaced ``.`` between factors,
implicit multiplication (``2N-2``, ``αM``, ``M(Dk² + N)``), ``^``, ``**``, ``²``/``³``,
``Dk2`` for Dk² (said in ``readings``), and LaTeX (``\\frac{}{}``, ``\\cdot``, ``\\times``,
``D_K``, ``D_{K}``, ``\\alpha``, ``\\rho``, ``\\left( \\right)``, ``\\lfloor \\rfloor``).

Names are bound to the canonical roles of :mod:`costcalc.symbolic` (``Dk M N Df Di s p d g t
alpha rho``) by a :class:`Binding`: ``--let`` first, then the common spellings (``D_K``,
``Dp`` for the output side, ``d'``/``d''`` for the v2 paper's channels), then kind-specific
readings (``N`` is the image side in the spatial kinds, ``h``/``w`` the input side of a v2
block).
"""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass, field

import sympy as sp

from ..errors import CostcalcError
from ..symbolic import SYM

MAX_CHARS = 2000  # longer input is refused before it is read
MAX_DIGITS = 30  # digits in one integer literal
MAX_EXPONENT = 64  # |numerator| and denominator of an exponent
MAX_POWER_DIGITS = 400  # digits of a number raised to a power
MAX_DEPTH = 60  # nested brackets, fractions and exponents
MAX_TERMS = 2_000  # terms the expression could expand to (cost formulas: under 50)

ROLES = ("Dk", "M", "N", "Df", "Di", "s", "p", "d", "g", "t", "alpha", "rho")
ROLE_HELP = ", ".join(ROLES)

# Spellings that bind themselves (after D_{K} -> D_K and \alpha -> alpha).
AUTO: dict[str, str] = {
    **{n: "Dk" for n in ("Dk", "DK", "D_k", "D_K", "k")},
    **{n: "Df" for n in ("Df", "DF", "D_f", "D_F", "Dp", "DP", "D_p", "D_P", "D_out")},
    **{n: "Di" for n in ("Di", "DI", "D_i", "D_I", "D_in")},
    "M": "M", "N": "N", "d'": "M", "d''": "N",
    **{n: n for n in ("s", "p", "d", "g", "t")},
    "alpha": "alpha", "α": "alpha", "rho": "rho", "ρ": "rho",
}
_SAY = {  # readings worth saying out loud
    "k": "k is the kernel size Dk",
    "Dp": "Dp is the output side Df", "DP": "DP is the output side Df",
    "D_p": "D_p is the output side Df", "D_P": "D_P is the output side Df",
    "d'": "d' is the block's input channels M (MobileNet v2 §3.3)",
    "d''": "d'' is the block's output channels N (MobileNet v2 §3.3)",
}
# Readings a kind brings: articles write the spatial case on an N×N image with a k×k kernel,
# and the v2 block on an h×w input.
KIND_AUTO: dict[str, dict[str, str]] = {
    "spatial": {"N": "Di", "n": "Di"},
    "v2": {"h": "Di", "w": "Di"},
}
_KIND_SAY = {
    ("spatial", "N"): "N is the image side Di here (an N×N single-channel image), k the kernel Dk",
    ("spatial", "n"): "n is the image side Di here (an n×n single-channel image)",
    ("v2", "h"): "h is the block's input side Di", ("v2", "w"): "w is the block's input side Di",
}

FUNCS = {"floor": sp.floor, "ceil": sp.ceiling, "ceiling": sp.ceiling, "sqrt": sp.sqrt,
         "min": sp.Min, "max": sp.Max}
_ARITY = {"floor": (1, 1), "ceil": (1, 1), "ceiling": (1, 1), "sqrt": (1, 1), "min": (2, 8),
          "max": (2, 8)}

_LATEX_OPS = {"cdot": "*", "times": "*", "ast": "*", "div": "/"}
_LATEX_SKIP = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
               "biggl", "biggr", "quad", "qquad", "displaystyle", "textstyle", "nonumber",
               "notag", "limits"}
_LATEX_TEXT = {"text", "mathrm", "textrm", "mathit", "mathbf", "textbf", "textit", "mbox",
               "operatorname", "mathsf"}
_LATEX_GREEK = {"alpha": "alpha", "rho": "rho"}
_UNICODE_OPS = {"·": "*", "⋅": "*", "∙": "*", "•": "*", "×": "*", "∗": "*", "−": "-", "–": "-",
                "—": "-",
                "÷": "/", "∕": "/"}
_SUPER = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
          "⁸": "8", "⁹": "9"}
_OPEN, _CLOSE = "({[", ")}]"


class ExpressionError(CostcalcError):
    """Text the checker refuses or cannot read (exit code 2)."""


class UnknownSymbolError(ExpressionError):
    """A name that is neither bound with --let nor a recognisable spelling of a role."""

    def __init__(self, names: list[str]):
        self.names = names
        quoted = ", ".join(f"'{_short(n)}'" for n in names[:6]) + (", ..." if len(names) > 6 else "")
        example = " ".join(f"--let {_short(n)}=ROLE" for n in names[:2])
        super().__init__(f"unknown symbol{'s' if len(names) > 1 else ''} {quoted}: bind "
                         f"{'them' if len(names) > 1 else 'it'} with {example} "
                         f"(roles: {ROLE_HELP})")


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


@dataclass(frozen=True)
class Tok:
    kind: str  # NUM NAME TEXT OP LP RP COMMA EQ FRAC SQRT FUNC LFLOOR RFLOOR LCEIL RCEIL
    value: object
    pos: int  # column, 1-based
    space_before: bool = False


# -- tokenizer -------------------------------------------------------------------------------

_DIGITS = "0123456789"
# a subscript: {K}, {out}, or a roman/text one {\mathrm{std}} (a quantity's name, C_std)
_SUBSCRIPT = re.compile(r"\{\s*(?:\\(?:mathrm|text|textrm|rm|mathit|mathsf|operatorname)\s*\{\s*[A-Za-z0-9]{1,12}\s*\}"
                        r"|\\rm\s+[A-Za-z0-9]{1,12}|[A-Za-z0-9]{1,12})\s*\}")
_SUB_CMD = re.compile(r"\\(?:mathrm|text|textrm|rm|mathit|mathsf|operatorname)\s*|\s+")
_NAME_START = re.compile(r"[A-Za-z_αρ]")
_NAME_CHAR = re.compile(r"[A-Za-z0-9_]")


def _refuse(msg: str, pos: int | None = None) -> ExpressionError:
    return ExpressionError(msg + (f" (at column {pos})" if pos is not None else ""))


def tokenize(text: str) -> list[Tok]:
    """Split text into whitelisted tokens; refuse anything outside the whitelist."""
    if not isinstance(text, str):
        raise ExpressionError("expression must be text")
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"expression is {len(text)} characters long; the limit is {MAX_CHARS}")
    toks: list[Tok] = []
    i, n = 0, len(text)
    space = False

    def add(kind, value, pos):
        nonlocal space
        toks.append(Tok(kind, value, pos + 1, space))
        space = False

    while i < n:
        c = text[i]
        if c.isspace():
            space = True
            i += 1
            continue
        if c == "\\":
            i = _latex(text, i, add)
            continue
        if c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS
                           and not (toks and toks[-1].kind in ("NAME", "NUM") and not space)):
            j = i
            while j < n and text[j] in _DIGITS:
                j += 1
            if j < n and text[j] == "." and j + 1 < n and text[j + 1] in _DIGITS:
                j += 1
                while j < n and text[j] in _DIGITS:
                    j += 1
            lit = text[i:j]
            if sum(ch in _DIGITS for ch in lit) > MAX_DIGITS:
                raise _refuse(f"number with more than {MAX_DIGITS} digits", i + 1)
            add("NUM", lit, i)
            i = j
            continue
        if _NAME_START.match(c):
            j = i + 1
            if c not in "αρ":
                while j < n and (_NAME_CHAR.match(text[j]) or text[j] == "{" and text[j - 1] == "_"
                                 or text[j:j + 2] == "\\_" and _NAME_CHAR.match(text[j + 2:j + 3] or "-")
                                 or text[j:j + 3] == "\\_{"):
                    if text[j] == "\\":  # D\_K: a Markdown-escaped underscore
                        j += 1
                        continue
                    if text[j] == "{":  # D_{K} -> D_K; C_{\mathrm{std}} -> C_std
                        m = _SUBSCRIPT.match(text, j)
                        if m is None:
                            raise _refuse("unreadable subscript", j + 1)
                        j = m.end()
                        continue
                    j += 1
            raw = text[i:j]
            while j < n and text[j] == "'":
                j += 1
            primes = text[i + len(raw):j]
            if primes and j < n and (_NAME_CHAR.match(text[j]) or text[j] in "'\""):
                raise _refuse("string literals are not allowed", i + len(raw) + 1)
            name = _SUB_CMD.sub("", raw.replace("\\_", "_")).replace("{", "").replace("}", "") + primes
            if "__" in name:
                raise _refuse(f"dunder names are not allowed: '{_short(name)}'", i + 1)
            if name == "lambda":
                raise _refuse("lambdas are not allowed", i + 1)
            if keyword.iskeyword(name):
                raise _refuse(f"Python keyword '{name}' is not allowed", i + 1)
            add("NAME", name, i)
            i = j
            continue
        if c in _SUPER:
            j = i
            while j < n and text[j] in _SUPER:
                j += 1
            add("OP", "^", i)
            add("NUM", "".join(_SUPER[ch] for ch in text[i:j]), i)
            i = j
            continue
        if c == "*" and text[i + 1:i + 2] == "*":
            add("OP", "^", i)
            i += 2
            continue
        if c in "+-*/^" or c in _UNICODE_OPS:
            add("OP", _UNICODE_OPS.get(c, c), i)
            i += 1
            continue
        if c in _OPEN:
            if c == "[" and toks and toks[-1].kind in ("NAME", "RP") and not space:
                raise _refuse("subscripts are not allowed", i + 1)
            add("LP", c, i)
            i += 1
            continue
        if c in _CLOSE:
            add("RP", c, i)
            i += 1
            continue
        if c == ",":
            add("COMMA", c, i)
            i += 1
            continue
        if c == "=" or c == "≈":
            add("EQ", "≈" if c == "≈" else "=", i)
            i += 2 if text[i:i + 2] == "==" else 1
            continue
        if c == ".":
            after = text[i + 1:i + 2]
            if space or after.isspace() or after == "":
                add("OP", "*", i)  # D_K . D_K . M
                i += 1
                continue
            if _NAME_START.match(after):
                raise _refuse("attribute access is not allowed", i + 1)
            raise _refuse("unexpected '.'", i + 1)
        if c in "'\"":
            raise _refuse("string literals are not allowed", i + 1)
        if c == ":" and toks and toks[-1].value == "lambda":
            raise _refuse("lambdas are not allowed", i + 1)
        shown = c if c.isprintable() else ascii(c)
        raise _refuse(f"unexpected character '{shown}'", i + 1)
    return toks


def _latex(text: str, i: int, add) -> int:
    """One LaTeX command at text[i] == '\\'; returns the index after it."""
    n = len(text)
    j = i + 1
    if j < n and not text[j].isalpha():
        if text[j] in ",;:! ":
            return j + 1  # thin spaces
        if text[j] == "*":  # \* : a Markdown-escaped '*' (LaTeX's discretionary times)
            add("OP", "*", i)
            return j + 1
        if text[j] in "{}":
            add("LP" if text[j] == "{" else "RP", "(" if text[j] == "{" else ")", i)
            return j + 1
        raise _refuse(f"unsupported LaTeX '\\{text[j:j + 1]}'", i + 1)
    while j < n and text[j].isalpha():
        j += 1
    cmd = text[i + 1:j]
    if cmd in ("frac", "dfrac", "tfrac"):
        add("FRAC", cmd, i)
    elif cmd in _LATEX_OPS:
        add("OP", _LATEX_OPS[cmd], i)
    elif cmd in _LATEX_GREEK:
        add("NAME", _LATEX_GREEK[cmd], i)
    elif cmd == "sqrt":
        if text[j:j + 1] == "[":
            raise _refuse("only square roots are supported", i + 1)
        add("SQRT", "sqrt", i)
    elif cmd in ("min", "max"):
        add("FUNC", cmd, i)
    elif cmd in ("lfloor", "rfloor", "lceil", "rceil"):
        add(cmd.upper(), cmd, i)
    elif cmd == "approx":
        add("EQ", "≈", i)
    elif cmd in _LATEX_SKIP:
        if cmd in ("left", "right") and text[j:j + 1] == ".":
            return j + 1  # \left. invisible delimiter
    elif cmd in _LATEX_TEXT:
        k = j
        while k < n and text[k].isspace():
            k += 1
        if text[k:k + 1] != "{":
            raise _refuse(f"\\{cmd} needs {{...}}", i + 1)
        close = text.find("}", k)
        if close < 0:
            raise _refuse("unclosed '{'", k + 1)
        inner = text[k + 1:close].strip()
        if "__" in inner:
            raise _refuse(f"dunder names are not allowed: '{inner}'", k + 2)
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", inner) and inner in FUNCS:
            add("FUNC", inner, i)
        elif re.fullmatch(r"[A-Za-z]\w*'*", inner) and not keyword.iskeyword(inner):
            add("NAME", inner, i)
        else:
            add("TEXT", inner, i)
        return close + 1
    else:
        raise _refuse(f"unsupported LaTeX command '\\{cmd}'", i + 1)
    return j


# -- names -> roles --------------------------------------------------------------------------

@dataclass
class Binding:
    """How an author's names map to roles: --let first, then the kind's readings, then AUTO."""

    let: dict[str, str] = field(default_factory=dict)
    family: str | None = None  # "spatial" | "v2" | None
    lenient: bool = False  # audit: unknown single letters become free symbols
    # audit: placeholder names for what the prose put in a formula (a quantity named in words,
    # a reference to an earlier equation), each standing for an expression built by costcalc
    extra: dict = field(default_factory=dict)
    used: set = field(default_factory=set)  # the --let names the text has used

    def role(self, name: str) -> str | None:
        if name in self.let:
            self.used.add(name)
            return self.let[name]
        if self.family and name in KIND_AUTO.get(self.family, {}):
            return KIND_AUTO[self.family][name]
        return AUTO.get(name)

    def say(self, name: str) -> str | None:
        if name in self.let:
            return None
        if self.family and (self.family, name) in _KIND_SAY:
            return _KIND_SAY[(self.family, name)]
        if self.family == "spatial" and name == "k":
            return None
        return _SAY.get(name)

    def known(self, name: str) -> bool:
        return self.role(name) is not None or name in self.extra


def normalize_name(raw: str) -> str:
    """The tokenizer's spelling of one name: D_{K} -> D_K, \\alpha -> alpha."""
    raw = raw.strip()
    if raw.startswith("\\") and raw[1:] in _LATEX_GREEK:
        return _LATEX_GREEK[raw[1:]]
    toks = tokenize(raw)
    if len(toks) != 1 or toks[0].kind != "NAME":
        raise ExpressionError(f"'{raw}' is not a symbol name")
    return toks[0].value


def role_name(raw: str) -> str:
    """A role given on the command line: a canonical name or a spelling that binds to one."""
    raw = raw.strip()
    if raw in ROLES:
        return raw
    try:
        r = AUTO.get(normalize_name(raw))
    except ExpressionError:
        r = None
    if r is None:
        raise ExpressionError(f"unknown role '{raw}' (roles: {ROLE_HELP})")
    return r


def parse_let(items: list[str] | None) -> dict[str, str]:
    """['P=Di', 'R=Df,K=Dk'] -> {'P': 'Di', 'R': 'Df', 'K': 'Dk'}."""
    out: dict[str, str] = {}
    for item in items or []:
        for part in item.split(","):
            if not part.strip():
                continue
            if part.count("=") != 1:
                raise ExpressionError(f"--let expects SYM=ROLE, got '{part.strip()}'")
            sym, role = part.split("=")
            name, r = normalize_name(sym), role_name(role)
            if out.get(name, r) != r:
                raise ExpressionError(f"--let binds '{sym.strip()}' twice: to {out[name]} and to {r}; "
                                      f"give it one role")
            out[name] = r
    return out


# -- parser ----------------------------------------------------------------------------------

@dataclass
class Side:
    """One side of a formula: its text, its expression (None for a label such as 'MACs')."""

    text: str
    expr: sp.Expr | None
    names: dict = field(default_factory=dict)  # canonical/free Symbol -> the author's spelling
    readings: list = field(default_factory=list)
    unknown: list = field(default_factory=list)  # names that made this side a label
    free: list = field(default_factory=list)  # free symbols (audit only), in order of appearance
    literals: list = field(default_factory=list)  # the numbers as written (1/512 + 1/9: 1, 512, 1, 9)
    decimals: int | None = None  # places of a side that is one decimal number (0.113: 3)


@dataclass
class Chain:
    text: str
    sides: list  # [Side]
    relations: list  # '=' or '≈' between consecutive sides


def free_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


def _is_letter(name: str) -> bool:
    """One letter, perhaps primed (C, C'): what the audit may read as an undefined symbol."""
    base = name.rstrip("'")
    return len(base) == 1 and base.isalpha() and base != "x"


class _Resolver:
    """Turns NAME tokens into symbols, functions or '*' (for `x` between factors)."""

    def __init__(self, binding: Binding):
        self.b = binding
        self.names: dict = {}
        self.readings: list[str] = []
        self.unknown: list[str] = []
        self.free: list = []

    def note(self, text: str):
        if text not in self.readings:
            self.readings.append(text)

    def symbol(self, name: str, pos: int) -> sp.Expr | None:
        if name in self.b.extra:
            return self.b.extra[name]
        role = self.b.role(name)
        if role is not None:
            sym = SYM[role]
            self.names.setdefault(sym, name)
            say = self.b.say(name)
            if say:
                self.note(say)
            return sym
        return None

    def piece(self, name: str, pos: int, whole: str) -> list | None:
        """A name as a list of tokens, or None when it is not readable."""
        sym = self.symbol(name, pos)
        if sym is not None:
            return [Tok("SYM", sym, pos)]
        m = re.fullmatch(r"(.+?)([23])", name)
        if m and self.b.known(m.group(1)):
            sym = self.symbol(m.group(1), pos)
            self.note(f"'{name}' read as {m.group(1)}{'²' if m.group(2) == '2' else '³'}")
            return [Tok("LP", "(", pos), Tok("SYM", sym, pos), Tok("RP", ")", pos),
                    Tok("OP", "^", pos), Tok("NUM", m.group(2), pos)]
        if self.b.lenient and _is_letter(name):
            sym = free_symbol(name)
            self.names.setdefault(sym, name)
            if sym not in self.free:
                self.free.append(sym)
            return [Tok("SYM", sym, pos)]
        return None

    def concat(self, name: str, pos: int) -> list | None:
        """'MN' -> M·N, 'DkM' -> Dk·M: only when every piece is a known name."""
        if len(name) > 40:
            return None
        ok = lambda h: self.b.known(h) or (re.fullmatch(r".+[23]", h) and self.b.known(h[:-1]))
        # best[i]: the fewest known pieces that spell name[i:] (dynamic programming, no recursion)
        best: list = [None] * len(name) + [[]]
        for i in range(len(name) - 1, -1, -1):
            for j in range(len(name), i, -1):
                if best[j] is not None and ok(name[i:j]):
                    cand = [name[i:j]] + best[j]
                    if best[i] is None or len(cand) < len(best[i]):
                        best[i] = cand
        best = best[0]
        if best is None or len(best) < 2:
            return None
        out: list = []
        for k, part in enumerate(best):
            if k:
                out.append(Tok("OP", "*", pos))
            out += self.piece(part, pos, name)
        self.note(f"'{name}' read as {'·'.join(best)}")
        return out

    def resolve(self, name: str, pos: int, next_tok: Tok | None) -> list:
        call = next_tok is not None and next_tok.kind == "LP" and next_tok.value == "(" \
            and not next_tok.space_before
        if call and name in FUNCS and not self.b.known(name):
            return [Tok("FUNC", name, pos)]
        got = self.piece(name, pos, name)
        if got is not None:
            return got
        if name == "x":
            return [Tok("OP", "*", pos)]
        if "x" in name and not self.b.known("x"):  # DkxDkxM, MxPxPx(...), 3x3 = NUM 3, NAME x3
            parts = name.split("x")
            ok = all(parts[1:-1]) and any(parts) and not (call and parts[-1]) and all(
                not p or p.isdigit() or self.b.known(p) or _is_letter(p)
                or (re.fullmatch(r".+[23]", p) and self.b.known(p[:-1])) for p in parts)
            if ok:
                out: list = []
                for k, p in enumerate(parts):
                    if k:
                        out.append(Tok("OP", "*", pos))
                    if not p:
                        continue
                    if p.isdigit():
                        out.append(Tok("NUM", p, pos))
                        continue
                    got = self.piece(p, pos, name)
                    if got is None:
                        if p not in self.unknown:
                            self.unknown.append(p)
                        got = [Tok("SYM", free_symbol(p), pos)]
                    out += got
                return out
        if call:
            raise _refuse(f"calls are not allowed: '{_short(name)}(...)' "
                          "(functions: floor, ceil, sqrt, min, max)", pos)
        got = self.concat(name, pos)
        if got is not None:
            return got
        if name not in self.unknown:
            self.unknown.append(name)
        return [Tok("SYM", free_symbol(name), pos)]


class _Parser:
    """Recursive descent over resolved tokens; builds sympy nodes, never evaluates text."""

    def __init__(self, toks: list[Tok]):
        self.toks = toks
        self.i = 0
        self.depth = 0

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def enter(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested more than {MAX_DEPTH} levels deep")

    def parse(self) -> sp.Expr:
        if not self.toks:
            raise ExpressionError("empty expression")
        e = self.expr()
        t = self.peek()
        if t is not None:
            raise _refuse(f"unexpected {_show(t)}", t.pos)
        return e

    def expr(self) -> sp.Expr:
        e = self.term()
        while (t := self.peek()) is not None and t.kind == "OP" and t.value in "+-":
            self.take()
            rhs = self.term()
            e = sp.Add(e, rhs if t.value == "+" else sp.Mul(-1, rhs))
        return e

    def starts_atom(self, t: Tok | None) -> bool:
        return t is not None and (t.kind in ("NUM", "SYM", "FUNC", "FRAC", "SQRT", "LFLOOR",
                                             "LCEIL") or t.kind == "LP")

    def term(self) -> sp.Expr:
        e = self.unary()
        while True:
            t = self.peek()
            if t is not None and t.kind == "OP" and t.value in "*/":
                self.take()
                rhs = self.unary()
                e = sp.Mul(e, rhs) if t.value == "*" else _div(e, rhs)
            elif self.starts_atom(t):  # implicit multiplication: 2N, αM, M(Dk² + N)
                e = sp.Mul(e, self.unary())
            else:
                return e

    def unary(self) -> sp.Expr:
        sign = 1
        while (t := self.peek()) is not None and t.kind == "OP" and t.value in "+-":
            self.take()
            sign = -sign if t.value == "-" else sign
        e = self.power()
        return e if sign == 1 else sp.Mul(-1, e)

    def power(self) -> sp.Expr:
        base = self.atom()
        t = self.peek()
        if t is not None and t.kind == "OP" and t.value == "^":
            self.take()
            self.enter()
            exp = self.unary()
            self.depth -= 1
            return _pow(base, exp, t.pos)
        return base

    def group(self, what: str) -> sp.Expr:
        t = self.peek()
        if t is None or t.kind != "LP":
            raise _refuse(f"{what} needs {{...}}", t.pos if t else None)
        return self.atom()

    def atom(self) -> sp.Expr:
        t = self.peek()
        if t is None:
            raise ExpressionError("expression ends too early")
        self.take()
        if t.kind == "NUM":
            return sp.Rational(t.value) if "." in t.value else sp.Integer(t.value)
        if t.kind == "SYM":
            return t.value
        if t.kind == "LP":
            self.enter()
            e = self.expr()
            self.close(t)
            self.depth -= 1
            return e
        if t.kind == "FRAC":
            self.enter()
            num, den = self.group("\\frac"), self.group("\\frac")
            self.depth -= 1
            return _div(num, den)
        if t.kind == "SQRT":
            self.enter()
            e = sp.sqrt(self.group("\\sqrt"))
            self.depth -= 1
            return e
        if t.kind in ("LFLOOR", "LCEIL"):
            self.enter()
            e = self.expr()
            end = self.peek()
            want = "RFLOOR" if t.kind == "LFLOOR" else "RCEIL"
            if end is None or end.kind != want:
                raise _refuse(f"missing \\{want.lower()}", t.pos)
            self.take()
            self.depth -= 1
            return sp.floor(e) if t.kind == "LFLOOR" else sp.ceiling(e)
        if t.kind == "FUNC":
            return self.call(t)
        raise _refuse(f"unexpected {_show(t)}", t.pos)

    def close(self, opener: Tok):
        t = self.peek()
        want = _CLOSE[_OPEN.index(opener.value)]
        if t is None:
            raise _refuse(f"unclosed '{opener.value}'", opener.pos)
        if t.kind != "RP":
            raise _refuse(f"unexpected {_show(t)}", t.pos)
        if t.value != want and not (opener.value == "(" and t.value == ")"):
            raise _refuse(f"'{opener.value}' closed by '{t.value}'", t.pos)
        self.take()

    def call(self, t: Tok) -> sp.Expr:
        opener = self.peek()
        if opener is None or opener.kind != "LP":
            raise _refuse(f"{t.value} needs (...)", t.pos)
        self.take()
        self.enter()
        args = [self.expr()]
        while (c := self.peek()) is not None and c.kind == "COMMA":
            self.take()
            args.append(self.expr())
        self.close(opener)
        self.depth -= 1
        lo, hi = _ARITY[t.value]
        if not lo <= len(args) <= hi:
            raise _refuse(f"{t.value} takes {lo if lo == hi else f'{lo} to {hi}'} argument"
                          f"{'s' if hi > 1 else ''}, got {len(args)}", t.pos)
        return FUNCS[t.value](*args)


def _show(t: Tok) -> str:
    return {"COMMA": "','", "EQ": f"'{t.value}'", "RP": f"'{t.value}'", "LP": f"'{t.value}'",
            "TEXT": f"text '{t.value}'"}.get(t.kind, f"'{t.value}'")


def _div(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    if b == 0:
        raise ExpressionError("division by zero")
    return sp.Mul(a, sp.Pow(b, -1))


def _digits(r: sp.Rational) -> float:
    return max(math.log10(abs(int(r.p)) + 1), math.log10(int(r.q) + 1))


def _pow(base: sp.Expr, exp: sp.Expr, pos: int) -> sp.Expr:
    """base^exp, refused before sympy computes anything huge."""
    if not exp.is_Rational:
        raise _refuse("only rational-number exponents are supported", pos)
    if abs(exp.p) > MAX_EXPONENT or exp.q > MAX_EXPONENT:
        raise _refuse(f"exponent {_short(str(exp))} is too large (limit {MAX_EXPONENT})", pos)
    if base.is_Rational:
        if base == 0 and exp < 0:
            raise ExpressionError("division by zero")
        if _digits(base) * abs(exp) > MAX_POWER_DIGITS:
            raise _refuse(f"number too large (about {_digits(base) * abs(exp):.0f} digits)", pos)
    return sp.Pow(base, exp)


def _terms(e: sp.Expr, cap: int = MAX_TERMS + 1) -> int:
    """How many terms e could expand to (an upper bound, capped)."""
    if e.is_Add:
        return min(cap, sum(_terms(a, cap) for a in e.args))
    if e.is_Mul:
        n = 1
        for a in e.args:
            n = min(cap, n * _terms(a, cap))
        return n
    if e.is_Pow:
        b, x = e.args
        tb = _terms(b, cap)
        if tb == 1:
            return 1
        k = abs(int(x.p)) if x.is_Rational else 1
        return min(cap, tb ** min(k, 64)) if tb < cap else cap
    return 1


def _resolve(toks: list[Tok], binding: Binding) -> tuple[list[Tok], _Resolver]:
    r = _Resolver(binding)
    out: list[Tok] = []
    for k, t in enumerate(toks):
        if t.kind == "NAME":
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            got = r.resolve(t.value, t.pos, nxt)
            if got:
                got[0] = Tok(got[0].kind, got[0].value, got[0].pos, t.space_before)
            out += got
        elif t.kind == "TEXT":
            if t.value not in r.unknown:
                r.unknown.append(t.value)
            out.append(Tok("SYM", free_symbol("text"), t.pos, t.space_before))
        else:
            out.append(t)
    return out, r


def _stray_operators(toks: list[Tok], r: "_Resolver") -> list[Tok]:
    """The audit's reading of a typo such as '+ \\cdot M': an operator right after '+' or '-'
    is dropped, and the reading says so (check, which is strict, refuses it)."""
    out: list[Tok] = []
    for t in toks:
        if t.kind == "OP" and t.value in "*/" and out and out[-1].kind == "OP" \
                and out[-1].value in "+-":
            r.note(f"a stray '{'·' if t.value == '*' else '/'}' after '{out[-1].value}' "
                   "read as a typo and dropped")
            continue
        out.append(t)
    return out


def _parse_side(toks: list[Tok], text: str, binding: Binding) -> Side:
    resolved, r = _resolve(toks, binding)
    if binding.lenient:
        resolved = _stray_operators(resolved, r)
    try:
        expr = _Parser(resolved).parse()
    except RecursionError:
        raise ExpressionError(f"expression nested more than {MAX_DEPTH} levels deep") from None
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ExpressionError("division by zero")
    if expr.has(sp.I):
        raise ExpressionError("complex numbers are not supported")
    if _terms(expr) > MAX_TERMS:
        raise ExpressionError(f"expression too large to check (it could expand to more than "
                              f"{MAX_TERMS:,} terms)")
    lits = [t.value for t in toks if t.kind == "NUM"]
    side = Side(text.strip(), expr, r.names, r.readings, list(r.unknown), r.free,
                [sp.Rational(v) if "." in v else sp.Integer(v) for v in lits])
    if len(toks) == 1 and toks[0].kind == "NUM" and "." in toks[0].value:
        side.decimals = len(toks[0].value.split(".")[1])
    if r.unknown:
        side.expr = None
    return side


def parse_chain(text: str, binding: Binding | None = None) -> Chain:
    """Read 'A = B ≈ C' into sides. A side with unknown names is a label (expr None) when the
    binding is lenient, an error naming them otherwise."""
    binding = binding or Binding()
    toks = tokenize(text)
    groups: list[list[Tok]] = [[]]
    relations: list[str] = []
    depth = 0
    for t in toks:
        if t.kind == "LP":
            depth += 1
        elif t.kind == "RP":
            depth -= 1
        if t.kind == "EQ" and depth == 0:
            groups.append([])
            relations.append(t.value)
        else:
            groups[-1].append(t)
    # Source text of each side, for display.
    cuts = [t.pos - 1 for t in toks if t.kind == "EQ"]
    bounds = [0] + cuts + [len(text)]
    pieces = []
    for k in range(len(groups)):
        lo = bounds[k] + (0 if k == 0 else (2 if text[bounds[k]:bounds[k] + 2] == "==" else 1))
        if k and text[bounds[k]] == "\\":
            lo = bounds[k] + len("\\approx")
        pieces.append(text[lo:bounds[k + 1]])
    sides = []
    unknown: list[str] = []
    for g, piece in zip(groups, pieces):
        if not g:
            raise ExpressionError("empty side in an equation" if relations else "empty expression")
        side = _parse_side(g, piece, binding)
        for nm in side.unknown:
            if nm not in unknown:
                unknown.append(nm)
        sides.append(side)
    if unknown and not binding.lenient:
        raise UnknownSymbolError(unknown)
    return Chain(text, sides, relations)


def parse_expression(text: str, binding: Binding | None = None) -> sp.Expr:
    """One expression (no '='), strictly bound: the library entry point for a single formula."""
    chain = parse_chain(text, Binding(**{**vars(binding or Binding()), "lenient": False}))
    if len(chain.sides) != 1:
        raise ExpressionError("expected one expression, got an equation")
    return chain.sides[0].expr
