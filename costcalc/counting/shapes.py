"""Output shapes from module attributes, so a meta-device count need not run torch's kernels.

On the ``meta`` device torch still computes every output shape, and for convolution, linear,
pooling and batch norm it does so in Python (``torch/_meta_registrations.py`` and the
decompositions), at 20-1000 µs a call. Counting needs only the shapes, and for these layers the
shape is a short, documented formula of the module's attributes (the ``Shape:`` sections of
``nn.Conv2d``, ``nn.MaxPool2d`` and the others). Each rule here returns the output tensor made
with :func:`torch.empty` on meta, or ``None`` when anything is unusual: another device, a dtype
that differs from the weight's, an unbatched input, a channel count the layer would reject, an
empty output, an argument beyond the input. On ``None`` the layer's real ``forward`` runs, so
torch keeps the last word on every error and on every case these rules do not cover.

``tests/test_shape_rules.py`` pins each rule to torch's own meta kernels over random layer
configurations (hypothesis), including the configurations torch rejects.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .. import layers
from ..errors import ShapeError
from ..nn import ops

META = torch.device("meta")

# rule(module, *inputs) -> output tensor, or None to run the module's real forward.
Rule = Callable[..., "torch.Tensor | None"]
RULES: dict[type, Rule] = {}


def rule(*types):
    def deco(fn):
        for t in types:
            RULES[t] = fn
        return fn

    return deco


def _meta4d(x, channels: int | None = None, dtype=None) -> bool:
    """x is a batched NCHW meta tensor with `channels` channels and (optionally) `dtype`."""
    # `type(x) is Tensor` first: isinstance goes through torch's metaclass hook
    return (type(x) is torch.Tensor or isinstance(x, torch.Tensor)) and x.device == META \
        and x.dim() == 4 and (channels is None or x.shape[1] == channels) \
        and (dtype is None or x.dtype == dtype)


def _weights_ok(m: nn.Module, x) -> bool:
    """Weight and bias (if any) are meta tensors of x's dtype."""
    w, b = m.weight, m.bias
    return (w.device == META and w.dtype == x.dtype
            and (b is None or (b.device == META and b.dtype == x.dtype)))


def _window(size: int, k: int, s: int, p: int, d: int, ceil: bool = False) -> int:
    """:func:`costcalc.layers.out_side` (torch's formula), or 0 where torch would reject it."""
    try:
        return layers.out_side(size, k, s, p, d, ceil)
    except ShapeError:
        return 0


@rule(nn.Conv2d)
def conv2d(m: nn.Conv2d, x=None, *rest):
    if rest or not _meta4d(x, m.in_channels) or not _weights_ok(m, x):
        return None
    if m.padding_mode != "zeros":  # reflect / circular padding limit the input size; torch decides
        return None
    n, _, h, w = x.shape
    if m.padding == "same":  # stride 1 (nn.Conv2d insists); torch pads d(k-1) in all
        oh, ow = h, w
    else:
        (kh, kw), (sh, sw), (dh, dw) = m.kernel_size, m.stride, m.dilation
        ph, pw = (0, 0) if m.padding == "valid" else m.padding
        oh, ow = _window(h, kh, sh, ph, dh), _window(w, kw, sw, pw, dw)
    if oh <= 0 or ow <= 0:
        return None
    return torch.empty((n, m.out_channels, oh, ow), dtype=x.dtype, device=META)


@rule(nn.ConvTranspose2d)
def conv_transpose2d(m: nn.ConvTranspose2d, x=None, *rest):
    if rest or not _meta4d(x, m.in_channels) or not _weights_ok(m, x):
        return None
    n, _, h, w = x.shape
    oh, ow = (layers.transposed_out_side(size, k, s, p, d, op) for size, k, s, p, op, d in
              zip((h, w), m.kernel_size, m.stride, m.padding, m.output_padding, m.dilation))
    if oh <= 0 or ow <= 0 or any(op >= max(s, d) for op, s, d in
                                 zip(m.output_padding, m.stride, m.dilation)):
        return None
    return torch.empty((n, m.out_channels, oh, ow), dtype=x.dtype, device=META)


@rule(nn.Linear)
def linear(m: nn.Linear, x=None, *rest):
    if (rest or not isinstance(x, torch.Tensor) or x.device != META or x.dim() < 1
            or x.shape[-1] != m.in_features or not _weights_ok(m, x)):
        return None
    return torch.empty((*x.shape[:-1], m.out_features), dtype=x.dtype, device=META)


