"""Count any model: module hooks for leaf modules, plus a torch-function / aten-dispatch pass.

Leaf modules with a handler are counted by :class:`costcalc.counting.hooks.HookCounter` (the
layers.py formulas). Everything else — ``torch.matmul``, ``F.adaptive_avg_pool2d``, ``a + b``,
``torch.cat`` in a ``forward`` — is seen twice over: a ``TorchFunctionMode`` records the call as
the user wrote it (``torch.matmul``, ``torch.Tensor.__add__``; what tracing tools such as fvcore
and torchprofile see as ``aten::matmul``), and a ``TorchDispatchMode`` records the aten ops it
decomposes into (``aten.mm``), which costcalc prices below. An aten op with no rule is listed in
:attr:`Profile.unattributed`, never silently counted as zero. On the ``meta`` device nothing is
computed, so a 2048×2048 input costs what a 224×224 one does.

For the peer conventions the profile also keeps what their rules read: every module call, leaf or
not (:class:`ModuleCall`, with its inputs and outputs as shapes), each functional call's
arguments with tensors replaced by :class:`TensorMeta`, and the multiplications on tensor sizes
a ``torch.jit.trace`` would record (:class:`ShapeInt`).
"""

from __future__ import annotations

import dis
import itertools
import sys
import weakref
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
from torch.overrides import TorchFunctionMode, resolve_name
from torch.utils._python_dispatch import TorchDispatchMode

from .. import gcpause, layers
from ..counting.hooks import HookCounter, is_leaf
from ..errors import CostcalcError
from . import replay as _replay

# Categories every row falls in; reconcile's rows follow this order.
CATEGORIES = ("conv", "linear", "bias", "norm", "activation", "pool", "add", "concat", "other")

_MATMUL = {"mm", "addmm", "bmm", "baddbmm"}
# Fused attention kernels sdpa dispatches to (meta decomposes it into bmm instead); the CPU kernel
# is not among those torch.utils.flop_counter prices, so FlopCounterMode counts it 0.
_SDPA_FLOPS = {"_scaled_dot_product_efficient_attention", "_scaled_dot_product_flash_attention",
               "_scaled_dot_product_cudnn_attention"}
_SDPA = _SDPA_FLOPS | {"_scaled_dot_product_flash_attention_for_cpu"}
_ACT = {"relu", "hardtanh", "hardswish", "hardsigmoid", "sigmoid", "silu", "gelu", "tanh",
        "leaky_relu", "elu", "clamp", "clamp_min", "clamp_max", "_softmax", "_log_softmax", "_safe_softmax",
        "prelu", "_prelu_kernel", "mish", "threshold"}
_NORM = {"_native_batch_norm_legit_no_training", "native_batch_norm", "_native_batch_norm_legit",
         "native_layer_norm", "native_group_norm"}
_REDUCE = {"mean", "sum", "_adaptive_avg_pool2d", "adaptive_avg_pool2d", "amax", "max", "linalg_vector_norm"}
_WINDOW = {"avg_pool2d", "max_pool2d_with_indices", "max_pool2d"}
_ELEMENTWISE = {"add", "sub", "mul", "div", "rsub", "neg", "pow", "sqrt", "rsqrt", "exp", "where",
                "log", "log2", "abs", "reciprocal", "sign", "sin", "cos", "tan", "erf", "floor", "ceil",
                "round", "bitwise_not", "logical_not", "remainder", "minimum", "maximum", "cumsum",
                "eq", "ne", "lt", "le", "gt", "ge", "masked_fill", "logical_and", "logical_or",
                "bitwise_and", "bitwise_or", "addcmul", "addcdiv", "lerp"}
# Resampling: multiply-adds per output element (neighbours weighted); nearest only copies.
_RESAMPLE = {"upsample_nearest1d": 0, "upsample_nearest2d": 0, "upsample_nearest3d": 0,
             "_upsample_nearest_exact1d": 0, "_upsample_nearest_exact2d": 0, "_upsample_nearest_exact3d": 0,
             "upsample_linear1d": 2, "upsample_bilinear2d": 4, "_upsample_bilinear2d_aa": 4,
             "upsample_trilinear3d": 8, "upsample_bicubic2d": 16, "_upsample_bicubic2d_aa": 16,
             "grid_sampler_2d": 4}
# Ops that only move, view or allocate data: no arithmetic, nothing to attribute.
_FREE = {"view", "_unsafe_view", "reshape", "_reshape_alias", "t", "transpose", "permute",
         "expand", "squeeze", "unsqueeze", "clone", "contiguous", "detach", "alias", "empty",
         "empty_like", "empty_strided", "new_empty", "new_empty_strided", "zeros", "zeros_like",
         "ones", "ones_like", "full", "full_like", "new_zeros", "new_ones", "_to_copy", "copy",
         "select", "slice", "split", "split_with_sizes", "chunk", "unbind", "as_strided",
         "flatten", "fill", "zero", "lift_fresh", "dropout", "native_dropout", "arange",
         "index_select", "constant_pad_nd", "unfold", "channel_shuffle", "native_channel_shuffle",
         "pixel_shuffle", "repeat", "cat", "stack", "_local_scalar_dense", "scalar_tensor",
         "sym_size", "sym_numel", "sym_stride", "is_same_size", "lift", "_has_compatible_shallow_copy_type",
         "index", "gather", "roll", "flip", "unsafe_split", "unsafe_split_with_sizes", "unsafe_chunk",
         "reflection_pad1d", "reflection_pad2d", "reflection_pad3d", "replication_pad1d",
         "replication_pad2d", "replication_pad3d", "_pad_circular", "_pack_padded_sequence"}


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


_TENSOR = (torch.Tensor, nn.Parameter)  # exact types, checked before isinstance (the fast path)
_ATOMS = (int, float, bool, str, type(None), torch.dtype, torch.device)


