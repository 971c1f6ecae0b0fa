"""`costcalc sweep` and `costcalc plot ratio`: α × resolution trade-offs and their charts.

pandas, numpy and matplotlib are imported inside the commands, so the other commands (which
import this module to register it) never load them.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .common import RANGE_HELP, App, FormatOpt, ModelArg, OutOpt, emit
from ..errors import CostcalcError
from ..report.tables import Column, Format, Report, Table, integer, percent, stderr_note
from ..units import plural

LARGE_GRID = 10_000  # cells from which a terminal gets a progress bar


class Chart(str, Enum):
    macs_params = "macs-params"
    heatmap = "heatmap"
    accuracy = "accuracy"
    scaling = "scaling"


class ParamConvention(str, Enum):
    weights = "weights"
    bias = "bias"
    bn = "bn"
    bn_stats = "bn_stats"


@contextmanager
def progress_for(cells: int, label: str):
    """A Rich progress bar on stderr for a large grid on a terminal; None otherwise (piped)."""
    if cells < LARGE_GRID or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _wrote(path: Path, what: str) -> None:
    stderr_note(f"wrote {path} ({what})")


@app.command()
def sweep(
    name: ModelArg,
    alpha: Annotated[str, typer.Option("--alpha", "-a", metavar="VALUES",
                     help=f"Width multipliers α: {RANGE_HELP} (e.g. 0.25:1.0:0.05).")]
    = "0.25,0.5,0.75,1.0",
    resolution: Annotated[str, typer.Option("--resolution", "-r", metavar="VALUES",
                          help="Input sides in pixels, as --alpha (e.g. 96:320:32).")]
    = "128,160,192,224",
    growth_rate: Annotated[Optional[int], typer.Option("--growth-rate",
                           help="Dense-MobileNet growth rate (default 32).")] = None,
    params: Annotated[ParamConvention, typer.Option("--params", case_sensitive=False,
                      help="Parameter convention: weights (the papers), bias, bn, bn_stats.")]
    = ParamConvention.weights,
    out: OutOpt = None,
    chart: Annotated[Optional[Chart], typer.Option("--chart", case_sensitive=False, help=
                     "Chart to write with --out: macs-params (default), heatmap, accuracy "
                     "(published top-1), scaling (α²ρ² law vs exact).")] = None,
    fmt: FormatOpt = Format.table,
):
    """Exact MACs and parameters over an α × resolution grid (each cell = `costcalc model`)."""
    from ..archs import get
    from ..sweep import check_chart, parse_list, sweep as run

    get(name)
    alphas = parse_list(alpha, option="--alpha")
    resolutions = parse_list(resolution, integer=True, option="--resolution")
    if chart is not None and out is None:
        raise CostcalcError(f"--chart {chart.value} needs --out FILE (.png, .svg or .pdf)")
    if out is not None:
        from ..report.plots import check_target

        check_target(out)
        chart = chart or Chart.macs_params
        check_chart(name, chart.value)
    cells = len(alphas) * len(resolutions)
    with progress_for(cells, f"sweeping {name}") as step:
        sw = run(name, alphas, resolutions, growth_rate, on_step=step)
    if out is not None:
        from ..report.plots import save
        from ..sweep import chart as figure

        save(figure(sw, chart.value, params.value), out)
        _wrote(out, f"{chart.value} chart")
    emit(_sweep_report(sw, params.value), fmt)


def _sweep_report(sw, convention: str) -> Report:
    from ..archs import get
    from ..resolve import PARAM_CONVENTIONS
    from ..sweep import reference

    arch = get(sw.model)
    ref = reference(sw.model, sw.options.get("growth_rate"))
    cells = sw.rows(convention)
    pubs = {(r.alpha, r.resolution): r for r in arch.published}
    rows, shown = [], []
    for c in cells:
        row = dict(c, share=c["macs"] / ref.macs)
        pub = pubs.get((c["alpha"], c["resolution"]))
        if pub is not None and pub.top1 is not None:
            row["top1"] = pub.top1
            shown.append(pub)
        rows.append(row)
    cols = [Column("alpha", "α", "right", lambda v: f"{v:g}", primary=True),
            Column("resolution", "resolution", "right", primary=True),
            Column("macs", "MACs", "right", integer),
            Column("params", f"params ({convention})", "right", integer),
            Column("share", f"MACs vs α=1, {ref.resolution}", "right", percent)]
    if shown:
        cols.append(Column("top1", "paper top-1 %", "right", lambda v: f"{v:g}" if v else ""))
    opts = "".join(f", {k.replace('_', ' ')} {v}" for k, v in sw.options.items())
    title = (f"{arch.title}{opts} — {len(sw.alphas)} α × {plural(len(sw.resolutions), 'resolution')} "
             f"= {plural(sw.cells, 'cell')}")
    how = (f"closed form from {sw.resolves} resolves" if sw.method == "closed form"
           else f"resolved cell by cell: {plural(sw.resolves, 'resolve')}")
    notes = [f"MACs: conv + FC multiply-accumulates, no bias (the papers' mult-adds); params: "
             f"{PARAM_CONVENTIONS[convention][1]}.",
             f"every cell equals `costcalc model {sw.model} --alpha A --resolution R` ({how})."]
    if shown:
        notes.append(f"top-1: as published ({_sources(shown)}).")
    from ..archs.published import EXPLAINED, cites_v2_table4

    if any(cites_v2_table4(p.source) for p in shown):  # the table that misprints MobileNetV1
        notes.append(EXPLAINED["v1@v2_table4"])
    data = {"model": sw.model, "title": arch.title, **sw.options, "alphas": list(sw.alphas),
            "resolutions": list(sw.resolutions), "params_convention": convention,
            "conventions": {"macs": "conv + FC multiply-accumulates, no bias (papers' mult-adds)",
                            "params": PARAM_CONVENTIONS[convention][1]},
            "method": sw.method, "resolves": sw.resolves,
            "reference": {"alpha": 1.0, "resolution": ref.resolution, "macs": ref.macs,
                          "params": ref.params(convention)},
            "cells": rows, "published": [vars(p) for p in shown], "notes": notes}
    return Report([Table(cols, rows, title=title, name="cells")], data, notes)


def _sources(refs) -> str:
    """'MobileNet v1 (arXiv 1704.04861) Tables 6, 7, 9' from the refs' source strings."""
    import re

    tables: dict = {}
    for r in refs:
        m = re.match(r"^(.*?) Tables? (.*)$", r.source)
        paper, nums = (m.group(1), m.group(2).split(", ")) if m else (r.source, [])
        tables.setdefault(paper, set()).update(nums)
    out = []
    for paper, nums in tables.items():
        nums = sorted(nums, key=lambda n: (len(n), n))
        out.append(paper + (f" Table{'s' if len(nums) > 1 else ''} {', '.join(nums)}" if nums else ""))
    return "; ".join(out)


