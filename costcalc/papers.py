"""Every published number costcalc knows, beside costcalc's exact count, with a status.

The published figures are data (:mod:`costcalc.archs.published`, each with its source); this
module counts each one with the same resolved specs ``costcalc model`` uses and says how the
printed figure relates to the exact count:

- **exact**: the printed figure is the count;
- **rounded** / **truncated**: the count rounded (half up) or cut to the printed precision — to
  the last printed digit, or, for a figure ending in zeros (1700, 15300), to tens or hundreds;
- **explained**: the figure counts something else, named and counted here (the convolutions
  without the FC, FLOPs at 227 px, ...): that count reproduces the figure;
- **erratum**: the figure is wrong; the note gives the correction and the evidence;
- **open**: sourced, not reproduced, no reason known (none at present).

Every explanation is checked when the cell is built: an "explained" count that does not
reproduce its figure, or an override left without a cell, raises. Pure Python: no torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Callable

from .archs import ARCHS, resolve_build, resolve_model
from .archs import published as P

BOTTLENECKS = ARCHS["mobilenet_v2"].spec.table("inverted_residual", ("t", "c", "n", "s"))  # Table 2

STATUSES = ("exact", "rounded", "truncated", "explained", "erratum", "open")
REPRODUCED = ("exact", "rounded", "truncated")
ACCOUNTED = REPRODUCED + ("explained", "erratum")


@dataclass(frozen=True)
class Cell:
    """One published number beside costcalc's exact value."""

    id: str  # "source:table:row:quantity", stable
    group: str  # the table it belongs to, with its source
    row: str
    quantity: str  # "MACs", "params (weights)", "share of MACs", ...
    published: str  # as printed, with its unit
    value: object  # costcalc's exact value (int, Fraction or text)
    shown: str  # that value, readable
    status: str
    note: str
    citation: str  # paper / release, table, row, column

    def to_dict(self) -> dict:
        v = self.value
        value = v if isinstance(v, (int, str)) else float(v)
        return {"id": self.id, "group": self.group, "row": self.row, "quantity": self.quantity,
                "published": self.published, "costcalc": value, "costcalc_text": self.shown,
                "status": self.status, "note": self.note, "source": self.citation}


# -- how a printed figure relates to an exact one ----------------------------------------------

def _levels(printed: Decimal) -> list[int]:
    """Decimal places to try: the printed ones, then (a figure ending in zeros) coarser."""
    exp = printed.as_tuple().exponent
    levels = [-exp]
    if exp == 0 and printed != 0:
        digits = str(abs(int(printed)))
        zeros = len(digits) - len(digits.rstrip("0"))
        levels += [-k for k in range(1, zeros + 1)]
    return levels


def _dec(x: Fraction, places: int) -> str:
    places = max(places, 0)
    q = round(x * 10**places)
    s = f"{q / 10**places:.{places}f}" if places else f"{q}"
    return s


def classify(value, unit, printed: str) -> tuple[str, str] | None:
    """('exact' | 'rounded' | 'truncated', note) when ``value`` / ``unit`` prints as ``printed``;
    None when it does not."""
    p = Fraction(Decimal(printed))
    x = Fraction(value) / Fraction(Decimal(str(unit)))
    if x == p:
        return "exact", "exact"
    for places in _levels(Decimal(printed)):
        step = Fraction(10) ** -places
        rounded = math.floor(x / step + Fraction(1, 2)) * step
        cut = math.floor(x / step) * step
        where = "" if places == _levels(Decimal(printed))[0] else f" (to the {('ten', 'hundred', 'thousand')[-places - 1]}s)"
        shown = _dec(x, places + 2)
        if rounded == p:
            return "rounded", f"{shown} → {printed}{where}"
        if cut == p:
            return "truncated", f"{shown} → {printed}{where}, truncated (rounding gives {_dec(rounded, places)})"
    return None


# -- the overrides: explanations and errata, each with the count that backs it ------------------

@dataclass(frozen=True)
class Why:
    status: str  # explained | erratum | open
    note: Callable[["Ctx"], str]
    alt: Callable[["Ctx"], object] | None = None  # explained: the count that reproduces the figure
    label: str = ""  # what ``alt`` counts


@dataclass(frozen=True)
class Ctx:
    """What an override needs: the row's resolved model and the printed figure."""

    model: object  # Resolved
    printed: object  # a published.Printed, or None


def _fc(m) -> int:
    return sum(l.cost.macs for l in m.layers if l.kind == "linear")


