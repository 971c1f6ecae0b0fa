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


def _shape(text: Optional[str], target=None) -> tuple:
    """--input as a shape; without it, TARGET's own default (a registered architecture or spec
    file at its own side: :func:`costcalc.profile.target.default_input`), else 1,3,224,224."""
    if text is None:
        from ..profile.target import Target, default_input, parse_target

        return default_input(parse_target(target) if isinstance(target, str) else target
                             if isinstance(target, Target) else None)
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
    """The profile of TARGET; for a PyTorch model ``p.built_note`` says where it was built (on
    meta, unless a real device was asked for or its construction needs real values)."""
    from ..gcpause import paused

    with paused(freeze=True):  # a command profiles once: see costcalc.gcpause
        from ..profile.aten_ops import profile_model
        from ..profile.target import check_input, parse_target, user_code

        t = parse_target(target)
        if t.kind == "onnx":
            from . import onnx

            onnx.check_device(device)
            return onnx.load_profile(target, input)
        shape = _shape(input, t)
        check_input(t, shape)
        with user_code():
            return profile_model(t, shape, device, t.label)


# The inference-time rewrites a module may offer: timm's reparameterize_model
# (timm/models/_manipulate.py) replaces a child by child.fuse(), or calls child.reparameterize()
# or child.switch_to_deploy() (RepVGG, MobileOne, FastViT, ...). A model built with them counts in
# its training form, which the deployed network is not.
REPARAMETERIZE = ("fuse", "reparameterize", "switch_to_deploy")


def reparameterizable(p) -> dict:
    """{module class name: modules} of the profiled model's modules that offer a rewrite."""
    from collections import Counter

    return dict(Counter(t.__name__ for t in getattr(p, "module_types", {}).values()
                        if any(callable(getattr(t, m, None)) for m in REPARAMETERIZE)))


def _reparameterize_note(p) -> list[str]:
    found = reparameterizable(p)
    if not found:
        return []
    names = ", ".join(f"{k} ×{v}" for k, v in sorted(found.items()))
    return [f"counted as given: {names} offer an inference-time re-parameterization "
            f"({' / '.join(REPARAMETERIZE)}); unless the model was re-parameterized already, these "
            "are the training-form counts, and the deployed network's differ: profile a Python "
            "target that returns timm.utils.reparameterize_model(model) (or calls those methods)."]


def _coverage_notes(p, results: dict) -> list[str]:
    """What each column leaves out; 'every op attributed' only when no column leaves anything."""
    notes = _reparameterize_note(p)
    if p.unsupported_modules and any(n in ("paper", "all-ops") for n in results):
        names = ", ".join(f"{n} ({t})" for n, t in list(p.unsupported_modules.items())[:8])
        more = len(p.unsupported_modules) - 8
        notes.append(f"no module rule (counted from their aten ops instead): {names}"
                     + (f" and {more} more" if more > 0 else ""))
    short = [n for n, r in results.items() if not r.exact]
    for n in short:
        items = ", ".join(f"{item} ×{k}" for item, k in results[n].missing.items())
        notes.append(f"{n} is a lower bound (≥): not modelled: {items}")
    for n, r in results.items():
        for item, k in r.assumed.items():
            notes.append(f"{n} assumes: {item} ×{k}")
    if not short:
        notes.append("every op attributed: each convention shown priced every op and module its rules cover.")
    return notes


def _bound(total, exact: bool) -> str:
    return f"{total:,}" if exact else f"≥{total:,}"


def _coverage_json(result) -> list[dict]:
    return [{"not_modelled": item, "count": n} for item, n in result.missing.items()] + \
        [{"assumed": item, "count": n} for item, n in result.assumed.items()]


_LABELS = {"conv": "conv MACs", "linear": "linear / matmul MACs", "bias": "bias", "norm": "normalization",
           "activation": "activations", "pool": "pooling / resampling", "add": "residual adds",
           "concat": "concat", "other": "other"}


def _cell(v) -> str:
    return f"{v:,}" if isinstance(v, int) else str(v)


