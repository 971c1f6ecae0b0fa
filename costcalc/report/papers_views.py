"""The report of ``costcalc papers``: every published cell, by table, with its status."""

from __future__ import annotations

import re

from .tables import Column, Report, Table, integer
from ..units import plural


def _slug(title: str) -> str:
    """A table's --table name from its title: 'MobileNet v1 (arXiv 1704.04861) · Table 6' ->
    'mobilenet_v1_table_6'."""
    title = re.sub(r"\(arXiv [^)]*\)", "", title)
    return re.sub(r"\W+", "_", title.lower()).strip("_")[:48]

STATUS_DOC = {
    "exact": "the printed figure is the count",
    "rounded": "the count rounded (half up) to the printed precision",
    "truncated": "the count cut to the printed precision (rounding would print one more)",
    "explained": "the figure counts something else, named and counted in the note",
    "erratum": "the figure is wrong: the note gives the correction and the evidence",
    "open": "not reproduced and no reason known",
}


def _select(cells, sources, statuses):
    return [c for c in cells if (not sources or c.id.split(":")[0] in sources)
            and (not statuses or c.status in statuses)]


def summary_line(s: dict) -> str:
    if not s["cells"]:
        return "no published cell matches the --source / --status filter"
    parts = ", ".join(f"{n} {k}" for k, n in s["by_status"].items() if n)
    return (f"{plural(s['cells'], 'published cell')}: {parts} — "
            f"{s['percent_reproduced_or_explained']:g}% reproduced or explained")


def papers_report(sources: list[str] | None = None, statuses: list[str] | None = None) -> Report:
    from .. import papers

    everything = papers.cells()
    shown = _select(everything, sources, statuses)
    s = papers.summary(shown)
    tables = []
    # overview: cells by source and status
    by_source: dict[str, dict] = {}
    names = {x["key"]: x["name"] for x in papers.sources()}
    for c in shown:
        key = c.id.split(":")[0]
        row = by_source.setdefault(key, {"source": names[key], "cells": 0, **{k: 0 for k in papers.STATUSES}})
        row["cells"] += 1
        row[c.status] += 1
    used = [k for k in papers.STATUSES if any(r[k] for r in by_source.values())] or ["exact"]
    ocols = [Column("source", "source", style="bold", primary=True), Column("cells", "cells", "right")] + [
        Column(k, k, "right", lambda v: str(v) if v else "") for k in used]
    tables.append(Table(ocols, list(by_source.values()), title=summary_line(s), name="by_source",
                        json_path=""))
    cols = [Column("row", "row", style="bold", primary=True),
            Column("quantity", "quantity", wrap=True, secondary=True),
            Column("published", "published", "right", wrap=True),
            Column("costcalc", "costcalc (exact)", "right", wrap=True, display="costcalc_text"),
            Column("status", "status", primary=True), Column("note", "note", wrap=True)]
    groups: dict[str, list] = {}
    for c in shown:
        groups.setdefault(c.group, []).append(c)
    for group, cs in groups.items():
        rows = [{"row": c.row, "quantity": c.quantity, "published": c.published,
                 "costcalc": c.value, "costcalc_text": c.shown,
                 "status": c.status, "note": "" if c.note == "exact" else c.note} for c in cs]
        tables.append(Table(cols, rows, title=group, name=_slug(group), json_path="cells"))
    data = {"summary": s, "statuses": STATUS_DOC, "cells": [c.to_dict() for c in shown],
            "sources": papers.sources(), "not_sourced": papers.not_sourced()}
    notes = [summary_line(s) + ".",
             "statuses: " + "; ".join(f"{k}: {v}" for k, v in STATUS_DOC.items()) + "."]
    if not sources and not statuses:
        bs = papers.v2_block_sum()
        tables.append(_block_sum_table(bs))
        data["v2_block_sum"] = _block_sum_data(bs)
        notes.append(_block_sum_note(bs))
        table3, data["v2_table3_rows"] = _table3_rows()
        tables.append(table3)
        tables.append(Table([Column("key", "key", style="bold", primary=True),
                             Column("name", "source", wrap=True),
                             Column("reference", "reference", wrap=True)], papers.sources(),
                            title="Sources: every cell's paper or release", name="sources"))
        notes += [f"not sourced: {n}" for n in papers.not_sourced()]
    data["notes"] = notes
    return Report(tables, data, notes)


