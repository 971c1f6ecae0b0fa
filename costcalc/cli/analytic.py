"""`costcalc compare` and `costcalc derive`: analytic commands, no torch unless --verify."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from . import app
from .common import FormatOpt, emit
from ..report.tables import Format


@app.command()
def compare(
    kernel: Annotated[int, typer.Option("--kernel", "-k", min=1, help="Kernel size Dk.")] = 3,
    channels: Annotated[int, typer.Option("--channels", "-c", min=1, help="Output channels N.")] = 512,
    in_channels: Annotated[Optional[int], typer.Option("--in-channels", "-m", min=1,
                           help="Input channels M (default: N).")] = None,
    size: Annotated[Optional[int], typer.Option("--size", "-s", min=1,
                    help="Output feature-map side Df (default 14: the paper's Table 3 layer).")] = None,
    input_size: Annotated[Optional[int], typer.Option("--input-size", min=1,
                          help="Input side Di instead of --size; Df is derived.")] = None,
    stride: Annotated[int, typer.Option(min=1, help="Stride of the Dk×Dk convs.")] = 1,
    padding: Annotated[Optional[int], typer.Option(min=0, help="Padding (default: 'same', (Dk-1)//2).")] = None,
    groups: Annotated[int, typer.Option("--groups", "-g", min=1, help="Groups for a grouped-conv row.")] = 1,
    alpha: Annotated[float, typer.Option(help="Width multiplier α for the scaled row "
                     "(0.75: Table 3; 1 hides it).")] = 0.75,
    rho: Annotated[float, typer.Option(help="Resolution multiplier ρ for the scaled row "
                   "(0.714: Table 3; 1 hides it).")] = 0.714,
    verify: Annotated[bool, typer.Option("--verify", help="Build the layers in torch (meta "
                      "device) and check every row with forward hooks and FlopCounterMode.")] = False,
    fmt: FormatOpt = Format.table,
):
    """What a depthwise separable conv saves over a standard one at one layer, exactly."""
    from ..compare import compare_layer, verify as verify_rows
    from ..errors import VerificationError
    from ..report.views import comparison_report

    from ..errors import CostcalcError

    if size is not None and input_size is not None:
        raise CostcalcError("give --size (output side) or --input-size (input side), not both")
    if size is None:
        size = 14
    result = compare_layer(kernel, channels, in_channels, size, stride, groups, alpha, rho,
                           padding, input_size)
    if verify:
        result = verify_rows(result)
    emit(comparison_report(result), fmt)
    if verify and not all(r.verified for r in result.rows):
        raise VerificationError("a row disagrees with its torch count (marked ✗)")


class Topic(str, Enum):
    standard = "standard"
    depthwise = "depthwise"
    pointwise = "pointwise"
    separable = "separable"
    spatial = "spatial"
    grouped = "grouped"
    shuffle = "shuffle"
    dilated = "dilated"
    transposed = "transposed"
    alpha_rho = "alpha-rho"
    v2_block = "v2-block"


@app.command()
def derive(
    topic: Annotated[Topic, typer.Argument(help="What to derive.", case_sensitive=False)] = Topic.separable,
    latex: Annotated[bool, typer.Option("--latex", help="Emit LaTeX (align*) to paste into an article.")] = False,
    fmt: FormatOpt = Format.table,
):
    """Derive a cost formula step by step; sympy checks every identity it prints."""
    from ..derivations import derive as run
    from ..report.views import derivation_report

    if latex and fmt is not Format.table:
        from ..errors import CostcalcError

        raise CostcalcError(f"--latex prints the derivation as a LaTeX align* block by itself; "
                            f"drop --format {fmt.value} (or drop --latex: --format latex gives "
                            "the table as a LaTeX tabular)")
    d = run(topic.value)
    if latex:
        print(d.to_latex())
        return
    emit(derivation_report(d), fmt)
