"""Canonical symbols and the printers that show formulas in the papers' notation.

Symbols are created once, here, with the assumptions sympy needs to simplify the cost algebra
(sizes and channels are positive integers; alpha and rho are positive reals). Every module that
writes a formula symbolically takes its symbols from ``SYM``.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

_INT = dict(integer=True, positive=True)

Dk, M, N, Df, Di, s, d, g, k, t, kh, kw = sp.symbols("Dk M N Df Di s d g k t kh kw", **_INT)
p = sp.Symbol("p", integer=True, nonnegative=True)
alpha, rho = sp.symbols("alpha rho", positive=True)

SYM: dict[str, sp.Symbol] = {
    str(x): x for x in (Dk, M, N, Df, Di, s, p, d, g, k, t, kh, kw, alpha, rho)
}

ROLE_DOC = {
    "Dk": "kernel size",
    "kh": "kernel height",
    "kw": "kernel width",
    "M": "input channels",
    "N": "output channels",
    "Df": "output feature-map side",
    "Di": "input side",
    "s": "stride",
    "p": "padding",
    "d": "dilation",
    "g": "groups",
    "k": "kernel size (spatial separable)",
    "t": "expansion factor",
    "alpha": "width multiplier",
    "rho": "resolution multiplier",
}

# Factor order in printed products: the MobileNet paper writes Dk·Dk·M·N·Df·Df.
_ORDER = {n: i for i, n in enumerate(
    ["alpha", "rho", "Dk", "kh", "kw", "k", "t", "M", "N", "Df", "Di", "s", "p", "d", "g"])}
_GREEK = {"alpha": "α", "rho": "ρ"}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _key(factor: sp.Expr) -> tuple:
    base = factor.base if factor.is_Pow else factor
    if base.is_Symbol:
        return (0, _ORDER.get(base.name, 99), base.name)
    return (1, 0, sp.srepr(base))


class PaperPrinter(StrPrinter):
    """Dk²·M·N·Df² rather than sympy's Df**2*Dk**2*M*N."""

    def _print_Symbol(self, expr):
        return _GREEK.get(expr.name, expr.name)

    def _print_Pow(self, expr):
        b, e = expr.as_base_exp()
        if e.is_Integer and e < 0:
            return "1/" + self._print(b ** -e) if -e != 1 else "1/" + self.parenthesize(b, 50)
        base = self.parenthesize(b, 60)
        if e.is_Integer and 1 < e < 10:
            return base + str(e).translate(_SUPERSCRIPT)
        return f"{base}^{self.parenthesize(e, 60)}"

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        if coeff < 0:
            return "-" + self._print(-expr)
        num, den = [], []
        for f in sp.Mul.make_args(rest):
            b, e = f.as_base_exp()
            if e.is_number and e.is_negative:
                den.append(b ** -e)
            else:
                num.append(f)
        lead, lead_den = "", ""
        if coeff.is_Rational and coeff != 1:
            lead = str(coeff.p) if (coeff.p != 1 or not num) else ""
            lead_den = str(coeff.q) if coeff.q != 1 else ""
        elif coeff != 1:
            lead = self._print(coeff)

        def part(lead_str, fs):
            items = ([lead_str] if lead_str else []) + [
                self.parenthesize(f, 50) for f in sorted(fs, key=_key)]
            return "·".join(items), len(items)

        out, _ = part(lead, num)
        out = out or "1"
        d_str, n_den = part(lead_den, den)
        if n_den:
            out += "/" + (f"({d_str})" if n_den > 1 else d_str)
        return out


class PaperLatexPrinter(LatexPrinter):
    def __init__(self):
        super().__init__({"mul_symbol": "dot", "symbol_names": {
            Dk: "D_K", Df: "D_F", Di: "D_I", alpha: r"\alpha", rho: r"\rho"}})


_pretty = PaperPrinter()
_latex = PaperLatexPrinter()


def pretty(expr) -> str:
    return _pretty.doprint(sp.sympify(expr))


def latex(expr) -> str:
    return _latex.doprint(sp.sympify(expr))


def equal(a, b) -> bool:
    """Symbolic identity check: a - b is zero.

    Cost expressions are rational functions, for which ``cancel`` decides zero exactly and
    fast; ``simplify`` (slow, and it imports sympy.physics) is the fallback for the rest.
    """
    diff = sp.sympify(a) - sp.sympify(b)
    return sp.cancel(diff) == 0 or sp.simplify(diff) == 0


class PlainPrinter(StrPrinter):
    """ASCII sympy syntax, but 1/Dk**2 rather than Dk**(-2)."""

    def _print_Pow(self, expr, rational=False):
        b, e = expr.as_base_exp()
        if e.is_Integer and e < 0:
            return "1/" + self.parenthesize(b ** -e, 55 if -e != 1 else 50)
        return super()._print_Pow(expr, rational)


_plain = PlainPrinter()


def plain(expr) -> str:
    return _plain.doprint(sp.sympify(expr))
