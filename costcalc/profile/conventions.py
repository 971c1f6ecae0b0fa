"""One forward pass, re-totalled under each counting tool's own default rules.

Each convention is a function of a :class:`~costcalc.profile.aten_ops.Profile`'s events and
returns ``{category: count}``; the total is the sum. The rules are read from each tool's source
(the versions named below), not guessed:

- ``paper``: conv + linear multiply-adds, bias excluded (the MobileNet papers' mult-adds).
- ``macs``: costcalc's full count, every arithmetic op once: MACs, bias adds, BN (one op per
  element), activations, pooling (one op per input element), residual adds.
- ``flops``: ``torch.utils.flop_counter.FlopCounterMode``: 2·MACs of products and
  convolutions, bias, BN, activations, pooling and adds left out.
- ``fvcore`` (0.1.5, ``FlopCountAnalysis``, ``_DEFAULT_SUPPORTED_OPS``): MACs of
  ``_convolution``/``linear``/``addmm``/``matmul``/``mm``/``bmm``/``einsum`` without bias;
  eval ``batch_norm`` 2 per element with affine (1 without); ``adaptive_avg_pool2d`` 1 per
  input element; everything else (relu, add, cat, mean, avg_pool2d) 0.
- ``ptflops`` (0.7.5, default pytorch backend): module hooks — conv MACs + one add per output
  element when biased, linear MACs + bias, BN 1 per element (2 with affine), ReLU/ReLU6/ELU/
  LeakyReLU/PReLU/GELU 1 per output element, every pool 1 per input element — plus patched
  functionals counted wherever they run, even inside modules already hooked:
  ``F.relu``/``relu6``/``elu``/``prelu``/``gelu``/``silu``/``softmax``, the ``F.*pool*``
  family (1 per input element), ``torch.matmul``/``mm``/``bmm`` (and Tensor methods),
  ``addmm``/``baddbmm``, ``torch.add``/``mul`` and ``Tensor.add``/``mul`` (not ``+``/``*``).
- ``thop`` (ultralytics-thop 2.2.3): conv MACs without bias, linear ``in_features·out
  elements``, BN 4 per element with affine (2 without), ReLU/ReLU6/max pool 0, adaptive avg
  pool one add per pooled input + one divide per output; functional ``matmul``/``@``/``bmm``/
  ``F.linear``/``einsum`` outside any module with a non-zero rule.
- ``torchprofile`` (0.1.0, jit trace, ``handlers.py``): conv/linear/matmul MACs without bias,
  BN 1 per output element with affine, avg pools and ``mean`` 1 per output element, ``mul`` 1
  per output element, ``leaky_relu`` 1 per element; relu, add, cat 0.
- ``torchinfo`` (1.8.0, ``summary(...).total_mult_adds``: ``LayerInfo.calculate_macs`` in
  ``layer_info.py``, summed by ``ModelStatistics`` in ``model_statistics.py``): no arithmetic,
  a count of parameters. Only leaf modules are totalled, once per call; a non-leaf module's own
  parameters (an ``nn.Parameter`` used in ``forward``) and functional calls count 0. In a
  leaf, each parameter named ``weight`` or ``bias`` counts its elements × the output's batch
  size and, when the class name contains ``"Conv"``, × the output's spatial positions too. So
  ``Conv2d`` gets its exact MACs (+ one add per output for a bias), but ``ConvTranspose2d`` is
  priced per *output* position (≈ stride² too many) and a ``Conv2d`` subclass whose name lacks
  "Conv" once per item; ``Linear`` costs weights + bias once per batch item, whatever the
  tokens in between; BN its 2C affine parameters per item (0 without affine); ``PReLU`` its
  slopes; activations, pools, adds 0. A leaf with no costcalc module rule is read from the
  parameters its functional calls take (parameter names and unused or pruned parameters are
  not in the profile; of ``F.batch_norm``'s four tensors the running statistics are dropped,
  and two are taken as running statistics, torch's default).
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import CostcalcError
from ..nn import ops
from .aten_ops import CATEGORIES, Event, Profile, _numel

CONVENTIONS: dict[str, Callable[[Profile], dict]] = {}
TITLES: dict[str, str] = {}


def convention(name: str, title: str):
    def deco(fn):
        if name in CONVENTIONS:
            raise RuntimeError(f"convention {name!r} registered twice")
        CONVENTIONS[name] = fn
        TITLES[name] = title
        return fn

    return deco


def _blank() -> dict:
    return {c: 0 for c in CATEGORIES}


def _rows(p: Profile):
    return p.rows


def _func(e: Event):
    return e.attrs.get("func")


def _lookup_func(e: Event):
    """The event's function if it can key a rule table (unhashable callables cannot)."""
    f = _func(e)
    try:
        hash(f)
    except TypeError:
        return None
    return f


