"""Layer kinds and their cost formulas: one registry, each formula written once.

Every formula uses only ``*``, ``+``, ``-`` and ``//`` (or :func:`exact_div`), so the same
function returns a Python int for integer arguments and a sympy expression for symbols. The
symbolic table, the hook counter and the checker all call these functions; nothing else in
costcalc multiplies out a layer cost.

Conventions (see :mod:`costcalc.units`): ``macs`` are the multiply-accumulates of conv and
linear layers with no bias (the MobileNet papers' mult-adds). Bias parameters, bias adds,
batch-norm, activation, pooling and element-wise-add operations are separate fields, never
folded into ``macs``. Shapes are per image: ``(C, H, W)`` or ``(F,)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import CostcalcError, ShapeError

Num = Any  # int or sympy.Expr


def _is_int(*xs) -> bool:
    for x in xs:  # a loop, not all(<genexpr>): the hook counter calls this ~200 times a model
        if not isinstance(x, int):
            return False
    return True


def _pair(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x, x)


def exact_div(a, b):
    """a / b where b must divide a: an int for ints (checked), a sympy quotient for symbols."""
    if _is_int(a, b):
        if a % b:
            raise CostcalcError(f"{b} does not divide {a}")
        return a // b
    import sympy

    return sympy.sympify(a) / b


def conv_type(c_in: int, groups: int, kernel: tuple) -> str:
    """What a convolution is: 'depthwise' (groups = input channels > 1), 'grouped'
    (1 < groups < input channels), 'pointwise' (1×1…, groups 1) or 'conv' (a full k×k)."""
    if groups == c_in and (c_in > 1 if _is_int(c_in) else True):  # symbolic c_in: depthwise
        return "depthwise"
    if groups > 1:
        return "grouped"
    return "pointwise" if all(k == 1 for k in kernel) else "conv"


def conv_tag(c_in: int, groups: int, kernel: tuple) -> str:
    """The MobileNet paper's Table 2 name for a convolution: 'Conv DW 3×3', 'Conv 1×1', ..."""
    k = "×".join(str(int(x)) for x in kernel)
    kind = conv_type(c_in, groups, kernel)
    return {"depthwise": f"Conv DW {k}", "grouped": f"Conv grouped {k}"}.get(kind, f"Conv {k}")


def out_side(di: Num, k: Num, s: Num = 1, p: Num = 0, d: Num = 1, ceil_mode: bool = False) -> Num:
    """Output side of a convolution or pooling window: floor((Di + 2p - d(k-1) - 1)/s) + 1.

    ``ceil_mode`` (pooling only) rounds up instead, but, as torch does, drops a last window
    that would start in the right padding.
    """
    if ceil_mode:  # torch's pooling_output_shape: a window may start inside a short input
        out = (di + 2 * p - d * (k - 1) - 1 + (s - 1)) // s + 1
        out = out - 1 if (out - 1) * s >= di + p else out
        if _is_int(out) and out < 1:
            raise ShapeError(f"pooling window {k} (stride {s}, padding {p}) leaves no output "
                             f"on side {di}")
        return out
    if _is_int(di, k, s, p, d) and di + 2 * p < d * (k - 1) + 1:
        raise ShapeError(
            f"kernel {k} (dilation {d}, effective {d * (k - 1) + 1}) is larger than the "
            f"padded input {di + 2 * p} (side {di}, padding {p})")
    return (di + 2 * p - d * (k - 1) - 1) // s + 1


def transposed_out_side(di: Num, k: Num, s: Num = 1, p: Num = 0, d: Num = 1, op: Num = 0) -> Num:
    return (di - 1) * s - 2 * p + d * (k - 1) + op + 1


@dataclass(frozen=True)
class Cost:
    """What one layer costs for one image. All fields are ints or sympy expressions."""

    kind: str
    out_shape: tuple
    macs: Num = 0        # conv/linear multiply-accumulates, bias excluded
    params: Num = 0      # conv/linear weights
    bias: Num = 0        # bias parameters
    bias_ops: Num = 0    # one add per output element of a biased layer
    bn_affine: Num = 0   # batch-norm gamma and beta (trainable)
    bn_stats: Num = 0    # batch-norm running mean and variance (buffers)
    ops: Num = 0         # element operations of BN / activation / pooling / add layers

    @property
    def out_elems(self) -> Num:
        n = 1
        for x in self.out_shape:
            n = n * x
        return n


