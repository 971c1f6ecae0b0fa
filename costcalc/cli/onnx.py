"""`profile`, `reconcile` and `bench` on an ONNX file (issue #18): the commands call in here when
their TARGET ends in ``.onnx``. onnx / onnxruntime are imported inside, never torch.
"""

from __future__ import annotations

import os
from typing import Optional

from .common import emit
from ..errors import CostcalcError
from ..report.tables import Column, Format, Report, Table, integer, percent

LABELS = {"conv": "conv MACs", "linear": "linear / matmul MACs", "bias": "bias", "norm": "norm",
          "activation": "activations", "pool": "pooling", "add": "adds", "concat": "concat",
          "other": "other"}


def shape_or_none(text: Optional[str]) -> tuple | None:
    from .profile import _shape

    return _shape(text) if text is not None else None


def check_device(device: str) -> None:
    if device != "meta":
        raise CostcalcError(f"--device {device} does not apply to an ONNX file: it is counted from "
                            "its shapes; to time it, use costcalc bench FILE.onnx")


def load_profile(target: str, input: Optional[str]):
    from ..onnx.count import profile_onnx

    return profile_onnx(target, shape_or_none(input))


def notes(p) -> list[str]:
    from ..onnx.count import unmodelled_text
    from collections import Counter

    out = []
    if p.bound:
        out.append("bound by --input: " + ", ".join(f"{n} dim {i} {d!r} = {v}" for n, i, d, v in p.bound))
    rewrites = Counter(r for row in p.rows for r in set(row.rewrites))
    if rewrites:
        out.append("the exporter rewrote: " + ", ".join(f"{k} ×{v}" for k, v in sorted(rewrites.items()))
                   + " (see costcalc export for what each moves)")
    if p.unmodelled:
        out.append("not modelled (no costcalc rule, counted as 0, so every total is a lower bound, ≥): "
                   + unmodelled_text(p))
    else:
        out.append("every node was priced by a costcalc rule.")
    return out


def _missing(p, name: str) -> dict:
    """{op: nodes} the convention priced as 0 for want of a rule: unmodelled nodes (no costcalc
    rule) under every convention, and for onnx-tool the nodes its mirror has no rule for."""
    from ..onnx import conventions

    out = dict(p.unmodelled)
    if name == "onnx-tool":
        for op, n in conventions.onnx_tool_unmirrored(p).items():
            out.setdefault(op, n)
    return out


def _exact(p, name: str) -> bool:
    return not _missing(p, name)


def _coverage(p, name: str) -> list[dict]:
    return [{"not_modelled": op, "count": n} for op, n in sorted(_missing(p, name).items())]


def _bound(total: int, exact: bool) -> str:
    return f"{total:,}" if exact else f"≥{total:,}"


def _title(p) -> str:
    g = p.graph
    return f"{p.label} {tuple(p.input_shape)}, ONNX opset {g.opset}" + (f", {g.producer}" if g.producer else "")


def profile(target: str, input: Optional[str], device: str, per_layer: bool, conv_name: str,
            dtype: str, fmt: Format) -> None:
    from ..onnx import conventions
    from ..profile import memory

    check_device(device)
    name = conventions.canonical(conv_name)
    memory.dtype_bytes(dtype)
    p = load_profile(target, input)
    by_cat = conventions.get(name)(p)
    total = sum(by_cat.values())
    exact = _exact(p, name)
    peak, where = memory.peak_activation(p, dtype)
    data = {"target": p.label, "format": "onnx", "input": list(p.input_shape), "convention": name,
            "total": total, "exact": exact, "coverage": _coverage(p, name),
            "by_category": by_cat, "params": p.total_params, "scalar_constants": p.graph.float_scalars,
            "dtype": dtype,
            "peak_activation_bytes": peak, "peak_at": where, "opset": p.graph.opset,
            "bound": [{"input": n, "dim": i, "name": d, "value": v} for n, i, d, v in p.bound],
            "unmodelled": p.unmodelled}
    summary = Table([Column("quantity", "quantity", primary=True),
                     Column("value", "value", "right", integer, display="value_text"),
                     Column("at", "at", secondary=True)], [
        {"quantity": f"total ({name})", "value": total, "value_text": _bound(total, exact)},
        *({"quantity": c, "value": v, "_level": 1} for c, v in by_cat.items() if v),
        {"quantity": "params (all)", "value": p.total_params},
        {"quantity": f"peak activations, bytes ({dtype})", "value": peak, "at": where},
    ], title=_title(p), name="summary", json_path="")
    how = [f"convention {name}: {conventions.TITLES[name]}.",
           "params (all): the elements of the floating-point initializers of rank ≥ 1, the weights as exported "
           "(after the exporter's rewrites)" + (f"; {p.graph.float_scalars:,} 0-d ones are constants "
           "(Clip's bounds, a multiplier), not parameters" if p.graph.float_scalars else "") + ".",
           "peak activations: the most bytes alive at once, running the nodes in order."]
    tables = [summary]
    if per_layer:
        rows = []
        for r, m in zip(p.rows, memory.layer_memory(p, dtype)):
            if r.category == "free":
                continue
            rows.append({"name": r.name, "op": r.op, "module": r.module, "category": r.category,
                         "out": "×".join(map(str, r.out_shape)), "macs": r.macs,
                         "ops": r.bias_ops + r.ops, "param_bytes": m.param_bytes,
                         "in_bytes": m.in_bytes, "out_bytes": m.out_bytes, "moved": m.moved,
                         "macs_per_byte": round(r.macs / m.moved, 2) if m.moved else 0.0})
        cols = [Column("name", "node", primary=True), Column("op", "op", secondary=True)]
        if any(row["module"] for row in rows):
            cols.append(Column("module", "torch module", secondary=True))
        cols += [Column("category", "kind", primary=True), Column("out", "output", secondary=True),
                 Column("macs", "MACs", "right", integer),
                 Column("ops", "other ops", "right", integer, secondary=True),
                 Column("param_bytes", "param B", "right", integer, secondary=True),
                 Column("in_bytes", "in B", "right", integer, secondary=True),
                 Column("out_bytes", "out B", "right", integer, secondary=True),
                 Column("moved", "moved B", "right", integer), Column("macs_per_byte", "MAC/B", "right")]
        tables.append(Table(cols, rows, title="per node", name="layers"))
        data["layers"] = rows
    emit(Report(tables, data, how + notes(p), main="layers" if per_layer else "summary"), fmt)


