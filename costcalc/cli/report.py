"""`costcalc report`: one self-contained HTML page per network (issue #17).

A registered name or spec file is counted from its resolved spec (no torch); any other profile
target is profiled (torch, or onnx for a .onnx file); a machine (--peak-gflops and
--bandwidth-gbs) adds the roofline, which profiles the model in torch.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .common import AlphaOpt, DeviceOpt, Dtype, GrowthOpt, InputOpt, ResolutionOpt, RhoOpt, TargetArg

HtmlOut = Annotated[Path, typer.Option("--out", "-o", help="The page to write: a .html file "
                    "(written atomically: whole or not at all).")]


def _check_out(out: Path) -> Path:
    from ..errors import CostcalcError
    from ..report.files import check_writable

    if out.suffix.lower() not in (".html", ".htm"):
        shown = f"'{out.suffix}'" if out.suffix else "no extension"
        raise CostcalcError(f"cannot write {out}: a report is an HTML page, got {shown} (use .html)")
    return check_writable(out)


@app.command()
def report(
    target: TargetArg,
    out: HtmlOut,
    alpha: AlphaOpt = 1.0,
    resolution: ResolutionOpt = None,
    rho: RhoOpt = None,
    growth_rate: GrowthOpt = None,
    input: InputOpt = None,
    device: DeviceOpt = "meta",
    peak_gflops: Annotated[Optional[float], typer.Option(
        "--peak-gflops", help="With --bandwidth-gbs: add the roofline chart for this machine "
        "(GFLOP/s at --dtype; profiles the model in PyTorch).")] = None,
    bandwidth_gbs: Annotated[Optional[float], typer.Option(
        "--bandwidth-gbs", help="Memory bandwidth, GB/s, for the roofline.")] = None,
    dtype: Annotated[Optional[Dtype], typer.Option("--dtype", help="Bytes per element: the "
                     "sequential peak memory of a profiled model and the roofline (default float32); "
                     "a registered network's memory is the MobileNetV2 paper's, float16.")] = None,
):
    """One self-contained HTML page for a network: exact totals beside the published figures,
    the layer table, the cost along the depth, α and ρ sliders, and the depthwise separable
    derivation for its typical layer. Opens offline in any browser."""
    from ..errors import CostcalcError
    from ..report.files import atomic
    from ..profile.target import parse_target

    out = _check_out(out)
    t = parse_target(target)
    machine = None
    if peak_gflops is not None or bandwidth_gbs is not None:
        from .roofline import _machine

        if peak_gflops is None or bandwidth_gbs is None:
            raise CostcalcError("give both --peak-gflops and --bandwidth-gbs for the roofline")
        machine = _machine(peak_gflops, bandwidth_gbs)
    roof_dtype = dtype or "float32"
    if t.kind == "arch":
        if input is not None:
            raise CostcalcError(f"--input applies to profiled models; {target} takes --alpha and "
                                "--resolution (or --rho)")
        if device != "meta" and machine is None:
            raise CostcalcError(f"--device applies to profiled models and to the roofline; {target} "
                                "is counted from its spec")
        if dtype is not None and machine is None:
            raise CostcalcError(f"--dtype applies to a profiled model's memory and to the roofline; "
                                f"{target}'s memory is the MobileNetV2 paper's (float16)")
        from ..report.page import analytic_page

        page = analytic_page(target, alpha, resolution, rho, growth_rate)
        if machine is not None:
            page.roofline_svg, page.roofline_notes = _arch_roofline(page, machine, roof_dtype, device)
    else:
        given = [o for o, v in (("--alpha", alpha != 1.0), ("--resolution", resolution is not None),
                                ("--rho", rho is not None), ("--growth-rate", growth_rate is not None)) if v]
        if given:
            raise CostcalcError(f"{', '.join(given)} appl{'ies' if len(given) == 1 else 'y'} to registered architectures and spec files; "
                                f"{target} is profiled as it is (set its input with --input N,C,H,W)")
        from .profile import _profile
        from ..report.page import profile_page, roofline_svg

        p = _profile(target, input, device)
        page = profile_page(p, roof_dtype)
        if machine is not None:
            page.roofline_svg, page.roofline_notes = roofline_svg(p, machine, roof_dtype)
    from ..report.page_html import render

    command = "costcalc report " + " ".join(shlex.quote(a) for a in sys.argv[2:]) \
        if len(sys.argv) > 2 and sys.argv[1] == "report" else ""
    text = render(page, command).encode("utf-8")
    with atomic(out) as f:
        f.write(text)
    print(f"costcalc: wrote {out} (report page, {len(text) / 1024:.0f} KB)", file=sys.stderr)


def _arch_roofline(page, machine, dtype: str, device: str):
    """The roofline of a registered network at the page's (α, resolution): built from its
    resolved spec and profiled in torch."""
    from ..archs import resolve_model
    from ..nn.build import build_model
    from ..profile.aten_ops import profile_model
    from ..report.page import roofline_svg

    d = page.data
    m = resolve_model(d["model"], d["base"]["alpha"], d["base"]["resolution"],
                      growth_rate=d["options"].get("growth_rate"))
    r = m.resolution
    p = profile_model(build_model(m), (1, 3 if not m.layers else m.layers[0].in_shape[0], r, r), device,
                      d["model"])
    return roofline_svg(p, machine, dtype)
