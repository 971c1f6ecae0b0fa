"""Dense-MobileNet (Wang et al., "A Novel Image Classification Approach via Dense-MobileNet
Models", Mobile Information Systems 2020): DenseNet connections inside MobileNet v1.

The paper's layer tables are not at hand, so the layout is a parameter. Defaults, and why:
- Dense blocks are MobileNet v1's groups of layers that share an input size: 112, 56, 28, 14
  and 7 px, with v1's count of stride-1 separable layers in each (1, 1, 1, 5, 1). Sizes shrink
  with a stride-2 depthwise conv at the start of the next block (no transition layers, no
  pooling). In Dense2 the channel count entering each block is v1's (32, 128, 256, 512,
  1024·α); in Dense1 it is the previous block's compressed width (32, 64, 128, 256, 512).
- Growth rate 32 (a "small growth rate", as the paper advises; DenseNet-121 uses 32).

Dense2-MobileNet (the paper's better model): the dense unit is the depthwise separable conv.
Unit i's depthwise conv reads the concatenation of the block input and the pointwise outputs
of units 1..i-1; its pointwise conv reads only its own depthwise output and emits
growth-rate channels. The block hands the concatenation of everything to the next block's
stride-2 separable conv (dw s2, pw to that block's channel count) — or, after the last block,
to global average pooling: the separable layer before pooling is densely connected too.

Dense1-MobileNet: every conv layer of a block is densely connected. Unit i's depthwise conv
reads the concatenation of the block input and all earlier pointwise outputs; its pointwise
conv reads that concatenation plus its own depthwise output and emits growth-rate channels.
The block's last pointwise conv reduces the concatenation to v1's channel count for that
size (64, 128, 256, 512, 1024·α), and a stride-2 depthwise conv then shrinks the map for the
next block, as in v1.

A DenseNet dense block and transition layer (1×1 conv, 2×2 average pool) are here too.
"""

from __future__ import annotations

STEM = (32, 2)
# (channels entering the block, stride-1 units in it) — MobileNet v1's layout by input size.
BLOCKS = [
    (32, 1),    # 112×112
    (128, 1),   # 56×56
    (256, 1),   # 28×28
    (512, 5),   # 14×14
    (1024, 1),  # 7×7
]
GROWTH_RATE = 32
CLASSES = 1000


def _sep(r, id, c_out, stride=1, src=None):
    r.conv_bn_act(f"{id}_dw", r.shape(src)[0], 3, stride, groups="dw", src=src)
    return r.conv_bn_act(f"{id}_pw", c_out, 1)


def build_dense2(r, growth_rate: int = GROWTH_RATE) -> None:
    r.conv_bn_act("conv1", r.width(STEM[0]), 3, STEM[1])
    x = r.last
    for b, (c, units) in enumerate(BLOCKS, start=1):
        if b > 1:  # stride-2 separable conv between blocks, to v1's channel count
            x = _sep(r, f"d{b}_reduce", r.width(c), 2, src=x)
        feats = [x]
        for u in range(1, units + 1):
            inp = r.concat(f"d{b}_u{u}_cat", feats)
            feats.append(_sep(r, f"d{b}_u{u}", growth_rate, src=inp))
        x = r.concat(f"d{b}_out", feats)
    r.global_pool("pool", src=x)
    r.fc("fc", CLASSES)


DENSE1_OUT = [64, 128, 256, 512, 1024]  # v1's channels at 112, 56, 28, 14, 7


def build_dense1(r, growth_rate: int = GROWTH_RATE) -> None:
    r.conv_bn_act("conv1", r.width(STEM[0]), 3, STEM[1])
    x = r.last
    for b, ((_, units), c_out) in enumerate(zip(BLOCKS, DENSE1_OUT), start=1):
        feats = [x]
        for u in range(1, units + 1):
            inp = r.concat(f"d{b}_u{u}_cat", feats)
            dw = r.conv_bn_act(f"d{b}_u{u}_dw", r.shape(inp)[0], 3, groups="dw", src=inp)
            both = r.concat(f"d{b}_u{u}_pwcat", [inp, dw])
            feats.append(r.conv_bn_act(f"d{b}_u{u}_pw", growth_rate, 1, src=both))
        out = r.concat(f"d{b}_out", feats)
        x = r.conv_bn_act(f"d{b}_compress", r.width(c_out), 1, src=out)
        if b < len(BLOCKS):  # a stride-2 depthwise conv shrinks the map for the next block
            x = r.conv_bn_act(f"d{b}_reduce_dw", r.shape(x)[0], 3, 2, groups="dw", src=x)
    r.global_pool("pool", src=x)
    r.fc("fc", CLASSES)


def dense_block(r, id, layers: int, growth_rate: int, bottleneck: bool = True) -> str:
    """DenseNet-BC dense block: each layer reads the concatenation of all earlier outputs."""
    feats = [r.last]
    for i in range(1, layers + 1):
        inp = r.concat(f"{id}_l{i}_cat", feats)
        src = inp
        if bottleneck:
            src = r.conv_bn_act(f"{id}_l{i}_bottleneck", 4 * growth_rate, 1, src=src)
        feats.append(r.conv_bn_act(f"{id}_l{i}_conv", growth_rate, 3, src=src))
    return r.concat(f"{id}_out", feats)


def transition(r, id, compression: float = 0.5) -> str:
    """DenseNet transition: 1×1 conv (compressing channels), then 2×2 average pool halving the size."""
    r.conv_bn_act(f"{id}_conv", int(r.shape()[0] * compression), 1)
    return r.avg_pool(f"{id}_pool", 2, 2)
