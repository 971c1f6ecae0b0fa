"""One output layer for every command: data in, text out.

A command builds a :class:`Report` (tables of plain values plus notes, and the JSON object it
stands for); :func:`render` turns it into a Rich table on a terminal, JSON, CSV, Markdown or
LaTeX. Nothing here computes a cost.

On a terminal every table fits its width (:mod:`costcalc.report.layout`: names and numbers are
never cut or wrapped; prose wraps, secondary columns fold away with a note, then panels, then
stacked records); piped, it is plain text at its natural width (``COLUMNS`` set in the
environment lays it out for that width instead). JSON and CSV are for machines: raw numbers,
column names equal to the JSON keys, shares (keys ending in ``share``) as fractions rounded to
:data:`SHARE_DECIMALS` places, ratios (:func:`is_ratio`) and measurements (:func:`is_measured`:
times in ms, rates per second) to :data:`RATIO_DIGITS` significant digits, and one table per CSV stream (``--table NAME`` picks it).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable

from ..errors import CostcalcError

SHARE_DECIMALS = 6  # a share (0..1) in JSON and CSV: 0.030600000000000002 -> 0.0306
RATIO_DIGITS = 6  # a ratio in JSON and CSV: 0.1130642361111111 -> 0.113064, 8.844529750479847 -> 8.84453


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    latex = "latex"


@dataclass
class Column:
    """One column: ``key`` is its name in CSV, in JSON and for ``--columns``.

    On a terminal a column is shown whole (never cut, never wrapped) unless ``wrap`` (``True``:
    prose, may wrap at word boundaries but not inside a formula it holds; ``"formula"``: the
    cell is a formula, shown whole like a number, and broken after a top-level operator only
    when no panel has room for it whole) or
    ``secondary`` (may be folded away
    when the terminal is too narrow; a note names it). ``primary`` columns name the row (model,
    layer id, kind): always shown, repeated in every panel; the first column is primary when no
    column says so. Right-justified columns are numbers. ``machine=False`` marks a copy of
    another column for people (a rounded ``≈``): left out of CSV. ``display`` names the row key
    whose text people see in place of the raw value CSV writes (``costcalc_text`` beside
    ``costcalc``).
    """

    key: str
    header: str
    justify: str = "left"  # left | right | center
    text: Callable[[Any], str] | None = None  # how a value reads on a terminal / in markdown
    latex: Callable[[Any], str] | None = None  # how a value reads in LaTeX
    style: str | None = None
    primary: bool = False
    secondary: bool = False
    wrap: bool | str = False
    machine: bool = True
    display: str | None = None


@dataclass
class Table:
    """Rows of plain values. ``name`` selects it (``--table NAME``); the report's JSON holds
    the same rows, under the same keys, at ``json_path`` (dotted; default: ``name`` when the
    JSON has that key; ``""``: the JSON holds them in another shape)."""

    columns: list[Column]
    rows: list[dict]
    title: str = ""
    caption: str = ""
    row_styles: list[str | None] | None = None
    name: str = ""
    json_path: str | None = None

    def primary(self) -> list[bool]:
        flags = [c.primary for c in self.columns]
        return flags if any(flags) else [i == 0 for i in range(len(self.columns))]

    def cell(self, row: dict, col: Column, latex: bool = False) -> str:
        v = row.get(col.key, "")
        if col.display is not None and col.display in row:
            return str(row[col.display])
        if col is self.columns[0] and row.get("_level"):  # a sub-row (profile's categories)
            return "  " * row["_level"] + self._cell(v, col, latex)
        return self._cell(v, col, latex)

    @staticmethod
    def _cell(v, col: Column, latex: bool = False) -> str:
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
    """What a command shows: tables, notes under them, and the JSON object it stands for.

    ``main`` names the table a CSV stream holds when ``--table`` does not say (default: the
    first)."""

    tables: list[Table]
    data: dict
    notes: list[str] = field(default_factory=list)
    latex_notes: list[str] = field(default_factory=list)
    main: str | None = None

    def __post_init__(self):
        self.name_tables()

    def name_tables(self) -> None:
        """Unnamed tables are called ``table`` (alone) or ``table1``, ``table2``, ..."""
        for i, t in enumerate(self.tables):
            if not t.name:
                t.name = "table" if len(self.tables) == 1 else f"table{i + 1}"


@dataclass(frozen=True)
class View:
    """What the user asked of the layout: ``--wide``, ``--columns``, ``--table``."""

    wide: bool = False
    columns: tuple[str, ...] = ()
    table: str | None = None


def integer(v) -> str:
    return f"{int(v):,}" if v is not None and v != "" else ""


def percent(v) -> str:
    return f"{100 * v:.2f}%" if v is not None and v != "" else ""


def is_share(key) -> bool:
    return isinstance(key, str) and key.endswith("share")


def is_ratio(key) -> bool:
    """A ratio, reduction or saving (``ratio_to_standard``, ``spatial_ratio``, ``reduction``,
    ``saving``; every number in an object under such a key): a float of any size, so rounded to
    :data:`RATIO_DIGITS` significant digits, not to decimals."""
    return isinstance(key, str) and (key.endswith(("ratio", "reduction", "saving"))
                                     or "_ratio_" in key or key.startswith("ratio_"))


def is_measured(key) -> bool:
    """A measured time or rate (``median_ms``, ``node_sum_ms``, ``gmacs_per_s``): a float whose
    last digits are clock noise and binary rounding (0.009000000000000001), so rounded to
    :data:`RATIO_DIGITS` significant digits like a ratio."""
    return isinstance(key, str) and key.endswith(("_ms", "_per_s"))


def _jsonable(x, key=None):
    if isinstance(x, dict):
        return {str(k): _jsonable(v, key if is_ratio(key) else k) for k, v in x.items()
                if not str(k).startswith("_")}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v, key) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, (int, str)):
        return x
    if isinstance(x, float):
        if is_share(key):
            return round(x, SHARE_DECIMALS)
        return float(f"{x:.{RATIO_DIGITS}g}") if is_ratio(key) or is_measured(key) else x
    try:  # numpy / sympy integers and floats
        if float(x) == int(x):
            return int(x)
        return _jsonable(float(x), key)
    except (TypeError, ValueError, OverflowError):
        return str(x)


def to_json(report: Report) -> str:
    return json.dumps(_jsonable(report.data), indent=2, ensure_ascii=False)


def _csv_cell(v, col: Column):
    """Numbers stay exact; a structured value (a printed formula, say) reads as its text, a
    list (a shape) as its JSON."""
    if col.text is not None and v is not None and not (isinstance(v, (bool, int, float, str))
                                                       or type(v) in (list, tuple)):
        return col.text(v)
    v = _jsonable(v, col.key)
    if isinstance(v, list):
        return json.dumps(v, ensure_ascii=False)
    return v


def to_csv(report: Report, view: View | None = None) -> str:
    """One table as CSV (the one ``view.table`` names, else ``report.main``, else the first)."""
    view = view or View()
    report.name_tables()
    name = view.table or report.main or report.tables[0].name
    table = select(report, View(table=name, columns=view.columns))[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    cols = [c for c in shown_columns(table, view) if c.machine]
    writer.writerow([c.key for c in cols])
    for row in table.rows:
        writer.writerow([_csv_cell(row.get(c.key, ""), c) for c in cols])
    return out.getvalue()


def select(report: Report, view: View | None) -> list[Table]:
    """The tables ``view.table`` asks for (all by default); an unknown name or column is one
    clear error that lists the known ones."""
    view = view or View()
    report.name_tables()
    tables = report.tables
    if view.table is not None:
        names = [t.name for t in tables]
        if view.table not in names:
            raise CostcalcError(f"--table {view.table!r}: this output has "
                                + (f"the tables {', '.join(names)}" if len(names) > 1
                                   else f"one table, {names[0]}"))
        tables = [t for t in tables if t.name == view.table]
    if view.columns:
        known = list(dict.fromkeys(c.key for t in tables for c in t.columns))
        unknown = [k for k in view.columns if k not in known]
        if unknown:
            raise CostcalcError(f"--columns: no column {', '.join(map(repr, unknown))}; "
                                f"columns here: {', '.join(known)}")
        # a table holding none of the columns asked for is left out
        tables = [t for t in tables if any(c.key in view.columns for c in t.columns)]
    return tables


def shown_columns(table: Table, view: View | None) -> list[Column]:
    """The table's columns, or its primary ones plus those ``--columns`` names."""
    if view is None or not view.columns:
        return list(table.columns)
    primary = table.primary()
    return [c for c, p in zip(table.columns, primary) if p or c.key in view.columns]


