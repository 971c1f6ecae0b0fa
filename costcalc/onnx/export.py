"""Export a model to ONNX with ``torch.onnx.export``, and say what the exporter changed.

Two exporters ship with torch 2.13:

- ``dynamo`` (the default, torch's own default since 2.9): ``torch.export`` traces the model,
  onnxscript translates and optimises the graph. It needs the ``onnxscript`` package (pure
  Python, with ``onnx-ir``; it installs cleanly beside torch 2.13.0 and pulls no other torch), so
  ``costcalc[onnx]`` carries it. Its optimiser folds each eval-mode BatchNorm into the Conv before
  it (``FuseBatchNormIntoConv``: scale into the weights, shift into a Conv bias) and names every
  rewrite it made in the node's metadata, which :func:`rewrites` reads back.
- ``torchscript``: the legacy ``torch.jit.trace`` exporter (``dynamo=False``), deprecated since
  torch 2.9 and warning so on every call; kept for models ``torch.export`` cannot trace. It too
  folds eval-mode BatchNorm into Conv (constant folding).

Both write a Linear on a 2-D input as ``Gemm`` with the bias as its third input (3-D inputs: a
``MatMul`` and an ``Add``). None of this moves the ``paper`` total — conv and linear MACs are the
same MACs — but it moves ``all-ops`` between categories: a folded BatchNorm's one op per element
leaves ``norm`` and comes back as the Conv's one bias add per output element under ``bias``.

The file is written whole: to a temporary file in the target's folder, then renamed over it.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections import Counter

from ..errors import CostcalcError
from . import require

EXPORTERS = ("dynamo", "torchscript")


def export_model(model, input_shape: tuple, exporter: str = "dynamo", opset: int | None = None,
                 dynamic_batch: bool = False):
    """``model`` (with real weights, eval mode) as an ``onnx.ModelProto``, in memory."""
    import torch

    onnx = require("onnx")
    if exporter not in EXPORTERS:
        raise CostcalcError(f"--exporter must be one of {', '.join(EXPORTERS)}, got {exporter!r}")
    if exporter == "dynamo":
        require("onnxscript")
    newest = onnx.defs.onnx_opset_version()
    if opset is not None and not 1 <= opset <= newest:
        raise CostcalcError(f"--opset must be between 1 and {newest} (the installed onnx's newest), "
                            f"got {opset}")
    model.eval()
    if dynamic_batch and input_shape[0] == 1:  # torch.export specialises a size-1 dim to a constant
        input_shape = (2, *input_shape[1:])
    x = torch.randn(input_shape, generator=torch.Generator().manual_seed(0))
    proto = _export(torch, onnx, model, x, exporter, opset, dynamic_batch)
    got = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), None)
    if opset is not None and got != opset:
        # the dynamo exporter writes opset 18 and up, converts down when it can, else keeps 18
        raise CostcalcError(f"--opset {opset}: the {exporter} exporter cannot convert this model to "
                            f"opset {opset} and wrote opset {got}"
                            + (" (try --exporter torchscript, or an opset of 18 or more)"
                               if exporter == "dynamo" else ""))
    return proto


def _export(torch, onnx, model, x, exporter: str, opset, dynamic_batch: bool):
    import logging

    log = io.StringIO()
    # torch's "Setting ONNX exporter to use operator set version 18" line and onnxscript's
    # version-converter traceback go to stderr through logging; the opset check says it in one line
    quiet = [logging.getLogger(n) for n in ("torch.onnx", "onnxscript", "onnx_ir")]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.CRITICAL)
    try:
        with torch.no_grad(), contextlib.redirect_stdout(log), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if exporter == "dynamo":
                shapes = ({0: torch.export.Dim("batch")},) if dynamic_batch else None  # per positional arg
                prog = torch.onnx.export(model, (x,), dynamo=True, verbose=False, opset_version=opset,
                                         input_names=["x"], dynamic_shapes=shapes)
                return prog.model_proto
            buf = io.BytesIO()
            torch.onnx.export(model, (x,), buf, dynamo=False, verbose=False, opset_version=opset,
                              input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}} if dynamic_batch else None)
            return onnx.load_from_string(buf.getvalue())
    except CostcalcError:
        raise
    except Exception as e:
        import re

        text = re.sub(r"\x1b\[[0-9;]*m", "", str(e)).strip()  # the exporter colours its messages
        msg = text.splitlines()[0] if text else ""
        hint = " (try --exporter torchscript)" if exporter == "dynamo" else ""
        raise CostcalcError(f"torch.onnx.export ({exporter}) failed: {type(e).__name__}: {msg}{hint}") from None
    finally:
        for q, lv in zip(quiet, levels):
            q.setLevel(lv)


def write_model(proto, out: str) -> int:
    """Write ``proto`` to ``out`` atomically (:func:`costcalc.report.files.atomic`); the bytes."""
    from ..report.files import atomic, check_writable

    require("onnx")
    check_writable(os.path.abspath(out))
    data = proto.SerializeToString()  # a model over protobuf's 2 GiB limit raises here
    with atomic(out) as f:
        f.write(data)
    return len(data)


def rewrites(proto) -> Counter:
    """{rewrite rule: nodes} the dynamo exporter's optimiser names in the node metadata."""
    out = Counter()
    for node in proto.graph.node:
        for p in node.metadata_props:
            if p.key == "pkg.onnxscript.rewriter.rule_name":
                for r in {x.strip() for x in p.value.split(",") if x.strip()}:
                    out[r] += 1
    return out


