"""The review's misleading-text and cosmetic findings (C1-C11, D), each pinned by the rule it
broke: ratios rounded like shares, single-value ranges refused, --opset checked, error texts that
name the real problem, lower bounds marked on ONNX files, spec notes, 'more' never read as
'fewer', budgets of parameters alone, empty selections, re-parameterizable modules, formulas
never broken inside brackets, stderr notes wrapped, LaTeX without raw Unicode, did-you-mean."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from rich.cells import cell_len

from costcalc.errors import CostcalcError
from costcalc.ranges import parse_values
from costcalc.report import layout
from costcalc.report.tables import Column, Report, Table, terminal_text, to_csv, to_json
from costcalc.units import fewer_or_more, plural


def _one_line_error(r, message: str, code: int = 2):
    assert r.returncode == code, (r.returncode, r.stdout[-300:], r.stderr[-1000:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("costcalc: error:"), r.stderr
    assert message in lines[0], lines[0]


# -- C1: ratios in JSON and CSV carry no float noise -----------------------------------------

def test_ratios_round_to_six_significant_digits_in_json_and_csv():
    rows = [{"layer": "separable", "ratio_to_standard": 521 / 4608, "reduction": 4608 / 521,
             "macs_share": 0.030600000000000002, "macs": 52_283_392}]
    rep = Report([Table([Column("layer", "layer"), Column("ratio_to_standard", "r"),
                         Column("reduction", "x"), Column("macs_share", "s"), Column("macs", "m")],
                        rows)], {"rows": rows, "ratio": {"value": 521 / 4608, "exact": "521/4608"}})
    # 521/4608 = 0.11306423611..., 4608/521 = 8.84452975...
    assert to_csv(rep).splitlines()[1] == "separable,0.113064,8.84453,0.0306,52283392"
    d = json.loads(to_json(rep))
    assert d["rows"][0]["ratio_to_standard"] == 0.113064 and d["ratio"]["value"] == 0.113064
    assert d["rows"][0]["macs"] == 52_283_392  # counts are never rounded


def test_compare_csv_ratio_columns_are_rounded(costcalc_cli):
    r = costcalc_cli("compare", "-f", "csv")
    assert r.returncode == 0, r.stderr
    head, *rows = r.stdout.splitlines()
    i, j = head.split(",").index("ratio_to_standard"), head.split(",").index("reduction")
    for row in rows:
        for cell in (row.split(",")[i], row.split(",")[j]):
            assert len(cell.replace(".", "").lstrip("0")) <= 7, row  # 6 digits (+ a trailing 0)


# -- C2: ranges -------------------------------------------------------------------------------

def test_a_range_of_one_value_is_refused_and_a_fractional_factor_allowed():
    with pytest.raises(CostcalcError, match=r"'0.5:0.5' holds the one value 0.5; write 0.5"):
        parse_values("0.5:0.5", option="--alpha")
    assert parse_values("128:224:x1.5", integer=True) == [128, 192]  # 128·1.5 = 192, 288 > 224
    with pytest.raises(CostcalcError, match="reaches 151.5, not a whole number"):
        parse_values("101:400:x1.5", integer=True)  # 101·1.5 = 151.5


def test_sweep_single_cell_title_is_singular(costcalc_cli):
    r = costcalc_cli("sweep", "mobilenet_v1", "--alpha", "0.5", "--resolution", "224")
    assert r.returncode == 0 and "1 α × 1 resolution = 1 cell\n" in r.stdout, r.stdout[:200]
    _one_line_error(costcalc_cli("sweep", "mobilenet_v1", "--alpha", "0.5:0.5"), "holds the one value")


def test_plural():
    assert (plural(1, "cell"), plural(2, "cell"), plural(1024, "cell")) == ("1 cell", "2 cells", "1,024 cells")


# -- C3: export --opset -----------------------------------------------------------------------

def test_export_opset_is_what_the_file_gets_or_an_error(costcalc_cli, tmp_path):
    pytest.importorskip("onnxscript")
    out = tmp_path / "x.onnx"
    _one_line_error(costcalc_cli("export", "mobilenet_v1", "--input", "1,3,32,32", "--opset", "99",
                                 "--onnx", str(out)), "--opset must be between 1 and")
    # the dynamo exporter writes 18 and up; it cannot convert this model down to 17
    r = costcalc_cli("export", "mobilenet_v1", "--input", "1,3,32,32", "--opset", "17", "--onnx", str(out))
    _one_line_error(r, "--opset 17: the dynamo exporter cannot convert this model to opset 17")
    assert "Setting ONNX exporter" not in r.stderr and not out.exists()


# -- C4: errors that name the real problem ----------------------------------------------------

@pytest.mark.parametrize("args,msg", [
    (["check", "1/N", "--as", "ratio", "--at", "N=-5"], "--at: N must be positive, got -5"),
    (["roofline", "mobilenet_v1", "--peak-gflops", "inf", "--bandwidth-gbs", "10"],
     "--peak-gflops must be positive and finite, got inf"),
    (["profile", "tests/fixtures/functional_net.py:build", "--input", "1,3,8,8",
      "--convention", "onnx-tool"], "applies to .onnx files only"),
])
def test_error_texts_name_the_problem(costcalc_cli, args, msg):
    _one_line_error(costcalc_cli(*args), msg)


# -- C5: an ONNX total with an unmodelled node is a lower bound --------------------------------

@pytest.fixture
def custom_onnx(tmp_path) -> Path:
    onnx = pytest.importorskip("onnx")
    import numpy as np
    from onnx import TensorProto as T, helper as h, numpy_helper as nh

    w = nh.from_array(np.ones((4, 3, 3, 3), np.float32), "w")
    g = h.make_graph([h.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1]),
                      h.make_node("MyOp", ["y"], ["z"], domain="my.domain")], "g",
                     [h.make_tensor_value_info("x", T.FLOAT, [2, 3, 8, 8])],
                     [h.make_tensor_value_info("z", T.FLOAT, [2, 4, 8, 8])], [w])
    path = tmp_path / "custom.onnx"
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 18), h.make_opsetid("my.domain", 1)]),
              str(path))
    return path


def test_onnx_totals_with_an_unmodelled_node_are_lower_bounds(costcalc_cli, custom_onnx):
    # the Conv: 3·3·3 · 4 · 8·8 · 2 = 13,824 MACs; MyOp has no rule
    r = costcalc_cli("profile", str(custom_onnx))
    assert r.returncode == 0 and "≥13,824" in r.stdout, r.stdout
    d = json.loads(costcalc_cli("profile", str(custom_onnx), "-f", "json").stdout)
    assert d["total"] == 13_824 and d["exact"] is False
    assert d["coverage"] == [{"not_modelled": "my.domain::MyOp", "count": 1}]
    d = json.loads(costcalc_cli("reconcile", str(custom_onnx), "-f", "json").stdout)
    assert set(d["bounds"].values()) == {"lower bound"}


# -- C6: a spec's own notes -------------------------------------------------------------------

def test_spec_notes_are_printed_and_checked(costcalc_cli, tmp_path):
    d = json.loads(costcalc_cli("model", "dense1_mobilenet", "-f", "json").stdout)
    assert any("costcalc's choice, not the paper's" in n and "widens" in n for n in d["notes"])
    spec = tmp_path / "tiny.toml"
    body = textwrap.dedent("""\
        name = "tiny"
        {notes}
        [[layers]]
        block = "conv"
        id = "c1"
        c = 8
        """)
    spec.write_text(body.format(notes='notes = ["the width 8 is mine"]'))
    r = costcalc_cli("model", str(spec))
    assert r.returncode == 0 and "the width 8 is mine" in r.stdout, r.stderr
    spec.write_text(body.format(notes="notes = [3]"))
    _one_line_error(costcalc_cli("model", str(spec)), "tiny.toml:2: notes must be a list of sentences")


# -- C7: a ratio above 1 is more, not '0.89× fewer' -------------------------------------------

def test_fewer_or_more():
    assert fewer_or_more(521 / 4608) == "8.84× fewer MACs"
    assert fewer_or_more(9 / 8) == "1.12× more MACs" and fewer_or_more(1) == "the same MACs"


def test_compare_kernel_1_says_more(costcalc_cli):
    r = costcalc_cli("compare", "--kernel", "1", "--channels", "8", "--size", "4")
    # 1/8 + 1/1² = 9/8: the separable pair costs 1.125× the standard conv
    assert r.returncode == 0 and "9/8 = 1.1250 → 1.12× more MACs" in r.stdout, r.stdout
    r = costcalc_cli("plot", "ratio", "--kernel", "1", "--channels", "8")
    assert "1.1250 (1.12× more)" in r.stdout, r.stdout


# -- C9: a parameter budget alone -------------------------------------------------------------

def test_fit_takes_a_parameter_budget_alone(costcalc_cli, tmp_path):
    r = costcalc_cli("fit", "mobilenet_v1", "--max-params", "1M", "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["max_macs"] is None and d["within"] > 0
    assert all(c["params"] <= 1_000_000 and c["macs_share"] is None for c in d["cells"])
    _one_line_error(costcalc_cli("fit", "mobilenet_v1"), "give a budget: --max-macs COUNT, --max-params COUNT")


def test_fit_chart_limits_leave_room_for_the_edge_markers():
    from costcalc.report.plots import _grid_limits

    lo, hi = _grid_limits([0.25, 0.3, 0.35, 1.5])
    assert lo <= 0.25 - 0.6 * 0.05 and hi >= 1.5 + 0.6 * 0.05  # 0.6 of the finest step beyond
    # one value: its step is taken as 10% of it, 22.4, so 0.6·22.4 = 13.44 either side
    assert _grid_limits([224]) == pytest.approx((224 - 13.44, 224 + 13.44))


def test_fit_chart_with_a_parameter_budget_alone(costcalc_cli, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "fit.png"
    r = costcalc_cli("fit", "mobilenet_v1", "--max-params", "2M", "-a", "0.25:1:0.25",
                     "-r", "128:224:32", "--out", str(out))
    assert r.returncode == 0 and out.stat().st_size > 1000, r.stderr


# -- C10: an empty selection of papers --------------------------------------------------------

def test_papers_empty_selection_and_empty_source(costcalc_cli):
    r = costcalc_cli("papers", "--status", "open")
    assert r.returncode == 0 and "no published cell matches" in r.stdout and "100%" not in r.stdout
    _one_line_error(costcalc_cli("papers", "--source", ""), "--source is empty; choose from: v1")
    _one_line_error(costcalc_cli("papers", "--source", "v22"), "unknown --source 'v22' (did you mean 'v2'?)")


# -- C11: modules offering an inference re-parameterization -----------------------------------

REP = '''
import torch.nn as nn

class RepBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(3, 8, 1)

    def forward(self, x):
        return self.a(x) + self.b(x)

    def reparameterize(self):  # RepVGG / MobileOne style: fold b into a
        pass

def build():
    return nn.Sequential(RepBlock(), nn.Conv2d(8, 4, 1))

def plain():
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1))
'''


def test_profile_names_reparameterizable_modules(costcalc_cli, tmp_path):
    pytest.importorskip("torch")
    f = tmp_path / "rep.py"
    f.write_text(REP)
    r = costcalc_cli("profile", f"{f}:build", "--input", "1,3,8,8")
    assert r.returncode == 0, r.stderr
    assert "RepBlock ×1 offer an inference-time re-parameterization" in r.stdout, r.stdout
    r = costcalc_cli("profile", f"{f}:plain", "--input", "1,3,8,8")
    assert r.returncode == 0 and "re-parameterization" not in r.stdout


# -- D: formulas are never broken inside brackets ---------------------------------------------

def test_a_formula_wraps_only_between_top_level_terms():
    f = "(Dk²·M·Df² + M·N·Df²)/(Dk²·M·N·Df²)"
    assert layout.narrowest(f, formula=True) == cell_len(f)  # no top-level operator: whole
    g = "α·ρ²·Dk²·M·Df² + α²·ρ²·M·N·Df²"
    assert layout.narrowest(g, formula=True) == cell_len("α·ρ²·Dk²·M·Df² +")
    assert layout.wrap(g, 20, formula=True) == ["α·ρ²·Dk²·M·Df² +", "α²·ρ²·M·N·Df²"]


def test_a_formula_column_breaks_only_when_no_panel_can_hold_it_whole():
    g = "α·ρ²·Dk²·M·Df² + α²·ρ²·M·N·Df²"  # 30 cells; its widest top-level term is 16
    cols = layout.measure(["layer", "formula", "MACs"], [["sep", g, "15,091,200"]],
                          [False, "formula", False], [True, False, False], [False] * 3)
    # 3 + 30 + 10 cells and 10 of borders = 53: whole in one table at 60
    assert layout.plan(cols, 60).panels[0][1] == [5, 30, 10]
    # at 48 the formula and MACs cannot share a panel: two panels, the formula still whole
    p = layout.plan(layout.measure(["layer", "formula", "MACs"], [["sep", g, "15,091,200"]],
                                   [False, "formula", False], [True, False, False], [False] * 3), 48)
    assert [ix for ix, _ in p.panels] == [[0, 1], [0, 2]] and p.panels[0][1][1] == 30
    # at 30 no panel holds it whole (5 + 30 + 7 > 30): only then it breaks after the '+'
    p = layout.plan(layout.measure(["layer", "formula"], [["sep", g]], [False, "formula"],
                                   [True, False], [False, False]), 30)
    assert not p.stacked and p.panels[0][1][1] < 30
    assert layout.cell_lines(g, p.panels[0][1][1], "formula").split("\n") == [
        "α·ρ²·Dk²·M·Df² +", "α²·ρ²·M·N·Df²"]


def test_panels_after_a_whole_formula_share_the_numbers_evenly():
    from test_cli_width import captured

    report, view = captured(("compare",))
    text = terminal_text(report, 60, view)
    # the 30-cell formula fills a panel alone at 60; the four numbers split 2 + 2, not 3 + 1
    assert "(1 of 3: columns MACs formula)" in text
    assert "(2 of 3: columns MACs, params)" in text and "(3 of 3: columns of standard, fewer)" in text


@pytest.mark.parametrize("args,formula", [
    (("derive", "separable"), "(Dk²·M·Df² + M·N·Df²)/(Dk²·M·N·Df²)"),
    (("derive", "spatial"), "(k·N·(N - k + 1) + k·(N - k + 1)²)/(k²·(N - k + 1)²)"),
    (("derive", "dilated"), "floor((Di - d·(Dk - 1) + 2·p - 1)/s)"),
    (("compare",), "α·ρ²·Dk²·M·Df² + α²·ρ²·M·N·Df²"),  # whole: params moves to the next panel
    (("compare", "-k", "3", "-c", "512"), "α·ρ²·Dk²·M·Df² + α²·ρ²·M·N·Df²"),
])
def test_formulas_whole_at_80_columns(costcalc_cli, args, formula):
    r = costcalc_cli(*args, env={"COLUMNS": "80"})
    assert r.returncode == 0, r.stderr
    assert formula in r.stdout, r.stdout
    assert max(cell_len(line) for line in r.stdout.splitlines()) <= 80


def test_stderr_notes_wrap_to_columns(costcalc_cli):
    r = costcalc_cli("roofline", "mobilenet_v1", env={"COLUMNS": "80"})
    assert r.returncode == 0 and "peak and bandwidth assumed" in r.stderr
    assert max(cell_len(line) for line in r.stderr.splitlines()) <= 80
    r = costcalc_cli("plot", "ratio", "-f", "json")
    assert r.returncode == 0 and r.stderr == ""  # the chart hint is for people, not for JSON


def test_stacked_records_keep_to_the_width():
    name = "blocks.0.layers.0.layers.window_attention.attn_layer.1:torch.functional.einsum"
    t = Table([Column("name", "layer", primary=True), Column("kind", "kind", primary=True),
               Column("macs", "MACs", "right")], [{"name": name, "kind": "linear", "macs": "1"}])
    text = terminal_text(Report([t], {}), 84)
    assert name in text and "linear" in text
    assert max(cell_len(line) for line in text.splitlines()) <= 84  # 77 + '  linear' would be 85


def test_latex_text_is_ascii(costcalc_cli):
    from costcalc.derivations import TOPICS, derive

    for topic in TOPICS:
        tex = derive(topic).to_latex()
        assert tex.isascii(), (topic, [c for c in tex if not c.isascii()])
    assert r"\text{lim N$\to\infty$ ratio}" in derive("separable").to_latex()


def test_bad_choice_suggests_the_closest(costcalc_cli):
    _one_line_error(costcalc_cli("derive", "separabel"), "(did you mean 'separable'?)")
    _one_line_error(costcalc_cli("compare", "-f", "jsn"), "(did you mean 'json'?)")
    from costcalc.derivations import derive

    with pytest.raises(CostcalcError, match="did you mean 'separable'"):
        derive("separabel")
