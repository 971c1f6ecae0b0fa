"""`costcalc model` and `costcalc models`: registered architectures, counted exactly."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import app
from .common import AlphaOpt, Dtype, FormatOpt, GrowthOpt, ModelArg, ResolutionOpt, RhoOpt, emit
from ..report.tables import Format


@app.command()
def model(
    name: ModelArg,
    alpha: AlphaOpt = 1.0,
    resolution: ResolutionOpt = None,
    rho: RhoOpt = None,
    growth_rate: GrowthOpt = None,
    per_layer: Annotated[bool, typer.Option("--per-layer", help="Show every conv / FC / pool / add layer.")] = False,
    by_type: Annotated[bool, typer.Option("--by-type", help="MACs and params by layer type (paper Table 2).")] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Build in torch (meta device); check symbolic = hooks = aten per layer.")] = False,
    memory: Annotated[bool, typer.Option("--memory", help="Largest activation tensor per resolution "
                      "(MobileNetV2 paper Table 3 accounting).")] = False,
    dtype: Annotated[Optional[Dtype], typer.Option("--dtype", help="Bytes per activation for "
                     "--memory: float16 (default, the paper's), float32, bfloat16, int8.")] = None,
    fmt: FormatOpt = Format.table,
):
    """Exact MACs and parameters of a registered architecture, beside the paper's figures."""
    from ..archs import resolve_model
    from ..errors import CostcalcError, VerificationError
    from ..report.model_views import model_report

    from ..units import dtype_bytes

    if dtype is not None and not memory:
        raise CostcalcError("--dtype applies to --memory only (add --memory)")
    dtype = "float16" if dtype is None else dtype
    dtype_bytes(dtype)  # a bad --dtype fails before any work
    m = resolve_model(name, alpha, resolution, rho, growth_rate)
    verification = None
    if verify:
        from ..counting.verify import verify_model

        verification = verify_model(m)
    emit(model_report(m, per_layer, by_type, verification, dtype if memory else None), fmt)
    if verification is not None and not verification.ok:
        raise VerificationError("symbolic, hook and aten counts disagree (see the table)")


@app.command()
def models(fmt: FormatOpt = Format.table):
    """List the registered architectures with their published reference numbers."""
    from ..report.model_views import models_report

    emit(models_report(), fmt)