def reconcile(target: str, input: Optional[str], device: str, fmt: Format) -> None:
    from ..onnx import conventions
    from ..onnx.count import CATEGORIES

    check_device(device)
    p = load_profile(target, input)
    t = conventions.totals(p)
    rows = [{"category": LABELS[c], **{n: t[n][c] for n in t}} for c in CATEGORIES]
    rows.append({"category": "total", **{n: sum(t[n].values()) for n in t},
                 **{f"{n}_text": _bound(sum(t[n].values()), _exact(p, n)) for n in t}})
    cols = [Column("category", "category", primary=True)] + [
        Column(n, n, "right", integer, display=f"{n}_text") for n in t]
    data = {"target": p.label, "format": "onnx", "input": list(p.input_shape), "by_convention": t,
            "totals": {n: sum(v.values()) for n, v in t.items()},
            "bounds": {n: "exact" if _exact(p, n) else "lower bound" for n in t},
            "coverage": {n: _coverage(p, n) for n in t}, "unmodelled": p.unmodelled,
            "not_applicable": list(conventions.TORCH_ONLY)}
    extra = ["flops = FlopCounterMode (2 per MAC); every other column counts one multiply-add as 1; "
             "onnx-tool's per-element costs are its own instruction estimates (node.py).",
             f"{', '.join(conventions.TORCH_ONLY)} count a live PyTorch module (hooks or a jit trace); "
             "an ONNX file has none, so they do not apply here."]
    unmirrored = conventions.onnx_tool_unmirrored(p)
    if unmirrored:
        extra.append("onnx-tool column: no mirrored onnx-tool rule for "
                     + ", ".join(f"{k} ×{v}" for k, v in sorted(unmirrored.items())) + " (counted 0)")
    emit(Report([Table(cols, rows, title=f"{_title(p)}: counts by convention",
                       row_styles=[None] * len(CATEGORIES) + ["bold"], name="by_category",
                       json_path="")], data, extra + notes(p)), fmt)


# -- bench on ONNX Runtime ---------------------------------------------------------------------

def bench(target: str, input: Optional[str], repeats: int, warmup: int, threads: Optional[int],
          per_layer: bool, fmt: Format, exporter: str = "dynamo") -> None:
    from ..onnx import is_onnx_target
    from ..onnx.runtime import bench_onnx, check_options

    check_options(repeats, warmup, threads)
    if is_onnx_target(target):
        r = bench_onnx(target, shape_or_none(input), repeats, warmup, threads)
    else:  # a torch model: export it in memory first, then time what was exported
        from .export import exported

        proto, label, shape = exported(target, input, exporter)
        r = bench_onnx(proto, shape, repeats, warmup, threads, label=f"{label} (exported, {exporter})")
    emit(bench_report(r, per_layer), fmt)


