"""Registered architectures against the papers: exact integers pinned, published figures checked
by the rounding the papers use, and every known discrepancy tied to the number that explains it.

Sources: MobileNet v1 (arXiv 1704.04861) Tables 2, 4-9; MobileNet v2 (arXiv 1801.04381) Table 4
and §3.3; MobileNet v3 (arXiv 1905.02244) Tables 1-3 and torchvision's published parameter counts
for its mobilenet_v3_large / _small weights (5,483,032 and 2,542,856); GoogLeNet (arXiv 1409.4842) Table 1; VGG (arXiv 1409.1556) configuration D.
No torch here: everything is the resolved spec (costcalc.resolve).
"""

from __future__ import annotations

import math

import pytest

from costcalc.archs import ARCHS, resolve_model
from costcalc.archs.spec import loads
from costcalc.archs.published import EXPLAINED, PUBLISHED, V1_TABLE2
from costcalc.errors import CostcalcError
from costcalc.report.model_views import by_type, explanation
from costcalc.resolve import Resolved, Resolver

M = 1_000_000
FC_1000 = 1024 * 1000  # MobileNet v1's classifier: 1,024,000 MACs and weights


def _macs_of(m: Resolved, kind: str) -> int:
    return sum(l.cost.macs for l in m.layers if l.kind == kind)


# -- MobileNet v1: Tables 6, 7, 9 -------------------------------------------------------------

# alpha, resolution, exact MACs, exact weights (conv + FC weights, no bias, no BN)
V1_EXACT = [
    (1.0, 224, 568_740_352, 4_209_088),
    (0.75, 224, 325_400_448, 2_568_144),
    (0.5, 224, 149_497_088, 1_319_648),
    (0.25, 224, 41_030_272, 463_600),
    (1.0, 192, 418_121_728, 4_209_088),
    (1.0, 160, 290_675_200, 4_209_088),
    (1.0, 128, 186_400_768, 4_209_088),
    (0.5, 160, 76_524_800, 1_319_648),
]


@pytest.mark.parametrize("alpha,res,macs,params", V1_EXACT)
def test_mobilenet_v1_exact(alpha, res, macs, params):
    m = resolve_model("mobilenet_v1", alpha=alpha, resolution=res)
    assert m.macs == macs
    assert m.params() == params


@pytest.mark.parametrize("ref", PUBLISHED["mobilenet_v1"], ids=lambda r: f"a{r.alpha:g}-{r.resolution}")
def test_mobilenet_v1_published(ref):
    m = resolve_model("mobilenet_v1", alpha=ref.alpha, resolution=ref.resolution)
    # Every printed mult-add figure is within 1M of the exact count ...
    assert abs(m.macs / M - ref.macs_m) < 1
    # ... and params agree to the digits printed (1.32 in Table 9, one decimal elsewhere).
    digits = len(str(ref.params_m).split(".")[1])
    assert round(m.params() / M, digits) == ref.params_m


def test_mobilenet_v1_table7_160_is_truncated_not_rounded():
    # 290,675,200 → 290.68M rounds to 291 but the paper prints 290: Table 7 truncates here
    # (569 = round(568.74), 418 = round(418.12), 186 = round(186.40) all agree either way).
    m = resolve_model("mobilenet_v1", resolution=160)
    assert round(m.macs / M) == 291
    assert m.macs // M == 290
    for res, printed in ((224, 569), (192, 418), (128, 186)):
        assert round(resolve_model("mobilenet_v1", resolution=res).macs / M) == printed


def test_mobilenet_v1_rho_equals_resolution():
    # ρ = 0.714 → round(224·0.714) = round(159.94) = 160 px, Table 7's 160 row.
    assert resolve_model("mobilenet_v1", rho=0.714).resolution == 160
    assert resolve_model("mobilenet_v1", rho=0.714).macs == 290_675_200


def test_mobilenet_v1_width_scales_roughly_as_alpha_squared():
    base = resolve_model("mobilenet_v1").macs
    for alpha in (0.75, 0.5, 0.25):
        ratio = resolve_model("mobilenet_v1", alpha=alpha).macs / base
        # the 3-channel input conv and 1000-way FC do not scale with α², so only roughly
        assert 0.8 * alpha**2 < ratio < 1.3 * alpha**2