def _m(x: int) -> str:
    return f"{x:,}"


def _keras_v3(name, alpha):
    return resolve_build(name, alpha, 224, P.KERAS_V3)


OVERRIDES: dict[str, Why] = {
    "v1:Table 4:Conv MobileNet:MACs": Why(
        "explained", lambda c: P.EXPLAINED["mobilenet_v1_conv"], lambda c: c.model.macs - _fc(c.model),
        "convolutions only"),
    "v1:Table 8:GoogleNet:MACs": Why("explained", lambda c: P.EXPLAINED["googlenet"]),
    "v1:Table 8:GoogleNet:params": Why("explained", lambda c: P.EXPLAINED["googlenet"]),
    "v1:Table 8:VGG 16:MACs": Why(
        "explained", lambda c: P.EXPLAINED["vgg16"], lambda c: c.model.macs - _fc(c.model), "convolutions only"),
    "v1:Table 9:Squeezenet:MACs": Why(
        "explained", lambda c: P.EXPLAINED["squeezenet1_0"],
        lambda c: 2 * resolve_model("squeezenet1_0", resolution=227).macs, "FLOPs (2 per MAC) at 227 px"),
    "v1:Table 9:Squeezenet:params": Why(
        "explained", lambda c: P.EXPLAINED["squeezenet1_0"], lambda c: c.model.params("bias"),
        "weights + biases"),
    "v2:Table 4:MobileNetV1:MACs": Why(
        "erratum", lambda c: f"{P.EXPLAINED['v1@v2_table4']} Correction: {round(c.model.macs / 1e6)}."),
    "v2:Table 4:MobileNetV2 (1.4):MACs": Why(
        "erratum", lambda c: f"{P.EXPLAINED['mobilenet_v2@1.4']} Correction: {round(c.model.macs / 1e6)}."),
    "v2:Table 4:MobileNetV2 (1.4):params": Why(
        "erratum", lambda c: f"{P.EXPLAINED['mobilenet_v2@1.4']} Correction: {round(c.model.params() / 1e6, 2)}."),
    "v3:Table 3:V3-Large 1.0:MACs": Why(
        "erratum", lambda c: f"{P.EXPLAINED['mobilenet_v3_large']} Correction: {round(c.model.macs / 1e6)}."),
    **{f"shufflenet:Table 1:ShuffleNet 1× (g = {g}), Complexity:MACs": Why(
        "explained", lambda c: f"Table 1's complexity counts the convolutions only: the FC's "
                               f"{_m(_fc(c.model))} mult-adds are left out (with them: {_m(c.model.macs)}).",
        lambda c: c.model.macs - _fc(c.model), "convolutions only") for g in P.SHUFFLENET_T1},
    "megvii:Results:ShuffleNetV1 1.0x (group=3):MACs": Why(
        "erratum", lambda c: f"{_m(c.model.macs)} mult-adds round to 137M, not 138M; every other FLOPs "
                             f"figure of this table is costcalc's count rounded, and the paper's Table 1 "
                             f"gives this network 137. Correction: {round(c.model.macs / 1e6)}."),
    **{f"slim:Mobilenet V3 checkpoints:{row}:{q}": Why(
        "erratum", lambda c, a=a: (
            f"Keras loads this checkpoint into MobileNetV3Small(alpha={a:g}) and counts "
            f"{_m(_keras_v3('mobilenet_v3_small', a).params('bn_stats'))} parameters — costcalc's count "
            f"of the same build, to the parameter — for {_m(_keras_v3('mobilenet_v3_small', a).macs)} "
            f"mult-adds; the table's figures do not describe that network (the paper prints 56M / "
            f"2.5M for Small 1.0). Correction: {_keras_v3('mobilenet_v3_small', a).macs / 1e6:.1f}M, "
            f"{_keras_v3('mobilenet_v3_small', a).params('bn_stats') / 1e6:.2f}M."))
        for row, a in (("Small dm=1 (float)", 1.0), ("Small dm=0.75 (float)", 0.75)) for q in ("MACs", "params")},
}

def _shape(t) -> str:
    return "×".join(map(str, t.shape))


def _shufflenet_g3_note(c) -> str:
    t = shufflenet_first_layer_streamed(resolve_model("shufflenet_v1_g3", 2.0))
    a = shufflenet_first_layer_streamed(resolve_model("shufflenet_v1_g2", 2.0))
    return (f"The caption's ShuffleNet 2×, g = 3, first layer streamed: its largest tensor is {t.layer} "
            f"({_shape(t)}, {2 * t.values:,} B); 600K is the same accounting with g = 2's widths "
            f"({a.layer}, {_shape(a)}; 400 channels at 28×28), so the column's widths look like g = 2's.")


