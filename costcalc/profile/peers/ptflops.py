"""ptflops 0.7.5 ``get_model_complexity_info(model, input_res)`` (default pytorch backend),
re-implemented on the profile.

Two sources, added (``ptflops/pytorch_engine.py``):

- **Module hooks** (``MODULES_MAPPING`` in ``ptflops/pytorch_ops.py``) on modules whose type is
  *exactly* a mapped class — a subclass (timm's ``LayerNorm2d``, ``BatchNormAct2d``) has no hook.
  Hooks fire on every call, leaf or not. The total walks the module tree from the root and
  stops at the first hooked module on each branch (``accumulate_flops``): what a hooked module
  contains is not added (timm's ``Attention`` rule covers its maths, not its ``qkv``/``proj``
  layers). The sum is divided by the batch size.
- **Patched functions** (``FUNCTIONAL_MAPPING``, ``TENSOR_OPS_MAPPING``): ``F.relu`` and friends,
  ``torch.matmul``, ``Tensor.add``... are replaced by counting wrappers for the pass, so every
  call through those names counts, wherever it is made — inside hooked modules (``nn.ReLU``
  calls ``F.relu``: counted twice) and inside torch's own Python functionals. Operators
  (``a + b``, ``a @ b``) do not go through the names and are not counted.

Each rule below names the hook it mirrors.
"""

from __future__ import annotations

import math
import sys
from collections import Counter

import torch
import torch.nn.functional as F
from torch import nn

from ..aten_ops import Profile, TensorMeta
from ..conventions import blank, convention
from .calls import calls, out_meta, walk


def _prod(shape) -> int:
    return math.prod(int(s) for s in shape)


def _x(c):
    return c.args[0] if c.args else next(iter(c.kwargs.values()), None)


