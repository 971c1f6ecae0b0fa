"""An ONNX graph's rows re-totalled under each named convention.

The names mean what they mean on the PyTorch path (:mod:`costcalc.profile.conventions`):

- ``paper`` (alias ``macs``): conv + linear multiply-adds, bias excluded — Conv, ConvTranspose,
  Gemm, MatMul, Einsum and Attention MACs; the MobileNet papers' mult-adds.
- ``flops``: ``torch.utils.flop_counter.FlopCounterMode``'s rule, 2·MACs of convolutions and
  products; bias, norm, activations, pooling and adds left out.
- ``all-ops``: costcalc's full count, every arithmetic op once: MACs, bias adds, norm (one op per
  element), activations, pooling (one per input element of a global pool or reduce, k² per output
  of a window), adds and other element-wise ops.
- ``onnx-tool`` (onnx-tool 1.0.1, ``onnx_tool.model_profile``'s forward MACs total): the per-node
  ``profile()`` rules of ``onnx_tool/node.py``, summed over every node not in its ``NoMacsOps``
  set, as ``Graph.profile`` sums them. Its per-element costs are instruction estimates, not
  multiply-adds: Conv and Gemm add one per output for a bias; ConvTranspose is priced per
  *output* position (``volume(y)·volume(W[1:])``, ≈ stride² more than the input-position MACs);
  a MatMul is ``volume(y)·B[-2]``; BatchNormalization 31 per element (1+24+4+1+1: add, sqrt,
  divide, add, multiply); a global average pool one add per input and a 4-cycle divide per
  output; Relu 1, Clip 2, HardSigmoid 4, HardSwish 5, Sigmoid 32 (one exp), Softmax 36, Tanh 2×38;
  Add / Mul 1, Div 4 and InstanceNormalization 7 per output element, once whatever the number of
  inputs (see ``_ONNX_TOOL_PW``); windows k² per output; Resize 4 (linear) / 8 (cubic) per output,
  nearest 0; LayerNormalization 7 per element + 29 per normalised row; a scalar output
  (``volume(()) = 0``) costs 0. Each rule below names the class it mirrors.

The torch-module peers (``fvcore``, ``ptflops``, ``thop``, ``torchprofile``, ``torchinfo``) trace
or hook a live ``nn.Module``; an ONNX file has none, so they do not apply — asking for one is an
error that says so, never a number.
"""

from __future__ import annotations

from typing import Callable

from ..errors import CostcalcError
from .count import CATEGORIES, OnnxProfile, Row
from .graph import _numel

CONVENTIONS: dict[str, Callable[[OnnxProfile], dict]] = {}
TITLES: dict[str, str] = {}
ALIASES = {"macs": "paper"}
TORCH_ONLY = ("fvcore", "ptflops", "thop", "torchprofile", "torchinfo")


def convention(name: str, title: str):
    def deco(fn):
        if name in CONVENTIONS:
            raise RuntimeError(f"ONNX convention {name!r} registered twice")
        CONVENTIONS[name] = fn
        TITLES[name] = title
        return fn

    return deco


def _blank() -> dict:
    return {c: 0 for c in CATEGORIES}


@convention("paper", "paper mult-adds: conv + linear MACs, no bias")
def paper(p: OnnxProfile) -> dict:
    out = _blank()
    for r in p.rows:
        if r.category in ("conv", "linear"):
            out[r.category] += r.macs
    return out


@convention("flops", "torch FlopCounterMode: 2·MACs of conv and matmul")
def flops(p: OnnxProfile) -> dict:
    out = _blank()
    for r in p.rows:
        if r.category in ("conv", "linear"):
            out[r.category] += r.flops
    return out


@convention("all-ops", "costcalc: every op once (MACs, bias, norm, act, pool, add)")
def all_ops(p: OnnxProfile) -> dict:
    out = _blank()
    for r in p.rows:
        if r.category in ("conv", "linear"):
            out[r.category] += r.macs
            out["bias"] += r.bias_ops
            out["activation"] += r.ops  # Attention's softmax
        elif r.category in out:
            out[r.category] += r.ops
    return out


# -- onnx-tool: node.py's constants and rules ----------------------------------------------

ADD, MUL, CMP, DIV, EXP, LOG, SQRT, SIN = 1, 1, 1, 4, 32, 43, 24, 39  # node.py *_MACS
TANH = EXP + 2 * ADD + DIV
ATAN = SQRT + 3 * MUL + MUL + DIV

