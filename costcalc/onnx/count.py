"""Price every node of an ONNX graph with costcalc's formulas (:mod:`costcalc.layers`).

One rule per op type, in one table (``RULES``), each a pure function of the node's attributes and
its inferred shapes. Convolutions and products go through the registry the PyTorch path uses —
``layers.conv2d``, ``layers.conv_transpose2d``, ``layers.linear``, ``layers.batch_norm``,
``layers.max_pool`` / ``avg_pool`` / ``global_avg_pool`` — so the two paths cannot drift apart.
Categories are those of a torch profile (:data:`CATEGORIES`): a row's ``macs`` are conv / linear
multiply-accumulates without bias, ``bias_ops`` one add per output of a biased Conv / Gemm, and
``ops`` one operation per element for everything else, as :mod:`costcalc.profile.aten_ops` prices
the aten ops a torch model runs:

- Conv (groups, dilations, strides, explicit or ``auto_pad`` padding, 1-D to 3-D), ConvTranspose
  (MACs on the input positions, the registry's rule), Gemm, MatMul (batched and broadcast),
  Einsum (two operands) and ``Attention`` (opset 23: Q·Kᵀ and P·V, softmax one op per score):
  ``conv`` / ``linear`` MACs. A MatMul is a matmul whether its second operand is a weight or an
  activation (attention's Q·Kᵀ), as ``torch.matmul`` is on the PyTorch path.
- BatchNormalization, LayerNormalization, InstanceNormalization, GroupNormalization: ``norm``,
  one op per input element.
- activations (Relu, Clip, Sigmoid, HardSwish, Softmax, Gelu, ...): ``activation``, one per
  output element. Max / average pooling: k² per output element; global pooling and Reduce*
  (exporters write ``ReduceMean`` for an adaptive average pool): one per input element.
- Add / Sub of two tensors: ``add``; with a scalar, and Mul, Div, Pow, Sqrt, Where, ...:
  ``other``; one per output element. Resize: one interpolation per output element (linear and
  cubic), none for ``nearest`` (a copy). Concat: ``concat``, no arithmetic.
- views and copies (Reshape, Transpose, Gather, Slice, Shape, Constant, ...): ``free``.

An op type not in the table — a custom domain's op, a control-flow node (If, Loop, Scan) — is
``unknown``: listed with its count as not modelled, never silently priced as zero. Nothing here
imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .. import layers
from ..errors import CostcalcError, ShapeError
from .graph import Graph, _numel, load

# The order of costcalc.profile.aten_ops.CATEGORIES (that module imports torch; a test keeps
# the two equal).
CATEGORIES = ("conv", "linear", "bias", "norm", "activation", "pool", "add", "concat", "other")


@dataclass
class Row:
    """One node, in the fields :mod:`costcalc.profile.memory` and ``roofline`` read off a torch
    profile's events (``source`` is ``'onnx'``)."""

    name: str
    op: str  # op type, 'domain::Op' outside the default domain
    category: str  # one of CATEGORIES, 'free' or 'unknown'
    in_shapes: list
    out_shape: tuple
    macs: int = 0
    bias_ops: int = 0
    ops: int = 0
    flops: int = 0  # FlopCounterMode's rule: 2·MACs of convolutions and products, bias left out
    params: int = 0
    param_elems: int = 0  # elements of the initializers / constants the node reads
    in_ids: list = field(default_factory=list)  # tensor names
    out_ids: list = field(default_factory=list)
    in_params: list = field(default_factory=list)  # True where an input is stored in the file
    attrs: dict = field(default_factory=dict)  # the node's attributes, + groups / kernel for convs
    module: str = ""  # the torch module an exporter wrote in the node's metadata, if any
    rewrites: tuple = ()  # exporter rewrite rules named in the node's metadata
    why: str = ""  # for 'unknown': what is missing
    source: str = "onnx"
    stack: tuple = ()
    in_rule_leaf: bool = False

    @property
    def out_elems(self) -> int:
        return _numel(self.out_shape)


@dataclass
class OnnxProfile:
    """Every node of one graph, priced; what could not be priced is listed, never zeroed."""

    label: str
    input_shape: tuple  # the first input's bound shape
    rows: list
    graph: Graph
    unmodelled: dict  # op -> nodes with no rule (or whose shapes onnx could not infer)
    total_params: int  # elements of the floating-point initializers of rank ≥ 1 (Graph.float_params)
    tensor_elems: dict  # tensor name -> elements (activations)
    model_input_id: str = ""
    model_output_ids: tuple = ()

    @property
    def events(self) -> list:
        return self.rows

    @property
    def bound(self) -> list:
        return self.graph.bound


