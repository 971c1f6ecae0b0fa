"""The torch calls a forward pass made, as the peer tools see them.

costcalc's profiler sees the *outermost* torch function calls (a ``TorchFunctionMode`` is not
re-entered inside the function it intercepts): ``F.multi_head_attention_forward`` is one call.
Tools that trace (fvcore, torchprofile: ``torch.jit.trace``) or patch Python attributes
(ptflops: ``torch.bmm = wrapper``) also see what torch's own *Python* functionals call inside:
the projections, ``bmm`` and ``softmax`` of an attention, the ``adaptive_avg_pool2d`` of an
``interpolate(mode='area')``. :data:`EXPANSIONS` writes down those inner calls, read from
``torch/nn/functional.py`` and ``torch/_tensor.py`` (torch 2.13), one function per entry.
The recurrent cells, C++ ops a trace does not record, are written out the same way. Anything
else written in Python inside torch is taken to trace as one op of its own name; when its aten
ops show arithmetic that assumption would hide, :func:`hidden_work` says so.
"""

from __future__ import annotations

import math
import types
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from ..aten_ops import Event, Profile, TensorMeta


@dataclass
class Call:
    """One torch call: the function, its arguments (tensors as TensorMeta) and its output."""

    func: object
    args: tuple
    kwargs: dict
    out: object
    event: Event  # the profiled call this is (or is inside)
    syntax: str = "call"  # 'operator': a + b, a @ b; 'native': made by C++ (neither goes through the attribute)
    nested: bool = False  # made inside a torch Python function, not by the model's code
    inner: list = field(default_factory=list)  # expanded inner calls (torch Python functions)
    shape_muls: int = 0  # multiplications on sizes inside, kept by a jit trace
    dead: bool = False  # its tensor outputs are never used: a jit trace drops it
    consumed: frozenset = frozenset()  # ids of the tensors some later call or the output uses

    def arg(self, i: int, name: str, default=None):
        if len(self.args) > i:
            return self.args[i]
        return self.kwargs.get(name, default)


def _out(x):
    """The first tensor of an output."""
    if isinstance(x, TensorMeta):
        return x
    if isinstance(x, (list, tuple)):
        for v in x:
            t = _out(v)
            if t is not None:
                return t
    return None


def out_meta(c: Call) -> TensorMeta | None:
    return _out(c.out)


def is_python(func) -> bool:
    """A torch function written in Python (it may call other torch functions inside)."""
    return isinstance(func, types.FunctionType)


def _t(*shape) -> TensorMeta:
    return TensorMeta(tuple(int(s) for s in shape))


def _sub(c: Call, func, args, out, kwargs=None, syntax="call") -> Call:
    return Call(func, tuple(args), kwargs or {}, out, c.event, syntax, nested=True)


# -- what torch's Python functionals call inside ------------------------------------------------

