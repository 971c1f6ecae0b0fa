"""The report of ``costcalc model NAME --formula``: MACs(α, ρ) and params(α) by monomial."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ..archs import resolve_model
from ..formula import Formula, alpha_lattice, departures, rounding_free_sides, table_alphas
from ..symbolic import latex as sym_latex, pretty, rho as RHO
from .tables import Column, Report, Table, latex_escape, percent

RULES = {"floor": "c·α whole", "round": "c·α whole", "int": "c·α whole",
         "divisible8": "c·α a multiple of 8", "none": "α does not scale channels"}


def _mono(m) -> str:
    return pretty(m).replace("Max(", "max(") if m != 1 else "1"


def _mono_latex(m) -> str:
    return "" if m == 1 else sym_latex(m).replace(r" \cdot ", " ")


def _raw(c: sp.Rational):
    """A coefficient as a table cell holds it: a Python int, or 'p/q' (raw in CSV and JSON)."""
    return int(c) if c.q == 1 else f"{c.p}/{c.q}"


def _coef(c) -> str:
    c = sp.Rational(c)
    return f"{int(c):,}" if c.q == 1 else f"{c.p:,}/{c.q:,}"


def _coef_latex(c) -> str:
    c = sp.Rational(c)
    text = f"{abs(int(c)):,}" if c.q == 1 else rf"\frac{{{abs(c.p):,}}}{{{c.q:,}}}"
    return text.replace(",", "{,}")


def written(terms) -> str:
    """539,492,352·α²·ρ² + 28,224,000·α·ρ² + 1,024,000·α"""
    out = ""
    for i, t in enumerate(terms):
        sign = "-" if t.coefficient < 0 else "+"
        c = _coef(abs(t.coefficient))
        body = c if t.monomial == 1 else f"{c}·{_mono(t.monomial)}"
        out += (("−" if sign == "-" else "") if i == 0 else f" {'−' if sign == '-' else '+'} ") + body
    return out or "0"


def written_latex(terms) -> str:
    out = ""
    for i, t in enumerate(terms):
        neg = t.coefficient < 0
        body = _coef_latex(t.coefficient) + (r"\," + _mono_latex(t.monomial) if t.monomial != 1 else "")
        out += ("-" if neg else "") + body if i == 0 else (" - " if neg else " + ") + body
    return out or "0"


def _sources(f: Formula, field: str) -> dict:
    return {m: ", ".join(tag for tag, c in sorted(d.items(), key=lambda kv: -abs(kv[1])) if c)
            for m, d in f.sources(field).items()}


def _rows(f: Formula, terms, field: str) -> list[dict]:
    src = _sources(f, field)
    return [{"monomial": t.monomial, "coefficient": _raw(t.coefficient), "share": t.share,
             "from": src.get(t.monomial, "")} for t in terms]


def _frac(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def exact_where(f: Formula) -> dict:
    """Where the formula is the exact count, in numbers (α lattice, rounding-free sides)."""
    step, lo = alpha_lattice(f)
    sides = rounding_free_sides(f)
    return {"alpha_step": None if step is None else _frac(step),
            "alpha_min": None if not lo else _frac(lo),
            "alpha_except": table_alphas(f), "resolutions": sides}


def _sides_text(sides: list[int], R: int) -> str:
    if not sides:
        return f"no input side up to {2 * R} px avoids a rounded side"
    step = sides[0]
    if sides == list(range(step, sides[-1] + 1, step)):
        return f"the input side is a multiple of {step} px (checked to {2 * R})"
    shown = ", ".join(map(str, sides[:6])) + (", …" if len(sides) > 6 else "")
    return f"the input side is one of {shown} px (checked to {2 * R})"


def formula_report(f: Formula, alpha: float, resolution: int, growth_rate=None) -> Report:
    macs_terms = f.terms(f.macs)
    par_terms = f.terms(f.params["weights"])
    where = exact_where(f)
    R = f.default_resolution
    deps = departures(f, alpha, resolution, growth_rate)
    exact = resolve_model(f.name, alpha, resolution, growth_rate=growth_rate)
    fm, fp = f.value(f.macs, alpha, resolution), f.value(f.params["weights"], alpha, resolution)
    rho = sp.Rational(resolution, R)

    cols = [Column("monomial", "monomial", text=_mono, style="bold",
                   latex=lambda m: f"${_mono_latex(m) or '1'}$"),
            Column("coefficient", "coefficient", "right", _coef,
                   latex=lambda c: "$" + _coef_latex(c) + "$"),
            Column("share", "share at α = ρ = 1", "right", percent),
            Column("from", "from (layer types)")]
    tables = [Table(cols, _rows(f, macs_terms, "macs"),
                    title=f"{f.title} — MACs(α, ρ), channel rounding ignored (ρ = input / {R} px)"),
              Table(cols, _rows(f, par_terms, "params"), title=f"{f.title} — params(α), conv and "
                    f"FC weights" + (" (ρ: an FC reads a flattened map)" if f.params["weights"].has(RHO) else ""))]

    if where["alpha_step"] is not None:
        alpha_txt = ("α is a whole number" if where["alpha_step"] == "1" else
                     f"α is a multiple of {where['alpha_step']}")
        alpha_txt += (f", at least {where['alpha_min']}" if where["alpha_min"] else "") + \
            (f", not {', '.join(f'{a:g}' for a in where['alpha_except'])} (the reference code's "
             f"own widths there)" if where["alpha_except"] else "") + \
            f" ({RULES.get(f.width_rule, f.width_rule)} for every α-scaled count c, every " \
            "derived count — an SE squeeze, an expansion — kept by its rounding)"
    else:
        alpha_txt = "every channel count is one its rounding keeps"
    notes = [f"MACs(α, ρ) = {written(macs_terms)}",
             f"params(α) = {written(par_terms)}",
             "channel rounding ignored: every α-scaled channel count is c·α, every derived one "
             "exact, and each side the affine function of the input side its layer's formula "
             f"gives where the stride divides it. Exact when {alpha_txt} and "
             f"{_sides_text(where['resolutions'], R)}."]
    check = {"alpha": alpha, "resolution": resolution, "rho": str(rho),
             "formula_macs": str(fm), "exact_macs": exact.macs,
             "formula_params": str(fp), "exact_params": exact.params(),
             "equal": fm == exact.macs and fp == exact.params(),
             "departures": [vars(d) for d in deps]}
    at = f"at α = {alpha:g}, {resolution} px (ρ = {_frac(Fraction(resolution, R))})"
    if not deps:
        notes.append(f"{at}: nothing rounds, and the formula gives the exact count: "
                     f"{int(fm):,} MACs, {int(fp):,} weights.")
    else:
        dm = float(fm) - exact.macs
        shown = "; ".join(f"{d.where} {d.what} {d.formula} → {d.exact} ({d.why})" for d in deps[:6])
        more = f"; {len(deps) - 6} more" if len(deps) > 6 else ""
        value = f"{int(fm):,}" if fm == int(fm) else f"{float(fm):,.1f}"
        rel = dm / exact.macs
        notes.append(f"{at}: the formula gives {value} MACs, the exact count is {exact.macs:,} "
                     f"({rel:+.2%})".replace("+-", "−").replace("(-", "(−") if abs(rel) >= 5e-5 else
                     f"{at}: the formula gives {value} MACs, the exact count is {exact.macs:,} "
                     f"({dm:+,.0f})")
        notes[-1] += f"; rounding departs at {shown}{more}."
    data = {"model": f.name, "title": f.title, "default_resolution": R,
            "formula": {"macs": str(f.macs), "params": str(f.params["weights"])},
            "params_by_convention": {k: str(v) for k, v in f.params.items()},
            "latex": {"macs": written_latex(macs_terms), "params": written_latex(par_terms)},
            "terms": {"macs": _json_terms(macs_terms), "params": _json_terms(par_terms)},
            "symbols": {"alpha": "width multiplier", "rho": f"resolution multiplier (input side / {R})"},
            "exact_where": where, "check": check}
    latex_notes = ["\n".join([r"\begin{align*}",
                              r"\mathrm{MACs}(\alpha, \rho) &= " + written_latex(macs_terms) + r" \\",
                              r"\mathrm{params}(\alpha) &= " + written_latex(par_terms),
                              r"\end{align*}"]),
                   *[latex_escape(n) for n in notes[2:]]]
    return Report(tables, data, notes, latex_notes)


def _json_terms(terms) -> list[dict]:
    return [{"monomial": str(t.monomial), "coefficient": str(t.coefficient), "share": t.share}
            for t in terms]