# -- attribute helpers ---------------------------------------------------------------------

def attributes(node) -> dict:
    from onnx import helper

    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        elif isinstance(v, (list, tuple)):
            v = [x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in v]
        if a.type in (4, 5, 9, 10, 11, 13):  # tensors and graphs: keep only that they are there
            v = "<tensor>" if a.type in (4, 9) else "<graph>"
        out[a.name] = v
    return out


def _pads(attrs, xs, ks, strides, dilations) -> list[tuple[int, int]]:
    """(begin, end) padding per spatial axis, from ``pads`` or ``auto_pad`` (ONNX's rules)."""
    n = len(xs)
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        out = []
        for x, k, s, d in zip(xs, ks, strides, dilations):
            total = max((-(-x // s) - 1) * s + d * (k - 1) + 1 - x, 0)
            small, big = total // 2, total - total // 2
            out.append((small, big) if auto == "SAME_UPPER" else (big, small))
        return out
    if auto == "VALID":
        return [(0, 0)] * n
    pads = list(attrs.get("pads", [0] * (2 * n)))
    return [(pads[i], pads[i + n]) for i in range(n)]


def _spatial(attrs, key, n, default=1) -> list:
    return list(attrs.get(key, [default] * n))


# -- the rules -----------------------------------------------------------------------------

RULES: dict[str, Callable] = {}


def rule(*ops: str):
    def deco(fn):
        for op in ops:
            if op in RULES:
                raise RuntimeError(f"ONNX rule for {op!r} registered twice")
            RULES[op] = fn
        return fn

    return deco


def _need(shapes, *idx):
    for i in idx:
        if i >= len(shapes) or shapes[i] is None:
            raise _NoShape(i)
    return [shapes[i] for i in idx]


class _NoShape(Exception):
    def __init__(self, index):
        self.index = index


def _conv_plane(c, n_out, x, k, s, p, d, groups, bias) -> layers.Cost:
    """layers.conv2d on one (H, W) plane; an asymmetric pad is folded into the input side."""
    (h, w), (kh, kw), (sh, sw), (dh, dw) = x, k, s, d
    (pt, pb), (pl, pr) = p
    if pt == pb and pl == pr:
        return layers.conv2d(c, n_out, h, w, kh, kw, stride=(sh, sw), padding=(pt, pl),
                             dilation=(dh, dw), groups=groups, bias=bias)
    return layers.conv2d(c, n_out, h + pt + pb, w + pl + pr, kh, kw, stride=(sh, sw), padding=0,
                         dilation=(dh, dw), groups=groups, bias=bias)


@rule("Conv")
def _conv(attrs, ins, outs, n_in):
    x, w = _need(ins, 0, 1)
    y = _need(outs, 0)[0]
    groups = int(attrs.get("group", 1))
    nsp = len(x) - 2
    ks = list(attrs.get("kernel_shape", w[2:]))
    st, dl = _spatial(attrs, "strides", nsp), _spatial(attrs, "dilations", nsp)
    pads = _pads(attrs, x[2:], ks, st, dl)
    bias = n_in > 2
    batch = x[0]
    if nsp == 1:  # a 1-D conv is a 2-D one on a 1-row plane
        cost = _conv_plane(x[1], w[0], (1, x[2]), (1, ks[0]), (1, st[0]), ((0, 0), pads[0]),
                           (1, dl[0]), groups, bias)
        scale, out_plane = 1, (cost.out_shape[0], cost.out_shape[2])
    elif nsp == 2:
        cost = _conv_plane(x[1], w[0], x[2:], ks, st, pads, dl, groups, bias)
        scale, out_plane = 1, cost.out_shape
    elif nsp == 3:  # each output depth slice sums kd planes of the 2-D formula
        cost = _conv_plane(x[1], w[0], x[3:], ks[1:], st[1:], pads[1:], dl[1:], groups, bias)
        scale, out_plane = ks[0] * y[2], (cost.out_shape[0], y[2], *cost.out_shape[1:])
    else:
        raise _Unmodelled(f"{nsp}-D convolution")
    if tuple(out_plane) != tuple(y[1:]):
        raise CostcalcError(f"Conv output {y} from onnx shape inference differs from costcalc's "
                            f"{(batch, *out_plane)}")
    facts = {"groups": groups, "kernel_size": tuple(ks), "in_channels": x[1]}
    return dict(category="conv", macs=batch * scale * cost.macs,
                bias_ops=batch * cost.bias_ops * (y[2] if nsp == 3 else 1), facts=facts)


@rule("ConvTranspose")
def _conv_t(attrs, ins, outs, n_in):
    x, w = _need(ins, 0, 1)
    y = _need(outs, 0)[0]
    groups = int(attrs.get("group", 1))
    nsp = len(x) - 2
    ks = list(attrs.get("kernel_shape", w[2:]))
    c_out = w[1] * groups
    if nsp not in (1, 2):
        raise _Unmodelled(f"{nsp}-D transposed convolution")
    h, wd = (1, x[2]) if nsp == 1 else x[2:]
    kh, kw = (1, ks[0]) if nsp == 1 else ks
    # MACs are counted on the input positions (the registry's rule), whatever the padding, so
    # the output side is left to ONNX's own rule (output_shape, auto_pad) and read from y.
    cost = layers.conv_transpose2d(x[1], c_out, h, wd, kh, kw, groups=groups, bias=n_in > 2)
    facts = {"groups": groups, "kernel_size": tuple(ks), "in_channels": x[1], "transposed": True}
    return dict(category="conv", macs=x[0] * cost.macs, bias_ops=_numel(y) if n_in > 2 else 0,
                facts=facts)


@rule("Gemm")
def _gemm(attrs, ins, outs, n_in):
    a, b = _need(ins, 0, 1)
    y = _need(outs, 0)[0]
    k = a[0] if attrs.get("transA", 0) else a[1]
    m, n = y
    beta = attrs.get("beta", 1.0)
    bias = n_in > 2 and beta != 0
    cost = layers.linear(k, n, bias=bias)
    return dict(category="linear", macs=m * cost.macs, bias_ops=_numel(y) if bias else 0)


@rule("MatMul", "MatMulInteger")
def _matmul(attrs, ins, outs, n_in):
    a, b = _need(ins, 0, 1)
    y = _need(outs, 0)[0]
    k = a[-1]
    n = b[-1] if len(b) >= 2 else 1
    return dict(category="linear", macs=layers.linear(k, n).macs * (_numel(y) // n))


@rule("Einsum")
def _einsum(attrs, ins, outs, n_in):
    if n_in != 2:
        raise _Unmodelled(f"Einsum of {n_in} operands")
    a, b = _need(ins, 0, 1)
    y = _need(outs, 0)[0]
    eq = attrs.get("equation", "").replace(" ", "")
    lhs, _, rhs = eq.partition("->")
    terms = lhs.split(",")
    if "." in eq or not rhs or len(terms) != 2:
        raise _Unmodelled(f"Einsum {eq!r}")
    sizes = {}
    for term, shape in zip(terms, (a, b)):
        for ch, s in zip(term, shape):
            sizes[ch] = max(sizes.get(ch, 1), s)
    k = _numel(sizes[ch] for ch in sizes if ch not in rhs)  # the contracted indices
    return dict(category="linear", macs=layers.linear(k, 1).macs * _numel(y))


@rule("Attention")
def _attention(attrs, ins, outs, n_in):
    q, k, v = _need(ins, 0, 1, 2)
    if len(q) == 4:  # (B, heads, S, head size)
        b, h, sq, dk = q
        skv, dv = k[2], v[3]
    else:  # (B, S, heads · head size), heads from the attributes
        h = int(attrs.get("q_num_heads", 0))
        if not h:
            raise _Unmodelled("3-D Attention without q_num_heads")
        b, sq, hidden = q
        dk, skv = hidden // h, k[1]
        dv = v[2] // int(attrs.get("kv_num_heads", h))
    rows = b * h * sq
    macs = rows * (layers.linear(dk, skv).macs + layers.linear(skv, dv).macs)  # Q·Kᵀ, then P·V
    return dict(category="linear", macs=macs, ops=rows * skv)  # + one softmax op per score


@rule("BatchNormalization")
def _bn(attrs, ins, outs, n_in):
    x = _need(ins, 0)[0]
    if len(x) == 4:
        return dict(category="norm", ops=x[0] * layers.batch_norm(x[1], x[2], x[3]).ops)
    return dict(category="norm", ops=_numel(x))


@rule("LayerNormalization", "InstanceNormalization", "GroupNormalization",
      "MeanVarianceNormalization", "LpNormalization", "RMSNormalization", "SkipLayerNormalization")
def _norm(attrs, ins, outs, n_in):
    return dict(category="norm", ops=_numel(_need(ins, 0)[0]))


_ACTIVATIONS = ("Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
                "Elu", "Selu", "Celu", "Gelu", "FastGelu", "BiasGelu", "QuickGelu", "Softplus",
                "Softsign", "Mish", "ThresholdedRelu", "Shrink", "Erf", "Softmax", "LogSoftmax",
                "Hardmax", "Swish")


@rule(*_ACTIVATIONS)
def _act(attrs, ins, outs, n_in):
    return dict(category="activation", ops=_numel(_need(outs, 0)[0]))


def _pool(attrs, ins, outs, kind):
    x = _need(ins, 0)[0]
    y = _need(outs, 0)[0]
    nsp = len(x) - 2
    ks = list(attrs["kernel_shape"])
    if nsp != 2:  # 1-D / 3-D windows: the registry's k-per-output rule, on the inferred output
        return dict(category="pool", ops=_numel(ks) * _numel(y))
    st, dl = _spatial(attrs, "strides", 2), _spatial(attrs, "dilations", 2)
    (pt, pb), (pl, pr) = _pads(attrs, x[2:], ks, st, dl)
    ceil = bool(attrs.get("ceil_mode", 0))
    fn = layers.max_pool if kind == "max" else layers.avg_pool
    extra = {"dilation": tuple(dl)} if kind == "max" else {}
    try:
        if pt == pb and pl == pr:
            cost = fn(x[1], x[2], x[3], tuple(ks), tuple(st), (pt, pl), ceil_mode=ceil, **extra)
        else:
            cost = fn(x[1], x[2] + pt + pb, x[3] + pl + pr, tuple(ks), tuple(st), 0, ceil_mode=ceil, **extra)
    except ShapeError:
        cost = None
    if cost is None or tuple(cost.out_shape) != tuple(y[1:]):
        # ONNX's own output rule (ceil_mode with asymmetric pads) decides the output; the
        # registry's rule, kh·kw per output element, prices it.
        return dict(category="pool", ops=_numel(ks) * _numel(y))
    return dict(category="pool", ops=x[0] * cost.ops)


@rule("MaxPool", "LpPool")
def _maxpool(attrs, ins, outs, n_in):
    return _pool(attrs, ins, outs, "max")


@rule("AveragePool")
def _avgpool(attrs, ins, outs, n_in):
    return _pool(attrs, ins, outs, "avg")


@rule("GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool")
def _global(attrs, ins, outs, n_in):
    x = _need(ins, 0)[0]
    if len(x) == 4:
        return dict(category="pool", ops=x[0] * layers.global_avg_pool(x[1], x[2], x[3]).ops)
    return dict(category="pool", ops=_numel(x))


@rule("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
      "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin")
def _reduce(attrs, ins, outs, n_in):
    return dict(category="pool", ops=_numel(_need(ins, 0)[0]))


@rule("Add", "Sub")
def _add(attrs, ins, outs, n_in):
    a, b = _need(ins, 0, 1)
    two = len(a) > 0 and len(b) > 0  # aten's rule: both operands tensors with dimensions
    return dict(category="add" if two else "other", ops=_numel(_need(outs, 0)[0]))


_ELEMENTWISE = ("Mul", "Div", "Pow", "Sqrt", "Reciprocal", "Neg", "Abs", "Exp", "Log", "Where",
                "Max", "Min", "Sum", "Mean", "Ceil", "Floor", "Round", "Sign", "Sin", "Cos",
                "Mod", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And",
                "Or", "Xor", "IsNaN", "IsInf", "CumSum", "BitShift")


@rule(*_ELEMENTWISE)
def _elementwise(attrs, ins, outs, n_in):
    return dict(category="other", ops=_numel(_need(outs, 0)[0]))


@rule("Resize", "Upsample")
def _resize(attrs, ins, outs, n_in):
    mode = attrs.get("mode", "nearest")
    y = _need(outs, 0)[0]
    return dict(category="other", ops=0 if mode == "nearest" else _numel(y))


@rule("Concat")
def _concat(attrs, ins, outs, n_in):
    return dict(category="concat")


_FREE = ("Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Shape", "Size",
         "Gather", "GatherElements", "GatherND", "Slice", "Split", "Constant", "ConstantOfShape",
         "Cast", "CastLike", "Expand", "Tile", "Pad", "Dropout", "DepthToSpace", "SpaceToDepth",
         "Range", "Trilu", "OneHot", "ScatterND", "ScatterElements", "NonZero", "EyeLike",
         "ReorderInput", "ReorderOutput", "ReorderWeight", "MemcpyToHost", "MemcpyFromHost")


@rule(*_FREE)
def _free(attrs, ins, outs, n_in):
    return dict(category="free")


class _Unmodelled(Exception):
    pass


# -- the pass ------------------------------------------------------------------------------

def _meta(node) -> tuple[str, tuple]:
    """(torch module path, rewrite rules) from the metadata torch's dynamo exporter writes."""
    props = {p.key: p.value for p in node.metadata_props}
    module = ""
    scopes = props.get("pkg.torch.onnx.name_scopes")
    if scopes:
        import ast

        try:
            parts = [s for s in ast.literal_eval(scopes) if s]
        except (ValueError, SyntaxError):
            parts = []
        module = ".".join(parts[:-1]) if len(parts) > 1 else ".".join(parts)
    rules = props.get("pkg.onnxscript.rewriter.rule_name", "")
    return module, tuple(r.strip() for r in rules.split(",") if r.strip())


def profile_graph(g: Graph) -> OnnxProfile:
    """Every node of ``g`` priced by :data:`RULES`, in file order (ONNX requires it topological)."""
    rows, unmodelled = [], {}
    params = set(g.initializers) | set(g.constants) | {
        n.output[0] for n in g.nodes if n.op_type == "Constant" and n.output}
    seen = {}
    for i, node in enumerate(g.nodes):
        op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}::{node.op_type}"
        name = node.name or f"{node.op_type}_{i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}#{seen[name]}"
        else:
            seen[name] = 1
        ins = [g.shapes.get(t) if t else None for t in node.input]
        outs = [g.shapes.get(t) for t in node.output]
        attrs = attributes(node)
        fn = RULES.get(node.op_type) if node.domain in ("", "ai.onnx", "com.microsoft.nchwc") else None
        priced, why = {}, ""
        if fn is None:
            why = "no costcalc rule"
        else:
            try:
                priced = fn(attrs, ins, outs, len([t for t in node.input if t]))
            except _NoShape as e:
                why = f"onnx could not infer the shape of {'input' if e.index < len(ins) else 'output'} {e.index}"
            except _Unmodelled as e:
                why = str(e)
            except (ShapeError, CostcalcError) as e:
                raise CostcalcError(f"node {name} ({op}): {e}") from None
        category = priced.get("category", "unknown" if why else "free")
        if category == "unknown":
            unmodelled.setdefault(op, []).append(why)
        facts = priced.get("facts", {})
        module, rewrites = _meta(node)
        in_params = [t in params for t in node.input if t]
        in_names = [t for t in node.input if t]
        in_shapes = [g.shapes.get(t) or () for t in in_names]
        macs = int(priced.get("macs", 0))
        rows.append(Row(
            name, op, category, in_shapes, tuple(outs[0]) if outs and outs[0] else (),
            macs=macs, bias_ops=int(priced.get("bias_ops", 0)), ops=int(priced.get("ops", 0)),
            flops=2 * macs, params=sum(_numel(s) for s, p in zip(in_shapes, in_params) if p),
            param_elems=sum(_numel(s) for s, p in zip(in_shapes, in_params) if p),
            in_ids=in_names, out_ids=[t for t in node.output if t], in_params=in_params,
            attrs={**attrs, **facts, "n_inputs": len(in_names)}, module=module, rewrites=rewrites,
            why=why))
    elems = {t: _numel(s) for t, s in g.shapes.items() if t not in params}
    first = g.inputs[0]
    return OnnxProfile(g.label, tuple(first[1]), rows, g,
                       {op: len(v) for op, v in unmodelled.items()}, g.float_params, elems,
                       first[0], tuple(g.outputs))


def profile_onnx(path_or_model, shape: tuple | None = None, label: str | None = None) -> OnnxProfile:
    """Load, bind ``shape`` (``--input``), infer and price: the ONNX twin of ``profile_model``."""
    return profile_graph(load(path_or_model, shape, label))


def unmodelled_text(p: OnnxProfile) -> str:
    """'com.microsoft::FusedConv ×3, Loop ×1' with why, for the notes."""
    parts = []
    for op, n in sorted(p.unmodelled.items()):
        whys = sorted({r.why for r in p.rows if r.op == op and r.category == "unknown"})
        parts.append(f"{op} ×{n} ({'; '.join(whys)})")
    return ", ".join(parts)


