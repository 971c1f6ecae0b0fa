"""The data of ``costcalc report``'s page: everything the HTML shows, gathered from the library.

Nothing is counted here that another module counts: totals and layers come from the resolve
(:func:`costcalc.archs.resolve_model`) or a profile (:mod:`costcalc.profile`), the grid from the
sweep's closed form (:func:`costcalc.sweep.sweep` and :func:`costcalc.sweep.factors`), the
formula from :mod:`costcalc.formula`, published figures from :mod:`costcalc.papers`, memory
from :mod:`costcalc.footprint` (or :mod:`costcalc.profile.memory`), the derivation from
:mod:`costcalc.derivations`. This module puts them in the shape the page's script reads
(:func:`page_json`) and :mod:`costcalc.report.html` lays out.

The α and ρ sliders recompute in the page from two embedded sources, each labelled where it is
shown: the **exact grid** — every layer's channel term per α and spatial term per resolution
(the sweep's factorization), so each grid cell's count is ``model``'s to the integer — and the
**formula** (``model --formula``'s MACs(α, ρ), per layer too), for any α and resolution between,
exact where nothing rounds (:func:`costcalc.report.formula_views.exact_where`) and said to be
the formula, not the rounded count, elsewhere.

A registered name or a spec file needs no torch; a profile target (torchvision:, timm:, a
file, an ONNX file), or a machine for the roofline, does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..errors import CostcalcError
from ..layers import conv_type
from ..units import dtype_bytes, human

# Kinds of layer the page colours alike (the legend's order); a layer's Table 2 type (its tag)
# decides, else its kind.
CLASSES = {"pointwise": "pointwise 1×1 conv", "depthwise": "depthwise conv", "conv": "full k×k conv",
           "grouped": "grouped conv", "fc": "fully connected", "other": "other (pool, add, …)"}
_FUSED = ("batch_norm", "activation", "flatten")  # no row of their own (footprint's rule too)
ALPHA_GRID = tuple(round(0.25 + 0.05 * i, 2) for i in range(26))  # 0.25 … 1.5
RES_GRID = tuple(range(96, 321, 16))  # 96 … 320 px
MACS_CONVENTION = "conv + FC multiply-accumulates, bias not counted (the MobileNet papers' mult-adds)"


@dataclass
class Page:
    """What one page shows. ``data`` is the JSON the page's script reads; the rest is for the
    static HTML (readable without the script)."""

    title: str
    subtitle: str
    data: dict
    header: list  # [{"label", "value", "exact", "human", "note", "published": [...]}]
    layers: list  # table rows
    by_type: list
    published: list
    derivation: dict | None
    notes: list = field(default_factory=list)
    roofline_svg: str | None = None
    roofline_notes: list = field(default_factory=list)
    math_svg: dict = field(default_factory=dict)  # step index -> inline SVG


# -- shared pieces ------------------------------------------------------------------------------

def layer_class(kind: str, tag: str = "", c_in=None, groups=None, kernel=None) -> str:
    """The colour class of a row: its conv type (costcalc.layers.conv_type), fc, or other."""
    if kind in ("conv2d", "conv"):
        if c_in is not None and groups is not None and kernel is not None:
            return conv_type(c_in, groups, kernel)
        return "other"
    if kind in ("linear", "fc"):
        return "fc"
    return "other"


def _shape(s) -> list:
    return [int(x) for x in s]


def _rat(x) -> list:
    """An exact number as [numerator, denominator] strings (the page's BigInt rationals)."""
    import sympy as sp

    q = sp.Rational(x) if not isinstance(x, Fraction) else sp.Rational(x.numerator, x.denominator)
    return [str(q.p), str(q.q)]


def poly_terms(expr) -> list:
    """A polynomial in α, ρ and max(1, α) as [[num, den, i, j, k], ...]: num/den·αⁱ·ρʲ·max(1, α)ᵏ.

    Raises ValueError for anything else (the page then has no formula)."""
    import sympy as sp

    from ..symbolic import alpha, rho

    expr = sp.expand(sp.sympify(expr))
    mx = sp.Max(1, alpha)
    out = []
    for term in sp.Add.make_args(expr):
        if term == 0:
            continue
        coeff, rest = term.as_coeff_Mul()
        powers = {alpha: 0, rho: 0, mx: 0}
        for f in sp.Mul.make_args(rest):
            if f == 1:
                continue
            b, e = f.as_base_exp()
            if b not in powers or not e.is_Integer or e < 0:
                raise ValueError(f"not a polynomial in α, ρ, max(1, α): {term}")
            powers[b] += int(e)
        if not coeff.is_Rational:
            raise ValueError(f"coefficient {coeff} is not rational")
        out.append([str(coeff.p), str(coeff.q), powers[alpha], powers[rho], powers[mx]])
    return out


def separable_steps(Dk: int, M: int, N: int, Df: int) -> list[dict]:
    """The depthwise separable derivation (costcalc.derivations' 'separable', after the standard
    conv's MACs), each step with its LaTeX, its plain form and its value at this layer."""
    import sympy as sp

    from .. import symbolic as S
    from ..derivations import derive

    at = {S.Dk: Dk, S.M: M, S.N: N, S.Df: Df}
    steps = [derive("standard").steps[1]] + list(derive("separable").steps)
    out = []
    for st in steps:
        free = st.expr.free_symbols
        value = sp.sympify(st.expr.subs(at)) if free <= set(at) else None
        out.append({"name": st.name, "label": st.label, "latex": S.latex(st.expr),
                    "plain": S.pretty(st.expr), "checked": st.holds,
                    "value": None if value is None else _value_text(value, "ratio" in st.name),
                    "limit": not free <= set(at)})
    return out


def _value_text(v, ratio: bool = False) -> str:
    import sympy as sp

    v = sp.Rational(v)
    if v.q == 1:
        return f"{int(v):,}"
    text = f"{v.p:,}/{v.q:,} = {float(v):.4f}"
    return text + (f" → {float(1 / v):.2f}× fewer" if ratio and 0 < v < 1 else "")


def typical_layer(records: list[dict]) -> dict | None:
    """The network's typical depthwise separable layer: among depthwise convs followed (BN and
    activations between) by a pointwise conv of the same width, the (Dk, M, N, Df) whose pairs
    carry the most MACs. With no such pair, the heaviest full k×k conv (k > 1): what being
    depthwise separable would save it. ``records``: {id, kind ('conv' | 'fused' | 'other'),
    type (conv_type), k, c_in, c_out, side, macs}, in execution order."""
    pairs: dict = {}
    prev = None
    for r in records:
        if r["kind"] == "fused":
            continue
        if (prev is not None and prev["kind"] == "conv" and prev["type"] == "depthwise"
                and r["kind"] == "conv" and r["type"] == "pointwise" and r["c_in"] == prev["c_out"]):
            key = (prev["k"], prev["c_in"], r["c_out"], prev["side"])
            got = pairs.setdefault(key, {"macs": 0, "count": 0, "ids": []})
            got["macs"] += prev["macs"] + r["macs"]
            got["count"] += 1
            got["ids"].append(f"{prev['id']} + {r['id']}")
        prev = r
    if pairs:
        (k, m, n, df), best = max(pairs.items(), key=lambda kv: (kv[1]["macs"], kv[1]["count"]))
        return {"separable": True, "Dk": k, "M": m, "N": n, "Df": df, "count": best["count"],
                "macs": best["macs"], "ids": best["ids"]}
    convs = [r for r in records if r["kind"] == "conv" and r["type"] == "conv" and r["k"] > 1]
    if not convs:
        return None
    r = max(convs, key=lambda r: r["macs"])
    return {"separable": False, "Dk": r["k"], "M": r["c_in"], "N": r["c_out"], "Df": r["side"],
            "count": 1, "macs": r["macs"], "ids": [r["id"]]}


def _derivation(records: list[dict], total_macs: int) -> dict | None:
    t = typical_layer(records)
    if t is None or t["Df"] is None:
        return None
    return {**t, "share": t["macs"] / total_macs if total_macs else 0.0,
            "steps": separable_steps(t["Dk"], t["M"], t["N"], t["Df"])}


def _published_row(d: dict) -> dict:
    from ..papers import BUILD_LABELS

    c = d["cell"]
    return {"alpha": d["alpha"], "resolution": d["resolution"], "kind": d["kind"],
            "measure": d["measure"], "published": c.published, "costcalc": c.shown,
            "status": c.status, "note": c.note, "source": c.group, "row": c.row,
            "citation": c.citation, "build": BUILD_LABELS.get(d["build"], "") if d["build"] else ""}


# -- the analytic page: a registered name or a spec file -----------------------------------------

def analytic_page(name: str, alpha: float = 1.0, resolution: int | None = None,
                  rho: float | None = None, growth_rate: int | None = None) -> Page:
    """The page of a registered architecture or spec file at (α, resolution). No torch."""
    from ..archs import get, min_side, resolve_model
    from ..footprint import materialized
    from ..resolve import PARAM_CONVENTIONS
    from .model_views import by_type, explanation

    m = resolve_model(name, alpha, resolution, rho, growth_rate)
    arch = get(m.name)
    layers = [l for l in m.layers if l.kind not in _FUSED]
    index = {l.id: i for i, l in enumerate(layers)}
    rows = []
    for i, l in enumerate(layers):
        d = l.describe()
        kernel = (l.args["kh"], l.args["kw"]) if "kh" in l.args else None
        cls = layer_class(l.kind, l.tag, l.args.get("c_in"), l.args.get("groups"), kernel)
        rows.append({"i": i, "id": l.id, "kind": l.kind, "type": l.tag or l.kind.replace("_", " "),
                     "cls": cls, "in": _shape(l.in_shape), "out": _shape(l.out_shape),
                     "kernel": d["kernel"], "stride": d["stride"], "groups": d["groups"],
                     "macs": l.cost.macs, "params": l.cost.params})
    params = {c: m.params(c) for c in PARAM_CONVENTIONS}
    fp = materialized(m, "float16")
    peak = fp.peak.largest
    pubs = [_published_row(d) for d in _for_model(m.name)]
    opts = "".join(f", {k.replace('_', ' ')} {v}" for k, v in m.options.items())
    subtitle = f"α = {m.alpha:g}, {m.resolution}×{m.resolution} px input{opts}"
    memory = {"dtype": "float16", "bytes_per": 2, "streamed": fp.streamed,
              "rows": [index[t.layer] for t in fp.tensors if t.layer in index],
              "peak_bytes": fp.peak.bytes, "peak_tensor": peak.layer, "peak_shape": list(peak.shape),
              "how": ("MobileNetV2 Table 3 accounting: the largest tensor that must be materialized "
                      "(16-bit), BN and activations fused into their conv"
                      + ("; inside each bottleneck the expansion is streamed (§5)" if fp.streamed else
                         "; every conv, pool and add output materialized"))}
    data = {"schema": 1, "kind": "analytic", "model": m.name, "title": arch.title,
            "base": {"alpha": m.alpha, "resolution": m.resolution},
            "default_resolution": arch.default_resolution, "min_side": min_side(arch),
            "options": m.options, "macs": m.macs, "params": params,
            "conventions": {"macs": MACS_CONVENTION,
                            **{f"params.{k}": v[1] for k, v in PARAM_CONVENTIONS.items()}},
            "memory": memory, "layers": rows, "published": pubs,
            "scales": arch.width_rule != "none"}
    data["grid"] = _grid(m, layers)
    data["formula"] = _formula_data(m, layers)
    records = []
    for l in m.layers:
        if l.kind in ("batch_norm", "activation"):
            records.append({"id": l.id, "kind": "fused"})
        elif l.kind == "conv2d":
            a = l.args
            records.append({"id": l.id, "kind": "conv", "type": conv_type(a["c_in"], a["groups"], (a["kh"], a["kw"])),
                            "k": a["kh"] if a["kh"] == a["kw"] else 0, "c_in": a["c_in"], "c_out": a["c_out"],
                            "side": l.out_shape[1] if l.out_shape[1] == l.out_shape[2] else None,
                            "macs": l.cost.macs})
        else:
            records.append({"id": l.id, "kind": "other"})
    header = _header_rows(m.macs, params, pubs, m.alpha, m.resolution)
    header.append({"key": "memory", "label": "peak activation memory",
                   "value": fp.peak.bytes, "unit": "bytes",
                   "note": f"largest tensor: {peak.layer}, {'×'.join(map(str, peak.shape))}, float16",
                   "published": [p for p in pubs if p["kind"] == "memory" and _at(p, m.alpha, m.resolution)]})
    notes = []
    why = explanation(m)
    if why:
        notes.append(f"Difference from the paper: {why}")
    return Page(arch.title, subtitle, data, header, rows, by_type(m), pubs,
                _derivation(records, m.macs), notes)


def _for_model(name: str) -> list[dict]:
    from ..archs import ARCHS
    from ..papers import for_model

    return for_model(name) if name in ARCHS else []


def _at(p: dict, alpha: float, resolution: int) -> bool:
    return abs(p["alpha"] - alpha) < 1e-9 and p["resolution"] == resolution and not p["build"]


def _header_rows(macs: int, params: dict, pubs: list, alpha: float, resolution: int) -> list:
    from ..resolve import PARAM_CONVENTIONS

    here = [p for p in pubs if p["kind"] == "model" and _at(p, alpha, resolution)]
    out = [{"key": "macs", "label": "MACs", "value": macs, "unit": "",
            "note": MACS_CONVENTION + "; FLOPs = 2 × MACs, a convention",
            "published": [p for p in here if p["measure"] == "macs"]}]
    for conv, (_, doc) in PARAM_CONVENTIONS.items():
        out.append({"key": f"params.{conv}", "label": f"params ({conv})", "value": params[conv],
                    "unit": "", "note": doc,
                    "published": [p for p in here if p["measure"] == conv]})
    return out


def _grid_axes(m, alpha_grid=ALPHA_GRID, res_grid=RES_GRID):
    """The α and resolution values of the exact grid: the sliders' stops, the page's own
    configuration and every published setting among them; α values the architecture cannot
    take (a width rounding to no channels) left out."""
    from ..archs import get, min_side, resolve_model

    arch = get(m.name)
    pubs = [p for p in _for_model(m.name) if not p["build"]]
    alphas = sorted({*alpha_grid, m.alpha, *(p["alpha"] for p in pubs)})
    res = sorted({*res_grid, m.resolution, arch.default_resolution, *(p["resolution"] for p in pubs)})
    res = [r for r in res if r >= min_side(arch)]
    growth = m.options.get("growth_rate")
    ok = []
    for a in alphas:
        try:
            resolve_model(m.name, a, m.resolution, growth_rate=growth)
        except CostcalcError:
            continue
        ok.append(a)
    return ok, res


def _grid(m, layers) -> dict | None:
    """Exact counts at every grid cell: totals (the sweep), per layer (its factors), each row's
    channels per α and sides per resolution (channels see only α, sides only the resolution),
    and the MobileNetV2 Table 3 memory of every cell (:func:`costcalc.footprint.materialized`).
    A row the network lacks at some α is None there; a layer it gains (a residual add where
    rounding makes a block's input and output widths equal) is listed in ``extra``."""
    from ..archs import resolve_model
    from ..footprint import materialized
    from ..sweep import factors, sweep

    alphas, res = _grid_axes(m)
    growth = m.options.get("growth_rate")
    sw = sweep(m.name, alphas, res, growth)
    fx = factors(m.name, alphas, res, growth)
    if fx is None:
        return None
    index = {l.id: i for i, l in enumerate(layers)}
    keep = [k for k, lid in enumerate(fx.ids) if lid in index and fx.kinds[k] != "batch_norm"]
    per_layer = {f: {"rows": [index[fx.ids[k]] for k in keep],
                     "A": fx.channel[f][:, keep].tolist(),
                     "S": fx.spatial[f][keep, :].tolist()} for f in ("macs", "params")}

    def at(mm, read):
        by = {l.id: l for l in mm.layers if l.kind not in _FUSED}
        return [read(by[lid]) if lid in by else None for lid in index], [i for i in by if i not in index]

    channels, sides, extra_a, extra_r = [], [], [], []
    for a in alphas:
        got, extra = at(resolve_model(m.name, a, m.resolution, growth_rate=growth),
                        lambda l: [l.in_shape[0], l.out_shape[0], l.args.get("groups", "")])
        channels.append(got)
        extra_a.append(extra)
    for r in res:
        got, extra = at(resolve_model(m.name, m.alpha, r, growth_rate=growth),
                        lambda l: [l.in_shape[1:], l.out_shape[1:]])
        sides.append(got)
        extra_r.append(extra)
    memory = []  # per cell: [bytes, row of the largest tensor]
    for a in alphas:
        row = []
        for r in res:
            fp = materialized(resolve_model(m.name, a, r, growth_rate=growth), "float16")
            row.append([fp.peak.bytes, index.get(fp.peak.largest.layer, -1)])
        memory.append(row)
    return {"alphas": list(sw.alphas), "resolutions": list(sw.resolutions),
            "macs": sw.macs.tolist(), "params": {c: v.tolist() for c, v in sw.params.items()},
            "layer": per_layer, "channels": channels, "sides": sides, "memory": memory,
            "extra": {"alpha": extra_a, "resolution": extra_r}}


def _formula_data(m, layers) -> dict | None:
    """``model --formula``'s closed forms as the page evaluates them (exact rationals)."""
    from ..formula import formula
    from .formula_views import exact_where, written

    try:
        f = formula(m.name, m.options.get("growth_rate"))
        sym = {l.id: l for l in f.resolved.layers}
        per = {fld: dict(f.per_layer[fld]) for fld in ("macs", "params")}
        rows = []
        for l in layers:
            s = sym.get(l.id)
            if s is None:
                rows.append(None)
                continue
            src = l.inputs[0] if l.inputs else "input"
            rows.append({"macs": poly_terms(per["macs"].get(l.id, 0)),
                         "params": poly_terms(per["params"].get(l.id, 0)),
                         "cin": poly_terms(s.in_shape[0]), "cout": poly_terms(s.out_shape[0]),
                         "groups": poly_terms(s.args["groups"]) if "groups" in s.args else None,
                         "in_side": _side(f.sides.get(src)) if len(s.in_shape) == 3 else None,
                         "out_side": _side(f.sides.get(l.id)) if len(s.out_shape) == 3 else None})
        out = {"R": f.default_resolution, "macs": poly_terms(f.macs),
               "params": {c: poly_terms(e) for c, e in f.params.items()}, "rows": rows,
               "exact_where": exact_where(f),
               "text": {"macs": written(f.terms(f.macs)), "params": written(f.terms(f.params["weights"]))}}
    except (CostcalcError, ValueError, KeyError, TypeError):
        return None
    return out


def _side(v) -> list | None:
    if v is None:
        return None
    return [[str(A.numerator), str(A.denominator), str(B.numerator), str(B.denominator)] for A, B in v]


# -- the profile page: any PyTorch model or ONNX file -------------------------------------------

def profile_page(p, dtype: str = "float32") -> Page:
    """The page of a profiled model (a torch Profile or an ONNX profile): no sliders, since the
    model has no α or ρ; the same header, table, chart and derivation."""
    from ..profile import memory as mem

    is_onnx = hasattr(p, "graph")
    if is_onnx:
        from ..onnx import conventions as convs
    else:
        from ..profile import conventions as convs
    paper = sum(convs.get("paper")(p).values())
    peak, where = mem.peak_activation(p, dtype)
    rows, records, weights, biases = [], [], 0, 0
    for e in p.rows:
        if e.category in ("free",):
            continue
        if e.category in ("norm", "activation"):
            records.append({"id": e.name, "kind": "fused"})
            continue
        a = e.attrs
        kernel = a.get("kernel_size") or a.get("kernel_shape")
        kernel = tuple(kernel) if isinstance(kernel, (tuple, list)) else ((kernel, kernel) if kernel else None)
        c_in = a.get("in_channels") or (e.in_shapes[0][1] if e.in_shapes and len(e.in_shapes[0]) > 1 else None)
        groups = a.get("groups", 1 if e.category == "conv" else None)
        stride = a.get("stride") or a.get("strides")
        if e.category == "conv" and kernel is not None and c_in:
            cls = conv_type(int(c_in), int(groups or 1), kernel)
            typ = {"depthwise": "Conv DW", "grouped": "Conv grouped"}.get(cls, "Conv") + " " + "×".join(map(str, kernel))
        elif e.category == "linear":
            cls, typ = "fc", "FC"
        else:
            cls, typ = "other", e.category
        bias = 0
        if e.category in ("conv", "linear") and a.get("has_bias"):
            bias = int(a.get("out_channels") or a.get("out_features") or 0)
        if e.category in ("conv", "linear"):
            weights += e.params - bias
            biases += bias
        ins = e.in_shapes[0] if e.in_shapes else ()
        rows.append({"i": len(rows), "id": e.name, "kind": e.op.replace("torch.nn.functional.", "F."),
                     "type": typ, "cls": cls, "in": _shape(ins[1:]), "out": _shape(e.out_shape[1:]),
                     "kernel": "×".join(map(str, kernel)) if kernel else "",
                     "stride": "×".join(map(str, stride)) if isinstance(stride, (tuple, list)) else (stride or ""),
                     "groups": groups if e.category == "conv" else "",
                     "macs": int(e.macs) if e.category in ("conv", "linear") else 0, "params": int(e.params)})
        if e.category == "conv" and kernel is not None and c_in:
            side = e.out_shape[2] if len(e.out_shape) == 4 and e.out_shape[2] == e.out_shape[3] else None
            records.append({"id": e.name, "kind": "conv", "type": cls,
                            "k": kernel[0] if len(kernel) == 2 and kernel[0] == kernel[1] else 0,
                            "c_in": int(c_in), "c_out": int(e.out_shape[1]), "side": side, "macs": int(e.macs)})
        else:
            records.append({"id": e.name, "kind": "other"})
    params = {"weights": weights, "bias": weights + biases, "all": int(p.total_params)}
    if getattr(p, "param_counts", None):  # a torch profile counts them itself, as costcalc profile prints
        params = dict(p.param_counts)
    b = dtype_bytes(dtype)
    label = p.label
    pubs = _profile_published(label, tuple(p.input_shape))
    header = [{"key": "macs", "label": "MACs", "value": paper, "unit": "",
               "note": MACS_CONVENTION + " (convention 'paper'); FLOPs = 2 × MACs, a convention",
               "published": [x for x in pubs if x["measure"] == "macs"]},
              {"key": "params.weights", "label": "params (weights)", "value": params["weights"], "unit": "",
               "note": "conv, linear and attention-projection weights, bias not counted (the papers)", "published":
                   [x for x in pubs if x["measure"] == "weights"]},
              {"key": "params.bias", "label": "params (bias)", "value": params["bias"], "unit": "",
               "note": "+ conv and linear biases", "published": []},
              {"key": "params.all", "label": "params (all)", "value": params["all"], "unit": "",
               "note": ("every floating-point initializer of the graph but 0-d constants" if is_onnx else
                        "every nn.Parameter the forward reached: weights, biases, BN γ, β (torch's num_params)"),
               "published": [x for x in pubs if x["measure"] in ("bn", "all")]},
              {"key": "memory", "label": "peak activation memory", "value": peak, "unit": "bytes",
               "note": f"the most activation bytes alive at once running the layers in order "
                       f"({dtype}, {b} B per element); reached at {where}", "published": []}]
    shape = tuple(p.input_shape)
    subtitle = f"input {'×'.join(map(str, shape))}" + (" (ONNX graph)" if is_onnx else "")
    data = {"schema": 1, "kind": "profile", "model": label, "title": label,
            "input": list(shape), "macs": paper, "params": params,
            "conventions": {"macs": MACS_CONVENTION}, "layers": rows, "published": pubs,
            "grid": None, "formula": None, "scales": False,
            "memory": {"dtype": dtype, "bytes_per": b, "peak_bytes": peak, "peak_at": where,
                       "how": "sequential schedule: a tensor lives from the layer that writes it "
                              "to the last that reads it"}}
    notes = []
    unknown = getattr(p, "unattributed", None) or getattr(p, "unmodelled", None)
    if unknown:
        notes.append("Not attributed (no costcalc rule, counted as 0): "
                     + ", ".join(f"{k} ×{v if isinstance(v, int) else len(v)}" for k, v in sorted(unknown.items())))
    return Page(label, subtitle, data, header, rows, _by_type_rows(rows), pubs,
                _derivation(records, paper), notes)


def _by_type_rows(rows: list[dict]) -> list[dict]:
    """MACs and params by Table 2 type, from the table rows (those that carry a count)."""
    macs: dict = {}
    params: dict = {}
    for r in rows:
        if r["cls"] == "other":
            continue
        macs[r["type"]] = macs.get(r["type"], 0) + r["macs"]
        params[r["type"]] = params.get(r["type"], 0) + r["params"]
    tm, tp = sum(macs.values()) or 1, sum(params.values()) or 1
    return [{"type": t, "macs": macs[t], "params": params[t], "macs_share": macs[t] / tm,
             "params_share": params[t] / tp} for t in sorted(macs, key=lambda t: -macs[t])]


def _profile_published(label: str, shape: tuple) -> list[dict]:
    """A torchvision target named like a registered architecture: torchvision's own metadata
    for it, and the papers' figures when the input is the papers' (1×3×224×224)."""
    from ..archs import ARCHS

    hub, _, name = label.partition(":")
    if hub != "torchvision" or name not in ARCHS:
        return []
    out = []
    for d in _for_model(name):
        if d["kind"] != "model":
            continue
        src = d["cell"].id.split(":")[0]
        if src == "torchvision" or (not d["build"] and d["alpha"] == 1.0 and d["resolution"] == shape[-1]
                                    and shape[-2] == shape[-1] and src in ("v1", "v2", "v3")):
            row = _published_row(d)
            if src == "torchvision" and row["measure"] == "bn":
                row["measure"] = "all"
            out.append(row)
    return out


# -- the roofline (torch) -----------------------------------------------------------------------

def roofline_svg(p, machine, dtype: str = "float32") -> tuple[str, list[str]]:
    """The roofline chart of a profile (costcalc.report.plots.roofline), as inline SVG."""
    from ..profile.roofline import roofline
    from . import plots

    r = roofline(p, machine, dtype)
    kinds = {}
    for row in r.by_kind():
        if row["kind"] != "total":
            kinds[row["kind"]] = (f"{row['label']}: {row['layers']} layer{'s' * (row['layers'] != 1)}, "
                                  f"{100 * row['macs_share']:.1f}% of MACs")
    who = f"{machine.name} (assumed)" if machine.assumed else "given machine"
    fig = plots.roofline(r.layer_rows(), machine.peak_gflops, machine.bandwidth_gbs, kinds,
                         title=f"{r.label} {tuple(r.input_shape)}, {dtype}", dtype=dtype,
                         machine=f"{who}: {machine.peak_gflops:g} GFLOP/s, {machine.bandwidth_gbs:g} GB/s")
    mem = sum(x.macs for x in r.layers if r.bound(x) == "memory")
    total = sum(x.macs for x in r.layers) or 1
    notes = [f"ridge {machine.ridge:.3g} FLOP/byte: {sum(r.bound(x) == 'memory' for x in r.layers)} of "
             f"{len(r.layers)} layers with MACs are memory-bound ({mem / total:.1%} of the MACs).",
             "intensity = FLOPs ÷ bytes moved (FLOPs = 2·MACs; bytes = weights + input + output "
             f"at {dtype}, no cache reuse); attainable = min(peak, intensity × bandwidth)."]
    if machine.assumed:
        notes.append(f"ASSUMED machine, not yours: {machine.name}, {machine.detail}.")
    return plots.svg_text(fig), notes


_JSON_PUB = ("alpha", "resolution", "kind", "measure", "published", "status", "source", "row", "build")


def page_json(page: Page) -> str:
    """The page's data as JSON that is safe inside a <script> element: what the script reads
    (each layer's name, type and rank; the published figures' settings and statuses) — the
    static HTML holds the rest."""
    import json

    data = {**page.data,
            "layers": [{"id": r["id"], "type": r["type"], "cls": r["cls"], "d": [len(r["in"]), len(r["out"])]}
                       for r in page.data["layers"]],
            "published": [{k: p[k] for k in _JSON_PUB} for p in page.data["published"]]}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def human_bytes(n: int) -> str:
    return human(n, "B")


__all__ = ["CLASSES", "Page", "analytic_page", "page_json", "poly_terms", "profile_page",
           "roofline_svg", "separable_steps", "typical_layer"]
