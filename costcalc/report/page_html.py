"""``costcalc report``'s page as one self-contained HTML file (data in, text out).

Everything the page needs is inside it: the stylesheet and script (``assets/page.css``,
``assets/page.js``) inlined, the formulas as SVG paths (matplotlib's mathtext, so no font is
fetched), the data as JSON in a ``<script type="application/json">`` element. A Content
Security Policy forbids every network request, so the page works offline and cannot leak.
Without JavaScript it still reads whole: the totals, the layer table, the by-type table, the
depth chart, the derivation and the published figures are static HTML and SVG; the script adds
sorting, filtering, the tabs and the α / ρ sliders.
"""

from __future__ import annotations

import html
from importlib import resources

from .. import __version__
from ..units import human
from .page import CLASSES, Page, page_json

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:; base-uri 'none'; form-action 'none'")
STATUS_MARK = {"exact": "=", "rounded": "≈", "truncated": "⌊⌋", "explained": "i", "erratum": "!",
               "open": "?"}


def _asset(name: str) -> str:
    return resources.files("costcalc.report").joinpath("assets", name).read_text(encoding="utf-8")


def e(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _int(v) -> str:
    return f"{int(v):,}" if v not in (None, "") else ""


def _shape(s) -> str:
    return "×".join(str(x) for x in s) if s else ""


def _pct(v: float) -> str:
    return f"{100 * v:.2f}%"


def _status(status: str) -> str:
    return (f'<span class="status s-{e(status)}"><span class="mark" aria-hidden="true">'
            f'{e(STATUS_MARK.get(status, "?"))}</span>{e(status)}</span>')


def _pub_item(p: dict) -> str:
    where = f"{p['source']}, {p['row']}"
    return (f'<li><span class="pub-fig">{e(p["published"])}</span> {_status(p["status"])} '
            f'<span class="pub-src">{e(where)}</span></li>')


def _card(h: dict, big: bool = False, basis: str = "exact count") -> str:
    key = h["key"]
    unit = " B" if h.get("unit") == "bytes" else ""
    approx = human(h["value"], "B" if unit else "")
    pubs = "".join(_pub_item(p) for p in h["published"])
    return (f'<div class="card{" big" if big else ""}" data-key="{e(key)}">'
            f'<h3>{e(h["label"])}</h3>'
            f'<p class="value"><data id="v-{e(key)}" value="{int(h["value"])}">{_int(h["value"])}</data>'
            f'<span class="unit">{e(unit)}</span></p>'
            f'<p class="approx" id="a-{e(key)}">≈ {e(approx)}'
            + (f" · FLOPs {e(human(2 * h['value']))}" if key == "macs" else "") + '</p>'
            f'<p class="basis" id="b-{e(key)}">{e(basis)}</p>'
            f'<p class="conv" id="n-{e(key)}">{e(h["note"])}</p>'
            f'<ul class="pubs" id="p-{e(key)}" aria-label="published figures">{pubs}</ul></div>')


def _cards(page: Page) -> str:
    cards = page.header
    basis = "exact count" if page.data["kind"] == "analytic" else "counted: module hooks + aten ops"
    first, params, rest = cards[0], [c for c in cards if c["key"].startswith("params")], \
        [c for c in cards[1:] if not c["key"].startswith("params")]
    out = ['<section id="totals" aria-labelledby="totals-h"><h2 id="totals-h">Totals</h2>',
           '<div class="cards">', _card(first, True, basis)]
    out.append('<div class="card-group"><h3 class="group-h">Parameters, by convention</h3>'
               '<div class="cards small">' + "".join(_card(c) for c in params) + "</div></div>")
    out += [_card(c, False, basis) for c in rest]
    out.append("</div></section>")
    return "".join(out)


def _explore(page: Page) -> str:
    d = page.data
    if not (d.get("grid") or d.get("formula")):
        return ""
    f = d.get("formula")
    formula = ""
    if f:
        formula = (f'<p class="formula"><span class="k">MACs(α, ρ)</span> = {e(f["text"]["macs"])}</p>'
                   f'<p class="formula"><span class="k">params(α)</span> = {e(f["text"]["params"])}</p>'
                   f'<p class="hint">The closed forms of <code>costcalc model {e(d["model"])} --formula</code> '
                   f'(ρ = input side / {f["R"]} px; channel rounding ignored).</p>')
    alpha_ctl = "" if not d.get("scales") else (
        '<div class="slider"><label for="alpha">width multiplier α</label>'
        '<input type="range" id="alpha"><output id="alpha-out" for="alpha"></output></div>')
    return ('<section id="explore" class="needs-js" aria-labelledby="explore-h">'
            '<h2 id="explore-h">Width and resolution</h2>'
            '<div class="sliders">' + alpha_ctl +
            '<div class="slider"><label for="res">input side (ρ = side / '
            f'{d["default_resolution"]} px)</label>'
            '<input type="range" id="res"><output id="res-out" for="res"></output></div>'
            '<div class="slider-opts"><label class="check"><input type="checkbox" id="snap" checked> '
            'exact grid only</label>'
            '<button type="button" id="reset">reset</button></div></div>'
            '<p id="basis" class="basis-line" aria-live="polite"></p>'
            '<p id="formula-at" class="basis-line"></p><p id="extra" class="basis-line"></p>'
            + formula + "</section>")


# -- the depth chart --------------------------------------------------------------------------

W, H, PAD_L, PAD_R, TOP, MID, BOT = 960, 320, 64, 12, 22, 166, 300


def _tick(v: float) -> str:
    return human(v)


def depth_chart(page: Page) -> str:
    """MACs (up) and parameters (down) of every layer with a count, along the depth."""
    bars = [r for r in page.layers if r["cls"] != "other" and (r["macs"] or r["params"])]
    if not bars:
        return ""
    n = len(bars)
    step = (W - PAD_L - PAD_R) / n
    bw = max(step * 0.8, 1.0)
    mm = max(r["macs"] for r in bars) or 1
    mp = max(r["params"] for r in bars) or 1
    up, down = MID - TOP - 4, BOT - MID - 16
    out = [f'<svg id="depth-chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="depth-t depth-d" '
           f'preserveAspectRatio="xMidYMid meet" data-n="{n}">',
           '<title id="depth-t">MACs and parameters per layer, along the depth</title>',
           f'<desc id="depth-d">{n} layers with MACs or weights, in execution order: bars up are MACs '
           'on a linear scale, bars down are parameters (weights). The layer table below holds '
           'every number.</desc>',
           '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
           'patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"/>'
           '<line x1="0" y1="0" x2="0" y2="6" class="hatch-fg"/></pattern></defs>',
           f'<line class="axis" x1="{PAD_L}" y1="{MID}" x2="{W - PAD_R}" y2="{MID}"/>',
           f'<text class="lab" x="{PAD_L - 6}" y="{TOP + 8}" text-anchor="end" id="ax-macs">{e(_tick(mm))}</text>',
           f'<text class="lab" x="{PAD_L - 6}" y="{MID - 4}" text-anchor="end">0</text>',
           f'<text class="lab" x="{PAD_L - 6}" y="{BOT - 12}" text-anchor="end" id="ax-params">{e(_tick(mp))}</text>',
           f'<text class="side" x="12" y="{(TOP + MID) / 2}" transform="rotate(-90 12 {(TOP + MID) / 2})" '
           'text-anchor="middle">MACs</text>',
           f'<text class="side" x="12" y="{(MID + BOT) / 2}" transform="rotate(-90 12 {(MID + BOT) / 2})" '
           'text-anchor="middle">params</text>',
           f'<line class="grid" x1="{PAD_L}" y1="{TOP}" x2="{W - PAD_R}" y2="{TOP}"/>',
           f'<line class="grid" x1="{PAD_L}" y1="{BOT - 16}" x2="{W - PAD_R}" y2="{BOT - 16}"/>']
    for k, r in enumerate(bars):
        x = PAD_L + k * step + (step - bw) / 2
        hm = up * r["macs"] / mm
        hp = down * r["params"] / mp
        tip = e(f"{r['id']} · {r['type']} · {r['macs']:,} MACs · {r['params']:,} params")
        out.append(f'<g class="bar c-{r["cls"]}" data-i="{r["i"]}"><title>{tip}</title>'
                   f'<rect class="m" x="{x:.2f}" y="{MID - hm:.2f}" width="{bw:.2f}" height="{hm:.2f}"/>'
                   f'<rect class="p" x="{x:.2f}" y="{MID:.2f}" width="{bw:.2f}" height="{hp:.2f}"/>'
                   f'<rect class="hit" x="{PAD_L + k * step:.2f}" y="{TOP}" width="{step:.2f}" '
                   f'height="{BOT - 16 - TOP}"/></g>')
    first, last = bars[0], bars[-1]
    out.append(f'<text class="lab" x="{PAD_L}" y="{H - 4}">{e(first["id"])} (input side)</text>')
    out.append(f'<text class="lab" x="{W - PAD_R}" y="{H - 4}" text-anchor="end">{e(last["id"])} (output side)</text>')
    out.append("</svg>")
    present = [c for c in CLASSES if any(r["cls"] == c for r in bars)]
    legend = "".join(f'<li><span class="sw c-{c}" aria-hidden="true"></span>{e(CLASSES[c])}</li>' for c in present)
    return ('<section id="depth" aria-labelledby="depth-h"><h2 id="depth-h">Where the MACs and the '
            'parameters are</h2><div class="chart">' + "".join(out) + '</div>'
            f'<ul class="legend">{legend}</ul><p class="hint">Every layer with MACs or weights, '
            'in execution order; MACs up, weights down, each on its own linear scale. Hover a bar '
            'for its numbers; click it to find its row.</p></section>')


# -- the tables -----------------------------------------------------------------------------------

LAYER_COLS = [("i", "#", "num"), ("id", "layer", "text"), ("type", "type", "text"),
              ("in", "input", "text"), ("out", "output", "text"), ("kernel", "kernel", "text"),
              ("stride", "s", "num"), ("groups", "g", "num"), ("macs", "MACs", "num"),
              ("macs_share", "% MACs", "num"), ("params", "params", "num"),
              ("params_share", "% params", "num")]


def _share_cell(v: float, cls: str, key: str) -> str:
    return (f'<td class="share" data-f="{key}" data-v="{v:.6g}"><span class="bar-track"><span '
            f'class="bar c-{cls}" style="width:{100 * v:.3f}%"></span></span><span class="pct">{_pct(v)}</span></td>')


def layer_table(page: Page) -> str:
    rows = page.layers
    tm = sum(r["macs"] for r in rows) or 1
    tp = sum(r["params"] for r in rows) or 1
    head = "".join(
        f'<th scope="col" class="{kind}" data-key="{key}" data-type="{kind}">'
        f'<button type="button" class="sort">{e(label)}</button></th>' for key, label, kind in LAYER_COLS)
    body = []
    for r in rows:
        ms, ps = r["macs"] / tm, r["params"] / tp
        body.append(
            f'<tr data-i="{r["i"]}" data-type="{e(r["type"])}" id="row-{r["i"]}">'
            f'<td class="num">{r["i"] + 1}</td><th scope="row">{e(r["id"])}</th>'
            f'<td class="type"><span class="sw c-{r["cls"]}"></span>{e(r["type"])}</td>'
            f'<td class="shape" data-f="in">{e(_shape(r["in"]))}</td>'
            f'<td class="shape" data-f="out">{e(_shape(r["out"]))}</td>'
            f'<td>{e(r["kernel"])}</td><td class="num">{e(r["stride"])}</td>'
            f'<td class="num" data-f="groups">{e(r["groups"])}</td>'
            f'<td class="num" data-f="macs" data-v="{r["macs"]}">{_int(r["macs"])}</td>'
            + _share_cell(ms, r["cls"], "macs_share")
            + f'<td class="num" data-f="params" data-v="{r["params"]}">{_int(r["params"])}</td>'
            + _share_cell(ps, r["cls"], "params_share") + "</tr>")
    types = sorted({r["type"] for r in rows}, key=lambda t: (t.startswith(("Conv", "FC")) is False, t))
    options = "".join(f'<option value="{e(t)}">{e(t)}</option>' for t in types)
    kind = page.data["kind"]
    note = ("BN, activations and flatten have no rows: no MACs, fused into the layer before "
            "(their γ, β and statistics count under the bn conventions). params: conv and FC weights."
            if kind == "analytic" else
            "Norms and activations have no rows (no MACs under the paper convention); view-only "
            "ops (flatten, reshape, dropout) neither. params: each layer's own parameters.")
    return ('<div class="controls needs-js" role="group" aria-label="table controls">'
            '<label for="kind-filter">type</label><select id="kind-filter"><option value="">every type'
            f'</option>{options}</select>'
            '<label class="check"><input type="checkbox" id="hide-zero"> only layers with MACs or params</label>'
            '<span id="row-count" class="hint" aria-live="polite"></span></div>'
            f'<div class="scroll"><table id="layer-table" class="data"><caption>Every layer: '
            f'{len(rows)} rows. {e(note)}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def type_table(page: Page) -> str:
    pubs = {}
    base = page.data.get("base")
    for p in page.published:
        if p["kind"] == "share" and base and abs(p["alpha"] - base["alpha"]) < 1e-9 \
                and p["resolution"] == base["resolution"]:
            pubs.setdefault(p["row"], []).append(p)
    rows = []
    for r in page.by_type:
        paper = pubs.get(r["type"], [])
        cls = _type_class(r["type"])
        paper_txt = " ".join(f'{e(p["published"])} {_status(p["status"])}' for p in paper)
        rows.append(f'<tr data-type="{e(r["type"])}"><th scope="row"><span class="sw c-{cls}" aria-hidden="true">'
                    f'</span>{e(r["type"])}</th>'
                    f'<td class="num" data-f="macs">{_int(r["macs"])}</td>'
                    + _share_cell(r["macs_share"], cls, "macs_share")
                    + f'<td class="num" data-f="params">{_int(r["params"])}</td>'
                    + _share_cell(r["params_share"], cls, "params_share")
                    + f'<td class="text paper">{paper_txt}</td></tr>')
    cap = ("MACs and weights by layer type, as the MobileNet paper's Table 2 groups them"
           + (" (the paper's shares beside costcalc's, with their status)" if pubs else ""))
    return (f'<div class="scroll"><table id="type-table" class="data"><caption>{e(cap)}</caption>'
            '<thead><tr><th scope="col">type</th><th scope="col" class="num">MACs</th>'
            '<th scope="col" class="num">% MACs</th><th scope="col" class="num">params</th>'
            '<th scope="col" class="num">% params</th><th scope="col">paper</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _type_class(tag: str) -> str:
    if tag == "FC":
        return "fc"
    if tag.startswith("Conv DW"):
        return "depthwise"
    if tag.startswith("Conv grouped"):
        return "grouped"
    if tag.startswith("Conv 1×1"):
        return "pointwise"
    if tag.startswith("Conv"):
        return "conv"
    return "other"


def _layers_section(page: Page) -> str:
    return ('<section id="layers" aria-labelledby="layers-h"><h2 id="layers-h">Layers</h2>'
            '<div class="tabs needs-js" role="tablist" aria-label="layer views">'
            '<button type="button" role="tab" id="tab-layers" aria-controls="panel-layers" '
            'aria-selected="true">every layer</button>'
            '<button type="button" role="tab" id="tab-types" aria-controls="panel-types" '
            'aria-selected="false">by type (Table 2)</button></div>'
            f'<div id="panel-layers" role="tabpanel" aria-labelledby="tab-layers">{layer_table(page)}</div>'
            f'<div id="panel-types" role="tabpanel" aria-labelledby="tab-types" class="panel-types">'
            f'<h3 class="no-js-only">By layer type (Table 2)</h3>{type_table(page)}</div></section>')


# -- derivation, published, roofline ---------------------------------------------------------------

def _derivation(page: Page) -> str:
    d = page.derivation
    if d is None:
        return ""
    at = f"Dk = {d['Dk']}, M = {d['M']}, N = {d['N']}, Df = {d['Df']}"
    if d["separable"]:
        intro = (f"The network's typical depthwise separable layer — the (Dk, M, N, Df) whose "
                 f"depthwise + pointwise pairs carry the most MACs — is {at}: {d['count']} "
                 f"pair{'s' * (d['count'] != 1)} ({', '.join(d['ids'][:4])}{', …' if len(d['ids']) > 4 else ''}), "
                 f"{_pct(d['share'])} of the MACs. A standard {d['Dk']}×{d['Dk']} conv in its place:")
    else:
        intro = (f"The network has no depthwise separable layer; its heaviest full convolution, "
                 f"{d['ids'][0]} ({at}, {_pct(d['share'])} of the MACs), would save this as one:")
    rows = []
    for k, st in enumerate(d["steps"]):
        svg = page.math_svg.get(k)
        math = (f'<span class="math" role="img" aria-label="{e(st["plain"])}">{svg}</span>' if svg
                else f'<code>{e(st["plain"])}</code>')
        check = ('<span class="ok" title="sympy proves this form identical to the one it rewrites">✓</span>'
                 if st["checked"] else "")
        value = e(st["value"]) if st["value"] is not None else '<span class="hint">(a limit)</span>'
        rows.append(f'<tr><th scope="row">{e(st["name"])}</th><td class="m">{math}</td>'
                    f'<td class="c">{check}</td><td class="num v">{value}</td><td class="why">{e(st["label"])}</td></tr>')
    return ('<section id="derivation" aria-labelledby="deriv-h"><h2 id="deriv-h">What depthwise '
            f'separable saves here</h2><p>{e(intro)}</p><div class="scroll"><table class="deriv">'
            '<caption>costcalc derive separable, evaluated at this layer (✓: sympy proves the identity)'
            '</caption><thead><tr><th scope="col">quantity</th><th scope="col">formula</th><th scope="col">'
            '<span class="vh">checked</span></th><th scope="col" class="num">at this layer</th>'
            f'<th scope="col">why</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>')


def _published(page: Page) -> str:
    """Every published figure about the network, one row per (setting, source row)."""
    pubs = [p for p in page.published if p["kind"] in ("model", "memory")]
    if not pubs:
        return ""
    groups: dict = {}
    for p in pubs:
        groups.setdefault(p["source"], {}).setdefault((p["alpha"], p["resolution"], p["build"], p["row"]), []).append(p)
    body = []
    for source, rows in groups.items():
        body.append(f'<tr class="grp"><th colspan="4" scope="colgroup">{e(source)}</th></tr>')
        for (alpha, res, build, row), items in rows.items():
            setting = f"α = {alpha:g}, {res} px" + (f", {build}" if build else "")
            go = ("" if build else
                  f' <button type="button" class="go needs-js" data-alpha="{alpha:g}" data-res="{res}" '
                  f'aria-label="show α {alpha:g}, {res} px">show</button>')
            figs, notes = [], []
            for p in items:
                measure = {"macs": "MACs", "memory": "max memory"}.get(p["measure"], f"params ({p['measure']})")
                figs.append(f'<li><span class="q">{e(measure)}</span> <span class="pub-fig">{e(p["published"])}</span>'
                            f' <span class="arrow" aria-label="costcalc">→</span> <span class="cc">{e(p["costcalc"])}</span> '
                            f'{_status(p["status"])}</li>')
                if p["note"] not in notes and p["note"] != "exact":
                    notes.append(p["note"])
            body.append(f'<tr><td>{e(setting)}{go}</td><td>{e(row)}</td><td><ul class="figs">{"".join(figs)}</ul></td>'
                        f'<td class="why">{"<br>".join(e(n) for n in notes)}</td></tr>')
    return ('<section id="published" aria-labelledby="pub-h"><h2 id="pub-h">Published figures</h2>'
            '<p>Every figure costcalc holds for this network, beside its exact count, with the status '
            '<code>costcalc papers</code> gives it: exact, rounded, truncated, explained (the figure '
            'counts something else, named) or erratum. “show” moves the sliders there.</p>'
            '<div class="scroll"><table class="data pubs-table"><thead><tr><th scope="col">setting</th>'
            '<th scope="col">row</th><th scope="col">published → costcalc</th><th scope="col">note</th>'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table></div></section>')


def _roofline(page: Page) -> str:
    if not page.roofline_svg:
        return ""
    notes = "".join(f"<p>{e(n)}</p>" for n in page.roofline_notes)
    return ('<section id="roofline" aria-labelledby="roof-h"><h2 id="roof-h">Roofline</h2>'
            f'<div class="chart roof" role="img" aria-label="roofline chart: every layer with MACs">'
            f'{page.roofline_svg}</div>{notes}</section>')


def math_svgs(steps: list[dict]) -> dict:
    """Each step's formula as inline SVG (matplotlib's mathtext), glyph definitions kept once:
    a later SVG's ``<use>`` finds the first one's (one document, one id)."""
    import re

    from . import plots

    out, seen = {}, set()
    for k, st in enumerate(steps):
        svg = plots.math_svg(st["latex"], 15)

        def keep(m):
            gid = m.group(1)
            if gid in seen:
                return ""
            seen.add(gid)
            return m.group(0)

        out[k] = re.sub(r'<path id="([^"]+)" d="[^"]*"(?: transform="[^"]*")?/>', keep, svg)
    return out


def render(page: Page, command: str = "") -> str:
    """The page as one HTML document."""
    d = page.data
    if page.derivation and not page.math_svg:
        page.math_svg = math_svgs(page.derivation["steps"])
    notes = "".join(f"<li>{e(n)}</li>" for n in page.notes)
    foot = (f'<footer><p>Written by costcalc {e(__version__)}'
            + (f' with <code>{e(command)}</code>' if command else "") + '. MACs: '
            + e(d["conventions"]["macs"]) + '. Nothing on this page is fetched: it works offline.</p>'
            + (f"<ul>{notes}</ul>" if notes else "") + "</footer>")
    body = (f'<a class="skip" href="#layers">Skip to the layer table</a>'
            f'<header class="top"><p class="brand">costcalc report</p><h1>{e(page.title)}</h1>'
            f'<p class="sub" id="subtitle">{e(page.subtitle)}</p></header><main>'
            + _cards(page) + _explore(page) + depth_chart(page) + _layers_section(page)
            + _roofline(page) + _derivation(page) + _published(page) + "</main>" + foot)
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f'<meta name="generator" content="costcalc {e(__version__)}">'
            f"<title>{e(page.title)} — costcalc report</title>"
            f"<style>{_asset('page.css')}</style></head>"
            f'<body class="k-{e(d["kind"])}">{body}'
            f'<script type="application/json" id="costcalc-data">{page_json(page)}</script>'
            f"<script>{_asset('page.js')}</script></body></html>\n")


__all__ = ["CSP", "depth_chart", "layer_table", "render", "type_table"]
