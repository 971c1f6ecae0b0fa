"""The development zoo: real torchvision and timm models, each real peer tool's total beside
costcalc's convention (shared by ``test_zoo.py`` and the README table, ``zoo_table.py``).

Models are built on the meta device (no weight initialisation: seconds saved on VGG); a tool that
must compute gets its own fresh copy with zero weights (``costcalc.profile.installed``).
torchvision imports here only through the tests' shim (``tests/torchvision_shim``).
"""

from __future__ import annotations

import functools
import warnings

import torch

from costcalc.profile import conventions, installed
from costcalc.profile.aten_ops import profile_model

# (hub:name, input shape): the 28 models, then models chosen for rules those lack
# (GroupNorm and count_include_pad=False pools, BatchNorm1d after Linear, nearest and bilinear
# upsampling, weight-standardised convs calling F.batch_norm, F.normalize, MixedConv splits,
# TF "same" padding arithmetic on traced sizes, leaky ReLU, lambda layers' einsum, class attention,
# a segmentation head).
SHAPE = (1, 3, 224, 224)
ZOO = [
    "torchvision:resnet18", "torchvision:resnet50", "torchvision:mobilenet_v2",
    "torchvision:mobilenet_v3_large", "torchvision:mobilenet_v3_small", "torchvision:efficientnet_b0",
    "torchvision:shufflenet_v2_x1_0", "torchvision:squeezenet1_0", "torchvision:mnasnet1_0",
    "torchvision:regnet_y_400mf", "torchvision:densenet121", "torchvision:googlenet",
    "torchvision:convnext_tiny", "torchvision:vit_b_16", "torchvision:swin_t", "torchvision:alexnet",
    "torchvision:vgg11",
    "timm:mobilenetv3_large_100", "timm:efficientnet_b0", "timm:ghostnet_100", "timm:mobilevit_s",
    "timm:resnet18", "timm:convnext_atto", "timm:lcnet_050", "timm:repvgg_a0", "timm:tinynet_a",
    "timm:fbnetc_100", "timm:deit_tiny_patch16_224",
    "timm:poolformer_s12", "timm:levit_128s", "timm:pvt_v2_b0", "timm:hrnet_w18_small",
    "timm:nf_regnet_b0", "timm:mobilevitv2_050", "timm:edgenext_xx_small", "timm:mixnet_s",
    "timm:tf_mobilenetv3_small_075", "timm:tresnet_m", "timm:lambda_resnet26t", "timm:cait_xxs24_224",
    "torchvision:lraspp_mobilenet_v3_large",  # segmentation: bilinear F.interpolate, a dict output
]

# conventions checked against an installed tool, in the table's column order
TOOLS = ["fvcore", "torchprofile", "ptflops", "thop", "torchinfo", "flops"]

# (model, tool) -> the start of the tool's own failure on that model (costcalc still counts it)
KNOWN_FAILURES = {
    # ModuleTracker registers a grad hook on cait's class token, an input that is a parameter
    ("timm:cait_xxs24_224", "flops"): "fails: AssertionError: Expected gradient function to be set",
}


def build(name: str) -> torch.nn.Module:
    hub, _, model = name.partition(":")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # googlenet's note on its weight init
        try:
            with torch.device("meta"):
                return _build(hub, model)
        except Exception:  # a constructor that reads tensor values (regnet): build on cpu
            return _build(hub, model)


def _build(hub: str, model: str):
    if hub == "torchvision":
        import torchvision

        kw = {"weights_backbone": None} if model in torchvision.models.list_models(torchvision.models.segmentation) else {}
        return torchvision.models.get_model(model, **kw)
    import timm

    return timm.create_model(model, pretrained=False)


@functools.lru_cache(maxsize=2)
def ours(name: str) -> dict:
    """{convention: Result} from one costcalc profile of ``name``: every convention the tests read."""
    return conventions.evaluate(profile_model(build(name), SHAPE), ["paper", "all-ops", *TOOLS])


def theirs(name: str, tool: str) -> installed.Outcome:
    return installed.run(tool, lambda: build(name), SHAPE, "meta")
