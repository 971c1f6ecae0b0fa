"""`costcalc report`'s page in a real browser: Debian's Chromium, headless.

The page is loaded from disk (``file://``) with the flags that work as root on these machines;
``--dump-dom`` gives the DOM after the page's script ran, ``--screenshot`` a PNG. The α and ρ
sliders are moved through the URL fragment the page reads (``#alpha=0.5&resolution=160``: the
page sets both sliders from it, as a shared link does). Skipped, with the reason, where
Chromium is not installed (``apt-get install chromium``; ``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import run_costcalc

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))
                 if p), None)
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                                 "(apt-get install chromium): the browser tests of costcalc report skip")]
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio")


def chromium(url: str, *args: str, timeout: float = 60) -> str:
    with tempfile.TemporaryDirectory(prefix="costcalc-chromium-") as profile:
        r = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, url],
                           capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def dom(page: Path, fragment: str = "", *args: str) -> str:
    return chromium(page.as_uri() + (f"#{fragment}" if fragment else ""), "--dump-dom", *args)


def value(html: str, key: str) -> str:
    return re.search(rf'<data id="v-{re.escape(key)}" value="([^"]+)">', html).group(1)


def model(*args: str) -> dict:
    r = run_costcalc("model", *args, "-f", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def v2(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "mobilenet_v2.html"
    r = run_costcalc("report", "mobilenet_v2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_totals_in_the_rendered_dom(v2):
    html = dom(v2)
    assert 'data-ready="1"' in html  # the script ran to its end
    m = model("mobilenet_v2")
    assert int(value(html, "macs")) == m["macs"] == 300_774_272
    for conv, n in m["params_by_convention"].items():
        assert int(value(html, f"params.{conv}")) == n
    assert 'data-cell="exact"' in html
    assert 'aria-valuetext="α = 1.00"' in html


def test_alpha_slider_on_the_exact_grid(v2):
    html = dom(v2, "alpha=0.5&resolution=160")
    assert 'aria-valuetext="α = 0.50"' in html and 'aria-valuetext="160 px"' in html
    m = model("mobilenet_v2", "--alpha", "0.5", "--resolution", "160")
    assert int(value(html, "macs")) == m["macs"]
    assert int(value(html, "params.weights")) == m["params"]
    assert 'data-cell="exact"' in html and "every number below equals costcalc model" in html
    # the per-layer MACs the script wrote sum to the total, layer by layer as `model --per-layer`
    table = re.search(r'<table id="layer-table".*?</table>', html, re.S).group(0)
    macs = {i: int(v) for i, v in re.findall(r'<tr data-i="(\d+)"[^>]*>.*?data-f="macs" data-v="(\d+)"', table, re.S)}
    per = {l["id"]: l["macs"] for l in m["layers"]}
    ids = re.findall(r'<tr data-i="\d+"[^>]*><td class="num">\d+</td><th scope="row">([^<]+)</th>', table)
    assert sum(macs.values()) == m["macs"]
    assert [per[i] for i in ids] == list(macs.values())
    # the formula beside it, against `model --formula` at the same cell
    f = model("mobilenet_v2", "--formula", "--alpha", "0.5", "--resolution", "160")
    fm = Fraction(f["check"]["formula_macs"])
    assert f"The formula gives {int(fm):,} MACs here" in html  # 0.5·(16, 24, …) whole: an integer


def test_alpha_slider_off_the_grid_is_the_formula(v2):
    html = dom(v2, "alpha=0.53&resolution=200")
    f = model("mobilenet_v2", "--formula", "--alpha", "0.53", "--resolution", "200")
    fm = Fraction(f["check"]["formula_macs"])
    assert abs(Fraction(value(html, "macs")) - fm) < Fraction(1, 10**6)
    assert 'data-cell="formula"' in html and "not the rounded count" in html
    assert f["check"]["exact_macs"] != int(fm)  # and it is not the rounded count, as labelled


def test_formula_equal_to_exact_where_nothing_rounds(tmp_path):
    out = tmp_path / "v1.html"
    assert run_costcalc("report", "mobilenet_v1", "-o", str(out)).returncode == 0
    html = dom(out, "alpha=0.4375&resolution=192")  # 14/32: on the 1/32 lattice, off the grid
    m = model("mobilenet_v1", "--alpha", "0.4375", "--resolution", "192")
    f = model("mobilenet_v1", "--formula", "--alpha", "0.4375", "--resolution", "192")
    assert int(value(html, "macs")) == m["macs"] == Fraction(f["check"]["formula_macs"])
    assert 'data-cell="formula-exact"' in html


def test_readable_without_javascript(v2, tmp_path):
    # the page less its script, as a browser with JavaScript off shows it (Chromium's --dump-dom
    # needs scripts on itself)
    text = v2.read_text(encoding="utf-8")
    cut = text[:text.rindex("<script>")] + "</body></html>\n"
    nojs = tmp_path / "nojs.html"
    nojs.write_text(cut, encoding="utf-8")
    html = dom(nojs)
    assert 'data-ready="1"' not in html and 'class="js"' not in html
    assert int(value(html, "macs")) == 300_774_272
    assert html.count("<tr data-i=") == 64 and "By layer type (Table 2)" in html


def test_screenshot(v2, tmp_path):
    from PIL import Image, ImageStat

    png = tmp_path / "shot.png"
    chromium(v2.as_uri() + "#alpha=0.75&resolution=192", f"--screenshot={png}", "--window-size=1280,1400")
    assert png.stat().st_size > 20_000
    with Image.open(png) as im:
        assert im.size == (1280, 1400)
        grey = im.convert("L")
        assert ImageStat.Stat(grey).stddev[0] > 20  # a page, not a blank
        top = grey.crop((0, 0, 1280, 700))
        assert len(top.getcolors(maxcolors=1 << 16) or ()) > 50  # text, cards and the chart drawn


def test_profile_target_in_the_browser(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "tv.html"
    r = run_costcalc("report", "torchvision:mobilenet_v2", "-o", str(out))
    assert r.returncode == 0, r.stderr
    html = dom(out)
    assert 'data-ready="1"' in html and int(value(html, "macs")) == 300_774_272
    assert 'id="alpha"' not in html