OVERRIDES.update({
    "v1:Table 1:row 18:layer": Why("erratum", lambda c: f"{P.EXPLAINED['v1_table1']} Correction: Conv dw / s1."),
    "v1:Table 2:Conv 3×3:share of MACs": Why("erratum", lambda c: f"{P.EXPLAINED['v1_table2']} Correction: 1.91%."),
    "v2:Table 3:shufflenet_v1_g3@2:max memory": Why(
        "explained", _shufflenet_g3_note,
        lambda c: 2 * shufflenet_first_layer_streamed(resolve_model("shufflenet_v1_g2", 2.0)).values,
        "ShuffleNet 2× at g = 2's widths, bytes"),
})

BUILD_LABELS = {P.KERAS_V3: "Keras' width rule", P.TORCHVISION_BUILD["googlenet"]: "torchvision's variant"}
CONVENTION_LABELS = {"weights": "params (weights)", "bias": "params (+ bias)", "bn": "params (+ BN γ, β)",
                     "bn_stats": "params (+ BN stats)"}


def _group(source: str, table: str) -> str:
    return f"{P.SOURCES[source][0]} · {table}"


def _cell(id, group, row, quantity, printed_text, published, value, shown, unit, citation,
          ctx: Ctx | None = None, compare=None) -> Cell:
    """Classify one cell: its override if it has one (checked), else by rounding."""
    why = OVERRIDES.get(id)
    if why is not None:
        note = why.note(ctx)
        if why.alt is not None:
            alt = why.alt(ctx)
            got = classify(alt, unit, printed_text)
            if got is None:
                raise AssertionError(f"{id}: the explanation's count {alt} does not give {printed_text}")
            note = f"{why.label}: {alt:,} — {got[1]}. {note}"
        return Cell(id, group, row, quantity, published, value, shown, why.status, note, citation)
    got = classify(value, unit, printed_text) if compare is None else compare()
    if got is None:
        raise AssertionError(f"{id}: {shown} does not give {published} and no explanation is recorded")
    return Cell(id, group, row, quantity, published, value, shown, *got, citation)


def _model_cells() -> list[Cell]:
    out = []
    for p in P.ROWS:
        out += row_cells(p)
    return out


def row_cells(p) -> list[Cell]:
    """The MACs and params cells of one printed row (P.ROWS), classified: what `audit` reads
    for a network figure, without building every table."""
    out = []
    m = resolve_build(p.model, p.alpha, p.resolution, p.build)
    ctx = Ctx(m, p)
    build = f", {BUILD_LABELS[p.build]}" if p.build else ""
    setting = f"{p.model} α={p.alpha:g} @{p.resolution}{build}"
    group = _group(p.source, p.table)
    for quantity, text, unit, value, label in (
            ("MACs", p.macs, p.macs_unit, m.macs, "MACs"),
            ("params", p.params, p.params_unit, m.params(p.params_convention),
             CONVENTION_LABELS[p.params_convention])):
        if text is None:
            continue
        suffix = {1e6: "M", 1e9: "G", 1: ""}[unit]
        cid = f"{p.source}:{p.table}:{p.row}:{quantity}"
        col = "GFLOPS (MACs)" if unit == 1e9 else label
        out.append(_cell(cid, group, p.row, f"{label} — {setting}", text, f"{text}{suffix}", value,
                         f"{value:,}", unit, f"{p.citation}, {col}", ctx))
    return out


def _share_cells() -> list[Cell]:
    from .report.model_views import by_type

    m = resolve_model("mobilenet_v1")
    rows = {r["type"]: r for r in by_type(m)}
    group = _group("v1", "Table 2")
    out = []
    for tag, printed in P.V1_TABLE2.items():
        for i, (quantity, key) in enumerate((("share of MACs", "macs"), ("share of params", "params"))):
            r = rows[tag]
            share = Fraction(r[key], sum(x[key] for x in rows.values())) * 100
            text = f"{printed[i]:.2f}"
            cid = f"v1:Table 2:{tag}:{quantity}"
            out.append(_cell(cid, group, tag, quantity, text, f"{text}%", share, f"{float(share):.4f}%", 1,
                             f"{P.V1}, Table 2, row '{tag}', {quantity}", Ctx(m, None)))
    return out


