"""costcalc.layers: closed forms with their arithmetic, and ints == symbols for every kind.

Tier 1 of the style guide: each expected number carries the product that gives it, so a reader
can check it by hand. The MobileNet v1 numbers are Table 3 of Howard et al. 2017
(arXiv 1704.04861): Dk = 3, M = N = 512, Df = 14.
"""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from costcalc import layers
from costcalc.errors import CostcalcError, ShapeError
from costcalc.layers import KINDS, Cost

# -- closed forms -----------------------------------------------------------------------------


def test_standard_conv_table3():
    c = layers.standard(3, 512, 512, 14)
    assert c.macs == 462_422_016  # 3*3*512*512*14*14 = 462,422,016
    assert c.params == 2_359_296  # 3*3*512*512 = 2,359,296
    assert c.out_shape == (512, 14, 14)
    assert c.bias == 0 and c.bias_ops == 0  # the papers' mult-adds leave bias out


def test_depthwise_conv_table3():
    c = layers.depthwise(3, 512, 14)
    assert c.macs == 903_168  # 3*3*512*14*14 = 903,168
    assert c.params == 4_608  # 3*3*512 = 4,608
    assert c.out_shape == (512, 14, 14)


def test_pointwise_conv_table3():
    c = layers.pointwise(512, 512, 14)
    assert c.macs == 51_380_224  # 512*512*14*14 = 51,380,224
    assert c.params == 262_144  # 512*512 = 262,144


def test_separable_table3():
    c = layers.separable(3, 512, 512, 14)
    assert c.macs == 52_283_392  # 512*14*14*(3*3 + 512) = 100,352*521 = 52,283,392
    assert c.params == 266_752  # 3*3*512 + 512*512 = 4,608 + 262,144 = 266,752
    assert c.out_shape == (512, 14, 14)
    assert c.macs == layers.depthwise(3, 512, 14).macs + layers.pointwise(512, 512, 14).macs


def test_separable_alpha_075_table3():
    # α = 0.75: M = N = 384
    c = layers.separable(3, 384, 384, 14)
    assert c.macs == 29_578_752  # 384*14*14*(3*3 + 384) = 75,264*393 = 29,578,752  (≈29.6M)
    assert c.params == 150_912  # 3*3*384 + 384*384 = 3,456 + 147,456 = 150,912  (≈0.15M)


def test_separable_alpha_075_rho_0714_table3():
    # α = 0.75, ρ = 0.714: M = N = 384, Df = 10
    c = layers.separable(3, 384, 384, 10)
    assert c.macs == 15_091_200  # 384*10*10*(3*3 + 384) = 38,400*393 = 15,091,200  (≈15.1M)
    assert c.params == 150_912  # ρ does not change the parameters


def test_grouped_and_pointwise_grouped():
    c = layers.grouped(3, 64, 128, 7, 4)
    assert c.macs == 903_168  # 3*3*(64/4)*128*7*7 = 9*16*128*49 = 903,168
    assert c.params == 18_432  # 3*3*16*128 = 18,432
    pg = layers.pointwise_grouped(240, 240, 28, 3)
    assert pg.macs == 15_052_800  # (240/3)*240*28*28 = 80*240*784 = 15,052,800
    assert pg.params == 19_200  # 80*240


def test_depthwise_is_grouped_with_g_equal_m():
    assert layers.grouped(3, 32, 32, 10, 32).macs == layers.depthwise(3, 32, 10).macs  # 3*3*32*100 = 28,800


def test_conv2d_general():
    c = layers.conv2d(3, 32, 224, 224, 3, stride=2, padding=1)  # MobileNet v1's first layer
    assert c.out_shape == (32, 112, 112)  # floor((224 + 2 - 2 - 1)/2) + 1 = 112
    assert c.macs == 10_838_016  # 3*3*3*32*112*112 = 864*12,544 = 10,838,016
    assert c.params == 864  # 3*3*3*32


def test_conv2d_bias_is_separate():
    c = layers.conv2d(8, 16, 10, 10, 3, padding=1, bias=True)
    assert c.macs == 115_200  # 3*3*8*16*10*10
    assert c.params == 1_152  # 3*3*8*16
    assert c.bias == 16
    assert c.bias_ops == 1_600  # 16*10*10