def test_mobilenet_v1_resolution_scales_exactly_as_side_squared_minus_fc():
    # Every conv's output side is res/2^k, so conv MACs scale by (res/224)²; the FC does not.
    # 128 px: (568,740,352 − 1,024,000)·(128/224)² = 567,716,352·16/49 = 185,376,768 (+ FC).
    convs224 = resolve_model("mobilenet_v1").macs - FC_1000
    for res in (192, 160, 128):
        convs = resolve_model("mobilenet_v1", resolution=res).macs - FC_1000
        assert convs * 224**2 == convs224 * res**2


def test_mobilenet_v1_table1_layout():
    m = resolve_model("mobilenet_v1")
    mac_layers = [l for l in m.layers if l.kind in ("conv2d", "linear")]
    assert len(mac_layers) == 28  # conv1 + 13 × (dw, pw) + FC, dw and pw counted separately
    # Table 1's erratum: the last depthwise conv is stride 1, so the pool sees 7×7×1024.
    assert m.layer("b13_dw").args["stride"] == 1
    assert m.layer("pool").in_shape == (1024, 7, 7)
    # conv1 MACs: 3·3·3·32·112·112 = 10,838,016
    assert m.layer("conv1").cost.macs == 3 * 3 * 3 * 32 * 112 * 112 == 10_838_016


# -- MobileNet v1 variants: Tables 4, 5 ------------------------------------------------------

def test_full_conv_mobilenet_table4():
    m = resolve_model("mobilenet_v1_conv")
    assert m.macs == 4_867_293_184
    assert m.params() == 29_281_120
    assert round(m.params() / M, 1) == 29.3
    # Table 4 prints 4866: the convolutions alone, without the FC's 1,024,000 MACs.
    assert _macs_of(m, "linear") == FC_1000
    assert round((m.macs - FC_1000) / M) == 4866
    assert round(m.macs / M) == 4867  # with the FC it would be 4867
    assert f"{m.macs - FC_1000:,}" in EXPLAINED["mobilenet_v1_conv"]  # 4,866,269,184


def test_shallow_mobilenet_table5():
    m = resolve_model("mobilenet_v1_shallow")
    assert m.macs == 307_323_392
    assert m.params() == 2_875_328
    assert round(m.macs / M) == 307 and round(m.params() / M, 1) == 2.9
    # Five 14×14×512 separable blocks removed, each dw 3·3·512·14·14 + pw 512·512·14·14:
    # 5·(903,168 + 51,380,224) = 261,416,960 = 568,740,352 − 307,323,392.
    assert resolve_model("mobilenet_v1").macs - m.macs == 5 * (9 * 512 + 512 * 512) * 14 * 14
    assert sum(l.kind in ("conv2d", "linear") for l in m.layers) == 28 - 10


# -- MobileNet v2 -----------------------------------------------------------------------------

def test_mobilenet_v2_exact():
    m = resolve_model("mobilenet_v2")
    assert m.macs == 300_774_272
    assert m.params() == 3_469_760
    # torchvision's mobilenet_v2 reports 3,504,872 parameters: weights + the classifier's
    # 1000 biases + BN γ, β (the 'bn' convention).
    assert m.params("bias") == 3_469_760 + 1000
    assert m.params("bn") == 3_504_872
    # The paper's 3.4M is 3.47M truncated, not rounded (rounding gives 3.5M).
    assert abs(m.params() / M - 3.4) < 0.1
    assert math.floor(m.params() / 100_000) / 10 == 3.4
    assert round(m.macs / M) == 301 and m.macs // M == 300  # the paper's 300M, truncated too


