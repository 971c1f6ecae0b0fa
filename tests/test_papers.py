"""`costcalc papers`: every published cell has a status backed by a count, the errata reach the
commands where a user meets them, and docs/papers.md is the command's current output.

Published values are the data in costcalc.archs.published (each names its source); here they
are checked against costcalc's counts through costcalc.papers, and — where the reference
implementation is installed — against torchvision's and Keras' own figures.
"""

from __future__ import annotations

import dataclasses
import math
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from costcalc import papers
from costcalc.archs import resolve_build, resolve_model
from costcalc.archs import published as P
from costcalc.papers import classify
from costcalc.report.papers_views import papers_report
from costcalc.report.tables import render

ROOT = Path(__file__).resolve().parent.parent


# -- the statuses ------------------------------------------------------------------------------

def test_every_cell_has_a_status_a_note_and_a_source():
    cells = papers.cells()
    assert len(cells) == 214
    for c in cells:
        assert c.status in papers.STATUSES, c.id
        assert c.note and c.citation and c.published, c.id
        assert c.citation.split(",")[0] in {v[0] for v in P.SOURCES.values()}, c.citation
    # no cell is left unexplained: a new reference cell lands with its status or not at all
    assert [c.id for c in cells if c.status == "open"] == []
    s = papers.summary()
    assert s["percent_reproduced_or_explained"] == 100.0
    assert s["by_status"] == {"exact": 63, "rounded": 111, "truncated": 17, "explained": 12,
                              "erratum": 11, "open": 0}


def test_cell_ids_are_unique_and_name_their_source():
    ids = [c.id for c in papers.cells()]
    assert len(ids) == len(set(ids))
    assert {i.split(":")[0] for i in ids} == set(P.SOURCES)


@pytest.mark.parametrize("value,unit,printed,status", [
    (568_740_352, 1e6, "569", "rounded"),
    (290_675_200, 1e6, "290", "truncated"),  # 290.68 → 290: V1 Table 7 truncates here
    (76_524_800, 1e6, "76", "truncated"),
    (11_934_128, 1e6, "11", "truncated"),
    (56_510_400, 1e6, "56", "truncated"),
    (1_665_335_872, 1e6, "1700", "rounded"),  # to the hundreds: a figure ending in zeros
    (724_406_816, 1e6, "720", "rounded"),
    (3_968_208, 1e6, "4.0", "rounded"),  # the printed trailing zero is a decimal place
    (3_504_872, 1, "3504872", "exact"),
    (137_460_672, 1e6, "138", None),  # neither: no status by rounding
])
def test_classify(value, unit, printed, status):
    got = classify(value, unit, printed)
    assert (got and got[0]) == status


def test_truncation_is_said_per_cell():
    c = next(c for c in papers.cells() if c.id == "v1:Table 7:1.0 MobileNet-160:MACs")
    assert c.status == "truncated" and c.note == "290.68 → 290, truncated (rounding gives 291)"
    truncated = {c.id for c in papers.cells() if c.status == "truncated"}
    assert {"v1:Table 9:0.50 MobileNet-160:MACs", "v3:Table 3:V3-Small 1.0:MACs",
            "slim:Mobilenet V2 checkpoints:mobilenet_v2_0.35_96:MACs"} <= truncated


@pytest.fixture
def fresh_cells(monkeypatch):
    """papers.cells() rebuilt from the (patched) data, and rebuilt again after the test."""
    papers.cells.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    papers.cells.cache_clear()


def test_an_explanation_whose_count_does_not_reproduce_the_figure_is_refused(fresh_cells):
    cid = "v1:Table 4:Conv MobileNet:MACs"
    bad = dataclasses.replace(papers.OVERRIDES[cid], alt=lambda c: c.model.macs)  # with the FC: 4867
    fresh_cells.setitem(papers.OVERRIDES, cid, bad)
    with pytest.raises(AssertionError, match="does not give 4866"):
        papers.cells()


def test_a_cell_without_status_is_refused(fresh_cells):
    fresh_cells.setattr(P, "ROWS", P.ROWS + [dataclasses.replace(P.ROWS[0], row="made up", macs="123")])
    with pytest.raises(AssertionError, match="no explanation is recorded"):
        papers.cells()


