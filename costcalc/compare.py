"""One layer position, every way of convolving it: what depthwise separable saves, exactly.

Follows the MobileNet v1 paper (Howard et al. 2017, arXiv 1704.04861), section 3 and Table 3:
a 3×3 layer with M = N = 512 channels on a 14×14 map. Each row's numbers and its formula come
from the same :mod:`costcalc.layers` function, called once with ints and once with symbols.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from . import layers
from . import symbolic as S
from .errors import CostcalcError, require_positive
from .layers import Cost


@dataclass(frozen=True)
class Setting:
    """The layer position: kernel, channels, output side, stride, groups, padding, input side."""

    Dk: int
    M: int
    N: int
    Df: int
    s: int = 1
    g: int = 1
    p: int = 0
    Di: int = 0


@dataclass(frozen=True)
class Row:
    layer: str
    description: str
    formula: Cost  # symbolic
    cost: Cost  # numeric
    setting: Setting  # the ints this row was counted at (α/ρ rows differ)
    verified: bool | None = None

    @property
    def macs(self) -> int:
        return int(self.cost.macs)

    @property
    def params(self) -> int:
        return int(self.cost.params)


@dataclass
class Comparison:
    setting: Setting
    alpha: float
    rho: float
    rows: list[Row]
    ratio_exact: sp.Expr  # separable / standard, as derived
    ratio_simplified: sp.Expr
    notes: list[str] = field(default_factory=list)

    def row(self, layer: str) -> Row:
        return next(r for r in self.rows if r.layer == layer)

    @property
    def ratio(self) -> Fraction:
        return Fraction(self.row("separable").macs, self.row("standard").macs)

    def to_dict(self) -> dict:
        std = self.row("standard")
        return {
            "setting": vars(self.setting) | {"alpha": self.alpha, "rho": self.rho},
            "convention": "macs: conv multiply-accumulates, bias not counted",
            "rows": [{
                "layer": r.layer, "description": r.description, "formula": S.pretty(r.formula.macs),
                "params_formula": S.pretty(r.formula.params), "macs": r.macs, "params": r.params,
                "ratio_to_standard": r.macs / std.macs, "reduction": std.macs / r.macs,
                "params_ratio_to_standard": r.params / std.params,
                **({"verified": r.verified} if r.verified is not None else {}),
                **({"M": r.setting.M, "N": r.setting.N, "Df": r.setting.Df}
                   if r.setting != self.setting else {}),
            } for r in self.rows],
            "ratio": {
                "exact": S.pretty(self.ratio_exact), "simplified": str(self.ratio_simplified),
                "simplified_pretty": S.pretty(self.ratio_simplified),
                "fraction": f"{self.ratio.numerator}/{self.ratio.denominator}",
                "value": float(self.ratio), "reduction": float(1 / self.ratio),
            },
            "notes": self.notes,
        }

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.to_dict()["rows"]).set_index("layer")

    def _repr_latex_(self) -> str:
        lines = [rf"\text{{{r.layer}}} &: {S.latex(r.formula.macs)} = {r.macs:,}".replace(",", "{,}")
                 for r in self.rows]
        lines.append(rf"\text{{ratio}} &: {S.latex(self.ratio_simplified)} = {float(self.ratio):.4f}")
        return r"$\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}$"


MAX_MULTIPLIER = 1e6  # keeps α·M and ρ·Df finite integers


def resolve_setting(kernel: int, channels: int, in_channels: int | None = None, size: int | None = 14,
                    stride: int = 1, groups: int = 1, padding: int | None = None,
                    input_size: int | None = None) -> Setting:
    """Validate a layer position and work out the sides: input Di and output Df."""
    M = channels if in_channels is None else in_channels
    for name, v in (("kernel", kernel), ("channels", channels), ("in-channels", M),
                    ("stride", stride), ("groups", groups)):
        require_positive(name, v, whole=True)
    if padding is None:
        padding = (kernel - 1) // 2  # 'same' for odd kernels
    if padding < 0:
        raise CostcalcError(f"--padding must be >= 0, got {padding}")
    if M % groups or channels % groups:
        raise CostcalcError(
            f"--groups {groups} must divide the input channels ({M}) and output channels ({channels})")
    if input_size is not None:
        require_positive("input-size", input_size, whole=True)
        Df = layers.out_side(input_size, kernel, stride, padding)
        Di = input_size
    else:
        require_positive("size", size, whole=True)
        Df = size
        Di = Df * stride  # 'same' padding: the input is stride times the output
        if Di + 2 * padding < kernel or layers.out_side(Di, kernel, stride, padding) != Df:
            Di = (Df - 1) * stride + kernel - 2 * padding  # the smallest input giving Df
        if Di < 1:
            raise CostcalcError(f"--padding {padding} is too large for kernel {kernel}")
    return Setting(kernel, M, channels, Df, stride, groups, padding, Di)


def compare_layer(kernel: int, channels: int, in_channels: int | None = None, size: int | None = 14,
                  stride: int = 1, groups: int = 1, alpha: float = 0.75, rho: float = 0.714,
                  padding: int | None = None, input_size: int | None = None) -> Comparison:
    """Standard vs depthwise vs pointwise vs separable (and more) at one layer position."""
    st = resolve_setting(kernel, channels, in_channels, size, stride, groups, padding, input_size)
    require_positive("alpha", alpha, maximum=MAX_MULTIPLIER)
    require_positive("rho", rho, maximum=MAX_MULTIPLIER)
    Dk, M, N, Df, g = S.Dk, S.M, S.N, S.Df, S.g
    num = dict(Dk=st.Dk, M=st.M, N=st.N, Df=st.Df)
    sym = dict(Dk=Dk, M=M, N=N, Df=Df)
    only = lambda d, *keys: {k: d[k] for k in keys}

    def row(layer, kind, desc, extra_num=None, extra_sym=None, setting=st, keys=("Dk", "M", "N", "Df")):
        n = only(num, *keys) | (extra_num or {})
        y = only(sym, *keys) | (extra_sym or {})
        return Row(layer, desc, layers.cost(kind, **y), layers.cost(kind, **n), setting)

    rows = [
        row("standard", "standard", f"{st.Dk}×{st.Dk} conv, {st.M}→{st.N}"),
        row("depthwise", "depthwise", f"{st.Dk}×{st.Dk} depthwise, {st.M} channels", keys=("Dk", "M", "Df")),
        row("pointwise", "pointwise", f"1×1 conv, {st.M}→{st.N}", keys=("M", "N", "Df")),
        row("separable", "separable", "depthwise + pointwise"),
    ]
    notes = []
    if st.s == 1 and st.Dk > 1 and st.Dk % 2 and st.Di == st.Df:
        rows.append(row("spatial_separable", "spatial_separable",
                        f"{st.Dk}×1 conv {st.M}→{st.N}, then 1×{st.Dk} conv {st.N}→{st.N}"))
    elif st.Dk > 1:
        notes.append("spatial_separable row left out: it applies to odd kernels, stride 1 and "
                     "'same' padding only.")
    if st.g > 1:
        rows.append(row("grouped", "grouped", f"{st.Dk}×{st.Dk} conv in {st.g} groups",
                        {"g": st.g}, {"g": g}))
    aM, aN = round(alpha * st.M), round(alpha * st.N)
    rDf = round(rho * st.Df)
    if min(aM, aN) < 1 or rDf < 1:
        raise CostcalcError(f"alpha={alpha}, rho={rho} leave no channels or no pixels at this size")
    if alpha != 1:
        sa = Setting(st.Dk, aM, aN, st.Df, st.s, 1, st.p, st.Di)
        rows.append(Row("separable_alpha", f"separable, α={alpha:g}: {aM}→{aN} channels",
                        layers.separable(Dk, S.alpha * M, S.alpha * N, Df),
                        layers.separable(st.Dk, aM, aN, st.Df), sa))
    if rho != 1:
        sr = resolve_setting(st.Dk, aN, aM, rDf, st.s, 1, st.p)
        label = f"α={alpha:g}, ρ={rho:g}" if alpha != 1 else f"ρ={rho:g}"
        rows.append(Row("separable_alpha_rho", f"separable, {label}: Df {st.Df}→{rDf}",
                        layers.separable(Dk, S.alpha * M, S.alpha * N, S.rho * Df),
                        layers.separable(st.Dk, aM, aN, rDf), sr))
    if alpha != 1 or rho != 1:
        notes.append("α·M, α·N and ρ·Df are rounded to the nearest integer "
                     "(the paper's Table 3 uses α=0.75 and ρ=0.714, Df 14→10).")

    exact = rows[3].formula.macs / rows[0].formula.macs
    simplified = sp.expand(sp.cancel(exact))
    assert S.equal(exact, simplified)
    return Comparison(st, alpha, rho, rows, exact, simplified, notes)


def verify(comparison: Comparison) -> Comparison:
    """Build every row as real torch layers on the meta device; count with hooks and aten."""
    from .counting import aten, hooks
    from .nn.build import build_compare_row

    rows = []
    for r in comparison.rows:
        module, shape = build_compare_row(r.layer, r.setting, comparison.setting.g)
        counter = hooks.count(module, shape)
        hook_macs = counter.total_macs
        hook_params = sum(x.cost.params for x in counter.records)
        torch_params = sum(p.numel() for p in module.parameters())
        aten_macs = aten.count_macs(module, shape)[""]
        ok = (hook_macs == aten_macs == r.macs and hook_params == torch_params == r.params
              and all(x.shape_ok for x in counter.records) and not counter.unsupported)
        rows.append(Row(r.layer, r.description, r.formula, r.cost, r.setting, ok))
    comparison.rows = rows
    return comparison
