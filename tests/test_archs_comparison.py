"""SqueezeNet 1.0 / 1.1, AlexNet (one and two towers) and ShuffleNet v1 (g = 1, 2, 3, 4, 8):
closed forms, torchvision's own modules counted by FlopCounterMode, and the published figures.

The registry-wide checks (symbolic = hooks = aten, CPU forward, sweeps) already cover these
architectures through ``ARCHS``; this file pins what is particular to each.
"""

from __future__ import annotations

import pytest

from costcalc.archs import resolve_model

STAGE2 = {1: 144, 2: 200, 3: 240, 4: 272, 8: 384}  # ShuffleNet Table 1: stage 2's channels at 1×


# -- closed forms -----------------------------------------------------------------------------

def test_squeezenet_fire2_and_conv1():
    m = resolve_model("squeezenet1_0")
    # conv1: 7·7·3·96 at 109×109 (224 px, stride 2, no padding: (224-7)//2+1 = 109)
    assert m.layer("conv1").cost.macs == 7 * 7 * 3 * 96 * 109 * 109  # 167,686,272
    assert m.layer("pool1").out_shape == (96, 54, 54)  # ceil mode: ceil((109-3)/2)+1 = 54
    # fire2 at 54×54: squeeze 96·16, expands 16·64 and 3·3·16·64
    fire2 = sum(m.layer(f"fire2_{p}").cost.macs for p in ("squeeze", "expand1x1", "expand3x3"))
    assert fire2 == (96 * 16 + 16 * 64 + 9 * 16 * 64) * 54 * 54  # 34,338,816
    assert m.layer("fire2_cat").out_shape == (128, 54, 54)
    assert m.layers[-1].kind == "flatten" and m.layer("conv10").cost.macs == 512 * 1000 * 13 * 13


def test_squeezenet_1_1_is_2_4x_cheaper_with_the_same_weights_budget():
    a, b = resolve_model("squeezenet1_0"), resolve_model("squeezenet1_1")
    assert a.macs / b.macs == pytest.approx(2.35, abs=0.01)  # 818,924,576 / 349,151,936
    assert b.layer("conv1").cost.macs == 3 * 3 * 3 * 64 * 111 * 111  # (224-3)//2+1 = 111


def test_alexnet_one_tower_layers():
    m = resolve_model("alexnet")
    assert m.layer("conv1").cost.macs == 11 * 11 * 3 * 64 * 55 * 55  # (224+4-11)//4+1 = 55
    assert m.layer("fc1").cost.macs == 256 * 6 * 6 * 4096  # 37,748,736
    # at 160 px the map before the classifier is 4×4; torchvision's adaptive pool makes it 6×6
    small = resolve_model("alexnet", resolution=160)
    assert small.layer("pool3").out_shape == (256, 4, 4)
    assert small.layer("avgpool").out_shape == (256, 6, 6)
    assert small.layer("fc1").cost.macs == m.layer("fc1").cost.macs


def test_alexnet_two_tower_groups_halve_conv2_4_5():
    m = resolve_model("alexnet_two_tower")
    assert m.resolution == 227
    # conv2: each tower's 128 filters see its own 48 channels: 5·5·48·256 at 27×27
    assert m.layer("conv2").cost.macs == 5 * 5 * 48 * 256 * 27 * 27  # 223,948,800
    assert m.layer("conv3").cost.macs == 3 * 3 * 256 * 384 * 13 * 13  # both towers
    # weights: 34,848 + 307,200 + 884,736 + 663,552 + 442,368 + 37,748,736 + 16,777,216 + 4,096,000
    assert m.params() == 60_954_656
    assert m.macs == 724_406_816


