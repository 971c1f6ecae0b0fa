"""MobileNet v3 Large and Small (Howard et al. 2019, arXiv 1905.02244), Tables 1 and 2, as
torchvision builds them (``torchvision.models.mobilenet_v3_large`` / ``_small``).

Each bottleneck is the v2 block: an optional 1×1 expansion, a k×k depthwise conv, an optional
squeeze-and-excitation, and a linear 1×1 projection, with a residual add when the stride is 1
and the input and output channels match. The activation is ReLU ("RE") or h-swish ("HS").

The defaults follow torchvision, where the paper leaves a choice open:
- **Squeeze-and-excitation.** It squeezes to a quarter of the expansion, rounded to a multiple
  of 8 (``make_divisible(exp // 4, 8)``). Its two 1×1 convs have biases, the gate is
  h-sigmoid, and the input is scaled by the gate.
- **Width α.** It rounds every channel count, the head's 1280 / 1024 included, to a multiple of
  8 (``make_divisible``). The last 1×1 conv has 6× the last block's output channels.
- **Head.** Global pool → FC (bias) → h-swish → FC (bias). The paper calls the two FCs
  1×1 convs without BN, which have the same MACs and parameters. Dropout is left out: it has
  no cost.

``rounding="keras"`` is the width rule of TF-slim and Keras (``keras.applications.
MobileNetV3Large(alpha=...)``), whose released α = 0.75 checkpoints the authors' tables
describe: the 16-channel stem and the 1280 / 1024 head are not scaled (the head only for
α > 1), and each expansion is the block's *scaled* input times the expansion ratio (64/16 = 4,
72/24 = 3, ...), rounded to a multiple of 8, rather than the scaled expansion. At α = 1 both
rules give the same network.
"""

from __future__ import annotations

from ..resolve import make_divisible

# k, expansion channels, output channels, squeeze-and-excite, activation, stride
LARGE = [
    (3, 16, 16, False, "RE", 1),
    (3, 64, 24, False, "RE", 2),
    (3, 72, 24, False, "RE", 1),
    (5, 72, 40, True, "RE", 2),
    (5, 120, 40, True, "RE", 1),
    (5, 120, 40, True, "RE", 1),
    (3, 240, 80, False, "HS", 2),
    (3, 200, 80, False, "HS", 1),
    (3, 184, 80, False, "HS", 1),
    (3, 184, 80, False, "HS", 1),
    (3, 480, 112, True, "HS", 1),
    (3, 672, 112, True, "HS", 1),
    (5, 672, 160, True, "HS", 2),
    (5, 960, 160, True, "HS", 1),
    (5, 960, 160, True, "HS", 1),
]
SMALL = [
    (3, 16, 16, True, "RE", 2),
    (3, 72, 24, False, "RE", 2),
    (3, 88, 24, False, "RE", 1),
    (5, 96, 40, True, "HS", 2),
    (5, 240, 40, True, "HS", 1),
    (5, 240, 40, True, "HS", 1),
    (5, 120, 48, True, "HS", 1),
    (5, 144, 48, True, "HS", 1),
    (5, 288, 96, True, "HS", 2),
    (5, 576, 96, True, "HS", 1),
    (5, 576, 96, True, "HS", 1),
]
FIRST_CONV = (16, 2)
HEAD = {"large": 1280, "small": 1024}
CLASSES = 1000
ACT = {"RE": "relu", "HS": "hardswish"}


def build(r, size: str = "large", rounding: str = "torchvision") -> None:
    """size: 'large' or 'small'; rounding: 'torchvision' (default) or 'keras' (see above)."""
    table = LARGE if size == "large" else SMALL
    keras = rounding == "keras"
    c, s = FIRST_CONV
    r.conv_bn_act("conv1", c if keras else r.width(c), 3, s, fn="hardswish")
    ref_in = c  # the block's input channels at α = 1, for the expansion ratio
    for i, (k, exp, c, se, nl, s) in enumerate(table, start=1):
        src, c_in = r.last, r.shape()[0]
        hidden = make_divisible(c_in * exp / ref_in, 8) if keras and i > 1 else r.width(exp)
        hidden = c_in if keras and i == 1 else hidden  # Keras: block 1 never expands
        out, fn, ref_in = r.width(c), ACT[nl], c
        if hidden != c_in:
            r.conv_bn_act(f"b{i}_expand", hidden, 1, fn=fn)
        r.conv_bn_act(f"b{i}_dw", hidden, k, s, groups="dw", fn=fn)
        if se:
            r.squeeze_excite(f"b{i}_se", make_divisible(hidden // 4, 8))
        r.conv_bn_act(f"b{i}_project", out, 1, fn=None)  # linear bottleneck
        if s == 1 and c_in == out:
            r.add(f"b{i}_add", src, r.last)
    r.conv_bn_act("conv_last", 6 * r.shape()[0], 1, fn="hardswish")
    r.global_pool("pool")
    r.fc("fc1", HEAD[size] if keras and r.alpha <= 1 else r.width(HEAD[size]))
    r.act("fc1_hardswish", "hardswish")
    r.fc("fc", CLASSES)
