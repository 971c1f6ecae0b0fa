"""Reports for a resolved architecture: totals, per-layer, by-type (MobileNet Table 2)."""

from __future__ import annotations

from collections import defaultdict

from ..archs import ARCHS, get
from ..archs.published import EXPLAINED, V1_TABLE2, V2_TABLE3_MAX, cites_v2_table4
from ..resolve import PARAM_CONVENTIONS, Resolved
from ..units import human, plural
from .tables import Column, Report, Table, integer, percent

MAC_KINDS = ("conv2d", "linear")
SHOWN_KINDS = ("conv2d", "linear", "global_avg_pool", "avg_pool", "max_pool", "add", "scale", "concat")


def _shape(s) -> str:
    return "×".join(str(x) for x in s)


def published_for(m: Resolved):
    return [r for r in get(m.name).published
            if abs(r.alpha - m.alpha) < 1e-9 and r.resolution == m.resolution]


def explanation(m: Resolved) -> str | None:
    """Why the exact count differs from the paper's, at the configuration the paper printed."""
    if not published_for(m):
        return None
    key = m.name if m.alpha == 1 else f"{m.name}@{m.alpha:g}"
    return EXPLAINED.get(key)


def by_type(m: Resolved) -> list[dict]:
    """MACs and weight shares by the MobileNet paper's Table 2 layer types."""
    macs, params = defaultdict(int), defaultdict(int)
    for l in m.layers:
        if l.tag:
            macs[l.tag] += l.cost.macs
            params[l.tag] += l.cost.params
    tm, tp = sum(macs.values()), sum(params.values())
    rows = []
    for tag in sorted(macs, key=lambda t: -macs[t]):
        row = {"type": tag, "macs": macs[tag], "params": params[tag],
               "macs_share": macs[tag] / tm, "params_share": params[tag] / tp}
        if m.name == "mobilenet_v1" and m.alpha == 1 and m.resolution == 224 and tag in V1_TABLE2:
            row["paper_macs_share"], row["paper_params_share"] = (v / 100 for v in V1_TABLE2[tag])
        rows.append(row)
    return rows


def layer_rows(m: Resolved) -> list[dict]:
    total = m.macs
    out = []
    for l in m.layers:
        out.append({"id": l.id, "kind": l.tag or l.kind, "in_shape": l.in_shape,
                    "out_shape": l.out_shape, **l.describe(), "macs": l.cost.macs,
                    "params": l.cost.params, "bias": l.cost.bias, "bn_params": l.cost.bn_affine,
                    "ops": l.cost.ops, "share": l.cost.macs / total if total else 0.0,
                    "inputs": list(l.inputs)})
    return out


def memory_table(m: Resolved, dtype: str = "float16") -> tuple[Table, dict, list[str]]:
    """Largest materialized tensor per resolution (MobileNetV2 Table 3's accounting)."""
    from ..footprint import materialized

    fp = materialized(m, dtype)
    alt = materialized(m, dtype, stream=False) if fp.streamed else None
    others = {r.side: r for r in alt.rows} if alt else {}
    mine = {r.side: r for r in fp.rows}
    rows = []
    for side in sorted(mine.keys() | others.keys(), reverse=True):
        # a resolution whose every tensor streams (v3 Small's 112 px) has no streamed row
        r, o = mine.get(side), others.get(side)
        rows.append({"resolution": f"{side}×{side}",
                     **({"channels": r.largest.shape[0], "tensor": r.largest.layer, "values": r.values,
                         "bytes": r.bytes} if r else {"channels": "", "tensor": "(all streamed)",
                                                      "values": 0, "bytes": 0}),
                     **({"unstreamed_tensor": o.largest.layer, "unstreamed_bytes": o.bytes} if o else {})})
    peak = fp.peak
    rows.append({"resolution": "max", "channels": peak.largest.shape[0], "tensor": peak.largest.layer,
                 "values": peak.values, "bytes": peak.bytes,
                 **({"unstreamed_tensor": alt.peak.largest.layer, "unstreamed_bytes": alt.peak.bytes}
                    if alt else {})})
    cols = [Column("resolution", "resolution", style="bold", primary=True),
            Column("channels", "channels", "right"),
            Column("tensor", "largest tensor", primary=True), Column("values", "values", "right", integer),
            Column("bytes", f"bytes ({dtype})", "right", integer)]
    if alt:
        cols += [Column("unstreamed_tensor", "without §5 streaming", secondary=True),
                 Column("unstreamed_bytes", "bytes", "right", integer, secondary=True)]
    how = ("bottleneck tensors only: expansions streamed (MobileNetV2 §5), first conv as block 1's "
           "expansion, last 1×1 conv streamed into the pool" if fp.streamed
           else "every conv / pool / add output materialized")
    data = {"dtype": dtype, "streamed": fp.streamed, "rows": rows, "peak_bytes": peak.bytes,
            "peak_values": peak.values, "peak_tensor": peak.largest.layer}
    notes = [f"memory: the largest activation tensor materialized at each resolution (BN and "
             f"activations fused into their conv; {how}). Not a sequential peak: `costcalc "
             f"profile` sums every tensor alive at once."]
    if m.name in V2_TABLE3_MAX and m.alpha == 1 and m.resolution == 224:
        data["published_max"] = V2_TABLE3_MAX[m.name]
        notes.append(_table3_note(m, fp, alt) if dtype == "float16" else
                     f"MobileNetV2 Table 3 gives {V2_TABLE3_MAX[m.name]} (thousand bytes) at 16-bit "
                     "activations; run with --dtype float16 (the default) to compare.")
    title = f"Activation memory, MobileNetV2 Table 3 accounting ({dtype})"
    return Table(cols, rows, title=title, row_styles=[None] * (len(rows) - 1) + ["bold"],
                 name="memory", json_path="memory.rows"), data, notes


