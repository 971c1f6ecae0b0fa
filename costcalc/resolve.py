"""Resolve an architecture spec into concrete layers: the ONLY place that applies the width
multiplier α, the resolution, channel rounding (make_divisible), strides and feature-map sizes.

A spec (``costcalc/archs/*.toml``, decoded by :mod:`costcalc.archs.spec`) is a paper-like table
whose decoder walks it and calls a :class:`Resolver`'s layer methods. Each call computes the
layer's cost once, with the formulas of :mod:`costcalc.layers`, and records the layer's inputs,
so both the symbolic table and the torch module (:mod:`costcalc.nn.build`) are derived from the
same list.

With ``width_rule="exact"`` and a sympy symbol for α, nothing is rounded and every channel
count is an expression in α: the table ``costcalc model --formula`` sums (see
:mod:`costcalc.formula`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import layers
from .errors import CostcalcError, ShapeError
from .layers import Cost, conv_tag


def _shape(s) -> str:
    return "×".join(str(x) for x in s)


@dataclass(frozen=True)
class Layer:
    """One resolved layer. ``id`` is also the torch module's name."""

    id: str
    kind: str  # a costcalc.layers.KINDS name
    args: dict  # keyword arguments of the kind's formula, all ints
    inputs: tuple  # ids of the layers it reads ("input" is the image)
    in_shape: tuple
    cost: Cost
    act: str | None = None  # activation function, for kind "activation"
    tag: str = ""  # the MobileNet paper's Table 2 type: "Conv 1×1", "Conv DW 3×3", "FC", ...

    @property
    def out_shape(self) -> tuple:
        return self.cost.out_shape

    def describe(self) -> dict:
        """Kernel, stride, groups of a conv / pool for tables (empty for the rest)."""
        a = self.args
        if "kh" in a:
            return {"kernel": f"{a['kh']}×{a['kw']}", "stride": a.get("stride", 1), "groups": a.get("groups", 1)}
        if "k" in a:
            return {"kernel": f"{a['k']}×{a['k']}", "stride": a.get("stride") or a["k"], "groups": ""}
        return {"kernel": "", "stride": "", "groups": ""}


