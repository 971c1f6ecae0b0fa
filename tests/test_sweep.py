"""costcalc.sweep: every cell of the closed form equals resolve_model (and the torch build), the
list syntax of --alpha / --resolution / --channels, and the data the charts draw."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costcalc import sweep as sweep_mod
from costcalc.archs import ARCHS, resolve_model
from costcalc.errors import CostcalcError
from costcalc.resolve import PARAM_CONVENTIONS
from costcalc.sweep import (parse_list, published_points, reference, scaling_law,
                            separable_ratio, sweep)


def _assert_exact(sw, growth_rate=None):
    for i, a in enumerate(sw.alphas):
        for j, r in enumerate(sw.resolutions):
            m = resolve_model(sw.model, a, r, growth_rate=growth_rate)
            assert int(sw.macs[i, j]) == m.macs, (sw.model, a, r)
            for conv in PARAM_CONVENTIONS:
                assert int(sw.params[conv][i, j]) == m.params(conv), (sw.model, a, r, conv)


# -- exactness --------------------------------------------------------------------------------

alphas_st = st.lists(st.one_of(st.integers(5, 200).map(lambda i: i / 100),
                               st.floats(0.05, 2.0, allow_nan=False)), min_size=1, max_size=3)
resolutions_st = st.lists(st.integers(32, 400), min_size=1, max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(["mobilenet_v1", "mobilenet_v2"]), alphas=alphas_st,
       resolutions=resolutions_st)
def test_random_cells_equal_resolve_model(name, alphas, resolutions):
    sw = sweep(name, alphas, resolutions)
    assert sw.method == "closed form"
    _assert_exact(sw)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(ARCHS)), alphas=alphas_st, resolutions=resolutions_st)
def test_every_architecture_exact(name, alphas, resolutions):
    resolutions = [max(r, ARCHS[name].min_side) for r in resolutions]  # AlexNet needs 63 / 67 px
    sw = sweep(name, alphas, resolutions)
    # MobileNet v3 drops a block's expansion conv where α makes it as wide as its input (and
    # torchvision does too), so its layer set can move with α: then every cell is resolved
    layer_sets = {tuple(l.id for l in resolve_model(name, a, resolutions[0]).layers) for a in alphas}
    assert sw.method == "closed form" or len(layer_sets) > 1
    _assert_exact(sw)


def test_v3_layer_set_moves_with_alpha_and_the_sweep_resolves_every_cell():
    # v3 Small's block 3 expands 24 → 88 channels; at α = 0.05 both round up to 8
    # (make_divisible(1.2, 8) = make_divisible(4.4, 8) = 8), so the block has no expand conv
    ids = [{l.id for l in resolve_model("mobilenet_v3_small", a, 32).layers} for a in (0.05, 1.0)]
    assert "b3_expand" in ids[1] and "b3_expand" not in ids[0]
    sw = sweep("mobilenet_v3_small", [0.05, 1.0], [32, 224])
    assert sw.method == "per cell"
    _assert_exact(sw)


def test_growth_rate_passes_through():
    sw = sweep("dense2_mobilenet", [0.5, 1.0], [160, 224], growth_rate=16)
    assert sw.options == {"growth_rate": 16}
    _assert_exact(sw, growth_rate=16)


def test_paper_grid_mobilenet_v1():
    sw = sweep("mobilenet_v1", [1.0, 0.75, 0.5, 0.25], [224, 192, 160, 128])
    # the paper's Table 6 / 7 cells, as `costcalc model` counts them
    assert sw.cell(1.0, 224) == (568_740_352, 4_209_088)
    assert sw.cell(0.5, 160) == (76_524_800, 1_319_648)
    assert sw.resolves == 4 + 1  # one per α at 224, and 128 to check the vector pass
    assert sw.cells == 16


@pytest.mark.parametrize("name, alpha, resolution", [
    ("mobilenet_v1", 0.5, 160),
    ("mobilenet_v2", 0.35, 128),
    ("mobilenet_v2", 1.4, 224),
])
def test_cells_equal_torch_hook_count(name, alpha, resolution):
    pytest.importorskip("torch")
    from costcalc.counting import hooks
    from costcalc.nn.build import build_model

    sw = sweep(name, [1.0, alpha], [224, resolution])  # the cell is not the reference one
    macs, weights = sw.cell(alpha, resolution)
    model = build_model(resolve_model(name, alpha, resolution))
    counter = hooks.count(model, (1, 3, resolution, resolution))
    assert not counter.unsupported
    assert counter.total_macs == macs
    assert sum(r.cost.params for r in counter.records) == weights
    torch_params = sum(p.numel() for p in model.parameters())
    assert torch_params == sw.cell(alpha, resolution, "bn")[1]  # weights + bias + BN γ, β


def test_per_cell_fallback_is_exact(monkeypatch):
    # a kind outside the factored set that carries a count voids the closed form
    monkeypatch.setattr(sweep_mod, "_FACTORED", {k: v for k, v in sweep_mod._FACTORED.items()
                                                 if k != "batch_norm"})
    sw = sweep("mobilenet_v2", [0.5, 1.0], [128, 224])
    assert sw.method == "per cell"
    assert sw.resolves == 4
    _assert_exact(sw)
    from costcalc.cli.sweep import _sweep_report

    note = _sweep_report(sw, "weights").notes[1]  # one parenthesis, not "(resolved … (4 resolves))"
    assert note.endswith("--resolution R` (resolved cell by cell: 4 resolves)."), note


_REPLAY = sweep_mod._replay_sides


def _no_replay(m, resolutions):
    return None


def _wrong_replay(m, resolutions):
    terms = _REPLAY(m, resolutions)
    terms[0][-1] += 1  # the first conv, off by one at the largest resolution
    return terms


@pytest.mark.parametrize("replay", [_no_replay, _wrong_replay])
def test_spatial_terms_fall_back_to_resolving_each_resolution(monkeypatch, replay):
    monkeypatch.setattr(sweep_mod, "_replay_sides", replay)
    sw = sweep("mobilenet_v2", [0.5, 1.0], [128, 160, 192, 224])
    assert sw.method == "closed form"
    assert sw.resolves == 2 + 4 - 1  # every resolution resolved
    _assert_exact(sw)


def test_huge_counts_stay_exact():
    # 1e6 × VGG-16 at 4096 px overflows int64: Python ints take over
    sw = sweep("vgg16", [1.0, 1e6], [224, 4096])
    assert sw.macs.dtype == object
    _assert_exact(sw)
    assert sweep("vgg16", [1.0], [224]).macs.dtype.kind == "i"


def test_frame_and_rows():
    sw = sweep("mobilenet_v1", [0.25, 1.0], [128, 224])
    df = sw.frame()
    assert list(df.columns) == ["alpha", "resolution", "macs", "params"]
    assert len(df) == 4
    rows = sw.rows()
    assert rows == [{k: (float(v) if k == "alpha" else int(v)) for k, v in r.items()}
                    for r in df.to_dict("records")]
    assert rows[-1] == {"alpha": 1.0, "resolution": 224, "macs": 568_740_352, "params": 4_209_088}
    assert all(type(v) is int for r in rows for k, v in r.items() if k != "alpha")


def test_progress_hook_counts_resolves():
    seen = []
    sw = sweep("mobilenet_v1", [0.25, 0.5, 1.0], [128, 224], on_step=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert sw.resolves == 4


def test_duplicates_dropped_order_kept():
    sw = sweep("mobilenet_v1", [1.0, 0.5, 1.0], [224, 128, 224])
    assert sw.alphas == (1.0, 0.5) and sw.resolutions == (224, 128)


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="mobilenet_v9", alphas=[1.0], resolutions=[224]), "unknown model"),
    (dict(name="mobilenet_v1", alphas=[1.0], resolutions=[16]), "too small"),
    (dict(name="mobilenet_v1", alphas=[-1.0], resolutions=[224]), "positive"),
    (dict(name="mobilenet_v1", alphas=[], resolutions=[224]), "at least one"),
    (dict(name="mobilenet_v1", alphas=[1.0], resolutions=[224.5]), "whole numbers"),
    (dict(name="mobilenet_v1", alphas=[1.0], resolutions=[224], growth_rate=8), "growth_rate does not apply"),
])
def test_sweep_errors(kwargs, message):
    with pytest.raises(CostcalcError, match=message):
        sweep(**kwargs)


def test_too_many_cells(monkeypatch):
    monkeypatch.setattr(sweep_mod, "MAX_CELLS", 10)
    with pytest.raises(CostcalcError, match="cells, more than 10"):
        sweep("mobilenet_v1", [0.25, 0.5, 0.75, 1.0], [128, 160, 192])


# -- list parsing ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, kwargs, expected", [
    ("0.25,0.5,0.75,1.0", {}, [0.25, 0.5, 0.75, 1.0]),
    (" 0.5 , 1 ", {}, [0.5, 1.0]),
    ("0.25:1.0:0.25", {}, [0.25, 0.5, 0.75, 1.0]),
    ("0.25:1.0:0.1", {}, [0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95]),  # 1.05 > stop
    ("0.25,0.5:1:0.25,1.0", {}, [0.25, 0.5, 0.75, 1.0]),
    ("0.25:1:x2", {}, [0.25, 0.5, 1.0]),
    ("1,1,0.5", {}, [1.0, 0.5]),
    ("128:224:32", dict(integer=True), [128, 160, 192, 224]),
    ("224,192", dict(integer=True), [224, 192]),
    ("8:1024", dict(integer=True), [8, 16, 32, 64, 128, 256, 512, 1024]),  # START:STOP doubles
    ("8:1000", dict(integer=True), [8, 16, 32, 64, 128, 256, 512]),
    ("0.25:1.0", {}, [0.25, 0.5, 1.0]),  # the same meaning for every option
    ("112:224", dict(integer=True), [112, 224]),
    ("8:1024:x4", dict(integer=True), [8, 32, 128, 512]),
    ("8:12:1", dict(integer=True), [8, 9, 10, 11, 12]),
])
def test_parse_list(text, kwargs, expected):
    assert parse_list(text, **kwargs) == expected


def test_range_has_no_float_drift():
    values = parse_list("0.25:1.0:0.05")
    assert len(values) == 16
    assert values[1] == 0.3 and values[2] == 0.35 and values[-1] == 1.0  # not 0.30000000000000004
    assert values == [float(f"{0.25 + 0.05 * i:.2f}") for i in range(16)]


@pytest.mark.parametrize("text, kwargs, message", [
    ("", {}, "empty list"),
    ("0.5,,1", {}, "empty item"),
    ("abc", {}, "'abc' is not a number"),
    ("nan", {}, "not a finite number"),
    ("inf", {}, "not a finite number"),
    ("0", {}, "must be positive"),
    ("-0.5", {}, "must be positive"),
    ("0.25:0.4", {}, "doubles past 0.4 at once, so it holds only 0.25; give a smaller step, "
                     "e.g. 0.25:0.4:0.0375"),
    ("0.25:1.0:1", {}, "steps by 1 past 1.0 at once"),
    ("1.0:0.25:0.25", {}, "stops below its start"),
    ("0.25:1.0:0", {}, "must be positive"),
    ("0.25:1.0:-0.1", {}, "must be positive"),
    ("0.25:1.0:x1", {}, "greater than 1"),
    ("1:2:3:4", {}, "START:STOP"),
    ("0.1:1000:0.0001", {}, "more than 10,000"),
    ("224.5", dict(integer=True, option="--resolution"), "not a whole number"),
    ("128:224:0.5", dict(integer=True, option="--resolution"), "not a whole number"),
    ("8:1024:x1.5", dict(integer=True, option="--channels"), "reaches 40.5, not a whole number"),
    ("5:5:1", dict(integer=True), "holds the one value 5; write 5"),  # the README: never one point
])
def test_parse_list_errors(text, kwargs, message):
    with pytest.raises(CostcalcError, match=message) as err:
        parse_list(text, **kwargs)
    text_ = str(err.value)
    assert "\n" not in text_
    assert text_.startswith(kwargs.get("option", "values") + ":")


# -- chart data ---------------------------------------------------------------------------------

def test_scaling_law_anchor():
    sw = sweep("mobilenet_v1", [0.5, 1.0], [112, 224])
    law = scaling_law(sw)
    ref = reference("mobilenet_v1")
    assert law[1, 1] == ref.macs == int(sw.macs[1, 1])
    assert law[0, 0] == pytest.approx(ref.macs / 16)  # α² ρ² = 1/4 · 1/4
    assert sw.macs[0, 0] > law[0, 0]  # first conv and FC scale as α, not α²


def test_published_points_are_exact_counts():
    pts = published_points("mobilenet_v1")
    assert {(p["alpha"], p["resolution"]) for p in pts} >= {(1.0, 224), (0.25, 224), (1.0, 128)}
    for p in pts:
        assert p["macs"] == resolve_model("mobilenet_v1", p["alpha"], p["resolution"]).macs
        assert p["top1"] is not None
    v2 = published_points("mobilenet_v2")
    assert any(p["top1"] == 72.0 and p["paper_macs_m"] == 300 for p in v2)
    assert published_points("dense1_mobilenet") == []


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 11), n=st.integers(1, 4096))
def test_separable_ratio_is_one_over_n_plus_one_over_k2(k, n):
    assert separable_ratio([k], [n])[k] == [Fraction(1, n) + Fraction(1, k * k)]


def test_separable_ratio_table3():
    # MobileNet v1 Table 3: 52,283,392 / 462,422,016 at Dk = 3, N = 512
    assert separable_ratio([3], [512])[3][0] == Fraction(52_283_392, 462_422_016)
