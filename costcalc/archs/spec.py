"""Architecture spec files: a network written down as its paper's table, decoded in one place.

A spec is a TOML file (the standard library's ``tomllib``; the ``tomli`` backport below Python
3.11). Every built-in architecture is one (``costcalc/archs/*.toml``), and a user's file goes
through the same decoder, the same :class:`costcalc.resolve.Resolver` and so the same symbolic
table, torch module and three-way check::

    name = "mobilenet_v2"
    title = "MobileNet v2"
    input = { side = 224, channels = 3 }
    width = "divisible8"          # how α rounds channels: floor | round | divisible8

    [[layers]]                    # one layer ...
    block = "conv"
    id = "conv1"
    c = 32
    s = 2
    act = "relu6"

    [[layers]]                    # ... or a stage table: a block type, columns and rows
    block = "inverted_residual"
    id = "b{i}"                   # {i} numbers the blocks that share this template
    act = "relu6"                 # keys outside the columns hold for every row
    columns = ["t", "c", "n", "s"]
    rows = [
      [1, 16, 1, 1],
      [6, 24, 2, 2],
    ]

A key means the same thing in every block (``c`` output channels scaled by α, ``s`` stride,
``n`` repeats of which only the first has stride ``s``, ...): see :data:`KEYS` and
:data:`BLOCKS`. Each block is a short function of Resolver calls; nothing here applies α,
rounds a channel count or computes a size (resolve.py does). A file that cannot be decoded
is one :class:`SpecError` line, ``FILE:LINE: what is wrong``, at load time where the file
alone shows it, and at resolve time (with α and the resolution) where only a size shows it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from ..errors import CostcalcError, ShapeError, did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the same API, for Python 3.10
    import tomli as tomllib


class SpecError(CostcalcError):
    """A spec file that cannot be decoded; the message starts with 'FILE:LINE: '."""


class _Bad(Exception):
    """A value check failed; the decoder adds where."""


REQUIRED = object()

# -- value checks: each returns the value (normalized) or raises _Bad ------------------------

ACTIVATIONS = ("relu", "relu6", "hardswish", "hardsigmoid", "sigmoid", "silu", "none")
# the papers' abbreviations (MobileNet v3's NL column: RE, HS) and common names
ACTIVATION_ALIASES = {"RE": "relu", "HS": "hardswish", "h-swish": "hardswish",
                      "h-sigmoid": "hardsigmoid", "swish": "silu", "linear": "none",
                      "identity": "none"}


def _int(v, minimum=1):
    if isinstance(v, bool) or not isinstance(v, int):
        raise _Bad(f"expected a whole number, got {_show(v)}")
    if v < minimum:
        raise _Bad(f"must be at least {minimum}, got {v}")
    return v


def _pos_int(v):
    return _int(v, 1)


def _nonneg_int(v):
    return _int(v, 0)


def _number(v, lo=0.0, hi=None, lo_open=True):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _Bad(f"expected a number, got {_show(v)}")
    if v != v or v in (float("inf"), float("-inf")) or (v <= lo if lo_open else v < lo) \
            or (hi is not None and v > hi):
        rng = f"{'>' if lo_open else '≥'} {lo:g}" + (f" and ≤ {hi:g}" if hi is not None else "")
        raise _Bad(f"must be {rng}, got {v}")
    return v


def _pos_num(v):
    return _number(v)


def _fraction(v):
    return _number(v, 0.0, 1.0)


def _bool(v):
    if not isinstance(v, bool):
        raise _Bad(f"expected true or false, got {_show(v)}")
    return v


def _act(v):
    if v is False:
        return "none"
    if not isinstance(v, str):
        raise _Bad(f"expected an activation name, got {_show(v)}")
    v = ACTIVATION_ALIASES.get(v, v)
    if v not in ACTIVATIONS:
        raise _Bad(f"unknown activation {v!r}{_hint(v, ACTIVATIONS)}; known: {', '.join(ACTIVATIONS)}")
    return v


def _choice(*options):
    def check(v):
        if v not in options:
            raise _Bad(f"must be one of {', '.join(map(repr, options))}, got {_show(v)}")
        return v
    return check


def _se(v):
    """Squeeze-and-excite: false / 0 (none), true (ratio 1/4) or a ratio in (0, 1]."""
    if v is True:
        return 0.25
    if v is False:
        return 0
    return _number(v, 0.0, 1.0, lo_open=False)


def _scale(v):
    if v in (True, False, "up"):
        return v
    raise _Bad(f"must be true, false or \"up\" (scaled for α > 1 only), got {_show(v)}")


def _alpha_table(v):
    """{ "1.5" = 24, ... }: channel counts keyed by the width multiplier they apply at."""
    if not isinstance(v, dict) or not v:
        raise _Bad(f'expected a table such as {{ "1.5" = 24 }}, got {_show(v)}')
    out = {}
    for k, c in v.items():
        try:
            a = float(k)
        except ValueError:
            raise _Bad(f"key {k!r} is not a width multiplier") from None
        out[_number(a)] = _pos_int(c)
    return out


_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _id(v):
    if not isinstance(v, str) or not _ID.match(v.replace("{i}", "1", 1)) or v == "input":
        raise _Bad(f"expected a layer id of letters, digits and _ (with at most one '{{i}}'), "
                   f"not 'input', got {_show(v)}")
    return v


def _refs(v):
    vs = [v] if isinstance(v, str) else v
    if not isinstance(vs, list) or not vs or not all(isinstance(x, str) and x for x in vs):
        raise _Bad(f"expected a layer id or a list of layer ids, got {_show(v)}")
    return tuple(vs)


def _show(v) -> str:
    return f'"{v}"' if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else repr(v)


def _hint(name: str, known) -> str:
    return did_you_mean(name, known)


@dataclass(frozen=True)
class Key:
    check: Callable
    doc: str
    option: bool = False  # may name a spec option (``growth = "growth_rate"``) instead


# Every key a block may take; a key means the same thing in every block that takes it.
KEYS: dict[str, Key] = {
    "id": Key(_id, "layer id; '{i}' in it numbers the blocks that share the template"),
    "from": Key(_refs, "the layer(s) or block(s) this block reads (default: the one before)"),
    "c": Key(_pos_int, "output channels, scaled by α"),
    "t": Key(_pos_num, "expansion: channels = t × the block's input channels"),
    "exp": Key(_pos_int, "expanded channels (MobileNet v3's 'exp size'), scaled by α"),
    "classes": Key(_pos_int, "output features of an FC layer, never scaled by α"),
    "n": Key(_pos_int, "repeats of the block; only the first has stride s"),
    "s": Key(_pos_int, "stride"),
    "k": Key(_pos_int, "kernel size"),
    "g": Key(_pos_int, "groups of a convolution"),
    "first_g": Key(_pos_int, "groups of the first 1×1 conv of the first repeat (ShuffleNet's "
                             "stage 2 has none)"),
    "padding": Key(_nonneg_int, "padding (default (k-1)//2, 'same' at stride 1)"),
    "bias": Key(_bool, "conv / FC bias"),
    "bn": Key(_bool, "batch norm after each conv"),
    "act": Key(_act, "activation: " + ", ".join(ACTIVATIONS) + " (and RE, HS as the v3 paper writes them)"),
    "se": Key(_se, "squeeze-and-excite ratio (true = 1/4; 0 or false: none)"),
    "se_of": Key(_choice("exp", "in"), "which channels the SE ratio applies to: the expanded "
                                       "ones (v3) or the block input's (EfficientNet)"),
    "se_round": Key(_choice("floor", "divisible8"), "how the SE width is rounded: floor "
                    "(max(1, c // 4), EfficientNet) or divisible8 (make_divisible(c // 4, 8), v3)"),
    "se_act": Key(_act, "activation inside the SE"),
    "se_gate": Key(_act, "the SE gate (sigmoid; v3: hardsigmoid)"),
    "skip": Key(_bool, "residual add when the stride is 1 and the channels match"),
    "scale_with_alpha": Key(_scale, "false: channels fixed; \"up\": scaled for α > 1 only"),
    "units": Key(_pos_int, "units in a dense block"),
    "growth": Key(_pos_int, "channels each dense unit adds (growth rate; not scaled by α)", option=True),
    "unit": Key(_choice("conv", "separable", "dense1"), "dense unit: conv (DenseNet), separable "
                "(Dense2-MobileNet), dense1 (Dense1-MobileNet)"),
    "bottleneck": Key(lambda v: _number(v, 0.0, lo_open=False), "bottleneck width: a multiple "
                      "of the growth rate (dense, 0: none) or of the output (ShuffleNet)"),
    "compression": Key(_fraction, "a transition's channel compression θ"),
    "ceil_mode": Key(_bool, "round the pooled side up (Caffe, SqueezeNet)"),
    "divisor": Key(_pos_int, "round this block's α-scaled channels to a multiple of divisor "
                             "(make_divisible) instead of the file's width rule (ShuffleNet: 4g)"),
    "c_at": Key(_alpha_table, "channels at given α instead of c·α, as a reference implementation "
                              "tabulates them (ShuffleNet 1.5×: a 24-channel first conv)"),
    "t_round": Key(_choice("round", "divisible8"), "how t × the input channels rounds: round "
                   "(torchvision) or divisible8 (Keras, TF-slim)"),
    "size": Key(_pos_int, "output side of an adaptive average pool"),
    "s1x1": Key(_pos_int, "Fire: squeeze 1×1 channels, scaled by α"),
    "e1x1": Key(_pos_int, "Fire: expand 1×1 channels, scaled by α"),
    "e3x3": Key(_pos_int, "Fire: expand 3×3 channels, scaled by α"),
    "c1x1": Key(_pos_int, "Inception: #1×1"),
    "c3x3r": Key(_pos_int, "Inception: #3×3 reduce"),
    "c3x3": Key(_pos_int, "Inception: #3×3"),
    "c5x5r": Key(_pos_int, "Inception: #5×5 reduce"),
    "c5x5": Key(_pos_int, "Inception: #5×5"),
    "pool_proj": Key(_pos_int, "Inception: pool proj"),
}
# first-repeat-only keys: the repeats of a row run at stride 1, each reading the one before
FIRST_ONLY = ("s", "from", "first_g")


@dataclass(frozen=True)
class Block:
    name: str
    fn: Callable
    defaults: dict  # key -> default value, REQUIRED, or None (optional, no default)
    one_of: tuple  # groups of keys of which exactly one must be given
    id: str  # default id template
    doc: str


BLOCKS: dict[str, Block] = {}
# Other names people use, for the "did you mean" hint only (one name per block type).
BLOCK_HINTS = {"mbconv": "inverted_residual", "bottleneck": "inverted_residual",
               "fused": "fused_mbconv", "dw": "depthwise", "pw": "pointwise",
               "dws": "separable", "linear": "fc", "dense": "fc", "gap": "global_pool",
               "avgpool": "avg_pool", "maxpool": "max_pool", "se": "squeeze_excite",
               "shuffle": "channel_shuffle", "shufflenet": "shuffle_unit", "cat": "concat",
               "residual": "add", "relu": "activation"}


def block(name: str, id: str, one_of: tuple = (), **defaults):
    """Register a block type: its keys (with defaults; REQUIRED; None = optional)."""
    def deco(fn):
        if name in BLOCKS:
            raise RuntimeError(f"block type {name!r} registered twice")
        unknown = set(defaults) - set(KEYS) - {"from_"}
        if unknown:
            raise RuntimeError(f"block {name}: keys {unknown} not in KEYS")
        d = {("from" if k == "from_" else k): v for k, v in defaults.items()}
        d.setdefault("id", id)
        doc = " ".join((fn.__doc__ or "").strip().split("\n\n")[0].split())
        BLOCKS[name] = Block(name, fn, d, one_of, id, doc)
        return fn
    return deco


# -- the build: walks the entries, calls one block function per block instance -------------

class _Build:
    def __init__(self, spec: "Spec", r, opts: dict):
        self.spec, self.r, self.opts = spec, r, opts
        self.counters: dict[str, int] = {}
        self.blocks: dict[str, str] = {}  # block instance id -> its output layer id
        self.symbolic = r.symbolic

    def number(self, v):
        """An exact rational for the symbolic table; the float itself otherwise (as torch code
        computes with floats)."""
        if self.symbolic and isinstance(v, float):
            import sympy

            return sympy.Rational(str(Fraction(repr(v))))
        return v

    def ref(self, name: str) -> str:
        if name in self.blocks:
            return self.blocks[name]
        if self.r.has(name):
            return name
        known = list(self.blocks) + [l.id for l in self.r.layers]
        raise CostcalcError(f"'from': no block or layer {name!r} before this one"
                            f"{_hint(name, known)}")

    def source(self, p) -> str:
        refs = p.get("from")
        if not refs:
            return self.r.last
        if len(refs) != 1:
            raise CostcalcError(f"'from' names {len(refs)} layers; this block reads one")
        return self.ref(refs[0])

    def width(self, c, p):
        return self.r.width(c, p.get("scale_with_alpha", True), p.get("divisor"), p.get("c_at"))

    def expanded(self, p, src):
        """t × the input channels, rounded by t_round."""
        return self.r.channels(self.r.shape(src)[0] * self.number(p["t"]), p.get("t_round", "round"))

    def out_channels(self, p, src):
        if p.get("t") is not None:
            return self.expanded(p, src)
        if p.get("classes") is not None:
            return p["classes"]
        return self.width(p["c"], p)

    def check_stride(self, src, s):
        if s > 1 and 1 in self.r.shape(src)[1:]:
            raise ShapeError(f"stride {s} on a {_side(self.r.shape(src))} map leaves no pixels to "
                             f"stride over (the strides before it have taken the "
                             f"{self.r.resolution}-px input down to 1 px)")

    def conv(self, id, src, c_out, k, s=1, g=1, p=None, act=None):
        """conv → [BN] → [act] with the block's bias / bn / act (``act`` overrides)."""
        p = p or {}
        self.check_stride(src, s)
        r = self.r
        r.conv(id, c_out, k, s, g, bias=p.get("bias", False), padding=p.get("padding"), src=src)
        if p.get("bn", True):
            r.bn(f"{id}_bn")
        act = p.get("act", "none") if act is None else act
        if act != "none":
            r.act(f"{id}_{act}", act)
        return r.last

    def squeeze_excite(self, id, src, base, p):
        r = self.r
        rule = "floor_divisible8" if p["se_round"] == "divisible8" else p["se_round"]
        squeeze = r.channels(base * self.number(p["se"]), rule)  # v3: make_divisible(c // 4, 8)
        return r.squeeze_excite(id, squeeze, act=p["se_act"], gate=p["se_gate"], src=src)


