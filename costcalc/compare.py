"""One layer position, every way of convolving it: what depthwise separable saves, exactly.

Follows the MobileNet v1 paper (Howard et al. 2017, arXiv 1704.04861), section 3 and Table 3:
a 3×3 layer with M = N = 512 channels on a 14×14 map. Each row's numbers and its formula come
from the same :mod:`costcalc.layers` function, called once with ints and once with symbols.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property
from typing import Callable, NamedTuple

from . import layers
from .errors import CostcalcError, OptionError, require_positive
from .layers import Cost


class Printed(NamedTuple):
    """One formula as the three printers write it (see :mod:`costcalc.symbolic`)."""

    pretty: str
    latex: str
    plain: str


def _printed(expr) -> Printed:
    from . import symbolic as S

    return Printed(S.pretty(expr), S.latex(expr), S.plain(expr))


def _known(key: tuple) -> Printed | None:
    """The printed form from the generated table (importing sympy to print costs ~0.25 s)."""
    from ._forms import FORMS

    hit = FORMS.get(key)
    return Printed(*hit) if hit else None


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
    symbolic: Callable[[], Cost]  # builds the formula (sympy imported only when called)
    cost: Cost  # numeric
    setting: Setting  # the ints this row was counted at (α/ρ rows differ)
    verified: bool | None = None

    @cached_property
    def formula(self) -> Cost:
        """The row's symbolic Cost (sympy expressions in canonical names)."""
        return self.symbolic()

    def printed(self, quantity: str = "macs") -> Printed:
        """``formula.macs`` / ``formula.params`` printed, without sympy when the form is known."""
        return _known((self.layer, quantity)) or _printed(getattr(self.formula, quantity))

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
    notes: list[str] = field(default_factory=list)

    @cached_property
    def ratio_exact(self):
        """separable / standard MACs as derived: a sympy expression."""
        return self.row("separable").formula.macs / self.row("standard").formula.macs

    @cached_property
    def ratio_simplified(self):
        """The same ratio simplified: 1/N + 1/Dk**2."""
        import sympy as sp

        return sp.expand(sp.cancel(self.ratio_exact))

    def printed_ratio(self, which: str = "simplified") -> Printed:
        expr = lambda: self.ratio_simplified if which == "simplified" else self.ratio_exact
        return _known(("ratio", which)) or _printed(expr())

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
                "layer": r.layer, "description": r.description, "formula": r.printed("macs").pretty,
                "params_formula": r.printed("params").pretty, "macs": r.macs, "params": r.params,
                "ratio_to_standard": r.macs / std.macs, "reduction": std.macs / r.macs,
                "params_ratio_to_standard": r.params / std.params,
                **({"verified": r.verified} if r.verified is not None else {}),
                **({"M": r.setting.M, "N": r.setting.N, "Df": r.setting.Df}
                   if r.setting != self.setting else {}),
            } for r in self.rows],
            "ratio": {
                "exact": self.printed_ratio("exact").pretty,
                "simplified": self.printed_ratio("simplified").plain,
                "simplified_pretty": self.printed_ratio("simplified").pretty,
                "fraction": f"{self.ratio.numerator}/{self.ratio.denominator}",
                "value": float(self.ratio), "reduction": float(1 / self.ratio),
            },
            "notes": self.notes,
        }

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.to_dict()["rows"]).set_index("layer")

    def _repr_latex_(self) -> str:
        from .report.tables import latex_text

        lines = [rf"\text{{{latex_text(r.layer)}}} &: {r.printed().latex} = " + f"{r.macs:,}".replace(",", "{,}")
                 for r in self.rows]
        lines.append(rf"\text{{ratio}} &: {self.printed_ratio().latex} = {float(self.ratio):.4f}")
        return r"$\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}$"


MAX_MULTIPLIER = 1e6  # keeps α·M and ρ·Df finite integers


def resolve_setting(kernel: int, channels: int, in_channels: int | None = None, size: int | None = 14,
                    stride: int = 1, groups: int = 1, padding: int | None = None,
                    input_size: int | None = None) -> Setting:
    """Validate a layer position and work out the sides: input Di and output Df."""
    M = channels if in_channels is None else in_channels
    for name, v in (("kernel", kernel), ("channels", channels), ("in_channels", M),
                    ("stride", stride), ("groups", groups)):
        require_positive(name, v, whole=True)
    if padding is None:
        padding = (kernel - 1) // 2  # 'same' for odd kernels
    if padding < 0:
        raise OptionError(f"{{0}} must be >= 0, got {padding}", "padding")
    if M % groups or channels % groups:
        raise OptionError(f"{{0}} {groups} must divide the input channels ({M}) and output "
                          f"channels ({channels})", "groups")
    if input_size is not None:
        require_positive("input_size", input_size, whole=True)
        Df = layers.out_side(input_size, kernel, stride, padding)
        Di = input_size
    else:
        require_positive("size", size, whole=True)
        Df = size
        Di = Df * stride  # 'same' padding: the input is stride times the output
        if Di + 2 * padding < kernel or layers.out_side(Di, kernel, stride, padding) != Df:
            Di = (Df - 1) * stride + kernel - 2 * padding  # the smallest input giving Df
        if Di < 1:
            raise OptionError(f"{{0}} {padding} is too large for kernel {kernel}", "padding")
    return Setting(kernel, M, channels, Df, stride, groups, padding, Di)


