"""The MobileNet paper's comparison points: VGG-16 and GoogLeNet (Table 8), SqueezeNet and
AlexNet (Table 9).

VGG-16: Simonyan & Zisserman 2014 (arXiv 1409.1556), configuration D.
GoogLeNet: Szegedy et al. 2014 (arXiv 1409.4842), Table 1, without the auxiliary classifiers
and LRN (neither has weights), with real 5×5 convs (torchvision uses 3×3 there).
SqueezeNet 1.0 and 1.1: Iandola et al. 2016 (arXiv 1602.07360), Table 1, as torchvision builds
them (``squeezenet1_0`` / ``squeezenet1_1``): Fire modules (1×1 squeeze, then 1×1 and 3×3
expands concatenated), Caffe's ceil-mode max pools, no FC — the classifier is a 1×1 conv to
1000 channels, ReLU and a global average pool. 1.1 (the SqueezeNet repository's v1.1) starts
with a 3×3×64 conv and pools earlier: 2.4× fewer MACs, the same accuracy.
AlexNet: Krizhevsky et al. 2012. ``alexnet`` is torchvision's one-tower form (Krizhevsky 2014,
"One weird trick", arXiv 1404.5997): 64/192/384/256/256 filters, no grouping, an adaptive 6×6
average pool before the classifier. ``alexnet_two_tower`` is the 2012 paper's network, split
over two GPUs: 96/256/384/384/256 filters, conv2, conv4 and conv5 see only their own GPU's half
of the channels (groups = 2), conv3 and the FC layers see both; input 227×227 (the paper says
224, but only 227 gives its 55×55 first map). LRN is left out (no weights; a few ops per
element, not MACs).
"""

from __future__ import annotations

VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
VGG_FC = [4096, 4096, 1000]


def build_vgg16(r) -> None:
    i = p = 0
    for v in VGG16:
        if v == "M":
            p += 1
            r.max_pool(f"pool{p}", 2, 2)
        else:
            i += 1
            r.conv(f"conv{i}", r.width(v), 3, bias=True)
            r.act(f"conv{i}_relu")
    for j, n in enumerate(VGG_FC, start=1):
        r.fc(f"fc{j}", n if j == len(VGG_FC) else r.width(n))
        if j < len(VGG_FC):
            r.act(f"fc{j}_relu")


