"""Bytes per layer, arithmetic intensity, and peak activation memory under a sequential schedule.

Bytes moved = parameters read + activations read + activations written, at ``dtype`` bytes each
(the roofline model's traffic with no cache reuse). Peak activation memory: run the rows in
order; a tensor is live from the row that writes it to the last row that reads it (the model
output to the end); the peak is the largest sum of live tensors, plus, at a functional call, what
the call makes and drops inside itself at its own peak (``Event.scratch``: the score matrix and
softmax of an attention call). View-only rows (flatten, reshape) alias their input and add nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod as _numel
from typing import TYPE_CHECKING

from ..units import DTYPE_BYTES, dtype_bytes  # noqa: F401  (re-exported for the profile commands)

if TYPE_CHECKING:  # torch-free at run time: an ONNX profile (costcalc.onnx.count) reads the same
    from .aten_ops import Profile


@dataclass(frozen=True)
class LayerMemory:
    name: str
    param_bytes: int
    in_bytes: int
    out_bytes: int

    @property
    def moved(self) -> int:
        return self.param_bytes + self.in_bytes + self.out_bytes


def layer_memory(p: Profile, dtype: str = "float32") -> list[LayerMemory]:
    b = dtype_bytes(dtype)
    out = []
    for e in p.rows:
        acts = [s for s, is_param in zip(e.in_shapes, e.in_params or [False] * len(e.in_shapes)) if not is_param]
        out.append(LayerMemory(e.name, e.param_elems * b, sum(_numel(s) for s in acts) * b,
                               _numel(e.out_shape) * b if e.category != "free" else 0))
    return out


def peak_activation(p: Profile, dtype: str = "float32") -> tuple[int, str]:
    """(peak live activation bytes, the row where it is reached) over the sequential schedule."""
    b = dtype_bytes(dtype)
    rows = p.rows
    root = {}  # aliases (views) -> the tensor that owns the memory
    born, last = {p.model_input_id: -1}, {}
    for i, e in enumerate(rows):
        ins = [root.get(t, t) for t, is_p in zip(e.in_ids, e.in_params or [False] * len(e.in_ids)) if not is_p]
        for t in ins:
            last[t] = i
        for t in e.out_ids:
            if e.category == "free" and ins:
                root[t] = ins[0]
            else:
                born.setdefault(t, i)
    for t in p.model_output_ids:
        last[root.get(t, t)] = len(rows)
    peak, where = 0, ""
    for i, e in enumerate(rows):
        live = sum(p.tensor_elems.get(t, 0) for t, s in born.items() if s <= i <= last.get(t, s))
        live += getattr(e, "scratch", 0)  # what the call makes and drops inside itself (attention scores)
        if live > peak:
            peak, where = live, e.name
    return peak * b, where