def _mha(c: Call) -> list:
    """F.multi_head_attention_forward (torch/nn/functional.py): in-projection linear(s), then
    ``q * scale``, ``bmm`` (``baddbmm`` with a mask), ``softmax``, ``bmm`` when the weights are
    needed, else ``scaled_dot_product_attention``; the out-projection linear; ``mean`` of the
    weights over heads (when averaged and returned)."""
    q, k, v = c.arg(0, "query"), c.arg(1, "key"), c.arg(2, "value")
    heads = c.arg(4, "num_heads")
    w_in, b_in = c.arg(5, "in_proj_weight"), c.arg(6, "in_proj_bias")
    bias_k, add_zero = c.arg(7, "bias_k"), c.arg(9, "add_zero_attn", False)
    w_out, b_out = c.arg(11, "out_proj_weight"), c.arg(12, "out_proj_bias")
    need, mask = c.kwargs.get("need_weights", True), c.kwargs.get("attn_mask")
    kpm = c.kwargs.get("key_padding_mask")
    separate = c.kwargs.get("use_separate_proj_weight", False)
    static_k, static_v = c.kwargs.get("static_k"), c.kwargs.get("static_v")
    batched = q.dim() == 3
    L, B, E = q.shape if batched else (q.shape[0], 1, q.shape[1])
    S = (k.shape if batched else (k.shape[0], 1))[0]
    Sv = (v.shape if batched else (v.shape[0], 1))[0]
    hd = E // heads
    calls, muls = [], 0
    if not separate:  # _in_projection_packed: one, two or three linears, E rows each
        ids = c.event.in_ids[:3] if len(c.event.in_ids) >= 3 else None
        same_kv, same_qk = (ids[1] == ids[2], ids[0] == ids[1]) if ids else (k == v, q == k)
        if same_kv and same_qk:
            calls.append(_sub(c, F.linear, (_t(L, B, E), _t(3 * E, E), b_in), _t(L, B, 3 * E)))
        elif same_kv:
            muls += 1  # w.split([E, E * 2])
            calls.append(_sub(c, F.linear, (_t(L, B, E), _t(E, E)), _t(L, B, E)))
            calls.append(_sub(c, F.linear, (_t(S, B, E), _t(2 * E, E)), _t(S, B, 2 * E)))
        else:
            for n in (L, S, Sv):
                calls.append(_sub(c, F.linear, (_t(n, B, E), _t(E, E)), _t(n, B, E)))
    else:
        for n, w in ((L, c.kwargs.get("q_proj_weight")), (S, c.kwargs.get("k_proj_weight")),
                     (Sv, c.kwargs.get("v_proj_weight"))):
            calls.append(_sub(c, F.linear, (_t(n, B, w.shape[1]), w), _t(n, B, E)))
    src = (static_k.shape[1] if static_k is not None else S) + (bias_k is not None) + bool(add_zero)
    muls += 1 + (static_k is None) + (static_v is None)  # bsz * num_heads in the q, k, v views
    BH = B * heads
    if need:
        qs = _t(BH, L, hd)
        calls.append(_sub(c, torch.Tensor.mul, (qs, 1.0), qs, syntax="operator"))
        kt, scores = _t(BH, hd, src), _t(BH, L, src)
        if mask is not None or kpm is not None:
            calls.append(_sub(c, torch.baddbmm, (_t(*_mask_shape(mask, kpm, BH, L, src)), qs, kt), scores))
        else:
            calls.append(_sub(c, torch.bmm, (qs, kt), scores))
        calls.append(_sub(c, F.softmax, (scores,), scores, {"dim": -1}))
        calls.append(_sub(c, torch.bmm, (scores, _t(BH, src, hd)), _t(BH, L, hd)))
        muls += 1  # reshape(tgt_len * bsz, embed_dim)
        calls.append(_sub(c, F.linear, (_t(L * B, E), w_out, b_out), _t(L * B, E)))
        if c.kwargs.get("average_attn_weights", True) and _returns_weights(c):
            calls.append(_sub(c, torch.Tensor.mean, (_t(B, heads, L, src),), _t(B, L, src), {"dim": 1}))
    else:
        calls.append(_sub(c, F.scaled_dot_product_attention,
                          (_t(B, heads, L, hd), _t(B, heads, src, hd), _t(B, heads, src, hd)),
                          _t(B, heads, L, hd)))
        muls += 1  # reshape(bsz * tgt_len, embed_dim)
        calls.append(_sub(c, F.linear, (_t(B * L, E), w_out, b_out), _t(B * L, E)))
    c.shape_muls = muls
    return calls


def _mask_shape(mask, kpm, bh, tgt, src) -> tuple:
    """The attention mask baddbmm adds: a 2-D mask unsqueezed to (1, L, S), a 3-D one as given,
    padded to the keys bias_k / add_zero_attn append, plus the key padding mask (BH, 1, S)."""
    shape = None
    if mask is not None:
        shape = (1, tgt, src) if mask.dim() == 2 else (mask.shape[0], tgt, src)
    if kpm is not None:
        shape = (bh, 1, src) if shape is None else tuple(max(a, b) for a, b in zip(shape, (bh, 1, src)))
    return shape


def _returns_weights(c: Call) -> bool:
    """The weights are averaged when asked for; a trace keeps that ``mean`` only if the weights
    are used afterwards (``attn(x, x, x)[0]`` drops them)."""
    ids = c.event.out_ids
    return len(ids) < 2 or ids[1] in c.consumed


def _interpolate_dim(c: Call) -> int:
    x = c.arg(0, "input")
    return x.dim() - 2


