"""The paper-style α/ρ trade-off charts of MobileNet v1 and v2, regenerated from exact counts.

Howard et al. 2017 (arXiv 1704.04861) trade width α against resolution in Tables 6 and 7 and
plot accuracy against log mult-adds; Sandler et al. 2018 (arXiv 1801.04381) give 300M / 72.0%
for MobileNet v2. This script sweeps both models over an α × resolution grid with
costcalc.sweep (every cell equals `costcalc model NAME --alpha A --resolution R`) and writes:

    mobilenet_v1_macs_params.png  MACs vs parameters, one line per α (the Tables 6/7 grid)
    mobilenet_v1_heatmap.png      MACs over α × resolution
    accuracy.png                  exact MACs vs published top-1 (v1 Tables 6, 7, 9; v2 Table 4)
    mobilenet_v1_scaling.png      the α²ρ² law against the exact count
    mobilenet_v2_scaling.png      the same for v2, where channel rounding shows as steps
    ratio.png                     depthwise separable ÷ standard MACs, 1/N + 1/Dk²

Run: ``python examples/tradeoff_charts.py [FOLDER]`` (default: a new temporary folder).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from costcalc.report import plots
from costcalc.sweep import chart, parse_list, ratio_chart, sweep


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="costcalc-charts-"))
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()

    paper = sweep("mobilenet_v1", parse_list("0.25,0.5,0.75,1.0"),
                  parse_list("128,160,192,224", integer=True))
    fine_v1 = sweep("mobilenet_v1", parse_list("0.25:1.0:0.05"), parse_list("96:224:32", integer=True))
    fine_v2 = sweep("mobilenet_v2", parse_list("0.35:1.4:0.05"), parse_list("96:224:32", integer=True))
    print(f"MobileNet v1, paper grid: α=1, 224 px: {paper.cell(1.0, 224)[0]:,} MACs, "
          f"{paper.cell(1.0, 224)[1]:,} weights; α=0.25: {paper.cell(0.25, 224)[0]:,} MACs")

    written = []
    for name, fig in [
        ("mobilenet_v1_macs_params.png", chart(paper, "macs-params")),
        ("mobilenet_v1_heatmap.png", chart(paper, "heatmap")),
        ("accuracy.png", chart(paper, "accuracy")),
        ("mobilenet_v1_scaling.png", chart(fine_v1, "scaling")),
        ("mobilenet_v2_scaling.png", chart(fine_v2, "scaling")),
    ]:
        written.append(plots.save(fig, folder / name))

    channels = parse_list("8:1024", integer=True)  # START:STOP doubles: 8, 16, ..., 1024
    written.append(plots.save(ratio_chart([3, 5, 7], channels), folder / "ratio.png"))

    for path in written:
        print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    print(f"{len(written)} charts in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