def _tensors(args, kwargs=None):
    """Every tensor in ``args`` (and ``kwargs``), depth first, in order."""
    out = []
    _walk(args, out)
    if kwargs:
        _walk(kwargs, out)
    return out


def _walk(x, out: list) -> None:
    t = type(x)
    if t in _TENSOR or (t not in _ATOMS and isinstance(x, torch.Tensor)):
        out.append(x)
    elif t in _ATOMS:
        return
    elif isinstance(x, (list, tuple)):
        for y in x:
            _walk(y, out)
    elif isinstance(x, dict):
        for y in x.values():
            _walk(y, out)


@dataclass(frozen=True)
class TensorMeta:
    """A tensor argument as the conventions see it: its shape, and whether it is a parameter or
    buffer of the model (not an activation)."""

    shape: tuple
    param: bool = False

    def numel(self) -> int:
        return _numel(self.shape)

    def dim(self) -> int:
        return len(self.shape)


def skeleton(x, param_ids=frozenset()):
    """``x`` with every tensor replaced by a :class:`TensorMeta` (lists, tuples, dicts kept)."""
    t = type(x)
    if t in _TENSOR:
        return TensorMeta(tuple(x.shape), id(x) in param_ids)
    if t in _ATOMS:
        return x
    if isinstance(x, torch.Tensor):
        return TensorMeta(tuple(x.shape), id(x) in param_ids)
    if isinstance(x, (list, tuple)):
        return [skeleton(v, param_ids) for v in x] if isinstance(x, list) else tuple(skeleton(v, param_ids) for v in x)
    if isinstance(x, dict):
        return {k: skeleton(v, param_ids) for k, v in x.items()}
    if isinstance(x, (ShapeInt, ShapeFloat)):
        return x.plain()
    return x


# -- sizes as a jit trace sees them -------------------------------------------------------------
# Under torch.jit.trace, ``x.shape``, ``x.size()`` and ``x.numel()`` are traced values, so Python
# arithmetic on them is recorded as aten ops on 0-d tensors (``H * W`` is an ``aten::mul``), and
# kept in the graph only when the result reaches a traced op (``x.view(H * W, -1)``); a result
# turned into a Python number (``int(...)``, a comparison) is dead code the trace drops.
# torchprofile prices every ``aten::mul`` it sees at one per output element, 1 for these. The
# profiler hands out sizes as ShapeInt, which remember the multiplications behind them; a
# multiplication is counted once a value that depends on it is passed to a torch function.

_MUL_IDS = itertools.count()
_SHAPE_FUNCS = (torch.Tensor.size, torch.Tensor.numel)
_SHAPE_GET = torch.Tensor.shape.__get__


_ASSUMED: set[int] = set()  # multiplications downstream of math.ceil / floor on a traced size


def _shaped(value, muls, assumed=False):
    if isinstance(value, bool) or value is NotImplemented:
        return value
    if isinstance(value, int):
        out = ShapeInt(value)
    elif isinstance(value, float):
        out = ShapeFloat(value)
    else:
        return value
    out.muls, out.assumed = muls, assumed
    return out


def _binary(name, counts=False):
    def op(self, other):
        value = getattr(int if isinstance(self, int) else float, name)(self, other)
        if value is NotImplemented and isinstance(other, float) and not isinstance(other, _Traced):
            value = getattr(float, name)(float(self), other)  # size ** -0.5: a float, still traced
        if value is NotImplemented:
            return value
        muls = self.muls | getattr(other, "muls", frozenset())
        assumed = self.assumed or getattr(other, "assumed", False)
        if counts:
            mul = next(_MUL_IDS)
            muls = muls | {mul}
            if assumed:
                _ASSUMED.add(mul)
        return _shaped(value, muls, assumed)

    return op


def _unary(name):
    def op(self):
        return _shaped(getattr(int if isinstance(self, int) else float, name)(self), self.muls, self.assumed)

    return op


def _rounding(name):
    def op(self, *args):  # round(x, ndigits)
        value = getattr(int if isinstance(self, int) else float, name)(self, *args)
        names = sys._getframe(1).f_code.co_names  # the function that called math.ceil / round
        if "isinstance" in names and "Tensor" in names:  # it has a branch for traced sizes
            return _shaped(value, self.muls, True)
        return value

    return op


class _Traced:
    """Arithmetic of a traced size: results stay traced; ``*`` adds a multiplication."""

    muls: frozenset = frozenset()
    assumed: bool = False  # derived through math.ceil / floor (see below)

    def plain(self):
        return (int if isinstance(self, int) else float)(self)



for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__floordiv__", "__rfloordiv__", "__mod__",
              "__rmod__", "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__mul__", "__rmul__"):
    setattr(_Traced, _name, _binary(_name, counts=_name in ("__mul__", "__rmul__")))
for _name in ("__neg__", "__abs__", "__pos__"):
    setattr(_Traced, _name, _unary(_name))
# math.ceil / floor / trunc / round of a traced size: under a real trace, a bare math.ceil bakes
# in a constant (nothing after it is traced: timm's MobileViT block), while code that checks
# isinstance(x, torch.Tensor) takes a tensor branch that stays traced (timm's get_same_padding:
# ``(x / s).ceil()``). costcalc sees only the int branch, so it tells the two apart by the
# calling function's code and marks the multiplications it counts after a tensor branch as assumed.
for _name in ("__trunc__", "__floor__", "__ceil__", "__round__"):
    setattr(_Traced, _name, _rounding(_name))


class ShapeInt(_Traced, int):
    """A tensor size handed out during a profile (an ``int`` in every other respect)."""


class ShapeFloat(_Traced, float):
    """A float computed from tensor sizes (``H ** -0.5``), traced like a :class:`ShapeInt`."""


def _wrap_sizes(out):
    if isinstance(out, torch.Size):
        return torch.Size([_shaped(int(v), frozenset()) for v in out])
    if isinstance(out, int) and not isinstance(out, bool):
        return _shaped(out, frozenset())
    return out