def _verify(target: str, input: Optional[str], device: str, names) -> dict:
    """Each installed tool's own total on a fresh instance of TARGET."""
    from ..profile import installed
    from ..profile.target import load_model, parse_target, user_code

    t = parse_target(target)
    shape = _shape(input, t)

    def build():
        with user_code():
            return load_model(t, resolution=shape[-1] if t.kind == "arch" else None)

    return {n: installed.run(n, build, shape, device) for n in names if n in installed.TOOLS}


# `costcalc model`'s width / resolution options, hidden here: given to profile or reconcile they
# get a pointer to the command that takes them instead of click's "No such option".
_ModelOnly = Annotated[Optional[str], typer.Option(hidden=True)]


def _model_only(command: str, alpha, rho, resolution) -> None:
    given = [f"--{k}" for k, v in (("alpha", alpha), ("rho", rho), ("resolution", resolution)) if v is not None]
    if given:
        raise CostcalcError(f"{command} counts a model as built, so it takes no {' / '.join(given)}: for α "
                            f"and ρ use costcalc model NAME --alpha A --resolution R; for another input "
                            f"side here use --input 1,3,H,W")


def _param_rows(p) -> list[dict]:
    """The parameter counts, each labelled with its convention as `costcalc model` labels it."""
    return [{"quantity": f"params ({k})", "value": v} for k, v in p.param_counts.items()]