def _block_sum_table(bs) -> Table:
    cols = [Column("block", "block", "right", style="bold"), Column("h", "h = w", "right"),
            Column("d_in", "d'", "right"), Column("d_out", "d''", "right"), Column("t", "t", "right"),
            Column("s", "s", "right"), Column("formula", "h·w·d'·t·(d'+k²+d'')", "right", integer),
            Column("exact", "exact", "right", integer), Column("gap", "formula − exact", "right", integer),
            Column("why", "why", wrap=True)]
    out = sum(bs.outside.values())
    gap = bs.formula_total - bs.blocks_exact
    rows = list(bs.rows) + [
        {"block": "Σ", "formula": bs.formula_total, "exact": bs.blocks_exact, "gap": gap,
         "why": "the 17 blocks"},
        *({"block": lid, "formula": v, "exact": v, "gap": 0, "why": "outside the blocks: counted as it is"}
          for lid, v in bs.outside.items()),
        {"block": "net", "formula": bs.formula_total + out, "exact": bs.network, "gap": gap,
         "why": f"= {bs.stride2_overcount:,} (stride 2) + {bs.no_expand_overcount:,} (t = 1)"}]
    return Table(cols, rows, title="MobileNet v2 §3.3: the block formula h·w·d'·t·(d' + k² + d'') "
                 "summed over MobileNetV2, against the exact count (k = 3, h = the block's input side)",
                 name="v2_block_sum", json_path="v2_block_sum.blocks")


def _block_sum_data(bs) -> dict:
    return {"blocks": bs.rows, "formula_total": bs.formula_total, "blocks_exact": bs.blocks_exact,
            "stride2_overcount": bs.stride2_overcount, "no_expand_overcount": bs.no_expand_overcount,
            "outside_blocks": bs.outside, "network": bs.network}


def _block_sum_note(bs) -> str:
    out = sum(bs.outside.values())
    return (f"§3.3 summed over MobileNetV2: the formula over the 17 blocks gives {bs.formula_total:,}; "
            f"with the three layers it does not cover (conv1, conv_last, FC: {out:,}) that is "
            f"{bs.formula_total + out:,} — the ≈379.9M a hand sum gives — against {bs.network:,} exact. "
            f"The {bs.formula_total - bs.blocks_exact:,} between them is exactly {bs.stride2_overcount:,} "
            f"from the stride-2 blocks (the formula prices their depthwise and project convs at h², they "
            f"run at (h/2)²: 3/4·t·d'·h²·(k² + d'') too many) plus {bs.no_expand_overcount:,} from block 1 "
            f"(t = 1 has no expand conv: d'·d'·h² too many); the stride-1 blocks with t > 1 are exact.")


def _table3_rows():
    """costcalc's per-resolution rows of MobileNetV2 Table 3's accounting, 16-bit."""
    from ..archs import resolve_model
    from ..footprint import materialized
    from ..papers import shufflenet_first_layer_streamed

    nets = [("mobilenet_v1", 1.0, "MobileNet v1"), ("mobilenet_v2", 1.0, "MobileNet v2"),
            ("shufflenet_v1_g3", 2.0, "ShuffleNet 2×, g=3")]
    per = {}
    for name, a, label in nets:
        m = resolve_model(name, a)
        fp = materialized(m, stream=None if not name.startswith("shufflenet") else False)
        rows = {r.side: r for r in fp.rows}
        if name.startswith("shufflenet"):  # the caption's first-layer trick
            keep = [t for t in fp.tensors if t.layer != "conv1"]
            rows = {}
            for t in keep:
                if t.side not in rows or t.values > rows[t.side].values:
                    rows[t.side] = type(fp.rows[0])(t.side, t, t.values, 2 * t.values)
        per[label] = rows
    sides = sorted({s for rows in per.values() for s in rows}, reverse=True)
    keys = {label: name for name, _, label in nets}
    out = []
    for side in sides:  # raw numbers: channels, and Kb = 1000 B of the largest tensor
        row = {"resolution": f"{side}×{side}"}
        for label, rows in per.items():
            r = rows.get(side)
            row[f"{keys[label]}_channels"] = r.largest.shape[0] if r else None
            row[f"{keys[label]}_kb"] = r.bytes / 1000 if r else None
        out.append(row)
    maxrow = {"resolution": "max"}
    for label, rows in per.items():
        maxrow[f"{keys[label]}_channels"] = None
        maxrow[f"{keys[label]}_kb"] = max(r.bytes for r in rows.values()) / 1000
    out.append(maxrow)
    kb = lambda v: "—" if v is None else f"{v:,.1f}"  # noqa: E731
    ch = lambda v: "" if v is None else f"{v:,}"  # noqa: E731
    cols = [Column("resolution", "resolution", style="bold", primary=True)]
    for _, _, label in nets:
        cols += [Column(f"{keys[label]}_channels", f"{label} channels", "right", ch),
                 Column(f"{keys[label]}_kb", f"{label} Kb", "right", kb)]
    title = ("MobileNetV2 Table 3's accounting, per resolution, as costcalc counts it (largest tensor "
             "materialized, 16-bit, Kb = 1000 B; V2 streamed as its §5, ShuffleNet's first conv streamed)")
    return Table(cols, out, title=title, row_styles=[None] * (len(out) - 1) + ["bold"],
                 name="v2_table3", json_path="v2_table3_rows"), out