def _live_muls(x, into: set) -> None:
    """Add the multiplications behind every traced size in ``x`` (arguments of a call)."""
    t = type(x)
    if t in _TENSOR or t in _ATOMS:
        return
    if isinstance(x, _Traced):
        into |= x.muls
    elif isinstance(x, (list, tuple)):
        for v in x:
            _live_muls(v, into)
    elif isinstance(x, slice):  # x[n:2 * n]
        for v in (x.start, x.stop, x.step):
            _live_muls(v, into)
    elif isinstance(x, dict):
        for v in x.values():
            _live_muls(v, into)


@dataclass(frozen=True)
class AtenOp:
    """One dispatched aten op under a functional call, priced by costcalc's rules."""

    name: str  # packet name without a trailing '_' (add_ -> add)
    category: str  # one of CATEGORIES, or 'free', or 'unknown'
    macs: int = 0
    bias_ops: int = 0
    ops: int = 0
    flops: int = 0  # FlopCounterMode's figure: 2·m·n·k for products and convolutions, bias left out


def _conv_macs(args, y) -> int:
    """MACs of aten.convolution(input, weight, bias, stride, padding, dilation, transposed,
    output_padding, groups): 2-D through the registry's conv formulas, like the hook counter."""
    x, w, _, stride, padding, dilation, transposed, output_padding, groups = args[:9]
    if x.dim() == 4:
        n, c, h, wd = (int(v) for v in x.shape)
        kh, kw = (int(v) for v in w.shape[2:])
        common = dict(stride=tuple(stride), padding=tuple(padding), dilation=tuple(dilation),
                      groups=int(groups))
        if transposed:
            cost = layers.conv_transpose2d(c, int(y.shape[1]), h, wd, kh, kw,
                                           output_padding=tuple(output_padding), **common)
        else:
            cost = layers.conv2d(c, int(y.shape[1]), h, wd, kh, kw, **common)
        return n * cost.macs
    # 1-D and 3-D convolutions have no registry kind: weights per output channel times the
    # positions they are applied at (the input positions for a transposed conv).
    positions = x if transposed else y
    return _numel(positions.shape) * _numel(w.shape[1:])


