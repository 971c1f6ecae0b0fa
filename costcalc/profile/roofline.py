"""Roofline model per layer: arithmetic intensity, attainable performance, memory- or compute-bound.

Williams, Waterman and Patterson, "Roofline: an insightful visual performance model for
multicore architectures" (CACM 52(4), 2009): a layer doing F FLOPs while moving B bytes has
arithmetic intensity I = F / B and can run at most at ``min(peak, I × bandwidth)``. The ridge
point ``peak / bandwidth`` separates memory-bound layers (I below it) from compute-bound ones.

Conventions, named in every output:

- FLOPs = 2·MACs (one multiply-accumulate = a multiply and an add, as FlopCounterMode counts);
  bias adds, batch norm and activations are left out, as in the papers' mult-adds.
- Bytes moved = weights read + input activations read + output written, at ``dtype`` bytes per
  element, with no cache reuse (:func:`costcalc.profile.memory.layer_memory`).

Only rows with MACs are placed on the roofline (convolutions, linear layers, matmuls). Batch
norm, activations, pooling and adds have (almost) no MACs: their intensity under this
convention is 0, so they are counted and reported as not plotted, never dropped silently.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import require_positive
from ..layers import conv_type
from .memory import dtype_bytes, layer_memory

if TYPE_CHECKING:  # torch-free at run time: an ONNX profile (costcalc.onnx.count) reads the same
    from .aten_ops import Event, Profile

# Kinds in legend / table order, with how they read.
KINDS = {
    "conv": "full conv k×k",
    "depthwise": "depthwise conv",
    "pointwise": "pointwise 1×1 conv",
    "grouped": "grouped conv",
    "linear": "linear / matmul",
    "other": "other (MACs, unclassified)",
}


@dataclass(frozen=True)
class Machine:
    """A roof: peak arithmetic throughput and memory bandwidth."""

    peak_gflops: float  # GFLOP/s, 10⁹ FLOP per second
    bandwidth_gbs: float  # GB/s, 10⁹ bytes per second
    name: str = "given"
    detail: str = ""
    assumed: bool = False  # True for the example machine: figures not measured for the user

    def __post_init__(self):
        require_positive("peak_gflops", self.peak_gflops)
        require_positive("bandwidth_gbs", self.bandwidth_gbs)

    @property
    def ridge(self) -> float:
        """FLOP/byte where the bandwidth slope meets the peak (the 10⁹s cancel)."""
        return self.peak_gflops / self.bandwidth_gbs

    def attainable(self, intensity: float) -> float:
        """GFLOP/s at most, for a layer of this intensity (FLOP/byte)."""
        return min(self.peak_gflops, intensity * self.bandwidth_gbs)


# No universal default exists; this one is named, derived in the open, and marked as assumed
# wherever it is used, so a chart never passes it off as the user's machine.
EXAMPLE_MACHINE = Machine(
    peak_gflops=768.0, bandwidth_gbs=51.2, name="example laptop CPU", assumed=True,
    detail="8 cores × 3.0 GHz × 32 float32 FLOP/cycle (two AVX2 FMA units × 8 lanes × 2) "
           "= 768 GFLOP/s; dual-channel DDR4-3200: 2 × 8 B × 3.2 GT/s = 51.2 GB/s")


@dataclass(frozen=True)
class RooflineLayer:
    name: str
    op: str
    kind: str  # a key of KINDS
    kernel: str  # '3×3', '' when not a convolution
    groups: int  # 0 when not a convolution
    out_shape: tuple
    macs: int
    param_bytes: int
    in_bytes: int
    out_bytes: int

    @property
    def flops(self) -> int:
        return 2 * self.macs  # FLOPs = 2·MACs

    @property
    def moved(self) -> int:
        return self.param_bytes + self.in_bytes + self.out_bytes

    @property
    def intensity(self) -> float:
        """FLOP per byte moved."""
        return self.flops / self.moved


@dataclass
class Roofline:
    label: str
    input_shape: tuple
    dtype: str
    machine: Machine
    layers: list[RooflineLayer]
    not_plotted: int = 0  # rows with no MACs (norm, activations, pooling, adds)
    not_plotted_bytes: int = 0
    kinds: dict = field(default_factory=lambda: dict(KINDS))

    @property
    def ridge(self) -> float:
        return self.machine.ridge

    def attainable(self, layer: RooflineLayer) -> float:
        return self.machine.attainable(layer.intensity)

    def bound(self, layer: RooflineLayer) -> str:
        return "memory" if layer.intensity < self.ridge else "compute"

    def seconds(self, layer: RooflineLayer) -> float:
        """The roofline's lower bound on the layer's time: FLOPs ÷ attainable FLOP/s."""
        return layer.flops / (self.attainable(layer) * 1e9)

    def present_kinds(self) -> list[str]:
        seen = {layer.kind for layer in self.layers}
        return [k for k in self.kinds if k in seen]

    def by_kind(self) -> list[dict]:
        """One summary per kind present, in KINDS order, then a total."""
        macs = sum(x.macs for x in self.layers) or 1
        moved = sum(x.moved for x in self.layers) or 1
        time = sum(self.seconds(x) for x in self.layers) or 1.0
        groups = [(k, [x for x in self.layers if x.kind == k]) for k in self.present_kinds()]
        groups.append(("total", self.layers))
        out = []
        for kind, xs in groups:
            if not xs:
                continue
            out.append({
                "kind": kind, "label": self.kinds.get(kind, kind), "layers": len(xs),
                "macs": sum(x.macs for x in xs), "macs_share": sum(x.macs for x in xs) / macs,
                "bytes": sum(x.moved for x in xs), "bytes_share": sum(x.moved for x in xs) / moved,
                "median_intensity": statistics.median(x.intensity for x in xs),
                "memory_bound": sum(self.bound(x) == "memory" for x in xs),
                "time_share": sum(self.seconds(x) for x in xs) / time,
            })
        return out

    def layer_rows(self) -> list[dict]:
        return [{"name": x.name, "op": x.op, "kind": x.kind, "kernel": x.kernel, "groups": x.groups,
                 "out_shape": list(x.out_shape), "macs": x.macs, "flops": x.flops,
                 "param_bytes": x.param_bytes, "in_bytes": x.in_bytes, "out_bytes": x.out_bytes,
                 "bytes": x.moved, "intensity": x.intensity, "attainable_gflops": self.attainable(x),
                 "bound": self.bound(x), "time_us": self.seconds(x) * 1e6}
                for x in self.layers]


def _conv_facts(e: Event):
    """(groups, kernel, input channels) of a convolution row, or None when they are unknown.

    Modules carry them in ``attrs``; a functional ``F.conv2d(x, w)`` has them in its shapes:
    weight (N, M/g, kh, kw) against input (n, M, h, w)."""
    a = e.attrs
    if e.source in ("module", "onnx") and {"groups", "kernel_size", "in_channels"} <= a.keys():
        k = a["kernel_size"]
        kernel = tuple(k) if isinstance(k, (tuple, list)) else (int(k),)
        return int(a["groups"]), kernel, int(a["in_channels"])
    if e.source == "function" and "transpose" not in e.op and len(e.in_shapes) >= 2:
        x, w = e.in_shapes[0], e.in_shapes[1]
        if len(x) >= 3 and len(w) == len(x) and w[1] and x[1] % w[1] == 0:
            return x[1] // w[1], tuple(w[2:]), x[1]
    return None


def classify(e: Event) -> tuple[str, str, int]:
    """(kind, kernel text, groups) of a row with MACs.

    The kind is :func:`costcalc.layers.conv_type`'s, the one rule every table uses."""
    if e.category == "linear":
        return "linear", "", 0
    facts = _conv_facts(e) if e.category == "conv" else None
    if facts is None:
        return "other", "", 0
    groups, kernel, cin = facts
    return conv_type(cin, groups, kernel), "×".join(str(k) for k in kernel), groups


def roofline(p: Profile, machine: Machine, dtype: str = "float32") -> Roofline:
    """Every row of ``p`` with MACs, classified and placed under ``machine``'s roof."""
    dtype_bytes(dtype)
    layers, skipped, skipped_bytes = [], 0, 0
    for e, m in zip(p.rows, layer_memory(p, dtype)):
        if e.category == "free":
            continue
        if e.macs <= 0 or m.moved <= 0:
            skipped += 1
            skipped_bytes += m.moved
            continue
        kind, kernel, groups = classify(e)
        layers.append(RooflineLayer(e.name, e.op, kind, kernel, groups, tuple(getattr(e, "shown_shape", ()) or e.out_shape), int(e.macs),
                                    m.param_bytes, m.in_bytes, m.out_bytes))
    return Roofline(p.label, tuple(p.input_shape), dtype, machine, layers, skipped, skipped_bytes)
