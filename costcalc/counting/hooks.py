"""Count a real nn.Module with forward hooks on its leaf modules.

Each handler maps a module type to a formula of :mod:`costcalc.layers` — the same functions the
symbolic table uses — applied to the shapes the hook sees. The counter is a context manager:
state lives on the counter, hooks are removed on exit, nothing is written onto modules, torch is
not patched. A module called twice is recorded twice (``name``, ``name#2``); a leaf type with no
handler is listed in ``unsupported``, never silently counted as zero. Runs on the ``meta``
device by default, so no activation is allocated and no convolution is run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import torch
from torch import nn

from .. import layers
from ..nn import ops
from ..layers import Cost

# A handler takes (module, inputs: tuple of tensors, output) and returns the Cost per item.
_HANDLERS: dict[type, Callable[[nn.Module, tuple, torch.Tensor], Cost]] = {}

# Leaf modules that do no arithmetic and change nothing a cost depends on.
PASSTHROUGH = (nn.Identity, nn.Dropout, nn.Dropout2d, nn.Flatten, nn.Unflatten)

ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.Hardswish, nn.Hardsigmoid, nn.SiLU, nn.Sigmoid, nn.GELU,
               nn.Tanh, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.Softmax)


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
    return layers.conv_transpose2d(c, m.out_channels, h, w, *m.kernel_size,
                                   stride=tuple(m.stride), padding=tuple(m.padding),
                                   output_padding=tuple(m.output_padding),
                                   dilation=tuple(m.dilation), groups=m.groups,
                                   bias=m.bias is not None)


@handles(nn.Linear)
def _linear(m: nn.Linear, xs, y) -> Cost:
    return layers.linear(m.in_features, m.out_features, bias=m.bias is not None)


@handles(nn.BatchNorm2d)
def _bn(m, xs, y) -> Cost:
    _, c, h, w = xs[0].shape
    return layers.batch_norm(c, h, w)


@handles(*ACTIVATIONS)
def _act(m, xs, y) -> Cost:
    x = xs[0]
    return replace(layers.activation(x[0].numel(), 1, 1), out_shape=tuple(x.shape[1:]))


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
    _, c, h, w = xs[0].shape
    return layers.channel_shuffle(c, h, w, m.groups)


@handles(ops.Add)
def _add(m, xs, y) -> Cost:
    _, c, h, w = xs[0].shape
    return layers.add(c, h, w)


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


def _same(x, *args, **kwargs):
    return x


def _add_same_shapes(a, b):
    if a.shape != b.shape:  # what the real add would reject (costcalc's Add never broadcasts)
        raise RuntimeError(f"residual add of tensors shaped {tuple(a.shape)} and {tuple(b.shape)}")
    return a


# Leaf types whose output has their (first) input's shape and whose cost is a function of that
# shape alone: on the meta device there is nothing to compute, so `count` can skip running them.
SHAPE_PRESERVING = {t: _same for t in (nn.BatchNorm2d, *ACTIVATIONS, nn.Identity, nn.Dropout, nn.Dropout2d)}
SHAPE_PRESERVING[ops.Add] = _add_same_shapes


class HookCounter:
    """``with HookCounter(model) as c: model(x)`` then read ``c.records``, ``c.total_macs``.

    ``skip_shape_preserving=True`` (what :func:`count` uses on meta) replaces the forward of
    batch norm, activation, dropout and identity leaves by ``x -> x`` (and costcalc's residual
    ``Add`` by a shape check) for the duration of the block: their hooks still fire and price
    them from the input shape, but torch does not run their meta kernels, which are Python
    decompositions costing up to ~1 ms a call (95% of counting time on MobileNet v2). The
    instance attribute is removed again on exit, even on error. Convolutions, linear layers,
    pooling and concatenation still run, so their output shapes are torch's, not costcalc's.
    """

    def __init__(self, model: nn.Module, skip_shape_preserving: bool = False):
        self.model = model
        self.skip_shape_preserving = skip_shape_preserving
        self.records: list[Record] = []
        self.unsupported: dict[str, str] = {}  # module name -> type name
        self._handles: list = []
        self._skipped: list = []  # (module, its own instance-level forward or None)
        self._calls: dict[str, int] = {}

    def __enter__(self) -> "HookCounter":
        self.records.clear()
        self.unsupported.clear()
        self._calls.clear()
        for name, module in self.model.named_modules():
            if any(True for _ in module.children()):
                continue
            handler = _HANDLERS.get(type(module))
            if handler is None:
                self.unsupported[name] = type(module).__name__
                continue
            self._handles.append(module.register_forward_hook(self._hook(name, handler)))
            if self.skip_shape_preserving and type(module) in SHAPE_PRESERVING:
                self._skipped.append((module, module.__dict__.get("forward")))
                module.__dict__["forward"] = SHAPE_PRESERVING[type(module)]  # instance attribute
        return self

    def __exit__(self, *exc) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()
        for module, own in self._skipped:
            if own is None:
                module.__dict__.pop("forward", None)
            else:
                module.__dict__["forward"] = own
        self._skipped.clear()

    def _hook(self, name: str, handler):
        def hook(module, inputs, output):
            x = inputs[0]
            per_item = handler(module, inputs, output)
            if isinstance(module, nn.Linear):
                n = x.numel() // module.in_features
                out_shape = tuple(output.shape[-1:])
            else:
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


def count(model: nn.Module, input_shape: tuple, device: str = "meta") -> HookCounter:
    """Run one forward pass of ``model`` on an empty tensor of ``input_shape`` under hooks.

    On ``meta`` the shape-preserving leaves are not run (see :class:`HookCounter`)."""
    x = torch.empty(input_shape, device=device)
    model.eval()
    with torch.no_grad(), HookCounter(model, skip_shape_preserving=device == "meta") as counter:
        model(x)
    return counter