def test_mobilenet_v2_block_cost_formula_section_3_3():
    # §3.3: a bottleneck costs h·w·d'·t·(d' + k² + d'') — exact when stride 1 (expand, dw and
    # project all at h×w). Block 3: 24 → 24 at 56×56, t = 6: 56·56·24·6·(24+9+24) = 25,740,288.
    m = resolve_model("mobilenet_v2")
    block = sum(m.layer(f"b3_{p}").cost.macs for p in ("expand", "dw", "project"))
    assert block == 56 * 56 * 24 * 6 * (24 + 9 + 24) == 25_740_288
    # With stride 2 (block 2: 16 → 24, 112 → 56) the formula over-counts dw and project at 112².
    b2 = sum(m.layer(f"b2_{p}").cost.macs for p in ("expand", "dw", "project"))
    assert b2 < 112 * 112 * 16 * 6 * (16 + 9 + 24)
    assert b2 == 112 * 112 * 16 * 96 + 56 * 56 * 96 * (9 + 24)


@pytest.mark.parametrize("alpha,first,last", [(0.35, 16, 1280), (0.5, 16, 1280), (0.75, 24, 1280),
                                              (1.0, 32, 1280), (1.4, 48, 1792)])
def test_mobilenet_v2_width_rounding(alpha, first, last):
    # make_divisible(32·α, 8): 0.35 → 11.2 → 8, below 90% of 11.2, so 16; 0.75 → 24; 1.4 → 44.8 → 48.
    # The last conv stays 1280 for α ≤ 1; 1.4 → 1792.
    m = resolve_model("mobilenet_v2", alpha=alpha)
    assert m.layer("conv1").args["c_out"] == first
    assert m.layer("conv_last").args["c_out"] == last
    assert all(l.args["c_out"] % 8 == 0 for l in m.layers if l.kind == "conv2d")


def test_mobilenet_v2_width_1_4_explained():
    m = resolve_model("mobilenet_v2", alpha=1.4)
    assert (m.macs, m.params()) == (582_195_824, 6_059_840)
    text = EXPLAINED["mobilenet_v2@1.4"]
    assert f"{round(m.macs / M)}M" in text and f"{round(m.params() / M, 2)}M" in text
    ref = next(r for r in PUBLISHED["mobilenet_v2"] if r.alpha == 1.4)
    assert round(m.macs / M) != ref.macs_m  # not reproduced: that is why it is explained


# -- MobileNet v3 -----------------------------------------------------------------------------

@pytest.mark.parametrize("name,macs,weights,bias,bn,paper_macs,paper_params", [
    ("mobilenet_v3_large", 216_589_760, 5_451_272, 5_458_632, 5_483_032, 219, 5.4),
    ("mobilenet_v3_small", 56_510_400, 2_525_832, 2_530_744, 2_542_856, 56, 2.5),
])
def test_mobilenet_v3_exact(name, macs, weights, bias, bn, paper_macs, paper_params):
    m = resolve_model(name)
    assert (m.macs, m.params(), m.params("bias"), m.params("bn")) == (macs, weights, bias, bn)
    # torchvision's weights metadata: num_params 5,483,032 (large) and 2,542,856 (small), and
    # "_ops" 0.217 / 0.057 GFLOPS: the same architecture, to the parameter.
    assert round(m.macs / 1e9, 3) == {"mobilenet_v3_large": 0.217, "mobilenet_v3_small": 0.057}[name]
    ref = PUBLISHED[name][0]
    assert (ref.macs_m, ref.params_m) == (paper_macs, paper_params)
    assert math.floor(m.params() / 100_000) / 10 == paper_params  # the papers truncate (v2: 3.4M)


def test_mobilenet_v3_small_reproduces_the_paper_large_is_explained():
    small, large = resolve_model("mobilenet_v3_small"), resolve_model("mobilenet_v3_large")
    # 56,510,400: 56M truncated, as the v2 paper truncates 300,774,272 to 300M
    assert small.macs // M == 56 and explanation(small) is None
    assert large.macs // M == 216 and round(large.macs / M) == 217  # 219 either way: explained
    text = explanation(large)
    assert f"{large.macs:,}" in text and "5,483,032" in text and f"{large.params():,}" in text
    ops = {act: sum(l.cost.ops for l in large.layers if l.act == act) for act in ("hardswish",)}
    scale = sum(l.cost.ops for l in large.layers if l.kind == "scale")
    assert f"{ops['hardswish']:,}" in text and f"{scale:,}" in text