# Point-wise ops: (op_mac, ratio). PWNode / NpMathBase subclasses: profile() = volume(y) · ratio ·
# op_mac. Their default ``ratio = max(1, len(self.input) - 1)`` is evaluated in ``__init__``, before
# ``Graph.__add_node_from_proto__`` appends the inputs, so it is always 1: a three-input
# InstanceNormalization or Max is priced once per output element, not twice (None below = that 1).
_ONNX_TOOL_PW = {
    "Add": (ADD, None), "Sub": (ADD, None), "Mul": (MUL, None), "Div": (DIV, None),  # NpMathBase
    "Min": (CMP, None), "Max": (ADD, None), "Neg": (CMP, None), "Mod": (ADD, None),
    "Abs": (CMP, None), "Ceil": (ADD, None),
    "Exp": (EXP, 1), "Sigmoid": (EXP, 1), "Softmax": (EXP + DIV, 1),  # ExpNode, SigmoidNode, SoftmaxNode
    "Softplus": (EXP + ADD + LOG, 1), "Log": (LOG, 1), "ImageScaler": (ADD + MUL, 1),
    "InstanceNormalization": (ADD + MUL + ADD + DIV, None), "LpNormalization": (EXP + ADD, None),
    "Sqrt": (SQRT, None), "Pow": (EXP, None), "Sin": (SIN, None), "Cos": (SIN, None),
    "Tanh": (TANH, 2), "Atan": (ATAN, 2), "LogSoftmax": (EXP + DIV + ADD + LOG, 1),
    "Sign": (CMP, None), "HardSigmoid": (MUL + ADD + 2 * CMP, None),
    "HardSwish": (2 * MUL + ADD + 2 * CMP, None), "Relu": (CMP, None),
    "Elu": (CMP + EXP + ADD + MUL, 1), "Silu": (EXP + MUL, None), "Gelu": (EXP + 2 * MUL, None),
    "PRelu": (CMP + MUL, 1), "LeakyRelu": (MUL + CMP, None), "Clip": (2 * CMP, 1),
    "Reciprocal": (DIV, None), "Relu6": (2 * CMP, 1), "CumSum": (ADD, 1), "Hardmax": (ADD, None),
    "DequantizeLinear": (MUL + ADD, 1), "QuantizeLinear": (MUL + ADD, 1),
    # LessNode and its subclasses, EqualNode, GreaterNode, FloorNode, NonZeroNode: CMP per output
    "Less": (CMP, 1), "LessOrEqual": (CMP, 1), "Round": (CMP, 1), "Not": (CMP, 1), "And": (CMP, 1),
    "Or": (CMP, 1), "Xor": (CMP, 1), "Equal": (CMP, 1), "Greater": (CMP, 1),
    "GreaterOrEqual": (CMP, 1), "Floor": (CMP, 1), "NonZero": (CMP, 1),
}

# Ops onnx-tool registers whose profile() is 0 (Node / FusedBase defaults), and its NoMacsOps.
_ONNX_TOOL_ZERO = {
    "Identity", "Constant", "Shape", "Squeeze", "Unsqueeze", "Reshape", "ConstantOfShape", "Cast",
    "Pad", "Concat", "Slice", "Gather", "Transpose", "Flatten", "Dropout", "Erf", "Where", "Tile",
    "Expand", "Range", "Split", "DepthToSpace", "OneHot", "Trilu", "GatherElements", "GatherND",
    "ScatterND", "ScatterElements", "ArgMax", "TopK", "Compress", "NonMaxSuppression",
    "RandomUniformLike", "RandomNormalLike", "CategoryMapper", "ArrayFeatureExtractor", "ZipMap",
}


def _vol(shape) -> int:
    """onnx-tool's ``volume``: 0 for a scalar's empty shape."""
    return _numel(shape) if len(shape) else 0