def _side(shape) -> str:
    return "×".join(str(x) for x in shape[1:])


# -- the block types ---------------------------------------------------------------------------

_SE = dict(se=0, se_of="exp", se_round="floor", se_act="relu", se_gate="sigmoid")


@block("conv", "conv{i}", one_of=(("c", "t"),), c=None, t=None, k=3, s=1, g=1, padding=None,
       bias=False, bn=True, act="relu", n=1, scale_with_alpha=True, divisor=None, c_at=None,
       t_round="round", from_=None)
def _conv(b: _Build, id, p, src):
    """Convolution (k×k, stride, groups) → BN → activation."""
    return b.conv(id, src, b.out_channels(p, src), p["k"], p["s"], p["g"], p)


@block("depthwise", "dw{i}", k=3, s=1, padding=None, bias=False, bn=True, act="relu", n=1,
       from_=None)
def _depthwise(b, id, p, src):
    """Depthwise convolution (one k×k filter per input channel) → BN → activation."""
    return b.conv(id, src, b.r.shape(src)[0], p["k"], p["s"], "dw", p)


@block("pointwise", "pw{i}", one_of=(("c", "t"),), c=None, t=None, s=1, g=1, bias=False, bn=True,
       act="relu", n=1, scale_with_alpha=True, divisor=None, t_round="round", from_=None)
