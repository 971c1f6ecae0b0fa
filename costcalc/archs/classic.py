"""The MobileNet paper's Table 8 comparison points: VGG-16 and GoogLeNet.

VGG-16: Simonyan & Zisserman 2014 (arXiv 1409.1556), configuration D.
GoogLeNet: Szegedy et al. 2014 (arXiv 1409.4842), Table 1, without the auxiliary classifiers
and LRN (neither has weights), with real 5×5 convs (torchvision uses 3×3 there).
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


def _cr(r, id, c, k, stride=1, src=None):
    r.conv(id, r.width(c), k, stride, bias=True, src=src)
    return r.act(f"{id}_relu")


def _inception(r, name, spec):
    x = r.last
    c1, c3r, c3, c5r, c5, pp = spec
    a = _cr(r, f"i{name}_1x1", c1, 1, src=x)
    _cr(r, f"i{name}_3x3r", c3r, 1, src=x)
    b = _cr(r, f"i{name}_3x3", c3, 3)
    _cr(r, f"i{name}_5x5r", c5r, 1, src=x)
    c = _cr(r, f"i{name}_5x5", c5, 5)
    r.max_pool(f"i{name}_pool", 3, 1, 1, src=x)
    d = _cr(r, f"i{name}_poolproj", pp, 1)
    return r.concat(f"i{name}_out", [a, b, c, d])


def build_googlenet(r) -> None:
    _cr(r, "conv1", 64, 7, 2)
    r.max_pool("pool1", 3, 2, 1)
    _cr(r, "conv2_reduce", 64, 1)
    _cr(r, "conv2", 192, 3)
    r.max_pool("pool2", 3, 2, 1)
    for name in ("3a", "3b"):
        _inception(r, name, INCEPTION[name])
    r.max_pool("pool3", 3, 2, 1)
    for name in ("4a", "4b", "4c", "4d", "4e"):
        _inception(r, name, INCEPTION[name])
    r.max_pool("pool4", 3, 2, 1)
    for name in ("5a", "5b"):
        _inception(r, name, INCEPTION[name])
    r.global_pool("pool")
    r.fc("fc", 1000)