def _param_notes(p) -> list[str]:
    notes = ["params: of the modules the forward ran (and any parameter it read); weights = conv, "
             "linear and attention-projection weights (costcalc model's default), bias = + their "
             "biases, all = every nn.Parameter (torch's count, BN γ, β included)."]
    if p.unused_params:
        n = sum(p.unused_params.values())
        names = ", ".join(p.unused_params)
        notes.append(f"not counted: {n:,} parameters of modules the forward never ran ({names}); "
                     f"with them the model holds {p.total_params + n:,}.")
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
    alpha: _ModelOnly = None, rho: _ModelOnly = None, resolution: _ModelOnly = None,
):
    """Count any PyTorch model (module hooks plus an aten-level pass) or ONNX file (every node)."""
    from ..onnx import is_onnx_target

    _model_only("profile", alpha, rho, resolution)

    if is_onnx_target(target):
        from . import onnx

        return onnx.profile(target, input, device, per_layer, conv_name, dtype, fmt)
    from ..profile import conventions, memory

    name = conventions.canonical(conv_name)
    memory.dtype_bytes(dtype)
    p = _profile(target, input, device)
    result = conventions.evaluate(p, [name])[name]
    by_cat, total = result.by_category, result.total
    peak, where = memory.peak_activation(p, dtype)
    data = {"target": p.label, "input": list(p.input_shape), "device": device, "convention": name,
            "total": total, "exact": result.exact, "by_category": by_cat, "params": p.total_params,
            "dtype": dtype, "peak_activation_bytes": peak, "peak_at": where,
            "coverage": _coverage_json(result), "unattributed": p.unattributed,
            "unsupported_modules": p.unsupported_modules, "built_on": p.built_on,
            "params_by_convention": p.param_counts, "unused_params": p.unused_params}
    summary = Table([Column("quantity", "quantity", primary=True),
                     Column("value", "value", "right", integer, display="value_text"),
                     Column("at", "at", secondary=True)], [
        {"quantity": f"total ({name})", "value": total, "value_text": _bound(total, result.exact)},
        *({"quantity": c, "value": v, "_level": 1} for c, v in by_cat.items() if v),
        *_param_rows(p),
        {"quantity": f"peak activations, bytes ({dtype})", "value": peak, "at": where},
    ], title=f"{p.label} {tuple(p.input_shape)} on {device}", name="summary", json_path="")
    how = [f"convention {name}: {conventions.TITLES[name]}.",
           "peak activations: the most bytes alive at once, running the layers in order."]
    how += [p.built_note] if p.built_note else []
    how += _param_notes(p)
    tables = [summary]
    if per_layer:
        rows = []
        for e, m in zip(p.rows, memory.layer_memory(p, dtype)):
            if e.category == "free":
                continue
            rows.append({"name": e.name, "op": e.op.replace("torch.nn.functional.", "F."), "category": e.category,
                         "out": "×".join(map(str, e.shown_shape or e.out_shape)), "macs": e.macs, "ops": e.bias_ops + e.ops,
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
    emit(Report(tables, data, how + _coverage_notes(p, {name: result}), main="layers" if per_layer else "summary"),
         fmt)


@app.command()
def reconcile(target: TargetArg, input: InputOpt = None, device: DeviceOpt = "meta",
              verify: Annotated[bool, typer.Option("--verify", help="Also run each installed tool (fvcore, "
                                                   "ptflops, thop, torchprofile, torchinfo, FlopCounterMode) "
                                                   "on the model: its own total beside costcalc's, ✓ or the "
                                                   "difference.")] = False,
              fmt: FormatOpt = Format.table,
              alpha: _ModelOnly = None, rho: _ModelOnly = None, resolution: _ModelOnly = None):
    """Why fvcore, ptflops, thop, torchprofile, torchinfo and FlopCounterMode disagree, category by category."""
    from ..onnx import is_onnx_target

    _model_only("reconcile", alpha, rho, resolution)

    if is_onnx_target(target):
        from . import onnx

        return onnx.reconcile(target, input, device, fmt)
    from ..profile import conventions
    from ..profile.aten_ops import CATEGORIES

    p = _profile(target, input, device)
    results = conventions.evaluate(p)
    t = {n: r.by_category for n, r in results.items()}
    rows = [{"category": _LABELS[c], **{n: t[n][c] for n in t}} for c in CATEGORIES]
    rows.append({"category": "total", **{n: r.total for n, r in results.items()},
                 **{f"{n}_text": _bound(r.total, r.exact) for n, r in results.items()}})
    styles = [None] * len(CATEGORIES) + ["bold"]
    data = {"target": p.label, "input": list(p.input_shape), "device": device, "by_convention": t,
            "totals": {n: r.total for n, r in results.items()},
            "bounds": {n: "exact" if r.exact else "lower bound" for n, r in results.items()},
            "coverage": {n: _coverage_json(r) for n, r in results.items()}, "unattributed": p.unattributed,
            "built_on": p.built_on}
    notes = ["flops = FlopCounterMode (2 per MAC); every other column counts one multiply-add as 1; "
             "paper = macs."] + ([p.built_note] if p.built_note else []) + _coverage_notes(p, results)
    if verify:
        outcomes = _verify(target, input, device, results)
        row_tool, row_check, data["installed"] = {"category": "installed tool"}, {"category": "check"}, {}
        for n, r in results.items():
            o = outcomes.get(n)
            if o is None:
                row_tool[n], row_check[n] = "—", ""
                continue
            if o.total is None:
                row_tool[n], row_check[n] = o.error.split(":")[0], ""
            else:
                theirs = o.total  # a whole float is an int already (installed._integral)
                diff = r.total - theirs  # the raw difference for machines, ✓ or +1,234 for people
                row_tool[n], row_check[n] = theirs, diff
                row_check[f"{n}_text"] = "✓" if diff == 0 else f"{diff:+,}"
            data["installed"][n] = {"version": o.version, "total": o.total, "device": o.device,
                                    "error": o.error, "equal": o.total is not None and r.total == o.total}
        rows += [row_tool, row_check]
        styles += [None, None]
        failed = {n: o for n, o in outcomes.items() if o.error and o.error != "not installed"}
        notes.append("installed tool: each tool's own total, run on a fresh model instance "
                     "(check: ✓ equal, else costcalc − tool); —: costcalc's own convention.")
        notes += [f"{n} {o.version}: {o.error}" for n, o in failed.items()]
    cols = [Column("category", "category", primary=True)] + [Column(n, n, "right", _cell, display=f"{n}_text")
                                                               for n in t]
    emit(Report([Table(cols, rows, title=f"{p.label} {tuple(p.input_shape)} on {device}: counts by convention",
                       row_styles=styles, name="by_category", json_path="")], data, notes), fmt)