@dataclass(frozen=True)
class Rounding:
    """A channel count the resolve rounded: where (the block), the exact value, the result and
    the rule. In the symbolic table (nothing rounded) ``value`` is the exact expression."""

    where: str
    exact: object
    value: object
    rule: str
    at: tuple = ()  # α values where a width table overrides the rule (symbolic table only)


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round channels to a multiple of ``divisor``, never below 90% of ``v`` (MobileNet v2)."""
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


WIDTH_RULES = {
    # int(c * alpha): Keras' MobileNet v1; with min_channels = 8, TF-slim's min_depth.
    "floor": lambda c, a: int(c * a),
    # nearest whole number, halves up
    "round": lambda c, a: int(c * a + 0.5),
    # MobileNet v2 / v3, MnasNet, EfficientNet (torchvision, TF): nearest multiple of 8, never
    # below 90%.
    "divisible8": lambda c, a: make_divisible(c * a, 8),
    # MobileNet v1 (TF-slim): int(c * alpha), at least 8 channels (= floor, min_channels 8).
    "int": lambda c, a: max(8, int(c * a)),
    "none": lambda c, a: c,
    # no rounding at all: channel counts are expressions in a symbolic α (--formula)
    "exact": lambda c, a: c * a,
}

# How a channel count derived inside a block (a squeeze-and-excite width, a transition's
# compression, an expansion t·c) is rounded, as the network's reference code rounds it.
DERIVED_ROUNDING = {
    "floor": int,  # c // 4 (torchvision EfficientNet's SE), int(c * θ) (DenseNet)
    "round": lambda v: int(v + 0.5),  # int(round(c * t)) (torchvision MobileNet v2)
    "divisible8": lambda v: make_divisible(v, 8),  # _depth(c * t) (Keras MobileNet v3)
    "floor_divisible8": lambda v: make_divisible(int(v), 8),  # make_divisible(c // 4, 8) (v3's SE)
}


def _max1(a):
    """max(1, α) for a number or a sympy symbol."""
    if isinstance(a, (int, float)):
        return max(1.0, a)
    import sympy

    return sympy.Max(1, a)


@dataclass
class Resolver:
    """Layer-by-layer builder with shape inference. Specs call these methods in order."""

    alpha: float = 1.0
    resolution: int = 224
    width_rule: str = "int"
    in_channels: int = 3
    min_channels: int = 0  # no α-scaled count below this (TF-slim's min_depth: 8); 0: none
    layers: list[Layer] = field(default_factory=list)
    _shapes: dict = field(default_factory=dict)
    # Every channel count rounded away from its exact value, as Rounding records; ``context``
    # names the block asking (set by the spec decoder), so a report can say where.
    roundings: list = field(default_factory=list)
    context: str = ""

    def __post_init__(self):
        self._shapes["input"] = (self.in_channels, self.resolution, self.resolution)
        self._last = "input"

    # -- widths -------------------------------------------------------------------------------
    @property
    def symbolic(self) -> bool:
        """True when nothing is rounded (``width_rule="exact"``, α a sympy symbol)."""
        return self.width_rule == "exact"

    def width(self, c: int, scale: bool | str = True, divisor: int | None = None,
              at: dict | None = None) -> int:
        """Channels after the width multiplier, with this architecture's rounding rule — or,
        given ``divisor``, rounded to a multiple of it (:func:`make_divisible`), for specs whose
        rounding depends on the layer (ShuffleNet: 4·groups, so each unit's bottleneck and its
        grouped convs divide).

        ``scale``: True (c·α), False (c, fixed), or "up" (c·max(1, α): grows with α > 1, never
        shrinks — torchvision MobileNet v2's last conv). ``at``: {α: channels} a reference
        implementation tabulates instead of c·α (ShuffleNet's 1.5× keeps a 24-channel first
        conv), rounded as c·α would be.
        """
        if scale is False:
            return c
        a = _max1(self.alpha) if scale == "up" else self.alpha
        rule = self.width_rule if divisor is None else f"divisible{divisor}"
        if self.symbolic:
            v = c * a
            # the record says it came from width() (min_channels applies) and by which rule
            self.roundings.append(Rounding(self.context, v, v, "width" if divisor is None else
                                           f"width/{rule}", tuple(sorted(at or ()))))
            return v
        tabled = bool(at) and a in at
        bc, ba = (at[a], 1.0) if tabled else (c, a)  # the table's value, or c·α
        v = WIDTH_RULES[rule](bc, ba) if divisor is None else make_divisible(bc * ba, divisor)
        if v < self.min_channels:
            self.roundings.append(Rounding(self.context, c * a, self.min_channels,
                                           f"at least {self.min_channels}"))
            return self.min_channels
        if v < 1:
            raise CostcalcError(f"{c} channels × α {a:g} = {c * a:g} rounds to {v} under the "
                                f"{rule!r} width rule (give a larger α, or set min_channels)")
        if v != c * a:
            self.roundings.append(Rounding(self.context, c * a, v, "table" if tabled else rule))
        return v

    def channels(self, v, rule: str = "floor", minimum: int = 1):
        """A channel count derived inside a block, rounded by ``rule`` (DERIVED_ROUNDING) and
        at least ``minimum``; left exact in the symbolic table."""
        if self.symbolic:
            self.roundings.append(Rounding(self.context, v, v, rule))
            return v
        n = max(minimum, DERIVED_ROUNDING[rule](v))
        if n < 1:
            raise CostcalcError(f"a derived channel count {v:g} rounds to {n}")
        if n != v:
            self.roundings.append(Rounding(self.context, v, n, rule if n == DERIVED_ROUNDING[rule](v)
                                           else f"at least {minimum}"))
        return n

    # -- bookkeeping --------------------------------------------------------------------------
    def shape(self, layer_id: str | None = None) -> tuple:
        return self._shapes[layer_id or self._last]

    @property
    def last(self) -> str:
        return self._last

    def has(self, layer_id: str) -> bool:
        """Whether ``layer_id`` (or "input") names a layer resolved so far."""
        return layer_id in self._shapes

    def _add(self, id, kind, args, inputs, act=None, tag="", out_shape=None) -> str:
        if id in self._shapes:
            raise CostcalcError(f"layer id {id!r} used twice")
        cost = layers.cost(kind, **args)
        if out_shape is not None:  # element-wise layers keep their input's shape, 1-D too
            cost = replace(cost, out_shape=out_shape)
        layer = Layer(id, kind, args, tuple(inputs), self._shapes[inputs[0]], cost, act, tag)
        self.layers.append(layer)
        self._shapes[id] = cost.out_shape
        self._last = id
        return id

    # -- layers -------------------------------------------------------------------------------
    def conv(self, id, c_out, k, stride=1, groups=1, bias=False, padding=None, src=None) -> str:
        src = src or self._last
        c_in, h, w = self._shapes[src]
        groups = c_in if groups == "dw" else groups
        padding = (k - 1) // 2 if padding is None else padding
        args = dict(c_in=c_in, c_out=c_out, h=h, w=w, kh=k, kw=k, stride=stride,
                    padding=padding, groups=groups, bias=bias)
        return self._add(id, "conv2d", args, [src], tag=conv_tag(c_in, groups, (k, k)))

    def bn(self, id, src=None) -> str:
        src = src or self._last
        c, h, w = self._shapes[src]
        return self._add(id, "batch_norm", dict(c=c, h=h, w=w), [src])

    def act(self, id, fn="relu", src=None) -> str:
        src = src or self._last
        shape = self._shapes[src]
        c, h, w = shape if len(shape) == 3 else (shape[0], 1, 1)
        return self._add(id, "activation", dict(c=c, h=h, w=w), [src], act=fn, out_shape=shape)

    def conv_bn_act(self, id, c_out, k, stride=1, groups=1, fn="relu", src=None) -> str:
        """conv → BN → activation (fn=None: linear), the MobileNet unit."""
        self.conv(id, c_out, k, stride, groups, src=src)
        self.bn(f"{id}_bn")
        return self.act(f"{id}_{fn}", fn) if fn else self._last

    def add(self, id, a, b) -> str:
        if self._shapes[a] != self._shapes[b]:
            raise ShapeError(f"add {id}: shapes {_shape(self._shapes[a])} ({a}) and "
                             f"{_shape(self._shapes[b])} ({b}) differ")
        c, h, w = self._shapes[a]
        return self._add(id, "add", dict(c=c, h=h, w=w), [a, b])

    def scale(self, id, src, gate) -> str:
        """src (C×H×W) times gate (C×1×1), channel by channel."""
        c, h, w = self._shapes[src]
        if self._shapes[gate] != (c, 1, 1):
            raise ShapeError(f"scale {id}: gate {_shape(self._shapes[gate])} for a map {_shape((c, h, w))}")
        return self._add(id, "scale", dict(c=c, h=h, w=w), [src, gate])

    def squeeze_excite(self, id, squeeze, act="relu", gate="hardsigmoid", src=None) -> str:
        """Squeeze-and-excitation (Hu et al.; MobileNet v3): global pool → 1×1 conv to
        ``squeeze`` channels (bias) → act → 1×1 conv back (bias) → gate → scale the input."""
        src = src or self._last
        c = self._shapes[src][0]
        self.global_pool(f"{id}_pool", src=src)
        self.conv(f"{id}_reduce", squeeze, 1, bias=True)
        self.act(f"{id}_{act}", act)
        self.conv(f"{id}_expand", c, 1, bias=True)
        g = self.act(f"{id}_{gate}", gate)
        return self.scale(f"{id}_scale", src, g)

    def concat(self, id, srcs) -> str:
        srcs = list(srcs)
        if len(srcs) == 1:
            return srcs[0]
        sides = {self._shapes[s][1:] for s in srcs}
        if len(sides) != 1:
            raise ShapeError(f"concat {id}: inputs of different sides "
                             f"({', '.join(f'{s} {_shape(self._shapes[s][1:])}' for s in srcs)})")
        (h, w), = sides
        return self._add(id, "concat", dict(channels=[self._shapes[s][0] for s in srcs], h=h, w=w), srcs)

    def max_pool(self, id, k, stride=None, padding=0, ceil_mode=False, src=None) -> str:
        src = src or self._last
        c, h, w = self._shapes[src]
        args = dict(c=c, h=h, w=w, k=k, stride=stride, padding=padding)
        if ceil_mode:  # Caffe's rounding (SqueezeNet): a last, partial window is kept
            args["ceil_mode"] = True
        return self._add(id, "max_pool", args, [src])

    def avg_pool(self, id, k, stride=None, padding=0, src=None) -> str:
        src = src or self._last
        c, h, w = self._shapes[src]
        return self._add(id, "avg_pool", dict(c=c, h=h, w=w, k=k, stride=stride, padding=padding), [src])

    def adaptive_pool(self, id, size, src=None) -> str:
        """Average pooling to a fixed size×size map whatever the input side (torchvision's
        AlexNet: 6×6 before the classifier)."""
        src = src or self._last
        c, h, w = self._shapes[src]
        return self._add(id, "adaptive_avg_pool", dict(c=c, h=h, w=w, oh=size, ow=size), [src])

    def shuffle(self, id, groups, src=None) -> str:
        """ShuffleNet's channel shuffle: a permutation of the channels across ``groups``, no
        arithmetic."""
        src = src or self._last
        c, h, w = self._shapes[src]
        return self._add(id, "channel_shuffle", dict(c=c, h=h, w=w, groups=groups), [src])

    def global_pool(self, id="pool", src=None) -> str:
        src = src or self._last
        c, h, w = self._shapes[src]
        return self._add(id, "global_avg_pool", dict(c=c, h=h, w=w), [src])

    def flatten(self, id, src=None) -> str:
        src = src or self._last
        c, h, w = self._shapes[src]
        return self._add(id, "flatten", dict(c=c, h=h, w=w), [src])

    def fc(self, id, out_features, bias=True, src=None) -> str:
        src = src or self._last
        shape = self._shapes[src]
        if len(shape) == 3:
            c, h, w = shape
            src = self.flatten(f"{id}_flatten", src)
            shape = self._shapes[src]
        return self._add(id, "linear", dict(in_features=shape[0], out_features=out_features,
                                            bias=bias), [src], tag="FC")


@dataclass(frozen=True)
class Resolved:
    """An architecture at one (α, resolution): its layers, in execution order."""

    name: str
    alpha: float
    resolution: int
    layers: tuple[Layer, ...]
    options: dict
    roundings: tuple = ()  # Rounding records: where channel counts left c·α

    def total(self, field_name: str = "macs") -> int:
        return sum(getattr(l.cost, field_name) for l in self.layers)

    @property
    def macs(self) -> int:
        return self.total("macs")

    def params(self, convention: str = "weights") -> int:
        return sum(self.total(f) for f in PARAM_CONVENTIONS[convention][0])

    def layer(self, id: str) -> Layer:
        return next(l for l in self.layers if l.id == id)


PARAM_CONVENTIONS = {
    "weights": (("params",), "conv and FC weights only (the papers)"),
    "bias": (("params", "bias"), "+ biases"),
    "bn": (("params", "bias", "bn_affine"), "+ BN γ, β (torchvision, Keras trainable)"),
    "bn_stats": (("params", "bias", "bn_affine", "bn_stats"),
                 "+ BN running mean, var (Keras total)"),
}


def check_resolution(resolution: int, min_side: int, name: str) -> None:
    if resolution < min_side:
        if min_side & (min_side - 1):  # not a power of two: strides and pools other than halving
            why = "a smaller input leaves no output after its strided convs and pools"
        else:
            why = (f"which its {min_side.bit_length() - 1} stride-2 stages halve to 1×1 (a smaller "
                   f"input gets there only through padding, if at all)")
        raise CostcalcError(f"resolution {resolution} is too small for {name}: costcalc needs at "
                            f"least {min_side} px, {why}")
