"""fvcore 0.1.5 ``FlopCountAnalysis(model, inputs).total()``, re-implemented on the profile.

fvcore traces the model (``torch.jit``) and prices the nodes named in ``_DEFAULT_SUPPORTED_OPS``
(``fvcore/nn/flop_count.py``) with the handles of ``fvcore/nn/jit_handles.py``; every other node
counts 0. One fused multiply-add is one "flop". Each rule below names the handle it mirrors.
"""

from __future__ import annotations

import math

from ..aten_ops import Profile
from ..conventions import blank, convention
from .calls import calls, hidden_work
from .jit import FACTS, JitOp, jit_ops


def _prod(shape) -> int:
    return math.prod(int(s) for s in shape)


def _conv(op: JitOp):  # conv_flop_jit -> conv_flop_count: batch * prod(w) * prod(conv positions)
    positions = (op.x if op.transposed else op.out).shape[2:]
    return "conv", op.x.shape[0] * _prod(op.w.shape) * _prod(positions)


def _linear(op):  # linear_flop_jit: prod(input) * weight rows
    return "linear", _prod(op.x.shape) * op.w.shape[0]


def _matmul(op):  # matmul_flop_jit (aten::matmul and aten::mm): prod(a) * b[-1]
    return "linear", _prod(op.a.shape) * op.b.shape[-1]


def _addmm(op):  # addmm_flop_jit: mat1 (n, k) @ mat2 (k, m), bias left out
    return "linear", op.a.shape[0] * op.a.shape[1] * op.b.shape[1]


def _bmm(op):  # bmm_flop_jit: (n, c, t) @ (n, t, d)
    n, c, t = op.a.shape
    return "linear", n * c * t * op.b.shape[-1]


def _einsum(op):  # einsum_flop_jit: two named equations, else numpy's optimal path, halved
    letters = dict.fromkeys(ch for ch in op.equation if ch.isalpha())
    eq = op.equation.replace(" ", "").translate({ord(x): 97 + i for i, x in enumerate(letters)})
    shapes = [o.shape for o in op.operands]
    if eq == "abc,abd->acd":
        n, c, t = shapes[0]
        return "linear", n * c * t * shapes[-1][-1]
    if eq == "abc,adc->adb":
        n, t, g = shapes[0]
        return "linear", n * t * g * shapes[-1][1]
    import numpy as np

    path = np.einsum_path(eq, *[np.zeros(s) for s in shapes], optimize="optimal")[1]
    for line in path.split("\n"):
        if "optimized flop" in line.lower():
            return "linear", int(np.floor(float(line.split(":")[-1]) / 2))  # fvcore's float, whole
    return "linear", 0


def _batch_norm(op):  # batchnorm_flop_jit: training -> norm_flop_counter(1); else 1, 2 with affine
    if op.training:
        return _norm(op)
    return "norm", _prod(op.x.shape) * (2 if op.w is not None else 1)


def _norm(op):  # norm_flop_counter: 5 per input element with an affine weight, else 4
    return "norm", _prod(op.x.shape) * (5 if op.w is not None else 4)


def _per_output(k, category="pool"):  # elementwise_flop_counter(0, k)
    return lambda op: (category, k * _prod(op.out.shape))


def _per_input(op):  # elementwise_flop_counter(1, 0)
    return "pool", _prod(op.x.shape)


HANDLES = {
    "addmm": _addmm, "bmm": _bmm, "_convolution": _conv, "einsum": _einsum, "matmul": _matmul,
    "mm": _matmul, "linear": _linear, "batch_norm": _batch_norm, "group_norm": _norm,
    "layer_norm": _norm, "instance_norm": _norm, "upsample_nearest2d": _per_output(1),
    "upsample_bilinear2d": _per_output(4), "adaptive_avg_pool2d": _per_input,
    "grid_sampler": _per_output(4),
}


@convention("fvcore", "fvcore FlopCountAnalysis defaults", tool="fvcore")
def fvcore(p: Profile, cov) -> dict:
    out = blank()
    cs = calls(p)
    for op in jit_ops(p, cs)[0]:
        rule = HANDLES.get(op.name)
        if rule is not None:
            cat, n = rule(op)
            out[cat] += n
    for c in cs:
        if hidden_work(c, set(HANDLES), FACTS):
            cov.missing[f"{c.event.op} (ops it traces as unknown)"] += 1
    return out
