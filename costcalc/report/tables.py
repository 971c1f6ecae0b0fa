"""One output layer for every command: data in, text out.

A command builds a :class:`Report` (tables of plain values plus notes, and the JSON object it
stands for); :func:`render` turns it into a Rich table on a terminal (plain text when piped,
``NO_COLOR`` respected), JSON, CSV, Markdown or LaTeX. Nothing here computes a cost.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    latex = "latex"


@dataclass
class Column:
    key: str
    header: str
    justify: str = "left"  # left | right | center
    text: Callable[[Any], str] | None = None  # how a value reads on a terminal / in markdown
    latex: Callable[[Any], str] | None = None  # how a value reads in LaTeX
    style: str | None = None


@dataclass
class Table:
    columns: list[Column]
    rows: list[dict]
    title: str = ""
    caption: str = ""
    row_styles: list[str | None] | None = None

    def cell(self, row: dict, col: Column, latex: bool = False) -> str:
        v = row.get(col.key, "")
        if latex and col.latex is not None:
            return col.latex(v)
        if col.text is not None:
            return col.text(v)
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, int):
            return f"{v:,}"
        if isinstance(v, float):
            return f"{v:.4g}"
        return "" if v is None else str(v)


@dataclass
class Report:
    """What a command shows: tables, notes under them, and the JSON object it stands for."""

    tables: list[Table]
    data: dict
    notes: list[str] = field(default_factory=list)
    latex_notes: list[str] = field(default_factory=list)


def integer(v) -> str:
    return f"{int(v):,}" if v is not None and v != "" else ""


def percent(v) -> str:
    return f"{100 * v:.2f}%" if v is not None and v != "" else ""


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (bool, int, float, str)) or x is None:
        return x
    try:  # numpy / sympy integers and floats
        if float(x) == int(x):
            return int(x)
        return float(x)
    except (TypeError, ValueError):
        return str(x)


def to_json(report: Report) -> str:
    return json.dumps(_jsonable(report.data), indent=2, ensure_ascii=False)


def _csv_cell(v, col: Column):
    """Numbers stay exact; a structured value (a printed formula, say) reads as its text."""
    if col.text is not None and v is not None and not isinstance(v, (bool, int, float, str)):
        return col.text(v)
    return _jsonable(v)


def to_csv(report: Report) -> str:
    out = io.StringIO()
    for i, table in enumerate(report.tables):
        if i:
            out.write("\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.key for c in table.columns])
        for row in table.rows:
            writer.writerow([_csv_cell(row.get(c.key, ""), c) for c in table.columns])
    return out.getvalue()


def _md_escape(s: str) -> str:
    return s.replace("|", r"\|")


def to_markdown(report: Report) -> str:
    parts = []
    for table in report.tables:
        if table.title:
            parts.append(f"**{table.title}**\n")
        align = {"left": ":---", "right": "---:", "center": ":---:"}
        lines = ["| " + " | ".join(c.header for c in table.columns) + " |",
                 "| " + " | ".join(align[c.justify] for c in table.columns) + " |"]
        for row in table.rows:
            lines.append("| " + " | ".join(_md_escape(table.cell(row, c)) for c in table.columns) + " |")
        parts.append("\n".join(lines))
        if table.caption:
            parts.append(table.caption)
    if report.notes:
        parts.append("\n".join(f"- {_md_escape(n)}" for n in report.notes))
    return "\n\n".join(parts) + "\n"


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                  "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "\\": r"\textbackslash{}", "<": r"\textless{}", ">": r"\textgreater{}",
                  "`": r"\textasciigrave{}", "—": "---", "–": "--", "§": r"\S{}", "…": r"\ldots{}",
                  "✓": r"$\checkmark$", "✗": r"$\times$",
                  # symbols the tables print, as math (plain pdflatex has no glyphs for them)
                  **{ch: f"${m}$" for ch, m in {
                      "×": r"\times", "·": r"\cdot", "÷": r"\div", "→": r"\to", "≈": r"\approx",
                      "≤": r"\le", "≥": r"\ge", "−": "-", "±": r"\pm", "µ": r"\mu", "α": r"\alpha",
                      "β": r"\beta", "γ": r"\gamma", "ρ": r"\rho", "σ": r"\sigma", "²": "^2",
                      "³": "^3", "⁴": "^4", "¹": "^1", "⁰": "^0", "⁵": "^5", "⁶": "^6", "⁷": "^7",
                      "⁸": "^8", "⁹": "^9"}.items()}}


def latex_escape(s: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in s)


def to_latex(report: Report) -> str:
    parts = []
    for table in report.tables:
        spec = "".join({"left": "l", "right": "r", "center": "c"}[c.justify] for c in table.columns)
        lines = [r"\begin{tabular}{" + spec + "}", r"\hline",
                 " & ".join(latex_escape(c.header) for c in table.columns) + r" \\", r"\hline"]
        for row in table.rows:
            cells = [table.cell(row, c, latex=True) if c.latex else latex_escape(table.cell(row, c))
                     for c in table.columns]
            lines.append(" & ".join(cells) + r" \\")
        lines += [r"\hline", r"\end{tabular}"]
        if table.title:
            lines.insert(0, f"% {table.title}")
        parts.append("\n".join(lines))
    notes = report.latex_notes or [latex_escape(n) for n in report.notes]
    parts += notes
    return "\n\n".join(parts) + "\n"


def to_rich(report: Report, console) -> None:
    from rich.table import Table as RichTable

    for table in report.tables:
        rt = RichTable(title=table.title or None, caption=table.caption or None,
                       title_justify="left", header_style="bold")
        for c in table.columns:
            rt.add_column(c.header, justify=c.justify, style=c.style,
                          no_wrap=c.justify == "right")  # never fold a number
        for i, row in enumerate(table.rows):
            style = table.row_styles[i] if table.row_styles else None
            rt.add_row(*(table.cell(row, c) for c in table.columns), style=style)
        console.print(rt)
    for n in report.notes:
        console.print(n, highlight=False, markup=False, soft_wrap=True)


def render(report: Report, fmt: Format | str = Format.table, console=None) -> None:
    """Print a report to stdout in the chosen format."""
    import sys

    fmt = Format(fmt)
    if fmt is Format.table:
        from rich.console import Console

        if console is None:
            # A terminal gets its own width; a pipe or file gets room for a whole row.
            console = Console() if sys.stdout.isatty() else Console(width=160)
        to_rich(report, console)
        return
    text = {Format.json: to_json, Format.csv: to_csv, Format.markdown: to_markdown,
            Format.latex: to_latex}[fmt](report)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