def _pointwise(b, id, p, src):
    """Pointwise 1×1 convolution (g > 1: ShuffleNet's pointwise group conv) → BN → activation."""
    return b.conv(id, src, b.out_channels(p, src), 1, p["s"], p["g"], p)


@block("separable", "b{i}", one_of=(("c", "t"),), c=None, t=None, k=3, s=1, bn=True, act="relu",
       n=1, scale_with_alpha=True, divisor=None, t_round="round", from_=None)
def _separable(b, id, p, src):
    """Depthwise separable conv (MobileNet v1): k×k depthwise (stride s), then 1×1 pointwise
    to c (or t × the input channels); BN and activation after each."""
    dw = b.conv(f"{id}_dw", src, b.r.shape(src)[0], p["k"], p["s"], "dw", p)
    return b.conv(f"{id}_pw", dw, b.out_channels(p, src), 1, 1, 1, p)


@block("inverted_residual", "b{i}", one_of=(("t", "exp"),), c=REQUIRED, t=None, exp=None, k=3,
       s=1, act="relu", skip=True, n=1, scale_with_alpha=True, divisor=None, t_round="round",
       from_=None, **_SE)
def _inverted_residual(b, id, p, src):
    """Inverted residual / MBConv (MobileNet v2, v3, MnasNet, EfficientNet): 1×1 expand (left
    out when it would not change the width: t = 1), k×k depthwise (stride s), optional
    squeeze-and-excite, linear 1×1 project; a residual add at stride 1 when the channels
    match."""
    r = b.r
    c_in = r.shape(src)[0]
    hidden = b.width(p["exp"], p) if p.get("exp") is not None else b.expanded(p, src)
    out = b.width(p["c"], p)
    x = src
    if hidden != c_in:
        x = b.conv(f"{id}_expand", x, hidden, 1, p=p)
    x = b.conv(f"{id}_dw", x, hidden, p["k"], p["s"], "dw", p)
    if p["se"]:
        x = b.squeeze_excite(f"{id}_se", x, hidden if p["se_of"] == "exp" else c_in, p)
    x = b.conv(f"{id}_project", x, out, 1, p=p, act="none")  # linear bottleneck
    if p["skip"] and p["s"] == 1 and c_in == out:
        x = r.add(f"{id}_add", src, x)
    return x