def test_errata_and_explanations_are_the_known_ones():
    by = {c.id: c for c in papers.cells()}
    errata = {i for i, c in by.items() if c.status == "erratum"}
    assert errata == {
        "v1:Table 1:row 18:layer", "v1:Table 2:Conv 3×3:share of MACs", "v2:Table 4:MobileNetV1:MACs",
        "v2:Table 4:MobileNetV2 (1.4):MACs", "v2:Table 4:MobileNetV2 (1.4):params",
        "v3:Table 3:V3-Large 1.0:MACs", "megvii:Results:ShuffleNetV1 1.0x (group=3):MACs",
        *(f"slim:Mobilenet V3 checkpoints:Small dm={a} (float):{q}" for a in ("1", "0.75")
          for q in ("MACs", "params"))}
    assert "Correction: 569." in by["v2:Table 4:MobileNetV1:MACs"].note
    assert by["v1:Table 1:row 18:layer"].value == "Conv dw / s1 · 3×3×1024 dw · 7×7×1024"
    sq = by["v1:Table 9:Squeezenet:MACs"]
    assert sq.status == "explained" and "1,665,335,872" in sq.note  # FLOPs at 227 px


def test_shufflenet_table3_explained_by_g2_widths():
    c = next(c for c in papers.cells() if c.id == "v2:Table 3:shufflenet_v1_g3@2:max memory")
    assert c.value == 2 * 120 * 56 * 56 == 752_640  # g = 3: its largest tensor, first conv streamed
    assert "627,200" in c.note  # 2 × 100·56·56 (g = 2's widths) → 600K


# -- MobileNet v2 §3.3 over the network -------------------------------------------------------

def test_v2_block_formula_summed_over_the_network():
    bs = papers.v2_block_sum()
    b2 = bs.rows[1]  # 112·112·16·6·(16 + 9 + 24) = 59,006,976 by the formula
    assert b2["formula"] == 112 * 112 * 16 * 6 * (16 + 9 + 24)
    assert bs.formula_total == 347_672_640
    outside = sum(bs.outside.values())
    assert set(bs.outside) == {"conv1", "conv_last", "fc"}
    assert bs.formula_total + outside == 379_861_056  # the ≈379.9M hand sum
    assert bs.network == 300_774_272
    assert bs.formula_total - bs.blocks_exact == bs.stride2_overcount + bs.no_expand_overcount
    assert bs.no_expand_overcount == 32 * 32 * 112 * 112  # block 1 has no expand conv: 12,845,056
    assert all(r["gap"] == 0 for r in bs.rows if r["s"] == 1 and r["t"] > 1)


# -- the report and its page -------------------------------------------------------------------

def _render(fmt: str, **kw) -> str:
    buf = io.StringIO()
    with redirect_stdout(buf):
        render(papers_report(**kw), fmt)
    return buf.getvalue()


def test_docs_page_is_current():
    page = (ROOT / "docs" / "papers.md").read_text(encoding="utf-8")
    assert page == _render("markdown"), "regenerate: costcalc papers --format markdown > docs/papers.md"


def test_readme_links_the_page():
    assert "docs/papers.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_json_carries_cells_summary_and_notes():
    data = json.loads(_render("json"))
    assert data["summary"]["cells"] == len(data["cells"]) == 214
    assert any("379,861,056" in n for n in data["notes"])
    assert data["v2_block_sum"]["formula_total"] == 347_672_640
    assert {s["key"] for s in data["sources"]} == set(P.SOURCES)
    cell = next(c for c in data["cells"] if c["id"] == "v1:Table 7:1.0 MobileNet-160:MACs")
    assert cell["costcalc"] == 290_675_200 and cell["status"] == "truncated"


