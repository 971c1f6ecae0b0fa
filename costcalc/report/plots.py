"""Charts for α/ρ trade-offs: data in, matplotlib Figure out, nothing computed here.

Every function builds a :class:`matplotlib.figure.Figure` on the Agg canvas (no pyplot, no GUI,
no global state) with labelled axes, units and a legend or colour bar; :func:`save` writes it
atomically. matplotlib is imported inside the functions, so importing this module costs nothing.

The charts follow the MobileNet v1 paper (Howard et al. 2017, arXiv 1704.04861): cost against
parameters over the α × resolution grid (Tables 6 and 7), cost against published top-1 accuracy
(its Figures 4 and 5 plot accuracy against log mult-adds), the α²ρ² scaling law of §3.3 against
the exact count, and the separable/standard ratio 1/N + 1/Dk² of §3.1.
"""

from __future__ import annotations

import os  # noqa: F401  (tests patch plots.os / plots.tempfile: the same modules files uses)
import tempfile  # noqa: F401
from contextlib import contextmanager
from pathlib import Path

from ..errors import CostcalcError
from .files import atomic, check_writable

FORMATS = ("png", "svg", "pdf")
DPI = 150
MAX_LEGEND = 10  # more series than this: a colour bar instead of a legend
MAX_LABELLED = 12  # label points with their resolution when a line has at most this many

_RC = {
    "font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 8.5,
    "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.grid": True, "grid.alpha": 0.3,
    "grid.linewidth": 0.6, "axes.spines.top": False, "axes.spines.right": False,
    "svg.hashsalt": "costcalc", "lines.markersize": 5,
}


# -- files ----------------------------------------------------------------------------------------

def chart_format(path) -> str:
    """The format a path's extension names ('png', 'svg', 'pdf'), or one clear error."""
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in FORMATS:
        shown = f"'{Path(path).suffix}'" if Path(path).suffix else "no extension"
        raise CostcalcError(f"cannot write {path}: unknown chart format {shown} "
                            f"(use .png, .svg or .pdf)")
    return ext


def check_target(path) -> Path:
    """Fail early, before any work: a known extension and an existing, writable directory."""
    chart_format(path)
    return check_writable(path)


def save(fig, path) -> Path:
    """Write ``fig`` to ``path`` atomically (:func:`costcalc.report.files.atomic`): a failure
    at any step leaves any earlier ``path`` untouched and no temp file; one CostcalcError line."""
    path = check_target(path)
    fmt = chart_format(path)
    with atomic(path) as f:
        metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
        fig.savefig(f, format=fmt, dpi=DPI, metadata=metadata)
    return path


# -- shared helpers -------------------------------------------------------------------------------

@contextmanager
def _style():
    import matplotlib

    with matplotlib.rc_context(_RC):
        yield


def _figure(width: float = 7.0, height: float = 4.8):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _colors(n: int):
    import matplotlib

    if n <= 10:
        return [matplotlib.colormaps["tab10"](i) for i in range(n)]
    cmap = matplotlib.colormaps["viridis"]
    return [cmap(i / max(n - 1, 1) * 0.9) for i in range(n)]


def _g(v, _pos=None) -> str:
    return f"{v:g}"