@block("fused_mbconv", "b{i}", c=REQUIRED, t=REQUIRED, k=3, s=1, act="relu", skip=True, n=1,
       scale_with_alpha=True, divisor=None, t_round="round", from_=None, **_SE)
def _fused_mbconv(b, id, p, src):
    """Fused-MBConv (EfficientNetV2): a k×k conv (stride s) expanding to t × the input, optional
    squeeze-and-excite, linear 1×1 project; t = 1: the k×k conv alone, to c. Residual as in
    inverted_residual."""
    r = b.r
    c_in = r.shape(src)[0]
    hidden = b.expanded(p, src)
    out = b.width(p["c"], p)
    if hidden == c_in:
        x = b.conv(f"{id}_conv", src, out, p["k"], p["s"], 1, p)
        if p["se"]:
            x = b.squeeze_excite(f"{id}_se", x, c_in, p)
    else:
        x = b.conv(f"{id}_expand", src, hidden, p["k"], p["s"], 1, p)
        if p["se"]:
            x = b.squeeze_excite(f"{id}_se", x, hidden if p["se_of"] == "exp" else c_in, p)
        x = b.conv(f"{id}_project", x, out, 1, p=p, act="none")
    if p["skip"] and p["s"] == 1 and c_in == out:
        x = r.add(f"{id}_add", src, x)
    return x


@block("squeeze_excite", "se{i}", se=0.25, se_round="floor", se_act="relu", se_gate="sigmoid",
       from_=None)
def _squeeze_excite(b, id, p, src):
    """Squeeze-and-excitation (Hu et al.): global pool → 1×1 conv to se × the channels (bias)
    → se_act → 1×1 conv back (bias) → se_gate → scale the input channel by channel."""
    if not p["se"]:
        raise CostcalcError("a squeeze_excite block needs se > 0")
    return b.squeeze_excite(id, src, b.r.shape(src)[0], p)


@block("dense_block", "dense{i}", units=REQUIRED, growth=REQUIRED, unit="conv", bottleneck=4,
       k=3, bn=True, act="relu", from_=None)
def _dense_block(b, id, p, src):
    """Dense block (DenseNet; Dense1/Dense2-MobileNet): each unit reads the concatenation of
    the block input and every earlier unit's output and adds ``growth`` channels; the block
    outputs the concatenation of all. Units: conv (DenseNet-BC: 1×1 to bottleneck × growth,
    then k×k to growth), separable (Dense2: k×k depthwise over the concatenation, 1×1 to
    growth), dense1 (Dense1: the 1×1 reads the concatenation and its own depthwise output)."""
    r, g = b.r, p["growth"]
    feats = [src]
    for u in range(1, p["units"] + 1):
        inp = r.concat(f"{id}_u{u}_cat", feats)
        if p["unit"] == "conv":
            x = inp
            if p["bottleneck"]:
                x = b.conv(f"{id}_u{u}_bottleneck", x, r.channels(b.number(p["bottleneck"]) * g),
                           1, p=p)
            x = b.conv(f"{id}_u{u}_conv", x, g, p["k"], p=p)
        elif p["unit"] == "separable":
            x = b.conv(f"{id}_u{u}_dw", inp, r.shape(inp)[0], p["k"], 1, "dw", p)
            x = b.conv(f"{id}_u{u}_pw", x, g, 1, p=p)
        else:
            dw = b.conv(f"{id}_u{u}_dw", inp, r.shape(inp)[0], p["k"], 1, "dw", p)
            both = r.concat(f"{id}_u{u}_pwcat", [inp, dw])
            x = b.conv(f"{id}_u{u}_pw", both, g, 1, p=p)
        feats.append(x)
    return r.concat(f"{id}_out", feats)


@block("transition", "transition{i}", compression=0.5, bn=True, act="relu", from_=None)
def _transition(b, id, p, src):
    """DenseNet transition: 1×1 conv to θ × the channels, then 2×2 average pool, stride 2."""
    r = b.r
    x = b.conv(f"{id}_conv", src, r.channels(r.shape(src)[0] * b.number(p["compression"])), 1, p=p)
    b.check_stride(x, 2)
    return r.avg_pool(f"{id}_pool", 2, 2, src=x)


@block("fire", "fire{i}", s1x1=REQUIRED, e1x1=REQUIRED, e3x3=REQUIRED, bias=False, bn=True,
       act="relu", n=1, scale_with_alpha=True, divisor=None, from_=None)
def _fire(b, id, p, src):
    """Fire module (SqueezeNet): 1×1 squeeze to s1x1, then 1×1 (e1x1) and 3×3 (e3x3) expand
    convs side by side, concatenated."""
    sq = b.conv(f"{id}_squeeze", src, b.width(p["s1x1"], p), 1, p=p)
    e1 = b.conv(f"{id}_expand1x1", sq, b.width(p["e1x1"], p), 1, p=p)
    e3 = b.conv(f"{id}_expand3x3", sq, b.width(p["e3x3"], p), 3, p=p)
    return b.r.concat(f"{id}_cat", [e1, e3])


@block("inception", "inception{i}", c1x1=REQUIRED, c3x3r=REQUIRED, c3x3=REQUIRED,
       c5x5r=REQUIRED, c5x5=REQUIRED, pool_proj=REQUIRED, k=5, ceil_mode=False, bias=False,
       bn=True, act="relu", scale_with_alpha=True, divisor=None, from_=None)
def _inception(b, id, p, src):
    """Inception module (GoogLeNet Table 1): 1×1; 1×1 reduce → 3×3; 1×1 reduce → 5×5 (k: the
    kernel of this branch; torchvision's GoogLeNet uses 3); 3×3 max pool (stride 1) → 1×1 pool
    proj; the four concatenated."""
    w = lambda key: b.width(p[key], p)  # noqa: E731
    a = b.conv(f"{id}_1x1", src, w("c1x1"), 1, p=p)
    x = b.conv(f"{id}_3x3r", src, w("c3x3r"), 1, p=p)
    c3 = b.conv(f"{id}_3x3", x, w("c3x3"), 3, p=p)
    x = b.conv(f"{id}_5x5r", src, w("c5x5r"), 1, p=p)
    c5 = b.conv(f"{id}_5x5", x, w("c5x5"), p["k"], p=p)
    b.r.max_pool(f"{id}_pool", 3, 1, 1, p["ceil_mode"], src=src)
    pp = b.conv(f"{id}_poolproj", b.r.last, w("pool_proj"), 1, p=p)
    return b.r.concat(f"{id}_out", [a, c3, c5, pp])


