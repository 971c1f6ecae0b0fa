"""ultralytics-thop 2.2.3 ``profile(model, inputs)``, re-implemented on the profile.

Two sources, added (``thop/profile.py``):

- **Module rules** (``register_hooks``): every module, leaf or not, gets the rule of the first
  class in its MRO that has one (``_resolve_rule``), so subclasses count like their base: timm's
  ``BatchNormAct2d`` is a ``BatchNorm2d`` (its ``act`` child counts on its own), timm's ``Linear``
  a ``Linear``. Each call adds its rule's count (``thop/vision/basic_hooks.py``).
- **Functional products** (``functional_hooks``, a ``TorchFunctionMode``): ``torch.matmul`` / ``@``,
  ``bmm``, ``einsum``, ``F.linear``, ``F.scaled_dot_product_attention`` and
  ``F.multi_head_attention_forward``, counted only while no module with a non-zero rule is
  running (that rule accounts for its own products), and only as the model's code calls them
  (the mode does not see inside a call).

Each rule below names the function it mirrors.
"""

from __future__ import annotations

import inspect
import math
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn

from ..aten_ops import Profile, TensorMeta
from ..conventions import blank, convention
from .calls import calls, out_meta

ZERO = "zero"  # zero_ops: registered, counts nothing, and does not hold back functional counting


def _prod(shape) -> int:
    return math.prod(int(s) for s in shape)


