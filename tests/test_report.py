"""costcalc.report: a small hand-made Report through every renderer, then the real views."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sympy as sp

from costcalc import compare_layer, derive
from costcalc.errors import CostcalcError
from costcalc.report.tables import (Column, Format, Report, Table, View, integer, latex_escape,
                                    percent, render, to_csv, to_json, to_latex, to_markdown)
from costcalc.report.views import comparison_report, derivation_report


@pytest.fixture
def report() -> Report:
    cols = [Column("layer", "layer"), Column("macs", "MACs", "right", integer),
            Column("share", "of total", "right", percent), Column("note", "note")]
    rows = [{"layer": "conv_1", "macs": 10_838_016, "share": 0.75, "note": "a|b & 50%"},
            {"layer": "fc", "macs": 1_024_000, "share": 0.25, "note": None}]
    data = {"rows": rows, "total": sp.Integer(11_862_016), "ratio": sp.Rational(1, 4),
            "name": sp.Symbol("Dk")}
    return Report([Table(cols, rows, title="Two layers", caption="made by hand")], data,
                  notes=["MACs: multiply-accumulates | no bias"])


def test_to_json(report):
    data = json.loads(to_json(report))
    assert data["total"] == 11_862_016 and type(data["total"]) is int  # sympy Integer -> int
    assert data["ratio"] == 0.25
    assert data["name"] == "Dk"
    assert data["rows"][1]["note"] is None


def test_to_csv(report):
    rows = list(csv.reader(io.StringIO(to_csv(report))))
    assert rows[0] == ["layer", "macs", "share", "note"]  # keys, not headers: machine-readable
    assert rows[1] == ["conv_1", "10838016", "0.75", "a|b & 50%"]  # raw values, no thousands separator
    assert rows[2][0] == "fc" and rows[2][3] == ""


def test_to_csv_one_table_per_stream(report):
    report.tables.append(Table([Column("a", "A")], [{"a": 1}], name="other"))
    assert to_csv(report).splitlines()[0] == "layer,macs,share,note"  # the first, alone
    assert to_csv(report, View(table="other")).splitlines() == ["a", "1"]
    report.main = "other"
    assert to_csv(report).splitlines() == ["a", "1"]
    with pytest.raises(CostcalcError, match="the tables table, other"):
        to_csv(report, View(table="nope"))


def test_to_markdown(report):
    out = to_markdown(report)
    lines = out.splitlines()
    assert "**Two layers**" in lines
    i = lines.index("| layer | MACs | of total | note |")
    assert lines[i + 1] == "| :--- | ---: | ---: | :--- |"
    assert lines[i + 2] == r"| conv_1 | 10,838,016 | 75.00% | a\|b & 50% |"  # '|' escaped
    assert lines[i + 3] == "| fc | 1,024,000 | 25.00% |  |"
    assert "made by hand" in out
    assert r"- MACs: multiply-accumulates \| no bias" in lines


def test_to_latex(report):
    out = to_latex(report)
    assert r"\begin{tabular}{lrrl}" in out and r"\end{tabular}" in out
    assert r"conv\_1 & 10,838,016 & 75.00\% & a|b \& 50\% \\" in out
    assert "% Two layers" in out
    assert "multiply-accumulates | no bias" in out


def test_latex_escape():
    assert latex_escape(r"a_b & 5% $x$ #1 {y} ~ ^ \ ") == (
        r"a\_b \& 5\% \$x\$ \#1 \{y\} \textasciitilde{} \textasciicircum{} \textbackslash{} ")


def test_cell_defaults():
    t = Table([Column("v", "v")], [])
    assert t.cell({"v": True}, t.columns[0]) == "yes"
    assert t.cell({"v": 1234567}, t.columns[0]) == "1,234,567"
    assert t.cell({"v": 0.123456}, t.columns[0]) == "0.1235"
    assert t.cell({}, t.columns[0]) == ""


@pytest.mark.parametrize("fmt", list(Format))
def test_render_every_format(report, fmt, capsys):
    from rich.console import Console

    console = Console(file=io.StringIO(), width=120, color_system=None)
    render(report, fmt, console=console)
    text = console.file.getvalue() if fmt is Format.table else capsys.readouterr().out
    assert "10,838,016" in text or "10838016" in text
    if fmt is Format.json:
        json.loads(text)


def test_comparison_report_formats():
    rep = comparison_report(compare_layer(kernel=3, channels=512))
    assert json.loads(to_json(rep))["rows"][0]["macs"] == 462_422_016
    assert "462,422,016" in to_markdown(rep)
    assert r"\frac{1}{N} + \frac{1}{D_K^{2}}" in to_latex(rep)
    assert next(csv.DictReader(io.StringIO(to_csv(rep))))["macs"] == "462422016"


def test_derivation_report():
    rep = derivation_report(derive("separable"))
    md = to_markdown(rep)
    assert "✓" in md and "✗" not in md
    assert json.loads(to_json(rep))["topic"] == "separable"


def test_csv_prints_a_formula_as_text_not_a_tuple():
    rep = comparison_report(compare_layer(kernel=3, channels=512))
    row = next(csv.DictReader(io.StringIO(to_csv(rep))))
    assert row["formula"] == "Dk²·M·N·Df²"


def test_latex_escapes_the_symbols_tables_print():
    assert latex_escape("3×3 α=0.75 — §5 (< 15) `x` 4²") == (
        r"3$\times$3 $\alpha$=0.75 --- \S{}5 (\textless{} 15) \textasciigrave{}x\textasciigrave{} 4$^2$")
    rep = comparison_report(compare_layer(kernel=3, channels=512))
    body = to_latex(rep).split("\n", 1)[1]  # after the '%' title comment
    assert "×" not in body and "α" not in body


def test_wrap_breaks_between_words_never_inside_a_formula():
    from costcalc.report.layout import narrowest, wrap

    note = ("ratio separable/standard = (Dk²·M·Df² + M·N·Df²)/(Dk²·M·N·Df²) = 1/N + 1/Dk² = "
            "1/512 + 1/3² = 521/4608 = 0.1131 → 8.84× fewer MACs")
    for width in (40, 60, 80):
        lines = wrap(note, width, "  ")
        assert all(len(line) <= width for line in lines)
        assert " ".join(" ".join(lines).split()) == note  # every word, in order, none split
        for line in lines:  # a sum stays together: no break beside + or before =
            assert not line.rstrip().endswith(("+", "·")) and line.split()[0] not in ("+", "=", "→")
        assert any("1/N + 1/Dk² =" in line for line in lines)
    # a formula cell breaks only after an operator, outside its braces first
    assert wrap(r"\frac{D_K^2 M D_F^2 + M N D_F^2}{D_K^2 M N D_F^2} = \frac{1}{N}", 30,
                formula=True) == [r"\frac{D_K^2 M D_F^2 +", r"M N D_F^2}{D_K^2 M N D_F^2} =",
                                  r"\frac{1}{N}"]
    assert narrowest("a b c + d", formula=True) == len("a b c +")  # 'M N' is one product
    assert wrap("one two", None) == ["one two"]  # piped: no width, no wrap