@block("shuffle_unit", "b{i}", c=REQUIRED, s=1, g=REQUIRED, first_g=None, bottleneck=0.25,
       act="relu", n=1, scale_with_alpha=True, divisor=None, from_=None)
def _shuffle_unit(b, id, p, src):
    """ShuffleNet unit (Zhang et al. 2017, Fig. 2; the authors' code for the order): 1×1 group
    conv to bottleneck × c → BN → act → channel shuffle → 3×3 depthwise (stride s) → BN → 1×1
    group conv → BN; stride 1: add the input, then act; stride 2: act, then concatenate a 3×3
    average pool (stride 2) of the input, the branch making up the rest of the c channels."""
    r = b.r
    c_in = r.shape(src)[0]
    out = b.width(p["c"], p)
    mid = r.channels(out * b.number(p["bottleneck"]))
    g1 = p["first_g"] or p["g"]
    branch = out if p["s"] == 1 else out - c_in
    if p["s"] != 1 and not (b.symbolic or branch > 0):
        raise ShapeError(f"a stride-{p['s']} ShuffleNet unit concatenates its {c_in} input "
                         f"channels, so c must be more than {c_in}, got {out}")
    x = b.conv(f"{id}_gconv1", src, mid, 1, 1, g1, p)
    x = r.shuffle(f"{id}_shuffle", p["g"], src=x) if p["g"] > 1 else x
    x = b.conv(f"{id}_dw", x, mid, 3, p["s"], "dw", p, act="none")
    x = b.conv(f"{id}_gconv2", x, branch, 1, 1, p["g"], p, act="none")
    act = p["act"]
    if p["s"] == 1:
        x = r.add(f"{id}_add", src, x)
        return r.act(f"{id}_{act}", act) if act != "none" else x
    x = r.act(f"{id}_{act}", act) if act != "none" else x
    short = r.avg_pool(f"{id}_shortcut", 3, p["s"], 1, src=src)
    return r.concat(f"{id}_cat", [short, x])


@block("channel_shuffle", "shuffle{i}", g=REQUIRED, from_=None)
def _channel_shuffle(b, id, p, src):
    """Channel shuffle across g groups (ShuffleNet): a permutation, no arithmetic."""
    return b.r.shuffle(id, p["g"], src=src)


@block("max_pool", "pool{i}", k=REQUIRED, s=None, padding=0, ceil_mode=False, from_=None)
def _max_pool(b, id, p, src):
    """k×k max pooling (stride s, default k)."""
    b.check_stride(src, p["s"] or p["k"])
    return b.r.max_pool(id, p["k"], p["s"], p["padding"], p["ceil_mode"], src=src)


@block("avg_pool", "pool{i}", k=REQUIRED, s=None, padding=0, from_=None)
def _avg_pool(b, id, p, src):
    """k×k average pooling (stride s, default k)."""
    b.check_stride(src, p["s"] or p["k"])
    return b.r.avg_pool(id, p["k"], p["s"], p["padding"], src=src)


@block("global_pool", "pool{i}", from_=None)
def _global_pool(b, id, p, src):
    """Global average pooling to 1×1."""
    return b.r.global_pool(id, src=src)


@block("adaptive_pool", "pool{i}", size=REQUIRED, from_=None)
def _adaptive_pool(b, id, p, src):
    """Average pooling to a fixed size × size map whatever the input (torchvision's AlexNet)."""
    return b.r.adaptive_pool(id, p["size"], src=src)


@block("flatten", "flatten{i}", from_=None)
def _flatten(b, id, p, src):
    """Flatten a map to a vector (an FC flattens by itself; this ends a net on a vector)."""
    return b.r.flatten(id, src=src)


@block("fc", "fc{i}", one_of=(("c", "classes"),), c=None, classes=None, bias=True, act="none",
       scale_with_alpha=True, divisor=None, from_=None)
def _fc(b, id, p, src):
    """Fully connected layer (a C×H×W input is flattened first): c features (scaled by α) or
    a fixed number of classes; bias by default, as torch's nn.Linear."""
    b.r.fc(id, b.out_channels(p, src), bias=p["bias"], src=src)
    return b.r.act(f"{id}_{p['act']}", p["act"]) if p["act"] != "none" else b.r.last


@block("add", "add{i}", from_=REQUIRED, act="none")
def _add(b, id, p, srcs):
    """Residual add of two layers (``from``: both, or one and the layer before)."""
    a, c = srcs if len(srcs) == 2 else (b.r.last, srcs[0])
    x = b.r.add(id, a, c)
    return b.r.act(f"{id}_{p['act']}", p["act"]) if p["act"] != "none" else x


@block("concat", "cat{i}", from_=REQUIRED)
def _concat(b, id, p, srcs):
    """Channel concatenation of the layers in ``from``."""
    return b.r.concat(id, srcs)


@block("activation", "act{i}", act=REQUIRED, from_=None)
def _activation(b, id, p, src):
    """An activation on its own (after an add, say)."""
    if p["act"] == "none":
        return src
    return b.r.act(id, p["act"], src=src)


_MULTI_SOURCE = {"add": (1, 2), "concat": (2, None)}
_VECTOR_OK = ("fc", "activation")  # the blocks that also take a vector (after an FC)


# -- the spec ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One ``[[layers]]`` item: a block type, its stage-wide values and its rows."""

    index: int  # 1-based, as a reader counts them
    block: Block
    params: dict  # block defaults, then the spec's [defaults], then the entry's keys
    rows: tuple  # one dict per row; a single layer is one row of {}
    where: tuple  # (line of the entry, line of each row)
    merged: tuple = ()  # per row: params and the row's values, merged once
    option_keys: tuple = ()  # per row: keys whose value names a spec option

    def __post_init__(self):
        merged = tuple({**self.params, **row} for row in self.rows)
        object.__setattr__(self, "merged", merged)
        object.__setattr__(self, "option_keys", tuple(
            tuple(k for k, v in p.items() if isinstance(v, str) and KEYS[k].option) for p in merged))

    def describe(self, ids) -> str:
        ids = [i for i in ids if i]
        return f"layers #{self.index} ({self.block.name}" + (f" {ids[0]!r})" if ids else ")")


