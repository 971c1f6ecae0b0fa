"""`costcalc profile` and `costcalc reconcile`: any PyTorch model, every counting convention.

torch is imported inside the commands only, so `costcalc compare` / `costcalc model` stay light.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import app
from .common import ConventionOpt, DeviceOpt, Dtype, FormatOpt, InputOpt, TargetArg, emit
from ..errors import CostcalcError
from ..report.tables import Column, Format, Report, Table, integer


def _shape(text: Optional[str]) -> tuple:
    if text is None:
        return (1, 3, 224, 224)
    import re

    parts = re.split(r"[,x×]", text.strip())
    try:
        shape = tuple(int(x) for x in parts)
    except ValueError:
        raise CostcalcError(f"--input must be comma-separated integers such as 1,3,224,224, got {text!r}") from None
    if not shape or any(s <= 0 for s in shape):
        raise CostcalcError(f"--input must be positive integers, got {text!r}")
    return shape


def _profile(target: str, input: Optional[str], device: str):
    from ..profile.aten_ops import profile_model
    from ..profile.target import check_input, load_model, parse_target, user_code

    t = parse_target(target)
    if t.kind == "onnx":
        from . import onnx

        onnx.check_device(device)
        return onnx.load_profile(target, input)
    shape = _shape(input)
    check_input(t, shape)
    with user_code():
        model = load_model(t, resolution=shape[-1] if t.kind == "arch" else None)
        return profile_model(model, shape, device, t.label)


def _notes(p) -> list[str]:
    notes = []
    if p.unsupported_modules:
        names = ", ".join(f"{n} ({t})" for n, t in list(p.unsupported_modules.items())[:8])
        notes.append(f"no module rule (counted from their aten ops instead): {names}")
    if p.unattributed:
        notes.append("not attributed (no costcalc rule, counted as 0): "
                     + ", ".join(f"aten.{k} ×{v}" for k, v in sorted(p.unattributed.items())))
    else:
        notes.append("every aten op outside counted modules was attributed.")
    return notes


@app.command()
def profile(
    target: TargetArg,
    input: InputOpt = None,
    device: DeviceOpt = "meta",
    per_layer: Annotated[bool, typer.Option("--per-layer", help="One row per layer and functional call, with bytes.")] = False,
    conv_name: ConventionOpt = "paper",
    dtype: Annotated[Dtype, typer.Option("--dtype", help="Bytes per element: float32, float16, "
                     "bfloat16, int8.")] = "float32",
    fmt: FormatOpt = Format.table,
):
    """Count any PyTorch model (module hooks plus an aten-level pass) or ONNX file (every node)."""
    from ..onnx import is_onnx_target

    if is_onnx_target(target):
        from . import onnx

        return onnx.profile(target, input, device, per_layer, conv_name, dtype, fmt)
    from ..profile import conventions, memory

    conv = conventions.get(conv_name)
    memory.dtype_bytes(dtype)
    p = _profile(target, input, device)
    by_cat = conv(p)
    total = sum(by_cat.values())
    peak, where = memory.peak_activation(p, dtype)
    data = {"target": p.label, "input": list(p.input_shape), "device": device, "convention": conv_name,
            "total": total, "by_category": by_cat, "params": p.total_params, "dtype": dtype,
            "peak_activation_bytes": peak, "peak_at": where,
            "unattributed": p.unattributed, "unsupported_modules": p.unsupported_modules}
    summary = Table([Column("quantity", "quantity", primary=True),
                     Column("value", "value", "right", integer), Column("at", "at")], [
        {"quantity": f"total ({conv_name})", "value": total},
        *({"quantity": c, "value": v, "_level": 1} for c, v in by_cat.items() if v),
        {"quantity": "parameters", "value": p.total_params},
        {"quantity": f"peak activations, bytes ({dtype})", "value": peak, "at": where},
    ], title=f"{p.label} {tuple(p.input_shape)} on {device}", name="summary", json_path="")
    how = [f"convention {conv_name}: {conventions.TITLES[conv_name]}.",
           "peak activations: the most bytes alive at once, running the layers in order."]
    tables = [summary]
    if per_layer:
        rows = []
        for e, m in zip(p.rows, memory.layer_memory(p, dtype)):
            if e.category == "free":
                continue
            rows.append({"name": e.name, "op": e.op.replace("torch.nn.functional.", "F."), "category": e.category,
                         "out": "×".join(map(str, e.out_shape)), "macs": e.macs, "ops": e.bias_ops + e.ops,
                         "param_bytes": m.param_bytes, "in_bytes": m.in_bytes, "out_bytes": m.out_bytes,
                         "moved": m.moved, "macs_per_byte": round(e.macs / m.moved, 2) if m.moved else 0.0})
        cols = [Column("name", "layer", primary=True), Column("op", "op", secondary=True),
                Column("category", "kind", primary=True), Column("out", "output", secondary=True),
                Column("macs", "MACs", "right", integer), Column("ops", "other ops", "right", integer, secondary=True),
                Column("param_bytes", "param B", "right", integer, secondary=True),
                Column("in_bytes", "in B", "right", integer, secondary=True),
                Column("out_bytes", "out B", "right", integer, secondary=True),
                Column("moved", "moved B", "right", integer), Column("macs_per_byte", "MAC/B", "right")]
        tables.append(Table(cols, rows, title="per layer", name="layers"))
        data["layers"] = rows
    emit(Report(tables, data, how + _notes(p), main="layers" if per_layer else "summary"), fmt)


@app.command()
def reconcile(target: TargetArg, input: InputOpt = None, device: DeviceOpt = "meta",
              fmt: FormatOpt = Format.table):
    """Why fvcore, ptflops, thop, torchprofile, torchinfo and FlopCounterMode disagree, category by category."""
    from ..onnx import is_onnx_target

    if is_onnx_target(target):
        from . import onnx

        return onnx.reconcile(target, input, device, fmt)
    from ..profile import conventions
    from ..profile.aten_ops import CATEGORIES

    p = _profile(target, input, device)
    t = conventions.totals(p)
    labels = {"conv": "conv MACs", "linear": "linear / matmul MACs", "bias": "bias", "norm": "batch norm",
              "activation": "activations", "pool": "pooling", "add": "residual adds", "concat": "concat",
              "other": "other"}
    rows = [{"category": labels[c], **{n: t[n][c] for n in t}} for c in CATEGORIES]
    rows.append({"category": "total", **{n: sum(t[n].values()) for n in t}})
    cols = [Column("category", "category", primary=True)] + [Column(n, n, "right", integer) for n in t]
    styles = [None] * len(CATEGORIES) + ["bold"]
    data = {"target": p.label, "input": list(p.input_shape), "device": device, "by_convention": t,
            "totals": {n: sum(v.values()) for n, v in t.items()}, "unattributed": p.unattributed}
    notes = ["flops = FlopCounterMode (2 per MAC); every other column counts one multiply-add as 1."] + _notes(p)
    emit(Report([Table(cols, rows, title=f"{p.label} {tuple(p.input_shape)} on {device}: counts by convention",
                       row_styles=styles, name="by_category", json_path="")], data, notes), fmt)