def onnx_tool_node(r: Row) -> int | None:
    """One node's forward MACs under onnx-tool's rules; None where no rule is mirrored."""
    op, a, n_in = r.op, r.attrs, r.attrs.get("n_inputs", len(r.in_shapes))
    y = r.out_shape
    if op in _ONNX_TOOL_ZERO:
        return 0
    if op in _ONNX_TOOL_PW:
        mac, ratio = _ONNX_TOOL_PW[op]
        return _vol(y) * (1 if ratio is None else ratio) * mac
    if op == "Sum":  # SumNode: ratio = inputs − 1
        return _vol(y) * (n_in - 1) * ADD
    if op in ("Conv", "ConvTranspose"):  # ConvNode / ConvTransposeNode.profile
        w = r.in_shapes[1]
        return _vol(y) * _vol(w[1:]) * MUL + (_vol(y) * ADD if n_in > 2 else 0)
    if op in ("Gemm", "MatMul", "MatMulInteger"):  # GemmNode.profile (MatMulNode inherits it)
        w = r.in_shapes[1]
        if op == "Gemm":
            k = w[-1] if a.get("transB", 0) else w[-2]
        else:
            k = w[-2] if len(w) > 1 else 1
        return _vol(y) * k + (_vol(y) * ADD if n_in == 3 else 0)
    if op == "Einsum":  # EinsumNode.profile: the product of every index's size
        eq = a.get("equation", "").replace(" ", "")
        terms = eq.partition("->")[0].split(",")
        sizes = {}
        for term, shape in zip(terms, r.in_shapes):
            for ch, s in zip(term, shape):
                sizes[ch] = s
        return _numel(sizes.values())
    if op in ("Resize", "Upsample"):  # ResizeNode.profile
        mode = a.get("mode", "nearest")
        return _vol(y) * {"nearest": 0, "linear": 4, "cubic": 8}.get(mode, 0)
    if op in ("MaxPool", "AveragePool"):  # PoolBase.profile: CMP (=ADD=1) × kernel
        k = a.get("kernel_shape", (3, 3))
        return _vol(y) * CMP * k[0] * (k[1] if len(k) == 2 else 1)
    if op == "GlobalAveragePool":  # GlobalAveragePoolNode.profile
        return _vol(r.in_shapes[0]) * ADD + _vol(y) * DIV
    if op == "BatchNormalization":  # BatchNormalizationNode.profile
        return _vol(y) * (ADD + SQRT + DIV + ADD + MUL)
    if op == "LayerNormalization":  # LayerNormalizationNode.profile
        x = list(r.in_shapes[0])
        axis = a.get("axis", -1) % len(x)
        rows = _numel(x[:axis] + [1] + x[axis + 1:])
        return _vol(x) * (3 * MUL + 4 * ADD) + rows * (ADD + SQRT + DIV)
    if op in ("ReduceMean", "ReduceSum", "ReduceProd", "ReduceMin", "ReduceMax"):  # ReduceMeanNode
        return _vol(r.in_shapes[0])
    if op == "ReduceL2":
        return _vol(r.in_shapes[0]) * (ADD + SQRT)
    if op == "LRN":  # LRNNode.profile
        return _vol(y) * (DIV + EXP + ADD + int(a.get("size", 1)) * MUL)
    return None


_OT_CATEGORY = {"Add": "add", "Sub": "add", "BatchNormalization": "norm",
                "LayerNormalization": "norm", "InstanceNormalization": "norm"}


@convention("onnx-tool", "onnx-tool model_profile MACs (node.py rules)")
def onnx_tool(p: OnnxProfile) -> dict:
    out = _blank()
    for r in p.rows:
        n = onnx_tool_node(r)
        if not n:
            continue
        if r.category in ("conv", "linear"):
            bias = n - onnx_tool_node_no_bias(r)
            out[r.category] += n - bias
            out["bias"] += bias
        else:
            cat = _OT_CATEGORY.get(r.op, r.category)
            out[cat if cat in out else "other"] += n
    return out


def onnx_tool_node_no_bias(r: Row) -> int:
    """A Conv / Gemm node's onnx-tool MACs without its bias term (for the by-category split)."""
    n = onnx_tool_node(r) or 0
    if r.op in ("Conv", "ConvTranspose", "Gemm") and r.attrs.get("n_inputs", 0) > 2:
        return n - _vol(r.out_shape)
    return n


def onnx_tool_unmirrored(p: OnnxProfile) -> dict:
    """{op: nodes} that onnx-tool may price but costcalc has no mirrored rule for."""
    out = {}
    for r in p.rows:
        if onnx_tool_node(r) is None:
            out[r.op] = out.get(r.op, 0) + 1
    return out


def canonical(name: str) -> str:
    """The convention a name means for an ONNX file; torch-only peers are refused by name."""
    name = ALIASES.get(name, name)
    if name in TORCH_ONLY:
        raise CostcalcError(f"--convention {name} counts a live PyTorch module (its hooks or trace); "
                            f"an ONNX file has none, so it does not apply. For .onnx files: "
                            f"{', '.join(CONVENTIONS)} (macs = paper)")
    if name not in CONVENTIONS:
        raise CostcalcError(f"unknown convention {name!r} for an ONNX file; known: "
                            f"{', '.join(CONVENTIONS)} (macs = paper)")
    return name


def get(name: str):
    return CONVENTIONS[canonical(name)]


def totals(p: OnnxProfile, names=None) -> dict:
    return {canonical(n): get(n)(p) for n in (names or CONVENTIONS)}