@dataclass(frozen=True)
class Spec:
    path: str
    name: str
    title: str
    side: int
    channels: int
    width: str
    min_channels: int
    options: dict  # name -> default (growth_rate = 32)
    entries: tuple
    published: tuple = ()
    source: str = ""
    min_side: int | None = None  # None: the product of its strides (archs.min_side)
    notes: tuple = ()  # what every report of it says (choices that are costcalc's, not the paper's)

    def table(self, block: str, columns: tuple) -> list[tuple]:
        """The rows of the first stage table of a block type, as tuples of ``columns`` —
        the paper's table read back (MobileNet v2's t, c, n, s)."""
        e = next(e for e in self.entries if e.block.name == block)
        return [tuple(p[c] for c in columns) for p in e.merged]

    def build(self, r, **opts) -> None:
        """Resolve the spec on ``r``: one block function per block instance, in order."""
        opts = {**self.options, **opts}
        b = _Build(self, r, opts)
        for e in self.entries:
            for j, p in enumerate(e.merged):
                if e.option_keys[j]:
                    p = {**p, **{k: opts[p[k]] for k in e.option_keys[j]}}
                for rep in range(p.get("n", 1)):
                    q = p if rep == 0 else {**p, **{k: None for k in FIRST_ONLY if k in p}, "s": 1}
                    id = b_id = _instance_id(b, q["id"])
                    r.context = b_id
                    try:
                        if e.block.name in _MULTI_SOURCE:
                            src = [b.ref(x) for x in q["from"]]
                        else:
                            src = b.source(q)
                        if e.block.name not in _VECTOR_OK:
                            for x in [src] if isinstance(src, str) else src:
                                if len(r.shape(x)) != 3:
                                    raise ShapeError(f"{e.block.name} needs a C×H×W map, but "
                                                     f"{x} is a vector of {r.shape(x)[0]} features")
                        out = e.block.fn(b, id, q, src)
                    except CostcalcError as err:
                        line = e.where[1][j] if len(e.rows) > 1 else e.where[0]
                        where = e.describe([b_id]) + (f", row {j + 1}" if len(e.rows) > 1 else "")
                        raise SpecError(f"{self.path}:{line}: {where}: at α = {_alpha(r.alpha)}, "
                                        f"{r.resolution} px: {err}") from None
                    b.blocks[b_id] = out
        r.context = ""


def _alpha(a) -> str:
    return f"{a:g}" if isinstance(a, (int, float)) else str(a)


def _instance_id(b: _Build, template: str) -> str:
    if "{i}" not in template:
        return template
    n = b.counters.get(template, 0) + 1
    b.counters[template] = n
    return template.replace("{i}", str(n))


# -- reading a file ----------------------------------------------------------------------------

TOP_KEYS = {
    "name": "the architecture's name (letters, digits, _)",
    "title": "its title in reports",
    "source": "where the table comes from (paper, table)",
    "input": "input = { side = 224, channels = 3 }",
    "width": "how α rounds channels: floor, round or divisible8",
    "min_channels": "no α-scaled channel count below this (TF-slim's min_depth: 8)",
    "min_side": "the smallest input side it takes (default: the product of its strides)",
    "options": "command-line options the spec takes, with defaults: { growth_rate = 32 }",
    "defaults": "keys every block that takes them gets unless it says otherwise",
    "layers": "the ordered layers and stage tables ([[layers]])",
    "published": "published figures: [[published]] alpha, resolution, macs_m, params_m, top1, source",
    "notes": "sentences `model` prints with it (the choices that are yours, not the paper's)",
}
WIDTHS = ("floor", "round", "divisible8")
OPTIONS = {"growth_rate": "--growth-rate"}  # options the command line can set
PUBLISHED_KEYS = {"alpha": _pos_num, "resolution": _pos_int, "macs_m": _pos_num,
                  "params_m": _pos_num, "top1": lambda v: _number(v, 0.0, 100.0), "source": None}


