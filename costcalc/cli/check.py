"""`costcalc check` and `costcalc audit`: is a hand-derived cost formula right? No torch here."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import app
from .common import FormatOpt, emit, names


def _kinds() -> tuple:
    from ..check.kinds import KINDS

    return tuple(KINDS)

from ..report.tables import Format

LetOpt = Annotated[Optional[list[str]], typer.Option(
    "--let", metavar="SYM=ROLE",
    help="Bind your symbols to roles (Dk M N Df Di s p d g t alpha rho): --let P=Di --let R=Df, "
         "or --let 'P=Di,R=Df'. D_K, DK, Dp, \\alpha, ... bind themselves.")]


@app.command()
def check(
    expr: Annotated[str, typer.Argument(
        metavar="EXPR", help="The formula, in article notation: 'D_K . D_K . M', 'MxPxPx(RxR + N)', "
             "'\\frac{1}{N} + \\frac{1}{D_K^2}', or an equation 'A = B = C'.")],
    kind: Annotated[Optional[str], typer.Option(
        "--as", metavar="KIND", autocompletion=names(_kinds),
        help="What it claims to be: standard, depthwise, pointwise, separable, ratio (separable / "
             "standard), inverse_ratio, grouped, "
             "pointwise_grouped, dilated, transposed, spatial_standard, spatial_separable, "
             "spatial_ratio, v2_block, *_params, out_side, A_over_B (e.g. pointwise_over_standard). Without it, each side of 'A = B' is "
             "checked against the next.")] = None,
    let: LetOpt = None,
    at: Annotated[Optional[str], typer.Option(
        "--at", metavar="ROLE=VALUE,...", help="Also evaluate at these values: --at N=512,Dk=3.")] = None,
    fmt: FormatOpt = Format.table,
):
    """Check a hand-derived cost formula: verdict, the correct form in your symbols, a
    counterexample and when the two agree. Exit 0 equal, 1 not equal, 2 bad input."""
    from ..check.equations import check as run
    from ..check.views import check_report

    result = run(expr, kind, let, at)
    emit(check_report(result), fmt)
    if result.verdict != "equal":
        raise typer.Exit(1)


@app.command()
def audit(
    article: Annotated[str, typer.Argument(metavar="ARTICLE",
                                           help="A Markdown (.md), LaTeX (.tex) or plain-text (.txt) article.")],
    let: LetOpt = None,
    annotate: Annotated[Optional[str], typer.Option(
        "--annotate", metavar="OUT.md",
        help="Also write a copy of the article with a review line (✓ ✗ ?) after each checked "
             "claim; written atomically, the article itself is never modified.")] = None,
    fmt: FormatOpt = Format.table,
):
    """Check every claim in an article: formulas (against the kind their words name, side by
    side, and their worked values), numbers in the prose ('8 to 9 times fewer', 'about 66%'),
    and filter shapes. Exit 0 when nothing is wrong, 1 when a claim is not equal."""
    from ..check.audit import audit as run
    from ..check.views import audit_report

    result = run(article, let)
    if annotate:
        result.annotate(annotate)
    emit(audit_report(result), fmt)
    if result.failed:
        raise typer.Exit(1)