_CONV_T = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_BN_T = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


def _mtype(p: Profile, e: Event):
    return p.module_types.get(e.name.split("#")[0])


@convention("paper", "paper mult-adds: conv + linear MACs, no bias")
def paper(p: Profile) -> dict:
    """The macs convention's conv and linear rows alone."""
    return {k: v if k in ("conv", "linear") else 0 for k, v in macs(p).items()}


@convention("macs", "costcalc: every op once (MACs, bias, BN, act, pool, add)")
def macs(p: Profile) -> dict:
    out = _blank()
    for e in _rows(p):
        if e.category in ("conv", "linear"):
            out[e.category] += e.macs
            out["bias"] += e.bias_ops
        elif e.category in out:
            out[e.category] += e.ops
        elif e.category not in ("free", "unknown"):
            out["other"] += e.ops
    return out


@convention("flops", "torch FlopCounterMode: 2·MACs of conv and matmul")
def flops(p: Profile) -> dict:
    out = _blank()
    for e in _rows(p):
        if e.source == "function":
            for a in e.aten:
                if a.flops:
                    out[a.category] += a.flops
        elif e.flops:
            out[e.category] += e.flops
    return out


# -- jit-level names: what torch.jit.trace records for a torch function -------------------

def _jit_name(e: Event) -> str:
    f = _func(e)
    name = getattr(f, "__name__", "") or ""
    name = name.strip("_") if name.startswith("__") else name
    return {"conv1d": "_convolution", "conv2d": "_convolution", "conv3d": "_convolution",
            "conv_transpose2d": "_convolution", "relu6": "hardtanh",
            "_max_pool2d": "max_pool2d", "max_pool2d_with_indices": "max_pool2d",
            "imul": "mul_", "iadd": "add_"}.get(name, name)


def _jit_events(p: Profile):
    """(jit op, event, module) for what a jit trace would record: modules as their aten call."""
    for e in _rows(p):
        if e.source == "function":
            yield _jit_name(e), e, None
            continue
        t = _mtype(p, e)
        if t is None:
            continue
        if issubclass(t, _CONV_T):
            yield "_convolution", e, t
        elif issubclass(t, nn.Linear):
            yield "linear", e, t
        elif issubclass(t, _BN_T):
            yield "batch_norm", e, t
        elif issubclass(t, nn.AdaptiveAvgPool2d):
            yield "adaptive_avg_pool2d", e, t
        elif issubclass(t, nn.AvgPool2d):
            yield "avg_pool2d", e, t
        elif issubclass(t, nn.LeakyReLU):
            yield "leaky_relu", e, t
        elif issubclass(t, ops.Scale):  # x * gate: the trace records aten::mul
            yield "mul", e, t
        else:
            yield type(t).__name__, e, t


def _affine(e: Event) -> bool:
    if e.source == "module":
        return bool(e.attrs.get("affine", True))
    return len(e.in_params) > 1 and e.in_params[1]  # F.batch_norm(x, mean, var, weight, ...)


@convention("fvcore", "fvcore FlopCountAnalysis defaults")
def fvcore(p: Profile) -> dict:
    out = _blank()
    for op, e, _ in _jit_events(p):
        if op in ("_convolution", "linear", "addmm", "matmul", "mm", "bmm", "einsum"):
            out[e.category if e.category in ("conv", "linear") else "linear"] += e.macs
        elif op == "batch_norm":
            training = e.attrs.get("training", False) if e.source == "module" else False
            n = _numel(e.in_shapes[0])
            out["norm"] += 5 * n if training else n * (2 if _affine(e) else 1)
        elif op == "adaptive_avg_pool2d":
            out["pool"] += _numel(e.in_shapes[0])
    return out


@convention("torchprofile", "torchprofile profile_macs handlers")
def torchprofile(p: Profile) -> dict:
    out = _blank()
    for op, e, _ in _jit_events(p):
        if op in ("_convolution", "linear", "addmm", "matmul", "bmm", "baddbmm", "addmv", "einsum"):
            out[e.category if e.category in ("conv", "linear") else "linear"] += e.macs
        elif op in ("batch_norm", "layer_norm", "group_norm", "instance_norm"):
            out["norm"] += e.out_elems if _affine(e) else 0
        elif op in ("adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
                    "avg_pool1d", "avg_pool2d", "avg_pool3d", "mean"):
            out["pool"] += e.out_elems
        elif op in ("mul", "mul_"):
            out["other"] += e.out_elems
        elif op == "leaky_relu":
            out["activation"] += e.out_elems
    return out


