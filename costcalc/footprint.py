"""Activation memory the MobileNetV2 paper's way: the largest tensor materialized per resolution.

MobileNetV2 (Sandler et al. 2018, arXiv 1801.04381) compares architectures in its Table 3 by
"the max number of channels/memory that needs to be materialized at each spatial resolution",
with 16-bit activations. That is not a sequential peak (``costcalc profile`` reports that: the
sum of every tensor alive at once); it is, per resolution, the single largest tensor that has to
exist in memory whole. The accounting has two rules, both read off the paper:

- **fused**: batch norm and the activation are applied to their conv's output in place, so a
  conv → BN → activation group is one tensor (and flatten is a view: no tensor).
- **streamed bottlenecks** (paper §5, "memory efficient inference"; MobileNet v2 and v3):
  inside an inverted residual block the expanded tensor is computed and consumed in slices, so
  only the bottleneck tensors between blocks are materialized. The caption's "trick" for the
  first layer treats the first conv as block 1's expansion, and the last 1×1 conv is consumed
  by the global pool the same way. A v3 block with squeeze-and-excitation cannot stream its
  expanded tensor: the gate needs the global pool of all of it first, so the scaled tensor is
  materialized whole. MobileNet v1 has no such blocks: every layer's output is materialized.

Pure Python on the resolved spec: no torch.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .resolve import Layer, Resolved
from .units import dtype_bytes

_FUSED = {"batch_norm", "activation", "flatten"}  # in place on the producer's output, or a view
_BLOCK_INNER = re.compile(r"^b\d+_(expand|dw)$")


def streams_bottlenecks(m: Resolved) -> bool:
    """True for architectures built of inverted residual blocks (the paper's §5 applies)."""
    return any(_BLOCK_INNER.match(layer.id) for layer in m.layers) and any(
        layer.id.endswith("_expand") for layer in m.layers)


def _readers(m: Resolved) -> dict[str, list[Layer]]:
    """Producer id -> the unfused layers that read its output (through fused BN / activations)."""
    by_id = {x.id: x for x in m.layers}
    readers: dict[str, list[Layer]] = {}
    for c in m.layers:
        if c.kind in _FUSED:
            continue
        for src in c.inputs:
            while src in by_id and by_id[src].kind in _FUSED:
                src = by_id[src].inputs[0]
            readers.setdefault(src, []).append(c)
    return readers


def _streamed(layer: Layer, readers: dict) -> bool:
    if _BLOCK_INNER.match(layer.id):
        return True
    if layer.id == "conv1":  # the first-layer trick: conv1 is block 1's expansion
        return True
    mine = readers.get(layer.id, [])  # the last 1x1 conv feeds only the global pool
    return bool(mine) and all(c.kind == "global_avg_pool" for c in mine)


@dataclass(frozen=True)
class Tensor:
    layer: str  # the layer that writes it (its BN / activation fused in)
    shape: tuple  # (C, H, W) or (features,)

    @property
    def values(self) -> int:
        return math.prod(self.shape)

    @property
    def side(self) -> int:
        return self.shape[1] if len(self.shape) == 3 else 1


@dataclass(frozen=True)
class Row:
    side: int  # spatial resolution H (= W)
    largest: Tensor
    values: int
    bytes: int


@dataclass(frozen=True)
class Footprint:
    model: str
    dtype: str
    streamed: bool  # the paper's §5 streaming applied
    rows: list  # Row, largest resolution first
    tensors: list  # every materialized Tensor, in order

    @property
    def peak(self) -> Row:
        return max(self.rows, key=lambda r: r.values)


def materialized(m: Resolved, dtype: str = "float16", stream: bool | None = None) -> Footprint:
    """Per spatial resolution, the largest tensor that must be materialized (paper Table 3)."""
    b = dtype_bytes(dtype)
    stream = streams_bottlenecks(m) if stream is None else stream
    readers = _readers(m)
    tensors = [Tensor(layer.id, tuple(layer.out_shape)) for layer in m.layers
               if layer.kind not in _FUSED and not (stream and _streamed(layer, readers))]
    best: dict[int, Tensor] = {}
    for t in tensors:
        if t.side not in best or t.values > best[t.side].values:
            best[t.side] = t
    rows = [Row(side, t, t.values, t.values * b) for side, t in sorted(best.items(), reverse=True)]
    return Footprint(m.name, dtype, stream, rows, tensors)