@dataclass(frozen=True)
class Kind:
    name: str
    category: str  # conv, linear, norm, activation, pool, add, concat, shuffle
    fn: Callable[..., Cost]
    doc: str = ""
    args: tuple = field(default=())


KINDS: dict[str, Kind] = {}


def register(name: str, category: str):
    """Add a layer kind to the registry. Registering a name twice is a programming error."""

    def deco(fn):
        if name in KINDS:
            raise RuntimeError(f"layer kind {name!r} registered twice")
        import inspect

        args = tuple(inspect.signature(fn).parameters)
        KINDS[name] = Kind(name, category, fn, (fn.__doc__ or "").strip().splitlines()[0], args)
        return fn

    return deco


def cost(kind: str, **kwargs) -> Cost:
    try:
        return KINDS[kind].fn(**kwargs)
    except KeyError:
        raise CostcalcError(f"unknown layer kind {kind!r}; known: {', '.join(KINDS)}") from None


def _check_groups(c_in, c_out, groups):
    if _is_int(c_in, c_out, groups):
        if groups < 1 or c_in % groups or c_out % groups:
            raise CostcalcError(
                f"groups={groups} must divide both input channels ({c_in}) and output channels ({c_out})")


def _conv(kind, c_in, c_out, kh, kw, groups, ho, wo, bias) -> Cost:
    """The one conv MAC formula: every output element takes kh·kw·(c_in/g) multiply-adds."""
    weights = kh * kw * exact_div(c_in, groups) * c_out
    nb = c_out if bias else 0
    return Cost(kind, (c_out, ho, wo), macs=weights * ho * wo, params=weights,
                bias=nb, bias_ops=nb * ho * wo)


# -- the general layers (input side given, as a torch module sees them) ----------------------

@register("conv2d", "conv")
def conv2d(c_in, c_out, h, w, kh, kw=None, stride=1, padding=0, dilation=1, groups=1,
           bias=False) -> Cost:
    """General 2-D convolution: kh×kw kernel, stride, padding, dilation, groups, bias."""
    kw = kh if kw is None else kw
    _check_groups(c_in, c_out, groups)
    if padding == "same":  # torch pads d(k-1) in all, one more on the right when odd; stride 1
        if stride not in (1, (1, 1)):
            raise ShapeError("padding='same' needs stride 1")
        return _conv("conv2d", c_in, c_out, kh, kw, groups, h, w, bias)
    padding = 0 if padding == "valid" else padding
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    ho, wo = out_side(h, kh, sh, ph, dh), out_side(w, kw, sw, pw, dw)
    return _conv("conv2d", c_in, c_out, kh, kw, groups, ho, wo, bias)


@register("conv_transpose2d", "conv")
def conv_transpose2d(c_in, c_out, h, w, kh, kw=None, stride=1, padding=0, output_padding=0,
                     dilation=1, groups=1, bias=False) -> Cost:
    """Transposed convolution: MACs counted on the input positions, Dk²·M·N·Di²/g."""
    kw = kh if kw is None else kw
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    oph, opw = _pair(output_padding)
    _check_groups(c_in, c_out, groups)
    if _is_int(oph, opw, sh, sw, dh, dw) and (oph >= max(sh, dh) or opw >= max(sw, dw)):
        raise ShapeError(f"output padding {oph}×{opw} must be smaller than either stride "
                         f"{sh}×{sw} or dilation {dh}×{dw}")  # torch's rule
    ho = transposed_out_side(h, kh, sh, ph, dh, oph)
    wo = transposed_out_side(w, kw, sw, pw, dw, opw)
    if _is_int(ho, wo) and (ho < 1 or wo < 1):
        raise ShapeError(f"transposed conv output would be {ho}×{wo}")
    weights = kh * kw * c_in * exact_div(c_out, groups)
    nb = c_out if bias else 0
    return Cost("conv_transpose2d", (c_out, ho, wo), macs=weights * h * w, params=weights,
                bias=nb, bias_ops=nb * ho * wo)


