"""MobileNet v2 (Sandler et al. 2018, arXiv 1801.04381), Table 2, as torchvision builds it."""

from __future__ import annotations

FIRST_CONV = (32, 2)
BOTTLENECKS = [
    # t, c, n, s
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]
LAST_CONV = 1280  # not reduced for alpha < 1
CLASSES = 1000


def build(r) -> None:
    c, s = FIRST_CONV
    r.conv_bn_act("conv1", r.width(c), 3, s, fn="relu6")
    block = 0
    for t, c, n, s in BOTTLENECKS:
        out = r.width(c)
        for i in range(n):
            block += 1
            stride = s if i == 0 else 1
            src = r.last
            c_in = r.shape()[0]
            hidden = c_in * t
            if t != 1:
                r.conv_bn_act(f"b{block}_expand", hidden, 1, fn="relu6")
            r.conv_bn_act(f"b{block}_dw", hidden, 3, stride, groups="dw", fn="relu6")
            r.conv_bn_act(f"b{block}_project", out, 1, fn=None)  # linear bottleneck
            if stride == 1 and c_in == out:
                r.add(f"b{block}_add", src, r.last)
    last = LAST_CONV if r.alpha <= 1 else r.width(LAST_CONV)
    r.conv_bn_act("conv_last", last, 1, fn="relu6")
    r.global_pool("pool")
    r.fc("fc", CLASSES)
