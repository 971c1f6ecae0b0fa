"""Timing statistics and layer-kind shares, shared by the PyTorch and ONNX Runtime benches.

Torch-free, so ``costcalc bench model.onnx --runtime onnxruntime`` runs without torch installed.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

SPREAD = "interquartile range (25th–75th percentile)"
KIND_ORDER = ("Conv 1×1", "Conv DW 3×3", "Conv 3×3", "FC", "BN", "activation", "pool", "add",
              "concat", "other")


# -- statistics ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stats:
    """Repeated timings of one thing, in seconds: median, quartiles, extremes."""

    median: float
    q1: float
    q3: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, times) -> "Stats":
        xs = sorted(float(t) for t in times)
        if not xs:
            raise ValueError("no timings")
        # quartiles by linear interpolation between closest ranks (numpy's default)
        q1, median, q3 = statistics.quantiles(xs, n=4, method="inclusive") if len(xs) > 1 else xs * 3
        return cls(median, q1, q3, xs[0], xs[-1], len(xs))

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    def ms(self) -> dict:
        return {"median_ms": 1e3 * self.median, "q1_ms": 1e3 * self.q1, "q3_ms": 1e3 * self.q3,
                "min_ms": 1e3 * self.min, "max_ms": 1e3 * self.max, "runs": self.n}


def _kind_key(kind: str) -> tuple:
    """Table 2's order; other convolutions after 'Conv 3×3', other kinds before 'other'."""
    if kind in KIND_ORDER:
        return (KIND_ORDER.index(kind), "")
    return (2.5 if kind.startswith(("Conv", "ConvTranspose")) else len(KIND_ORDER) - 1.5, kind)


@dataclass(frozen=True)
class KindTiming:
    kind: str
    layers: int
    macs: int
    macs_share: float  # of the model's MACs
    time: float  # sum of the layers' median times, seconds
    time_share: float  # of the summed per-layer medians

    @property
    def gmacs_per_s(self) -> float | None:
        return self.macs / self.time / 1e9 if self.macs and self.time > 0 else None

    @property
    def time_per_mac_share(self) -> float | None:
        """Share of time ÷ share of MACs: above 1, the kind is slower per MAC than the model."""
        return self.time_share / self.macs_share if self.macs_share else None


def by_kind(items) -> list[KindTiming]:
    """One KindTiming per kind, in Table 2's order, from (kind, MACs, median seconds) per layer."""
    macs: dict[str, int] = {}
    secs: dict[str, float] = {}
    count: dict[str, int] = {}
    for kind, m, t in items:
        macs[kind] = macs.get(kind, 0) + m
        secs[kind] = secs.get(kind, 0.0) + t
        count[kind] = count.get(kind, 0) + 1
    tm, ts = sum(macs.values()), sum(secs.values())
    return [KindTiming(k, count[k], macs[k], macs[k] / tm if tm else 0.0, secs[k],
                       secs[k] / ts if ts else 0.0)
            for k in sorted(macs, key=_kind_key)]