def _table3_note(m: Resolved, fp, alt) -> str:
    """MobileNetV2 Table 3's max, as printed, beside this model's largest tensor."""
    t = fp.peak.largest
    note = (f"MobileNetV2 Table 3 (max channels / memory in Kb, 16-bit activations) prints "
            f"{V2_TABLE3_MAX[m.name]} for {ARCHS[m.name].title}: the {fp.peak.bytes:,} bytes of its "
            f"largest tensor ({'×'.join(map(str, t.shape))}, {t.layer}) in thousands of bytes.")
    if alt is not None:
        a = alt.peak.largest
        note += (f" That needs the paper's §5 streaming: without it the largest tensor is "
                 f"{'×'.join(map(str, a.shape))} ({a.layer}, {alt.peak.bytes:,} B).")
    return note


# Notes a per-layer table carries: a paper erratum at the row it is about.
PER_LAYER_NOTES = {name: EXPLAINED["v1_table1"] for name in ("mobilenet_v1", "mobilenet_v1_shallow")}


def model_report(m: Resolved, per_layer=False, types=False, verification=None,
                 memory: str | None = None) -> Report:
    arch = get(m.name)
    pubs = published_for(m)
    conventions = {name: m.params(name) for name in PARAM_CONVENTIONS}
    data = {"model": m.name, "title": arch.title, "alpha": m.alpha, "resolution": m.resolution,
            **m.options, "macs": m.macs, "flops": 2 * m.macs, "params": conventions["weights"],
            "params_by_convention": conventions,
            "conventions": {"macs": "conv + FC multiply-accumulates, no bias (papers' mult-adds)",
                            "flops": "2 x macs",
                            **{f"params.{k}": v[1] for k, v in PARAM_CONVENTIONS.items()}},
            "published": [vars(p) for p in pubs], "layers": layer_rows(m)}
    opts = "".join(f", {k.replace('_', ' ')} {v}" for k, v in m.options.items())
    title = f"{arch.title} — α={m.alpha:g}, {m.resolution}×{m.resolution}{opts}"
    pub = pubs[0] if pubs else None
    rows = [{"quantity": "MACs", "value": m.macs, "human": human(m.macs),
             "convention": "conv + FC multiply-accumulates, no bias (papers' mult-adds)",
             "paper_millions": pub.macs_m if pub else None},
            {"quantity": "FLOPs", "value": 2 * m.macs, "human": human(2 * m.macs),
             "convention": "2 × MACs", "paper_millions": None}]
    for name, (_, doc) in PARAM_CONVENTIONS.items():
        rows.append({"quantity": f"params ({name})", "value": conventions[name],
                     "human": human(conventions[name]), "convention": doc,
                     "paper_millions": pub.params_m if pub and name == "weights" else None})
    cols = [Column("quantity", "quantity", style="bold", primary=True),
            Column("value", "exact", "right", integer),
            Column("human", "≈", "right", machine=False),
            Column("paper_millions", "paper", "right", _millions),
            Column("convention", "convention", wrap=True, secondary=True)]
    tables = [Table(cols, rows, title=title, name="summary")]
    notes = list(arch.spec.notes) if getattr(arch.spec, "notes", None) else []
    if pub:
        notes.append(f"paper: {pub.macs_m:g}M mult-adds, {pub.params_m:g}M params"
                     + (f", top-1 {pub.top1:g}%" if pub.top1 else "") + f" ({pub.source})")
    why = explanation(m)
    if why:
        notes.append(f"difference from the paper: {why}")
        data["discrepancy"] = why
    if pub and cites_v2_table4(pub.source):  # that table misprints MobileNetV1: say so
        notes.append(EXPLAINED["v1@v2_table4"])
    if per_layer:
        lcols = [Column("id", "layer", style="bold", primary=True), Column("kind", "kind", primary=True),
                 Column("in_shape", "input", text=_shape, secondary=True),
                 Column("out_shape", "output", text=_shape),
                 Column("kernel", "kernel", secondary=True),
                 Column("stride", "s", "right", secondary=True),
                 Column("groups", "g", "right", secondary=True),
                 Column("macs", "MACs", "right", integer), Column("params", "params", "right", integer),
                 Column("share", "% MACs", "right", percent)]
        shown = [r for r, l in zip(data["layers"], m.layers) if l.kind in SHOWN_KINDS]
        tables.append(Table(lcols, shown, title="Per layer (BN, activations and flatten omitted "
                            "here: no MACs; --format json lists every layer)", name="layers"))
        if m.name in PER_LAYER_NOTES:
            notes.append(f"erratum: {PER_LAYER_NOTES[m.name]}")
    if types:
        trows = by_type(m)
        data["by_type"] = trows
        tcols = [Column("type", "type", style="bold", primary=True), Column("macs", "MACs", "right", integer),
                 Column("macs_share", "% MACs", "right", percent),
                 Column("params", "weights", "right", integer),
                 Column("params_share", "% params", "right", percent)]
        if any("paper_macs_share" in r for r in trows):
            tcols += [Column("paper_macs_share", "paper % MACs", "right", percent),
                      Column("paper_params_share", "paper % params", "right", percent)]
            notes.append(EXPLAINED["v1_table2"])
        tables.append(Table(tcols, trows, title="By layer type (the MobileNet paper's Table 2)",
                            name="by_type"))
    if memory is not None:
        table, data["memory"], more = memory_table(m, memory)
        tables.append(table)
        notes += more
    if verification is not None:
        v = verification
        data["verification"] = {"ok": v.ok, "layers": len(v.checks), "torch_params": v.torch_params,
                                "aten_macs": v.aten_total,
                                "mismatches": [vars(c) for c in v.mismatches],
                                "unsupported": v.unsupported}
        if per_layer or not v.ok:
            vcols = [Column("id", "layer", style="bold", primary=True),
                     Column("symbolic_macs", "symbolic", "right", integer),
                     Column("hook_macs", "hooks", "right", integer), Column("aten_macs", "aten", "right", integer),
                     Column("symbolic_params", "params", "right", integer),
                     Column("hook_params", "hook params", "right", integer),
                     Column("ok", "", "center", lambda ok: "✓" if ok else "✗")]
            vrows = [vars(c) | {"ok": c.ok} for c in v.checks if c.kind in SHOWN_KINDS]
            tables.append(Table(vcols, vrows, title="Three-way check: symbolic = hooks = aten "
                                "(FlopCounterMode FLOPs/2)", name="verification"))
        notes.append(
            f"verified on {plural(len(v.checks), 'layer')} (meta device): symbolic = forward hooks = "
            f"FlopCounterMode, torch parameters {v.torch_params:,} = params (bn)"
            if v.ok else f"MISMATCH on {plural(len(v.mismatches), 'layer')}: "
            + ", ".join(c.id for c in v.mismatches[:8]))
    data["notes"] = list(notes)  # every note the table shows, in the JSON too
    main = ("layers" if per_layer else "by_type" if types else "memory" if memory is not None
            else "summary")
    return Report(tables, data, notes, main=main)