def _log_axis(axis) -> None:
    """Log scale with plain-number labels at 1, 2, 5 × 10ⁿ (no 10⁰-style labels)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(_g))
    axis.set_minor_formatter(NullFormatter())


def _colorbar(fig, ax, values, label: str, cmap_name: str = "viridis"):
    import matplotlib
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    sm = ScalarMappable(Normalize(min(values), max(values)), matplotlib.colormaps[cmap_name])
    fig.colorbar(sm, ax=ax, label=label, pad=0.02)


def _millions(xs) -> list[float]:
    return [int(x) / 1e6 for x in xs]


# -- the charts -----------------------------------------------------------------------------------

def macs_params(frame, title: str = "", param_label: str = "conv + FC weights"):
    """MACs against parameters, one line per α through its resolutions (points labelled with
    the resolution). ``frame``: columns alpha, resolution, macs, params (one row per cell)."""
    with _style():
        fig = _figure()
        ax = fig.add_subplot()
        alphas = sorted(set(float(a) for a in frame["alpha"]))
        colors = _colors(len(alphas))
        nres = len(set(frame["resolution"]))
        label = nres <= MAX_LABELLED and len(alphas) <= 2 * MAX_LEGEND
        for a, color in zip(alphas, colors):
            sub = frame[frame["alpha"] == a].sort_values("resolution")
            x, y = _millions(sub["params"]), _millions(sub["macs"])
            ax.plot(x, y, marker="o", color=color, label=f"α = {a:g}", linewidth=1.4)
            if label:
                for xi, yi, r in zip(x, y, sub["resolution"]):
                    ax.annotate(f"{int(r)}", (xi, yi), xytext=(5, 0), textcoords="offset points",
                                fontsize=7.5, va="center", color=color)
        ax.set_xscale("log")
        ax.set_yscale("log")
        _log_axis(ax.xaxis)
        _log_axis(ax.yaxis)
        ax.set_xlabel(f"parameters (millions; {param_label})")
        ax.set_ylabel("MACs (millions; multiply-accumulates)")
        ax.set_title(title or "MACs vs parameters over the α × resolution grid")
        if len(alphas) <= MAX_LEGEND:
            ax.legend(title="width multiplier" + (" (points: input px)" if label else ""),
                      loc="upper left")
        else:
            _colorbar(fig, ax, alphas, "width multiplier α")
    return fig


def heatmap(alphas, resolutions, macs, title: str = ""):
    """MACs over the α × resolution grid. ``macs[i][j]`` is at ``alphas[i]``, ``resolutions[j]``."""
    import numpy as np
    from matplotlib.colors import LogNorm, Normalize

    ai = sorted(range(len(alphas)), key=lambda i: alphas[i])
    rj = sorted(range(len(resolutions)), key=lambda j: resolutions[j])
    grid = np.array([[int(macs[i][j]) / 1e6 for j in rj] for i in ai], dtype=float)
    a_sorted = [alphas[i] for i in ai]
    r_sorted = [resolutions[j] for j in rj]
    with _style():
        fig = _figure(7.0, max(3.2, min(7.0, 1.6 + 0.35 * len(a_sorted))))
        ax = fig.add_subplot()
        ax.grid(False)
        lo, hi = float(grid.min()), float(grid.max())
        norm = LogNorm(lo, hi) if lo > 0 and hi / lo > 30 else Normalize(lo, hi)
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", norm=norm,
                       interpolation="nearest")
        log = isinstance(norm, LogNorm)
        bar = fig.colorbar(im, ax=ax, label="MACs (millions" + (", log scale)" if log else ")"),
                           pad=0.02)
        if log:
            _log_axis(bar.ax.yaxis)
        ax.set_xticks(*_ticks(r_sorted, lambda r: f"{r}"))
        ax.set_yticks(*_ticks(a_sorted, lambda a: f"{a:g}"))
        ax.set_xlabel("input resolution (pixels per side)")
        ax.set_ylabel("width multiplier α")
        ax.set_title(title or "MACs over the α × resolution grid")
        if grid.size <= 120:
            for i in range(grid.shape[0]):
                for j in range(grid.shape[1]):
                    v = grid[i, j]
                    light = norm(v) < 0.6
                    ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=7.5,
                            color="white" if light else "black")
    return fig


def _ticks(values, fmt, most: int = 12):
    step = max(1, -(-len(values) // most))
    idx = list(range(0, len(values), step))
    return idx, [fmt(values[i]) for i in idx]


def accuracy(points, title: str = ""):
    """Exact MACs (log axis) against the papers' top-1, annotated. ``points``: dicts with model,
    title, alpha, resolution, macs, top1 and default_resolution (see costcalc.sweep)."""
    with _style():
        fig = _figure(7.2, 4.8)
        ax = fig.add_subplot()
        models = list(dict.fromkeys(p["model"] for p in points))
        colors = _colors(max(len(models), 2))
        seen = set()
        for color, model in zip(colors, models):
            pts = [p for p in points if p["model"] == model]
            name = pts[0]["title"]
            R = pts[0].get("default_resolution", 224)
            width = sorted((p for p in pts if p["resolution"] == R), key=lambda p: p["macs"])
            res = sorted((p for p in pts if p["alpha"] == 1), key=lambda p: p["macs"])
            lined = []
            if len(width) > 1:
                ax.plot(_millions(p["macs"] for p in width), [p["top1"] for p in width],
                        "-o", color=color, label=f"{name}: width α at {R} px")
                lined += width
            if len(res) > 1:
                ax.plot(_millions(p["macs"] for p in res), [p["top1"] for p in res],
                        "--s", color=color, label=f"{name}: resolution at α = 1")
                lined += res
            singles = [p for p in pts if p not in lined]
            if singles:
                ax.plot(_millions(p["macs"] for p in singles), [p["top1"] for p in singles],
                        "D", color=color, linestyle="none",
                        label=f"{name}" + (": other" if lined else ""))
            for p in pts:
                key = (model, p["alpha"], p["resolution"])
                if key in seen:
                    continue
                seen.add(key)
                if p["resolution"] != R and p["alpha"] == 1:  # resolution line: above left
                    offset, ha = (-6, 5), "right"
                elif p["resolution"] == R and p["alpha"] != 1:  # width line: below right
                    offset, ha = (6, -14), "left"
                else:
                    offset, ha = (6, 5), "left"
                ax.annotate(f"{p['alpha']:g}·{p['resolution']}\n{p['top1']:.1f}%",
                            (p["macs"] / 1e6, p["top1"]), xytext=offset,
                            textcoords="offset points", ha=ha, fontsize=7.5, color=color,
                            linespacing=0.95)
        ax.set_xscale("log")
        _log_axis(ax.xaxis)
        ax.margins(x=0.12, y=0.1)
        ax.set_xlabel("MACs (millions, log scale; exact count by costcalc)")
        ax.set_ylabel("ImageNet top-1 accuracy (%, as published)")
        ax.set_title(title or "Cost vs published accuracy (labels: α·resolution, top-1)")
        ax.legend(loc="lower right")
    return fig


def fit(alphas, resolutions, macs, within, frontier, max_macs: int, budget_text: str,
        params=None, max_params=None, published=(), title: str = ""):
    """The α × resolution grid of ``costcalc fit``: cells within budget coloured by MACs ÷
    budget, the rest greyed, the budget line (MACs = budget, from the exact grid),
    the Pareto frontier joined, published configurations starred with their top-1.
    ``macs``, ``within``, ``frontier``, ``params``: [i][j] at alphas[i], resolutions[j] (both
    ascending); ``published``: dicts with alpha, resolution, top1."""
    import numpy as np

    A, Rs = np.asarray(alphas, dtype=float), np.asarray(resolutions, dtype=float)
    M = np.asarray(macs, dtype=float)
    W, F = np.asarray(within, dtype=bool), np.asarray(frontier, dtype=bool)
    RR, AA = np.meshgrid(Rs, A)
    with _style():
        fig = _figure(7.4, 5.0)
        ax = fig.add_subplot()
        size = max(6.0, min(40.0, 2400.0 / max(W.size, 1)))
        ax.scatter(RR[~W], AA[~W], s=size, marker="x", color="0.75", linewidths=0.8,
                   label="over budget")
        if W.any():
            sc = ax.scatter(RR[W], AA[W], s=size * 1.4, c=M[W] / max_macs, cmap="viridis",
                            vmin=0, vmax=1, label="within budget")
            fig.colorbar(sc, ax=ax, label="MACs ÷ budget", pad=0.02)
        if F.any():
            fi, fj = np.nonzero(F)
            order = np.argsort(A[fi])
            ax.plot(Rs[fj][order], A[fi][order], "-", color="crimson", linewidth=1.3, zorder=3)
            ax.scatter(Rs[fj], A[fi], s=size * 2.6, facecolors="none", edgecolors="crimson",
                       linewidths=1.4, zorder=4, label="Pareto frontier")
        if len(A) > 1 and len(Rs) > 1 and M.min() <= max_macs <= M.max():
            cs = ax.contour(RR, AA, M, levels=[max_macs], colors="black", linestyles="--",
                            linewidths=1.1)
            ax.clabel(cs, fmt={max_macs: budget_text}, fontsize=8)
            if params is not None and max_params is not None:
                P = np.asarray(params, dtype=float)
                if P.min() <= max_params <= P.max():
                    cp = ax.contour(RR, AA, P, levels=[max_params], colors="0.3", linestyles=":",
                                    linewidths=1.1)
                    ax.clabel(cp, fmt={max_params: f"{max_params / 1e6:g}M params"}, fontsize=8)
        for p in published:
            ax.scatter([p["resolution"]], [p["alpha"]], marker="*", s=140, color="gold",
                       edgecolors="black", linewidths=0.6, zorder=5)
            ax.annotate(f"{p['top1']:g}%", (p["resolution"], p["alpha"]), xytext=(6, 4),
                        textcoords="offset points", fontsize=7.5)
        if published:
            ax.scatter([], [], marker="*", s=140, color="gold", edgecolors="black",
                       linewidths=0.6, label="published top-1")
        ax.margins(0.04)
        ax.set_xlabel("input resolution (pixels per side)")
        ax.set_ylabel("width multiplier α")
        ax.set_title(title or f"Configurations within {budget_text}")
        ax.legend(loc="upper right", fontsize=8)
    return fig


def scaling(alphas, resolutions, exact, law, reference: str, title: str = ""):
    """The α²ρ² law against the exact count: left, exact MACs over the law's line; right, the
    deviation exact ÷ law − 1 per resolution (first conv and classifier scale as α, channel
    rounding adds steps). ``exact``, ``law``: [i][j] at alphas[i], resolutions[j]."""
    import numpy as np

    ai = sorted(range(len(alphas)), key=lambda i: alphas[i])
    rj = sorted(range(len(resolutions)), key=lambda j: resolutions[j])
    a = [alphas[i] for i in ai]
    r = [resolutions[j] for j in rj]
    E = np.array([[int(exact[i][j]) for j in rj] for i in ai], dtype=float) / 1e6
    L = np.array([[float(law[i][j]) for j in rj] for i in ai], dtype=float) / 1e6
    with _style():
        fig = _figure(11.0, 4.6)
        left, right = fig.subplots(1, 2)
        colors = _colors(len(r))
        for j, (res, color) in enumerate(zip(r, colors)):
            left.plot(L[:, j], E[:, j], "o", color=color, markersize=3.5,
                      label=f"{res} px" if len(r) <= MAX_LEGEND else None)
            right.plot(a, (E[:, j] / L[:, j] - 1) * 100, "-o", color=color, markersize=3,
                       linewidth=1.2, label=f"{res} px" if len(r) <= MAX_LEGEND else None)
        lo, hi = float(min(L.min(), E.min())), float(max(L.max(), E.max()))
        left.plot([lo, hi], [lo, hi], "k--", linewidth=1, label=f"α²ρ² law: {reference}·α²ρ²")
        left.set_xscale("log")
        left.set_yscale("log")
        _log_axis(left.xaxis)
        _log_axis(left.yaxis)
        left.set_xlabel("MACs the α²ρ² law predicts (millions)")
        left.set_ylabel("exact MACs (millions)")
        left.set_title("exact count against the law (dashed: equal)")
        left.legend(loc="upper left", title="resolution" if len(r) <= MAX_LEGEND else None)
        right.axhline(0, color="k", linestyle="--", linewidth=1)
        right.set_xlabel("width multiplier α")
        right.set_ylabel("exact ÷ law − 1 (%)")
        right.set_title("deviation: first conv and classifier ∝ α, channel rounding")
        if len(r) <= MAX_LEGEND:
            right.legend(title="resolution", loc="upper right")
        else:
            _colorbar(fig, right, r, "resolution (pixels)")
        fig.suptitle(title or "The α²ρ² scaling law against the exact count")
    return fig


def ratio(kernels, curve_n, curve, marked_n, marked, title: str = ""):
    """Depthwise separable ÷ standard MACs against N, one line per kernel Dk, with the 1/Dk²
    asymptote. ``curve[k]``, ``marked[k]``: ratios (floats) at ``curve_n``, ``marked_n``."""
    with _style():
        fig = _figure(7.0, 4.6)
        ax = fig.add_subplot()
        colors = _colors(len(kernels))
        for k, color in zip(kernels, colors):
            ax.plot(curve_n, curve[k], "-", color=color, linewidth=1.6,
                    label=f"Dk = {k}: 1/N + 1/{k * k}")
            ax.plot(marked_n, marked[k], "o", color=color, markersize=4)
            ax.axhline(1 / (k * k), color=color, linestyle=":", linewidth=1)
            last = marked[k][-1]
            ax.annotate(f"{1 / last:.2f}× fewer MACs at N = {marked_n[-1]}",
                        (marked_n[-1], last), xytext=(-4, 5), textcoords="offset points",
                        ha="right", fontsize=7.5, color=color)
        ax.set_xscale("log", base=2)
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(_g))
        ax.set_ylim(bottom=0)
        ax.set_xlabel("output channels N (log scale)")
        ax.set_ylabel("separable ÷ standard MACs")
        ax.set_title(title or "Depthwise separable vs standard convolution: 1/N + 1/Dk² "
                              "(dotted: 1/Dk²)")
        ax.legend(loc="upper right")
    return fig


__all__ = ["FORMATS", "accuracy", "chart_format", "check_target", "heatmap", "macs_params",
           "ratio", "save", "scaling"]


def roofline(points, peak_gflops: float, bandwidth_gbs: float, kinds, title: str = "",
             dtype: str = "float32", machine: str = ""):
    """Every layer under a roofline (Williams et al. 2009), log-log: the bandwidth slope and the
    flat peak meet at the ridge point; each layer sits on the roof at its arithmetic intensity,
    coloured and shaped by kind. ``points``: dicts with kind, intensity (FLOP/byte) and
    attainable_gflops; ``kinds``: kind -> legend label, in legend order."""
    ridge = peak_gflops / bandwidth_gbs
    xs = [p["intensity"] for p in points] or [ridge]
    lo, hi = min(min(xs), ridge) / 3, max(max(xs), ridge) * 3
    markers = ["s", "o", "D", "^", "v", "P", "X", "*"]
    with _style():
        fig = _figure(7.6, 5.0)
        ax = fig.add_subplot()
        ax.axvspan(lo, ridge, color="0.5", alpha=0.07, linewidth=0)
        ax.plot([lo, ridge, hi], [lo * bandwidth_gbs, peak_gflops, peak_gflops], "-", color="k",
                linewidth=1.8, zorder=2,
                label=f"roof: min({peak_gflops:g} GFLOP/s, intensity × {bandwidth_gbs:g} GB/s)")
        ax.axvline(ridge, color="k", linestyle=":", linewidth=1, zorder=1)
        ax.plot([ridge], [peak_gflops], "o", color="k", markersize=6, zorder=4)
        ax.annotate(f"ridge point\n{ridge:.3g} FLOP/byte", (ridge, peak_gflops), xytext=(8, -28),
                    textcoords="offset points", fontsize=8, ha="left")
        colors = _colors(max(len(kinds), 2))
        for i, (kind, label) in enumerate(kinds.items()):
            pts = [p for p in points if p["kind"] == kind]
            if not pts:
                continue
            ax.scatter([p["intensity"] for p in pts], [p["attainable_gflops"] for p in pts],
                       s=46, marker=markers[i % len(markers)], color=colors[i], alpha=0.85,
                       edgecolors="white", linewidths=0.6, zorder=3, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        _log_axis(ax.xaxis)
        _log_axis(ax.yaxis)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo * bandwidth_gbs / 1.5, peak_gflops * 2.5)
        ax.text(0.02, 0.97, "memory-bound", transform=ax.transAxes, fontsize=8, va="top",
                color="0.35")
        ax.text(0.98, 0.97, "compute-bound", transform=ax.transAxes, fontsize=8, va="top",
                ha="right", color="0.35")
        ax.set_xlabel(f"arithmetic intensity (FLOP/byte; FLOPs = 2·MACs, bytes = weights + input "
                      f"+ output at {dtype})")
        ax.set_ylabel("attainable performance (GFLOP/s)")
        ax.set_title((title or "Roofline: every layer with MACs")
                     + (f"\n{machine}" if machine else ""))
        ax.legend(loc="lower right")
    return fig


__all__.append("roofline")


# -- inline SVG (costcalc report) ------------------------------------------------------------------

def svg_text(fig) -> str:
    """``fig`` as an ``<svg>`` element to inline in HTML: glyphs as paths (no font to fetch),
    no XML prolog, no date, whitespace between tags dropped."""
    import io
    import re

    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "costcalc"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None},
                    bbox_inches="tight", pad_inches=0.02, transparent=True)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<!--.*?-->|<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r' id="(?:figure|patch|text|axes|line2d|legend|matplotlib\.axis|xtick|ytick|PathCollection)_\d+"', "", text)
    text = re.sub(r"\s+", " ", text)  # path data and tags: whitespace is only a separator
    text = re.sub(r">\s+<", "><", text)
    return text.strip()


def math(latex: str, fontsize: float = 12.0):
    """A figure holding one formula, typeset by matplotlib's mathtext (Computer Modern)."""
    with _style(), __import__("matplotlib").rc_context({"mathtext.fontset": "cm"}):
        fig = _figure(0.01, 0.01)
        fig.set_layout_engine(None)
        fig.text(0, 0, f"${latex}$", fontsize=fontsize)
    return fig


def math_svg(latex: str, fontsize: float = 12.0) -> str:
    """One formula as an inline ``<svg>`` (see :func:`math`, :func:`svg_text`)."""
    import matplotlib

    with matplotlib.rc_context({"mathtext.fontset": "cm"}):
        return svg_text(math(latex, fontsize))


__all__ += ["math", "math_svg", "svg_text"]
