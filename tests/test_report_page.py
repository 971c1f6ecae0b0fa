"""`costcalc report`: the page's numbers, its self-containment, the CLI around it (no browser;
tests/test_report_browser.py loads the pages in Chromium)."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import run_costcalc
from costcalc.archs import resolve_model
from costcalc.footprint import materialized
from costcalc.formula import formula
from costcalc.report.page import analytic_page, page_json, poly_terms, typical_layer
from costcalc.report.page_html import render
from costcalc.resolve import PARAM_CONVENTIONS


@pytest.fixture(scope="module")
def v2(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "v2.html"
    r = run_costcalc("report", "mobilenet_v2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out.read_text(encoding="utf-8"), r


def page_data(text: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="costcalc-data">(.*?)</script>',
                                text, re.S).group(1))


def card(text: str, key: str) -> int:
    return int(re.search(rf'<data id="v-{re.escape(key)}" value="(\d+)">([\d,]+)</data>', text).group(1))


def test_static_totals_equal_model(v2):
    text, r = v2
    m = json.loads(run_costcalc("model", "mobilenet_v2", "-f", "json").stdout)
    assert card(text, "macs") == m["macs"] == 300_774_272
    for conv, value in m["params_by_convention"].items():
        assert card(text, f"params.{conv}") == value
    assert "300,774,272" in text  # readable without the script
    assert card(text, "memory") == materialized(resolve_model("mobilenet_v2")).peak.bytes == 401_408
    assert re.search(r"wrote .*v2\.html \(report page, \d+ KB\)", r.stderr)


def test_self_contained_and_small(v2):
    text, _ = v2
    assert len(text.encode()) < 400_000  # "a few hundred KB at most"
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    # nothing to fetch: no external script, stylesheet, image, font or frame
    assert not re.search(r'<(script|link|img|iframe|source|video|audio)\b[^>]*\s(src|href)=', text, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", text, re.I)
    assert not re.search(r"@import|@font-face", text)
    assert "<table" in text and "layer-table" in text and "type-table" in text
    assert "@media print" in text


def test_published_figures_with_status(v2):
    text, _ = v2
    d = page_data(text)
    at_base = [p for p in d["published"] if p["alpha"] == 1 and p["resolution"] == 224 and p["kind"] == "model"]
    assert {(p["published"], p["status"]) for p in at_base} >= {("300M", "truncated"), ("3.4M", "truncated")}
    assert 'class="status s-erratum"' in text  # the 1.4 row of Table 4 (585M) is an erratum


def _grid_cell(g, ia, ir):
    """What the page's script computes on the grid, in Python: Σ channel · spatial per layer."""
    out = {}
    for f in ("macs", "params"):
        P = g["layer"][f]
        out[f] = sum(P["A"][ia][k] * P["S"][k][ir] for k in range(len(P["rows"])))
    return out


