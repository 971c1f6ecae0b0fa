"""Published figures, as the papers and the reference implementations print them: reference data
to set beside costcalc's exact counts, never used as results. Each number names its source
(paper or release, table, row, column); :mod:`costcalc.papers` sets every one of them beside
costcalc's count and gives it a status, and ``costcalc papers`` prints the lot.

Numbers are kept as printed (strings: "290", "1.32", "4.0"), so the precision a paper printed
is known; :data:`PUBLISHED` (the per-model view ``costcalc model`` and the charts use) is
derived from the paper rows here, not typed twice.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- the bibliography ---------------------------------------------------------------------------

V1 = "MobileNet v1 (arXiv 1704.04861)"
V2 = "MobileNet v2 (arXiv 1801.04381)"
V3 = "MobileNet v3 (arXiv 1905.02244)"
SOURCES = {
    "v1": (V1, "Howard et al., MobileNets: Efficient Convolutional Neural Networks for Mobile "
               "Vision Applications, 2017. arXiv 1704.04861"),
    "v2": (V2, "Sandler et al., MobileNetV2: Inverted Residuals and Linear Bottlenecks, CVPR 2018. "
               "arXiv 1801.04381"),
    "v3": (V3, "Howard et al., Searching for MobileNetV3, ICCV 2019. arXiv 1905.02244"),
    "shufflenet": ("ShuffleNet (arXiv 1707.01083)",
                   "Zhang et al., ShuffleNet: An Extremely Efficient Convolutional Neural Network "
                   "for Mobile Devices, CVPR 2018. arXiv 1707.01083 (its \"FLOPs\" are mult-adds)"),
    "megvii": ("megvii ShuffleNet-Series",
               "the ShuffleNet authors' code and results: github.com/megvii-model/ShuffleNet-Series, "
               "ShuffleNetV1/README.md (Results table; FLOPs = mult-adds with the FC, #Params = "
               "the PyTorch module's parameters)"),
    "slim": ("TF-slim MobileNet README",
             "the MobileNet authors' released checkpoints: github.com/tensorflow/models, "
             "research/slim/nets/mobilenet/README.md (Mobilenet V2 and V3 ImageNet checkpoint "
             "tables: MACs (M), Params (M)); Keras' mobilenet_v3.py docstring copies the V3 table"),
    "torchvision": ("torchvision 0.28.0",
                    "torchvision 0.28.0 weights metadata: <Weights>.IMAGENET1K_V1.meta['num_params'] "
                    "(exact) and ['_ops'] (GFLOPS, its MACs, 3 decimals)"),
    "keras": ("Keras 3.15.1",
              "Keras 3.15.1 keras.applications.<Model>(weights=None): count_params() (total) and "
              "the trainable weights' size (trainable); the same figures Keras 2's model.summary() "
              "prints"),
}


@dataclass(frozen=True)
class Printed:
    """One row of a published table about a registered architecture, numbers as printed."""

    source: str  # a SOURCES key
    table: str  # "Table 7"
    row: str  # the row's label as printed
    model: str  # the registered architecture it describes
    alpha: float
    resolution: int
    macs: str | None  # as printed ("290"); unit below
    params: str | None
    top1: float | None = None
    macs_unit: float = 1e6  # millions of mult-adds unless said otherwise
    params_unit: float = 1e6
    params_convention: str = "weights"  # what the printed parameter count counts
    build: tuple = ()  # build options of a documented variant, e.g. (("rounding", "keras"),)

    @property
    def citation(self) -> str:
        return f"{SOURCES[self.source][0]}, {self.table}, row '{self.row}'"


_V1_T = [  # MobileNet v1, Tables 4-9: Million Mult-Adds, Million Parameters, ImageNet top-1
    ("Table 4", "Conv MobileNet", "mobilenet_v1_conv", 1.0, 224, "4866", "29.3", 71.7),
    ("Table 4", "MobileNet", "mobilenet_v1", 1.0, 224, "569", "4.2", 70.6),
    ("Table 5", "0.75 MobileNet", "mobilenet_v1", 0.75, 224, "325", "2.6", 68.4),
    ("Table 5", "Shallow MobileNet", "mobilenet_v1_shallow", 1.0, 224, "307", "2.9", 65.3),
    ("Table 6", "1.0 MobileNet-224", "mobilenet_v1", 1.0, 224, "569", "4.2", 70.6),
    ("Table 6", "0.75 MobileNet-224", "mobilenet_v1", 0.75, 224, "325", "2.6", 68.4),
    ("Table 6", "0.5 MobileNet-224", "mobilenet_v1", 0.5, 224, "149", "1.3", 63.7),
    ("Table 6", "0.25 MobileNet-224", "mobilenet_v1", 0.25, 224, "41", "0.5", 50.6),
    ("Table 7", "1.0 MobileNet-224", "mobilenet_v1", 1.0, 224, "569", "4.2", 70.6),
    ("Table 7", "1.0 MobileNet-192", "mobilenet_v1", 1.0, 192, "418", "4.2", 69.1),
    ("Table 7", "1.0 MobileNet-160", "mobilenet_v1", 1.0, 160, "290", "4.2", 67.2),
    ("Table 7", "1.0 MobileNet-128", "mobilenet_v1", 1.0, 128, "186", "4.2", 64.4),
    ("Table 8", "1.0 MobileNet-224", "mobilenet_v1", 1.0, 224, "569", "4.2", 70.6),
    ("Table 8", "GoogleNet", "googlenet", 1.0, 224, "1550", "6.8", 69.8),
    ("Table 8", "VGG 16", "vgg16", 1.0, 224, "15300", "138", 71.5),
    ("Table 9", "0.50 MobileNet-160", "mobilenet_v1", 0.5, 160, "76", "1.32", 60.2),
    ("Table 9", "Squeezenet", "squeezenet1_0", 1.0, 224, "1700", "1.25", 57.5),
    ("Table 9", "AlexNet", "alexnet_two_tower", 1.0, 227, "720", "60", 57.2),
]
_V2_T4 = [  # MobileNet v2, Table 4: Params, MAdds (NasNet-A, not modelled here, left out)
    ("MobileNetV1", "mobilenet_v1", 1.0, "575", "4.2", 70.6),
    ("ShuffleNet (1.5)", "shufflenet_v1_g3", 1.5, "292", "3.4", 71.5),
    ("ShuffleNet (x2)", "shufflenet_v1_g3", 2.0, "524", "5.4", 73.7),
    ("MobileNetV2", "mobilenet_v2", 1.0, "300", "3.4", 72.0),
    ("MobileNetV2 (1.4)", "mobilenet_v2", 1.4, "585", "6.9", 74.7),
]
_V3_T3 = [  # MobileNet v3, Table 3: MAdds (M), Params (M) (the 0.75 rows are not at hand)
    ("V3-Large 1.0", "mobilenet_v3_large", 1.0, "219", "5.4", 75.2),
    ("V3-Small 1.0", "mobilenet_v3_small", 1.0, "56", "2.5", 67.4),
]
# ShuffleNet, Table 1: complexity (MFLOPs = mult-adds) of ShuffleNet 1× for each group count
SHUFFLENET_T1 = {1: "143", 2: "140", 3: "137", 4: "133", 8: "137"}
_MEGVII = [  # model, scale, FLOPs (M), #Params (M), top-1 error → accuracy
    ("ShuffleNetV1 2.0x (group=3)", 3, 2.0, "524", "5.4"), ("ShuffleNetV1 2.0x (group=8)", 8, 2.0, "522", "6.5"),
    ("ShuffleNetV1 1.5x (group=3)", 3, 1.5, "292", "3.4"), ("ShuffleNetV1 1.5x (group=8)", 8, 1.5, "290", "4.3"),
    ("ShuffleNetV1 1.0x (group=3)", 3, 1.0, "138", "1.9"), ("ShuffleNetV1 1.0x (group=8)", 8, 1.0, "138", "2.4"),
    ("ShuffleNetV1 0.5x (group=3)", 3, 0.5, "38", "0.7"), ("ShuffleNetV1 0.5x (group=8)", 8, 0.5, "40", "1.0"),
]
# TF-slim's released MobileNet v2 checkpoints: mobilenet_v2_<α>_<resolution>, MACs (M), Params (M)
SLIM_V2 = [
    (1.4, 224, "582", "6.06"), (1.3, 224, "509", "5.34"),
    (1.0, 224, "300", "3.47"), (1.0, 192, "221", "3.47"), (1.0, 160, "154", "3.47"),
    (1.0, 128, "99", "3.47"), (1.0, 96, "56", "3.47"),
    (0.75, 224, "209", "2.61"), (0.75, 192, "153", "2.61"), (0.75, 160, "107", "2.61"),
    (0.75, 128, "69", "2.61"), (0.75, 96, "39", "2.61"),
    (0.5, 224, "97", "1.95"), (0.5, 192, "71", "1.95"), (0.5, 160, "50", "1.95"),
    (0.5, 128, "32", "1.95"), (0.5, 96, "18", "1.95"),
    (0.35, 224, "59", "1.66"), (0.35, 192, "43", "1.66"), (0.35, 160, "30", "1.66"),
    (0.35, 128, "20", "1.66"), (0.35, 96, "11", "1.66"),
]
_SLIM_V3 = [  # TF-slim's MobileNet v3 checkpoints (float): MACs (M), Params (M), top-1
    ("Large dm=1 (float)", "mobilenet_v3_large", 1.0, "217", "5.4", 75.2),
    ("Large dm=0.75 (float)", "mobilenet_v3_large", 0.75, "155", "4.0", 73.3),
    ("Small dm=1 (float)", "mobilenet_v3_small", 1.0, "66", "2.9", 67.5),
    ("Small dm=0.75 (float)", "mobilenet_v3_small", 0.75, "44", "2.4", 65.4),
]
_TORCHVISION = [  # weights enum, architecture, num_params, _ops (GFLOPS)
    ("MobileNet_V2_Weights", "mobilenet_v2", "3504872", "0.301"),
    ("MobileNet_V3_Large_Weights", "mobilenet_v3_large", "5483032", "0.217"),
    ("MobileNet_V3_Small_Weights", "mobilenet_v3_small", "2542856", "0.057"),
    ("VGG16_Weights", "vgg16", "138357544", "15.47"),
    ("GoogLeNet_Weights", "googlenet", "6624904", "1.498"),
    ("SqueezeNet1_0_Weights", "squeezenet1_0", "1248424", "0.819"),
    ("SqueezeNet1_1_Weights", "squeezenet1_1", "1235496", "0.349"),
    ("AlexNet_Weights", "alexnet", "61100840", "0.714"),
]
_KERAS = [  # keras.applications model, α, architecture, total params, trainable params
    ("MobileNet", 1.0, "mobilenet_v1", "4253864", "4231976"),
    ("MobileNet", 0.75, "mobilenet_v1", "2601976", "2585560"),
    ("MobileNet", 0.5, "mobilenet_v1", "1342536", "1331592"),
    ("MobileNet", 0.25, "mobilenet_v1", "475544", "470072"),
    ("MobileNetV2", 1.0, "mobilenet_v2", "3538984", "3504872"),
    ("MobileNetV2", 1.4, "mobilenet_v2", "6156712", "6108776"),
    ("MobileNetV2", 0.35, "mobilenet_v2", "1691208", "1677128"),
    ("MobileNetV3Large", 1.0, "mobilenet_v3_large", "5507432", "5483032"),
    ("MobileNetV3Large", 0.75, "mobilenet_v3_large", "4012616", "3993528"),
    ("MobileNetV3Small", 1.0, "mobilenet_v3_small", "2554968", "2542856"),
    ("MobileNetV3Small", 0.75, "mobilenet_v3_small", "2051552", "2041872"),
    ("VGG16", 1.0, "vgg16", "138357544", "138357544"),
]
KERAS_V3 = (("rounding", "keras"),)  # Keras / TF-slim's width rule for MobileNet v3 (see mobilenet_v3)
TORCHVISION_BUILD = {"googlenet": (("variant", "torchvision"),)}  # costcalc's googlenet is the paper's


def _rows() -> list[Printed]:
    rows = [Printed("v1", t, label, m, a, r, macs, params, top1) for t, label, m, a, r, macs, params, top1 in _V1_T]
    rows += [Printed("v2", "Table 4", label, m, a, 224, macs, params, top1)
             for label, m, a, macs, params, top1 in _V2_T4]
    rows += [Printed("v3", "Table 3", label, m, a, 224, macs, params, top1)
             for label, m, a, macs, params, top1 in _V3_T3]
    rows += [Printed("shufflenet", "Table 1", f"ShuffleNet 1× (g = {g}), Complexity", f"shufflenet_v1_g{g}",
                     1.0, 224, macs, None) for g, macs in SHUFFLENET_T1.items()]
    rows += [Printed("megvii", "Results", label, f"shufflenet_v1_g{g}", s, 224, macs, params,
                     params_convention="bn") for label, g, s, macs, params in _MEGVII]
    rows += [Printed("slim", "Mobilenet V2 checkpoints", f"mobilenet_v2_{a}_{r}", "mobilenet_v2", a, r,
                     macs, params) for a, r, macs, params in SLIM_V2]
    rows += [Printed("slim", "Mobilenet V3 checkpoints", label, m, a, 224, macs, params, top1, build=KERAS_V3)
             for label, m, a, macs, params, top1 in _SLIM_V3]
    rows += [Printed("torchvision", "weights metadata", w, m, 1.0, 224, ops, n, macs_unit=1e9, params_unit=1,
                     params_convention="bn", build=TORCHVISION_BUILD.get(m, ())) for w, m, n, ops in _TORCHVISION]
    for model, a, arch, total, trainable in _KERAS:
        label = f"{model}(alpha={a})"
        build = KERAS_V3 if arch.startswith("mobilenet_v3") else ()
        rows.append(Printed("keras", "count_params()", label, arch, a, 224, None, total, params_unit=1,
                            params_convention="bn_stats", build=build))
        if trainable != total:
            rows.append(Printed("keras", "trainable weights", label, arch, a, 224, None, trainable,
                                params_unit=1, params_convention="bn", build=build))
    return rows


ROWS: list[Printed] = _rows()


# -- the per-model view: the papers' rows, grouped -----------------------------------------------

@dataclass(frozen=True)
class Ref:
    alpha: float
    resolution: int
    macs_m: float
    params_m: float
    top1: float | None
    source: str


def _published() -> dict[str, list[Ref]]:
    """{architecture: [Ref]} from the papers' rows (not the releases): one Ref per printed
    (α, resolution, MACs, params, top-1), naming every table that prints it. Where a later paper
    prints other figures for a setting an earlier one printed (MobileNetV2's Table 4 on
    MobileNetV1), the earlier paper's stand; :mod:`costcalc.papers` shows both."""
    groups: dict[tuple, list[Printed]] = {}
    first: dict[tuple, tuple] = {}
    for p in ROWS:
        if p.source in ("v1", "v2", "v3") and p.macs and p.params:
            key = (p.model, p.alpha, p.resolution, p.macs, p.params, p.top1)
            if first.setdefault(key[:3], key) == key:
                groups.setdefault(key, []).append(p)
    out: dict[str, list[Ref]] = {}
    for (model, a, r, macs, params, top1), ps in groups.items():
        tables = [p.table.split()[1] for p in ps]
        label = "Table" if len(tables) == 1 else "Tables"
        source = f"{SOURCES[ps[0].source][0]} {label} {', '.join(tables)}"
        out.setdefault(model, []).append(Ref(a, r, float(macs), float(params), top1, source))
    return out