def test_mobilenet_v3_blocks():
    m = resolve_model("mobilenet_v3_large")
    ids = {l.id for l in m.layers}
    # block 1 (16 → 16, expansion 16): no expand conv, a residual; block 2 (stride 2): none
    assert "b1_expand" not in ids and "b1_add" in ids and "b2_add" not in ids
    # block 4: 5×5 depthwise over 72 channels at stride 2, 56 → 28: 5·5·72·28·28 = 1,411,200
    dw = m.layer("b4_dw")
    assert dw.cost.macs == 25 * 72 * 28 * 28 == 1_411_200 and dw.tag == "Conv DW 5×5"
    # its squeeze-and-excite: 72 // 4 = 18 → make_divisible(18, 8) = 24 (16 < 0.9·18, so 24);
    # reduce 72·24 and expand 24·72 at 1×1, with biases; the gate scales 72·28·28 = 56,448 values
    assert m.layer("b4_se_reduce").cost.macs == 72 * 24 and m.layer("b4_se_reduce").cost.bias == 24
    assert m.layer("b4_se_expand").cost.macs == 24 * 72 and m.layer("b4_se_expand").cost.bias == 72
    assert m.layer("b4_se_hardsigmoid").act == "hardsigmoid"
    scale = m.layer("b4_se_scale")
    assert scale.inputs == ("b4_dw_relu", "b4_se_hardsigmoid") and scale.cost.ops == 56_448
    assert m.layer("b4_project").inputs == ("b4_se_scale",)
    # the head: 1×1 conv to 6·160 = 960, pool, FC 960 → 1280 (h-swish), FC 1280 → 1000
    assert m.layer("conv_last").args["c_out"] == 960
    assert m.layer("fc1").cost.macs == 960 * 1280 and m.layer("fc").cost.macs == 1280 * 1000
    assert sum(l.id.endswith("_se_scale") for l in m.layers) == 8  # SE in 8 of 15 blocks
    assert sum(l.id.endswith("_se_scale") for l in resolve_model("mobilenet_v3_small").layers) == 9


@pytest.mark.parametrize("name,alpha,first,last_conv,head", [
    ("mobilenet_v3_large", 0.75, 16, 720, 960),   # 16·0.75 = 12 → 16; 160·0.75 = 120, ×6; 1280·0.75
    ("mobilenet_v3_large", 1.25, 24, 1200, 1600),  # 20 → 24; 200 → 200, ×6; 1600
    ("mobilenet_v3_small", 0.5, 8, 288, 512),     # 8; 96·0.5 = 48, ×6; 1024·0.5
])
def test_mobilenet_v3_width(name, alpha, first, last_conv, head):
    # torchvision's _width_mult: make_divisible(c·α, 8) on every channel count, the head too
    m = resolve_model(name, alpha=alpha)
    assert m.layer("conv1").args["c_out"] == first
    assert m.layer("conv_last").args["c_out"] == last_conv
    assert m.layer("fc1").args["out_features"] == head
    assert all(l.args["c_out"] % 8 == 0 for l in m.layers if l.kind == "conv2d")


def test_mobilenet_v2_residuals():
    m = resolve_model("mobilenet_v2")
    adds = [l for l in m.layers if l.kind == "add"]
    # (t,c,n,s) rows: a residual in every repeat after the first: 1+2+3+2+2+0 = 10
    assert len(adds) == sum(n - 1 for n in (1, 2, 3, 4, 3, 3, 1)) == 10
    assert not any(l.id.startswith("b1_expand") for l in m.layers)  # t = 1: no expansion


# -- VGG-16 and GoogLeNet: Table 8 ----------------------------------------------------------

def test_vgg16_table8():
    m = resolve_model("vgg16")
    convs, fcs = _macs_of(m, "conv2d"), _macs_of(m, "linear")
    assert m.macs == 15_470_264_320
    assert m.params() == 138_344_128
    assert m.params("bias") == 138_357_544  # torchvision's vgg16
    assert convs == 15_346_630_656
    # FC: 7·7·512·4096 + 4096·4096 + 4096·1000 = 102,760,448 + 16,777,216 + 4,096,000
    assert fcs == 123_633_664 == 7 * 7 * 512 * 4096 + 4096 * 4096 + 4096 * 1000
    # Table 8's 15300M is the convolutions, to three figures; the whole net would be 15500M.
    assert round(convs, -8) == 15_300 * M
    assert round(m.macs, -8) == 15_500 * M
    assert round(m.params() / M) == 138
    assert f"{convs:,}" in EXPLAINED["vgg16"] and f"{fcs:,}" in EXPLAINED["vgg16"]


