"""MobileNet v1 (Howard et al. 2017, arXiv 1704.04861), Table 1, and the paper's variants.

The last depthwise layer is stride 1: the paper's Table 1 prints it as s2 at 7×7, which would
leave a 4×4 map that the 7×7 average pool could not take (a known erratum).
"""

from __future__ import annotations

# Table 1 after the first conv: (output channels, stride) of each depthwise separable block.
FIRST_CONV = (32, 2)
SEPARABLE = [
    # c,    s
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1),  # the five 14×14 blocks
    (1024, 2),
    (1024, 1),
]
SHALLOW_REMOVED = range(6, 11)  # Table 5: the five 14×14×512 blocks removed
CLASSES = 1000


def build(r, variant: str = "separable") -> None:
    """variant: 'separable' (MobileNet), 'conv' (every block a full 3×3 conv), 'shallow'."""
    c, s = FIRST_CONV
    r.conv_bn_act("conv1", r.width(c), 3, s)
    for i, (c, s) in enumerate(SEPARABLE, start=1):
        if variant == "shallow" and i - 1 in SHALLOW_REMOVED:
            continue
        if variant == "conv":
            r.conv_bn_act(f"b{i}_conv", r.width(c), 3, s)
        else:
            r.conv_bn_act(f"b{i}_dw", r.shape()[0], 3, s, groups="dw")
            r.conv_bn_act(f"b{i}_pw", r.width(c), 1)
    r.global_pool("pool")
    r.fc("fc", CLASSES)
