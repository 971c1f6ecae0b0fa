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
    formula: Annotated[bool, typer.Option("--formula", help="MACs(α, ρ) and params(α) as closed "
                       "forms by monomial (sympy; channel rounding ignored), checked at "
                       "--alpha / --resolution.")] = False,
    latex: Annotated[bool, typer.Option("--latex", help="With --formula: LaTeX (the same as "
                     "--format latex).")] = False,
    fmt: FormatOpt = Format.table,
):
    """Exact MACs and parameters of an architecture (a registered name or a spec file .toml),
    beside the paper's figures."""
    from ..archs import resolve_model
    from ..errors import CostcalcError, VerificationError
    from ..report.model_views import model_report

    from ..units import dtype_bytes

    if latex and not formula:
        raise CostcalcError("--latex applies to --formula (for any report: --format latex)")
    if formula:
        other = [o for o, on in (("--per-layer", per_layer), ("--by-type", by_type),
                                 ("--verify", verify), ("--memory", memory)) if on]
        if other:
            raise CostcalcError(f"--formula shows the closed form; drop {', '.join(other)}")
        if latex and fmt not in (Format.table, Format.latex):
            raise CostcalcError(f"--latex and --format {fmt.value}: choose one")
        m = resolve_model(name, alpha, resolution, rho, growth_rate)
        from ..formula import formula as closed_form
        from ..report.formula_views import formula_report

        f = closed_form(name, growth_rate)
        emit(formula_report(f, m.alpha, m.resolution, growth_rate), Format.latex if latex else fmt)
        return
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
