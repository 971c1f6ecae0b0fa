"""`costcalc roofline`: every layer on a roofline chart, coloured by kind (issue #6).

Counting runs on the meta device by default (shapes only, nothing computed); torch and matplotlib are
imported inside the command, so the other commands stay light.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import app
from .common import DeviceOpt, Dtype, FormatOpt, InputOpt, OutOpt, TargetArg, emit
from .profile import _profile, _shape
from .sweep import _wrote
from ..errors import CostcalcError
from ..report.tables import Column, Format, Report, Table, integer, percent, stderr_note
from ..units import plural


def _machine(peak: Optional[float], bandwidth: Optional[float]):
    from ..errors import require_positive
    from ..profile.roofline import EXAMPLE_MACHINE, Machine

    if peak is not None:
        require_positive("peak_gflops", peak)
    if bandwidth is not None:
        require_positive("bandwidth_gbs", bandwidth)
    if peak is None and bandwidth is None:
        return EXAMPLE_MACHINE
    if peak is None or bandwidth is None:
        raise CostcalcError("give both --peak-gflops and --bandwidth-gbs, or neither "
                            f"(to use the {EXAMPLE_MACHINE.name}: {EXAMPLE_MACHINE.peak_gflops:g} "
                            f"GFLOP/s, {EXAMPLE_MACHINE.bandwidth_gbs:g} GB/s)")
    return Machine(peak, bandwidth)


def _roof_text(m) -> str:
    """'example laptop CPU (assumed): 768 GFLOP/s, 51.2 GB/s' or 'given machine: ...'."""
    name = f"{m.name} (assumed)" if m.assumed else "given machine"
    return f"{name}: {m.peak_gflops:g} GFLOP/s, {m.bandwidth_gbs:g} GB/s"


@app.command()
def roofline(
    target: TargetArg,
    out: OutOpt = None,
    peak_gflops: Annotated[Optional[float], typer.Option(
        "--peak-gflops", help="Peak arithmetic throughput, GFLOP/s at --dtype (default: an "
        "assumed example laptop CPU, 768).")] = None,
    bandwidth_gbs: Annotated[Optional[float], typer.Option(
        "--bandwidth-gbs", help="Memory bandwidth, GB/s (default: the same example, 51.2).")] = None,
    input: InputOpt = None,
    device: DeviceOpt = "meta",
    dtype: Annotated[Dtype, typer.Option("--dtype", help="Bytes per element: float32, float16, "
                     "bfloat16, int8.")] = "float32",
    per_layer: Annotated[bool, typer.Option("--per-layer", help="One row per layer: intensity, "
                         "attainable GFLOP/s, bound.")] = False,
    fmt: FormatOpt = Format.table,
):
    """Every layer on a roofline: arithmetic intensity, attainable GFLOP/s, memory- or compute-bound."""
    from ..profile import memory
    from ..profile.target import parse_target

    machine = _machine(peak_gflops, bandwidth_gbs)
    memory.dtype_bytes(dtype)
    _shape(input)
    parse_target(target)
    if out is not None:
        from ..report.plots import check_target

        check_target(out)  # before counting: a bad path fails at once, nothing written

    from ..profile.roofline import roofline as place

    r = place(_profile(target, input, device), machine, dtype)
    if out is not None:  # written first: if the write fails, its error is the only line
        from ..report import plots

        plots.save(plots.roofline(r.layer_rows(), machine.peak_gflops, machine.bandwidth_gbs,
                                  _legend(r), title=f"{r.label} {tuple(r.input_shape)}, {dtype}",
                                  dtype=dtype, machine=_roof_text(machine)), out)
    if machine.assumed:
        stderr_note(f"note: peak and bandwidth assumed ({machine.name}, "
                    f"{machine.peak_gflops:g} GFLOP/s, {machine.bandwidth_gbs:g} GB/s); pass "
                    "--peak-gflops and --bandwidth-gbs for your machine")
    if out is not None:
        _wrote(out, "roofline chart")
    elif fmt == Format.table:  # a hint for people; a machine format asked for the numbers only
        stderr_note("add --out FILE.png (or .svg, .pdf) to draw the chart")
    emit(_report(r, per_layer), fmt)


def _legend(r) -> dict:
    out = {}
    for row in r.by_kind():
        if row["kind"] != "total":
            out[row["kind"]] = (f"{row['label']}: {row['layers']} layer{'s' * (row['layers'] != 1)}, "
                                f"{100 * row['macs_share']:.1f}% of MACs")
    return out


def _report(r, per_layer: bool) -> Report:
    from ..profile.memory import dtype_bytes

    m, size = r.machine, dtype_bytes(r.dtype)
    kinds = r.by_kind()
    cols = [Column("label", "kind", primary=True), Column("layers", "layers", "right"),
            Column("macs", "MACs", "right", integer),
            Column("macs_share", "MACs share", "right", percent),
            Column("bytes_share", "bytes share", "right", percent),
            Column("median_intensity", "median FLOP/B", "right", lambda v: f"{v:.3g}", secondary=True),
            Column("memory_bound", f"memory-bound (< {m.ridge:.3g})", "right",
                   lambda v: f"{v:,}"),
            Column("time_share", "roofline time share", "right", percent)]
    title = (f"{r.label} {tuple(r.input_shape)} {r.dtype} on {_roof_text(m)}, "
             f"ridge {m.ridge:.3g} FLOP/B")
    styles = [None] * (len(kinds) - 1) + ["bold"]
    tables = [Table(cols, kinds, title=title, row_styles=styles, name="by_kind")]
    layers = r.layer_rows()
    if per_layer:
        lcols = [Column("name", "layer", primary=True), Column("kind", "kind", primary=True),
                 Column("kernel", "kernel", secondary=True),
                 Column("out_shape", "output", text=lambda v: "×".join(map(str, v)), secondary=True),
                 Column("macs", "MACs", "right", integer),
                 Column("bytes", "bytes moved", "right", integer),
                 Column("intensity", "FLOP/B", "right", lambda v: f"{v:.3g}"),
                 Column("attainable_gflops", "attainable GFLOP/s", "right", lambda v: f"{v:.4g}"),
                 Column("bound", "bound"),
                 Column("time_us", "time µs", "right", lambda v: f"{v:.1f}")]
        tables.append(Table(lcols, layers, title="per layer", name="layers"))
    notes = [
        "intensity = FLOPs ÷ bytes moved, FLOPs = 2·MACs (bias, norm and activations not "
        f"counted); bytes = weights + input + output at {r.dtype} "
        f"({size} B per element), no cache reuse.",
        f"attainable = min(peak, intensity × bandwidth); memory-bound when intensity < ridge = "
        f"peak ÷ bandwidth = {m.peak_gflops:g} ÷ {m.bandwidth_gbs:g} = {m.ridge:.4g} FLOP/B; "
        "roofline time = FLOPs ÷ attainable, a lower bound per layer.",
    ]
    if m.assumed:
        notes.append(f"ASSUMED machine, not yours: {m.name}, {m.detail}. Pass --peak-gflops and "
                     "--bandwidth-gbs for your hardware (peak at --dtype); intensities do not "
                     "depend on them, the ridge and the bound column do.")
        if r.dtype != "float32":
            notes.append(f"the assumed peak is a float32 figure; {r.dtype} peaks differ by machine.")
    if not r.layers:
        notes.append("no layer has MACs: nothing to place on the roofline.")
    if r.not_plotted:
        notes.append(f"not on the roofline: {plural(r.not_plotted, 'row')} without MACs (batch norm, "
                     f"activations, pooling, adds; intensity 0 under this convention), which would move "
                     f"{r.not_plotted_bytes:,} B more if run unfused.")
    data = {"target": r.label, "input": list(r.input_shape), "dtype": r.dtype,
            "bytes_per_element": size,
            "conventions": {"flops": "2·MACs (multiply-accumulates; bias, norm, activations "
                                     "not counted)",
                            "bytes": "weights + input activations + output, no cache reuse",
                            "intensity": "FLOP per byte"},
            "machine": {"name": m.name, "peak_gflops": m.peak_gflops, "bandwidth_gbs": m.bandwidth_gbs,
                        "assumed": m.assumed, **({"detail": m.detail} if m.detail else {})},
            "ridge_flop_per_byte": m.ridge,
            "by_kind": kinds, "layers": layers,
            "not_plotted": {"rows": r.not_plotted, "bytes": r.not_plotted_bytes}}
    return Report(tables, data, notes, main="layers" if per_layer else "by_kind")