def _interpolate(c: Call) -> list:
    """F.interpolate: ``mode='area'`` runs ``adaptive_avg_pool{1,2,3}d``; a recomputed scale
    factor multiplies each input size by it (``input.size(i + 2).float() * scale`` when traced)."""
    x, size = c.arg(0, "input"), c.arg(1, "size")
    mode, recompute = c.arg(3, "mode", "nearest"), c.arg(5, "recompute_scale_factor")
    if (mode == "area" and size is None) or recompute:
        c.shape_muls = _interpolate_dim(c)
    if mode == "area":
        pool = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}[_interpolate_dim(c)]
        return [_sub(c, pool, (x, tuple(out_meta(c).shape[2:])), c.out)]
    return []


def _upsample(mode=None, align=None):
    def expand(c: Call) -> list:
        """F.upsample / upsample_bilinear / upsample_nearest: ``interpolate(...)``."""
        x, size, scale = c.arg(0, "input"), c.arg(1, "size"), c.arg(2, "scale_factor")
        m = mode or c.arg(3, "mode", "nearest")
        a = align if align is not None else c.arg(4, "align_corners")
        inner = _sub(c, F.interpolate, (x, size, scale, m, a), c.out)
        inner.inner = _interpolate(inner)
        return [inner]

    return expand


def _local_response_norm(c: Call) -> list:
    """F.local_response_norm: ``input.mul(input)``, ``avg_pool2d`` (3-D input) or ``avg_pool3d``
    over the padded squares, ``div.mul(alpha).add(k).pow(beta)``, ``input / div``."""
    x, size = c.arg(0, "input"), c.arg(1, "size")
    shape = x.shape
    calls = [_sub(c, torch.Tensor.mul, (x, x), x)]
    pad = size // 2 + (size - 1) // 2
    if x.dim() == 3:
        padded = _t(shape[0], 1, shape[1] + pad, shape[2])
        calls.append(_sub(c, F.avg_pool2d, (padded, (size, 1)), _t(shape[0], 1, *shape[1:]), {"stride": 1}))
    else:
        rest = math.prod(shape[3:])
        padded = _t(shape[0], 1, shape[1] + pad, shape[2], rest)
        calls.append(_sub(c, F.avg_pool3d, (padded, (size, 1, 1)), _t(shape[0], 1, shape[1], shape[2], rest),
                          {"stride": 1}))
    calls.append(_sub(c, torch.Tensor.mul, (x, c.arg(2, "alpha", 1e-4)), x))
    calls.append(_sub(c, torch.Tensor.add, (x, c.arg(4, "k", 1.0)), x))
    return calls


def _rdiv(c: Call) -> list:
    """Tensor.__rdiv__ (``2 / x``): ``self.reciprocal() * other``."""
    x = c.args[0]
    return [_sub(c, torch.Tensor.reciprocal, (x,), x), _sub(c, torch.Tensor.mul, (x, c.args[1]), c.out, syntax="operator")]


def _rmatmul(c: Call) -> list:
    """Tensor.__rmatmul__: ``torch.matmul(other, self)``."""
    return [_sub(c, torch.matmul, (c.args[1], c.args[0]), c.out)]


def _cell(kind):
    def expand(c: Call) -> list:
        """torch.lstm_cell / gru_cell / rnn_*_cell (aten/src/ATen/native/RNN.cpp): a jit trace does
        not record the cell, only what it runs — ``linear`` on the input and on the hidden state,
        then the gates: LSTM ``forgetgate * cx``, ``ingate * cellgate``, ``outgate * cy.tanh()``;
        GRU two in-place ``mul_``. Called from C++: no patched Python name sees them."""
        x, hx = c.arg(0, "input"), c.arg(1, "hx")
        h = hx[0] if isinstance(hx, (list, tuple)) else hx
        w_ih, w_hh, b_ih, b_hh = (c.arg(i, n) for i, n in ((2, "w_ih"), (3, "w_hh"), (4, "b_ih"), (5, "b_hh")))
        gates = _t(*x.shape[:-1], w_ih.shape[0])
        calls = [_sub(c, F.linear, (x, w_ih, b_ih), gates, syntax="native"),
                 _sub(c, F.linear, (h, w_hh, b_hh), _t(*h.shape[:-1], w_hh.shape[0]), syntax="native")]
        state = _t(*h.shape)
        mul = {"lstm": (torch.Tensor.mul, 3), "gru": (torch.Tensor.mul_, 2)}.get(kind)
        if mul:
            calls += [_sub(c, mul[0], (state, state), state, syntax="native") for _ in range(mul[1])]
        return calls

    return expand