def test_filters(costcalc_cli):
    r = costcalc_cli("papers", "--source", "v2", "--status", "erratum", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert {c["id"] for c in data["cells"]} == {"v2:Table 4:MobileNetV1:MACs", "v2:Table 4:MobileNetV2 (1.4):MACs",
                                               "v2:Table 4:MobileNetV2 (1.4):params"}
    bad = costcalc_cli("papers", "--status", "wrong")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("costcalc: error: unknown --status 'wrong'") and len(bad.stderr.splitlines()) == 1


def test_papers_imports_no_torch(costcalc_cli):
    r = costcalc_cli("papers", python_flags=("-X", "importtime"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "100% reproduced or explained" in r.stdout
    modules = [line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")]
    assert "costcalc.papers" in modules
    assert not [m for m in modules if m == "torch" or m.startswith(("torch.", "pandas", "matplotlib"))]


# -- errata where a user meets them ------------------------------------------------------------

def _model_json(costcalc_cli, *args) -> dict:
    r = costcalc_cli("model", *args, "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_v1_stride_note_under_per_layer(costcalc_cli):
    r = costcalc_cli("model", "mobilenet_v1", "--per-layer")
    assert "it must be s1" in r.stdout and "Conv dw / s2" in r.stdout
    assert any("it must be s1" in n for n in _model_json(costcalc_cli, "mobilenet_v1", "--per-layer")["notes"])
    assert not any("must be s1" in n for n in _model_json(costcalc_cli, "mobilenet_v2", "--per-layer")["notes"])


def test_575m_note_wherever_v2_table4_is_cited(costcalc_cli):
    for args in (("mobilenet_v2",), ("shufflenet_v1_g3", "--alpha", "1.5")):
        notes = _model_json(costcalc_cli, *args)["notes"]
        assert any("575M" in n and "569M" in n for n in notes), args
    assert not any("575M" in n for n in _model_json(costcalc_cli, "mobilenet_v1")["notes"])
    r = costcalc_cli("models", "--format", "json")
    assert any("575M" in n for n in json.loads(r.stdout)["notes"])


def test_table2_note_in_json(costcalc_cli):
    notes = _model_json(costcalc_cli, "mobilenet_v1", "--by-type")["notes"]
    assert any("1.19%" in n and "1.91%" in n for n in notes)


def test_table3_note_cites_kb(costcalc_cli):
    data = _model_json(costcalc_cli, "mobilenet_v1", "--memory")
    assert data["memory"]["published_max"] == "1600K"
    assert any("1600K" in n and "1,605,632 bytes" in n for n in data["notes"])
    assert _model_json(costcalc_cli, "mobilenet_v2", "--memory")["memory"]["published_max"] == "400K"


# -- the reference implementations' own figures ------------------------------------------------

def test_keras_rounding_build_of_v3():
    # Keras / TF-slim's α rule at 0.75: 16-channel stem, 1280 head kept, expansions from ratios
    m = resolve_build("mobilenet_v3_large", 0.75, 224, P.KERAS_V3)
    assert m.layer("conv1").args["c_out"] == 16 and m.layer("fc1").args["out_features"] == 1280
    assert m.layer("b2_expand").args["c_out"] == 64  # 16 in × 64/16, not make_divisible(64·0.75) = 48
    assert resolve_model("mobilenet_v3_large", 0.75).layer("b2_expand").args["c_out"] == 48
    for name in ("mobilenet_v3_large", "mobilenet_v3_small"):  # the two rules agree at α = 1
        assert resolve_build(name, 1.0, 224, P.KERAS_V3).layers == resolve_model(name).layers


def test_published_torchvision_metadata_is_torchvisions():
    tv = pytest.importorskip("torchvision")
    for w, arch, num, ops in P._TORCHVISION:
        meta = getattr(tv.models, w).IMAGENET1K_V1.meta
        assert (str(meta["num_params"]), f"{meta['_ops']:g}") == (num, ops), w


def test_googlenet_torchvision_variant_equals_torchvision():
    torch = pytest.importorskip("torch")
    tv = pytest.importorskip("torchvision")
    from torch.utils.flop_counter import FlopCounterMode

    from costcalc.counting.verify import verify_model

    m = resolve_build("googlenet", 1.0, 160, P.TORCHVISION_BUILD["googlenet"])
    with torch.device("meta"):
        model = tv.models.googlenet(aux_logits=False, init_weights=False).eval()
    with FlopCounterMode(display=False) as fc:
        model(torch.empty(1, 3, 160, 160, device="meta"))
    assert fc.get_total_flops() == 2 * m.macs
    assert sum(p.numel() for p in model.parameters()) == m.params("bn") == 6_624_904
    assert verify_model(m).ok


def test_published_keras_counts_are_keras(monkeypatch):
    """Runs where Keras 3 is installed (KERAS_BACKEND=torch); the figures were taken from
    Keras 3.15.1 this way."""
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    for model, a, arch, total, trainable in P._KERAS:
        if model == "VGG16":
            continue  # 138M weights: too slow to build here
        k = getattr(keras.applications, model)(weights=None, alpha=a)
        assert str(k.count_params()) == total, (model, a)
        assert str(sum(math.prod(w.shape) for w in k.trainable_weights)) == trainable