def compare_layer(kernel: int, channels: int, in_channels: int | None = None, size: int | None = 14,
                  stride: int = 1, groups: int = 1, alpha: float = 0.75, rho: float = 0.714,
                  padding: int | None = None, input_size: int | None = None) -> Comparison:
    """Standard vs depthwise vs pointwise vs separable (and more) at one layer position."""
    st = resolve_setting(kernel, channels, in_channels, size, stride, groups, padding, input_size)
    require_positive("alpha", alpha, maximum=MAX_MULTIPLIER)
    require_positive("rho", rho, maximum=MAX_MULTIPLIER)
    num = dict(Dk=st.Dk, M=st.M, N=st.N, Df=st.Df)
    full = ("Dk", "M", "N", "Df")

    def row(layer, kind, desc, keys=full, extra=None, setting=st):
        def symbolic():  # the same layers.py function, called with canonical symbols
            from . import symbolic as S

            return layers.cost(kind, **{k: S.SYM[k] for k in keys + tuple(extra or ())})

        return Row(layer, desc, symbolic, layers.cost(kind, **{k: num[k] for k in keys}, **(extra or {})),
                   setting)

    def scaled(layer, desc, Df, setting, scale_df):
        def symbolic():
            from . import symbolic as S

            return layers.separable(S.Dk, S.alpha * S.M, S.alpha * S.N, S.rho * S.Df if scale_df else S.Df)

        return Row(layer, desc, symbolic, layers.separable(st.Dk, setting.M, setting.N, Df), setting)

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
        rows.append(row("grouped", "grouped", f"{st.Dk}×{st.Dk} conv in {st.g} groups", extra={"g": st.g}))
    aM, aN = round(alpha * st.M), round(alpha * st.N)
    rDf = round(rho * st.Df)
    if min(aM, aN) < 1 or rDf < 1:
        raise CostcalcError(f"alpha={alpha}, rho={rho} leave no channels or no pixels at this size")
    if alpha != 1:
        sa = Setting(st.Dk, aM, aN, st.Df, st.s, 1, st.p, st.Di)
        rows.append(scaled("separable_alpha", f"separable, α={alpha:g}: {aM}→{aN} channels", st.Df, sa, False))
    if rho != 1:
        sr = resolve_setting(st.Dk, aN, aM, rDf, st.s, 1, st.p)
        label = f"α={alpha:g}, ρ={rho:g}" if alpha != 1 else f"ρ={rho:g}"
        rows.append(scaled("separable_alpha_rho", f"separable, {label}: Df {st.Df}→{rDf}", rDf, sr, True))
    if alpha != 1 or rho != 1:
        notes.append("α·M, α·N and ρ·Df are rounded to the nearest integer "
                     "(the paper's Table 3 uses α=0.75 and ρ=0.714, Df 14→10).")
    return Comparison(st, alpha, rho, rows, notes)


def verify(comparison: Comparison) -> Comparison:
    """Build every row as real torch layers on the meta device; count with hooks and aten."""
    from .counting import aten, hooks
    from .nn.build import build_compare_row

    rows = []
    for r in comparison.rows:
        module, shape = build_compare_row(r.layer, r.setting, comparison.setting.g)
        counter = hooks.count(module, shape, shape_rules=False)  # torch's shapes
        hook_macs = counter.total_macs
        hook_params = sum(x.cost.params for x in counter.records)
        torch_params = sum(p.numel() for p in module.parameters())
        aten_macs = aten.count_macs(module, shape)[""]
        ok = (hook_macs == aten_macs == r.macs and hook_params == torch_params == r.params
              and all(x.shape_ok for x in counter.records) and not counter.unsupported)
        rows.append(replace(r, verified=ok))
    comparison.rows = rows
    return comparison


# -- the printed forms every comparison shows, generated once ------------------------------------

FORMS_FILE = __file__.rsplit("/", 1)[0] + "/_forms.py"


def printed_forms() -> dict:
    """Every formula a comparison can print, computed with sympy: {(row, quantity): forms}.

    The forms depend only on the row kind, never on the numbers, so they are printed once and
    kept in ``costcalc/_forms.py``; a test checks that file equals this function's output.
    """
    from . import symbolic as S

    c = compare_layer(3, 512, groups=2, alpha=0.75, rho=0.714)  # every optional row present
    forms = {}
    for r in c.rows:
        for q in ("macs", "params"):
            forms[(r.layer, q)] = tuple(_printed(getattr(r.formula, q)))
    assert S.equal(c.ratio_exact, c.ratio_simplified)
    forms[("ratio", "exact")] = tuple(_printed(c.ratio_exact))
    forms[("ratio", "simplified")] = tuple(_printed(c.ratio_simplified))
    return forms


def write_forms(path: str = FORMS_FILE) -> None:
    """Regenerate ``costcalc/_forms.py`` (after changing a formula in layers.py)."""
    import os
    import pprint
    import tempfile

    text = ('"""Printed forms of the compare formulas (pretty, LaTeX, plain), one per row kind.\n\n'
            'Generated by ``costcalc.compare.write_forms()``; do not edit. Printing them needs\n'
            'sympy (~0.25 s to import); the numbers never do. tests/test_compare.py checks that\n'
            'this table equals ``costcalc.compare.printed_forms()``.\n"""\n\n'
            f"FORMS = {pprint.pformat(printed_forms(), width=100)}\n")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