PUBLISHED: dict[str, list[Ref]] = _published()

# The MobileNet v1 paper's Table 2: share of mult-adds and of parameters by layer type.
V1_TABLE2 = {
    "Conv 1×1": (94.86, 74.59),
    "Conv DW 3×3": (3.06, 1.06),
    "Conv 3×3": (1.19, 0.02),
    "FC": (0.18, 24.33),
}

# The MobileNet v1 paper's Table 3: one layer, Dk = 3, M = N = 512, Df = 14, each row on top of
# the one before. (layer, Million Mult-Adds, Million Parameters) as printed, keyed by the row
# of `costcalc compare --kernel 3 --channels 512` that counts it.
V1_TABLE3 = {
    "standard": ("Convolution", "462", "2.36"),
    "separable": ("Depthwise Separable Conv", "52.3", "0.27"),
    "separable_alpha": ("α = 0.75", "29.6", "0.15"),
    "separable_alpha_rho": ("ρ = 0.714", "15.1", "0.15"),
}

# The MobileNet v1 paper's Table 1 (the body architecture), as printed: type / stride, filter
# shape, input size; "5×" rows stand for five repeats.
V1_TABLE1 = [
    ("Conv / s2", "3×3×3×32", "224×224×3"),
    ("Conv dw / s1", "3×3×32 dw", "112×112×32"),
    ("Conv / s1", "1×1×32×64", "112×112×32"),
    ("Conv dw / s2", "3×3×64 dw", "112×112×64"),
    ("Conv / s1", "1×1×64×128", "56×56×64"),
    ("Conv dw / s1", "3×3×128 dw", "56×56×128"),
    ("Conv / s1", "1×1×128×128", "56×56×128"),
    ("Conv dw / s2", "3×3×128 dw", "56×56×128"),
    ("Conv / s1", "1×1×128×256", "28×28×128"),
    ("Conv dw / s1", "3×3×256 dw", "28×28×256"),
    ("Conv / s1", "1×1×256×256", "28×28×256"),
    ("Conv dw / s2", "3×3×256 dw", "28×28×256"),
    ("Conv / s1", "1×1×256×512", "14×14×256"),
    ("5× Conv dw / s1", "3×3×512 dw", "14×14×512"),
    ("5× Conv / s1", "1×1×512×512", "14×14×512"),
    ("Conv dw / s2", "3×3×512 dw", "14×14×512"),
    ("Conv / s1", "1×1×512×1024", "7×7×512"),
    ("Conv dw / s2", "3×3×1024 dw", "7×7×1024"),
    ("Conv / s1", "1×1×1024×1024", "7×7×1024"),
    ("Avg Pool / s1", "Pool 7×7", "7×7×1024"),
    ("FC / s1", "1024×1000", "1×1×1024"),
    ("Softmax / s1", "Classifier", "1×1×1000"),
]