def _conv(transpose=False, extra=0):
    def hook(m, c):  # conv_flops_counter_hook
        x, y = _x(c), out_meta(c)
        batch = x.shape[0]
        per_position = _prod(m.kernel_size) * (m.in_channels * (m.out_channels // m.groups) + extra)
        active = batch * _prod((x if transpose else y).shape[2:])
        bias = batch * _prod(y.shape[1:]) if m.bias is not None else 0
        return {"conv": per_position * active, "bias": bias}

    return hook


def _deform(m, c):  # deformable_conv_flops_counter_hook: bilinear sampling, 24 per position (+1 mask)
    mask = len(c.args) == 3 and c.args[2] is not None
    return _conv(extra=24 + mask)(m, c)


def _relu(m, c):  # relu_flops_counter_hook: output elements
    return {"activation": out_meta(c).numel()}


def _pool(m, c):  # pool_flops_counter_hook: input elements
    return {"pool": _x(c).numel()}


def _bn(m, c):  # bn_flops_counter_hook: input elements, x2 when the module has a true .affine
    return {"norm": _x(c).numel() * (2 if getattr(m, "affine", False) else 1)}


def _linear(m, c):  # linear_flops_counter_hook: (in * out + bias) per row of the input
    x, y = _x(c), out_meta(c)
    rows = _prod(x.shape[:-1])
    return {"linear": x.shape[-1] * y.shape[-1] * rows, "bias": (y.shape[-1] if m.bias is not None else 0) * rows}


def _upsample(m, c):  # upsample_flops_counter_hook: elements of output[0], the first batch item
    return {"pool": _prod(out_meta(c).shape[1:])}


def _mha(m, c):  # multihead_attention_counter_hook, on the positional (query, key, value)
    q, k, v = c.args[:3]
    first = getattr(m, "batch_first", False)
    batch, at = (q.shape[0], 1) if first else (q.shape[1], 0)
    qdim, kdim, vdim = q.shape[2], k.shape[2], v.shape[2]
    qlen, klen, vlen = q.shape[at], k.shape[at], v.shape[at]
    heads = m.num_heads
    flops = qlen * qdim + qlen * qdim * qdim + klen * kdim * kdim + vlen * vdim * vdim
    if m.in_proj_bias is not None:
        flops += (qlen + klen + vlen) * qdim
    head = qlen * klen * (qdim // heads) + qlen * klen + qlen * klen * (vdim // heads)
    flops += heads * head + qlen * vdim * (vdim + 1)
    return {"linear": flops * batch}


def _timm_attention(m, c):  # timm_attention_counter_hook: q scaling, q @ kᵀ, softmax, @ v per head
    b, n, _ = _x(c).shape
    head = n * n * m.head_dim + n * n + n * n * m.head_dim
    return {"linear": b * (n * m.head_dim * m.num_heads + head * m.num_heads)}


def _rnn_flops(m, w_ih, w_hh) -> int:  # rnn_flops: both products, then the gates' elementwise work
    h = m.hidden_size
    flops = w_ih[0] * w_ih[1] + w_hh[0] * w_hh[1]
    if isinstance(m, (nn.RNN, nn.RNNCell)):
        flops += h
    elif isinstance(m, (nn.GRU, nn.GRUCell)):
        flops += h + 3 * h + 3 * h
    elif isinstance(m, (nn.LSTM, nn.LSTMCell)):
        flops += 4 * h + 3 * h + 3 * h
    return flops


def _rnn(m, c):  # rnn_flops_counter_hook: batch first, whatever the module says
    x = _x(c)
    if not isinstance(x, TensorMeta):  # a PackedSequence: ptflops itself fails on it (no .shape)
        return None
    flops = 0
    for i in range(m.num_layers):
        flops += _rnn_flops(m, getattr(m, f"weight_ih_l{i}").shape, getattr(m, f"weight_hh_l{i}").shape)
        if m.bias:
            flops += getattr(m, f"bias_ih_l{i}").shape[0] + getattr(m, f"bias_hh_l{i}").shape[0]
    flops *= x.shape[0] * x.shape[1]
    return {"linear": flops * (2 if m.bidirectional else 1)}


def _rnn_cell(m, c):  # rnn_cell_flops_counter_hook
    flops = _rnn_flops(m, m.weight_ih.shape, m.weight_hh.shape)
    if m.bias:
        flops += m.bias_ih.shape[0] + m.bias_hh.shape[0]
    return {"linear": flops * _x(c).shape[0]}



MODULES = {
    nn.Conv1d: _conv(), nn.Conv2d: _conv(), nn.Conv3d: _conv(),
    nn.ConvTranspose1d: _conv(True), nn.ConvTranspose2d: _conv(True), nn.ConvTranspose3d: _conv(True),
    **dict.fromkeys((nn.ReLU, nn.PReLU, nn.ELU, nn.LeakyReLU, nn.ReLU6, nn.GELU), _relu),
    **dict.fromkeys((nn.MaxPool1d, nn.AvgPool1d, nn.AvgPool2d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool3d,
                     nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveAvgPool2d,
                     nn.AdaptiveMaxPool3d, nn.AdaptiveAvgPool3d), _pool),
    **dict.fromkeys((nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.InstanceNorm1d, nn.InstanceNorm2d,
                     nn.InstanceNorm3d, nn.GroupNorm, nn.LayerNorm), _bn),
    nn.Linear: _linear, nn.Upsample: _upsample, nn.MultiheadAttention: _mha,
    **dict.fromkeys((nn.RNN, nn.GRU, nn.LSTM), _rnn), **dict.fromkeys((nn.RNNCell, nn.LSTMCell, nn.GRUCell), _rnn_cell),
}


def _modules() -> dict:
    """MODULES plus the classes ptflops maps when it can import them (timm's Attention,
    torchvision's DeformConv2d), looked up only where the model's own imports loaded them."""
    out = dict(MODULES)
    vit = sys.modules.get("timm.models.vision_transformer")
    if vit is not None and hasattr(vit, "Attention"):
        out[vit.Attention] = _timm_attention
    tv_ops = sys.modules.get("torchvision.ops")
    if tv_ops is not None and hasattr(tv_ops, "DeformConv2d"):
        out[tv_ops.DeformConv2d] = _deform
    return out


# -- patched functions ----------------------------------------------------------------------

def _numel(c):  # _numel_functional_flops_hook: input elements
    return _x(c).numel()


def _interpolate(c):  # _interpolate_functional_flops_hook
    x = c.kwargs.get("input", c.args[0] if c.args else None)
    size = c.kwargs.get("size", c.args[1] if len(c.args) > 1 else None)
    if size is not None:
        if isinstance(size, (tuple, list)):
            return _prod(size) * _prod(x.shape[:2])
        return int(size) ** (x.dim() - 2) * _prod(x.shape[:2])
    scale = c.kwargs.get("scale_factor", c.args[2] if len(c.args) > 2 else None)
    flops = x.numel()
    if isinstance(scale, tuple) and len(scale) == x.dim() - 2:
        return flops * int(math.prod(scale))
    return flops * scale ** (x.dim() - 2)


def _matmul(c):  # _matmul_tensor_flops_hook: prod(input) * other[-1]
    a, b = c.args[0], c.arg(1, "other", c.kwargs.get("mat2"))
    return _prod(a.shape) * b.shape[-1]


def _addmm(c):  # _addmm_tensor_flops_hook: prod(mat1) * mat2[-1], + prod(input) unless beta == 0
    x, a, b = c.args[0], c.arg(1, "mat1"), c.arg(2, "mat2")
    return _prod(a.shape) * b.shape[-1] + (_prod(x.shape) if c.kwargs.get("beta", 1) != 0 else 0)


def _elementwise(c):  # _elementwise_tensor_flops_hook: the broadcast shape's elements, or 1
    x, y = c.arg(0, "input"), c.arg(1, "other")
    tx, ty = isinstance(x, TensorMeta), isinstance(y, TensorMeta)
    if not tx:
        return y.numel() if ty else 1
    if not ty:
        return x.numel()
    n = max(x.dim(), y.dim())
    return _prod(max(x.shape[i] if i < x.dim() else 1, y.shape[i] if i < y.dim() else 1) for i in range(n))


FUNCTIONS = {
    **dict.fromkeys((F.relu, F.prelu, F.elu, F.relu6, F.gelu, F.silu, F.softmax), ("activation", _numel)),
    **dict.fromkeys((F.avg_pool1d, F.avg_pool2d, F.avg_pool3d, F.max_pool1d, F.max_pool2d, F.max_pool3d,
                     F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d,
                     F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d), ("pool", _numel)),
    F.upsample: ("pool", _interpolate), F.interpolate: ("pool", _interpolate),
    **dict.fromkeys((torch.matmul, torch.Tensor.matmul, torch.mm, torch.Tensor.mm, torch.bmm,
                     torch.Tensor.bmm), ("linear", _matmul)),
    **dict.fromkeys((torch.addmm, torch.baddbmm, torch.Tensor.addmm), ("linear", _addmm)),
    torch.mul: ("other", _elementwise), torch.Tensor.mul: ("other", _elementwise),
    torch.add: ("add", _elementwise), torch.Tensor.add: ("add", _elementwise),
}


def _function_rule(func):
    try:
        return FUNCTIONS.get(func)
    except TypeError:
        return None


@convention("ptflops", "ptflops get_model_complexity_info (pytorch backend)", tool="ptflops")
def ptflops(p: Profile, cov) -> dict:
    rules = _modules()
    hooked = {n for n, t in p.module_types.items() if t in rules}
    per_module: dict[str, dict] = {}
    for call in p.calls:
        if call.path not in hooked:
            continue
        counts = rules[type(call.module)](call.module, call)
        if counts is None:
            cov.missing[f"{type(call.module).__name__} on a PackedSequence (ptflops' hook fails on it)"] += 1
            continue
        per_module.setdefault(call.path, Counter()).update(counts)
    modules = Counter()

    def accumulate(name):  # accumulate_flops: a hooked module's own count, else its children's
        if name in hooked:
            modules.update(per_module.get(name, {}))
            return
        for child in p.tree.get(name, ()):
            accumulate(child)

    accumulate("")
    batch = p.input_shape[0] if p.input_shape else 1  # batch_counter_hook: len(input[0])
    out = blank()
    for cat, n in modules.items():
        out[cat] += n / batch
    for c in walk(calls(p)):
        rule = _function_rule(c.func)
        if rule is not None and c.syntax == "call":
            out[rule[0]] += rule[1](c)
    return _as_int(out)


def _as_int(out: dict) -> dict:
    """ptflops returns int(module total / batch + function total): categories to ints, with
    what the truncation removes taken off 'other'."""
    total = int(sum(out.values()))
    ints = {k: int(v) for k, v in out.items()}
    ints["other"] += total - sum(ints.values())
    return ints
