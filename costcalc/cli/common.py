"""Options and output helpers shared by every command."""

from __future__ import annotations

from typing import Annotated

import typer

from ..report.tables import Format, Report, render

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.",
                                           case_sensitive=False)]


def emit(report: Report, fmt: Format) -> None:
    render(report, fmt)
