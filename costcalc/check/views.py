"""Reports for `costcalc check` and `costcalc audit`: results in, Report out; nothing computed."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ..report.tables import Column, Report, Table
from ..units import fewer_or_more, plural
from .equations import CheckResult, Link, Namer, _num, link_dict


def _mark(ok: bool) -> str:
    return "✓ equal" if ok else "✗ not equal"


def _value(v, namer: Namer) -> str:
    if isinstance(v, sp.Basic):
        return namer.pretty(v)
    return _num(v)


def _link_rows(l: Link, nm: Namer, left: str, right: str) -> list[dict]:
    rows: list[dict] = []
    if l.equal:
        how = {"sympy": "sympy proves the difference is 0",
               "numeric": "equal at every test configuration (sympy could not simplify it)",
               "asymptotic": "approximately: " + ", ".join(f"{nm.name(s)} → ∞" for s in l.asymptotic),
               "rounded": "equal after rounding", "exact": "",
               "evaluation": "at " + nm.at(l.evaluation or {})}.get(l.how, "")
        if how:
            rows.append({"item": "", "value": how})
        return rows
    if l.difference is not None:
        rows.append({"item": "difference", "value": f"{left} − {right} = {nm.pretty(l.difference)}"})
    cex = l.counterexample or {}
    if cex.get("left") is not None:
        where = f"at {nm.at(cex['at'])}: " if cex.get("at") else ""
        rows.append({"item": "counterexample", "value": f"{where}{left} = {_num(cex['left'])}, "
                     f"{right} = {_num(cex['right'])}"})
    if l.factor is not None:
        f = l.factor
        text = f"{left} = {_value(f, nm)} × {right}"
        if f.is_number and f != 0 and abs(float(f)) >= 1:
            text += f" (off by {float(f):.3g}×)"
        elif f.is_number and f != 0:
            text += f" (off by {float(1 / f):.3g}×)"
        rows.append({"item": "factor", "value": text})
    conds = [nm.condition(c) for c in l.conditions]
    if conds:
        rows.append({"item": "agrees when", "value": " or ".join(conds)})
    if l.asymptotic:
        rows.append({"item": "approximately", "value": "for large " + ", ".join(
            f"{nm.name(s)} ({nm.name(s)} → ∞)" for s in l.asymptotic)})
    if not conds and not l.asymptotic and l.factor is None and l.difference is not None:
        rows.append({"item": "agrees when", "value": "no simple condition found"})
    return rows


def _at_text(r: CheckResult) -> list[dict]:
    v = r.value
    nm = r.namer
    rows = []
    for key in ("yours", "reference"):
        if key not in v or (key == "yours" and r.verdict == "equal" and "reference" in v):
            continue
        x = v[key]
        text = _value(x, nm)
        if isinstance(x, Fraction) and r.kind is not None and r.kind.what == "ratio" and x > 0:
            text = f"{float(x):.4f} → {fewer_or_more(float(x))}"
        elif isinstance(x, Fraction) and r.kind is not None and r.kind.what in ("MACs", "params") \
                and x.denominator == 1:
            text = f"{x.numerator:,} {r.kind.what}"
        rows.append({"item": f"{key} at {nm.at(v['at'])}", "value": text})
    if v.get("missing"):
        rows.append({"item": "", "value": "not given: " + ", ".join(v["missing"])})
    return rows


def check_report(r: CheckResult) -> Report:
    nm = r.namer
    rows: list[dict] = [{"item": "verdict", "value": _mark(r.verdict == "equal")}]
    if r.kind is not None:
        for k, (side, link) in enumerate(zip(r.sides, r.links)):
            label = "yours" if len(r.sides) == 1 else f"side {k + 1}"
            rows.append({"item": label, "value": nm.pretty(side.expr)})
        rows.append({"item": "reference", "value": nm.pretty(r.reference_display)})
        for k, link in enumerate(r.links):
            label = "yours" if len(r.sides) == 1 else f"side {k + 1}"
            if len(r.sides) > 1:
                rows.append({"item": f"{label} vs reference", "value": _mark(link.equal)})
            rows += _link_rows(link, nm, label, "reference")
        title = f"check as {r.kind.name}: {r.kind.title}"
    else:
        for k, link in enumerate(r.links):
            a, b = f"side {k + 1}", f"side {k + 2}"
            rows.append({"item": f"{a} {link.relation} {b}",
                         "value": f"{_mark(link.equal)}: {nm.pretty(link.a)} {link.relation} "
                                  f"{nm.pretty(link.b)}"})
            rows += _link_rows(link, nm, a, b)
        title = "check: each side against the next"
    if r.value is not None:
        rows += _at_text(r)
    cols = [Column("item", "", style="bold", primary=True), Column("value", "result", wrap=True)]
    notes = [f"reading: {x}" for x in r.readings] + r.notes
    return Report([Table(cols, rows, title=title, name="check")], r.to_dict(), notes)


def audit_report(a) -> Report:
    """One row per claim: where, what the sentence says, the claim, the kind and the words that
    decided it, how its symbols were read, the verdict and why. The verdict is written
    'not_equal' for machines and 'not equal' for people."""
    cols = [Column("line", "line", "right", primary=True),
            Column("sentence", "sentence", wrap=True, secondary=True),
            Column("claim", "claim", wrap="formula"),
            Column("kind", "kind", wrap=True, display="kind_text"),
            Column("binding", "binding", wrap=True, secondary=True, display="binding_text"),
            Column("verdict", "verdict", primary=True, text=lambda v: v.replace("_", " ")),
            Column("note", "note", wrap=True)]
    rows = [{"line": r.line, "sentence": _clip(r.sentence, 48), "claim": _clip(r.claim, 120),
             "kind": r.kind or "", "kind_text": (r.kind or "—") + (f" ← {r.words}" if r.words else ""),
             "binding": _binding(r.binding), "binding_text": _binding(r.binding),
             "verdict": r.verdict.replace(" ", "_"), "note": r.note} for r in a.rows]
    counts = a.counts()
    summary = ", ".join(f"{counts[v]} {v}" for v in ("equal", "not equal", "unverifiable")
                        if v in counts)
    notes = [f"{plural(len(a.rows), 'claim')} in {a.path}: {summary}" if a.rows else
             f"no claims found in {a.path}"] + a.notes
    return Report([Table(cols, rows, title=f"audit: {a.path}", name="claims")], a.to_dict(), notes)


def _binding(b: dict) -> str:
    """The readings worth a look: a name read as another role (P=Df), not D_K=Dk or M=M."""
    from .parse import AUTO

    out = []
    for name, how in b.items():
        role = how.split(" ")[0]
        if role != name and AUTO.get(name) != role:
            out.append(f"{name}={role}")
    return ", ".join(out)


def _clip(s: str, width: int = 70) -> str:
    s = " ".join(s.split())
    return s if len(s) <= width else s[:width - 1] + "…"


__all__ = ["check_report", "audit_report", "link_dict"]