# -- costcalc plot ... ----------------------------------------------------------------------------

plot_app = App(name="plot", no_args_is_help=True,
              help="Charts of the layer-cost formulas (no model needed).")
app.add_typer(plot_app, name="plot")


@plot_app.command("ratio")
def ratio(
    kernel: Annotated[str, typer.Option("--kernel", "-k", metavar="VALUES",
                      help=f"Kernel sizes Dk: {RANGE_HELP} (e.g. 3:7:2).")] = "3,5,7",
    channels: Annotated[str, typer.Option("--channels", "-c", metavar="VALUES",
                        help="Output channels N, as --kernel (8:1024 = 8, 16, ..., 1024).")]
    = "8:1024",
    out: OutOpt = None,
    fmt: FormatOpt = Format.table,
):
    """Depthwise separable ÷ standard MACs, 1/N + 1/Dk², against N for several kernels."""
    from ..sweep import parse_list, separable_ratio

    kernels = parse_list(kernel, integer=True, option="--kernel")
    ns = sorted(parse_list(channels, integer=True, option="--channels"))
    if out is not None:
        from ..report.plots import save
        from ..sweep import ratio_chart

        save(ratio_chart(kernels, ns), out)
        _wrote(out, "ratio chart")
    elif fmt == Format.table:  # a hint for people; a machine format asked for the numbers only
        stderr_note("add --out FILE.png (or .svg, .pdf) to draw the chart")
    emit(_ratio_report(kernels, ns, separable_ratio(kernels, ns)), fmt)


def _bracket(v: float) -> str:
    """0.1131 → '0.1131 (8.84×)' fewer MACs; 1.125 (Dk = 1) → '1.1250 (1.12× more)'."""
    return f"{v:.4f} ({1 / v:.2f}×)" if v <= 1 else f"{v:.4f} ({v:.2f}× more)"


def _ratio_report(kernels, ns, exact) -> Report:
    rows = [{"N": n, **{f"Dk{k}": float(exact[k][i]) for k in kernels}} for i, n in enumerate(ns)]
    cols = [Column("N", "N", "right", str, primary=True)] + [
        Column(f"Dk{k}", f"Dk = {k}", "right", _bracket) for k in kernels]
    data = {"formula": "1/N + 1/Dk^2", "kernels": kernels, "channels": ns,
            "ratios": [{"kernel": k, "channels": n, "ratio": float(exact[k][i]),
                        "exact": str(exact[k][i]), "saving": float(1 / exact[k][i])}
                       for k in kernels for i, n in enumerate(ns)]}
    notes = ["separable ÷ standard MACs = (Dk²·M·Df² + M·N·Df²) / (Dk²·M·N·Df²) = 1/N + 1/Dk², "
             "exact from costcalc.layers.separable / standard (M and Df cancel); "
             "in brackets: how many times fewer MACs (or, marked more, how many times more)."]
    return Report([Table(cols, rows, title="Depthwise separable ÷ standard convolution MACs",
                         name="ratios", json_path="")], data, notes)