@rule(nn.MaxPool2d, nn.AvgPool2d)
def pool2d(m, x=None, *rest):
    if rest or not _meta4d(x) or getattr(m, "return_indices", False):
        return None
    if isinstance(m, nn.AvgPool2d) and m.divisor_override == 0:
        return None
    n, c, h, w = x.shape
    k, p = layers._pair(m.kernel_size), layers._pair(m.padding)
    s = layers._pair(m.stride) if m.stride is not None else k
    d = layers._pair(getattr(m, "dilation", 1))
    if any(pi > ki // 2 for pi, ki in zip(p, k)) or min(k + s + d) <= 0 or min(p) < 0:
        return None
    oh, ow = (_window(size, *a, ceil=m.ceil_mode) for size, a in zip((h, w), zip(k, s, p, d)))
    if oh <= 0 or ow <= 0:
        return None
    return torch.empty((n, c, oh, ow), dtype=x.dtype, device=META)


@rule(nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
def adaptive_pool2d(m, x=None, *rest):
    if rest or not _meta4d(x) or getattr(m, "return_indices", False) or 0 in x.shape[1:]:
        return None
    size = layers._pair(m.output_size)
    out = tuple(x.shape[2 + i] if v is None else v for i, v in enumerate(size))
    if min(out) < 0:
        return None
    return torch.empty((*x.shape[:2], *out), dtype=x.dtype, device=META)


# -- layers whose output has their input's shape: the input itself is returned -----------------

def _same(m, x=None, *rest):
    return x if not rest and isinstance(x, torch.Tensor) and x.device == META else None


@rule(nn.BatchNorm2d)
def batch_norm2d(m: nn.BatchNorm2d, x=None, *rest):
    if rest or m.training or not m.track_running_stats or not _meta4d(x, m.num_features):
        return None  # batch statistics have their own check (one value per channel): torch's call
    if m.affine and (m.weight.device != META or m.weight.dtype != x.dtype):
        return None
    return x


ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.Hardswish, nn.Hardsigmoid, nn.SiLU, nn.Sigmoid, nn.GELU,
               nn.Tanh, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.Softmax)
_IDENTITY_IN_EVAL = (nn.Identity, nn.Dropout, nn.Dropout2d)
for _t in (*ACTIVATIONS, *_IDENTITY_IN_EVAL):
    rule(_t)(_same)


@rule(nn.PReLU)  # replaces _same: a per-channel PReLU checks the channel count
def prelu(m: nn.PReLU, x=None, *rest):
    if _same(m, x, *rest) is None or m.weight.device != META or m.weight.dtype != x.dtype:
        return None
    if m.num_parameters != 1 and (x.dim() < 2 or x.shape[1] != m.num_parameters):
        return None
    return x


@rule(nn.GELU)
def gelu(m: nn.GELU, x=None, *rest):
    return _same(m, x, *rest) if m.approximate in ("none", "tanh") else None


@rule(nn.Softmax)
def softmax(m: nn.Softmax, x=None, *rest):
    y = _same(m, x, *rest)
    if y is None or (m.dim is not None and not -max(x.dim(), 1) <= m.dim < max(x.dim(), 1)):
        return None
    return y


@rule(nn.ChannelShuffle)
def channel_shuffle(m: nn.ChannelShuffle, x=None, *rest):
    if rest or not _meta4d(x) or m.groups <= 0 or x.shape[1] % m.groups:
        return None
    return torch.empty(x.shape, dtype=x.dtype, device=META)


@rule(ops.Add)
def add(m, a=None, b=None, *rest):
    # costcalc's Add never broadcasts: equal shapes or the real add (which may broadcast) runs
    if rest or not all(isinstance(t, torch.Tensor) and t.device == META for t in (a, b)):
        return None
    if a.shape != b.shape or a.dtype != b.dtype:
        return None
    return a


@rule(ops.Scale)
def scale(m, x=None, gate=None, *rest):
    # x * gate with an N×C×1×1 gate; any other broadcast is left to torch
    if rest or not _meta4d(x) or not _meta4d(gate, x.shape[1], x.dtype):
        return None
    if gate.shape[0] != x.shape[0] or gate.shape[2:] != (1, 1):
        return None
    return x


@rule(ops.Concat)
def concat(m, *xs):
    if not xs or not all(_meta4d(t, dtype=xs[0].dtype) for t in xs):
        return None
    n, _, h, w = xs[0].shape
    if any(t.shape[0] != n or t.shape[2:] != (h, w) for t in xs):
        return None
    return torch.empty((n, sum(t.shape[1] for t in xs), h, w), dtype=xs[0].dtype, device=META)


def output(module: nn.Module, *inputs):
    """The rule's output for ``module(*inputs)``, or None where the real forward must run."""
    fn = RULES.get(type(module))
    return None if fn is None else fn(module, *inputs)