def _table3_cells() -> list[Cell]:
    from .compare import compare_layer

    c = compare_layer(kernel=3, channels=512)
    group = _group("v1", "Table 3")
    out = []
    for key, (label, macs, params) in P.V1_TABLE3.items():
        r = c.row(key)
        for quantity, text, value in (("MACs", macs, r.macs), ("params", params, r.params)):
            out.append(_cell(f"v1:Table 3:{label}:{quantity}", group, label,
                             f"{quantity} — one layer, Dk=3, M=N=512, Df=14 (`compare` row {key})", text,
                             f"{text}M", value, f"{value:,}", 1e6, f"{P.V1}, Table 3, row '{label}', Million "
                             f"{'Mult-Adds' if quantity == 'MACs' else 'Parameters'}"))
    return out


def v1_table1_rows(m=None) -> list[tuple[str, str, str]]:
    """MobileNet v1's Table 1 as costcalc's resolved layers print it (repeats folded as "5×")."""
    m = m or resolve_model("mobilenet_v1")
    rows = []
    for l in m.layers:
        a, (c, h, w) = l.args, (l.in_shape if len(l.in_shape) == 3 else (l.in_shape[0], 1, 1))
        size = f"{h}×{w}×{c}"
        if l.kind == "conv2d":
            dw = a["groups"] == a["c_in"] > 1
            kind = "Conv dw" if dw else "Conv"
            shape = f"{a['kh']}×{a['kw']}×{a['c_in']} dw" if dw else f"{a['kh']}×{a['kw']}×{a['c_in']}×{a['c_out']}"
            rows.append((f"{kind} / s{a['stride']}", shape, size))
        elif l.kind == "global_avg_pool":
            rows.append(("Avg Pool / s1", f"Pool {h}×{w}", size))
        elif l.kind == "linear":
            rows.append(("FC / s1", f"{a['in_features']}×{a['out_features']}", f"1×1×{a['in_features']}"))
            rows.append(("Softmax / s1", "Classifier", f"1×1×{a['out_features']}"))
    folded, i = [], 0
    while i < len(rows):
        k = 1
        while rows[i + 2 * k:i + 2 * k + 2] == rows[i:i + 2] and i + 1 < len(rows):
            k += 1
        if k > 1:
            folded += [(f"{k}× {t}", s, z) for t, s, z in rows[i:i + 2]]
            i += 2 * k
        else:
            folded.append(rows[i])
            i += 1
    return folded


def _table1_cells() -> list[Cell]:
    ours = v1_table1_rows()
    if len(ours) != len(P.V1_TABLE1):
        raise AssertionError(f"Table 1: {len(ours)} rows here, {len(P.V1_TABLE1)} printed")
    group = _group("v1", "Table 1")
    out = []
    for i, (printed, mine) in enumerate(zip(P.V1_TABLE1, ours), start=1):
        text, shown = " · ".join(printed), " · ".join(mine)
        cid = f"v1:Table 1:row {i}:layer"
        out.append(_cell(cid, group, f"row {i}", "type / stride · filter shape · input size", text, text,
                         shown, shown, 1, f"{P.V1}, Table 1, row {i}",
                         compare=lambda a=text, b=shown: ("exact", "exact") if a == b else None))
    return out


def v2_table2_rows(m=None) -> list[tuple[str, ...]]:
    """MobileNet v2's Table 2 as costcalc's resolved layers print it."""
    m = m or resolve_model("mobilenet_v2")
    sq = lambda shape: f"{shape[1]}²×{shape[0]}"  # noqa: E731
    c1 = m.layer("conv1")
    rows = [(sq(c1.in_shape), "conv2d", "-", str(c1.args["c_out"]), "1", str(c1.args["stride"]))]
    block = 0
    for t, _, n, _ in BOTTLENECKS:
        first = block + 1
        block += n
        head = next(l for l in m.layers if l.id in (f"b{first}_expand", f"b{first}_dw"))
        rows.append((sq(head.in_shape), "bottleneck", str(t), str(m.layer(f"b{block}_project").args["c_out"]),
                     str(n), str(m.layer(f"b{first}_dw").args["stride"])))
    last, pool, fc = m.layer("conv_last"), m.layer("pool"), m.layer("fc")
    rows.append((sq(last.in_shape), "conv2d 1x1", "-", str(last.args["c_out"]), "1", str(last.args["stride"])))
    rows.append((sq(pool.in_shape), f"avgpool {pool.in_shape[1]}x{pool.in_shape[2]}", "-", "-", "1", "-"))
    k = "k" if fc.args["out_features"] == 1000 else str(fc.args["out_features"])
    rows.append((f"1×1×{fc.args['in_features']}", "conv2d 1x1", "-", k, "-", ""))
    return rows


