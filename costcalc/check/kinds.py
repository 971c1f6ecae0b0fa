"""The reference formulas a hand-written one is checked against: each one a call into
:mod:`costcalc.layers` with the canonical symbols, never a retyped product.

The kinds follow the derivations of :mod:`costcalc.derivations` (MobileNet v1 §3, ShuffleNet,
MobileNet v2 §3.3); ``ratio`` is separable / standard (``inverse_ratio`` standard / separable,
for a text that states it that way round), the ``spatial_*`` kinds are a k×k filter
against k×1 then 1×k on one Di×Di image (valid padding, stride 1), ``v2_block`` is the
expand-depthwise-project bottleneck, ``out_side`` the output side of a convolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from .. import layers
from ..errors import CostcalcError
from ..symbolic import SYM


@dataclass(frozen=True)
class RefKind:
    name: str
    title: str
    build: Callable[[Callable[[str], sp.Expr]], sp.Expr]  # role -> symbol (maybe α/ρ-scaled)
    what: str = "MACs"  # MACs | params | ratio | side
    family: str | None = None  # the reading of the author's names: None | spatial | v2
    scalable: bool = True  # whether α (channels) and ρ (resolution) apply
    per_output: str | None = None  # the kind this one is the per-output-value cost of
    equal_parts: int = 0  # a sum of this many equal passes (k×1 then 1×k, for large images)
    optional: tuple = ()  # (role, neutral value): a formula that leaves the role out means it


def _macs(fn, *roles):
    return lambda r: fn(*(r(x) for x in roles)).macs


def _params(fn, *roles):
    return lambda r: fn(*(r(x) for x in roles)).params


def _per_output(fn, *roles):
    """MACs per output value (one filter at one position, 'a single convolution operation'):
    the layer's MACs over its output elements."""
    def build(r):
        c = fn(*(r(x) for x in roles))
        return c.macs / c.out_elems
    return build


def _ratio(r):
    return layers.separable(r("Dk"), r("M"), r("N"), r("Df")).macs / \
        layers.standard(r("Dk"), r("M"), r("N"), r("Df")).macs


def _spatial_ratio(r):
    return layers.spatial_separable_image(r("Dk"), r("Di")).macs / \
        layers.spatial_standard_image(r("Dk"), r("Di")).macs