def price_aten(func, args, kwargs, out) -> AtenOp:
    """costcalc's rule for one aten op (shapes of the whole batch)."""
    name = func._overloadpacket.__name__
    base = name[:-1] if name.endswith("_") and not name.startswith("_") else name
    outs = _tensors(out)
    y = outs[0] if outs else None
    if base in _MATMUL:
        a, b = (args[1], args[2]) if base in ("addmm", "baddbmm") else (args[0], args[1])
        k = int(a.shape[-1])
        macs = layers.linear(k, int(b.shape[-1])).macs * (_numel(a.shape) // k)  # per row of a
        bias = _numel(y.shape) if base in ("addmm", "baddbmm") and kwargs.get("beta", 1) != 0 else 0
        return AtenOp(base, "linear", macs=macs, bias_ops=bias, flops=2 * macs)
    if base in _SDPA:  # fused attention kernels: (batch, heads, length, dim) query, key, value
        q, k, v = args[:3]
        b, h, lq, d = (int(n) for n in q.shape)
        macs = b * h * lq * int(k.shape[-2]) * (d + int(v.shape[-1]))  # q @ kᵀ, then weights @ v
        return AtenOp(base, "linear", macs=macs, flops=2 * macs if base in _SDPA_FLOPS else 0)
    if base in ("convolution", "_convolution"):
        macs = _conv_macs(args, y)
        bias = _numel(y.shape) if args[2] is not None else 0
        return AtenOp(base, "conv", macs=macs, bias_ops=bias, flops=2 * macs)
    if base in _NORM:
        return AtenOp(base, "norm", ops=_numel(args[0].shape))
    if base in _ACT:
        return AtenOp(base, "activation", ops=_numel(y.shape))
    if base in _REDUCE:
        return AtenOp(base, "pool", ops=_numel(args[0].shape))  # one add per input element
    if base in _WINDOW:
        k = args[1] if len(args) > 1 else kwargs["kernel_size"]
        k = list(k) * (2 // len(k)) if len(k) < 2 else list(k)
        return AtenOp(base, "pool", ops=k[0] * k[1] * _numel(y.shape))
    if base in _RESAMPLE:
        return AtenOp(base, "pool", ops=_RESAMPLE[base] * _numel(y.shape))  # a new tensor, not a view
    if base in _ELEMENTWISE:
        two = sum(isinstance(a, torch.Tensor) and a.dim() > 0 for a in args[:2]) == 2
        cat = "add" if base in ("add", "sub") and two else "other"
        return AtenOp(base, cat, ops=_numel(y.shape))
    if base == "cat":
        return AtenOp(base, "concat")
    if base in _FREE:
        return AtenOp(base, "free")
    return AtenOp(base, "unknown")


@dataclass
class Event:
    """One row of a profile: a leaf module call, or a functional call outside counted leaves."""

    name: str  # module path, or '<enclosing module path>:<function>'
    source: str  # 'module' | 'function'
    op: str  # module type name, or the torch function as resolve_name writes it
    category: str
    in_shapes: list  # full shapes (batch included) of the tensor inputs
    out_shape: tuple
    macs: int = 0
    bias_ops: int = 0
    ops: int = 0
    flops: int = 0  # FlopCounterMode's rule on the aten ops below
    params: int = 0  # weights (conv/linear), bias and BN affine, as parameters
    param_elems: int = 0  # every parameter / buffer element the call reads
    stack: tuple = ()  # names of the modules that were running, outermost first
    in_rule_leaf: bool = False  # for functions: inside a leaf module costcalc's hooks count
    aten: list = field(default_factory=list)  # AtenOp (functions only)
    attrs: dict = field(default_factory=dict)  # module facts conventions need (affine, bias, ...)
    in_ids: list = field(default_factory=list)  # tensor identities, for liveness
    out_ids: list = field(default_factory=list)
    in_params: list = field(default_factory=list)  # True where an input is a parameter / buffer
    reads: list = field(default_factory=list)  # functions inside counted leaves: input ids, unkept
    args: tuple = ()  # functions: the call's arguments as skeleton() writes them
    kwargs: dict = field(default_factory=dict)
    out: object = None  # functions: the output as skeleton() writes it
    scratch: int = 0  # functions: elements made and dropped inside the call, at its peak (_Scratch)
    shown_shape: tuple = ()  # the enclosing module's output, where the row stands for it (_module_output)

    @property
    def out_elems(self) -> int:
        return _numel(self.out_shape)

    @property
    def func(self):
        return self.attrs.get("func")


@dataclass
class ModuleCall:
    """One call of any module, leaf or not, as a peer's forward hook sees it."""

    name: str  # module path; 'name#2' for its second call
    module: nn.Module
    args: tuple  # skeleton() of the positional inputs
    kwargs: dict  # skeleton() of the keyword inputs
    out: object  # skeleton() of the output
    stack: tuple  # the enclosing module calls' names (without '#n'), outermost first

    @property
    def path(self) -> str:
        return self.name.split("#")[0]


@dataclass
class Profile:
    """Everything one forward pass showed: events in completion order, and what was missed."""

    label: str
    input_shape: tuple
    events: list  # Event, modules and functions interleaved
    unsupported_modules: dict  # leaf module name -> type, no costcalc handler
    unattributed: dict  # aten op -> calls with no costcalc rule
    total_params: int  # every nn.Parameter the forward reached (param_counts['all'])
    tensor_elems: dict  # tensor id -> elements (activations only)
    model_input_id: int = -1
    model_output_ids: tuple = ()
    module_types: dict = field(default_factory=dict)  # module name -> class
    calls: list = field(default_factory=list)  # ModuleCall, every module, in completion order
    tree: dict = field(default_factory=dict)  # module name -> child names (a shared child in each)
    shape_muls: int = 0  # multiplications on tensor sizes a jit trace keeps (see ShapeInt)
    shape_muls_assumed: int = 0  # of which follow a math.ceil / floor (see _Traced)
    built_on: str = ""  # where the model was built, when the caller says: 'meta' or 'cpu'
    built_note: str = ""  # and the line the CLI prints about it
    param_counts: dict = field(default_factory=dict)  # 'weights' / 'bias' / 'all' -> elements (_param_counts)
    unused_params: dict = field(default_factory=dict)  # module the forward never ran -> its parameters

    @property
    def rows(self) -> list:
        """Counted rows: module events, and functional events outside counted leaves."""
        return [e for e in self.events if e.source == "module" or not e.in_rule_leaf]


_ATTRS = ("affine", "in_features", "out_features", "groups", "kernel_size", "stride", "padding",
          "count_include_pad", "in_channels", "out_channels", "output_size")
_MISSING = object()


def _attr(m: nn.Module, k: str):
    """``getattr(m, k)``, or _MISSING where ``hasattr`` is false; without nn.Module.__getattr__
    raising for each absent name (the common case) where the class keeps the default one."""
    d = m.__dict__
    if k in d and not hasattr(type(m), k):
        return d[k]
    if type(m).__getattr__ is not nn.Module.__getattr__ or hasattr(type(m), k):
        return getattr(m, k) if hasattr(m, k) else _MISSING
    for store in ("_parameters", "_buffers", "_modules"):
        if k in d[store]:
            return d[store][k]
    return _MISSING


def _module_attrs(m: nn.Module) -> dict:
    d = {}
    for k in _ATTRS:
        v = _attr(m, k)
        if v is not _MISSING:
            d[k] = v
    bias = _attr(m, "bias")
    if bias is not _MISSING and not isinstance(bias, bool):
        d["has_bias"] = bias is not None
    d["training"] = m.training
    return d


def _own_elems(m: nn.Module) -> int:
    """Elements of the module's own parameters plus its own buffers, each counted once
    (``parameters(recurse=False)`` and ``buffers(recurse=False)``)."""
    n = 0
    for store in (m._parameters, m._buffers):
        seen = set()
        for k, t in store.items():
            if t is not None and id(t) not in seen and not _unread(m, k):
                seen.add(id(t))
                n += t.numel()
    return n


def _unread(m: nn.Module, key: str) -> bool:
    """A buffer the module's forward does not read: a batch norm's ``num_batches_tracked`` in
    eval (torch reads it only to update the running statistics while training)."""
    return key == "num_batches_tracked" and not m.training and isinstance(m, nn.modules.batchnorm._NormBase)


_WEIGHTS = ("weight", "in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight")
_BIASES = ("bias", "in_proj_bias")


def _param_counts(modules, reached: set[int], read: set[int]) -> tuple[dict, dict]:
    """({'weights', 'bias', 'all'}: elements, {module: elements never read}) of the parameters the
    forward reached: those of the modules it called, and any other it read (a child's weight a
    parent passes to ``F.linear``). ``weights``: conv, linear and attention-projection weights —
    ``costcalc model``'s default; ``bias``: + their biases; ``all``: every nn.Parameter reached.
    A parameter of a module the forward never ran (GoogLeNet's auxiliary heads in eval) and never
    read is in the second dict, by its module, not in the counts."""
    layer = (nn.modules.conv._ConvNd, nn.Linear, nn.MultiheadAttention)
    seen: set[int] = set()
    counts, unused = {"weights": 0, "bias": 0, "all": 0}, {}
    for name, m in modules:
        for k, q in m._parameters.items():
            if q is None or id(q) in seen:
                continue
            seen.add(id(q))
            if id(m) not in reached and id(q) not in read:
                unused[name] = unused.get(name, 0) + q.numel()
                continue
            counts["all"] += q.numel()
            if isinstance(m, layer) and k in _WEIGHTS:
                counts["weights"] += q.numel()
            if isinstance(m, layer) and k in _WEIGHTS + _BIASES:
                counts["bias"] += q.numel()
    return counts, unused


_KIND_CATEGORY = {"conv2d": "conv", "conv_transpose2d": "conv", "linear": "linear",
                  "batch_norm": "norm", "activation": "activation", "avg_pool": "pool",
                  "max_pool": "pool", "global_avg_pool": "pool", "add": "add", "concat": "concat",
                  "scale": "other"}


class _Hooks(HookCounter):
    """HookCounter that also hands each record to the profiler with the facts it needs. On the
    modules the profiler watches through its global hooks it registers nothing: it keeps each
    leaf's hook (``leaf_hooks``) and mark (``marks``) for the profiler to call."""

    def __init__(self, model, profiler):
        super().__init__(model, modules=profiler.modules)
        self._profiler = profiler
        self.leaf_hooks: dict[int, object] = {}
        self.marks: dict[int, object] = {}

    def _watch_unsupported(self, name, module):
        if id(module) in self._profiler._global:
            self.marks[id(module)] = self._mark(name)
        else:
            super()._watch_unsupported(name, module)

    def _watch(self, name, module, handler):
        if id(module) in self._profiler._global:
            self.leaf_hooks[id(module)] = self._hook(name, handler)
        else:
            super()._watch(name, module, handler)

    def _hook(self, name, handler):
        base = super()._hook(name, handler)

        def hook(module, inputs, output):
            with self._profiler.internal():
                base(module, inputs, output)
                self._profiler._module_event(self.records[-1], module, inputs, output)

        return hook


class _Functions(TorchFunctionMode):
    def __init__(self, profiler):
        super().__init__()
        self.p = profiler

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if self.p._internal:  # costcalc's own hooks reading shapes: not the model's calls
            return func(*args, **kwargs)
        _live_muls(args, self.p.live_muls)
        if kwargs:
            _live_muls(kwargs, self.p.live_muls)
        self.p._syntax = _call_syntax(sys._getframe(1))
        stack = self.p._stack
        scratch = None if stack and stack[-1] in self.p._rule_leaves else _Scratch()  # rows only
        self.p._open.append([])
        self.p._scratch.append(scratch)
        try:
            out = func(*args, **kwargs)
        finally:
            aten = self.p._open.pop()
            self.p._scratch.pop()
        self.p._function_event(func, args, kwargs, out, aten, scratch)
        if func in _SHAPE_FUNCS or func == _SHAPE_GET:
            out = _wrap_sizes(out)
        return out


_OPERATOR_OPS = {"BINARY_OP", "BINARY_ADD", "BINARY_MULTIPLY", "BINARY_MATRIX_MULTIPLY",
                 "BINARY_SUBTRACT", "BINARY_TRUE_DIVIDE", "INPLACE_ADD", "INPLACE_MULTIPLY"}


def _call_syntax(frame) -> str:
    """'operator' when the caller wrote ``a + b`` / ``a @ b``, else 'call'.

    torch reports ``a + b`` and ``a.add(b)`` as the same function; tools that patch
    ``Tensor.add`` (ptflops) count only the second, so the profile keeps the difference.
    """
    code, at = frame.f_code, frame.f_lasti
    try:
        return _SYNTAX[code, at]
    except KeyError:
        pass
    try:  # co_code is a fresh copy of the bytecode each time it is read: once per call site
        op = dis.opname[code.co_code[at]]
    except Exception:
        op = ""
    if len(_SYNTAX) > 100_000:  # functions made on the fly: keep the table bounded
        _SYNTAX.clear()
    out = _SYNTAX[code, at] = "operator" if op in _OPERATOR_OPS else "call"
    return out


_SYNTAX: dict = {}  # (code object, instruction offset) -> 'operator' | 'call'


class _Aten(TorchDispatchMode):
    def __init__(self, profiler):
        super().__init__()
        self.p = profiler

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if self.p.replay:
            out, entry = _replay.run(func, args, kwargs)
        else:
            out, entry = func(*args, **kwargs), None
        if self.p._internal:
            return out
        if entry is not None and entry[1] is not None:
            op = entry[1]
        else:  # inside a dispatch both modes are off: the flag is enough
            self.p._internal = True
            try:
                op = price_aten(func, args, kwargs, out)
            finally:
                self.p._internal = False
            if entry is not None:
                entry[1] = op
        if self.p._open:
            self.p._open[-1].append(op)
            scratch = self.p._scratch[-1]
            if scratch is not None:
                self.p._internal = True
                try:
                    scratch.made(func, args, kwargs, out)
                finally:
                    self.p._internal = False
        else:
            self.p._loose.append(op)
        return out


class _Scratch:
    """The elements a functional call materialises inside itself, at their peak: each aten op's
    output in new storage (not a view of, or in place on, one of the op's arguments) is alive
    until every tensor on that storage is gone. An attention call's score matrix and its softmax
    are two such tensors (nn.MultiheadAttention, F.scaled_dot_product_attention on meta's math
    path); the call's own output, counted by the row, is taken off in :meth:`beyond`."""

    __slots__ = ("alive", "peak")

    def __init__(self):
        self.alive: dict[int, tuple] = {}  # storage -> (elements, [weakrefs of its tensors])
        self.peak = 0

    def made(self, func, args, kwargs, out) -> None:
        outs = (out,) if type(out) in _TENSOR else _tensors(out)
        if not outs:
            return
        # an op whose schema says its outputs alias nothing makes new storage (most ops)
        theirs = () if _replay._kind(func) == "new" else {_storage(t) for t in _tensors(args, kwargs)}
        for t in outs:
            key = _storage(t)
            if key is None:
                continue
            held = self.alive.get(key)
            if key in theirs:  # a view of (or in place on) an argument: made here only if it was
                if held is not None:
                    held[1].append(weakref.ref(t))  # it keeps that storage alive
                continue
            if held is None or not any(r() is not None for r in held[1]):  # new (an address reused)
                self.alive[key] = held = (t.untyped_storage().nbytes() // max(t.element_size(), 1), [])
            held[1].append(weakref.ref(t))
        live = 0
        for key in list(self.alive):
            n, refs = self.alive[key]
            if any(r() is not None for r in refs):
                live += n
            else:
                del self.alive[key]
        self.peak = max(self.peak, live)

    def beyond(self, outputs) -> int:
        """Elements the call held at its peak beyond its own outputs' (0 when it made none)."""
        mine = sum(self.alive[k][0] for k in {_storage(t) for t in outputs} if k in self.alive)
        return max(0, self.peak - mine)


def _storage(t):
    try:
        return t.untyped_storage()._cdata
    except Exception:  # a tensor subclass with no storage of its own
        return None


class _Internal(_replay.untraced):
    """The profiler's own code runs with ``_internal`` set and neither mode on (nothing it does
    is recorded, and reading a tensor's shape costs no Python dispatch)."""

    __slots__ = ("p", "before")

    def __init__(self, p):
        self.p = p

    def __enter__(self):
        self.before, self.p._internal = self.p._internal, True
        super().__enter__()

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self.p._internal = self.before


class Profiler:
    """``with Profiler(model) as p: model(x)``; then :meth:`result`. State lives here only.

    ``replay`` (on by default) replays standard layers' forwards on meta from records of
    identical calls instead of running torch's meta kernels again (:mod:`.replay`)."""

    def __init__(self, model: nn.Module, replay: bool = True, modules: list | None = None):
        self.model = model
        self.replay = replay
        self.modules = list(model.named_modules()) if modules is None else modules
        self._replaying: list = []  # (module, the forward installed on it)
        self.events: list[Event] = []
        self._open: list[list] = []
        self._scratch: list = []  # _Scratch of each open functional call (None inside counted leaves)
        self._loose: list = []
        self._stack: list[str] = []
        self._starts: list[int] = []  # len(self.events) when each module on the stack began
        self._rule_leaves: set[str] = set()
        self._global: dict[int, str] = {}  # id(module) -> name, for the modules the global hooks watch
        self._handles: list = []
        self._keep: dict[int, torch.Tensor] = {}  # strong refs: ids stay unique during the pass
        self._param_ids: set[int] = set()
        self._syntax = "call"
        self._internal = False
        self.calls: list[ModuleCall] = []
        self._ncalls: dict[str, int] = {}
        self.live_muls: set[int] = set()

    def internal(self) -> "_Internal":
        """costcalc's own code inside the forward pass: its torch calls are not the model's."""
        return _Internal(self)

    def _tid(self, t: torch.Tensor) -> int:
        self._keep.setdefault(id(t), t)
        return id(t)

    def __enter__(self) -> "Profiler":
        self._param_ids = {id(t) for _, m in self.modules for store in (m._parameters, m._buffers)
                           for t in store.values() if t is not None}
        # Modules with no forward hook of their own are watched by one global pre-hook and one
        # global hook (torch runs global hooks first: for these the order is what per-module
        # registration gives). A module with hooks of its own (a pruning mask's) gets the
        # profiler's after its own, as registering on it does.
        self._global = {id(m): n for n, m in self.modules if not m._forward_pre_hooks and not m._forward_hooks}
        self.hooks = _Hooks(self.model, self).__enter__()
        self._rule_leaves = {n for n, m in self.modules if is_leaf(m) and n not in self.hooks.unsupported}
        for name, m in self.modules:
            if id(m) not in self._global:
                self._handles.append(m.register_forward_pre_hook(self._push(name)))
                self._handles.append(m.register_forward_hook(self._pop(name), with_kwargs=True, always_call=True))
        self._handles.append(register_module_forward_pre_hook(self._global_pre))
        self._handles.append(register_module_forward_hook(self._global_post, with_kwargs=True, always_call=True))
        if self.replay:
            for name, m in self.modules:
                if name in self._rule_leaves and "forward" not in m.__dict__:
                    forward = self._replayed(m, m.forward, (0, 0) if id(m) in self._global else (1, 2))
                    m.__dict__["forward"] = forward
                    self._replaying.append((m, forward))
        self._fmode, self._amode = _Functions(self), _Aten(self)
        self._fmode.__enter__()
        self._amode.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._amode.__exit__(*exc)
        self._fmode.__exit__(*exc)
        for h in self._handles:
            h.remove()
        self._handles.clear()
        for m, forward in self._replaying:
            if m.__dict__.get("forward") is forward:
                del m.__dict__["forward"]
        self._replaying.clear()
        self.hooks.__exit__(*exc)

    def _replayed(self, module: nn.Module, real, own: tuple):
        """``module``'s forward, replayed from a record where :mod:`.replay` has one. ``own``: the
        numbers of forward pre-hooks and hooks the profiler put on the module itself."""
        d = module.__dict__

        def forward(*args, **kwargs):
            # no hook but the profiler's (per module: its push; the hook counter's and its pop)
            if kwargs or self._open or self._internal or not self._stack \
                    or (len(d["_forward_pre_hooks"]), len(d["_forward_hooks"])) != own \
                    or d["_backward_hooks"] or d["_backward_pre_hooks"]:
                return real(*args, **kwargs)
            with _replay.untraced():
                key = _replay.key(module, args, self._param_ids)
            if key is None:
                return real(*args)
            inputs = _replay.tensors(module, args)
            record = _replay.lookup(key)
            if record is not None:
                return self._replay_events(record, inputs)
            n, loose, muls = len(self.events), len(self._loose), len(self.live_muls)
            out = real(*args)
            if len(self._loose) == loose and len(self.live_muls) == muls:
                with _replay.untraced():
                    record = _replay.make(self.events[n:], tuple(self._stack), self._stack[-1], inputs, out)
                if record is not None:
                    _replay.store(key, record)
            return out

        return forward

    def _replay_events(self, record, inputs):
        stack, where = tuple(self._stack), self._stack[-1]
        for t, short, reads in record.events:
            self.events.append(Event(
                f"{where}:{short}", "function", t.op, t.category, list(t.in_shapes), t.out_shape,
                macs=t.macs, bias_ops=t.bias_ops, ops=t.ops, flops=t.flops, params=t.params,
                param_elems=t.param_elems, stack=stack, in_rule_leaf=True, aten=list(t.aten),
                attrs=dict(t.attrs), in_params=list(t.in_params), reads=[id(inputs[i]) for i in reads],
                args=t.args, kwargs=dict(t.kwargs), out=t.out))
        return _replay.output(record, inputs)

    def _push(self, name):
        def pre(module, inputs):
            self._stack.append(name)
            self._starts.append(len(self.events))

        return pre

    def _pop(self, name):
        def post(module, args, kwargs, output):
            self._popped(name, module, args, kwargs, output)

        return post

    def _popped(self, name, module, args, kwargs, output):
        if self._stack and self._stack[-1] == name:
            self._stack.pop()
            start = self._starts.pop()
        else:
            start = None
        with self.internal():
            if start is not None and name not in self._rule_leaves:
                self._module_output(start, output)
            k = self._ncalls[name] = self._ncalls.get(name, 0) + 1
            ids = self._param_ids
            self.calls.append(ModuleCall(name if k == 1 else f"{name}#{k}", module, skeleton(args, ids),
                                         skeleton(kwargs, ids), skeleton(output, ids), tuple(self._stack)))

    def _global_pre(self, module, args):
        name = self._global.get(id(module))
        if name is None:  # not this model's, or watched by hooks of its own
            return
        mark = self.hooks.marks.get(id(module))
        if mark is not None:
            mark(module, args)
        self._stack.append(name)
        self._starts.append(len(self.events))

    def _module_output(self, start: int, output) -> None:
        """A module whose one counted row is a functional call, its output then only reshaped
        (nn.MultiheadAttention with batch_first: F.multi_head_attention_forward, then a
        transpose): the row is shown with the module's output shape (``Event.shown_shape``)."""
        row, chain = None, []
        for e in itertools.islice(self.events, start, None):
            if e.source == "function" and e.in_rule_leaf:
                continue
            if e.category != "free":
                if row is not None or e.source == "module":
                    return
                row = e
            elif row is not None:
                chain.append(e)
        ys = _tensors(output) if row is not None and chain and row.out_ids else ()
        if not ys:
            return
        t, y = row.out_ids[0], ys[0]
        for e in chain:  # views of the row's output, each of the one before
            if e.in_ids and e.in_ids[0] == t and e.out_ids:
                t = e.out_ids[0]
        if t == id(y) and tuple(y.shape) != row.out_shape:
            row.shown_shape = tuple(y.shape)

    def _global_post(self, module, args, *rest):
        name = self._global.get(id(module))
        if name is None:
            return
        if len(rest) == 2:  # the forward returned: (kwargs, output)
            kwargs, output = rest
            hook = self.hooks.leaf_hooks.get(id(module))
            if hook is not None:  # the hook counter's, as _with_kwargs hands it the inputs
                hook(module, args + tuple(kwargs.values()) if kwargs else args, output)
        else:  # the forward raised: torch calls an always_call global hook with (args, output)
            kwargs, output = {}, rest[0]
        self._popped(name, module, args, kwargs, output)

    def _module_event(self, rec, module, inputs, output):
        c = rec.cost
        xs = _tensors(inputs)
        ys = _tensors(output)
        params = c.params + c.bias + c.bn_affine
        elems = _own_elems(module)
        self.events.append(Event(
            rec.name, "module", rec.module_type, _category(c.kind, rec.module_type),
            [tuple(x.shape) for x in xs], tuple(ys[0].shape) if ys else (),
            macs=int(c.macs), bias_ops=int(c.bias_ops), ops=int(c.ops), flops=2 * int(c.macs),
            params=int(params), param_elems=int(elems), stack=tuple(self._stack),
            attrs=_module_attrs(module), in_ids=[self._tid(x) for x in xs],
            out_ids=[self._tid(y) for y in ys], in_params=[False] * len(xs)))

    def _function_event(self, func, args, kwargs, out, aten, scratch=None):
        syntax = self._syntax
        fname, short = _function_name(func)
        xs = _tensors(args, kwargs)
        ys = _tensors(out)
        stack = self._stack
        inside = bool(stack) and stack[-1] in self._rule_leaves
        macs = bias_ops = ops = flops = 0
        if aten:
            cats = [a.category for a in aten if a.category not in ("free", "unknown")]
            cat = max(set(cats), key=lambda c: (c in ("conv", "linear"), cats.count(c))) if cats else (
                "unknown" if any(a.category == "unknown" for a in aten) else "free")
            for a in aten:
                macs, bias_ops, ops, flops = macs + a.macs, bias_ops + a.bias_ops, ops + a.ops, flops + a.flops
        else:
            cat = "free"
        ids = self._param_ids
        is_param = [id(x) in ids for x in xs]
        where = stack[-1] if stack else ""
        self.events.append(Event(
            f"{where}:{short}" if where else short, "function", fname, cat,
            [tuple(x.shape) for x in xs], tuple(ys[0].shape) if ys else (),
            macs=macs, bias_ops=bias_ops, ops=ops, flops=flops,
            param_elems=sum(x.numel() for x, p in zip(xs, is_param) if p),
            stack=tuple(stack), in_rule_leaf=inside, aten=list(aten),
            attrs={"func": func, "syntax": syntax}, in_ids=[] if inside else [self._tid(x) for x in xs],
            out_ids=[] if inside else [self._tid(y) for y in ys], in_params=is_param,
            scratch=scratch.beyond(ys) if scratch is not None and not inside else 0,
            reads=[id(x) for x in xs] if inside else [],
            args=skeleton(tuple(args), ids), kwargs=skeleton(kwargs, ids), out=skeleton(out, ids)))


_NAMES: dict = {}  # torch function -> (its name as resolve_name writes it, the short form)


def _function_name(func) -> tuple[str, str]:
    try:
        return _NAMES[func]
    except KeyError:
        pass
    except TypeError:  # an unhashable callable
        return _names(func)
    names = _NAMES[func] = _names(func)
    return names


def _names(func) -> tuple[str, str]:
    fname = _resolve(func)
    return fname, fname.replace("torch.nn.functional.", "F.").replace("torch.Tensor.", "Tensor.")


def _resolve(func) -> str:
    try:
        return resolve_name(func) or getattr(func, "__name__", str(func))
    except Exception:
        return getattr(func, "__name__", str(func))


def _category(kind: str, module_type: str) -> str:
    if kind == "passthrough" or kind in ("flatten", "channel_shuffle"):
        return "free"
    return _KIND_CATEGORY.get(kind, "other")


def profile_model(model: "nn.Module | str", input_shape: tuple | None = None, device: str = "meta",
                  label: str = "", *, replay: bool = True) -> Profile:
    """One forward pass of ``model`` on an empty input under hooks and both modes.

    ``model`` is an ``nn.Module`` or a TARGET (a string such as ``"torchvision:resnet50"``, a
    registered architecture or ``"file.py:build"``, or a parsed ``Target``), built fresh here: on meta for a meta count, where its
    construction allows (:func:`costcalc.profile.target.build`; ``Profile.built_on`` says where).
    ``input_shape`` defaults to a registered architecture's or spec file's own side (as
    ``costcalc model`` counts it), else 1,3,224,224 (:func:`costcalc.profile.target.default_input`).
    ``replay=False`` runs every layer's forward (see :class:`Profiler`); the profile is the same."""
    if device not in ("meta", "cpu", "cuda"):
        raise CostcalcError(f"--device must be meta, cpu or cuda, got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise CostcalcError("--device cuda: no CUDA device is available")
    with gcpause.paused():
        from .target import DEFAULT_INPUT, Built, build, default_input, load_model, parse_target

        if isinstance(model, nn.Module):
            return _profile(model, input_shape or DEFAULT_INPUT, device, label, replay)
        t = parse_target(model) if isinstance(model, str) else model
        input_shape = input_shape or default_input(t)
        resolution = input_shape[-1] if t.kind == "arch" else None
        if device == "meta":
            built = build(t, resolution=resolution)
        else:
            built = Built(load_model(t, resolution=resolution), "meta" if t.kind == "arch" else "cpu")
        p = _profile(built.model, input_shape, device, label or t.label, replay)
        p.built_on, p.built_note = built.device, built.note if device == "meta" else ""
        return p


def _profile(model, input_shape, device, label, replay) -> Profile:
    modules = list(model.named_modules())
    tensors = [t for _, m in modules for store in (m._parameters, m._buffers) for t in store.values()
               if t is not None]
    if device != "meta" or not all(t.is_meta for t in tensors):
        try:
            model = model.to(device)
        except NotImplementedError:  # built on meta: materialise empty weights on the target
            model = model.to_empty(device=device)
        modules = list(model.named_modules())
    model.eval()
    x = torch.zeros(input_shape, device=device) if device != "meta" else torch.empty(input_shape, device="meta")
    try:
        with torch.no_grad(), Profiler(model, replay, modules) as p:
            p._tid(x)
            y = model(x)
    except CostcalcError:
        raise
    except (Exception, SystemExit) as e:
        hint = ""
        if device == "meta" and "meta" in str(e):  # e.g. .item() or an op with no meta kernel
            hint = " (the model needs real values: try --device cpu)"
        raise CostcalcError(f"forward pass on {tuple(input_shape)} failed: {type(e).__name__}: "
                            f"{str(e).splitlines()[0] if str(e) else ''}{hint}") from None
    unattributed: dict[str, int] = {}
    for e in p.events:
        if e.source == "function" and not e.in_rule_leaf:
            for a in e.aten:
                if a.category == "unknown":
                    unattributed[a.name] = unattributed.get(a.name, 0) + 1
    for a in p._loose:
        if a.category == "unknown":
            unattributed[a.name] = unattributed.get(a.name, 0) + 1
    elems = {}
    for e in p.events:
        for tid in e.in_ids + e.out_ids:
            t = p._keep[tid]
            if id(t) not in p._param_ids:
                elems[tid] = t.numel()
    elems[id(x)] = x.numel()
    modules = list(model.named_modules())  # as the forward left them (a lazy layer may have changed)
    reached = {id(c.module) for c in p.calls}
    read = {t for e in p.events for t in e.in_ids if t in p._param_ids}
    param_counts, unused_params = _param_counts(modules, reached, read)
    total_params = param_counts["all"]
    names = {id(m): n for n, m in modules}
    tree = {n: [names[id(c)] for c in m._modules.values() if c is not None] for n, m in modules}
    _live_muls(y, p.live_muls)  # sizes the model returns are outputs of the trace
    return Profile(label or type(model).__name__, tuple(input_shape), p.events,
                   dict(p.hooks.unsupported), unattributed, total_params, elems, id(x),
                   tuple(id(t) for t in _tensors(y)),
                   {n: type(m) for n, m in modules}, p.calls, tree, len(p.live_muls),
                   len(p.live_muls & _ASSUMED), param_counts=param_counts, unused_params=unused_params)
