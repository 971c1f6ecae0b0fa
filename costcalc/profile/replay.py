"""Replay what a forward pass does on meta from the record of an identical call.

On the ``meta`` device torch still computes every output's shape, and for convolution, batch
and layer norm, matrix products, softmax and elementwise arithmetic it does so in Python
(``torch/_meta_registrations.py``, the decompositions and the prims' references), 20-1000 µs an
op: most of a profile's time, and most of ``FlopCounterMode``'s. Those shapes are a function of
what the op is given, so the profiler computes each one once and replays it after, at two levels:

- **aten ops** (:func:`run`): an op that makes new tensors (no view, no ``out=``) or writes
  into its first argument in place without changing its shape (``add_``, ``relu_``, ``copy_``)
  is keyed by the op and its arguments' metadata (shapes, strides, dtypes; scalars by type and
  value). The first call runs torch's kernel; an identical one gets new tensors of the recorded
  shapes and strides (``torch.empty_strided``), or its argument back, and costcalc's price of
  the op (:func:`costcalc.profile.aten_ops.price_aten`) without computing it again. Views and
  ops that change a tensor's shape in place (``transpose_``, ``resize_``) always run (their price
  is kept all the same); ops whose output shape depends on values (``nonzero``) are left alone.
- **standard layers** (:class:`Record`): a layer costcalc prices (a leaf module of one of the
  exact types in :data:`costcalc.counting.hooks._HANDLERS`) shows the profiler the torch calls
  it makes, their aten ops, the tensors each reads and the tensor it returns, all a function of
  its type and attributes, its parameters' and inputs' metadata and a few global switches
  (:func:`key`). An identical call is replayed: the same events, with this call's layer name,
  stack and tensor identities, and an output like the recorded one (or the input itself, where
  the layer returned it: ``ReLU(inplace=True)``, ``Dropout`` in eval).

Nothing is approximated: what is replayed is what the real call recorded, and anything a record
cannot hold runs for real, every time. A layer call is recorded only when everything it did is
accounted for: positional tensor inputs on meta, every attribute a plain value (no tensor, no
traced size), no hook but the profiler's own, no aten op outside a function event, no traced
size used, every tensor read an input or the layer's own parameter or buffer, and one new
tensor (not a view) or an input returned. Records are kept across profiles (the least recently
used dropped past :data:`CACHE_SIZE`), so a second profile of an architecture replays all of its
layers. ``tests/test_profile_replay.py`` and the zoo suite hold replayed profiles equal to
unreplayed ones, field by field.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

CACHE_SIZE = 8192  # records of each kind
_CACHE: OrderedDict = OrderedDict()  # layer key -> Record, least recently used first
_OPS: OrderedDict = OrderedDict()  # aten op key -> [outputs' description, AtenOp or None]
_MISSING = object()
_PLAIN = (int, float, bool, str, type(None), torch.dtype, torch.device, torch.memory_format)
# nn.Module bookkeeping a forward does not read (hooks are checked separately)
_SKIP = frozenset({
    "_parameters", "_buffers", "_modules", "_non_persistent_buffers_set", "forward",
    "_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks",
    "_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs",
    "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks"})
_META = torch.device("meta")


@dataclass(frozen=True)
class Record:
    """What one forward call of a layer showed the profiler, its tensors named by position in
    the call's inputs followed by the layer's parameters and buffers (:func:`tensors`)."""

    events: tuple  # (Event as recorded, its name after 'layer:', the indices of what it read)
    out: object  # int: it returned that tensor; else (shape, stride, dtype) of a new tensor


def tensors(module: nn.Module, args: tuple) -> tuple:
    return (*args, *module._parameters.values(), *module._buffers.values())


def _meta_key(t):
    return (tuple(t.shape), t.stride(), t.storage_offset(), t.dtype, t.requires_grad)


def _plain(v):
    """``v`` as a hashable plain value, or _MISSING (a tensor, a traced size, a callable...)."""
    if type(v) in _PLAIN:
        return v
    if type(v) in (tuple, list):
        out = tuple(_plain(x) for x in v)
        return _MISSING if any(x is _MISSING for x in out) else (type(v), out)
    return _MISSING


def key(module: nn.Module, args: tuple, param_ids) -> tuple | None:
    """The facts a standard layer's forward depends on, or None when it cannot be replayed.
    Call it with torch functions disabled (it reads tensor metadata, not the model's calls)."""
    parts = [type(module), torch.is_grad_enabled(), torch.is_inference_mode_enabled(),
             torch.get_default_dtype(), torch._C._len_torch_function_stack(),
             torch.is_autocast_enabled("cpu")]
    first: dict[int, int] = {}
    for i, t in enumerate(tensors(module, args)):
        if t is None:
            parts.append(None)
            continue
        if i < len(args):
            if type(t) is not torch.Tensor:
                return None
        elif type(t) is not torch.Tensor and type(t) is not nn.Parameter:
            return None
        if t.device != _META:
            return None
        # which tensors are the same one, and which are the model's parameters or buffers
        parts.append((first.setdefault(id(t), i), id(t) in param_ids, *_meta_key(t)))
    for n, v in module.__dict__.items():
        if n in _SKIP:
            continue
        v = _plain(v)
        if v is _MISSING:
            return None
        parts.append((n, v))
    return tuple(parts)


def lookup(k: tuple) -> Record | None:
    r = _CACHE.get(k)
    if r is not None:
        _CACHE.move_to_end(k)
    return r


def store(k: tuple, record: Record) -> None:
    _CACHE[k] = record
    if len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)


