"""Every command's tables at terminal widths 60, 80, 100, 120 and 200, and piped.

Each invocation in ``INVOCATIONS`` runs once, in-process; the Report it hands to ``emit`` is
caught and laid out at every width with Rich's console (as a terminal of that width shows it).
At every width: no line is wider than the terminal; nothing is cut (no ``…``); every name and
every number of every row is on one line, whole (or its column is named in the fold note);
every note and title reads whole, in order, broken only at word boundaries and never before an
operator. ``test_every_command_is_covered`` fails when a command that prints a table has no
invocation here: a new command adds one line to ``INVOCATIONS`` (one per table-making flag).
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from costcalc.cli import app, common, main
from costcalc.report import layout
from costcalc.report.tables import plan_table, render, terminal_text

WIDTHS = (60, 80, 100, 120, 200)
FAST_BENCH = ("-i", "1,3,32,32", "-n", "1", "-w", "0", "--threads", "1")
ONNX = "{onnx}"  # in an invocation: a mobilenet_v1 file the export invocation below writes

INVOCATIONS = [
    ("compare",),
    ("compare", "--kernel", "5", "--channels", "1024", "--groups", "4", "--verify"),
    ("derive", "separable"),
    ("derive", "v2-block"),
    ("derive", "spatial"),
    ("model", "mobilenet_v1", "--per-layer", "--by-type"),
    ("model", "mobilenet_v2", "--memory"),
    ("model", "mobilenet_v1", "--resolution", "1000000"),
    ("model", "mobilenet_v1", "--resolution", "64", "--verify", "--per-layer"),
    ("models",),
    ("papers",),
    ("sweep", "mobilenet_v1"),
    ("fit", "mobilenet_v1", "--max-macs", "150M", "--max-params", "2M"),
    ("model", "mobilenet_v3_large", "--formula"),
    ("model", "examples/specs/patchwork.toml", "--per-layer"),
    ("plot", "ratio"),
    ("check", "D_K . M . D_F", "--as", "depthwise"),
    ("check", "MxPxPx(RxR + N)", "--as", "separable", "--let", "P=Df,R=Dk", "--at", "M=32,N=64,Df=14,Dk=3"),
    ("audit", "examples/article.md"),
    ("profile", "mobilenet_v2", "--per-layer"),
    ("reconcile", "mobilenet_v2"),
    ("roofline", "mobilenet_v1", "--per-layer"),
    ("bench", "mobilenet_v1", "--per-layer", *FAST_BENCH),
    ("export", "mobilenet_v1", "--onnx", ONNX, "-i", "1,3,32,32", "--exporter", "torchscript"),
    ("profile", ONNX, "--per-layer"),
    ("reconcile", ONNX),
    ("bench", ONNX, "--per-layer", "-n", "1", "-w", "0", "--threads", "1"),
]
TORCH = {"profile", "reconcile", "roofline", "bench", "export"}
_DIR = Path(tempfile.mkdtemp(prefix="costcalc-width-"))

_reports: dict = {}


def captured(argv: tuple):
    """(report, view) the command hands to emit, from one in-process run (cached)."""
    if argv not in _reports:
        if argv[0] in TORCH or "--verify" in argv:
            pytest.importorskip("torch")
        if ONNX in argv:
            pytest.importorskip("onnx")
            pytest.importorskip("onnxruntime")
            if argv[0] != "export" and not (_DIR / "v1.onnx").exists():
                captured(next(a for a in INVOCATIONS if a[0] == "export"))
        run = [str(_DIR / "v1.onnx") if a == ONNX else a for a in argv]
        got = []
        mp = pytest.MonkeyPatch()
        mp.setattr(common, "render", lambda report, fmt, view=None: got.append((report, view)))
        try:
            with pytest.raises(SystemExit) as e:
                main(run)
        finally:
            mp.undo()
        assert e.value.code in (0, 1), (argv, e.value.code)  # check/audit: 1 = a wrong formula
        assert len(got) == 1, argv
        _reports[argv] = got[0]
    return _reports[argv]


def _whole(text: str, cell: str) -> bool:
    """``cell`` on one line of ``text``, not part of a longer word or number."""
    pat = re.compile(r"(?<![\w,.])" + re.escape(cell) + r"(?![\w,.])")
    return any(pat.search(line) for line in text.splitlines())


def _flat(text: str) -> str:
    return " ".join(text.split())


def _id(argv) -> str:
    return " ".join(argv).replace(ONNX, "v1.onnx")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("argv", INVOCATIONS, ids=_id)
def test_tables_fit(argv, width):
    report, view = captured(argv)
    text = terminal_text(report, width, view)
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) <= width, "\n".join(
        line for line in lines if cell_len(line) > width)
    # nothing cut: no '…' but the ones the data itself holds (a note quoting "112×112 … 1×1")
    given = sum(x.count("…") for x in [*report.notes, *(t.title for t in report.tables),
                                        *(t.cell(r, c) for t in report.tables
                                          for r in t.rows for c in t.columns)])
    assert text.count("…") <= 3 * given, [line for line in lines if "…" in line]
    flat = _flat(text)
    for table in report.tables:
        cols, _, plan = plan_table(table, width, view)
        hidden = [cols[i] for i in plan.hidden]
        if hidden:  # folded columns are named, with the way back
            note = flat
            assert f"folded to fit {width} columns: " in note and "--wide" in note
            for c in hidden:
                assert (c.key if c.header == c.key else f"{c.header} ({c.key})") in note
        for col, is_primary in zip(table.columns, table.primary()):
            if col in hidden or col not in cols:
                assert not is_primary
                continue
            if col.wrap and not is_primary:
                for row in table.rows:  # prose and formulas: wrapped, every word whole
                    for word in table.cell(row, col).split():
                        assert _whole(text, word), (table.name, col.key, word)
                continue
            for row in table.rows:
                cell = table.cell(row, col)
                if cell:
                    assert _whole(text, cell), (table.name, col.key, cell)
        if table.title:
            assert _flat(table.title) in flat
    for note in report.notes:
        assert _flat(note) in flat, note
    if width >= 80:  # notes break at word boundaries, never before an operator or after + - ×
        for line in lines:
            words = line.split()
            if words and line.startswith("  ") and not line.lstrip().startswith(("│", "┃")):
                assert words[0] not in layout.OPERATORS, line


@pytest.mark.parametrize("argv", INVOCATIONS, ids=_id)
def test_piped_output_is_plain_and_whole(argv):
    """Piped: natural width (no fold, no wrap), no colour codes, no trailing spaces."""
    report, view = captured(argv)
    text = terminal_text(report, None, view)
    assert "\x1b[" not in text
    assert all(line == line.rstrip() for line in text.splitlines())
    for note in report.notes:
        assert note.strip() in text.splitlines()  # one line each, as written
    assert "folded to fit" not in text


def test_narrow_terminal_folds_secondary_columns_with_a_note():
    report, view = captured(("models",))
    text = terminal_text(report, 80, view)
    assert ("folded to fit 80 columns: architecture (title), top-1 % (top1), extra options "
            "(options) — --wide shows every column, --columns KEY,... the ones you name") in _flat(text)
    for name in ("mobilenet_v1_conv", "mobilenet_v1_shallow", "4,867,293,184"):
        assert _whole(text, name)
    wide = terminal_text(report, 80, common.View(wide=True))
    assert "MobileNet v1, full convolutions" in wide and "folded" not in wide
    picked = terminal_text(report, 80, common.View(columns=("title",)))
    assert "MobileNet v1, full convolutions" in picked and "4,867,293,184" not in picked


def test_too_wide_for_any_fold_becomes_panels_then_records():
    report, view = captured(("reconcile", "mobilenet_v2"))
    text = terminal_text(report, 80, view)
    # 8 number columns: 3 panels of 3, 3 and 2, each repeating the category
    assert "(1 of 3: columns paper, all-ops, flops)" in text and "(3 of 3: columns thop, torchinfo)" in text
    assert text.count("residual adds") == 3
    stacked = terminal_text(report, 30, view)
    assert "  fvcore" in stacked and "┃" not in stacked  # records: 'header  value' lines


def test_render_to_a_console_uses_its_width():
    report, view = captured(("models",))
    console = Console(file=io.StringIO(), width=100)
    render(report, "table", console=console, view=view)
    assert max(map(cell_len, console.file.getvalue().splitlines())) <= 100


def test_every_command_is_covered():
    """A command that takes --format must have an invocation above."""
    import typer

    group = typer.main.get_command(app)
    ctx = group.make_context("costcalc", [], resilient_parsing=True)

    def walk(cmd, path):
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), path + (name,))
        elif any("--format" in getattr(p, "opts", ()) for p in cmd.params):
            yield path

    covered = {argv[:2] if argv[0] == "plot" else argv[:1] for argv in INVOCATIONS}
    missing = [" ".join(p) for p in walk(group, ()) if p not in covered]
    assert not missing, f"add an invocation of {missing} to INVOCATIONS"
