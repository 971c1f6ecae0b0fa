"""`costcalc export`: a model as an ONNX file, and proof the file counts what the module counts.

torch and onnx are imported inside the command only.
"""

from __future__ import annotations

import sys
from typing import Annotated, Literal, Optional

import typer

from . import app
from .common import FormatOpt, InputOpt, TargetArg, emit
from .profile import _shape
from ..errors import CostcalcError, VerificationError
from ..report.tables import Column, Format, Report, Table, integer

ExporterOpt = Annotated[Literal["dynamo", "torchscript"], typer.Option(
    "--exporter", help="dynamo (torch's default; needs onnxscript) or torchscript (the legacy "
    "tracer).")]


def exported(target: str, input: Optional[str], exporter: str = "dynamo"):
    """(ModelProto, label, input shape) of TARGET exported in memory (for bench --runtime onnxruntime)."""
    from ..onnx.export import export_model, load_weighted
    from ..profile.target import user_code

    shape = _shape(input, target)
    model, label = load_weighted(target, shape)
    with user_code():
        return export_model(model, shape, exporter), label, shape


@app.command()
def export(
    target: TargetArg,
    onnx: Annotated[str, typer.Option("--onnx", help="Write the ONNX file here (atomically).")],
    input: InputOpt = None,
    exporter: ExporterOpt = "dynamo",
    opset: Annotated[Optional[int], typer.Option("--opset", help="ONNX opset (default: the exporter's).")] = None,
    dynamic_batch: Annotated[bool, typer.Option("--dynamic-batch", help="Leave the batch dimension "
                             "symbolic in the file.")] = False,
    fmt: FormatOpt = Format.table,
):
    """Export a model to ONNX (torch.onnx.export) and check the file counts what the module counts."""
    from ..onnx import is_onnx_target
    from ..onnx.export import REWRITE_MEANING, agreement, export_model, load_weighted, write_model
    from ..profile.target import user_code

    if not is_onnx_target(onnx):
        raise CostcalcError(f"--onnx {onnx!r}: name a file ending in .onnx")
    shape = _shape(input, target)
    model, label = load_weighted(target, shape)
    with user_code():
        proto = export_model(model, shape, exporter, opset, dynamic_batch)
    size = write_model(proto, onnx)
    c = agreement(model, shape, label, proto)
    rows = []
    for name in ("paper", "flops", "all-ops"):
        m, f = sum(c["module"][name].values()), sum(c["file"][name].values())
        rows.append({"convention": name, "module": m, "file": f, "difference": f - m})
    table = Table([Column("convention", "convention", primary=True),
                   Column("module", "module (torch)", "right", integer),
                   Column("file", "ONNX file", "right", integer),
                   Column("difference", "file − module", "right", lambda v: f"{v:+,}")],
                  rows, title=f"{label} {shape} → {onnx} ({size:,} B, {exporter} exporter, "
                              f"opset {c['file_profile'].graph.opset})", name="totals", json_path="")
    moved = []
    for cat in ("bias", "norm", "activation", "pool", "add", "other"):
        d = c["file"]["all-ops"][cat] - c["module"]["all-ops"][cat]
        if d:
            moved.append(f"{cat} {d:+,}")
    notes = []
    if c["rewrites"]:
        notes.append("the exporter rewrote: " + "; ".join(
            f"{k} ×{v}" + (f" ({REWRITE_MEANING[k]})" if k in REWRITE_MEANING else "")
            for k, v in sorted(c["rewrites"].items())))
    if c["module_bn"] != c["file_bn"]:
        notes.append(f"norm layers: {c['module_bn']} in the module, {c['file_bn']} in the file "
                     "(folded into the layer before them).")
    if moved:
        notes.append("all-ops moved by category (file − module): " + ", ".join(moved) + ".")
    notes.append("nodes: " + ", ".join(f"{k} ×{v}" for k, v in c["ops"].most_common()))
    p = c["file_profile"]
    if p.unmodelled:
        from ..onnx.count import unmodelled_text

        notes.append("not modelled in the file (counted as 0): " + unmodelled_text(p))
    equal = rows[0]["difference"] == 0
    notes.insert(0, "paper totals agree exactly." if equal else
                 f"paper totals DIFFER by {rows[0]['difference']:+,}: the export changed the conv / linear work.")
    data = {"target": label, "input": list(shape), "out": onnx, "bytes": size, "exporter": exporter,
            "opset": p.graph.opset, "totals": {r["convention"]: {"module": r["module"], "file": r["file"]}
                                               for r in rows},
            "by_category": {"module": c["module"], "file": c["file"]}, "rewrites": dict(c["rewrites"]),
            "nodes": dict(c["ops"]), "paper_equal": equal, "unmodelled": p.unmodelled}
    emit(Report([table], data, notes), fmt)
    print(f"costcalc: wrote {onnx}", file=sys.stderr)
    if not equal:
        raise VerificationError(f"{label}: paper MACs of the ONNX file ({rows[0]['file']:,}) differ from "
                                f"the module's ({rows[0]['module']:,})")