def clear() -> None:
    """Forget every record (the next profile runs every op and layer for real)."""
    _CACHE.clear()
    _OPS.clear()


def make(events: list, stack: tuple, where: str, inputs: tuple, out) -> Record | None:
    """The record of a call that made ``events`` and returned ``out``, or None when something
    it did is not one of what a record can hold."""
    pos: dict[int, int] = {}
    for i, t in enumerate(inputs):
        if t is not None:
            pos.setdefault(id(t), i)
    kept = []
    prefix = f"{where}:"
    for e in events:
        if e.source != "function" or not e.in_rule_leaf or e.stack != stack or e.in_ids or e.out_ids \
                or not e.name.startswith(prefix):
            return None
        reads = tuple(pos.get(i, -1) for i in e.reads)
        if -1 in reads:
            return None
        kept.append((e, e.name[len(prefix):], reads))
    if type(out) is not torch.Tensor:
        return None
    if id(out) in pos:
        return Record(tuple(kept), pos[id(out)])
    if out._is_view() or out.storage_offset() or out.device != _META or out.requires_grad:
        return None
    return Record(tuple(kept), (tuple(out.shape), out.stride(), out.dtype))


class untraced:
    """Neither the function mode nor the dispatch mode sees what runs inside."""

    __slots__ = ("guards",)

    def __enter__(self):
        self.guards = (torch._C.DisableTorchFunction(), torch._C._DisableTorchDispatch())
        for g in self.guards:
            g.__enter__()

    def __exit__(self, *exc):
        for g in reversed(self.guards):
            g.__exit__(*exc)


def output(record: Record, inputs: tuple):
    if type(record.out) is int:
        return inputs[record.out]
    shape, stride, dtype = record.out
    with untraced():
        return torch.empty_strided(shape, stride, dtype=dtype, device=_META)


# -- aten ops -----------------------------------------------------------------------------------

class _Uncacheable(Exception):
    pass


_KINDS: dict = {}  # OpOverload -> 'new' | 'inplace' | 'run' | None
# ops whose schema declares no alias although the output is a view of the input's storage
# (matmul's reshape of its bmm result): the peak activation memory reads storage sharing
_UNDECLARED_ALIAS = {"aten::_unsafe_view"}
_SCALARS = (int, float, bool, complex, str, type(None), torch.dtype, torch.device, torch.layout,
            torch.memory_format)