def test_googlenet_table8():
    m = resolve_model("googlenet")
    assert m.macs == 1_582_671_872
    assert m.params() == 6_990_272
    # next to 1550M / 6.8M: within 3% and 3%
    assert abs(m.macs / (1550 * M) - 1) < 0.03
    assert abs(m.params() / (6.8 * M) - 1) < 0.03


def test_googlenet_inception_3a_weights():
    # 192 in: 1×1 192·64 + 3×3r 192·96 + 3×3 9·96·128 + 5×5r 192·16 + 5×5 25·16·32 + proj 192·32
    # = 12,288 + 18,432 + 110,592 + 3,072 + 12,800 + 6,144 = 163,328 (GoogLeNet prints 159K).
    m = resolve_model("googlenet")
    weights = sum(l.cost.params for l in m.layers if l.id.startswith("i3a_"))
    assert weights == 163_328
    assert "163,328" in EXPLAINED["googlenet"]
    assert m.layer("i3a_out").out_shape == (64 + 128 + 32 + 32, 28, 28)


# -- Table 2: share by layer type -------------------------------------------------------------

def test_by_type_table2():
    m = resolve_model("mobilenet_v1")
    rows = {r["type"]: r for r in by_type(m)}
    assert set(rows) == set(V1_TABLE2)
    # exact per-type counts: 1×1 539,492,352; DW 17,385,984; 3×3 10,838,016; FC 1,024,000
    assert [rows[t]["macs"] for t in V1_TABLE2] == [539_492_352, 17_385_984, 10_838_016, 1_024_000]
    assert sum(r["macs"] for r in rows.values()) == m.macs
    assert sum(r["params"] for r in rows.values()) == m.params()
    for tag, (paper_macs, paper_params) in V1_TABLE2.items():
        r = rows[tag]
        assert round(100 * r["params_share"], 2) == paper_params, tag
        if tag == "Conv 3×3":
            # the one cell that does not reproduce: exact 1.91%, printed 1.19% (transposed)
            assert round(100 * r["macs_share"], 2) == 1.91
            assert paper_macs == 1.19
        else:
            assert round(100 * r["macs_share"], 2) == paper_macs, tag
        assert r["paper_macs_share"] == pytest.approx(paper_macs / 100)


def test_by_type_table2_inconsistency_is_in_the_paper():
    # Printed shares: 94.86 + 3.06 + 1.19 + 0.18 = 99.29; with 1.91 they reach 100.01 ≈ 100.
    printed = sum(v[0] for v in V1_TABLE2.values())
    assert round(printed, 2) == 99.29
    assert round(printed - 1.19 + 1.91, 2) == 100.01
    assert round(sum(v[1] for v in V1_TABLE2.values()), 2) == 100.0  # params column is fine
    rows = by_type(resolve_model("mobilenet_v1"))
    assert sum(r["macs_share"] for r in rows) == pytest.approx(1.0)
    assert sum(round(100 * r["macs_share"], 2) for r in rows) == pytest.approx(100.01)
    assert "1.91" in EXPLAINED["v1_table2"] and "99.29" in EXPLAINED["v1_table2"]


def test_by_type_has_paper_columns_only_for_v1():
    assert all("paper_macs_share" not in r for r in by_type(resolve_model("mobilenet_v2")))


def test_by_type_paper_columns_only_at_table2_setting():
    rows = by_type(resolve_model("mobilenet_v1", resolution=160))
    fc = next(r for r in rows if r["type"] == "FC")
    assert round(100 * fc["macs_share"], 2) == 0.35  # 1,024,000 / 290,675,200
    assert all("paper_macs_share" not in r for r in rows)


def test_explanations_at_the_published_setting():
    for name in ("mobilenet_v1_conv", "vgg16", "googlenet"):
        assert explanation(resolve_model(name))
    assert explanation(resolve_model("mobilenet_v2", alpha=1.4)) == EXPLAINED["mobilenet_v2@1.4"]
    assert explanation(resolve_model("mobilenet_v1", alpha=0.5)) is None


