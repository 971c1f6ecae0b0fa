"""`costcalc papers`: every published number costcalc knows, reproduced or explained. No torch."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import app
from .common import FormatOpt, emit, names
from ..report.tables import Format


def _sources() -> tuple:
    from ..archs.published import SOURCES

    return tuple(SOURCES)


def _statuses() -> tuple:
    from ..papers import STATUSES

    return tuple(STATUSES)


@app.command()
def papers(
    source: Annotated[Optional[list[str]], typer.Option(
        "--source", metavar="KEY", autocompletion=names(_sources), help="Only these sources: v1, v2, v3, shufflenet, megvii, slim, "
                                        "torchvision, keras (repeat or comma-separate).")] = None,
    status: Annotated[Optional[list[str]], typer.Option(
        "--status", metavar="STATUS", autocompletion=names(_statuses), help="Only cells with these statuses: exact, rounded, truncated, "
                                           "explained, erratum, open.")] = None,
    fmt: FormatOpt = Format.table,
):
    """Every published cell (papers' tables, the authors' releases, torchvision, Keras) beside
    costcalc's exact count, with a status: exact, rounded, truncated, explained or erratum."""
    from ..archs.published import SOURCES
    from ..errors import CostcalcError, did_you_mean
    from ..papers import STATUSES
    from ..report.papers_views import papers_report

    def split(values, known, what):
        out = [v.strip() for item in values or [] for v in item.split(",") if v.strip()]
        if values is not None and not out:  # --source "" would otherwise select everything
            raise CostcalcError(f"{what} is empty; choose from: {', '.join(known)}")
        bad = [v for v in out if v not in known]
        if bad:
            raise CostcalcError(f"unknown {what} {bad[0]!r}{did_you_mean(bad[0], known)}; "
                                f"choose from: {', '.join(known)}")
        return out

    emit(papers_report(split(source, SOURCES, "--source"), split(status, STATUSES, "--status")), fmt)
