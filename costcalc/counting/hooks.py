"""Count a real nn.Module with forward hooks on its leaf modules.

Each handler maps a module type to a formula of :mod:`costcalc.layers` — the same functions the
symbolic table uses — applied to the shapes the hook sees. The counter is a context manager:
state lives on the counter, hooks are removed on exit, nothing is written onto modules, torch is
not patched. A module called twice is recorded twice (``name``, ``name#2``); a leaf type with no
handler is listed in ``unsupported``, never silently counted as zero. Runs on the ``meta``
device by default, so no activation is allocated and no convolution is run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import torch
from torch import nn

from .. import layers
from . import shapes
from ..nn import ops
from ..errors import ShapeError
from ..layers import Cost

# A handler takes (module, inputs: tuple of tensors, output) and returns the Cost per item.
_HANDLERS: dict[type, Callable[[nn.Module, tuple, torch.Tensor], Cost]] = {}

# Leaf modules that do no arithmetic and change nothing a cost depends on.
PASSTHROUGH = (nn.Identity, nn.Dropout, nn.Dropout2d, nn.Flatten, nn.Unflatten)

ACTIVATIONS = shapes.ACTIVATIONS

# 2-D layers that torch also runs on an unbatched C×H×W input (as one image).
UNBATCHED_2D = (nn.Conv2d, nn.ConvTranspose2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d)


def handles(*types):
    def deco(fn):
        for t in types:
            if t in _HANDLERS:
                raise RuntimeError(f"handler for {t.__name__} registered twice")
            _HANDLERS[t] = fn
        return fn

    return deco


def _padding(m):
    return m.padding if isinstance(m.padding, str) else tuple(m.padding)  # 'same' / 'valid' too


@handles(nn.Conv2d)
def _conv2d(m: nn.Conv2d, xs, y) -> Cost:
    _, c, h, w = xs[0].shape
    return layers.conv2d(c, m.out_channels, h, w, *m.kernel_size, stride=tuple(m.stride),
                         padding=_padding(m), dilation=tuple(m.dilation), groups=m.groups,
                         bias=m.bias is not None)


@handles(nn.ConvTranspose2d)
def _conv_t2d(m: nn.ConvTranspose2d, xs, y) -> Cost:
    _, c, h, w = xs[0].shape
    if c != m.in_channels:  # torch checks this on CPU but not on meta
        raise ShapeError(f"ConvTranspose2d({m.in_channels}, {m.out_channels}) was fed {c} "
                         f"channels")
    op = tuple(m.output_padding)
    if len(xs) > 1 and xs[1] is not None:  # forward(x, output_size): torch widens output_padding
        k, s, p, d = m.kernel_size, m.stride, m.padding, m.dilation
        op = tuple(int(y.shape[2 + i]) - layers.transposed_out_side((h, w)[i], k[i], s[i], p[i], d[i])
                   for i in range(2))
    return layers.conv_transpose2d(c, m.out_channels, h, w, *m.kernel_size,
                                   stride=tuple(m.stride), padding=tuple(m.padding),
                                   output_padding=op, dilation=tuple(m.dilation),
                                   groups=m.groups, bias=m.bias is not None)


@handles(nn.Linear)
def _linear(m: nn.Linear, xs, y) -> Cost:
    return layers.linear(m.in_features, m.out_features, bias=m.bias is not None)


@handles(nn.BatchNorm2d)
def _bn(m, xs, y) -> Cost:
    _, c, h, w = xs[0].shape
    return layers.batch_norm(c, h, w)


@handles(*ACTIVATIONS)
def _act(m, xs, y) -> Cost:
    shape = tuple(xs[0].shape[1:])
    return replace(layers.activation(math.prod(shape), 1, 1), out_shape=shape)


@handles(nn.AvgPool2d)
def _avg(m, xs, y) -> Cost:
    _, c, h, w = xs[0].shape
    return layers.avg_pool(c, h, w, m.kernel_size, m.stride, m.padding, m.ceil_mode)


@handles(nn.MaxPool2d)
def _max(m, xs, y) -> Cost:
    _, c, h, w = xs[0].shape
    return layers.max_pool(c, h, w, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode)


@handles(nn.AdaptiveAvgPool2d)
def _adaptive_avg(m, xs, y) -> Cost:
    _, c, h, w = xs[0].shape
    cost = layers.global_avg_pool(c, h, w)  # every input element is added once
    return replace(cost, out_shape=tuple(y.shape[1:]))


@handles(nn.ChannelShuffle)
def _shuffle(m, xs, y) -> Cost:
    shape = tuple(xs[0].shape[1:])  # C×H×W, or any number of dimensions after the channels
    return replace(layers.channel_shuffle(shape[0], math.prod(shape[1:]), 1, m.groups),
                   out_shape=shape)


@handles(ops.Add)
def _add(m, xs, y) -> Cost:
    _, c, h, w = xs[0].shape
    return layers.add(c, h, w)


@handles(ops.Scale)
def _scale_op(m, xs, y) -> Cost:
    _, c, h, w = xs[0].shape
    return layers.scale(c, h, w)


@handles(ops.Concat)
def _concat(m, xs, y) -> Cost:
    _, _, h, w = xs[0].shape
    return layers.concat([x.shape[1] for x in xs], h, w)


def _passthrough(m, xs, y) -> Cost:
    return Cost("passthrough", tuple(y.shape[1:]))


for _t in PASSTHROUGH:
    handles(_t)(_passthrough)


@dataclass(frozen=True)
class Record:
    """One call of one leaf module."""

    name: str
    module_type: str
    in_shape: tuple
    cost: Cost  # for the whole batch: macs, bias_ops and ops scaled by the leading elements
    actual_out_shape: tuple

    @property
    def shape_ok(self) -> bool:
        return tuple(self.cost.out_shape) == tuple(self.actual_out_shape)


def _scale(cost: Cost, n: int) -> Cost:
    if n == 1:
        return cost
    return replace(cost, macs=cost.macs * n, bias_ops=cost.bias_ops * n, ops=cost.ops * n)


def is_leaf(module: nn.Module) -> bool:
    """No child modules (what ``any(module.children())`` asks, without building a generator)."""
    return not any(m is not None for m in module._modules.values())


class HookCounter:
    """``with HookCounter(model) as c: model(x)`` then read ``c.records``, ``c.total_macs``.

    ``shape_rules=True`` (what :func:`count` uses on meta) gives every leaf that has a rule in
    :mod:`costcalc.counting.shapes` an instance-level ``forward`` for the duration of the block:
    it makes the output from the module's attributes (``torch.empty`` on meta, or the input
    itself for batch norm, activations, dropout and identity) instead of running torch's meta
    kernel, which for these layers is Python code costing 20-1000 µs a call. The hooks fire as
    before and price the layer from the shapes they see. Where a rule does not apply (another
    device, a mismatched channel count, keyword arguments...) the real forward runs, so torch
    still raises every error it would. The instance attribute is removed on exit, even on error.

    With ``shape_rules=False`` every leaf runs its torch kernel, so each record's
    ``actual_out_shape`` is torch's; :func:`costcalc.counting.verify.verify_model` counts that
    way, which keeps its hook column independent of costcalc's shape arithmetic.
    """

    def __init__(self, model: nn.Module, shape_rules: bool = False, modules: list | None = None):
        self.model = model
        self.shape_rules = shape_rules
        self._modules = modules  # model.named_modules(), when the caller has listed it already
        self.records: list[Record] = []
        # module name -> type name: leaves with no handler. Every such leaf while the block is
        # open (the profiler reads that); on exit, only the ones that ran: a layer the forward
        # never called (an unused nn.Upsample) costs nothing and is not "not counted".
        self.unsupported: dict[str, str] = {}
        self._ran: set[str] = set()
        self._handles: list = []
        self._ruled: list = []  # (module, its own instance-level forward or None)
        self._calls: dict[str, int] = {}

    def __enter__(self) -> "HookCounter":
        self.records.clear()
        self.unsupported.clear()
        self._ran.clear()
        self._calls.clear()
        for name, module in self._modules if self._modules is not None else self.model.named_modules():
            if not is_leaf(module):
                continue
            handler = _HANDLERS.get(type(module))
            if handler is None:
                self.unsupported[name] = type(module).__name__
                self._watch_unsupported(name, module)
                continue
            self._watch(name, module, handler)
            rule = shapes.RULES.get(type(module)) if self.shape_rules else None
            if rule is not None:
                own = module.__dict__.get("forward")
                self._ruled.append((module, own))
                module.__dict__["forward"] = _ruled_forward(module, rule, own or module.forward)
        return self

    def __exit__(self, *exc) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()
        self.unsupported = {n: t for n, t in self.unsupported.items() if n in self._ran}
        for module, own in self._ruled:
            if own is None:
                module.__dict__.pop("forward", None)
            else:
                module.__dict__["forward"] = own
        self._ruled.clear()

    def _watch_unsupported(self, name: str, module: nn.Module) -> None:
        self._handles.append(module.register_forward_pre_hook(self._mark(name)))

    def _watch(self, name: str, module: nn.Module, handler) -> None:
        self._handles.append(module.register_forward_hook(_with_kwargs(self._hook(name, handler)),
                                                          with_kwargs=True))

    def _mark(self, name: str):
        def pre_hook(module, inputs):
            self._ran.add(name)

        return pre_hook

    def _hook(self, name: str, handler):
        def hook(module, inputs, output):
            x = inputs[0]
            if isinstance(output, (tuple, list)):  # MaxPool2d(return_indices=True): (out, indices)
                output = output[0]
            if isinstance(module, nn.Linear):
                per_item = handler(module, inputs, output)
                n = x.numel() // module.in_features
                out_shape = tuple(output.shape[-1:])
            elif x.dim() == 3 and isinstance(module, UNBATCHED_2D):  # C×H×W: one image
                per_item = handler(module, (x.unsqueeze(0), *inputs[1:]), output.unsqueeze(0))
                n, out_shape = 1, tuple(output.shape)
            else:
                per_item = handler(module, inputs, output)
                n = x.shape[0]
                out_shape = tuple(output.shape[1:])
            self._calls[name] = self._calls.get(name, 0) + 1
            key = name if self._calls[name] == 1 else f"{name}#{self._calls[name]}"
            self.records.append(Record(key, type(module).__name__, tuple(x.shape),
                                       _scale(per_item, n), out_shape))

        return hook

    @property
    def total_macs(self) -> int:
        return sum(r.cost.macs for r in self.records)

    def by_name(self) -> dict[str, Record]:
        return {r.name: r for r in self.records}


def _with_kwargs(hook):
    """A forward hook registered with_kwargs=True that hands ``hook`` every input, keyword
    ones after the positional ones: ``conv(input=x)`` is counted like ``conv(x)``."""
    def forward_hook(module, args, kwargs, output):
        return hook(module, args + tuple(kwargs.values()) if kwargs else args, output)

    return forward_hook


def _ruled_forward(module: nn.Module, rule, real):
    def forward(*args, **kwargs):
        out = None if kwargs else rule(module, *args)
        return real(*args, **kwargs) if out is None else out

    return forward


class _EvalMode:
    """Every module in eval mode for the block, each one's own flag restored on exit."""

    def __init__(self, model: nn.Module):
        self.modules = [m for m in model.modules() if m.training]

    def __enter__(self):
        for m in self.modules:
            m.__dict__["training"] = False  # what nn.Module.eval() sets, without its recursion

    def __exit__(self, *exc):
        for m in self.modules:
            m.__dict__["training"] = True


def count(model: nn.Module, input_shape: tuple, device: str = "meta",
          shape_rules: bool | None = None) -> HookCounter:
    """Run one forward pass of ``model`` in eval mode on an empty tensor of ``input_shape``
    under hooks; the model's training flags are as they were afterwards.

    ``shape_rules`` (default: on for ``meta``) makes outputs from module attributes instead of
    running torch's meta kernels; see :class:`HookCounter`."""
    x = torch.empty(input_shape, device=device)
    rules = device == "meta" if shape_rules is None else shape_rules
    with torch.no_grad(), _EvalMode(model), HookCounter(model, shape_rules=rules) as counter:
        model(x)
    return counter