def test_conv2d_rectangular_kernel_stride_dilation():
    c = layers.conv2d(4, 6, 20, 15, 3, 5, stride=(2, 1), padding=(1, 0), dilation=(2, 1), groups=2)
    # Ho = floor((20 + 2 - 2*2 - 1)/2) + 1 = 9;  Wo = floor((15 - 4 - 1)/1) + 1 = 11
    assert c.out_shape == (6, 9, 11)
    assert c.macs == 17_820  # 3*5*(4/2)*6*9*11 = 180*99 = 17,820
    assert c.params == 180  # 3*5*2*6


def test_dilated_conv_same_macs_as_undilated():
    assert layers.dilated(3, 64, 64, 28, 2).macs == layers.standard(3, 64, 64, 28).macs  # 3*3*64*64*28*28


def test_transposed_conv():
    c = layers.transposed(3, 16, 8, 7, 2)
    assert c.macs == 28_224  # 3*3*16*8*7*7/2 = 56,448/2 = 28,224
    assert c.out_shape == (8, 9, 9)  # (7-1)*1 + (3-1) + 1 = 9
    t = layers.conv_transpose2d(16, 8, 7, 7, 4, stride=2, padding=1, output_padding=1)
    assert t.out_shape == (8, 15, 15)  # (7-1)*2 - 2*1 + (4-1) + 1 + 1 = 15
    assert t.macs == 100_352  # 4*4*16*8*7*7: counted on the input positions


def test_spatial_separable_image():
    # one 10×10 channel, k = 3, valid padding: 8×8 outputs
    assert layers.spatial_standard_image(3, 10).macs == 576  # (10-3+1)**2 * 3**2 = 64*9
    assert layers.spatial_separable_image(3, 10).macs == 432  # 10*8*3 + 8*8*3 = 240 + 192 = 3*8*18


def test_spatial_separable_channels():
    c = layers.spatial_separable(3, 512, 512, 14)
    assert c.macs == 308_281_344  # 3*512*512*196 + 3*512*512*196 = 2*154,140,672


def test_v2_block():
    c = layers.v2_block(3, 24, 32, 56, 28, 6)
    # expand 24*144*56*56 + dw 3*3*144*28*28 + project 144*32*28*28
    assert c.macs == 10_838_016 + 1_016_064 + 3_612_672  # = 15,466,752
    assert c.params == 3_456 + 1_296 + 4_608  # 24*144 + 9*144 + 144*32 = 9,360
    assert c.out_shape == (32, 28, 28)
    first = layers.v2_block(3, 32, 16, 112, 112, 1)  # t = 1: no expand conv
    assert first.macs == 3_612_672 + 6_422_528  # 9*32*112*112 + 32*16*112*112


def test_linear_bn_activation_pool_add_concat_shuffle():
    fc = layers.linear(1024, 1000, bias=True)
    assert (fc.macs, fc.params, fc.bias, fc.out_shape) == (1_024_000, 1_024_000, 1000, (1000,))  # 1024*1000
    bn = layers.batch_norm(32, 112, 112)
    assert (bn.bn_affine, bn.bn_stats, bn.ops, bn.macs) == (64, 64, 401_408, 0)  # 32*112*112
    assert layers.activation(32, 112, 112).ops == 401_408
    gap = layers.global_avg_pool(1024, 7, 7)
    assert (gap.ops, gap.out_shape) == (50_176, (1024, 1, 1))  # 1024*49
    ap = layers.avg_pool(16, 8, 8, 2)
    assert (ap.ops, ap.out_shape) == (1_024, (16, 4, 4))  # 2*2*16*4*4
    mp = layers.max_pool(16, 9, 9, 3, 2, 1)
    assert (mp.ops, mp.out_shape) == (3_600, (16, 5, 5))  # 3*3*16*5*5; floor((9+2-2-1)/2)+1 = 5
    assert layers.add(8, 4, 4).ops == 128
    assert layers.concat([8, 16, 24], 4, 4).out_shape == (48, 4, 4)
    assert layers.channel_shuffle(12, 4, 4, 3).macs == 0
    aap = layers.adaptive_avg_pool(256, 13, 13, 6, 6)  # torchvision AlexNet at 448 px
    assert (aap.ops, aap.out_shape, aap.macs) == (43_264, (256, 6, 6), 0)  # 256*13*13
    mpc = layers.max_pool(96, 111, 111, 3, 2, ceil_mode=True)  # SqueezeNet 1.0 at 227 px
    assert mpc.out_shape == (96, 55, 55)  # ceil((111-3)/2)+1 = 55 (floor gives 55 too)
    assert layers.max_pool(96, 112, 112, 3, 2, ceil_mode=True).out_shape == (96, 56, 56)  # ceil(109/2)+1