@register("linear", "linear")
def linear(in_features, out_features, bias=False) -> Cost:
    """Fully connected layer: in·out multiply-adds."""
    nb = out_features if bias else 0
    return Cost("linear", (out_features,), macs=in_features * out_features,
                params=in_features * out_features, bias=nb, bias_ops=nb)


@register("batch_norm", "norm")
def batch_norm(c, h, w) -> Cost:
    """Batch norm (eval): one scale-and-shift per element; 2C affine params, 2C buffers."""
    return Cost("batch_norm", (c, h, w), bn_affine=2 * c, bn_stats=2 * c, ops=c * h * w)


@register("activation", "activation")
def activation(c, h, w) -> Cost:
    """Element-wise activation (ReLU, ReLU6, h-swish, ...): one op per element."""
    return Cost("activation", (c, h, w), ops=c * h * w)


def _pool(kind, c, h, w, k, stride, padding, dilation, ceil_mode) -> Cost:
    """One formula for both poolings: kh·kw ops per output element."""
    (kh, kw), (ph, pw), (dh, dw) = _pair(k), _pair(padding), _pair(dilation)
    sh, sw = (kh, kw) if stride is None else _pair(stride)
    ho = out_side(h, kh, sh, ph, dh, ceil_mode)
    wo = out_side(w, kw, sw, pw, dw, ceil_mode)
    return Cost(kind, (c, ho, wo), ops=kh * kw * c * ho * wo)


@register("avg_pool", "pool")
def avg_pool(c, h, w, k, stride=None, padding=0, ceil_mode=False) -> Cost:
    """k×k average pooling: k² ops per output element."""
    return _pool("avg_pool", c, h, w, k, stride, padding, 1, ceil_mode)


@register("max_pool", "pool")
def max_pool(c, h, w, k, stride=None, padding=0, dilation=1, ceil_mode=False) -> Cost:
    """k×k max pooling: k² comparisons per output element."""
    return _pool("max_pool", c, h, w, k, stride, padding, dilation, ceil_mode)


@register("adaptive_avg_pool", "pool")
def adaptive_avg_pool(c, h, w, oh, ow) -> Cost:
    """Adaptive average pooling to oh×ow (torchvision's AlexNet head): one add per input element,
    as global pooling is counted."""
    return Cost("adaptive_avg_pool", (c, oh, ow), ops=c * h * w)


@register("global_avg_pool", "pool")
def global_avg_pool(c, h, w) -> Cost:
    """Global average pooling: one add per input element."""
    return Cost("global_avg_pool", (c, 1, 1), ops=c * h * w)


@register("add", "add")
def add(c, h, w) -> Cost:
    """Element-wise (residual) add of two tensors: one add per element."""
    return Cost("add", (c, h, w), ops=c * h * w)


@register("scale", "mul")
def scale(c, h, w) -> Cost:
    """Per-channel scaling of a C×H×W map by a C×1×1 gate (squeeze-and-excitation): one
    multiply per element."""
    return Cost("scale", (c, h, w), ops=c * h * w)


@register("concat", "concat")
def concat(channels, h, w) -> Cost:
    """Channel concatenation: no arithmetic, only data movement."""
    total = 0
    for c in channels:
        total = total + c
    return Cost("concat", (total, h, w))


@register("channel_shuffle", "shuffle")
def channel_shuffle(c, h, w, groups) -> Cost:
    """ShuffleNet channel shuffle: a permutation, no arithmetic."""
    _check_groups(c, c, groups)
    return Cost("channel_shuffle", (c, h, w))


# -- the paper's special cases, written on the output side Df as the papers do ---------------

@register("standard", "conv")
def standard(Dk, M, N, Df) -> Cost:
    """Standard Dk×Dk convolution: Dk²·M·N·Df²."""
    return _conv("standard", M, N, Dk, Dk, 1, Df, Df, False)


@register("depthwise", "conv")
def depthwise(Dk, M, Df) -> Cost:
    """Depthwise convolution, one Dk×Dk filter per input channel: Dk²·M·Df²."""
    return _conv("depthwise", M, M, Dk, Dk, M, Df, Df, False)


