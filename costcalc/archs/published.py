"""Published figures, as the papers print them: reference data to set beside costcalc's exact
counts, never used as results. Mult-adds and parameters in millions, ImageNet top-1 in %.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ref:
    alpha: float
    resolution: int
    macs_m: float
    params_m: float
    top1: float | None
    source: str


V1 = "MobileNet v1 (arXiv 1704.04861)"
V2 = "MobileNet v2 (arXiv 1801.04381)"
V3 = "MobileNet v3 (arXiv 1905.02244)"

PUBLISHED: dict[str, list[Ref]] = {
    "mobilenet_v1": [
        Ref(1.0, 224, 569, 4.2, 70.6, f"{V1} Tables 4, 6, 7"),
        Ref(0.75, 224, 325, 2.6, 68.4, f"{V1} Tables 5, 6"),
        Ref(0.5, 224, 149, 1.3, 63.7, f"{V1} Table 6"),
        Ref(0.25, 224, 41, 0.5, 50.6, f"{V1} Table 6"),
        Ref(1.0, 192, 418, 4.2, 69.1, f"{V1} Table 7"),
        Ref(1.0, 160, 290, 4.2, 67.2, f"{V1} Table 7"),
        Ref(1.0, 128, 186, 4.2, 64.4, f"{V1} Table 7"),
        Ref(0.5, 160, 76, 1.32, 60.2, f"{V1} Table 9"),
    ],
    "mobilenet_v1_conv": [Ref(1.0, 224, 4866, 29.3, 71.7, f"{V1} Table 4")],
    "mobilenet_v1_shallow": [Ref(1.0, 224, 307, 2.9, 65.3, f"{V1} Table 5")],
    "mobilenet_v2": [
        Ref(1.0, 224, 300, 3.4, 72.0, f"{V2} Table 4"),
        Ref(1.4, 224, 585, 6.9, 74.7, f"{V2} Table 4"),
    ],
    "mobilenet_v3_large": [Ref(1.0, 224, 219, 5.4, 75.2, f"{V3} Table 3")],
    "mobilenet_v3_small": [Ref(1.0, 224, 56, 2.5, 67.4, f"{V3} Table 3")],
    "vgg16": [Ref(1.0, 224, 15300, 138, 71.5, f"{V1} Table 8")],
    "googlenet": [Ref(1.0, 224, 1550, 6.8, 69.8, f"{V1} Table 8")],
}

# The MobileNet v1 paper's Table 2: share of mult-adds and of parameters by layer type.
V1_TABLE2 = {
    "Conv 1×1": (94.86, 74.59),
    "Conv DW 3×3": (3.06, 1.06),
    "Conv 3×3": (1.19, 0.02),
    "FC": (0.18, 24.33),
}

# Where an exact count and a published figure differ, why (each checked by a test).
EXPLAINED: dict[str, str] = {
    "mobilenet_v1_conv": "Table 4's 4866M leaves out the FC layer's 1.024M mult-adds "
                         "(convs alone: 4,866,269,184); MobileNet's own 569M includes it.",
    "mobilenet_v2": "3.4M is the 3,469,760 weights truncated; torchvision's 3,504,872 adds the "
                    "classifier bias and BN γ, β (the 'bn' row).",
    "vgg16": "15300M matches the 13 convolutions alone (15,346,630,656) truncated; the three FC "
             "layers add 123,633,664.",
    "googlenet": "GoogLeNet's own Table 1 ops column sums to about 1,586M (its text says 1.5G); "
                 "its params column sums to 6.8M but undercounts the filters it lists "
                 "(inception 3a: 163,328 exact vs 159K printed).",
    "mobilenet_v3_large": "the paper's 219M is 2.4M (1.1%) above the exact 216,589,760; the "
                          "architecture itself is torchvision's, whose published 5,483,032 "
                          "parameters this build matches exactly (the 'bn' row) and whose 0.217 "
                          "GFLOPS is this count. The paper does not say what else its 219M "
                          "counts; h-swish (1,511,264 ops) and the SE scaling (597,408) together "
                          "come to 2.1M, not 2.4M. 5.4M is the 5,451,272 weights truncated.",
    "mobilenet_v2@1.4": "the paper's 585M / 6.9M for width 1.4 is not reproduced by the "
                        "torchvision / Keras channel rounding (make_divisible by 8), which "
                        "gives 582M / 6.06M.",
    "v1_table2": "Table 2 prints Conv 3×3 as 1.19% of mult-adds; the exact share is 1.91%, "
                 "and only 1.91 makes the four printed shares sum to 100% (with 1.19: 99.29%) "
                 "— transposed digits.",
}


# MobileNetV2 paper (arXiv 1801.04381), Table 3: the largest activation tensor that has to be
# materialized, 16-bit activations, as the issue cites it ("max memory 800K for V1 and 200K for
# V2"). See costcalc/footprint.py for the accounting.
V2_TABLE3_MAX = {"mobilenet_v1": "800K", "mobilenet_v2": "200K"}
V2_TABLE3_NOTE = (
    "MobileNetV2 Table 3 (16-bit activations) gives the max as 800K for V1 and 200K for V2: "
    "the number of 16-bit values in the largest tensor, 802,816 (112×112×64, V1's first "
    "pointwise output) and 200,704 (112×112×16, V2's block 1 output), here exactly; in bytes "
    "that is 1,605,632 and 401,408 (1.6 MB, 0.4 MB). V2's figure needs the paper's §5 streaming: "
    "without it V2's largest tensor is 112×112×96 (b2_expand, 2,408,448 B), larger than V1's.")