def bench_report(r, per_layer: bool) -> Report:
    from ..onnx.runtime import KERNEL_MACS_CONVENTION, PAPER_CONVENTION
    from ..profile.timing import SPREAD
    from .bench import _kind_row, _ms, _n, _rate, kind_columns, timing_columns

    # "macs" is the papers' count of the file, as in every command; what ORT's kernels ran on
    # their own (NCHWc-padded) shapes is "kernel_macs", in the by-kind and per-node rows too
    kinds = [_kind_row(k, "kernel_macs") for k in r.by_kind()]
    nodes = [{"name": n.name, "op": n.op, "kind": n.kind, "shapes": n.shapes, "kernel_macs": n.macs,
              **n.time.ms(), "time_share": r.time_share(n),
              "gmacs_per_s": n.macs / n.time.median / 1e9 if n.macs and n.time.median > 0 else None}
             for n in r.nodes]
    # the summary's rates are the file's paper MACs over each row's time (one count, as the
    # title's); the by-kind and per-node rates are kernel MACs over kernel time
    gmacs_sum = r.file_macs / r.node_sum / 1e9 if r.node_sum > 0 else None
    kernel_gmacs_sum = r.macs / r.node_sum / 1e9 if r.node_sum > 0 else None
    data = {"target": r.label, "runtime": f"onnxruntime {r.version}", "provider": r.provider,
            "optimization": r.optimization, "input": list(r.input_shape), "threads": r.threads,
            "cpus": os.cpu_count(), "load_average": r.load_average, "warmup": r.warmup,
            "repeats": r.repeats, "spread": SPREAD, "macs": r.file_macs, "kernel_macs": r.macs,
            "macs_convention": PAPER_CONVENTION,
            "kernel_macs_convention": KERNEL_MACS_CONVENTION, "total": r.total.ms(), "profiled_total": r.profiled.ms(),
            "node_sum_ms": 1e3 * r.node_sum, "gmacs_per_s": r.gmacs_per_s, "by_kind": kinds,
            "nodes": nodes}
    threads = _n(r.threads, "intra-op thread") if r.threads else "ORT's default threads"
    summary = Table(timing_columns("session.run"), [
        {"quantity": "whole model, profiling off", **r.total.ms(), "gmacs_per_s": r.gmacs_per_s},
        {"quantity": "whole model, profiling on", **r.profiled.ms()},
        {"quantity": "sum of per-node medians", "median_ms": 1e3 * r.node_sum, "gmacs_per_s": gmacs_sum},
    ], title=f"{r.label} {tuple(r.input_shape)} on onnxruntime {r.version} CPU, {threads}, "
             f"{r.file_macs:,} MACs", name="summary", json_path="")
    total = {"kind": "total", "layers": len(r.nodes), "kernel_macs": r.macs, "macs_share": 1.0,
             "time_ms": 1e3 * r.node_sum, "time_share": 1.0, "time_per_mac_share": 1.0,
             "gmacs_per_s": kernel_gmacs_sum}
    tables = [summary, Table(kind_columns("nodes", "kernel_macs", "kernel MACs"), kinds + [total],
                             title="By kernel kind: share of kernel MACs vs share of time",
                             row_styles=[None] * len(kinds) + ["bold"], name="by_kind")]
    if per_layer:
        ncols = [Column("name", "ORT node", primary=True), Column("op", "op", secondary=True),
                 Column("kind", "kind", primary=True),
                 Column("shapes", "input, weight", wrap=True, secondary=True),
                 Column("kernel_macs", "kernel MACs", "right", integer),
                 Column("median_ms", "median ms", "right", _ms),
                 Column("q1_ms", "q1 ms", "right", _ms, secondary=True),
                 Column("q3_ms", "q3 ms", "right", _ms, secondary=True),
                 Column("time_share", "% time", "right", percent),
                 Column("gmacs_per_s", "kernel GMAC/s", "right", _rate, secondary=True)]
        tables.append(Table(ncols, nodes, title="Per ORT kernel", name="nodes"))
    notes = [
        f"time: median of {_n(r.repeats, 'run')} after {_n(r.warmup, 'warm-up run')}; spread: {SPREAD}, "
        "as q1–q3. Per-kernel times are the 'dur' of ORT's profiler events (one per kernel per run).",
        f"ORT optimised the graph ({r.optimization}) before running it: activations and residual adds "
        "fused into the Conv before them are timed inside that Conv's row; 'layout' rows are the "
        "NCHWc reorders ORT inserted.",
        "% time: share of the summed per-kernel medians. time ÷ MAC share above 1: the kind takes more "
        "of the time than of the MACs. kernel MACs: " + KERNEL_MACS_CONVENTION + "; the title's MACs "
        "(JSON macs) are the file's paper count, as every command reports it. GMAC/s (summary): the "
        "paper MACs ÷ that row's time; kernel GMAC/s (by kind, per kernel): kernel MACs ÷ kernel time.",
    ]
    if r.macs != r.file_macs:
        d = r.macs - r.file_macs
        why = (" ORT's NCHWc layout pads channel counts to its SIMD block (reorder nodes present), "
               "so its kernels do more multiply-adds than the model asks for." if
               any(n.kind == "layout" for n in r.nodes) and d > 0 else "")
        notes.append(f"ORT's kernels ran {r.macs:,} kernel MACs (from their shapes); the file's paper count is "
                     f"{r.file_macs:,}: {d:+,} ({100 * d / r.file_macs:+.2f}%).{why}")
    else:
        notes.append(f"ORT's kernels ran exactly the file's {r.file_macs:,} paper MACs.")
    if r.bound:
        notes.append("bound by --input: " + ", ".join(f"{n} dim {i} {d!r} = {v}" for n, i, d, v in r.bound))
    if r.load_average is not None:
        notes.append(f"load average {r.load_average:.2f} on {os.cpu_count()} CPUs when the runs began "
                     "(other processes busy on the CPUs make runs slower and the spread wider).")
    return Report(tables, data, notes, main="nodes" if per_layer else "by_kind")
