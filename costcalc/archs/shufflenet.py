"""ShuffleNet v1 (Zhang et al. 2017, arXiv 1707.01083), Table 1, for g = 1, 2, 3, 4, 8 groups.

A ShuffleNet unit is a ResNet bottleneck whose 1×1 convs are *pointwise group convolutions*
(g groups) with a *channel shuffle* between the first one and the 3×3 depthwise conv, so the
next grouped conv sees channels from every group (the shuffle is a permutation: no MACs):

    1×1 GConv (to out/4 channels) → BN → ReLU → shuffle → 3×3 DWConv (stride s) → BN
        → 1×1 GConv → BN → (stride 1) add the input → ReLU
                           (stride 2) ReLU, concatenated with a 3×3 / 2 average pool of the input

The stride-2 unit's last GConv therefore emits out − in channels. Stage 2's first GConv is a
plain 1×1 conv (the paper: "the number of input channels is relatively small"). Stages 2-4 run
1 + 3, 1 + 7 and 1 + 3 units at 28, 14 and 7 px; then global average pool and FC (no bias, as
in the authors' code).

"ShuffleNet s×" scales the channels by s: here α. The defaults follow the authors' code
(megvii-model/ShuffleNet-Series, ShuffleNetV1/network.py), where the paper is silent:
- stage channels are Table 1's (stage 2: 144, 200, 240, 272, 384 for g = 1, 2, 3, 4, 8; each
  later stage doubles) times α, rounded to a multiple of 4g, so each unit's bottleneck (a
  quarter) and its grouped convs divide by g — at the scales the authors released (0.5, 1,
  1.5, 2 for g = 3 and 8) that rounding changes nothing;
- the first conv has 12, 24, 24, 48 channels at 0.5×, 1×, 1.5×, 2× (their table; 1.5× keeps
  24), 24·α elsewhere, rounded up to a multiple of g (g = 8 at 0.5×: 16, as they have it);
- the global pool is adaptive (their ``AvgPool2d(7)`` is the same at 224 px).
"""

from __future__ import annotations

from ..resolve import make_divisible

STAGE2 = {1: 144, 2: 200, 3: 240, 4: 272, 8: 384}  # Table 1: output channels of stage 2 at 1×
UNITS = (4, 8, 4)  # stages 2, 3, 4: one stride-2 unit, then stride-1 units
FIRST_CONV = {0.5: 12, 1.0: 24, 1.5: 24, 2.0: 48}  # the authors' code, by scale
CLASSES = 1000


def _unit(r, id, out, groups, stride, first) -> str:
    x, c_in = r.last, r.shape()[0]
    r.conv_bn_act(f"{id}_gconv1", out // 4, 1, groups=1 if first else groups)
    if groups > 1:
        r.shuffle(f"{id}_shuffle", groups)
    r.conv_bn_act(f"{id}_dw", out // 4, 3, stride, groups="dw", fn=None)
    r.conv_bn_act(f"{id}_gconv2", out - c_in if stride == 2 else out, 1, groups=groups, fn=None)
    if stride == 1:
        r.add(f"{id}_add", x, r.last)
        return r.act(f"{id}_relu")
    branch = r.act(f"{id}_relu")
    shortcut = r.avg_pool(f"{id}_shortcut", 3, 2, 1, src=x)
    return r.concat(f"{id}_cat", [shortcut, branch])


def build(r, groups: int = 3) -> None:
    c1 = FIRST_CONV.get(r.alpha) or r.width(24, divisor=groups)
    r.conv_bn_act("conv1", make_divisible(c1, groups) if c1 % groups else c1, 3, 2)
    r.max_pool("pool1", 3, 2, 1)
    for stage, units in enumerate(UNITS, start=2):
        out = r.width(STAGE2[groups] * 2 ** (stage - 2), divisor=4 * groups)
        for u in range(1, units + 1):
            _unit(r, f"s{stage}u{u}", out, groups, 2 if u == 1 else 1, stage == 2 and u == 1)
    r.global_pool("pool")
    r.fc("fc", CLASSES, bias=False)