def _conv(transpose=False):  # count_convNd / count_convtNd -> calculate_conv2d_flops
    def rule(m, x, y):
        kernel = list(m.weight.shape)
        volume, channels = (x[0].shape, y.shape) if transpose else (y.shape, x[0].shape)
        return "conv", _prod(volume) * (channels[-(len(kernel) - 1)] // m.groups) * _prod(kernel[2:])

    return rule


def _norm(m, x, y):  # count_normalization: 2 per input element, x2 with affine parameters
    n = 2 * x[0].numel()
    return "norm", 2 * n if getattr(m, "affine", False) or getattr(m, "elementwise_affine", False) else n


def _prelu(m, x, y):  # count_prelu: input elements, in eval mode
    return "activation", 0 if m.training else x[0].numel()


def _softmax_ops(batch, features):  # calculate_softmax: exp, add, divide per feature
    return batch * (features + max(features - 1, 0) + features)


def _softmax(m, x, y):  # count_softmax (Softmax, LogSoftmax, Softmin, Softmax2d)
    t = x[0]
    dim = -3 if isinstance(m, nn.Softmax2d) else m.dim
    if dim is None:
        dim = 0 if t.dim() in (0, 1, 3) else 1
    features = t.shape[dim] if t.dim() else 1
    batch = t.numel() // features if features else 0
    n = _softmax_ops(batch, features)
    if isinstance(m, nn.Softmin):
        n += t.numel()
    elif isinstance(m, nn.LogSoftmax):
        n += batch
    return "activation", n


def _avgpool(m, x, y):  # count_avgpool: one add per input in each window, one divide per output
    kernel = m.kernel_size
    if isinstance(kernel, int):
        kernel = (kernel,) * (3 if isinstance(m, nn.AvgPool3d) else 2)
    dims = len(kernel)
    stride = (m.stride,) * dims if isinstance(m.stride, int) else m.stride
    padding = (m.padding,) * dims if isinstance(m.padding, int) else m.padding
    windows = 1
    for size, out, k, s, p in zip(x[0].shape[-dims:], y.shape[-dims:], kernel, stride, padding):
        lower, upper = (-p, size + p) if m.count_include_pad else (0, size)
        windows *= sum(max(min(i * s - p + k, upper) - max(i * s - p, lower), 0) for i in range(out))
    return "pool", _prod(x[0].shape[:-dims]) * windows + y.numel()


def _adaptive_avgpool(m, x, y):  # count_adap_avgpool: the windows actually sliced, + a divide each
    windows = _prod(o if i == o else sum(-(-(j + 1) * i // o) - j * i // o for j in range(o))
                    for i, o in zip(x[0].shape, y.shape))
    return "pool", windows + y.numel()


def _upsample(m, x, y):  # count_upsample: per output element, by mode
    per = {"nearest": 0, "nearest-exact": 0, "linear": 5, "bilinear": 11, "bicubic": 259, "trilinear": 31}
    return "pool", per.get(m.mode, 0) * y.numel()


def _linear(m, x, y):  # count_linear: in_features per output element
    return "linear", m.in_features * y.numel()


def _bilinear(m, x, y):  # count_bilinear
    return "linear", (m.in1_features + 1) * m.in2_features * y.numel()


# -- recurrent layers (thop/rnn_hooks.py) --------------------------------------------------------

def _rnn_cell_ops(i, h, bias):  # _count_rnn_cell
    return h * (i + h) + h + (2 * h if bias else 0)


def _gru_cell_ops(i, h, bias):  # _count_gru_cell: r and z gates, n with r * (.), h' = (1 - z) * n + z * h
    state = (h + i) * h + h + (2 * h if bias else 0)
    return 2 * state + (h + i) * h + h + (2 * h if bias else 0) + h + 3 * h


def _lstm_cell_ops(i, h, bias, proj=0):  # _count_lstm_cell: four gates, c', h' (projected)
    state = (i + (proj or h)) * h + h + (2 * h if bias else 0)
    return 4 * state + 3 * h + h + h * proj


def _cell(ops):
    def rule(m, x, y):  # count_rnn_cell / count_gru_cell / count_lstm_cell: per batch entry
        t = x[0]
        return "linear", ops(m.input_size, m.hidden_size, m.bias) * (t.shape[0] if t.dim() == 2 else 1)

    return rule


def _recurrent(ops):
    def rule(m, x, y):  # count_rnn / count_gru / count_lstm: per cell evaluation, layers stacked
        t = x[0]
        if not isinstance(t, TensorMeta):  # a PackedSequence: its batch sizes are values
            return "linear", None
        evaluations = t.shape[0] if t.dim() == 2 else t.shape[0] * t.shape[1]
        proj = getattr(m, "proj_size", 0) if ops is _lstm_cell_ops else 0
        extra = (proj,) if ops is _lstm_cell_ops else ()
        stacked = proj or m.hidden_size
        d = 2 if m.bidirectional else 1
        total = ops(m.input_size, m.hidden_size, m.bias, *extra) * d
        for _ in range(m.num_layers - 1):
            total += ops(stacked * d, m.hidden_size, m.bias, *extra) * d
        return "linear", total * evaluations

    return rule


def _mha_ops(m, x, y) -> int:  # count_multihead_attention
    out, weights = y if isinstance(y, tuple) else (y, None)
    first = getattr(m, "batch_first", False)
    tgt = out.shape[-2] if first or out.dim() == 2 else out.shape[0]
    batch = 1 if out.dim() == 2 else out.shape[0 if first else 1]
    appended = (m.bias_k is not None) + m.add_zero_attn
    if weights is not None:
        attended = weights.shape[-1]
    else:
        key = x[1]
        attended = (key.shape[-2] if first or key.dim() == 2 else key.shape[0]) + appended
    e = m.embed_dim
    projections = e * (2 * tgt * e + (attended - appended) * (m.kdim + m.vdim))
    attention = 2 * tgt * attended * e
    return batch * (projections + attention) + _softmax_ops(batch * m.num_heads * tgt, attended)


def _mha(m, x, y):
    return "linear", _mha_ops(m, x, y)


_PAD = [nn.modules.padding._ConstantPadNd, nn.modules.padding._ReflectionPadNd,
        nn.modules.padding._ReplicationPadNd]
if hasattr(nn.modules.padding, "_CircularPadNd"):
    _PAD.append(nn.modules.padding._CircularPadNd)

RULES = {
    **dict.fromkeys((*_PAD, nn.modules.dropout._DropoutNd), ZERO),
    nn.Conv1d: _conv(), nn.Conv2d: _conv(), nn.Conv3d: _conv(),
    nn.ConvTranspose1d: _conv(True), nn.ConvTranspose2d: _conv(True), nn.ConvTranspose3d: _conv(True),
    nn.modules.batchnorm._NormBase: _norm, nn.LayerNorm: _norm, nn.GroupNorm: _norm,
    nn.PReLU: _prelu,
    **dict.fromkeys((nn.Softmax, nn.LogSoftmax, nn.Softmin, nn.Softmax2d), _softmax),
    **dict.fromkeys((nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d,
                     nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.FractionalMaxPool2d,
                     nn.FractionalMaxPool3d, nn.modules.pooling._MaxUnpoolNd), ZERO),
    **dict.fromkeys((nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d), _avgpool),
    **dict.fromkeys((nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d), _adaptive_avgpool),
    nn.Linear: _linear, nn.Bilinear: _bilinear,
    **dict.fromkeys((nn.Upsample, nn.UpsamplingBilinear2d, nn.UpsamplingNearest2d), _upsample),
    nn.RNNCell: _cell(_rnn_cell_ops), nn.GRUCell: _cell(_gru_cell_ops), nn.LSTMCell: _cell(_lstm_cell_ops),
    nn.RNN: _recurrent(_rnn_cell_ops), nn.GRU: _recurrent(_gru_cell_ops), nn.LSTM: _recurrent(_lstm_cell_ops),
    **dict.fromkeys((nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.ParameterList, nn.ParameterDict,
                     nn.Identity, nn.Flatten, nn.Unflatten, nn.Unfold, nn.PixelShuffle, nn.PixelUnshuffle,
                     nn.ChannelShuffle, nn.Embedding), ZERO),
    nn.MultiheadAttention: _mha,
}
if hasattr(nn, "RMSNorm"):
    RULES[nn.RMSNorm] = _norm

_NO_RULE = object()


def resolve(t: type):
    """_resolve_rule: the rule of the first class in the MRO that has one (_NO_RULE: none)."""
    for base in t.__mro__:
        if base in RULES:
            return RULES[base]
    return _NO_RULE


# -- functional products ----------------------------------------------------------------------

def _matmul(c):  # _count_matmul: output elements x the contracted size
    return out_meta(c).numel() * c.arg(0, "input").shape[-1]


def _sdpa(c):  # _count_sdpa
    q, k, v = c.arg(0, "query"), c.arg(1, "key"), c.arg(2, "value")
    return out_meta(c).numel() // v.shape[-1] * k.shape[-2] * (q.shape[-1] + v.shape[-1])


def _mha_functional(c):  # _count_multi_head_attention: the module rule on the call's arguments
    _, key, value, embed_dim, num_heads, _, _, bias_k, _, add_zero_attn = c.args[:10]
    m = SimpleNamespace(embed_dim=embed_dim, num_heads=num_heads, kdim=key.shape[-1], vdim=value.shape[-1],
                        bias_k=bias_k, add_zero_attn=add_zero_attn)
    y = c.out if isinstance(c.out, tuple) else (c.out, None)
    return _mha_ops(m, c.args, y)


def _einsum(c):  # _count_einsum: two operands only
    equation, *operands = c.args
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    if len(operands) != 2:
        return 0
    lhs, arrow, out = equation.replace(" ", "").partition("->")
    if not arrow:
        out = "..." + "".join(ch for ch in lhs if lhs.count(ch) == 1)
    sizes = []
    for subscripts, t in zip(lhs.split(","), operands):
        head, _, tail = subscripts.partition("...")
        n = t.dim() - len(head) - len(tail)
        sizes.append({k: d for k, d in zip([*head, *range(n, 0, -1), *tail], t.shape) if d != 1})
    total = 1
    for k in sizes[0].keys() | sizes[1].keys():
        if (k in sizes[0] and k in sizes[1]) or (k in out if isinstance(k, str) else "..." in out):
            total *= sizes[0].get(k, sizes[1].get(k))
    return total


FUNCTIONS = {torch.matmul: _matmul, torch.Tensor.matmul: _matmul, torch.Tensor.__matmul__: _matmul,
             torch.bmm: _matmul, torch.Tensor.bmm: _matmul, torch.einsum: _einsum, F.linear: _matmul,
             F.multi_head_attention_forward: _mha_functional, F.scaled_dot_product_attention: _sdpa}


def _function_rule(func):
    try:
        return FUNCTIONS.get(func)
    except TypeError:
        return None


def _positional(m, args, kwargs):
    """thop's _positional: the supplied arguments in the order m.forward declares them."""
    try:
        bound = inspect.signature(m.forward).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return ()
    values = []
    for name, value in bound.arguments.items():
        kind = bound.signature.parameters[name].kind
        if kind == inspect.Parameter.VAR_POSITIONAL:
            values.extend(value)
        elif kind != inspect.Parameter.VAR_KEYWORD:
            values.append(value)
    return tuple(values)


@convention("thop", "ultralytics-thop profile", tool="thop")
def thop(p: Profile, cov) -> dict:
    out = blank()
    counting = set()  # modules whose non-zero rule holds back functional counting
    rules = {}
    for name, t in p.module_types.items():
        rule = rules[name] = resolve(t)
        if rule is not _NO_RULE and rule is not ZERO:
            counting.add(name)
    for call in p.calls:
        rule = rules.get(call.path, _NO_RULE)
        if rule is _NO_RULE or rule is ZERO:
            continue
        x = _positional(call.module, call.args, call.kwargs) if call.kwargs else call.args
        y = call.out if isinstance(call.out, tuple) and rule is _mha else out_meta(call)
        cat, n = rule(call.module, x, y)
        if n is None:
            cov.missing[f"{type(call.module).__name__} on a PackedSequence (thop counts its batch sizes' values)"] += 1
            continue
        out[cat] += n
    for c in calls(p):
        rule = _function_rule(c.func)
        if rule is not None and not any(n in counting for n in c.event.stack):
            out["linear"] += rule(c)
    return out