@pytest.mark.parametrize("name", ["vgg16", "mobilenet_v1_conv", "googlenet"])
def test_no_224px_explanation_at_other_resolutions(name):
    assert explanation(resolve_model(name, resolution=160)) is None


# -- Dense-MobileNet --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["dense1_mobilenet", "dense2_mobilenet"])
def test_dense_growth_rate_is_monotone(name):
    costs = [resolve_model(name, growth_rate=g) for g in (4, 8, 16, 32, 48, 64)]
    macs = [m.macs for m in costs]
    params = [m.params() for m in costs]
    assert macs == sorted(macs) and len(set(macs)) == len(macs)
    assert params == sorted(params) and len(set(params)) == len(params)
    assert costs[3].options == {"growth_rate": 32}
    assert resolve_model(name).macs == costs[3].macs  # default growth rate 32


@pytest.mark.parametrize("name", ["dense1_mobilenet", "dense2_mobilenet"])
def test_dense_cheaper_than_mobilenet(name):
    # The paper's claim: fewer parameters and mult-adds than MobileNet.
    v1, d = resolve_model("mobilenet_v1"), resolve_model(name)
    assert d.macs < v1.macs and d.params() < v1.params()


def test_dense2_connectivity():
    g = 32
    m = resolve_model("dense2_mobilenet")
    # 14×14 block, unit 5: the dw reads the block input (512) + 4 earlier pointwise outputs.
    dw = m.layer("d4_u5_dw")
    assert dw.args["c_in"] == 512 + 4 * g == 640 and dw.args["groups"] == 640
    assert dw.inputs == ("d4_u5_cat",)
    assert set(m.layer("d4_u5_cat").inputs) == {"d4_reduce_pw_relu", *(f"d4_u{u}_pw_relu" for u in range(1, 5))}
    # the pointwise conv reads only its own depthwise output and emits growth-rate channels
    pw = m.layer("d4_u5_pw")
    assert pw.inputs == ("d4_u5_dw_relu",) and pw.args["c_out"] == g
    # the last block's output (1024 + 32) is densely connected into the pool
    assert m.layer("pool").in_shape == (1024 + g, 7, 7)
    assert not any(l.kind == "avg_pool" for l in m.layers)  # no transition layers


def test_dense1_connectivity():
    g = 32
    m = resolve_model("dense1_mobilenet")
    # block 4 enters with block 3's 256 channels; unit 5 sees 256 + 4g = 384, its pw sees the
    # concatenation and its own dw output: 2·384 = 768; the compress conv sees 256 + 5g = 416.
    assert m.layer("d4_u5_dw").args["c_in"] == 256 + 4 * g
    assert m.layer("d4_u5_pw").args["c_in"] == 2 * (256 + 4 * g) == 768
    assert m.layer("d4_compress").args["c_in"] == 256 + 5 * g == 416
    assert m.layer("d4_compress").args["c_out"] == 512
    assert m.layer("d4_reduce_dw").args["stride"] == 2
    assert m.layer("pool").in_shape == (1024, 7, 7)


def _dense(*blocks: str, resolution=32, c0=24):
    """A stem conv, then the given [[layers]] bodies, built by the spec decoder."""
    text = f'name = "tiny"\n[[layers]]\nblock = "conv"\nid = "stem"\nc = {c0}\n'
    text += "".join(f"[[layers]]\n{b}\n" for b in blocks)
    r = Resolver(resolution=resolution, width_rule="none")
    loads(text).build(r)
    return r


