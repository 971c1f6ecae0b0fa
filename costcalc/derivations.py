"""Step-by-step derivations of the cost formulas, with every identity checked by sympy.

Each cost comes from :mod:`costcalc.layers` called with symbols; each "= ..." a derivation prints
(a factored form, a simplified ratio, a limit) is an :class:`Step` with ``equals`` set, and
:func:`derive` refuses to return a derivation whose identity does not hold. The papers:
MobileNet v1 (arXiv 1704.04861) section 3 for standard / depthwise / separable / α / ρ,
ShuffleNet (arXiv 1707.01083) for grouped pointwise conv and channel shuffle, MobileNet v2
(arXiv 1801.04381) section 3.3 for the bottleneck block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from . import layers
from . import symbolic as S
from .errors import CostcalcError, did_you_mean
from .symbolic import Df, Di, Dk, M, N, alpha, d, g, k, p, rho, s, t


@dataclass(frozen=True)
class Step:
    label: str  # what this step says, in words
    name: str  # the quantity: "MACs(standard)", "ratio", ...
    expr: sp.Expr
    equals: sp.Expr | None = None  # an earlier form this one must be identical to

    @property
    def holds(self) -> bool | None:
        return None if self.equals is None else S.equal(self.expr, self.equals)


@dataclass
class Derivation:
    topic: str
    title: str
    steps: list[Step]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"topic": self.topic, "title": self.title, "notes": self.notes, "steps": [{
            "label": st.label, "name": st.name, "expr": S.plain(st.expr),
            "pretty": S.pretty(st.expr), "latex": S.latex(st.expr),
            **({"equals": S.plain(st.equals), "identity_holds": st.holds}
               if st.equals is not None else {}),
        } for st in self.steps]}

    def to_latex(self) -> str:
        from .report.tables import latex_text

        lines = []
        for st in self.steps:
            lines.append(rf"  \text{{{latex_text(st.name)}}} &= {S.latex(st.expr)} && "
                         rf"\text{{{latex_text(st.label)}}}")
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"

    def _repr_latex_(self) -> str:
        return "$$" + self.to_latex().replace("align*", "aligned") + "$$"


def _std():
    return layers.standard(Dk, M, N, Df)


def _standard() -> Derivation:
    c = _std()
    return Derivation("standard", "Standard convolution (MobileNet v1, eq. 1-2)", [
        Step("each output value takes a Dk×Dk window over M input channels", "MACs per output value",
             Dk * Dk * M),
        Step("N output channels at Df×Df positions", "MACs(standard)", c.macs, Dk * Dk * M * N * Df * Df),
        Step("N filters of Dk×Dk×M weights (bias not counted)", "params(standard)", c.params,
             Dk * Dk * M * N),
    ])


def _depthwise() -> Derivation:
    c = layers.depthwise(Dk, M, Df)
    return Derivation("depthwise", "Depthwise convolution (MobileNet v1, eq. 3)", [
        Step("one Dk×Dk filter per input channel: each output value takes Dk² MACs",
             "MACs per output value", Dk * Dk),
        Step("M channels at Df×Df positions", "MACs(depthwise)", c.macs, Dk * Dk * M * Df * Df),
        Step("M filters of Dk×Dk weights", "params(depthwise)", c.params, Dk * Dk * M),
    ])


def _pointwise() -> Derivation:
    c = layers.pointwise(M, N, Df)
    return Derivation("pointwise", "Pointwise 1×1 convolution", [
        Step("each output value is a dot product over M channels", "MACs per output value", M),
        Step("N output channels at Df×Df positions", "MACs(pointwise)", c.macs, M * N * Df * Df),
        Step("N filters of 1×1×M weights", "params(pointwise)", c.params, M * N),
    ])


def _separable() -> Derivation:
    dw, pw, sep, std = layers.depthwise(Dk, M, Df), layers.pointwise(M, N, Df), \
        layers.separable(Dk, M, N, Df), _std()
    ratio = sep.macs / std.macs
    return Derivation("separable", "Depthwise separable convolution (MobileNet v1, eq. 4-5)", [
        Step("depthwise filtering", "MACs(depthwise)", dw.macs),
        Step("pointwise combining", "MACs(pointwise)", pw.macs),
        Step("depthwise + pointwise", "MACs(separable)", sep.macs, dw.macs + pw.macs),
        Step("factored", "MACs(separable)", M * Df ** 2 * (Dk ** 2 + N), sep.macs),
        Step("divided by the standard conv's Dk²·M·N·Df²", "ratio", ratio),
        Step("simplified", "ratio", 1 / N + 1 / Dk ** 2, ratio),
        Step("depthwise share 1/N → 0: pointwise dominates", "lim N→∞ ratio", sp.limit(ratio, N, sp.oo),
             1 / Dk ** 2),
        Step("Dk = 3: 8 to 9 times fewer MACs", "ratio at Dk=3", sp.expand(sp.cancel(ratio.subs(Dk, 3))), 1 / N + sp.Rational(1, 9)),
        Step("parameters shrink by the same ratio", "params ratio", sp.expand(sp.cancel(sep.params / std.params)), ratio),
    ])


def _spatial() -> Derivation:
    # BRIEF's setting: one N×N channel, valid padding, stride 1; k×k vs k×1 then 1×k.
    std = layers.spatial_standard_image(k, N)
    sep = layers.spatial_separable_image(k, N)
    ratio = sep.macs / std.macs
    return Derivation("spatial", "Spatially separable convolution on an N×N image (valid, stride 1)", [
        Step("k×k filter at (N−k+1)² positions", "MACs(k×k)", std.macs, (N - k + 1) ** 2 * k ** 2),
        Step("k×1 filter: N·(N−k+1) positions, then 1×k: (N−k+1)² positions", "MACs(k×1, 1×k)",
             sep.macs, N * (N - k + 1) * k + (N - k + 1) ** 2 * k),
        Step("factored", "MACs(k×1, 1×k)", k * (N - k + 1) * (2 * N - k + 1), sep.macs),
        Step("ratio", "ratio", ratio),
        Step("simplified", "ratio", (2 * N - k + 1) / (k * (N - k + 1)), ratio),
        Step("as N ≫ k", "lim N→∞ ratio", sp.limit(ratio, N, sp.oo), 2 / k),
        Step("k = 3 (and 2/5 at k = 5, 2/7 at k = 7)", "lim at k=3", sp.limit(ratio, N, sp.oo).subs(k, 3),
             sp.Rational(2, 3)),
    ], notes=["N is the image side and k the kernel here, as articles write it (Di and Dk in "
              "costcalc's other formulas).",
              "Only rank-1 kernels factor into k×1 and 1×k (Sobel does; most learned kernels do not)."])


def _grouped() -> Derivation:
    c, std = layers.grouped(Dk, M, N, Df, g), _std()
    return Derivation("grouped", "Grouped convolution with g groups", [
        Step("each output value sees only the M/g channels of its group", "MACs per output value",
             Dk * Dk * M / g),
        Step("N output channels at Df×Df positions", "MACs(grouped)", c.macs, Dk ** 2 * M * N * Df ** 2 / g),
        Step("ratio to standard", "ratio", c.macs / std.macs, 1 / g),
        Step("depthwise is the case g = M = N", "MACs(g=M, N=M)", c.macs.subs({g: M, N: M}),
             layers.depthwise(Dk, M, Df).macs),
        Step("parameters", "params(grouped)", c.params, Dk ** 2 * M * N / g),
    ])


def _shuffle() -> Derivation:
    c, pw = layers.pointwise_grouped(M, N, Df, g), layers.pointwise(M, N, Df)
    sh = layers.channel_shuffle(N, Df, Df, g)
    return Derivation("shuffle", "Grouped pointwise conv and channel shuffle (ShuffleNet)", [
        Step("grouped 1×1 conv", "MACs(pointwise grouped)", c.macs, M * N * Df ** 2 / g),
        Step("channel shuffle only permutes channels", "MACs(shuffle)", sp.sympify(sh.macs), sp.Integer(0)),
        Step("ratio to a dense 1×1 conv", "ratio", c.macs / pw.macs, 1 / g),
    ])


def _dilated() -> Derivation:
    c, std = layers.dilated(Dk, M, N, Df, d), _std()
    eff = d * (Dk - 1) + 1
    return Derivation("dilated", "Dilated convolution", [
        Step("a dilated kernel spans d·(Dk−1)+1 pixels", "effective kernel", eff),
        Step("output side", "Df", layers.out_side(Di, Dk, s, p, d)),
        Step("the MACs of the undilated kernel: dilation adds no weights", "MACs(dilated)", c.macs, std.macs),
        Step("vs a dense kernel with the same receptive field", "ratio", c.macs / layers.standard(eff, M, N, Df).macs,
             Dk ** 2 / eff ** 2),
    ])


def _transposed() -> Derivation:
    c = layers.conv_transpose2d(M, N, Di, Di, Dk, stride=s, padding=p, dilation=d, groups=g)
    return Derivation("transposed", "Transposed convolution", [
        Step("output side", "Df", layers.transposed_out_side(Di, Dk, s, p, d)),
        Step("every input value is scattered through Dk²·N/g weights", "MACs(transposed)", c.macs,
             Dk ** 2 * M * N * Di ** 2 / g),
        Step("stride 1, no padding: the output grows by Dk−1", "Df at s=1, p=0",
             layers.transposed_out_side(Di, Dk), Di + Dk - 1),
    ])


def _alpha_rho() -> Derivation:
    sep = layers.separable(Dk, M, N, Df)
    scaled = layers.separable(Dk, alpha * M, alpha * N, rho * Df)
    ratio = scaled.macs / sep.macs
    return Derivation("alpha-rho", "Width multiplier α and resolution multiplier ρ (MobileNet v1, eq. 6-7)", [
        Step("M→αM, N→αN, Df→ρDf", "MACs(separable, α, ρ)", scaled.macs,
             Dk ** 2 * alpha * M * rho ** 2 * Df ** 2 + alpha * M * alpha * N * rho ** 2 * Df ** 2),
        Step("factored", "MACs(separable, α, ρ)", alpha * rho ** 2 * M * Df ** 2 * (Dk ** 2 + alpha * N),
             scaled.macs),
        Step("relative to α = ρ = 1", "ratio", ratio, alpha * rho ** 2 * (Dk ** 2 + alpha * N) / (Dk ** 2 + N)),
        Step("for N ≫ Dk² the cost falls as α²ρ²", "lim N→∞ ratio", sp.limit(ratio, N, sp.oo),
             alpha ** 2 * rho ** 2),
        Step("parameters do not depend on ρ", "params ratio", sp.cancel(scaled.params / sep.params),
             alpha * (Dk ** 2 + alpha * N) / (Dk ** 2 + N)),
    ])


def _v2_block() -> Derivation:
    """MobileNet v2 §3.3: h·w·d'·t·(d' + k² + d''); exact only at stride 1 with an expand conv."""
    c = layers.v2_block(Dk, M, N, Di, Df, t)
    paper = Di * Di * M * t * (M + Dk ** 2 + N)
    return Derivation("v2-block", "MobileNet v2 bottleneck (expand 1×1, depthwise, project 1×1)", [
        Step("expand M→tM at Di×Di, depthwise Dk×Dk at Df×Df, project tM→N at Df×Df",
             "MACs(block)", c.macs, Di ** 2 * M * t * M + Df ** 2 * t * M * (Dk ** 2 + N)),
        Step("stride 1 (Df = Di)", "MACs(block, s=1)", c.macs.subs(Df, Di), paper),
        Step("the paper's h·w·d'·t·(d' + k² + d'') minus the exact count at stride 2 (Df = Di/2)",
             "overcount(s=2)", sp.factor(paper - c.macs.subs(Df, Di / 2)),
             sp.Rational(3, 4) * Di ** 2 * M * t * (Dk ** 2 + N)),
    ], notes=["M = d' (block input channels), N = d'' (output), t the expansion, Di = h = w.",
              "The §3.3 formula is exact at stride 1 with t > 1; with t = 1 there is no expand conv "
              "(drop the M·t·M·Di² term); at stride 2 it overcounts the depthwise and project "
              "convs by 4× (they run at (Di/2)²).", _v2_network_note()])


def _v2_network_note() -> str:
    from .papers import v2_block_sum

    bs = v2_block_sum()
    out = sum(bs.outside.values())
    return (f"Summed over MobileNetV2's 17 blocks the formula gives {bs.formula_total:,} "
            f"({bs.formula_total + out:,} with conv1, conv_last and the FC) against {bs.network:,} "
            f"exact: {bs.stride2_overcount:,} too many in the stride-2 blocks, {bs.no_expand_overcount:,} "
            f"in block 1 (t = 1). Block by block: `costcalc papers`.")


TOPICS = {
    "standard": _standard, "depthwise": _depthwise, "pointwise": _pointwise,
    "separable": _separable, "spatial": _spatial, "grouped": _grouped, "shuffle": _shuffle,
    "dilated": _dilated, "transposed": _transposed, "alpha-rho": _alpha_rho, "v2-block": _v2_block,
}


def derive(topic: str = "separable") -> Derivation:
    """The derivation for one topic; raises if any identity it states fails to hold."""
    try:
        result = TOPICS[topic]()
    except KeyError:
        raise CostcalcError(f"unknown topic {topic!r}{did_you_mean(topic, TOPICS)}; choose one of: "
                            f"{', '.join(TOPICS)}") from None
    bad = [st.name for st in result.steps if st.holds is False]
    if bad:
        raise AssertionError(f"derivation {topic}: identity fails at {bad}")
    return result