def _md_escape(s: str) -> str:
    return s.replace("|", r"\|")


def to_markdown(report: Report, view: View | None = None) -> str:
    parts = []
    for table in select(report, view):
        cols = shown_columns(table, view)
        if table.title:
            parts.append(f"**{table.title}**\n")
        align = {"left": ":---", "right": "---:", "center": ":---:"}
        lines = ["| " + " | ".join(c.header for c in cols) + " |",
                 "| " + " | ".join(align[c.justify] for c in cols) + " |"]
        for row in table.rows:
            lines.append("| " + " | ".join(_md_escape(table.cell(row, c)) for c in cols) + " |")
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
                      "≫": r"\gg", "≪": r"\ll", "∞": r"\infty", "≠": r"\ne", "←": r"\gets",
                      "⇒": r"\Rightarrow",
                      "β": r"\beta", "γ": r"\gamma", "ρ": r"\rho", "σ": r"\sigma", "²": "^2",
                      "³": "^3", "⁴": "^4", "¹": "^1", "⁰": "^0", "⁵": "^5", "⁶": "^6", "⁷": "^7",
                      "⁸": "^8", "⁹": "^9"}.items()}}


def latex_escape(s: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in s)


def latex_text(s: str) -> str:
    """Prose for ``\\text{...}`` in plain pdflatex: ASCII only, every symbol as math, adjacent math
    runs joined (``Dk²·M`` → ``Dk$^2\\cdot$M``)."""
    import re

    return re.sub(r"(?<!\\)\$\$", "", latex_escape(s))


