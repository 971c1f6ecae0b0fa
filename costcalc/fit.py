"""Fit a budget: every (α, resolution) of a grid within a MAC (and parameter) budget, and the
Pareto frontier among them.

The counts are :func:`costcalc.sweep.sweep`'s closed form (one resolve per α, integer matrix
products), so a 10,000-cell grid answers in a few hundredths of a second
(``benchmarks/bench_fit.py``); every cell equals ``costcalc model NAME --alpha A --resolution
R``. A configuration is on the frontier when no other within budget is at least as wide and at
least as large in input side: the ones to try first, since accuracy grows with both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .archs import get
from .errors import CostcalcError
from .resolve import PARAM_CONVENTIONS
from .sweep import Sweep, sweep

DEFAULT_ALPHAS = "0.25:1.5:0.05"
DEFAULT_RESOLUTIONS = "96:320:16"


@dataclass(frozen=True)
class Fit:
    model: str
    title: str
    sweep: Sweep  # α and resolutions ascending
    max_macs: int | None  # None: a parameter budget alone
    max_params: int | None
    convention: str  # of the parameter count (resolve.PARAM_CONVENTIONS)
    within: np.ndarray  # (α, resolution) bool
    frontier: np.ndarray  # (α, resolution) bool
    published: dict = field(default_factory=dict)  # (α, resolution) -> Ref with a top-1

    @property
    def params(self) -> np.ndarray:
        return self.sweep.params[self.convention]

    def cells(self, only_frontier: bool = False) -> list[dict]:
        """The cells within budget, α-major, as dicts of Python values."""
        sw = self.sweep
        macs, params = sw.macs.tolist(), self.params.tolist()
        out = []
        for i, j in zip(*np.nonzero(self.frontier if only_frontier else self.within)):
            a, r = sw.alphas[i], sw.resolutions[j]
            ref = self.published.get((a, r))
            out.append({"alpha": a, "resolution": r, "macs": int(macs[i][j]),
                        "params": int(params[i][j]), "macs_share": int(macs[i][j]) / self.max_macs if self.max_macs else None,
                        "frontier": bool(self.frontier[i, j]),
                        "top1": ref.top1 if ref else None, "source": ref.source if ref else None})
        return out


def pareto(within: np.ndarray) -> np.ndarray:
    """Cells of ``within`` (rows: α ascending, columns: resolution ascending) that no other
    within-budget cell matches or beats in both α and resolution."""
    # reach[i, j]: some within-budget cell at (i' >= i, j' >= j)
    reach = np.flip(np.logical_or.accumulate(np.logical_or.accumulate(
        np.flip(within, (0, 1)), axis=0), axis=1), (0, 1))
    beaten = np.zeros_like(within)
    beaten[:-1, :] |= reach[1:, :]
    beaten[:, :-1] |= reach[:, 1:]
    return within & ~beaten


def fit(name: str, max_macs: int | None, max_params: int | None = None, alphas=(), resolutions=(),
        growth_rate: int | None = None, convention: str = "weights", on_step=None) -> Fit:
    """Every cell of the α × resolution grid within budget (MACs, parameters or both), and its
    Pareto frontier."""
    arch = get(name)
    if convention not in PARAM_CONVENTIONS:
        raise CostcalcError(f"unknown parameter convention {convention!r}; known: "
                            f"{', '.join(PARAM_CONVENTIONS)}")
    if max_macs is None and max_params is None:
        raise CostcalcError("give a budget: --max-macs, --max-params or both")
    if (max_macs is not None and max_macs <= 0) or (max_params is not None and max_params <= 0):
        raise CostcalcError("budgets must be positive")
    sw = sweep(name, sorted(set(float(a) for a in alphas)), sorted(set(int(r) for r in resolutions)),
               growth_rate, on_step=on_step)
    within = sw.macs <= max_macs if max_macs is not None else np.ones(sw.macs.shape, dtype=bool)
    if max_params is not None:
        within &= sw.params[convention] <= max_params
    within = np.asarray(within, dtype=bool)
    pubs = {(float(r.alpha), int(r.resolution)): r for r in arch.published if r.top1 is not None}
    return Fit(name, arch.title, sw, None if max_macs is None else int(max_macs),
               None if max_params is None else int(max_params),
               convention, within, pareto(within), pubs)


__all__ = ["DEFAULT_ALPHAS", "DEFAULT_RESOLUTIONS", "Fit", "fit", "pareto"]