# -- ptflops -------------------------------------------------------------------------------

_PTF_ACT = (nn.ReLU, nn.PReLU, nn.ELU, nn.LeakyReLU, nn.ReLU6, nn.GELU)
_PTF_POOL = (nn.MaxPool1d, nn.AvgPool1d, nn.AvgPool2d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool3d,
             nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d, nn.AdaptiveMaxPool2d,
             nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool3d, nn.AdaptiveAvgPool3d)
_PTF_BN = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.InstanceNorm1d, nn.InstanceNorm2d,
           nn.InstanceNorm3d, nn.GroupNorm, nn.LayerNorm)
_PTF_NUMEL_ACT = {F.relu, F.prelu, F.elu, F.relu6, F.gelu, F.silu, F.softmax}
_PTF_NUMEL_POOL = {F.avg_pool1d, F.avg_pool2d, F.avg_pool3d, F.max_pool1d, F.max_pool2d,
                   F.max_pool3d, F.adaptive_avg_pool1d, F.adaptive_avg_pool2d,
                   F.adaptive_avg_pool3d, F.adaptive_max_pool1d, F.adaptive_max_pool2d,
                   F.adaptive_max_pool3d}
_PTF_MATMUL = {torch.matmul, torch.Tensor.matmul, torch.mm, torch.Tensor.mm, torch.bmm, torch.Tensor.bmm}
_PTF_ADDMM = {torch.addmm, torch.baddbmm, torch.Tensor.addmm}
_PTF_ELEM = {torch.mul: "other", torch.Tensor.mul: "other", torch.add: "add", torch.Tensor.add: "add"}


def _broadcast_numel(a, b) -> int:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    return _numel(max(x, y) for x, y in zip(a, b))


@convention("ptflops", "ptflops get_model_complexity_info (pytorch backend)")
def ptflops(p: Profile) -> dict:
    out = _blank()
    for e in p.events:  # functional patches fire inside hooked modules too
        if e.source == "module":
            t = _mtype(p, e)
            if t in (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d):
                out["conv"] += e.macs
                out["bias"] += e.out_elems if e.attrs.get("has_bias") else 0
            elif t is nn.Linear:
                out["linear"] += e.macs
                rows = _numel(e.in_shapes[0][:-1])
                out["bias"] += e.attrs["out_features"] * rows if e.attrs.get("has_bias") else 0
            elif t in _PTF_ACT:
                out["activation"] += e.out_elems
            elif t in _PTF_POOL:
                out["pool"] += _numel(e.in_shapes[0])
            elif t in _PTF_BN:
                n = _numel(e.in_shapes[0])
                out["norm"] += 2 * n if e.attrs.get("affine") else n
            continue
        f = _lookup_func(e)
        if f is None:
            continue
        if e.attrs.get("syntax") == "operator":  # a + b, a @ b: not patched by ptflops
            continue
        if f in _PTF_NUMEL_ACT:
            out["activation"] += _numel(e.in_shapes[0])
        elif f in _PTF_NUMEL_POOL:
            out["pool"] += _numel(e.in_shapes[0])
        elif f in _PTF_MATMUL:
            out["linear"] += _numel(e.in_shapes[0]) * e.in_shapes[1][-1]
        elif f in _PTF_ADDMM:
            out["linear"] += _numel(e.in_shapes[1]) * e.in_shapes[2][-1]
            out["bias"] += _numel(e.in_shapes[0])
        elif f in _PTF_ELEM:
            shapes = e.in_shapes
            n = _broadcast_numel(shapes[0], shapes[1]) if len(shapes) > 1 else _numel(shapes[0])
            out[_PTF_ELEM[f]] += n
    return out


# -- thop ----------------------------------------------------------------------------------

_THOP_ZERO = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d,
              nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.Identity,
              nn.Flatten, nn.Unflatten, nn.ChannelShuffle, nn.Sequential, nn.ModuleList,
              nn.modules.dropout._DropoutNd)
_THOP_RULE = (nn.modules.conv._ConvNd, nn.modules.batchnorm._NormBase, nn.LayerNorm,
              nn.GroupNorm, nn.Linear, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
              nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d, nn.PReLU,
              nn.Softmax, nn.MultiheadAttention, nn.Bilinear)
_THOP_FUNCS = {torch.matmul, torch.Tensor.matmul, torch.Tensor.__matmul__, torch.bmm,
               torch.Tensor.bmm, F.linear}