def _v2_table2_cells() -> list[Cell]:
    ours = v2_table2_rows()
    group = _group("v2", "Table 2")
    out = []
    for i, (printed, mine) in enumerate(zip(P.V2_TABLE2, ours), start=1):
        text, shown = " · ".join(x for x in printed if x), " · ".join(x for x in mine if x)
        note = "exact" if i < len(ours) else "exact (an FC here: the same MACs and weights as the 1×1 conv; k = 1000)"
        out.append(_cell(f"v2:Table 2:row {i}:layer", group, f"row {i}", "input · operator · t · c · n · s",
                         text, text, shown, shown, 1, f"{P.V2}, Table 2, row {i}",
                         compare=lambda a=text, b=shown, n=note: ("exact", n) if a == b else None))
    if len(ours) != len(P.V2_TABLE2):
        raise AssertionError("Table 2: row counts differ")
    return out


def shufflenet_first_layer_streamed(m, dtype="float16"):
    """MobileNetV2 Table 3's accounting for a network with no bottleneck streaming (ShuffleNet):
    every tensor materialized except the first conv's (the caption's first-layer trick)."""
    from .footprint import materialized

    fp = materialized(m, dtype, stream=False)
    return max((t for t in fp.tensors if t.layer != "conv1"), key=lambda t: t.values)


def _v2_table3_cells() -> list[Cell]:
    from .footprint import materialized

    group = _group("v2", "Table 3")
    out = []
    for key, printed in P.V2_TABLE3_MAX.items():
        name, _, alpha = key.partition("@")
        m = resolve_model(name, float(alpha or 1))
        if name.startswith("shufflenet"):
            t = shufflenet_first_layer_streamed(m)
            nbytes, where = 2 * t.values, t.layer
        else:
            fp = materialized(m)
            nbytes, where = fp.peak.bytes, fp.peak.largest.layer
        text = printed.rstrip("K")
        cid = f"v2:Table 3:{key}:max memory"
        out.append(_cell(cid, group, key.replace("@", " ×"), "max memory, 16-bit (thousand bytes)", text, printed,
                         nbytes, f"{nbytes:,} B ({where})", 1000, f"{P.V2}, Table 3, row 'max', column {key}",
                         Ctx(m, None)))
    return out


@lru_cache(maxsize=1)
def cells() -> tuple[Cell, ...]:
    """Every published cell costcalc knows, in the order the report shows them."""
    out = (_table1_cells() + _share_cells() + _table3_cells() + _model_cells() + _v2_table2_cells()
           + _v2_table3_cells())
    ids = [c.id for c in out]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise AssertionError(f"cell ids used twice: {sorted(dup)}")
    stale = set(OVERRIDES) - set(ids)
    if stale:
        raise AssertionError(f"explanations for no cell: {sorted(stale)}")
    return tuple(out)


def for_model(name: str) -> list[dict]:
    """The cells about one registered architecture, each with the setting it describes:
    ``{"cell", "alpha", "resolution", "build", "kind", "measure"}``; ``kind`` is "model" (its
    MACs or params at one α and resolution), "share" (MobileNet v1's Table 2) or "memory"
    (MobileNetV2's Table 3); ``measure`` is "macs", a parameter convention (the one the figure
    counts, resolve.PARAM_CONVENTIONS), "share" or "memory". ``build`` is () for the registered
    build, else the variant's options (the figure describes that build, not this one)."""
    by_id = {c.id: c for c in cells()}
    out = []
    for p in P.ROWS:
        if p.model != name:
            continue
        for quantity, text, measure in (("MACs", p.macs, "macs"), ("params", p.params, p.params_convention)):
            if text is not None:
                out.append({"cell": by_id[f"{p.source}:{p.table}:{p.row}:{quantity}"], "alpha": p.alpha,
                            "resolution": p.resolution, "build": p.build, "kind": "model",
                            "measure": measure})
    if name == "mobilenet_v1":
        out += [{"cell": c, "alpha": 1.0, "resolution": 224, "build": (), "kind": "share", "measure": "share"}
                for c in cells() if c.id.startswith("v1:Table 2:")]
    for key in P.V2_TABLE3_MAX:
        model, _, alpha = key.partition("@")
        if model == name:
            out.append({"cell": by_id[f"v2:Table 3:{key}:max memory"], "alpha": float(alpha or 1),
                        "resolution": 224, "build": (), "kind": "memory", "measure": "memory"})
    return out