def to_latex(report: Report, view: View | None = None) -> str:
    parts = []
    for table in select(report, view):
        cols = shown_columns(table, view)
        spec = "".join({"left": "l", "right": "r", "center": "c"}[c.justify] for c in cols)
        lines = [r"\begin{tabular}{" + spec + "}", r"\hline",
                 " & ".join(latex_escape(c.header) for c in cols) + r" \\", r"\hline"]
        for row in table.rows:
            cells = [table.cell(row, c, latex=True) if c.latex else latex_escape(table.cell(row, c))
                     for c in cols]
            lines.append(" & ".join(cells) + r" \\")
        lines += [r"\hline", r"\end{tabular}"]
        if table.title:
            lines.insert(0, f"% {table.title}")
        parts.append("\n".join(lines))
    notes = report.latex_notes or [latex_escape(n) for n in report.notes]
    parts += notes
    return "\n\n".join(parts) + "\n"


# -- the terminal ------------------------------------------------------------------------------

def _fold_note(hidden: list[Column], width: int) -> str:
    names = ", ".join(c.key if c.header == c.key else f"{c.header} ({c.key})" for c in hidden)
    return (f"folded to fit {width} columns: {names} — --wide shows every column, "
            "--columns KEY,... the ones you name")


def _rich_table(table: Table, cols: list[Column], widths: list[int], texts: list[list[str]]):
    from rich.table import Table as RichTable

    from . import layout

    rt = RichTable(header_style="bold")
    for c, w in zip(cols, widths):
        rt.add_column(layout.header_lines(c.header, w), justify=c.justify, style=c.style,
                      width=w, no_wrap=True, overflow="fold")
    for i, row in enumerate(texts):
        style = table.row_styles[i] if table.row_styles else None
        rt.add_row(*(layout.cell_lines(t, w, c.wrap) for t, c, w in zip(row, cols, widths)),
                   style=style)
    return rt


def _stacked(table: Table, cols: list[Column], texts: list[list[str]], width: int):
    """Each row as a record: its naming cells on one line, then ``header  value`` lines."""
    from rich.cells import cell_len
    from rich.text import Text

    from . import layout

    primary = table.primary()
    keys = [i for i, c in enumerate(table.columns) if primary[i] and c in cols]
    label_w = max(cell_len(c.header) for c in cols)
    value_w = max(width - label_w - 4, 8)
    out = []
    for r, row in enumerate(texts):
        if r:
            out.append(Text(""))
        names = [row[cols.index(table.columns[i])] for i in keys]
        head = "  ".join(names) or f"row {r + 1}"
        # naming cells too wide for one line together: the first heads the record, the others
        # become labelled lines like the rest (a single name wider than a line is shown whole)
        inline = set(keys) if cell_len(head) <= width else set(keys[:1])
        if len(inline) < len(keys):
            head = names[0]
        style = (table.row_styles[r] if table.row_styles else None) or ""
        out.append(Text(head, style=f"bold {style}".strip()))
        for c, t in zip(cols, row):
            if table.columns.index(c) in inline or not t:  # an empty cell says nothing in a record
                continue
            lines = layout.wrap(t, value_w, formula=c.wrap == "formula")
            for k, line in enumerate(lines):
                label = c.header if k == 0 else ""
                pad = " " * (label_w - cell_len(label))
                out.append(Text(f"  {label}{pad}  {line}".rstrip(), style=style))
    return out