def test_out_side():
    assert layers.out_side(224, 3, 2, 1) == 112
    assert layers.out_side(14, 3, 1, 1) == 14
    assert layers.out_side(15, 3, 1, 0, 2) == 11  # 15 - 2*2
    assert layers.out_side(7, 7) == 1
    with pytest.raises(ShapeError, match="larger than the padded input"):
        layers.out_side(3, 9)
    with pytest.raises(ShapeError):
        layers.out_side(5, 3, d=3)  # effective kernel 7 > 5


def test_bad_groups_and_unknown_kind():
    with pytest.raises(CostcalcError, match="groups"):
        layers.conv2d(6, 8, 5, 5, 3, groups=4)
    with pytest.raises(CostcalcError):
        layers.grouped(3, 512, 512, 14, 3)
    with pytest.raises(CostcalcError, match="unknown layer kind"):
        layers.cost("no_such_kind")
    with pytest.raises(CostcalcError, match="does not divide"):
        layers.exact_div(7, 2)


def test_cost_dispatches_through_registry():
    assert layers.cost("standard", Dk=3, M=512, N=512, Df=14) == layers.standard(3, 512, 512, 14)


def test_duplicate_registration_is_an_error():
    before = dict(KINDS)
    with pytest.raises(RuntimeError, match="registered twice"):
        layers.register("standard", "conv")(lambda Dk: None)
    assert KINDS == before


def test_registry_entries_describe_themselves():
    for name, kind in KINDS.items():
        assert kind.name == name
        assert kind.doc, f"{name}: a registered kind needs a one-line docstring"
        assert kind.args, name


# -- every registered kind: ints == symbols, then substituted ---------------------------------

# Small valid arguments per kind. A kind registered without an entry here fails
# test_every_kind_has_test_arguments: add one when you add a kind.
ARGS: dict[str, dict] = {
    "conv2d": dict(c_in=8, c_out=12, h=11, w=9, kh=3, kw=2, stride=2, padding=1, dilation=2,
                   groups=4, bias=True),
    "conv_transpose2d": dict(c_in=6, c_out=4, h=5, w=7, kh=3, kw=4, stride=2, padding=1,
                             output_padding=1, dilation=1, groups=2, bias=True),
    "linear": dict(in_features=20, out_features=7, bias=True),
    "batch_norm": dict(c=5, h=6, w=7),
    "activation": dict(c=5, h=6, w=7),
    "avg_pool": dict(c=3, h=9, w=8, k=3, stride=2, padding=1),
    "max_pool": dict(c=3, h=9, w=8, k=3, stride=2, padding=1),
    "global_avg_pool": dict(c=5, h=6, w=7),
    "adaptive_avg_pool": dict(c=5, h=13, w=9, oh=6, ow=6),
    "add": dict(c=5, h=6, w=7),
    "scale": dict(c=5, h=6, w=7),
    "concat": dict(channels=[3, 5, 8], h=6, w=7),
    "channel_shuffle": dict(c=12, h=5, w=5, groups=3),
    "standard": dict(Dk=3, M=4, N=6, Df=7),
    "depthwise": dict(Dk=3, M=4, Df=7),
    "pointwise": dict(M=4, N=6, Df=7),
    "grouped": dict(Dk=3, M=8, N=12, Df=7, g=4),
    "pointwise_grouped": dict(M=8, N=12, Df=7, g=4),
    "separable": dict(Dk=3, M=4, N=6, Df=7),
    "spatial_separable": dict(Dk=3, M=4, N=6, Df=7),
    "spatial_standard_image": dict(Dk=3, Di=10),
    "spatial_separable_image": dict(Dk=3, Di=10),
    "dilated": dict(Dk=3, M=4, N=6, Df=7, d=2),
    "transposed": dict(Dk=3, M=4, N=6, Di=5, g=2),
    # t = 1 is special-cased for ints only (no expand conv), so the symbolic twin uses t > 1.
    "v2_block": dict(Dk=3, M=16, N=24, Di=14, Df=7, t=6),
    "flatten": dict(c=3, h=4, w=5),
}

