"""`costcalc bench`: real forward-pass latency per layer and in total, beside the MAC shares.

torch is imported inside the command only, so `costcalc compare` / `costcalc model` stay light.
"""

from __future__ import annotations

import os
from typing import Annotated, Literal, Optional

import typer

from . import app
from .common import FormatOpt, InputOpt, TargetArg, emit, names
from ..errors import CostcalcError
from .profile import _shape
from ..report.tables import Column, Format, Report, Table, integer, percent
from ..units import plural as _n


def _ms(v) -> str:
    return f"{v:.3f}" if isinstance(v, (int, float)) else ""


def _rate(v) -> str:
    return f"{v:.2f}" if isinstance(v, (int, float)) else ""


def _times(v) -> str:
    return f"{v:.2f}×" if isinstance(v, (int, float)) else ""




def timing_columns(what: str) -> list[Column]:
    """The whole-pass timing table's columns (torch and ONNX Runtime benches alike)."""
    return [Column("quantity", what, primary=True), Column("median_ms", "median ms", "right", _ms),
            Column("q1_ms", "q1 ms", "right", _ms, secondary=True),
            Column("q3_ms", "q3 ms", "right", _ms, secondary=True),
            Column("min_ms", "min ms", "right", _ms, secondary=True),
            Column("gmacs_per_s", "GMAC/s", "right", _rate)]


def kind_columns(count: str, macs: str = "macs", macs_label: str = "MACs") -> list[Column]:
    """The by-kind table's columns: share of MACs beside share of time. ``macs`` names the
    count's key: "macs" (the papers' convention) or "kernel_macs" (what ORT's kernels ran); the
    rate column is named after the same count ("GMAC/s" or "kernel GMAC/s")."""
    rate = "GMAC/s" if macs_label == "MACs" else f"{macs_label.removesuffix(' MACs')} GMAC/s"
    return [Column("kind", "kind", primary=True), Column("layers", count, "right", integer),
            Column(macs, macs_label, "right", integer), Column("macs_share", "% MACs", "right", percent),
            Column("time_ms", "time ms", "right", _ms), Column("time_share", "% time", "right", percent),
            Column("time_per_mac_share", "time ÷ MAC share", "right", _times),
            Column("gmacs_per_s", rate, "right", _rate, secondary=True)]


def _kind_row(k, macs: str = "macs") -> dict:
    return {"kind": k.kind, "layers": k.layers, macs: k.macs, "macs_share": k.macs_share,
            "time_ms": 1e3 * k.time, "time_share": k.time_share,
            "time_per_mac_share": k.time_per_mac_share, "gmacs_per_s": k.gmacs_per_s}


def _overhead_note(r) -> str:
    d, iqr = r.hook_overhead, r.total.iqr
    if abs(d) <= iqr:
        return (f"the hooks' cost is within the run-to-run spread (hooks on − no hooks = "
                f"{1e3 * d:.3f} ms, medians; IQR {1e3 * iqr:.3f} ms); ")
    if d > 0:
        return f"the hooks cost {1e3 * d:.3f} ms a pass (hooks on − no hooks, medians); "
    return (f"the hooked passes ran {1e3 * -d:.3f} ms faster than the plain ones, more than the "
            f"spread (IQR {1e3 * iqr:.3f} ms): the machine's load changed during the runs, so treat "
            "these times with care; ")


