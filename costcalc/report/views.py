"""Reports for the analytic results: a Comparison or a Derivation in, a Report out."""

from __future__ import annotations

from ..units import fewer_or_more, human
from .tables import Column, Report, Table, integer, latex_escape, percent


def _formula_col(key="formula", header="MACs formula"):
    """A column of :class:`~costcalc.compare.Printed` formulas."""
    return Column(key, header, text=lambda f: f.pretty, latex=lambda f: f"${f.latex}$", wrap="formula")


def comparison_report(c) -> Report:
    data = c.to_dict()
    std = c.row("standard")
    verified = any(r.verified is not None for r in c.rows)
    cols = [Column("layer", "layer", style="bold"), _formula_col(), Column("macs", "MACs", "right", integer),
            Column("params", "params", "right", integer),
            Column("ratio_to_standard", "of standard", "right", percent),
            Column("reduction", "fewer", "right", lambda v: f"{v:.2f}×")]
    if verified:
        cols.append(Column("verified", "torch", "center", lambda v: "✓" if v else "✗"))
    rows = [{"layer": r.layer, "description": r.description, "formula": r.printed("macs"),
             "macs": r.macs, "params": r.params, "ratio_to_standard": r.macs / std.macs,
             "reduction": std.macs / r.macs, "verified": r.verified} for r in c.rows]
    st = c.setting
    title = (f"One layer: Dk={st.Dk}, M={st.M}, N={st.N}, Df={st.Df} (input {st.Di}×{st.Di}, "
             f"stride {st.s}, padding {st.p}) — MACs = conv multiply-accumulates, no bias")
    ratio = c.ratio
    notes = [
        f"ratio separable/standard = {c.printed_ratio('exact').pretty} = {c.printed_ratio().pretty}"
        f" = 1/{st.N} + 1/{st.Dk}² = {ratio.numerator}/{ratio.denominator} = {float(ratio):.4f}"
        f" → {fewer_or_more(float(ratio))}",
        f"standard {human(std.macs)} MACs vs separable {human(c.row('separable').macs)} MACs",
        *c.notes,
    ]
    if verified:
        ok = all(r.verified for r in c.rows)
        notes.append("torch check (meta device, forward hooks + FlopCounterMode): "
                     + ("every row agrees to the integer" if ok else "MISMATCH in a row marked ✗"))
    latex_notes = [rf"$\frac{{\text{{separable}}}}{{\text{{standard}}}} = {c.printed_ratio().latex}"
                   rf" = {float(ratio):.4f}$"] + [latex_escape(n) for n in c.notes]
    return Report([Table(cols, rows, title=title, name="rows")], data, notes, latex_notes)


def derivation_report(d) -> Report:
    from .. import symbolic as S

    cols = [Column("name", "quantity", style="bold", primary=True),
            Column("pretty", "expression", text=S.pretty, latex=lambda e: f"${S.latex(e)}$",
                   wrap="formula"),
            Column("identity_holds", "sympy", "center",
                   lambda v: "" if v is None else "✓" if v else "✗"),
            Column("label", "why", wrap=True)]
    rows = [{"name": st.name, "pretty": st.expr, "label": st.label, "identity_holds": st.holds}
            for st in d.steps]
    notes = ["✓: sympy proves this form identical to the one it rewrites.", *d.notes]
    return Report([Table(cols, rows, title=d.title, name="steps")], d.to_dict(), notes)