_KINDS = [
    RefKind("standard", "standard convolution MACs", _macs(layers.standard, "Dk", "M", "N", "Df")),
    RefKind("depthwise", "depthwise convolution MACs", _macs(layers.depthwise, "Dk", "M", "Df")),
    RefKind("pointwise", "pointwise (1×1) convolution MACs", _macs(layers.pointwise, "M", "N", "Df")),
    RefKind("separable", "depthwise separable convolution MACs",
            _macs(layers.separable, "Dk", "M", "N", "Df")),
    RefKind("ratio", "separable / standard MACs", _ratio, what="ratio"),
    RefKind("inverse_ratio", "standard / separable MACs", lambda r: 1 / _ratio(r), what="ratio"),
    RefKind("grouped", "grouped convolution MACs", _macs(layers.grouped, "Dk", "M", "N", "Df", "g")),
    RefKind("pointwise_grouped", "grouped pointwise convolution MACs (ShuffleNet)",
            _macs(layers.pointwise_grouped, "M", "N", "Df", "g")),
    RefKind("dilated", "dilated convolution MACs", _macs(layers.dilated, "Dk", "M", "N", "Df", "d")),
    RefKind("transposed", "transposed convolution MACs (stride 1, no padding)",
            _macs(layers.transposed, "Dk", "M", "N", "Di", "g"), optional=(("g", 1),)),
    RefKind("spatial_standard", "k×k filter on an N×N image (valid, stride 1) MACs",
            _macs(layers.spatial_standard_image, "Dk", "Di"), family="spatial", scalable=False),
    RefKind("spatial_separable", "k×1 then 1×k on an N×N image (valid, stride 1) MACs",
            _macs(layers.spatial_separable_image, "Dk", "Di"), family="spatial", scalable=False),
    RefKind("spatial_ratio", "spatially separable / k×k MACs on an N×N image", _spatial_ratio,
            what="ratio", family="spatial", scalable=False),
    RefKind("spatial_inverse_ratio", "k×k / spatially separable MACs on an N×N image",
            lambda r: 1 / _spatial_ratio(r), what="ratio", family="spatial", scalable=False),
    RefKind("v2_block", "MobileNet v2 bottleneck MACs (1×1 expand, depthwise, 1×1 project; t > 1)",
            _macs(layers.v2_block, "Dk", "M", "N", "Di", "Df", "t"), family="v2"),
    RefKind("standard_params", "standard convolution weights",
            _params(layers.standard, "Dk", "M", "N", "Df"), what="params"),
    RefKind("depthwise_params", "depthwise convolution weights",
            _params(layers.depthwise, "Dk", "M", "Df"), what="params"),
    RefKind("pointwise_params", "pointwise convolution weights",
            _params(layers.pointwise, "M", "N", "Df"), what="params"),
    RefKind("separable_params", "depthwise separable convolution weights",
            _params(layers.separable, "Dk", "M", "N", "Df"), what="params"),
    RefKind("grouped_params", "grouped convolution weights",
            _params(layers.grouped, "Dk", "M", "N", "Df", "g"), what="params"),
    RefKind("standard_per_output", "standard convolution MACs per output value",
            _per_output(layers.standard, "Dk", "M", "N", "Df"), what="MACs per output",
            per_output="standard"),
    RefKind("depthwise_per_output", "depthwise convolution MACs per output value",
            _per_output(layers.depthwise, "Dk", "M", "Df"), what="MACs per output",
            per_output="depthwise"),
    RefKind("pointwise_per_output", "pointwise convolution MACs per output value",
            _per_output(layers.pointwise, "M", "N", "Df"), what="MACs per output",
            per_output="pointwise"),
    RefKind("grouped_per_output", "grouped convolution MACs per output value",
            _per_output(layers.grouped, "Dk", "M", "N", "Df", "g"), what="MACs per output",
            per_output="grouped"),
    RefKind("spatial_standard_per_output", "k×k filter on one channel: MACs per output value",
            _per_output(layers.spatial_standard_image, "Dk", "Di"), what="MACs per output",
            family="spatial", scalable=False, per_output="spatial_standard"),
    RefKind("spatial_separable_per_output", "k×1 then 1×k on one channel: MACs per output value",
            _per_output(layers.spatial_separable_image, "Dk", "Di"), what="MACs per output",
            family="spatial", scalable=False, per_output="spatial_separable", equal_parts=2),
    RefKind("out_side", "output side of a convolution",
            lambda r: layers.out_side(r("Di"), r("Dk"), r("s"), r("p"), r("d")), what="side",
            scalable=False, optional=(("d", 1),)),
]
# The ratio of any two of the four convolutions a MobileNet text compares ('a pointwise convolution
# is 1/Dk² of a standard one', 'a standard convolution costs N times a depthwise one'):
# ``A_over_B`` is A's MACs / B's MACs; separable / standard keeps its names ``ratio`` and
# ``inverse_ratio``.
PAIR_MEMBERS = ("standard", "depthwise", "pointwise", "separable")
_MEMBER_MACS = {"standard": _macs(layers.standard, "Dk", "M", "N", "Df"),
                "depthwise": _macs(layers.depthwise, "Dk", "M", "Df"),
                "pointwise": _macs(layers.pointwise, "M", "N", "Df"),
                "separable": _macs(layers.separable, "Dk", "M", "N", "Df")}


def pair_kind(num: str, den: str) -> str:
    """The kind of the ratio num / den of two of :data:`PAIR_MEMBERS`."""
    return {("separable", "standard"): "ratio", ("standard", "separable"): "inverse_ratio"}.get(
        (num, den), f"{num}_over_{den}")


def _pair(num: str, den: str):
    return lambda r: _MEMBER_MACS[num](r) / _MEMBER_MACS[den](r)


for _a in PAIR_MEMBERS:
    for _b in PAIR_MEMBERS:
        if _a != _b and pair_kind(_a, _b).endswith(f"_over_{_b}"):
            _KINDS.append(RefKind(pair_kind(_a, _b), f"{_a} / {_b} MACs", _pair(_a, _b), what="ratio"))
KINDS: dict[str, RefKind] = {k.name: k for k in _KINDS}

# The topic names of `costcalc derive`, so every kind it derives can be checked by that name.
ALIASES = {"spatial": "spatial_ratio", "shuffle": "pointwise_grouped", "v2": "v2_block",
           "alpha_rho": "separable", "block": "v2_block", "params": "standard_params"}


def kind(name: str) -> RefKind:
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key not in KINDS:
        raise CostcalcError(f"unknown kind {name!r}; choose one of: {', '.join(KINDS)}")
    return KINDS[key]


def reference(k: RefKind | str, alpha: bool = False, rho: bool = False) -> sp.Expr:
    """The kind's cost in canonical symbols; with α, channels M→αM, N→αN; with ρ, sides
    Df→ρDf, Di→ρDi (MobileNet v1 §4.2-4.3)."""
    k = kind(k) if isinstance(k, str) else k
    scale: dict[str, sp.Expr] = {}
    if k.scalable and alpha:
        scale.update(M=SYM["alpha"] * SYM["M"], N=SYM["alpha"] * SYM["N"])
    if k.scalable and rho:
        scale.update(Df=SYM["rho"] * SYM["Df"], Di=SYM["rho"] * SYM["Di"])
    return sp.sympify(k.build(lambda role: scale.get(role, SYM[role])))