COST_FIELDS = [f.name for f in dataclasses.fields(Cost) if f.name not in ("kind", "out_shape")]


def test_every_kind_has_test_arguments():
    missing = sorted(set(KINDS) - set(ARGS))
    assert not missing, f"registered layer kinds with no test arguments in ARGS: {missing}"


def _symbolize(kwargs: dict) -> tuple[dict, dict]:
    """Replace every int argument by an integer symbol; return (symbolic kwargs, substitution)."""
    sym_kwargs, subs = {}, {}

    def one(name, v):
        if isinstance(v, bool) or not isinstance(v, int):
            return v
        x = sp.Symbol(f"x_{name}", integer=True, **({"positive": True} if v > 0 else {"nonnegative": True}))
        subs[x] = v
        return x

    for key, v in kwargs.items():
        if isinstance(v, (list, tuple)):
            sym_kwargs[key] = type(v)(one(f"{key}{i}", x) for i, x in enumerate(v))
        else:
            sym_kwargs[key] = one(key, v)
    return sym_kwargs, subs


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_ints_equal_symbols_substituted(kind):
    if kind not in ARGS:
        pytest.fail(f"no test arguments for layer kind {kind!r}: add it to ARGS")
    kwargs = ARGS[kind]
    numeric = KINDS[kind].fn(**kwargs)
    sym_kwargs, subs = _symbolize(kwargs)
    assert subs, "the test must replace at least one argument by a symbol"
    symbolic = KINDS[kind].fn(**sym_kwargs)
    assert numeric.kind == symbolic.kind
    for f in COST_FIELDS:
        n = getattr(numeric, f)
        assert isinstance(n, int), f"{kind}.{f} = {n!r}: ints in, Python int out"
        s = sp.sympify(getattr(symbolic, f)).subs(subs)
        assert s.is_Integer and int(s) == n, f"{kind}.{f}: symbolic {getattr(symbolic, f)} -> {s}, int {n}"
    assert len(numeric.out_shape) == len(symbolic.out_shape)
    for n, s in zip(numeric.out_shape, symbolic.out_shape):
        assert isinstance(n, int)
        assert sp.sympify(s).subs(subs) == n, f"{kind}.out_shape: {symbolic.out_shape} vs {numeric.out_shape}"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_calls_through_cost(kind):
    if kind not in ARGS:
        pytest.fail(f"no test arguments for layer kind {kind!r}: add it to ARGS")
    assert layers.cost(kind, **ARGS[kind]) == KINDS[kind].fn(**ARGS[kind])


@pytest.mark.parametrize("c_in, groups, kernel, kind, tag", [
    (32, 32, (3, 3), "depthwise", "Conv DW 3×3"),
    (32, 32, (5, 5), "depthwise", "Conv DW 5×5"),  # a channel multiplier (c_out 64) is still depthwise
    (32, 4, (3, 3), "grouped", "Conv grouped 3×3"),
    (32, 1, (1, 1), "pointwise", "Conv 1×1"),
    (3, 1, (3, 3), "conv", "Conv 3×3"),
    (8, 1, (1, 7), "conv", "Conv 1×7"),
    (1, 1, (3, 3), "conv", "Conv 3×3"),  # one channel, one group: an ordinary conv
])
def test_conv_type_and_table2_tag(c_in, groups, kernel, kind, tag):
    assert layers.conv_type(c_in, groups, kernel) == kind
    assert layers.conv_tag(c_in, groups, kernel) == tag
