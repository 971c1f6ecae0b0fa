"""α × resolution sweeps: the exact count of every cell, from a closed form per architecture.

Resolving one cell takes about a millisecond and building + hook-counting it in torch about a
hundred, so a sweep does neither per cell. It relies on one structural fact of every registered
spec: each count that a layer carries is a product of a *channel term*, which depends only on α
(the width rule sees channels and α, never the input size), and a *spatial term*, which depends
only on the resolution (kernels, strides and padding never see α):

    conv2d            macs = weights · Ho·Wo            weights, bias: channel terms
    conv_transpose2d  macs = weights · Hi·Wi
    linear            macs = weights = (C·out) · H·W    H·W = 1 unless fed by a flatten of C×H×W
    batch_norm        γ, β, running mean / var = 2C     channel terms

So a sweep resolves each distinct α once, at the first resolution, through
:func:`costcalc.archs.resolve_model` — resolve.py stays the only place that applies α, channel
rounding, strides and sizes — and reads the channel terms off the resolved layers. The spatial
terms of every resolution come from one pass over those resolved layers, their registry formulas
evaluated on a numpy vector of input sides (see :func:`_replay_sides`), checked against real
resolves at the smallest and largest resolution (and, should the pass not apply, taken from one
resolve per resolution). The counts are then integer matrix products,
``count[α, r] = A[α, :] @ S[:, r]`` (numpy int64 when a bound on the largest cell fits, Python
ints otherwise). An architecture whose layers break the pattern (a kind not listed above carrying
a count, or a layer set that moves with α or resolution) is swept cell by cell: slower, exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np

from . import layers
from .archs import ARCHS, get, resolve_model
from .errors import CostcalcError
from .ranges import parse_values as parse_list  # the one list/range parser, re-exported
from .resolve import PARAM_CONVENTIONS, Resolved

FIELDS = ("macs", "params", "bias", "bn_affine", "bn_stats")
MAX_CELLS = 1_000_000  # cells in one sweep
_INT64_MAX = 2**63 - 1


# -- the sweep ----------------------------------------------------------------------------------

# kinds whose counts factor as (channel term) × (spatial term), and the fields (of FIELDS) that
# carry the spatial term; their other fields, and every field of every other kind, are zero or
# channel terms alone. A layer of another kind that carries a count voids the closed form.
_FACTORED = {"conv2d": ("macs",), "conv_transpose2d": ("macs",), "linear": ("macs", "params"),
             "batch_norm": ()}
_MASK = {kind: tuple(f in spatial for f in FIELDS) for kind, spatial in _FACTORED.items()}


def _counts(m: Resolved):
    """(ids, kinds, [per-layer FIELDS values]) of the layers that carry counts, or None when a
    layer of a kind outside _FACTORED carries one."""
    ids, kinds, vals = [], [], []
    for l in m.layers:
        c = l.cost
        if l.kind in _FACTORED:
            ids.append(l.id)
            kinds.append(l.kind)
            vals.append((c.macs, c.params, c.bias, c.bn_affine, c.bn_stats))
        elif c.macs or c.params or c.bias or c.bn_affine or c.bn_stats:
            return None
    return tuple(ids), tuple(kinds), vals


def _spatial(m: Resolved, hw: dict, one=1) -> list:
    """The spatial term of each layer of ``m`` that carries counts, from ``hw`` (layer id ->
    output (H, W), "input" included): Ho·Wo of a conv's output, Hi·Wi of a transposed conv's
    input, H·W of the map a linear layer's flatten unrolls (1 for any other linear and for BN).
    """
    by_id = {l.id: l for l in m.layers}
    out = []
    for l in m.layers:
        if l.kind not in _FACTORED:
            continue
        h = w = 1
        if l.kind == "conv2d":
            h, w = hw[l.id]
        elif l.kind == "conv_transpose2d":
            h, w = hw[l.inputs[0]]
        elif l.kind == "linear":
            src = by_id.get(l.inputs[0])
            if src is not None and src.kind == "flatten":
                h, w = hw[src.inputs[0]]
        out.append(one * h * w)
    return out


def _sides(m: Resolved) -> tuple:
    """(ids, spatial terms) of the layers of ``m`` that carry counts, read off its shapes."""
    hw = {"input": (m.resolution, m.resolution)}
    hw.update((l.id, l.out_shape[1:]) for l in m.layers if len(l.out_shape) == 3)
    return tuple(l.id for l in m.layers if l.kind in _FACTORED), _spatial(m, hw)


def _array(rows):
    """An int64 array, or an object array of Python ints when a value does not fit."""
    try:
        return np.array(rows, dtype=np.int64)
    except OverflowError:
        return np.array(rows, dtype=object)


@dataclass(frozen=True)
class Sweep:
    """Exact counts over an α × resolution grid: ``macs[i, j]`` is at ``alphas[i]``,
    ``resolutions[j]``; ``params[convention]`` likewise (see resolve.PARAM_CONVENTIONS)."""

    model: str
    alphas: tuple
    resolutions: tuple
    macs: np.ndarray
    params: dict
    options: dict = field(default_factory=dict)
    method: str = "closed form"
    resolves: int = 0

    @property
    def cells(self) -> int:
        return len(self.alphas) * len(self.resolutions)

    def cell(self, alpha: float, resolution: int, convention: str = "weights") -> tuple[int, int]:
        i, j = self.alphas.index(float(alpha)), self.resolutions.index(int(resolution))
        return int(self.macs[i, j]), int(self.params[convention][i, j])

    def rows(self, convention: str = "weights") -> list[dict]:
        """One dict per cell, α-major, with Python ints."""
        macs, params = self.macs.tolist(), self.params[convention].tolist()
        return [{"alpha": a, "resolution": r, "macs": int(macs[i][j]), "params": int(params[i][j])}
                for i, a in enumerate(self.alphas) for j, r in enumerate(self.resolutions)]

    def frame(self, convention: str = "weights"):
        """The long table as a pandas DataFrame: alpha, resolution, macs, params."""
        import pandas as pd

        na, nr = len(self.alphas), len(self.resolutions)
        return pd.DataFrame({
            "alpha": np.repeat(np.asarray(self.alphas, dtype=float), nr),
            "resolution": np.tile(np.asarray(self.resolutions, dtype=np.int64), na),
            "macs": self.macs.reshape(-1),
            "params": self.params[convention].reshape(-1),
        })


def sweep(name: str, alphas: Sequence[float], resolutions: Sequence[int],
          growth_rate: int | None = None,
          on_step: Callable[[int, int], None] | None = None) -> Sweep:
    """Every (α, resolution) cell of ``name``, each equal to ``resolve_model(name, α, r)``.

    ``on_step(done, total)`` is called after each resolve (a progress bar's hook).
    """
    get(name)
    alphas = tuple(float(a) for a in dict.fromkeys(alphas))
    resolutions = tuple(dict.fromkeys(resolutions))
    if not alphas or not resolutions:
        raise CostcalcError("a sweep needs at least one α and one resolution")
    for r in resolutions:
        if int(r) != r:
            raise CostcalcError(f"--resolution must be whole numbers of pixels, got {r}")
    resolutions = tuple(int(r) for r in resolutions)
    if len(alphas) * len(resolutions) > MAX_CELLS:
        raise CostcalcError(f"{len(alphas)} α × {len(resolutions)} resolutions = "
                            f"{len(alphas) * len(resolutions):,} cells, more than {MAX_CELLS:,}")
    opts = {} if growth_rate is None else {"growth_rate": growth_rate}
    result = _closed_form(name, alphas, resolutions, growth_rate, on_step)
    if result is None:
        result = _per_cell(name, alphas, resolutions, growth_rate, on_step)
    macs, fields, method, resolves = result
    params = {conv: sum((fields[f] for f in PARAM_CONVENTIONS[conv][0]), start=0 * macs)
              for conv in PARAM_CONVENTIONS}
    return Sweep(name, alphas, resolutions, macs, params, opts, method, resolves)


def _replay_sides(m: Resolved, resolutions) -> list | None:
    """Spatial terms (layer, resolution) for every resolution at once, from one resolved model.

    Walks ``m``'s layers in order and re-evaluates each one's registry formula
    (:func:`costcalc.layers.cost`, the formula resolve.py used) with its input side replaced by a
    numpy vector of sides, one per resolution; the formulas use only ``*, +, //``, so they take
    vectors as they take ints and sympy symbols. Kernels, strides, padding and wiring are the
    resolved layer's own. The vector path skips the formulas' "kernel larger than the input"
    check, so callers resolve the smallest resolution through resolve_model (sides grow with the
    input side, so if the smallest fits, all do). None when a layer's shape cannot be replayed.
    """
    if max(resolutions) > 2**31 - 1:  # H·W could leave int64
        return None
    R = np.asarray(resolutions, dtype=np.int64)
    hw: dict = {"input": (R, R)}
    for l in m.layers:
        src = hw.get(l.inputs[0]) if l.inputs else None
        if src is None or "h" not in l.args or "w" not in l.args:
            if l.kind in ("conv2d", "conv_transpose2d", "batch_norm"):
                return None
            hw[l.id] = None  # 1-D from here on (flatten, linear)
            continue
        try:
            out = layers.cost(l.kind, **{**l.args, "h": src[0], "w": src[1]}).out_shape
        except (TypeError, ValueError, ArithmeticError, CostcalcError):
            return None  # a formula that needs ints: resolve each resolution instead
        hw[l.id] = (out[1], out[2]) if len(out) == 3 else None
    return [t.tolist() for t in _spatial(m, hw, np.ones_like(R))]


@dataclass(frozen=True)
class Factors:
    """The closed form itself: for every layer that carries counts, its channel terms (one row
    per α) and its spatial terms (one column per resolution). ``count(field)[α, layer, r]`` is
    ``channel[field][α, layer] · spatial[field][layer, r]``; summed over layers, the sweep."""

    ids: tuple  # layer ids, in execution order
    kinds: tuple
    channel: dict  # field -> (α, layer) array
    spatial: dict  # field -> (layer, resolution) array (ones where the field has no spatial term)
    resolves: int


def factors(name: str, alphas: Sequence[float], resolutions: Sequence[int],
            growth_rate: int | None = None,
            on_step: Callable[[int, int], None] | None = None) -> Factors | None:
    """The channel and spatial terms of every count-carrying layer of ``name`` over the grid
    (each distinct α resolved once), or None when the architecture breaks the pattern (a
    count outside the factored kinds, a layer set that moves with α or resolution)."""
    alphas = tuple(float(a) for a in dict.fromkeys(alphas))
    resolutions = tuple(int(r) for r in dict.fromkeys(resolutions))
    a0, r0 = alphas[0], resolutions[0]
    checks = [r for r in dict.fromkeys((min(resolutions), max(resolutions))) if r != r0]
    total = len(alphas) + len(checks)
    done = 0

    def resolve(a, r):
        nonlocal done
        m = resolve_model(name, a, r, growth_rate=growth_rate)
        done += 1
        if on_step:
            on_step(done, total)
        return m

    ref = resolve(a0, r0)
    counted = _counts(ref)
    if counted is None:
        return None
    ids, kinds, _ = counted
    vals = []  # per α: the counts of every layer at (α, r0)
    for a in alphas:
        c = counted if a == a0 else _counts(resolve(a, r0))
        if c is None or c[0] != ids or c[1] != kinds:
            return None  # a count outside the pattern, or a layer set that moves with α
        vals.append(c[2])
    # spatial terms: all resolutions in one vector pass over the reference layers, checked
    # against real resolves at r0 and at the smallest and largest resolution
    S = _replay_sides(ref, resolutions)
    at = {r0: ref}  # resolved at (α0, r)
    for r in [r0] + checks:
        at[r] = at.get(r) or resolve(a0, r)
        sid, s = _sides(at[r])
        if sid != ids:
            return None  # the layer set moves with the resolution
        if S is not None and [row[resolutions.index(r)] for row in S] != s:
            S = None
    if S is None:  # no vector pass: resolve every resolution
        total += len(resolutions) - len(at)
        cols = [_sides(at.get(r) or resolve(a0, r)) for r in resolutions]
        if any(sid != ids for sid, _ in cols):
            return None
        S = [list(row) for row in zip(*(s for _, s in cols))]
    V = _array(vals)  # (α, layer, field)
    S = _array(S)  # (layer, resolution)
    s0 = S[:, 0]
    mask = np.array([_MASK[k] for k in kinds], dtype=bool)  # (layer, field): spatial or not
    ones = np.ones_like(S)
    channel, spatial = {}, {}
    for f, name_ in enumerate(FIELDS):
        m = mask[:, f]
        A = V[:, :, f].copy()  # channel terms: the value at r0 over its spatial term there
        if m.any():
            assert not (A[:, m] % s0[m]).any(), f"{name}: {name_} is not a product"
            A[:, m] //= s0[m]
        channel[name_], spatial[name_] = A, np.where(m[:, None], S, ones)
    return Factors(ids, kinds, channel, spatial, done)


def _closed_form(name, alphas, resolutions, growth_rate, on_step):
    fx = factors(name, alphas, resolutions, growth_rate, on_step)
    if fx is None:
        return None
    out = {}
    for f in FIELDS:
        A, Sf = fx.channel[f], fx.spatial[f]
        amax = np.abs(A).max(axis=0).tolist()
        smax = Sf.max(axis=1).tolist()
        bound = sum(int(x) * int(y) for x, y in zip(amax, smax))
        if bound > _INT64_MAX // (2 * len(FIELDS)) and A.dtype != object:
            A, Sf = A.astype(object), Sf.astype(object)
        out[f] = A @ Sf
    return out["macs"], out, "closed form", fx.resolves


def _per_cell(name, alphas, resolutions, growth_rate, on_step):
    total = len(alphas) * len(resolutions)
    vals = {f: [[0] * len(resolutions) for _ in alphas] for f in FIELDS}
    done = 0
    for i, a in enumerate(alphas):
        for j, r in enumerate(resolutions):
            m = resolve_model(name, a, r, growth_rate=growth_rate)
            for f in FIELDS:
                vals[f][i][j] = m.total(f)
            done += 1
            if on_step:
                on_step(done, total)
    big = max(max(max(row) for row in vals[f]) for f in FIELDS) > _INT64_MAX // len(FIELDS)
    out = {f: np.array(v, dtype=object if big else np.int64) for f, v in vals.items()}
    return out["macs"], out, "per cell", done


# -- data for the charts ------------------------------------------------------------------------

def reference(name: str, growth_rate: int | None = None) -> Resolved:
    """The architecture at α = 1 and its default resolution: the α²ρ² law's anchor."""
    return resolve_model(name, 1.0, get(name).default_resolution, growth_rate=growth_rate)


def scaling_law(sw: Sweep) -> np.ndarray:
    """MACs the α²ρ² law predicts for each cell: MACs(1, R)·α²·(r/R)², R the default side."""
    ref = reference(sw.model, sw.options.get("growth_rate"))
    a = np.asarray(sw.alphas, dtype=float)[:, None]
    rho = np.asarray(sw.resolutions, dtype=float)[None, :] / ref.resolution
    return ref.macs * a**2 * rho**2


def published_points(name: str) -> list[dict]:
    """The papers' top-1 figures for ``name``, each beside costcalc's exact count of its cell."""
    out = []
    for ref in get(name).published:
        if ref.top1 is None:
            continue
        m = resolve_model(name, ref.alpha, ref.resolution)
        arch = get(name)
        out.append({"model": name, "title": arch.title,
                    "default_resolution": arch.default_resolution, "alpha": ref.alpha,
                    "resolution": ref.resolution, "macs": m.macs, "params": m.params(),
                    "top1": ref.top1, "paper_macs_m": ref.macs_m, "paper_params_m": ref.params_m,
                    "source": ref.source})
    return out


CHARTS = ("macs-params", "heatmap", "accuracy", "scaling")
COMPARE_WITH = ("mobilenet_v1", "mobilenet_v2")  # drawn beside the swept model on "accuracy"


def chart(sw: Sweep, kind: str, convention: str = "weights"):
    """The Figure of one chart kind for a sweep: gathers its data here, draws it with the pure
    functions of costcalc.report.plots (matplotlib imported only now)."""
    from .report import plots

    check_chart(sw.model, kind)
    title = get(sw.model).title
    if kind == "macs-params":
        return plots.macs_params(sw.frame(convention), f"{title}: MACs vs parameters",
                                 PARAM_CONVENTIONS[convention][1])
    if kind == "heatmap":
        return plots.heatmap(sw.alphas, sw.resolutions, sw.macs.tolist(),
                             f"{title}: MACs over α × resolution")
    if kind == "accuracy":
        family = [sw.model] + [m for m in COMPARE_WITH if m != sw.model]
        points = [p for m in family for p in published_points(m)]
        return plots.accuracy(points, "Exact MACs vs published ImageNet top-1 "
                                      "(labels: α·resolution, top-1)")
    if kind == "scaling":
        ref = reference(sw.model, sw.options.get("growth_rate"))
        return plots.scaling(sw.alphas, sw.resolutions, sw.macs.tolist(), scaling_law(sw).tolist(),
                             f"{ref.macs / 1e6:.1f}M", f"{title}: the α²ρ² law against the exact "
                             f"count (anchor α = 1, {ref.resolution} px)")
    raise AssertionError(kind)  # check_chart lets no other kind through


def check_chart(name: str, kind: str) -> None:
    """Fail early, before a sweep, on a chart that cannot be drawn for ``name``."""
    if kind not in CHARTS:
        raise CostcalcError(f"unknown chart {kind!r}; known: {', '.join(CHARTS)}")
    if kind == "accuracy" and not any(r.top1 for r in get(name).published):
        have = ", ".join(n for n, a in ARCHS.items() if any(r.top1 for r in a.published))
        raise CostcalcError(f"no published top-1 accuracy for {name}; --chart accuracy needs "
                            f"one of: {have}")


def separable_ratio(kernels: Sequence[int], channels: Sequence[int]) -> dict[int, list[Fraction]]:
    """Depthwise separable ÷ standard MACs for each kernel Dk and each N (M = N, Df = 1; the
    ratio is 1/N + 1/Dk² whatever M and Df), from the registry's own formulas."""
    out = {}
    for k in kernels:
        out[k] = [Fraction(layers.separable(k, n, n, 1).macs, layers.standard(k, n, n, 1).macs)
                  for n in channels]
    return out


def ratio_chart(kernels: Sequence[int], channels: Sequence[int]):
    """The Figure of the separable ÷ standard ratio: a curve through every N between the
    smallest and largest channel count (400 log-spaced N beyond 2,000 of them), dots at
    ``channels``; every value from the registry's formulas."""
    from .report import plots

    ns = sorted(set(int(n) for n in channels))
    lo, hi = ns[0], ns[-1]
    if hi - lo <= 2000:
        curve_n = list(range(lo, hi + 1))
    else:
        curve_n = sorted(set(np.geomspace(lo, hi, 400).round().astype(int).tolist()) | set(ns))
    as_float = lambda d: {k: [float(v) for v in vs] for k, vs in d.items()}  # noqa: E731
    return plots.ratio(list(kernels), curve_n, as_float(separable_ratio(kernels, curve_n)),
                       ns, as_float(separable_ratio(kernels, ns)))


__all__ = ["CHARTS", "Factors", "Sweep", "chart", "check_chart", "factors", "parse_list", "published_points",
           "ratio_chart", "reference", "scaling_law", "separable_ratio", "sweep"]