def _report(r, per_layer: bool, macs_total: int | None = None) -> Report:
    """``macs_total``: the whole forward's MACs as `costcalc profile` counts them (paper
    convention, functional calls included); the leaf-module rows hold ``r.macs`` of them."""
    from ..profile.latency import INIT, MACS_CONVENTION, SPREAD

    macs_total = r.macs if macs_total is None else macs_total
    functional = macs_total - r.macs

    kinds = [_kind_row(k) for k in r.by_kind()]
    layers = [{"name": l.name, "type": l.module_type, "kind": l.kind, "macs": l.macs, **l.time.ms(),
               "time_share": r.time_share(l), "gmacs_per_s": l.gmacs_per_s} for l in r.layers]
    gmacs_sum = r.macs / r.layer_sum / 1e9 if r.layer_sum > 0 else None
    data = {"target": r.label, "input": list(r.input_shape), "device": r.device, "threads": r.threads,
            "cpus": os.cpu_count(), "load_average": r.load_average, "warmup": r.warmup,
            "repeats": r.repeats, "spread": SPREAD,
            "weights": f"random, seed {r.seed}: {INIT}" if r.initialised else "the model's own",
            "macs": r.macs, "macs_convention": MACS_CONVENTION,
            "macs_total": macs_total, "macs_functional": functional,
            "total": r.total.ms(), "hooked_total": r.hooked.ms(), "layer_sum_ms": 1e3 * r.layer_sum,
            "hook_overhead_ms": 1e3 * r.hook_overhead, "outside_layers_ms": 1e3 * r.outside_layers,
            "gmacs_per_s": r.gmacs_per_s, "by_kind": kinds, "layers": layers,
            "unsupported_modules": r.unsupported}

    summary = Table(timing_columns("forward pass"), [
        {"quantity": "whole model, no hooks", **r.total.ms(), "gmacs_per_s": r.gmacs_per_s},
        {"quantity": "whole model, timing hooks on", **r.hooked.ms()},
        {"quantity": "sum of per-layer medians", "median_ms": 1e3 * r.layer_sum, "gmacs_per_s": gmacs_sum},
        {"quantity": "hook overhead (hooks on − no hooks)", "median_ms": 1e3 * r.hook_overhead},
        {"quantity": "outside leaf modules (hooks on − sum)", "median_ms": 1e3 * r.outside_layers},
    ], name="summary", json_path="", title=f"{r.label} {tuple(r.input_shape)} on {r.device}"
             + (f", {_n(r.threads, 'CPU thread')}" if r.device == "cpu" else "")
             + f", {macs_total:,} MACs")

    total = {"kind": "total", "layers": len(r.layers), "macs": r.macs, "macs_share": 1.0,
             "time_ms": 1e3 * r.layer_sum, "time_share": 1.0, "time_per_mac_share": 1.0,
             "gmacs_per_s": gmacs_sum}
    tables = [summary, Table(kind_columns("layers"), kinds + [total], title="By layer kind: share of MACs vs share of time",
                             row_styles=[None] * len(kinds) + ["bold"], name="by_kind")]
    if per_layer:
        lcols = [Column("name", "layer", primary=True), Column("type", "module", secondary=True),
                 Column("kind", "kind", primary=True),
                 Column("macs", "MACs", "right", integer), Column("median_ms", "median ms", "right", _ms),
                 Column("q1_ms", "q1 ms", "right", _ms, secondary=True),
                 Column("q3_ms", "q3 ms", "right", _ms, secondary=True),
                 Column("time_share", "% time", "right", percent),
                 Column("gmacs_per_s", "GMAC/s", "right", _rate, secondary=True)]
        tables.append(Table(lcols, layers, title="Per layer", name="layers"))

    clock = "CUDA events" if r.device.startswith("cuda") else "time.perf_counter"
    notes = [
        f"time: median of {_n(r.repeats, 'run')} after {_n(r.warmup, 'warm-up run')}; spread: {SPREAD}, "
        "as q1–q3. Each run is one pass without hooks, then one pass with a pre/post hook pair "
        f"on each of the {len(r.layers)} leaf module calls ({clock}).",
        _overhead_note(r)
        + f"{1e3 * r.outside_layers:.3f} ms of the hooked pass lies outside every leaf module "
        "(Python glue between layers, functional calls, the hooks' own calls).",
        "% time: share of the summed per-layer medians. time ÷ MAC share above 1: the kind takes "
        "more of the time than of the MACs. GMAC/s = MACs ÷ median time; MACs: " + MACS_CONVENTION + ".",
        f"weights: random (the build has none), seed {r.seed}: {INIT}." if r.initialised
        else "weights: the model's own.",
    ]
    if r.load_average is not None:
        notes.append(f"load average {r.load_average:.2f} on {os.cpu_count()} CPUs when the runs began "
                     "(other processes busy on the CPUs make runs slower and the spread wider).")
    if functional:
        notes.append(f"MACs: {macs_total:,} in the whole forward pass (the paper convention, as "
                     f"`costcalc profile` counts them): {r.macs:,} in leaf modules (the rows above) and "
                     f"{functional:,} in functional calls outside them (torch.matmul, F.conv2d, ...), "
                     "whose time falls under 'outside leaf modules'.")
    if r.unsupported:
        names = ", ".join(f"{n or '(the model itself)'} ({t})" for n, t in list(r.unsupported.items())[:8])
        notes.append(f"no MAC rule, timed with 0 MACs: {names}")
    return Report(tables, data, notes, main="layers" if per_layer else "by_kind")


@app.command()
def bench(
    target: TargetArg,
    input: InputOpt = None,
    device: Annotated[str, typer.Option("--device", autocompletion=names(("cpu", "cuda")),
                                        help="cpu, cuda or cuda:N.")] = "cpu",
    repeats: Annotated[int, typer.Option("--repeats", "-n", help="Timed runs (after the warm-up).")] = 20,
    warmup: Annotated[int, typer.Option("--warmup", "-w", help="Untimed runs first (caches, allocator, "
                                        "oneDNN / cuDNN kernel choice).")] = 3,
    threads: Annotated[Optional[int], typer.Option("--threads", help="CPU threads for torch "
                                                   "(default: torch's own).")] = None,
    per_layer: Annotated[bool, typer.Option("--per-layer", help="One row per leaf module call.")] = False,
    runtime: Annotated[Optional[Literal["torch", "onnxruntime"]], typer.Option(
        "--runtime", help="torch or onnxruntime (default: onnxruntime for a .onnx file, else "
        "torch; a torch model is exported first).")] = None,
    fmt: FormatOpt = Format.table,
):
    """Time real forward passes, per layer and in total: share of time vs share of MACs."""
    from ..onnx import is_onnx_target

    runtime = runtime or ("onnxruntime" if is_onnx_target(target) else "torch")
    if runtime == "onnxruntime":
        from . import onnx

        if device != "cpu":
            raise CostcalcError("--runtime onnxruntime runs on ONNX Runtime's CPU provider; drop --device")
        return onnx.bench(target, input, repeats, warmup, threads, per_layer, fmt)
    if is_onnx_target(target):
        raise CostcalcError(f"{target} is an ONNX file: time it with --runtime onnxruntime")
    from ..profile.latency import bench_model, check_options
    from ..profile.target import check_input, load_model, parse_target, user_code

    check_options(device, repeats, warmup, threads)
    t = parse_target(target)
    shape = _shape(input, t)
    check_input(t, shape)
    with user_code():
        model = load_model(t, resolution=shape[-1] if t.kind == "arch" else None)
        r = bench_model(model, shape, device, repeats, warmup, threads, label=t.label)
        total = _paper_total(model, shape, r.device)
    emit(_report(r, per_layer, total), fmt)


def _paper_total(model, shape: tuple, device: str) -> int:
    """The forward pass's MACs as `costcalc profile` totals them (after the timing is done)."""
    from ..profile import conventions
    from ..profile.aten_ops import profile_model

    p = profile_model(model, shape, "cpu" if device == "cpu" else "cuda")
    return conventions.evaluate(p, ["paper"])["paper"].total