def summary(cs=None) -> dict:
    cs = cells() if cs is None else cs
    counts = {s: sum(c.status == s for c in cs) for s in STATUSES}
    accounted = sum(counts[s] for s in ACCOUNTED)
    return {"cells": len(cs), "by_status": counts, "reproduced": sum(counts[s] for s in REPRODUCED),
            "reproduced_or_explained": accounted,
            "percent_reproduced_or_explained": round(100 * accounted / len(cs), 1) if cs else None}


# -- MobileNet v2 §3.3: the block formula summed over the network ------------------------------

@dataclass(frozen=True)
class BlockSum:
    rows: list  # per block: dict
    formula_total: int
    blocks_exact: int
    stride2_overcount: int
    no_expand_overcount: int
    outside: dict  # layer id -> MACs of the layers outside the blocks
    network: int


def v2_block_sum() -> BlockSum:
    """§3.3's h·w·d'·t·(d' + k² + d'') for every MobileNet v2 block (h = w the block's input
    side), against the exact count, and the gap itemised: it overcounts the depthwise and
    project convs of a stride-2 block by 4× their cost (3/4·t·d'·h²·(k² + d'')), counts an
    expand conv the t = 1 block does not have (d'·d'·h²), and leaves out the first conv, the
    last 1×1 conv and the classifier."""
    m = resolve_model("mobilenet_v2")
    rows, block = [], 0
    for t, _, n, s in BOTTLENECKS:
        for i in range(n):
            block += 1
            dw = m.layer(f"b{block}_dw")
            proj = m.layer(f"b{block}_project")
            c_in = (m.layer(f"b{block}_expand") if t != 1 else dw).in_shape[0]
            h, k, d_out, stride = dw.in_shape[1], dw.args["kh"], proj.args["c_out"], dw.args["stride"]
            formula = h * h * c_in * t * (c_in + k * k + d_out)
            exact = sum(l.cost.macs for l in m.layers if l.id.startswith(f"b{block}_"))
            over2 = 3 * t * c_in * h * h * (k * k + d_out) // 4 if stride == 2 else 0
            no_expand = c_in * c_in * h * h if t == 1 else 0
            if formula - exact != over2 + no_expand:
                raise AssertionError(f"block {block}: gap {formula - exact} ≠ {over2} + {no_expand}")
            rows.append({"block": block, "h": h, "d_in": c_in, "d_out": d_out, "t": t, "s": stride,
                         "formula": formula, "exact": exact, "gap": formula - exact,
                         "why": "stride 2: depthwise and project at (h/2)², not h²" if over2 else
                         ("t = 1: no expand conv" if no_expand else "exact (stride 1, t > 1)")})
    outside = {l.id: l.cost.macs for l in m.layers if l.cost.macs and not l.id.startswith("b")}
    total = BlockSum(rows, sum(r["formula"] for r in rows), sum(r["exact"] for r in rows),
                     sum(r["gap"] for r in rows if r["s"] == 2), sum(r["gap"] for r in rows if r["t"] == 1),
                     outside, m.macs)
    if total.blocks_exact + sum(outside.values()) != m.macs:
        raise AssertionError("blocks + outside layers ≠ the network")
    return total


def sources() -> list[dict]:
    used = {c.id.split(":")[0] for c in cells()}
    return [{"key": k, "name": short, "reference": full} for k, (short, full) in P.SOURCES.items() if k in used]


def not_sourced() -> list[str]:
    """Published figures costcalc's issue list asks for that have no stored source here."""
    return [
        "MobileNetV2 Table 3, the per-resolution rows (112×112 … 1×1, channels / Kb for V1, V2 and "
        "ShuffleNet): no copy of the table's body was at hand; costcalc's own rows are shown instead.",
        "MobileNet v3 paper, Table 3's 0.75 rows: the authors' release table (TF-slim) is used instead.",
        "Dense-MobileNet (Wang et al. 2020): the paper's tables were not at hand.",
        "MobileNetV2 Table 4, NasNet-A (564M, 5.3M): not a registered architecture.",
    ]


__all__ = ["ACCOUNTED", "Cell", "REPRODUCED", "STATUSES", "cells", "classify", "for_model", "not_sourced",
           "sources", "summary", "v1_table1_rows", "v2_block_sum", "v2_table2_rows"]