class _Lines:
    """Where things are in the file, for messages (tomllib gives values, not lines)."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers = [i + 1 for i, s in enumerate(self.lines)
                        if re.match(r"^\s*\[\[\s*layers\s*\]\]", s)]
        self.pub_headers = [i + 1 for i, s in enumerate(self.lines)
                            if re.match(r"^\s*\[\[\s*published\s*\]\]", s)]

    def _key(self, key: str, start: int, stop: int) -> int | None:
        pat = re.compile(rf"^\s*(\"?){re.escape(key)}\1\s*=")
        for n in range(start, min(stop, len(self.lines)) + 1):
            if pat.match(self.lines[n - 1]):
                return n
        return None

    def span(self, headers: list, i: int) -> tuple[int, int]:
        if i < len(headers):
            start = headers[i]
            later = [h for h in self.headers + self.pub_headers if h > start]
            tables = [n + 1 for n, s in enumerate(self.lines) if n + 1 > start
                      and re.match(r"^\s*\[[^\[]", s)]
            return start, min(later + tables + [len(self.lines) + 1]) - 1
        return 1, len(self.lines)

    def entry(self, i: int) -> int:
        return self.headers[i] if i < len(self.headers) else (self.top("layers") or 1)

    def key(self, i: int, key: str) -> int:
        start, stop = self.span(self.headers, i)
        return self._key(key, start, stop) or self.entry(i)

    def top(self, key: str) -> int | None:
        first = min(self.headers + self.pub_headers + [len(self.lines) + 1])
        n = self._key(key, 1, first - 1)
        if n is None:
            for m, s in enumerate(self.lines[:first - 1], start=1):
                if re.match(rf"^\s*\[\s*{re.escape(key)}\s*\]", s):
                    return m
        return n

    def rows(self, i: int, count: int) -> list[int]:
        """The line each row of entry i starts on (bracket depth 2 of its ``rows = [...]``)."""
        line = self.key(i, "rows")
        text = "\n".join(self.lines[line - 1:])
        text = text[text.index("=") + 1:] if "=" in text else text
        out, depth, n, in_str, comment = [], 0, line, None, False
        for ch in text:
            if ch == "\n":
                n += 1
                comment = False
                continue
            if comment:
                continue
            if in_str:
                in_str = None if ch == in_str else in_str
                continue
            if ch in "\"'":
                in_str = ch
            elif ch == "#":
                comment = True
            elif ch == "[":
                depth += 1
                if depth == 2:
                    out.append(n)
            elif ch == "]":
                depth -= 1
                if depth == 0:
                    break
        return (out + [line] * count)[:count]


def load(path: str | Path) -> Spec:
    """Read and check a spec file; every problem is one SpecError line naming file and line."""
    p = Path(path)
    where = str(path)
    if not p.is_file():
        raise SpecError(f"{where}: no such file" if not p.exists() else f"{where}: not a file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"{where}: cannot read: {e}") from None
    return loads(text, where)


def loads(text: str, where: str = "<spec>") -> Spec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        loc = f"{m.group(1)}:{m.group(2)}" if m else "1"
        msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
        raise SpecError(f"{where}:{loc}: not valid TOML: {msg}") from None
    return _decode(data, _Lines(text), where)


def _decode(data: dict, lines: _Lines, where: str) -> Spec:
    def fail(line, msg):
        raise SpecError(f"{where}:{line or 1}: {msg}")

    for key in data:
        if key not in TOP_KEYS:
            fail(lines.top(key), f"unknown top-level key {key!r}{_hint(key, TOP_KEYS)}; "
                                 f"known: {', '.join(TOP_KEYS)}")
    name = data.get("name")
    if not isinstance(name, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_.\-]*$", name):
        fail(lines.top("name"), "needs name = \"...\" (letters, digits, _), "
                                f"got {_show(name) if name is not None else 'none'}")
    title = data.get("title", name)
    source = data.get("source", "")
    for key, v in (("title", title), ("source", source)):
        if not isinstance(v, str):
            fail(lines.top(key), f"{key} must be a string, got {_show(v)}")
    notes = data.get("notes", [])
    notes = [notes] if isinstance(notes, str) else notes
    if not isinstance(notes, list) or not all(isinstance(n, str) and n.strip() for n in notes):
        fail(lines.top("notes"), f"notes must be a list of sentences, got {_show(data['notes'])}")
    side, channels = _input(data.get("input", {}), lambda msg: fail(lines.top("input"), msg))
    width = data.get("width", "floor")
    if width not in WIDTHS:
        fail(lines.top("width"), f"width must be one of {', '.join(WIDTHS)}, got {_show(width)}"
                                 f"{_hint(str(width), WIDTHS)}")
    try:
        min_channels = _pos_int(data.get("min_channels", 1)) if "min_channels" in data else 0
    except _Bad as e:
        fail(lines.top("min_channels"), f"min_channels {e}")
    try:
        min_side = _pos_int(data["min_side"]) if "min_side" in data else None
    except _Bad as e:
        fail(lines.top("min_side"), f"min_side {e}")
    def table(key: str, example: str, check) -> dict:
        """A top-level table, each entry checked by ``check(name, value)`` (raises _Bad)."""
        t = data.get(key, {})
        if not isinstance(t, dict):
            fail(lines.top(key), f"{key} must be a table: {key} = {example}")
        for k, v in t.items():
            try:
                t[k] = check(k, v)
            except _Bad as e:
                fail(lines.top(key), f"{key}: {k} {e}")
        return t

    def option(k, v):
        if k not in OPTIONS:
            raise _Bad(f"is no option{_hint(k, OPTIONS)}; the command line sets only "
                       f"{', '.join(OPTIONS)}")
        return _pos_int(v)

    def default(k, v):
        if k not in KEYS or k in ("id", "from"):
            raise _Bad(f"is no key a block takes{_hint(k, KEYS)}")
        return _value(k, v, options)

    options = table("options", "{ growth_rate = 32 }", option)
    defaults = table("defaults", "{ bias = true }", default)
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers or not all(isinstance(x, dict) for x in layers):
        fail(lines.top("layers") or len(lines.lines), "needs at least one [[layers]] table")
    entries = tuple(_entry(i, raw, defaults, options, lines, fail) for i, raw in enumerate(layers))
    _check_ids(entries, lines, fail)
    published = _published(data.get("published", []), lines, fail)
    return Spec(where, name, title, side, channels, width, min_channels, dict(options), entries,
                published, source, min_side, tuple(n.strip() for n in notes))


def _value(key: str, v, options: dict):
    """A key's value checked; a string naming a declared option stands for that option."""
    spec = KEYS[key]
    if spec.option and isinstance(v, str):
        if v not in options:
            raise _Bad(f"= {_show(v)} names no option{_hint(v, options)} (declare it: "
                       f"options = {{ {v} = ... }})")
        return v
    return spec.check(v)


def _input(v, fail):
    if isinstance(v, int) and not isinstance(v, bool):
        v = {"side": v}
    if not isinstance(v, dict):
        fail(f"input must be a table: input = {{ side = 224, channels = 3 }}, got {_show(v)}")
    for k in v:
        if k not in ("side", "channels"):
            fail(f"input: unknown key {k!r}{_hint(k, ('side', 'channels'))}; known: side, channels")
    try:
        return _pos_int(v.get("side", 224)), _pos_int(v.get("channels", 3))
    except _Bad as e:
        fail(f"input: {e}")