def plan_table(table: Table, width: int | None, view: View | None = None):
    """(shown columns, their cell texts by row, :class:`~costcalc.report.layout.Plan`)."""
    from . import layout

    view = view or View()
    cols = shown_columns(table, view)
    texts = [[table.cell(row, c) for c in cols] for row in table.rows]
    flags = {id(c): p for c, p in zip(table.columns, table.primary())}
    measured = layout.measure([c.header for c in cols], texts, [c.wrap for c in cols],
                              [flags[id(c)] for c in cols],
                              [c.secondary and not view.columns for c in cols])
    return cols, texts, layout.plan(measured, None if view.wide else width)


def terminal_text(report: Report, width: int | None, view: View | None = None,
                  color: bool = False) -> str:
    """The report as a terminal shows it, laid out for ``width`` cells (``None``: as wide as
    it needs, e.g. piped or ``--wide``); trailing spaces stripped."""
    from rich.console import Console
    from rich.text import Text

    from . import layout

    view = view or View()
    width = None if view.wide else width
    tables = select(report, view)
    buf = io.StringIO()
    # the console is only as narrow as asked: a row is never cut by it
    console = Console(file=buf, width=10_000 if width is None else width, force_terminal=color,
                      color_system="auto" if color else None, highlight=False,
                      legacy_windows=False, soft_wrap=False)

    def line(text: str, style: str = "", indent: str = "") -> None:
        for piece in layout.wrap(text, width, indent):
            console.print(Text(piece, style=style), no_wrap=True, overflow="ignore", crop=False)

    for n, table in enumerate(tables):
        if n:
            console.print()
        cols, texts, plan = plan_table(table, width, view)
        flags = {id(c): p for c, p in zip(table.columns, table.primary())}
        if table.title:
            line(table.title, "italic", "  ")
        if plan.stacked:
            for t in _stacked(table, cols, texts, width):
                console.print(t, no_wrap=True, overflow="ignore", crop=False)
        for k, (idx, widths) in enumerate(plan.panels):
            if k:
                console.print()
            pcols = [cols[i] for i in idx]
            ptexts = [[row[i] for i in idx] for row in texts]
            if len(plan.panels) > 1:
                line(f"({k + 1} of {len(plan.panels)}: columns "
                     f"{', '.join(c.header for c in pcols if not flags[id(c)])})", "dim")
            console.print(_rich_table(table, pcols, widths, ptexts), crop=False)
        if table.caption:
            line(table.caption, "", "  ")
        if plan.hidden:
            line(_fold_note([cols[i] for i in plan.hidden], width), "dim", "  ")
    for note in report.notes:
        line(note, "", "  ")
    return "\n".join(l.rstrip() for l in buf.getvalue().split("\n"))


def terminal_width() -> tuple[int | None, bool]:
    """(width to lay tables out for, colour?) for stdout: a terminal's own width; piped, no
    limit, unless the environment sets COLUMNS."""
    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size((80, 24)).columns, "NO_COLOR" not in os.environ
    columns = os.environ.get("COLUMNS", "")
    return (int(columns) if columns.isdigit() and int(columns) > 0 else None), False


def stderr_note(text: str) -> None:
    """A ``costcalc: ...`` line on stderr, wrapped between words to the terminal's width (or
    COLUMNS), continuation lines indented; piped with no COLUMNS, one line, as a log wants."""
    import textwrap

    if sys.stderr.isatty():
        import shutil

        width = shutil.get_terminal_size((80, 24)).columns
    else:
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() and int(columns) > 0 else None
    text = f"costcalc: {text}"
    if width and len(text) > width:
        text = "\n".join(textwrap.wrap(text, width, subsequent_indent="  ", break_long_words=False,
                                        break_on_hyphens=False))
    print(text, file=sys.stderr)


def render(report: Report, fmt: Format | str = Format.table, console=None,
           view: View | None = None) -> None:
    """Print a report to stdout (or to ``console``, laid out for its width) in the chosen format."""
    fmt = Format(fmt)
    if fmt is Format.json and view is not None and (view.table or view.columns):
        raise CostcalcError("--table and --columns shape the table, csv, markdown and latex "
                            "formats; JSON always holds everything")
    if fmt is Format.table:
        if console is not None:
            text = terminal_text(report, console.width, view)
            console.file.write(text)
            return
        width, color = terminal_width()
        text = terminal_text(report, width, view, color)
    else:
        text = {Format.json: lambda r, v: to_json(r), Format.csv: to_csv,
                Format.markdown: to_markdown, Format.latex: to_latex}[fmt](report, view)
        if fmt is Format.csv and len(report.tables) > 1 and (view is None or view.table is None):
            others = [t.name for t in report.tables if t.name != (report.main or report.tables[0].name)]
            stderr_note(f"note: CSV holds one table, {report.main or report.tables[0].name}; "
                        f"the others ({', '.join(others)}) with --table NAME")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