def test_shufflenet_unit_structure():
    m = resolve_model("shufflenet_v1_g3")
    first, later = m.layer("s2u1_gconv1"), m.layer("s3u2_gconv1")
    assert first.args["groups"] == 1 and later.args["groups"] == 3  # stage 2's first GConv is plain
    assert m.layer("s2u1_gconv2").out_shape == (240 - 24, 28, 28)  # stride 2: out − in, concatenated
    assert m.layer("s2u1_cat").out_shape == (240, 28, 28)
    assert m.layer("s3u2_shuffle").cost.macs == 0
    # s3u2: 1×1 GConv 480→120 (g=3), 3×3 DW 120, 1×1 GConv 120→480 (g=3), all at 14×14
    unit = sum(m.layer(f"s3u2_{p}").cost.macs for p in ("gconv1", "dw", "gconv2"))
    assert unit == (480 // 3 * 120 + 9 * 120 + 120 // 3 * 480) * 14 * 14  # 7,737,120
    # the paper's unit cost hw(2cm/g + 9m), c = 480, m = 120, g = 3 — the same number
    assert unit == 14 * 14 * (2 * 480 * 120 // 3 + 9 * 120)


@pytest.mark.parametrize("g", sorted(STAGE2))
def test_shufflenet_channels_divide(g):
    for alpha in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0):
        m = resolve_model(f"shufflenet_v1_g{g}", alpha=alpha)
        for l in m.layers:
            if l.kind == "conv2d":
                assert l.args["c_in"] % l.args["groups"] == 0 and l.args["c_out"] % l.args["groups"] == 0


def test_shufflenet_authors_first_conv_table():
    # 12, 24, 24, 48 channels at 0.5×, 1×, 1.5×, 2×; g = 8 rounds 12 up to 16 (megvii's table)
    got = {(g, a): resolve_model(f"shufflenet_v1_g{g}", alpha=a).layer("conv1").args["c_out"]
           for g in (3, 8) for a in (0.5, 1.0, 1.5, 2.0)}
    assert got == {(3, 0.5): 12, (3, 1.0): 24, (3, 1.5): 24, (3, 2.0): 48,
                   (8, 0.5): 16, (8, 1.0): 24, (8, 1.5): 24, (8, 2.0): 48}
    assert resolve_model("shufflenet_v1_g3", alpha=0.75).layer("conv1").args["c_out"] == 18  # 24·0.75


# -- published figures ------------------------------------------------------------------------

def test_shufflenet_table1_complexity_is_the_convs_rounded():
    # ShuffleNet Table 1 prints 143, 140, 137, 133, 137 MFLOPs (mult-adds) for g = 1, 2, 3, 4, 8:
    # every conv, rounded to the million; the FC (1000 × the last stage's channels) left out
    printed = {1: 143, 2: 140, 3: 137, 4: 133, 8: 137}
    for g, value in printed.items():
        m = resolve_model(f"shufflenet_v1_g{g}")
        convs = m.macs - m.layer("fc").cost.macs
        assert round(convs / 1e6) == value, g
        assert m.layer("fc").cost.macs == 1000 * 4 * STAGE2[g]


def test_shufflenet_authors_release_table():
    # megvii ShuffleNet-Series README: FLOPs (mult-adds, with the FC) and params (torch's count)
    m = {(g, a): resolve_model(f"shufflenet_v1_g{g}", alpha=a) for g in (3, 8) for a in (0.5, 1.0, 1.5, 2.0)}
    assert m[3, 2.0].macs == 524_045_184 and m[3, 1.5].macs == 292_443_552  # 524M, 292M
    assert m[8, 2.0].macs == 521_942_016 and m[8, 1.5].macs == 290_188_800  # 522M, 290M
    assert m[3, 2.0].params("bn") == 5_449_776 and m[3, 1.5].params("bn") == 3_441_168  # 5.4M, 3.4M


# -- torchvision, counted by FlopCounterMode ---------------------------------------------------

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")


@pytest.mark.parametrize("name", ["squeezenet1_0", "squeezenet1_1", "alexnet"])
@pytest.mark.parametrize("resolution", [224, 160])
def test_equals_torchvision(name, resolution):
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model = getattr(torchvision.models, name)().eval()
    with FlopCounterMode(display=False) as fc:
        model(torch.empty(1, 3, resolution, resolution, device="meta"))
    m = resolve_model(name, resolution=resolution)
    assert fc.get_total_flops() == 2 * m.macs  # FlopCounterMode counts 2 per MAC
    assert sum(p.numel() for p in model.parameters()) == m.params("bn")


def test_torchvision_published_counts():
    # torchvision's weight metadata: num_params exactly, GFLOPS (its MACs) to 2 decimals
    for name, weights in (("squeezenet1_0", "SqueezeNet1_0_Weights"), ("squeezenet1_1", "SqueezeNet1_1_Weights"),
                          ("alexnet", "AlexNet_Weights")):
        meta = getattr(torchvision.models, weights).IMAGENET1K_V1.meta
        m = resolve_model(name)
        assert meta["num_params"] == m.params("bn")
        assert meta["_ops"] == round(m.macs / 1e9, 3)