@register("pointwise", "conv")
def pointwise(M, N, Df) -> Cost:
    """Pointwise 1×1 convolution: M·N·Df²."""
    return _conv("pointwise", M, N, 1, 1, 1, Df, Df, False)


@register("grouped", "conv")
def grouped(Dk, M, N, Df, g) -> Cost:
    """Grouped convolution with g groups: Dk²·(M/g)·N·Df²."""
    _check_groups(M, N, g)
    return _conv("grouped", M, N, Dk, Dk, g, Df, Df, False)


@register("pointwise_grouped", "conv")
def pointwise_grouped(M, N, Df, g) -> Cost:
    """Pointwise grouped 1×1 convolution (ShuffleNet): (M/g)·N·Df²."""
    _check_groups(M, N, g)
    return _conv("pointwise_grouped", M, N, 1, 1, g, Df, Df, False)


def _sum(kind: str, out_shape: tuple, *parts: Cost) -> Cost:
    vals = {f: 0 for f in ("macs", "params", "bias", "bias_ops", "bn_affine", "bn_stats", "ops")}
    for part in parts:
        for f in vals:
            vals[f] = vals[f] + getattr(part, f)
    return Cost(kind, out_shape, **vals)


@register("separable", "conv")
def separable(Dk, M, N, Df) -> Cost:
    """Depthwise separable = depthwise + pointwise: M·Df²·(Dk² + N)."""
    return _sum("separable", (N, Df, Df), depthwise(Dk, M, Df), pointwise(M, N, Df))


@register("spatial_separable", "conv")
def spatial_separable(Dk, M, N, Df) -> Cost:
    """Spatially separable: Dk×1 conv M→N then 1×Dk conv N→N, 'same' padding, stride 1."""
    first = _conv("spatial_separable", M, N, Dk, 1, 1, Df, Df, False)
    second = _conv("spatial_separable", N, N, 1, Dk, 1, Df, Df, False)
    return _sum("spatial_separable", (N, Df, Df), first, second)


@register("spatial_standard_image", "conv")
def spatial_standard_image(Dk, Di) -> Cost:
    """k×k filter on one Di×Di channel, valid padding, stride 1: (Di−k+1)²·k²."""
    side = out_side(Di, Dk)
    return _conv("spatial_standard_image", 1, 1, Dk, Dk, 1, side, side, False)


@register("spatial_separable_image", "conv")
def spatial_separable_image(Dk, Di) -> Cost:
    """k×1 then 1×k on one Di×Di channel, valid padding: Di·(Di−k+1)·k + (Di−k+1)²·k."""
    side = out_side(Di, Dk)
    first = _conv("spatial_separable_image", 1, 1, Dk, 1, 1, side, Di, False)
    second = _conv("spatial_separable_image", 1, 1, 1, Dk, 1, side, side, False)
    return _sum("spatial_separable_image", (1, side, side), first, second)


@register("dilated", "conv")
def dilated(Dk, M, N, Df, d) -> Cost:
    """Dilated conv: the MACs of the undilated kernel; d only widens the receptive field."""
    return _conv("dilated", M, N, Dk, Dk, 1, Df, Df, False)


@register("transposed", "conv")
def transposed(Dk, M, N, Di, g) -> Cost:
    """Transposed conv on a Di×Di input, stride 1, no padding: Dk²·M·N·Di²/g."""
    return conv_transpose2d(M, N, Di, Di, Dk, groups=g)


@register("v2_block", "conv")
def v2_block(Dk, M, N, Di, Df, t) -> Cost:
    """MobileNet v2 bottleneck: 1×1 expand M→tM at Di, Dk×Dk depthwise to Df, 1×1 project tM→N."""
    parts = [depthwise(Dk, t * M, Df), pointwise(t * M, N, Df)]
    if not (isinstance(t, int) and t == 1):  # t = 1: no expand conv (the paper's first block)
        parts.insert(0, pointwise(M, t * M, Di))
    return _sum("v2_block", (N, Df, Df), *parts)


@register("flatten", "reshape")
def flatten(c, h, w) -> Cost:
    """Flatten a C×H×W map to a vector: no arithmetic."""
    return Cost("flatten", (c * h * w,))