# The MobileNet v2 paper's Table 2: input, operator, t, c, n, s, as printed.
V2_TABLE2 = [
    ("224²×3", "conv2d", "-", "32", "1", "2"),
    ("112²×32", "bottleneck", "1", "16", "1", "1"),
    ("112²×16", "bottleneck", "6", "24", "2", "2"),
    ("56²×24", "bottleneck", "6", "32", "3", "2"),
    ("28²×32", "bottleneck", "6", "64", "4", "2"),
    ("14²×64", "bottleneck", "6", "96", "3", "1"),
    ("14²×96", "bottleneck", "6", "160", "3", "2"),
    ("7²×160", "bottleneck", "6", "320", "1", "1"),
    ("7²×320", "conv2d 1x1", "-", "1280", "1", "1"),
    ("7²×1280", "avgpool 7x7", "-", "-", "1", "-"),
    ("1×1×1280", "conv2d 1x1", "-", "k", "-", ""),
]

# The MobileNet v2 paper's Table 3, "max number of channels/memory (in Kb) that needs to be
# materialized at each spatial resolution", 16-bit floats: its "max" row. (The per-resolution
# rows are not stored: no copy of the table's body was at hand to cite.)
V2_TABLE3_MAX = {"mobilenet_v1": "1600K", "mobilenet_v2": "400K", "shufflenet_v1_g3@2": "600K"}