def _thop_counts(t) -> bool:
    """True when thop hooks a module type with a non-zero rule (its functionals go uncounted)."""
    return t is not None and issubclass(t, _THOP_RULE) and not issubclass(t, _THOP_ZERO)


@convention("thop", "ultralytics-thop profile")
def thop(p: Profile) -> dict:
    out = _blank()
    for e in p.events:
        if e.source == "module":
            t = _mtype(p, e)
            if t is None:
                continue
            if issubclass(t, nn.modules.conv._ConvNd):
                out["conv"] += e.macs
            elif issubclass(t, nn.Linear):
                out["linear"] += e.attrs["in_features"] * e.out_elems
            elif issubclass(t, nn.modules.batchnorm._NormBase):
                n = 2 * _numel(e.in_shapes[0])
                out["norm"] += 2 * n if e.attrs.get("affine") else n
            elif issubclass(t, nn.AdaptiveAvgPool2d):
                out["pool"] += _adaptive_windows(e.in_shapes[0], e.out_shape) + e.out_elems
            continue
        if any(_thop_counts(p.module_types.get(n)) for n in e.stack):
            continue
        f = _lookup_func(e)
        if f is None:
            continue
        if f in _THOP_FUNCS:
            out["linear"] += e.out_elems * e.in_shapes[0][-1]
    return out


def _adaptive_windows(i_shape, o_shape) -> int:
    total = 1
    for i, o in zip(i_shape, o_shape):
        total *= o if i == o else sum(-(-(j + 1) * i // o) - j * i // o for j in range(o))
    return total


# -- torchinfo -----------------------------------------------------------------------------

_TI_NORM_F = {F.batch_norm, F.instance_norm, F.layer_norm, F.group_norm}
_TI_CONV_F = {F.conv1d, F.conv2d, F.conv3d, F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d}


def _ti_per(out_shape, conv: bool) -> int:
    """torchinfo's multiplier: output batch, × output spatial positions for a "Conv" class."""
    return _numel(out_shape[:1] + out_shape[2:]) if conv else _numel(out_shape[:1])


def _ti_function(e: Event) -> dict:
    """{category: parameter elements} a functional call inside an unruled leaf reads."""
    f = _lookup_func(e)
    read = [_numel(s) for s, is_p in zip(e.in_shapes, e.in_params) if is_p]
    # (x, running_mean, running_var, weight, bias): buffers look like parameters here, so four
    # reads are stats + affine, and two are batch norm's stats (torch's default) or instance
    # norm's affine (its stats are off by default).
    if (f is F.batch_norm and len(read) in (2, 4)) or (f is F.instance_norm and len(read) == 4):
        read = read[2:]
    if f in _TI_CONV_F or f is F.linear:  # (x, weight, bias)
        kind = "conv" if f in _TI_CONV_F else "linear"
        return {kind: sum(read[:1]), "bias": sum(read[1:])}
    if f in _TI_NORM_F:
        return {"norm": sum(read)}
    if f is F.prelu:
        return {"activation": sum(read)}
    return {"other": sum(read)}


@convention("torchinfo", "torchinfo summary Mult-Adds: leaf weight + bias × output")
def torchinfo(p: Profile) -> dict:
    out = _blank()
    for e in p.events:
        if e.source == "module":
            t = _mtype(p, e)
            if t is None:
                continue
            per = _ti_per(e.out_shape, "Conv" in t.__name__)
            if issubclass(t, nn.modules.batchnorm._NormBase):  # param_elems holds the buffers too
                out["norm"] += per * (2 * e.out_shape[1] if e.attrs.get("affine") else 0)
            elif e.category in ("conv", "linear"):
                bias = e.attrs.get("out_channels", e.attrs.get("out_features", 0)) if e.attrs.get("has_bias") else 0
                out[e.category] += per * (e.param_elems - bias)
                out["bias"] += per * bias
            elif e.param_elems:
                out[e.category if e.category in out else "other"] += per * e.param_elems
            continue
        leaf = e.stack[-1] if e.stack else None
        if leaf not in p.unsupported_modules or not any(e.in_params):
            continue  # functional calls outside leaves, or in ruled leaves (their event counts)
        per = _ti_per(e.out_shape, "Conv" in p.unsupported_modules[leaf])
        for cat, n in _ti_function(e).items():
            out[cat] += per * n
    return out


def get(name: str):
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise CostcalcError(f"unknown convention {name!r}; known: {', '.join(CONVENTIONS)}") from None


def totals(p: Profile, names=None) -> dict:
    """{convention: {category: count}} for the named conventions (all by default)."""
    return {n: get(n)(p) for n in (names or CONVENTIONS)}