@pytest.mark.parametrize("name", ["mobilenet_v2", "mobilenet_v1", "shufflenet_v1_g3", "mobilenet_v3_small"])
def test_grid_is_the_exact_count(name):
    pg = analytic_page(name)
    g = pg.data["grid"]
    assert g is not None
    cells = [(0, 0), (len(g["alphas"]) - 1, len(g["resolutions"]) - 1), (len(g["alphas"]) // 3, 2)]
    for ia, ir in cells:
        a, r = g["alphas"][ia], g["resolutions"][ir]
        m = resolve_model(name, a, r)
        got = _grid_cell(g, ia, ir)
        assert got["macs"] == g["macs"][ia][ir] == m.macs, (a, r)
        assert got["params"] == g["params"]["weights"][ia][ir] == m.params()
        for conv in PARAM_CONVENTIONS:
            assert g["params"][conv][ia][ir] == m.params(conv)
        fp = materialized(m, "float16")
        assert g["memory"][ia][ir][0] == fp.peak.bytes
        row = pg.data["layers"][g["memory"][ia][ir][1]]
        assert row["id"] == fp.peak.largest.layer
        # shapes: channels per α, sides per resolution
        ids = [x["id"] for x in pg.data["layers"]]
        by = {l.id: l for l in m.layers}
        for i, lid in enumerate(ids):
            if lid in by and g["channels"][ia][i] is not None and len(by[lid].out_shape) == 3:
                ch, sd = g["channels"][ia][i], g["sides"][ir][i]
                assert (ch[1], *sd[1]) == by[lid].out_shape


def _poly(terms, alpha: Fraction, rho: Fraction) -> Fraction:
    mx = max(alpha, Fraction(1))
    return sum((Fraction(int(p), int(q)) * alpha**i * rho**j * mx**k for p, q, i, j, k in terms), Fraction(0))


@pytest.mark.parametrize("name,alpha,res", [("mobilenet_v2", "0.53", 200), ("mobilenet_v1", "0.75", 160),
                                            ("mobilenet_v3_large", "1.1", 256)])
def test_formula_data_is_the_formula(name, alpha, res):
    pg = analytic_page(name)
    F = pg.data["formula"]
    f = formula(name)
    a, rho = Fraction(alpha), Fraction(res, F["R"])
    want = f.value(f.macs, float(alpha), res)
    assert _poly(F["macs"], a, rho) == Fraction(int(want.p), int(want.q))
    per_layer = sum(_poly(row["macs"], a, rho) for row in F["rows"] if row)
    assert per_layer == _poly(F["macs"], a, rho)  # the per-layer closed forms sum to the total
    for conv in PARAM_CONVENTIONS:
        w = f.value(f.params[conv], float(alpha), res)
        assert _poly(F["params"][conv], a, rho) == Fraction(int(w.p), int(w.q))


def test_poly_terms_refuses_what_it_cannot_write():
    import sympy as sp

    from costcalc.symbolic import alpha, rho

    got = {tuple(t) for t in poly_terms(3 * alpha**2 * rho**2 + sp.Rational(1, 2) * sp.Max(1, alpha) + 7)}
    assert got == {("3", "1", 2, 2, 0), ("1", "2", 0, 0, 1), ("7", "1", 0, 0, 0)}
    with pytest.raises(ValueError):
        poly_terms(sp.sqrt(alpha))


def test_typical_layer_is_the_papers_table3_layer():
    pg = analytic_page("mobilenet_v1")
    d = pg.derivation
    assert (d["Dk"], d["M"], d["N"], d["Df"], d["count"]) == (3, 512, 512, 14, 5)
    values = {st["name"]: st["value"] for st in d["steps"]}
    assert values["MACs(standard)"] == "462,422,016"  # 3*3*512*512*14*14
    assert values["MACs(separable)"] == "52,283,392"  # 3*3*512*14*14 + 512*512*14*14
    assert values["ratio"].startswith("521/4,608")  # 1/512 + 1/9
    assert all(st["checked"] is not False for st in d["steps"])


def test_typical_layer_without_depthwise_convs():
    d = analytic_page("vgg16").derivation
    assert d["separable"] is False and d["Dk"] == 3
    recs = [{"id": "a", "kind": "conv", "type": "pointwise", "k": 1, "c_in": 8, "c_out": 8, "side": 4, "macs": 1}]
    assert typical_layer(recs) is None


def test_no_js_page_holds_every_layer(v2):
    text, _ = v2
    m = resolve_model("mobilenet_v2")
    rows = [l for l in m.layers if l.kind not in ("batch_norm", "activation", "flatten")]
    body = re.search(r'<table id="layer-table".*?</table>', text, re.S).group(0)
    assert len(re.findall(r"<tr data-i=", body)) == len(rows)
    for l in rows:
        assert f'<th scope="row">{l.id}</th>' in body
    macs = [int(x) for x in re.findall(r'data-f="macs" data-v="(\d+)"', body)]
    assert sum(macs) == m.macs


def test_json_is_safe_inside_script():
    pg = analytic_page("mobilenet_v1")
    pg.data["title"] = "</script><script>alert(1)</script>"
    assert "</script>" not in page_json(pg)
    assert "</script><script>alert" not in render(pg).split('id="costcalc-data">')[1].split("</script>")[0]


def test_cli_errors_are_one_line(tmp_path):
    cases = [
        (("report", "mobilenet_v2", "--out", str(tmp_path / "x.png")), "a report is an HTML page"),
        (("report", "mobilenet_v2", "--out", str(tmp_path / "nope" / "x.html")), "does not exist"),
        (("report", "mobilenet_v2", "--input", "1,3,224,224", "-o", str(tmp_path / "x.html")), "--input applies"),
        (("report", "nosuch_net", "-o", str(tmp_path / "x.html")), "unknown model"),
        (("report", "mobilenet_v2", "--alpha", "0", "-o", str(tmp_path / "x.html")), "alpha"),
        (("report", "mobilenet_v2", "--peak-gflops", "100", "-o", str(tmp_path / "x.html")), "both"),
        (("report", "mobilenet_v2"), "--out"),
    ]
    for argv, words in cases:
        r = run_costcalc(*argv)
        assert r.returncode == 2, (argv, r.stderr)
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("costcalc: error:") and words in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_replaces_an_existing_page_whole(tmp_path):
    out = tmp_path / "p.html"
    out.write_text("old")
    r = run_costcalc("report", "mobilenet_v1", "-o", str(out), "--alpha", "0.5", "--resolution", "160")
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert text.endswith("</html>\n") and card(text, "macs") == resolve_model("mobilenet_v1", 0.5, 160).macs
    assert [p.name for p in tmp_path.iterdir()] == ["p.html"]  # no temp file left


def test_analytic_page_imports_no_torch(tmp_path):
    out = tmp_path / "p.html"
    code = ("import sys; from costcalc.cli import main\n"
            "try:\n    main(['report', 'mobilenet_v1', '-o', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "bad = [m for m in ('torch', 'pandas') if m in sys.modules]\nprint(bad)")
    import subprocess
    import sys

    from conftest import cli_env

    r = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, env=cli_env())
    assert r.stdout.strip() == "[]", r.stdout + r.stderr
    assert out.is_file()


def test_spec_file_and_options(tmp_path):
    out = tmp_path / "d.html"
    r = run_costcalc("report", "dense2_mobilenet", "--growth-rate", "16", "--alpha", "0.5", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert card(out.read_text(), "macs") == resolve_model("dense2_mobilenet", 0.5, growth_rate=16).macs
    out = tmp_path / "e.html"
    r = run_costcalc("report", "examples/specs/efficientnet_b0.toml", "--rho", "0.5", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert card(out.read_text(), "macs") == resolve_model("examples/specs/efficientnet_b0.toml", rho=0.5).macs


def test_profile_target_page(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "tv.html"
    r = run_costcalc("report", "torchvision:mobilenet_v2", "-o", str(out), "--peak-gflops", "768",
                     "--bandwidth-gbs", "51.2")
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    prof = json.loads(run_costcalc("profile", "torchvision:mobilenet_v2", "-f", "json").stdout)
    assert card(text, "macs") == prof["total"] == 300_774_272
    assert card(text, "params.all") == prof["params"] == 3_504_872  # torchvision's num_params
    assert card(text, "memory") == prof["peak_activation_bytes"]
    d = page_data(text)
    assert d["grid"] is None and d["formula"] is None and 'id="alpha"' not in text  # no sliders
    assert any(p["published"] == "3504872" and p["status"] == "exact" for p in d["published"])
    assert 'id="roofline"' in text and "<svg" in text.split('id="roofline"')[1]
    assert len(text.encode()) < 400_000


def test_roofline_for_a_registered_network(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "r.html"
    r = run_costcalc("report", "mobilenet_v1", "--alpha", "0.5", "--peak-gflops", "100", "--bandwidth-gbs",
                     "10", "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert 'id="roofline"' in text and "ridge 10 FLOP/byte" in text
    assert card(text, "macs") == resolve_model("mobilenet_v1", 0.5).macs