# A Ref's source that cites MobileNetV2's Table 4, whose MobileNetV1 row misprints 575M: every
# output that cites the table says so (EXPLAINED["v1@v2_table4"]).
V2_TABLE4 = f"{V2} Table"  # "... Table 4" or "... Tables 4, ..."


def cites_v2_table4(source: str) -> bool:
    rest = source[len(V2_TABLE4):] if source.startswith(V2_TABLE4) else ""
    return "4" in rest.lstrip("s ").split(", ")


# Where an exact count and a published figure differ, why (each checked by a test). Keys: an
# architecture (its first paper row), "name@α" for another width, or a note's own name.
EXPLAINED: dict[str, str] = {
    "mobilenet_v1_conv": "Table 4's 4866M leaves out the FC layer's 1.024M mult-adds "
                         "(convs alone: 4,866,269,184); MobileNet's own 569M includes it.",
    "mobilenet_v2": "3.4M is the 3,469,760 weights truncated; torchvision's 3,504,872 adds the "
                    "classifier bias and BN γ, β (the 'bn' row).",
    "vgg16": "15300M matches the 13 convolutions alone (15,346,630,656) to three figures; the "
             "three FC layers add 123,633,664.",
    "googlenet": "an approximation: GoogLeNet's own Table 1 ops column sums to about 1,586M (its "
                 "text says 1.5G) and its params column to 6.8M, undercounting the filters it "
                 "lists (inception 3a: 163,328 exact vs 159K printed); costcalc's exact count of "
                 "that table is 1,582,671,872 and of torchvision's variant (3×3 where the paper "
                 "has 5×5) 1,498,376,192 — 1550M is neither.",
    "mobilenet_v3_large": "the paper's 219M is 2.4M (1.1%) above the exact 216,589,760; the "
                          "authors' own release table (TF-slim, Large dm=1) prints 217M for the "
                          "same model, and torchvision's 0.217 GFLOPS and 5,483,032 parameters "
                          "are this build's (the 'bn' row); h-swish (1,511,264 ops) and the SE "
                          "scaling (597,408) together come to 2.1M, not 2.4M. 5.4M is the "
                          "5,451,272 weights truncated.",
    "mobilenet_v2@1.4": "the paper's 585M / 6.9M for width 1.4 is not what the authors released: "
                        "their TF-slim table prints 582M / 6.06M for mobilenet_v2_1.4_224, which "
                        "the torchvision / Keras channel rounding (make_divisible by 8) gives "
                        "exactly (582,195,824 / 6,059,840).",
    "squeezenet1_0": "1700M is SqueezeNet 1.0's FLOPs (2 per mult-add) on its 227×227 input, "
                     "1,665,335,872, to two figures; in mult-adds it is 832,667,936 (818,924,576 "
                     "at 224). 1.25M counts the biases (1,248,424; weights alone 1,244,448).",
    "alexnet_two_tower": "720M is the 724,406,816 mult-adds of the two-tower original at 227 px, "
                         "to two figures (torchvision's one-tower alexnet: 714,188,480 at 224); "
                         "60M is its 60,954,656 weights truncated, as the AlexNet paper's own "
                         "\"60 million parameters\".",
    "v1_table2": "Table 2 prints Conv 3×3 as 1.19% of mult-adds; the exact share is 1.91%, "
                 "and only 1.91 makes the four printed shares sum to 100% (with 1.19: 99.29%) "
                 "— transposed digits.",
    "v1_table1": "Table 1 prints the last depthwise conv as 'Conv dw / s2' at 7×7×1024; it must be "
                 "s1 (as here): stride 2 would leave a 4×4 map ((7 + 2 − 3) // 2 + 1 = 4), and the "
                 "next rows pool 7×7 over a 7×7×1024 input.",
    "v1@v2_table4": "MobileNetV2's Table 4 lists MobileNetV1 at 575M mult-adds; V1's own paper "
                    "(Tables 4, 6, 7, 8) and costcalc (568,740,352) give 569M.",
}