def _entry(i: int, raw: dict, defaults: dict, options: dict, lines: _Lines, fail) -> Entry:
    n = i + 1
    line = lines.entry(i)
    name = raw.get("block")
    if name is None:
        fail(line, f"layers #{n}: needs block = \"...\" (one of {', '.join(BLOCKS)})")
    if name not in BLOCKS:
        hint = BLOCK_HINTS.get(name) if isinstance(name, str) else None
        hint = f" (did you mean {hint!r}?)" if hint else _hint(str(name), BLOCKS)
        fail(lines.key(i, "block"), f"layers #{n}: unknown block type {_show(name)}{hint}; "
                                    f"known: {', '.join(BLOCKS)}")
    blk = BLOCKS[name]
    label = f"layers #{n} ({name})"

    def check(key, v, at, what=""):
        if key not in blk.defaults:
            takes = ", ".join(k for k in blk.defaults)
            fail(at, f"{label}{what}: {name} takes no key {key!r}"
                     f"{_hint(key, blk.defaults)}; it takes: {takes}")
        try:
            return _value(key, v, options)
        except _Bad as e:
            fail(at, f"{label}{what}: {key} {e}")

    params = {k: v for k, v in blk.defaults.items()}
    params.update({k: v for k, v in defaults.items() if k in blk.defaults})
    columns, rows = raw.get("columns"), raw.get("rows")
    for key, v in raw.items():
        if key in ("block", "columns", "rows"):
            continue
        params[key] = check(key, v, lines.key(i, key))
    row_dicts: list[dict] = []
    row_lines: list[int] = []
    if (columns is None) != (rows is None):
        fail(lines.key(i, "columns" if columns is not None else "rows"),
             f"{label}: a stage table needs both columns = [...] and rows = [[...], ...]")
    if columns is not None:
        at = lines.key(i, "columns")
        if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
            fail(at, f"{label}: columns must be a list of key names, e.g. [\"t\", \"c\", \"n\", \"s\"]")
        for c in columns:
            if c in ("block", "columns", "rows"):
                fail(at, f"{label}: {c!r} cannot be a column")
            if c not in blk.defaults:
                fail(at, f"{label}: column {c!r}: {name} takes no key {c!r}{_hint(c, blk.defaults)}; "
                         f"it takes: {', '.join(blk.defaults)}")
            if c in raw:
                fail(at, f"{label}: {c!r} is both a column and a key of the stage")
        if len(set(columns)) != len(columns):
            fail(at, f"{label}: a column is named twice in {columns}")
        if not isinstance(rows, list) or not rows:
            fail(lines.key(i, "rows"), f"{label}: rows must be a non-empty list of rows")
        row_lines = lines.rows(i, len(rows))
        for j, row in enumerate(rows):
            rl = row_lines[j]
            if not isinstance(row, list):
                fail(rl, f"{label}, row {j + 1}: a row is a list of {len(columns)} values "
                         f"({', '.join(columns)}), got {_show(row)}")
            if len(row) != len(columns):
                missing = columns[len(row):]
                what = (f"missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}"
                        if missing else f"{len(row) - len(columns)} value(s) more than the columns")
                fail(rl, f"{label}, row {j + 1}: {len(row)} values for {len(columns)} columns "
                         f"({', '.join(columns)}): {what}")
            row_dicts.append({c: check(c, v, rl, f", row {j + 1}") for c, v in zip(columns, row)})
    rows_t = tuple(row_dicts) or ({},)
    # requirements, checked row by row (a column may supply what the stage leaves out)
    for j, row in enumerate(rows_t):
        p = {**params, **row}
        at = row_lines[j] if row_lines else line
        what = f", row {j + 1}" if row_lines else ""
        for key, v in p.items():
            if v is REQUIRED:
                fail(at, f"{label}{what}: needs {key!r} ({KEYS[key].doc})")
        for group in blk.one_of:
            given = [k for k in group if p.get(k) is not None]
            if len(given) != 1:
                fail(at, f"{label}{what}: give exactly one of {' or '.join(map(repr, group))}"
                         + (f", not {' and '.join(given)}" if given else
                            f" ({'; '.join(f'{k}: {KEYS[k].doc}' for k in group)})"))
        refs = p.get("from")
        lo, hi = _MULTI_SOURCE.get(name, (1, 1))
        if refs is not None and not (lo <= len(refs) <= (hi or len(refs))):
            want = f"{lo} or {hi}" if hi and hi != lo else f"at least {lo}" if hi is None else str(lo)
            fail(at, f"{label}{what}: 'from' names {len(refs)} layer(s); {name} reads {want}")
        if "{i}" not in p["id"] and p.get("n", 1) > 1:
            fail(at, f"{label}{what}: id {p['id']!r} names one layer but n = {p['n']} repeats "
                     f"the block; use a template such as '{p['id']}{{i}}'")
    return Entry(n, blk, params, rows_t, (line, tuple(row_lines)))


def _check_ids(entries, lines, fail):
    """A fixed id used by two rows would collide at resolve time: say so now, with both lines."""
    seen: dict[str, tuple] = {}
    for e in entries:
        for j, row in enumerate(e.rows):
            id = {**e.params, **row}["id"]
            if "{i}" in id:
                continue
            line = e.where[1][j] if e.where[1] else lines.key(e.index - 1, "id")
            if id in seen:
                fail(line, f"{e.describe([id])}: id {id!r} is already used by "
                           f"layers #{seen[id][0]} (line {seen[id][1]})")
            seen[id] = (e.index, line)


def _published(items, lines: _Lines, fail) -> tuple:
    from .published import Ref

    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        fail(lines.top("published"), "published must be [[published]] tables")
    out = []
    for i, item in enumerate(items):
        at = lines.pub_headers[i] if i < len(lines.pub_headers) else lines.top("published")
        for k in item:
            if k not in PUBLISHED_KEYS:
                fail(at, f"published #{i + 1}: unknown key {k!r}{_hint(k, PUBLISHED_KEYS)}; "
                         f"known: {', '.join(PUBLISHED_KEYS)}")
        vals = {}
        for k, check in PUBLISHED_KEYS.items():
            v = item.get(k)
            if v is None:
                if k in ("alpha", "resolution", "macs_m", "params_m"):
                    fail(at, f"published #{i + 1}: needs {k}")
                vals[k] = None if k == "top1" else ""
                continue
            try:
                vals[k] = check(v) if check else str(v)
            except _Bad as e:
                fail(at, f"published #{i + 1}: {k} {e}")
        out.append(Ref(float(vals["alpha"]), vals["resolution"], vals["macs_m"],
                       vals["params_m"], vals["top1"], vals["source"]))
    return tuple(out)


__all__ = ["BLOCKS", "KEYS", "Spec", "SpecError", "load", "loads"]
