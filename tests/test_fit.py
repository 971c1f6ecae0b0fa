"""`costcalc fit` (costcalc.fit): grid cells within a MAC / parameter budget, the Pareto frontier.

The frontier is checked against its definition by brute force on random grids (hypothesis);
the cells against resolve_model; the CLI as a user runs it; the chart as a file written
atomically.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from costcalc.archs import resolve_model
from costcalc.errors import CostcalcError
from costcalc.fit import fit, pareto
from costcalc.ranges import parse_values as parse_list
from costcalc.units import parse_count


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.data())
def test_pareto_is_the_definition(n, m, data):
    within = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=m, max_size=m),
                                         min_size=n, max_size=n)), dtype=bool)
    got = pareto(within)
    for i in range(n):
        for j in range(m):
            beaten = any(within[k, l] and (k, l) != (i, j) and k >= i and l >= j
                         for k in range(n) for l in range(m))
            assert got[i, j] == (within[i, j] and not beaten)


def test_pareto_by_hand():
    w = np.array([[1, 1, 0],   # α0: 96, 128 px fit
                  [1, 0, 0],   # α1: 96 px fits
                  [0, 0, 0]], dtype=bool)
    assert pareto(w).astype(int).tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 0]]


def test_mobilenet_v1_150m():
    alphas, res = parse_list("0.25:1.5:0.05"), parse_list("96:320:16", integer=True)
    f = fit("mobilenet_v1", 150_000_000, None, alphas, res)
    for c in f.cells():
        m = resolve_model("mobilenet_v1", c["alpha"], c["resolution"])
        assert (c["macs"], c["params"]) == (m.macs, m.params()) and m.macs <= 150_000_000
    # every cell outside is over budget
    over = [(a, r) for i, a in enumerate(f.sweep.alphas) for j, r in enumerate(f.sweep.resolutions)
            if not f.within[i, j]]
    assert all(resolve_model("mobilenet_v1", a, r).macs > 150_000_000 for a, r in over[::7])
    front = {(c["alpha"], c["resolution"]) for c in f.cells(only_frontier=True)}
    # Table 6's 0.5 MobileNet-224 (149,497,088 MACs, 63.7%) is on the frontier; α = 0.55 at
    # 224 px would take 178,958,...: over
    assert (0.5, 224) in front
    cell = next(c for c in f.cells() if (c["alpha"], c["resolution"]) == (0.5, 224))
    assert cell["top1"] == 63.7 and cell["macs"] == 149_497_088
    assert resolve_model("mobilenet_v1", 0.55, 224).macs > 150_000_000
    # Table 9's 0.5 MobileNet-160 (76,524,800, 60.2%) fits but is dominated (0.5 at 224 fits)
    assert (0.5, 160) not in front and any(c["top1"] == 60.2 for c in f.cells())


def test_params_budget_and_convention():
    f = fit("mobilenet_v2", 10**12, 2_000_000, [0.5, 0.75, 1.0], [160, 224], convention="bn")
    # torchvision's mobilenet_v2(width_mult=0.75) has 2,636,424 parameters > 2M; 0.5: 1,968,680
    assert f.within.tolist() == [[True, True], [False, False], [False, False]]
    assert f.params[0, 0] == resolve_model("mobilenet_v2", 0.5).params("bn") == 1_968_680
    assert f.params[1, 0] == 2_636_424
    with pytest.raises(CostcalcError, match="unknown parameter convention"):
        fit("mobilenet_v2", 1, None, [1.0], [224], convention="all")


@pytest.mark.parametrize("text,value", [("150M", 150_000_000), ("1.5G", 1_500_000_000),
                                        ("600k", 600_000), ("150,000,000", 150_000_000),
                                        ("2.5e6", 2_500_000), (" 3 M ", 3_000_000)])
def test_parse_count(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text,msg", [("", "expected a count"), ("15O", "expected a count"),
                                      ("1.5", "not a whole count"), ("0", "must be positive"),
                                      ("-5M", "expected a count"), ("1e400000", "at most 1e18")])
def test_parse_count_errors(text, msg):
    with pytest.raises(CostcalcError, match=msg):
        parse_count(text)


def test_cli_json(costcalc_cli):
    r = costcalc_cli("fit", "mobilenet_v1", "--max-macs", "150M", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["max_macs"] == 150_000_000 and d["grid_cells"] == 26 * 15
    assert d["within"] == len(d["cells"]) and all(c["macs"] <= 150_000_000 for c in d["cells"])
    assert {(c["alpha"], c["resolution"]) for c in d["frontier"]} <= {
        (c["alpha"], c["resolution"]) for c in d["cells"]}
    assert any(c["top1"] == 63.7 for c in d["frontier"])


def test_cli_table_chart_and_errors(costcalc_cli, tmp_path):
    out = tmp_path / "fit.png"
    r = costcalc_cli("fit", "examples/specs/mnasnet1_0.toml", "--max-macs", "220M", "-a",
                     "0.5:1:0.25", "-r", "224", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "215,493,104" in r.stdout and "◆" in r.stdout and "71.18" in r.stdout
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["fit.png"]  # no temp file left
    big = costcalc_cli("fit", "mobilenet_v2", "--max-macs", "150M", "-a", "0.25:1.24:0.01",
                       "-r", "96:393:3")
    assert big.returncode == 0 and "the table lists the" in big.stdout
    assert big.stdout.count("◆") == json.loads(costcalc_cli(
        "fit", "mobilenet_v2", "--max-macs", "150M", "-a", "0.25:1.24:0.01", "-r", "96:393:3",
        "-f", "json").stdout)["frontier"].__len__()
    for args, msg in ((("--max-macs", "lots"), "--max-macs: expected a count"),
                      (("--max-macs", "1M", "--alpha", "1:0.5:0.1"), "stops below its start"),
                      (("--max-macs", "1M", "--out", str(tmp_path / "x.gif")), "unknown chart format"),
                      ((), "give a budget: --max-macs COUNT, --max-params COUNT or both")):
        e = costcalc_cli("fit", "mobilenet_v1", *args)
        assert e.returncode == 2 and msg in e.stderr and "Traceback" not in e.stderr, e.stderr
    assert not (tmp_path / "x.gif").exists()


def test_fit_needs_no_torch_pandas_matplotlib(costcalc_cli):
    r = costcalc_cli("fit", "mobilenet_v2", "--max-macs", "150M", "-f", "json",
                     python_flags=("-X", "importtime"))
    assert r.returncode == 0
    mods = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if "|" in line}
    assert not mods & {"torch", "pandas", "matplotlib", "sympy"}
