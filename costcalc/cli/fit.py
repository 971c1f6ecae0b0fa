"""`costcalc fit`: which widths and resolutions fit a MAC (and parameter) budget.

numpy is imported with the sweep; matplotlib only for --out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .common import RANGE_HELP, FormatOpt, GrowthOpt, ModelArg, OutOpt, emit
from .sweep import ParamConvention, _sources, _wrote, progress_for
from ..report.tables import Column, Format, Report, Table, integer, percent

AUTO_LIMIT = 60  # cells within budget past which a table lists the frontier alone


@app.command()
def fit(
    name: ModelArg,
    max_macs: Annotated[Optional[str], typer.Option("--max-macs", metavar="COUNT", help="MAC budget: "
                        "150M, 1.2G, 600000 (multiply-accumulates, the papers' mult-adds). Give it, "
                        "--max-params or both.")] = None,
    max_params: Annotated[Optional[str], typer.Option("--max-params", metavar="COUNT",
                          help="Parameter budget: 2M, 500K (in the --params convention).")] = None,
    alpha: Annotated[Optional[str], typer.Option("--alpha", "-a", metavar="VALUES",
                     help=f"Width multipliers α: {RANGE_HELP} (default 0.25:1.5:0.05).")] = None,
    resolution: Annotated[Optional[str], typer.Option("--resolution", "-r", metavar="VALUES",
                          help="Input sides in pixels, as --alpha (default 96:320:16).")] = None,
    growth_rate: GrowthOpt = None,
    params: Annotated[ParamConvention, typer.Option("--params", case_sensitive=False,
                      help="Parameter convention: weights (the papers), bias, bn, bn_stats.")]
    = ParamConvention.weights,
    frontier_only: Annotated[Optional[bool], typer.Option("--frontier/--all", help="List the "
                             "Pareto frontier only, or every cell within budget (default: every "
                             f"cell, or on a terminal past {AUTO_LIMIT} the frontier; JSON always "
                             "has every cell).", show_default=False)] = None,
    out: OutOpt = None,
    fmt: FormatOpt = Format.table,
):
    """Every (α, resolution) within a MAC / parameter budget, the Pareto frontier marked."""
    from ..archs import get
    from ..errors import CostcalcError
    from ..fit import DEFAULT_ALPHAS, DEFAULT_RESOLUTIONS, fit as run
    from ..ranges import parse_values
    from ..units import parse_count

    get(name)
    if max_macs is None and max_params is None:
        raise CostcalcError("give a budget: --max-macs COUNT, --max-params COUNT or both")
    budget = None if max_macs is None else parse_count(max_macs, "--max-macs")
    pbudget = None if max_params is None else parse_count(max_params, "--max-params")
    alphas = parse_values(alpha or DEFAULT_ALPHAS, option="--alpha")
    resolutions = parse_values(resolution or DEFAULT_RESOLUTIONS, integer=True, option="--resolution")
    if out is not None:
        from ..report.plots import check_target

        check_target(out)
    with progress_for(len(alphas) * len(resolutions), f"fitting {name}") as step:
        f = run(name, budget, pbudget, alphas, resolutions, growth_rate, params.value, on_step=step)
    if out is not None:
        _chart(f, out)
    if frontier_only is None:  # a table of thousands of rows helps nobody; a CSV may want them
        frontier_only = fmt in (Format.table, Format.markdown, Format.latex) and \
            int(f.within.sum()) > AUTO_LIMIT
        auto = frontier_only
    else:
        auto = False
    emit(fit_report(f, frontier_only, auto), fmt)


def _budget(n: int) -> str:
    from ..units import human

    return human(n)


def _chart(f, out: Path) -> None:
    from ..report import plots

    sw = f.sweep
    pubs = [{"alpha": a, "resolution": r, "top1": ref.top1} for (a, r), ref in f.published.items()
            if a in sw.alphas and r in sw.resolutions]
    label = f"{_budget(f.max_macs)} MACs" if f.max_macs else None
    plabel = f"{_budget(f.max_params)} params" if f.max_params else None
    plots.save(plots.fit(sw.alphas, sw.resolutions, sw.macs.tolist(), f.within.tolist(),
                         f.frontier.tolist(), f.max_macs, label, f.params.tolist(), f.max_params,
                         pubs, f"{f.title}: within " + " and ".join(x for x in (label, plabel) if x)),
               out)
    _wrote(out, "fit chart")


def fit_report(f, frontier_only: bool = False, auto: bool = False) -> Report:
    from ..resolve import PARAM_CONVENTIONS

    sw = f.sweep
    cells = f.cells()
    shown = [c for c in cells if c["frontier"]] if frontier_only else cells
    nfront = int(f.frontier.sum())
    cols = [Column("alpha", "α", "right", lambda v: f"{v:g}"),
            Column("resolution", "resolution", "right"),
            Column("macs", "MACs", "right", integer),
            *([Column("macs_share", "of budget", "right", percent)] if f.max_macs else []),
            Column("params", f"params ({f.convention})", "right", integer),
            Column("frontier", "frontier", "center", lambda v: "◆" if v else "")]
    refs = [f.published[(c["alpha"], c["resolution"])] for c in cells if c["top1"] is not None]
    if refs:
        cols.append(Column("top1", "paper top-1 %", "right", lambda v: f"{v:g}" if v else ""))
    budget = " and ".join(x for x in (f"{f.max_macs:,} MACs" if f.max_macs else "",
                                      f"{f.max_params:,} params ({f.convention})"
                                      if f.max_params else "") if x)
    title = (f"{f.title} — {len(cells):,} of {sw.cells:,} (α, resolution) within {budget}; "
             f"{nfront} on the Pareto frontier" + (" (shown)" if frontier_only else " (◆)"))
    notes = [f"MACs: conv + FC multiply-accumulates, no bias (the papers' mult-adds); params: "
             f"{PARAM_CONVENTIONS[f.convention][1]}. Every cell equals `costcalc model {f.model} "
             f"--alpha A --resolution R` (closed form from {sw.resolves} resolves).",
             "frontier: no other configuration within budget is at least as wide and at least as "
             "large in input side."]
    if auto:
        notes.append(f"{len(cells):,} cells are within budget: the table lists the {nfront} on "
                     "the frontier (--all for every one; --format csv or json has them all).")
    if not cells:
        notes.append(f"nothing on the grid fits: the cheapest cell, α = {sw.alphas[0]:g} at "
                     f"{sw.resolutions[0]} px, takes {int(sw.macs[0, 0]):,} MACs.")
    out_of = [r for (a, res), r in f.published.items() if not (a in sw.alphas and res in sw.resolutions)]
    if refs:
        best = max(refs, key=lambda r: r.top1)
        notes.append(f"top-1 as published ({_sources(refs)}); the best within budget: "
                     f"{best.top1:g}% at α = {best.alpha:g}, {best.resolution} px.")
    elif f.published:
        notes.append("no configuration the papers measured is within budget on this grid.")
    if out_of:
        notes.append("published configurations not on this grid: " + ", ".join(
            f"α {r.alpha:g} · {r.resolution} px ({r.top1:g}%)" for r in out_of[:6]))
    data = {"model": f.model, "title": f.title, "max_macs": f.max_macs, "max_params": f.max_params,
            "params_convention": f.convention, "alphas": list(sw.alphas),
            "resolutions": list(sw.resolutions), "grid_cells": sw.cells, "within": len(cells),
            "frontier": [c for c in cells if c["frontier"]], "cells": cells,
            "method": sw.method, "resolves": sw.resolves,
            "conventions": {"macs": "conv + FC multiply-accumulates, no bias (papers' mult-adds)",
                            "params": PARAM_CONVENTIONS[f.convention][1]}}
    styles = ["bold" if c["frontier"] else None for c in shown]
    return Report([Table(cols, shown, title=title, row_styles=styles)], data, notes)