def _millions(v) -> str:
    return f"{v:g}M" if v is not None and v != "" else ""


def models_report() -> Report:
    from ..archs import resolve_model

    rows = []
    for name, arch in ARCHS.items():
        m = resolve_model(name)
        pub = published_for(m)
        p = pub[0] if pub else None
        rows.append({"model": name, "title": arch.title, "resolution": m.resolution, "macs": m.macs,
                     "params": m.params(),
                     "paper_macs_millions": p.macs_m if p else None,
                     "paper_params_millions": p.params_m if p else None,
                     "top1": p.top1 if p else None, "options": ", ".join(arch.options),
                     "published": [vars(r) for r in arch.published]})
    cols = [Column("model", "model", style="bold", primary=True),
            Column("title", "architecture", wrap=True, secondary=True),
            Column("resolution", "px", "right"),
            Column("macs", "MACs", "right", integer), Column("params", "weights", "right", integer),
            Column("paper_macs_millions", "paper MACs", "right", _millions),
            Column("paper_params_millions", "paper params", "right", _millions),
            Column("top1", "top-1 %", "right", lambda v: f"{v:g}" if v else "", secondary=True),
            Column("options", "extra options", wrap=True, secondary=True)]
    notes = ["every model takes --alpha and --resolution / --rho; every command that takes a "
             "model takes a spec file too (path/to/net.toml, see examples/specs/).",
             "paper columns: the first paper to print the model; `costcalc papers` shows every "
             "published figure with its status (exact, rounded, truncated, explained, erratum).",
             EXPLAINED["v1@v2_table4"]]
    return Report([Table(cols, rows, title="Registered architectures (α=1, default resolution)",
                         name="models")], {"models": rows, "notes": notes}, notes)