EXPANSIONS = {
    torch.lstm_cell: _cell("lstm"), torch.gru_cell: _cell("gru"),
    torch.rnn_tanh_cell: _cell("rnn"), torch.rnn_relu_cell: _cell("rnn"),
    F.multi_head_attention_forward: _mha,
    F.interpolate: _interpolate,
    F.upsample: _upsample(),
    F.upsample_bilinear: _upsample("bilinear", True),
    F.upsample_nearest: _upsample("nearest", None),
    F.local_response_norm: _local_response_norm,
    torch.Tensor.__rdiv__: _rdiv,
    torch.Tensor.__rmatmul__: _rmatmul,
}


def _expansion(func):
    try:
        return EXPANSIONS.get(func)
    except TypeError:  # an unhashable callable
        return None


def _inplace(func) -> bool:
    name = getattr(func, "__name__", "")
    return name.endswith("_") and not name.endswith("__") or name == "__setitem__"


def calls(p: Profile) -> list[Call]:
    """Every function event of ``p`` as a Call, with the inner calls of torch's Python functionals.

    A call whose tensor outputs nothing uses afterwards (not the model's output, not an input of
    any later call or layer) and that changes nothing in place is marked ``dead``: a jit trace
    drops it.
    """
    consumed = frozenset(i for e in p.events for i in (*e.in_ids, *e.reads)) | frozenset(p.model_output_ids)
    out = []
    for e in p.events:
        if e.source != "function":
            continue
        c = Call(e.func, e.args, e.kwargs, e.out, e, e.attrs.get("syntax", "call"), consumed=consumed)
        c.dead = bool(e.out_ids) and not any(i in consumed for i in e.out_ids) and not _inplace(c.func)
        expand = _expansion(c.func)
        if expand is not None:
            c.inner = expand(c)
        out.append(c)
    return out


def walk(cs):
    """Each call, then its inner calls, depth first."""
    for c in cs:
        yield c
        yield from walk(c.inner)


# aten ops (dispatch level) -> the traced op that would show the same work
_TRACED_AS = {"mm": "mm", "addmm": "addmm", "bmm": "bmm", "baddbmm": "baddbmm", "convolution": "_convolution",
              "native_layer_norm": "layer_norm", "native_group_norm": "group_norm",
              "native_batch_norm": "batch_norm", "_native_batch_norm_legit": "batch_norm",
              "_native_batch_norm_legit_no_training": "batch_norm", "_adaptive_avg_pool2d": "adaptive_avg_pool2d",
              "adaptive_avg_pool2d": "adaptive_avg_pool2d", "avg_pool2d": "avg_pool2d", "mean": "mean",
              "mul": "mul", "upsample_bilinear2d": "upsample_bilinear2d", "upsample_nearest2d": "upsample_nearest2d",
              "grid_sampler_2d": "grid_sampler", "leaky_relu": "leaky_relu"}


# torch Python functions read to trace as one op of their own name, whatever they decompose into
SINGLE_OP = {torch.tensordot, torch.chain_matmul, torch.cdist, torch.norm, torch.split, F.normalize,
             F.softmax, F.layer_norm, F.group_norm, F.batch_norm, F.instance_norm, F.adaptive_avg_pool2d}


def _known(func, known) -> bool:
    try:
        return func in SINGLE_OP or func in known or func in EXPANSIONS
    except TypeError:
        return False


def hidden_work(c: Call, priced: set, known=frozenset()) -> bool:
    """True when ``c`` is a torch Python function not read here (no expansion, not in ``known``
    or SINGLE_OP) whose aten ops show work the tool would price (``priced``: its op names) under
    another name than the function's own: what it traces as is not known, so its count may be
    missing."""
    if c.nested or not is_python(c.func) or _known(c.func, known):
        return False
    own = getattr(c.func, "__name__", "")
    return any(_TRACED_AS.get(a.name, own) != own and _TRACED_AS[a.name] in priced for a in c.event.aten)