INCEPTION = {
    # name: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj   (Table 1)
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


def _cr(r, id, c, k, stride=1, src=None, bn=False):
    """conv (bias) → ReLU, or with ``bn`` torchvision's BasicConv2d: conv (no bias) → BN → ReLU."""
    if bn:
        return r.conv_bn_act(id, r.width(c), k, stride, src=src)
    r.conv(id, r.width(c), k, stride, bias=True, src=src)
    return r.act(f"{id}_relu")


def _inception(r, name, spec, tv=False):
    x = r.last
    c1, c3r, c3, c5r, c5, pp = spec
    a = _cr(r, f"i{name}_1x1", c1, 1, src=x, bn=tv)
    _cr(r, f"i{name}_3x3r", c3r, 1, src=x, bn=tv)
    b = _cr(r, f"i{name}_3x3", c3, 3, bn=tv)
    _cr(r, f"i{name}_5x5r", c5r, 1, src=x, bn=tv)
    c = _cr(r, f"i{name}_5x5", c5, 3 if tv else 5, bn=tv)  # torchvision: 3×3 in the "5×5" branch
    r.max_pool(f"i{name}_pool", 3, 1, 1, ceil_mode=tv, src=x)
    d = _cr(r, f"i{name}_poolproj", pp, 1, bn=tv)
    return r.concat(f"i{name}_out", [a, b, c, d])


def build_googlenet(r, variant: str = "paper") -> None:
    """variant 'paper' (GoogLeNet's Table 1) or 'torchvision' (``torchvision.models.googlenet``:
    BN after every conv instead of biases, 3×3 where the paper has 5×5, ceil-mode pools, the
    last one 2×2) — the network torchvision's published 6,624,904 parameters count."""
    tv = variant == "torchvision"
    pool = (lambda id, k=3: r.max_pool(id, k, 2, ceil_mode=True)) if tv else (lambda id, k=3: r.max_pool(id, 3, 2, 1))
    _cr(r, "conv1", 64, 7, 2, bn=tv)
    pool("pool1")
    _cr(r, "conv2_reduce", 64, 1, bn=tv)
    _cr(r, "conv2", 192, 3, bn=tv)
    pool("pool2")
    for name in ("3a", "3b"):
        _inception(r, name, INCEPTION[name], tv)
    pool("pool3")
    for name in ("4a", "4b", "4c", "4d", "4e"):
        _inception(r, name, INCEPTION[name], tv)
    pool("pool4", 2)
    for name in ("5a", "5b"):
        _inception(r, name, INCEPTION[name], tv)
    r.global_pool("pool")
    r.fc("fc", 1000)


SQUEEZENET = {
    # first conv (channels, kernel), then Fire modules as (squeeze, expand 1×1, expand 3×3)
    # with "M" for a 3×3 / 2 ceil-mode max pool — the paper's Table 1 (1.0) and torchvision
    "1_0": ((96, 7), ["M", (16, 64, 64), (16, 64, 64), (32, 128, 128), "M", (32, 128, 128),
                      (48, 192, 192), (48, 192, 192), (64, 256, 256), "M", (64, 256, 256)]),
    "1_1": ((64, 3), ["M", (16, 64, 64), (16, 64, 64), "M", (32, 128, 128), (32, 128, 128), "M",
                      (48, 192, 192), (48, 192, 192), (64, 256, 256), (64, 256, 256)]),
}


def _fire(r, id, squeeze, e1, e3) -> str:
    """SqueezeNet's Fire module: 1×1 squeeze → ReLU, then 1×1 and 3×3 expands (ReLU each),
    concatenated."""
    s = _cr(r, f"{id}_squeeze", squeeze, 1)
    a = _cr(r, f"{id}_expand1x1", e1, 1, src=s)
    b = _cr(r, f"{id}_expand3x3", e3, 3, src=s)
    return r.concat(f"{id}_cat", [a, b])


def build_squeezenet(r, version: str = "1_0") -> None:
    (c, k), body = SQUEEZENET[version]
    r.conv("conv1", r.width(c), k, 2, bias=True, padding=0)
    r.act("conv1_relu")
    fire = p = 1
    for item in body:
        if item == "M":
            r.max_pool(f"pool{p}", 3, 2, ceil_mode=True)
            p += 1
        else:
            fire += 1  # the paper numbers them fire2 .. fire9
            _fire(r, f"fire{fire}", *item)  # _cr applies α
    # classifier: dropout (no cost), a 1×1 conv to the classes, ReLU, global average pool
    r.conv("conv10", 1000, 1, bias=True)  # the classes: never scaled by α
    r.act("conv10_relu")
    r.global_pool("pool")
    r.flatten("flatten")


# (channels, kernel, stride, padding, groups), "M" = 3×3 / 2 max pool; then the FC layers
ALEXNET = {
    "one_tower": [(64, 11, 4, 2, 1), "M", (192, 5, 1, 2, 1), "M", (384, 3, 1, 1, 1),
                  (256, 3, 1, 1, 1), (256, 3, 1, 1, 1), "M"],
    "two_tower": [(96, 11, 4, 0, 1), "M", (256, 5, 1, 2, 2), "M", (384, 3, 1, 1, 1),
                  (384, 3, 1, 1, 2), (256, 3, 1, 1, 2), "M"],
}
ALEXNET_FC = [4096, 4096, 1000]


def build_alexnet(r, form: str = "one_tower") -> None:
    # two towers: every layer's channels split over the two GPUs, so α rounds to an even count
    width = (lambda c: r.width(c, divisor=2)) if form == "two_tower" else r.width
    i = p = 0
    for item in ALEXNET[form]:
        if item == "M":
            p += 1
            r.max_pool(f"pool{p}", 3, 2)
            continue
        i += 1
        c, k, s, pad, g = item
        r.conv(f"conv{i}", width(c), k, s, groups=g, bias=True, padding=pad)
        r.act(f"conv{i}_relu")
    if form == "one_tower":  # torchvision: whatever the input, the classifier sees 6×6
        r.adaptive_pool("avgpool", 6)
    for j, n in enumerate(ALEXNET_FC, start=1):
        r.fc(f"fc{j}", n if j == len(ALEXNET_FC) else width(n))
        if j < len(ALEXNET_FC):
            r.act(f"fc{j}_relu")