def test_dense_block_and_transition_channels():
    c0, L, k = 24, 4, 12
    r = _dense(f'block = "dense_block"\nid = "db"\nunits = {L}\ngrowth = {k}',
               'block = "transition"\nid = "t1"',
               'block = "transition"\nid = "t2"\ncompression = 1.0', c0=c0)
    assert r.shape("db_out") == (c0 + L * k, 32, 32)  # 24 + 4·12 = 72
    # unit i reads c0 + (i−1)·k channels; its bottleneck emits 4k, its 3×3 conv emits k
    for i in range(1, L + 1):
        assert r.shape(f"db_u{i}_cat" if i > 1 else "stem_relu")[0] == c0 + (i - 1) * k
        assert r.shape(f"db_u{i}_bottleneck")[0] == 4 * k
        assert r.shape(f"db_u{i}_conv")[0] == k
    # bottleneck of unit 3: (24 + 2·12)·48·32·32 = 2,359,296 MACs
    assert next(l for l in r.layers if l.id == "db_u3_bottleneck").cost.macs == 48 * 48 * 32 * 32
    assert r.shape("t1_pool") == ((c0 + L * k) // 2, 16, 16)  # compression 0.5, side halved
    assert r.shape("t2_pool") == (36, 8, 8)


def test_dense_block_without_bottleneck():
    r = _dense('block = "dense_block"\nid = "db"\nunits = 3\ngrowth = 4\nbottleneck = 0',
               resolution=16, c0=8)
    assert r.shape("db_out") == (8 + 3 * 4, 16, 16)
    assert not any("bottleneck" in l.id for l in r.layers)
    # unit 2's 3×3 conv: 3·3·(8+4)·4·16·16 = 110,592
    assert next(l for l in r.layers if l.id == "db_u2_conv").cost.macs == 9 * 12 * 4 * 16 * 16


# -- registry and user errors ----------------------------------------------------------------

def test_registry_names():
    assert set(ARCHS) == {"mobilenet_v1", "mobilenet_v1_conv", "mobilenet_v1_shallow", "mobilenet_v2",
                          "mobilenet_v3_large", "mobilenet_v3_small",
                          "dense1_mobilenet", "dense2_mobilenet", "vgg16", "googlenet",
                          "squeezenet1_0", "squeezenet1_1", "alexnet", "alexnet_two_tower",
                          *(f"shufflenet_v1_g{g}" for g in (1, 2, 3, 4, 8))}


@pytest.mark.parametrize("name", list(ARCHS))
def test_every_arch_resolves_with_unique_ids(name):
    m = resolve_model(name)
    ids = [l.id for l in m.layers]
    assert len(ids) == len(set(ids)) and "input" not in ids
    # an FC, or (SqueezeNet) a 1×1 conv to the classes, pooled and flattened
    assert m.layers[-1].kind in ("linear", "flatten") and m.layers[-1].out_shape == (1000,)
    # ShuffleNet has no bias anywhere (its FC included, as in the authors' code)
    assert m.params("weights") <= m.params("bias") <= m.params("bn") <= m.params("bn_stats")
    assert m.params("weights") < m.params("bn_stats")
    seen = {"input"}
    for l in m.layers:  # every layer reads something computed before it
        assert set(l.inputs) <= seen, l.id
        seen.add(l.id)


@pytest.mark.parametrize("kwargs,message", [
    (dict(name="mobilnet_v1"), "did you mean 'mobilenet_v1'"),
    (dict(name="mobilenet_v1", alpha=0), "^alpha must be positive"),
    (dict(name="mobilenet_v1", alpha=-1), "^alpha must be positive"),
    (dict(name="mobilenet_v1", alpha=float("nan")), "^alpha must be positive"),
    (dict(name="mobilenet_v1", resolution=16), "too small"),
    (dict(name="vgg16", resolution=31), "too small"),
    (dict(name="mobilenet_v1", rho=0), "^rho must be positive"),
    (dict(name="mobilenet_v1", rho=0.5, resolution=112), "not both"),
    (dict(name="dense2_mobilenet", growth_rate=0), "^growth_rate must be positive"),
    (dict(name="dense1_mobilenet", growth_rate=-3), "^growth_rate must be positive"),
    (dict(name="mobilenet_v1", growth_rate=8), "does not apply"),
])
def test_bad_input(kwargs, message):
    name = kwargs.pop("name")
    with pytest.raises(CostcalcError, match=message.replace("(", r"\(")):
        resolve_model(name, **kwargs)


@pytest.mark.parametrize("kwargs", [dict(alpha=float("inf")), dict(rho=float("inf"))])
def test_infinite_multipliers_are_user_errors(kwargs):
    with pytest.raises(CostcalcError):
        resolve_model("mobilenet_v1", **kwargs)
