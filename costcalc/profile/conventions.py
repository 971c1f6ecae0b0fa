"""One forward pass, re-totalled under each counting convention; each name means one thing.

Each convention is a function of a :class:`~costcalc.profile.aten_ops.Profile` and a
:class:`Coverage` returning ``{category: count}`` (the total is the sum). In ``Coverage.missing``
it records what it could not model — something the real tool would price that costcalc cannot
see or has no rule for — by name, with the number of calls; a convention with nothing missing
is exact, otherwise its total is a lower bound (every tool's rules price work at 0 or more).
``Coverage.assumed`` names what it counted on an assumption the profile cannot check.

The names, here and in every command (the one place to rename or add one):

- ``paper`` (also ``macs``): conv + linear multiply-accumulates, bias excluded — the MobileNet
  papers' mult-adds, and what ``costcalc model`` and ``costcalc compare`` print as "MACs".
- ``all-ops``: costcalc's full count, every arithmetic op once: MACs, bias adds, normalization
  (one op per element), activations, pooling (a k×k window: k² comparisons or adds per output
  element, the work done; global and adaptive average pooling: one add per input element),
  resampling, residual adds. Before
  the rename this was ``--convention macs``; ``macs`` now means ``paper``.
- ``flops``: ``torch.utils.flop_counter.FlopCounterMode``: 2·MACs of products, convolutions and
  fused attention; bias, normalization, activations, pooling and adds left out.
- ``fvcore``, ``torchprofile``, ``ptflops``, ``thop``, ``torchinfo``: each tool's default
  rules, read from its source (:mod:`costcalc.profile.peers`, one module per tool).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from ..errors import CostcalcError
from .aten_ops import CATEGORIES, Profile


@dataclass(frozen=True)
class Convention:
    name: str
    title: str
    fn: Callable[[Profile, "Coverage"], dict]
    tool: str = ""  # the peer's import name, when the convention mirrors an installable tool


CONVENTIONS: dict[str, Convention] = {}
ALIASES = {"macs": "paper"}  # another spelling of the same number
TITLES: dict[str, str] = {}


def convention(name: str, title: str, tool: str = ""):
    def deco(fn):
        if name in CONVENTIONS or name in ALIASES:
            raise RuntimeError(f"convention {name!r} registered twice")
        CONVENTIONS[name] = Convention(name, title, fn, tool)
        TITLES[name] = title
        return fn

    return deco


@dataclass
class Coverage:
    """What a convention could not model, and what it assumed: {item: calls}."""

    missing: Counter = field(default_factory=Counter)
    assumed: Counter = field(default_factory=Counter)


@dataclass
class Result:
    """A convention's count on one profile, and what it could not model (empty: exact)."""

    by_category: dict
    missing: dict = field(default_factory=dict)  # what is not modelled -> calls
    assumed: dict = field(default_factory=dict)  # counted on an assumption -> calls

    @property
    def total(self):
        return sum(self.by_category.values())

    @property
    def exact(self) -> bool:
        return not self.missing


def blank() -> dict:
    return {c: 0 for c in CATEGORIES}


def canonical(name: str) -> str:
    name = ALIASES.get(name, name)
    if name not in CONVENTIONS:
        known = ", ".join([*CONVENTIONS, *ALIASES])
        from ..onnx.conventions import CONVENTIONS as ONNX_ONLY  # only on this error path

        if name in ONNX_ONLY:
            raise CostcalcError(f"convention {name!r} prices ONNX graph nodes, so it applies to .onnx "
                                f"files only (write one with costcalc export); for a torch model: {known}")
        raise CostcalcError(f"unknown convention {name!r}; known: {known}")
    return name


def evaluate(p: Profile, names=None) -> dict[str, Result]:
    """{convention: Result} for the named conventions (all by default; aliases allowed)."""
    out = {}
    for n in names or CONVENTIONS:
        cov = Coverage()
        try:
            by_cat = CONVENTIONS[canonical(n)].fn(p, cov)
        except Exception as e:  # a model no rule foresaw: say so in the column, do not fail the command
            by_cat = blank()
            cov.missing[f"its rules could not be applied here ({type(e).__name__}: {e})"] += 1
        out[n] = Result(by_cat, dict(sorted(cov.missing.items())), dict(sorted(cov.assumed.items())))
    return out


def get(name: str):
    """The convention's ``Profile -> {category: count}`` function."""
    fn = CONVENTIONS[canonical(name)].fn
    return lambda p: fn(p, Coverage())


def totals(p: Profile, names=None) -> dict:
    """{convention: {category: count}} for the named conventions (all by default)."""
    return {n: r.by_category for n, r in evaluate(p, names).items()}


# -- costcalc's own conventions ---------------------------------------------------------------

@convention("paper", "conv + linear multiply-accumulates, no bias (the papers' mult-adds; macs is the same)")
def paper(p: Profile, cov: Coverage) -> dict:
    """The all-ops convention's conv and linear rows alone."""
    return {k: v if k in ("conv", "linear") else 0 for k, v in all_ops(p, cov).items()}


@convention("all-ops", "costcalc's full count, every op once (MACs, bias, norm, activations, pooling, adds)")
def all_ops(p: Profile, cov: Coverage) -> dict:
    out = blank()
    for e in p.rows:
        if e.category in ("conv", "linear"):
            out[e.category] += e.macs
            out["bias"] += e.bias_ops
        elif e.category in out:
            out[e.category] += e.ops
        elif e.category not in ("free", "unknown"):
            out["other"] += e.ops
    for op, n in p.unattributed.items():
        cov.missing[f"aten.{op} (no costcalc rule)"] += n
    return out


@convention("flops", "torch FlopCounterMode: 2·MACs of conv and matmul")
def flops(p: Profile, cov: Coverage) -> dict:
    out = blank()
    for e in p.rows:
        if e.source == "function":
            for a in e.aten:
                if a.flops:
                    out[a.category] += a.flops
        elif e.flops:
            out[e.category] += e.flops
    from torch.utils.flop_counter import flop_registry

    priced = {getattr(op, "__name__", str(op)).split(".")[-1] for op in flop_registry}
    for op, n in p.unattributed.items():
        if op in priced:  # FlopCounterMode has a formula for it, costcalc none
            cov.missing[f"aten.{op} (FlopCounterMode prices it)"] += n
    return out


from . import peers  # noqa: E402,F401  (registers the peer conventions, in reconcile's column order)