def load_weighted(target: str, shape: tuple):
    """(model with real weights on CPU, target label) — a registered build gets seeded weights."""
    from ..profile.latency import materialise
    from ..profile.target import check_input, load_model, parse_target, user_code

    t = parse_target(target)
    if t.kind == "onnx":
        raise CostcalcError(f"{target} is already an ONNX file")
    check_input(t, shape)
    with user_code():
        model = load_model(t, resolution=shape[-1] if t.kind == "arch" else None)
    model, _ = materialise(model, "cpu")
    return model, t.label


def _module_totals(model, shape, label) -> dict:
    """paper / flops / all-ops of the module on the meta device (costcalc.profile)."""
    from ..profile import conventions
    from ..profile.aten_ops import profile_model

    p = profile_model(model, shape, "meta", label)
    return {k: conventions.get(k)(p) for k in ("paper", "flops", "all-ops")}, p


def agreement(model, shape, label, proto) -> dict:
    """Module vs file under paper, flops and all-ops; the exporter's rewrites and node counts."""
    from collections import Counter

    from . import conventions as oc
    from .count import profile_onnx

    fp = profile_onnx(proto, shape, label)
    file_t = {n: oc.get(n)(fp) for n in ("paper", "flops", "all-ops")}
    module_t, mp = _module_totals(model, shape, label)
    return {"module": module_t, "file": file_t, "rewrites": rewrites(proto),
            "ops": Counter(r.op for r in fp.rows), "file_profile": fp,
            "module_bn": sum(1 for e in mp.rows if e.category == "norm"),
            "file_bn": sum(1 for r in fp.rows if r.category == "norm")}


# What each rewrite rule the optimiser writes means for the counts (onnxscript's rule names).
REWRITE_MEANING = {
    "FuseBatchNormIntoConv": "eval-mode BatchNorm folded into the Conv before it (scale into the "
                             "weights, shift into a Conv bias): all-ops moves its one op per element "
                             "from norm to one bias add per output under bias; paper and flops unchanged",
    "FuseBatchNormIntoGemm": "BatchNorm folded into the Gemm before it: norm ops become bias adds",
    "RemoveOptionalBiasFromConv": "a Conv bias that is all zeros dropped (a folded BatchNorm with "
                                  "shift 0 and mean 0, as freshly initialised weights have): its bias "
                                  "adds leave all-ops; trained weights keep the bias",
    "RemoveOptionalBiasFromGemm": "a Gemm bias that is all zeros dropped: its bias adds leave all-ops",
    "FuseConvAdd": "an Add of a constant folded into the Conv's bias",
}
