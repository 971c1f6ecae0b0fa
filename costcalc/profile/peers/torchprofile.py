"""torchprofile 0.1.0 ``profile_macs(model, inputs)``, re-implemented on the profile.

torchprofile traces the model (``torch.jit._get_trace_graph``) and prices each node by
``HANDLER_MAP`` (``torchprofile/handlers.py``); nodes it knows as free, and those it does not know
(a warning), count 0. Sizes are traced values, so the multiplications the model's Python code
does on ``x.shape`` are ``aten::mul`` nodes on 0-d tensors, 1 each (see ``aten_ops.ShapeInt``).
Each rule below names the handler it mirrors.
"""

from __future__ import annotations

import math

from ..aten_ops import Profile, TensorMeta
from ..conventions import blank, convention
from .calls import calls, hidden_work
from .jit import FACTS, JitOp, jit_ops


def _prod(shape) -> int:
    return math.prod(int(s) for s in shape)


def _matmul(op: JitOp):  # _matmul (aten::matmul, and aten::linear with the weight as operand b)
    a, b, out = op.a.shape, op.b.shape, op.out.shape  # as the handler unpacks them, names reused
    if len(a) == 1 and len(b) == 1:
        return a[0]
    if len(a) == 1 and len(b) == 2:
        return b[0] * b[1]
    if len(a) == 2 and len(b) == 1:
        return a[0] * a[1]
    if len(a) == 2 and len(b) == 2:
        return a[0] * b[0] * b[1]
    if len(a) == 1:
        return _prod(b[:-2]) * b[-2] * b[-1]
    if len(b) == 1:
        return _prod(a[:-2]) * a[-2] * a[-1]
    return _prod(out[:-2]) * a[-2] * b[-2] * b[-1]


def _linear(op):
    op.a, op.b = op.x, op.w
    return "linear", _matmul(op)


def _conv(op):  # _convolution: prod(out) * in channels * kernel, read off the weight
    w, out = op.w.shape, op.out.shape
    in_channels = w[1] if out[1] == w[0] else w[0]
    return "conv", _prod(out) * in_channels * _prod(w[2:])


def _addmm(op):  # n, m = mat1; m, p = mat2
    return "linear", op.a.shape[0] * op.b.shape[0] * op.b.shape[1]


def _addmv(op):
    n, m = op.a.shape
    return "linear", n * m


def _bmm(op):  # b, n, m = first; b, m, p = second (baddbmm: the two after the bias)
    return "linear", op.b.shape[0] * op.a.shape[1] * op.b.shape[1] * op.b.shape[2]


def _einsum(op):  # 0 for an ellipsis; else the product of every index size
    if not op.equation or "..." in op.equation:
        return "linear", 0
    sizes = {}
    for sub, o in zip(op.equation.split("->")[0].split(","), op.operands):
        for letter, size in zip(sub.replace(" ", ""), o.shape):
            sizes[letter] = size
    return "linear", _prod(sizes.values())


def _sdpa(op):  # _scaled_dot_product_attention: q @ kᵀ + weights @ v
    q, k, v = (t.shape for t in op.qkv)
    return "linear", q[0] * _prod(q[1:-2]) * q[-2] * k[-2] * (q[-1] + v[-1])


def _norm(op):  # _norm: one per output element with an affine weight, else 0
    return "norm", _prod(op.out.shape) if op.w is not None else 0


def _per_output(category, k=1):
    return lambda op: (category, k * _prod(op.out.shape))


def _lstm(op):  # _lstm: 4 gates x (input + hidden) x hidden per layer, per step, per direction
    outs = [o for o in op.call.out if isinstance(o, TensorMeta)] if isinstance(op.call.out, tuple) else []
    out, h_n = outs[0].shape, outs[1].shape
    input_size, hidden = op.x.shape[-1], h_n[-1]
    directions = out[-1] // hidden
    layers = h_n[0] // directions
    macs = sum(4 * hidden * ((input_size if i == 0 else hidden * directions) + hidden) for i in range(layers))
    return "linear", out[0] * out[1] * directions * macs


def _grid_sampler(op):  # bilinear 4, nearest 0, bicubic 16 per output element
    return "pool", _prod(op.out.shape) * {0: 4, 1: 0, 2: 16}.get(op.mode, 4)


HANDLERS = {
    "scaled_dot_product_attention": _sdpa, "lstm": _lstm, "einsum": _einsum, "grid_sampler": _grid_sampler,
    "addmm": _addmm, "addmv": _addmv, "bmm": _bmm, "baddbmm": _bmm, "linear": _linear,
    "matmul": lambda op: ("linear", _matmul(op)), "mul": _per_output("other"), "mul_": _per_output("other"),
    "_convolution": _conv, "batch_norm": _norm, "instance_norm": _norm, "layer_norm": _norm,
    "group_norm": _norm, "adaptive_avg_pool1d": _per_output("pool"), "adaptive_avg_pool2d": _per_output("pool"),
    "adaptive_avg_pool3d": _per_output("pool"), "avg_pool1d": _per_output("pool"),
    "avg_pool2d": _per_output("pool"), "avg_pool3d": _per_output("pool"), "mean": _per_output("pool"),
    "leaky_relu": _per_output("activation"), "upsample_bilinear2d": _per_output("pool", 4),
}


@convention("torchprofile", "torchprofile profile_macs handlers", tool="torchprofile")
def torchprofile(p: Profile, cov) -> dict:
    out = blank()
    cs = calls(p)
    ops, size_muls = jit_ops(p, cs)
    for op in ops:
        rule = HANDLERS.get(op.name)
        if rule is not None:
            cat, n = rule(op)
            out[cat] += n
    out["other"] += size_muls
    if p.shape_muls_assumed:
        cov.assumed["multiplications on sizes after math.ceil/floor in code with an "
                    "isinstance(x, torch.Tensor) branch (counted as that branch traces)"] += p.shape_muls_assumed
    for c in cs:
        if hidden_work(c, set(HANDLERS), FACTS):
            cov.missing[f"{c.event.op} (ops it traces as unknown)"] += 1
    return out
