"""The ops a ``torch.jit.trace`` of the model records, for the tools that count a trace.

fvcore (``FlopCountAnalysis``) and torchprofile (``profile_macs``) both trace the model and price
graph nodes by name (``aten::linear``, ``aten::_convolution``...). The trace records each torch
call the Python code makes, under the op's name, except that convolutions appear as
``aten::_convolution`` and torch's Python functionals appear as what they call inside
(:mod:`.calls`). Each :class:`JitOp` carries the facts the two tools' handlers read, taken from the
call's arguments in whichever form the Python code passed them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..aten_ops import Profile, TensorMeta
from .calls import Call, calls, out_meta, walk


@dataclass
class JitOp:
    name: str  # the aten op without 'aten::', e.g. 'linear', '_convolution', 'mul_'
    call: Call
    x: TensorMeta | None = None  # first input
    out: TensorMeta | None = None
    w: TensorMeta | None = None  # conv / linear weight; norm weight (None: not affine)
    a: TensorMeta | None = None  # products: the two operands
    b: TensorMeta | None = None
    training: bool = False  # batch norm
    transposed: bool = False  # convolution
    equation: str = ""  # einsum
    operands: tuple = ()
    qkv: tuple = ()  # scaled_dot_product_attention
    mode: int = 0  # grid_sampler: 0 bilinear, 1 nearest, 2 bicubic


def _first(c: Call):
    for v in list(c.args) + list(c.kwargs.values()):
        if isinstance(v, TensorMeta):
            return v
    return None


def _conv(transposed):
    def facts(c: Call, op: JitOp):
        op.w, op.transposed = c.arg(1, "weight"), transposed
        return "_convolution"

    return facts


def _linear(c, op):
    op.w = c.arg(1, "weight")
    return "linear"


def _product(name, first=0):
    def facts(c, op):
        op.a = c.arg(first, "mat1" if first else "input")
        op.b = c.arg(first + 1, "mat2", c.kwargs.get("other", c.kwargs.get("vec")))
        return name

    return facts


def _einsum(c, op):
    op.equation = c.arg(0, "equation")
    ops = c.args[1:]
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = ops[0]
    op.operands = tuple(ops)
    return "einsum"


def _norm(name, weight_at, weight_name, training_at=None, training_name=None, default_training=False):
    def facts(c, op):
        op.w = c.arg(weight_at, weight_name)
        if training_at is not None:
            op.training = bool(c.arg(training_at, training_name, default_training))
        return name

    return facts


_UPSAMPLE = {"nearest": "upsample_nearest{d}d", "nearest-exact": "_upsample_nearest_exact{d}d",
             "linear": "upsample_linear1d", "bilinear": "upsample_bilinear2d",
             "bicubic": "upsample_bicubic2d", "trilinear": "upsample_trilinear3d"}


def _interpolate(c, op):
    mode = c.arg(3, "mode", "nearest")
    name = _UPSAMPLE.get(mode, f"upsample_{mode}").format(d=c.arg(0, "input").dim() - 2)
    if c.arg(6, "antialias", False):
        name = f"_{name}_aa"
    return name


def _sdpa(c, op):
    op.qkv = (c.arg(0, "query"), c.arg(1, "key"), c.arg(2, "value"))
    return "scaled_dot_product_attention"


def _grid_sample(c, op):
    op.mode = {"bilinear": 0, "nearest": 1, "bicubic": 2}.get(c.arg(2, "mode", "bilinear"), 0)
    return "grid_sampler"


def _leaky_relu(c, op):
    return "leaky_relu_" if c.arg(2, "inplace", False) else "leaky_relu"


# Python call -> (its jit op's name, the facts handlers read); not listed: the function's own name
FACTS = {
    F.conv1d: _conv(False), F.conv2d: _conv(False), F.conv3d: _conv(False),
    F.conv_transpose1d: _conv(True), F.conv_transpose2d: _conv(True), F.conv_transpose3d: _conv(True),
    F.linear: _linear,
    torch.matmul: _product("matmul"), torch.Tensor.matmul: _product("matmul"),
    torch.mm: _product("mm"), torch.Tensor.mm: _product("mm"),
    torch.bmm: _product("bmm"), torch.Tensor.bmm: _product("bmm"),
    torch.addmm: _product("addmm", 1), torch.Tensor.addmm: _product("addmm", 1),
    torch.baddbmm: _product("baddbmm", 1), torch.Tensor.baddbmm: _product("baddbmm", 1),
    torch.addmv: _product("addmv", 1), torch.Tensor.addmv: _product("addmv", 1),
    torch.einsum: _einsum,
    # F.batch_norm(input, running_mean, running_var, weight, bias, training, ...); torch.batch_norm
    # takes aten's order (input, weight, bias, running_mean, running_var, training, ...)
    F.batch_norm: _norm("batch_norm", 3, "weight", 5, "training"),
    torch.batch_norm: _norm("batch_norm", 1, "weight", 5, "training"),
    F.instance_norm: _norm("instance_norm", 3, "weight"),
    torch.instance_norm: _norm("instance_norm", 1, "weight"),
    F.layer_norm: _norm("layer_norm", 2, "weight"), torch.layer_norm: _norm("layer_norm", 2, "weight"),
    F.group_norm: _norm("group_norm", 2, "weight"), torch.group_norm: _norm("group_norm", 2, "weight"),
    F.interpolate: _interpolate,
    F.scaled_dot_product_attention: _sdpa,
    F.grid_sample: _grid_sample,
    F.leaky_relu: _leaky_relu,
}


def _facts(func):
    try:
        return FACTS.get(func)
    except TypeError:
        return None


def _name(func) -> str:
    name = getattr(func, "__name__", "") or ""
    return name.strip("_") if name.startswith("__") and name.endswith("__") else name


def jit_op(c: Call) -> JitOp:
    op = JitOp("", c, x=_first(c), out=out_meta(c))
    facts = _facts(c.func)
    op.name = facts(c, op) if facts is not None else _name(c.func)
    return op


def jit_ops(p: Profile, cs: list[Call] | None = None) -> tuple[list[JitOp], int]:
    """(the ops a trace of the model records, the 0-d multiplications on sizes it keeps)."""
    ops, muls = [], p.shape_muls
    for c in cs if cs is not None else calls(p):
        if c.dead:
            continue
        ops.extend(_expand(c))
        muls += sum(x.shape_muls for x in walk([c]))
    return ops, muls


def _expand(c: Call) -> list[JitOp]:
    if c.inner:
        return [op for i in c.inner for op in _expand(i)]
    return [jit_op(c)]