_STRIDED = torch.strided


def _kind(func):
    kind = _KINDS.get(func, _MISSING)
    if kind is not _MISSING:
        return kind
    schema, tags = func._schema, set(func.tags)
    mutable = [a for a in schema.arguments if a.alias_info is not None and a.alias_info.is_write]
    aliased = [r for r in schema.returns if r.alias_info is not None]
    if torch.Tag.dynamic_output_shape in tags or torch.Tag.data_dependent_output in tags:
        kind = None  # the output's shape depends on values: nothing to keep
    elif schema.name in _UNDECLARED_ALIAS:
        kind = "run"  # its output shares its input's storage, which a replayed copy would not
    elif not mutable and not aliased:
        kind = "new"
    elif (torch.Tag.inplace in tags and torch.Tag.inplace_view not in tags and len(mutable) == 1
          and schema.arguments and mutable[0] is schema.arguments[0] and len(schema.returns) == 1
          and len(aliased) == 1):
        kind = "inplace"
    else:
        kind = "run"  # views, in-place views, out=: run every time; the price is kept
    _KINDS[func] = kind
    return kind


def _arg_key(x):
    t = type(x)
    if t in _SCALARS:
        return (t, x)
    if t is list or t is tuple:
        return (t, tuple(map(_arg_key, x)))
    if isinstance(x, torch.Tensor):
        if not x.is_meta or x.layout is not _STRIDED:
            raise _Uncacheable
        return (x.shape, x.stride(), x.storage_offset(), x.dtype, x.requires_grad)
    raise _Uncacheable


def _describe(out, first):
    if isinstance(out, torch.Tensor):
        if out is first:
            return 0
        if type(out) is not torch.Tensor or out.device != _META or out.layout is not _STRIDED \
                or out._is_view() or out.storage_offset() or out.requires_grad:
            raise _Uncacheable
        return (out.shape, out.stride(), out.dtype)
    if type(out) in (list, tuple):
        return (type(out), tuple(_describe(o, first) for o in out))
    raise _Uncacheable  # a scalar result is cheap to compute again


def _make(desc, first):
    if desc == 0:
        return first
    if type(desc[0]) is type:
        return desc[0](_make(d, first) for d in desc[1])
    shape, stride, dtype = desc
    return torch.empty_strided(shape, stride, dtype=dtype, device=_META)


def run(func, args, kwargs):
    """``func(*args, **kwargs)`` inside the profiler's dispatch mode, replayed where recorded.
    Returns the output and the op's entry, ``[outputs' description or None, AtenOp or None]``
    (the caller prices the op once and keeps the price there: an op that always runs, a view,
    still has its price kept), or None where nothing about the op can be kept. Another dispatch
    mode under the profiler's sees every op, so none is replayed then."""
    kind = _kind(func)
    if kind is None or torch._C._len_torch_dispatch_stack():
        return func(*args, **kwargs), None
    first = args[0] if kind == "inplace" else None
    with torch._C.DisableTorchFunction():
        try:
            k = (func, _arg_key(args), _arg_key(tuple(kwargs.items())) if kwargs else None)
        except _Uncacheable:
            k = None
        entry = None if k is None else _OPS.get(k)
        if entry is not None and entry[0] is not None:
            return _make(entry[0], first), entry
    out = func(*args, **kwargs)
    if k is None or entry is not None:
        return out, entry
    desc = None
    if kind != "run":
        with torch._C.DisableTorchFunction():
            try:
                desc = _describe(out, first)
            except _Uncacheable:
                pass
    entry = _OPS[k] = [desc, None]
    if len(_OPS) > CACHE_SIZE:
        _OPS.popitem(last=False)
    return out, entry
