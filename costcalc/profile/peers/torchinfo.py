"""torchinfo 1.8.0 ``summary(model, input_size=...).total_mult_adds``, re-implemented on the profile.

No arithmetic: a count of parameters (``LayerInfo.calculate_macs`` in ``torchinfo/layer_info.py``,
summed by ``ModelStatistics`` in ``model_statistics.py``). Every call of a *leaf* module (no
children) counts; a non-leaf module's own parameters and any functional call count 0. In a leaf,
each parameter named ``weight`` or ``bias`` counts its elements × the output's batch size and,
when the class name contains ``"Conv"``, × the output's spatial positions too; a parameter whose
name merely contains "weight" or "bias" (an RNN's ``weight_ih_l0``) counts × the output's first
two sizes. So ``Conv2d`` gets its exact MACs (+ one add per output for a bias), but
``ConvTranspose2d`` is priced per *output* position (≈ stride² too many) and a ``Conv2d``
subclass whose name lacks "Conv" once per item; ``Linear`` costs weights + bias once per batch
item, whatever the tokens in between; BN its 2C affine parameters per item; ``PReLU`` its slopes;
activations, pools, adds 0. The output's size is its first tensor's (``nested_list_size``). A
pruned parameter (``weight_orig`` with a ``weight_mask``) counts its mask's ones, as ``weight``.
"""

from __future__ import annotations

import math

from torch import nn

from ..aten_ops import Profile, TensorMeta
from ..conventions import blank, convention

_NORM = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm) + ((nn.RMSNorm,) if hasattr(nn, "RMSNorm") else ())


def _size(out) -> list:
    """LayerInfo.calculate_size of an output: a tensor's size; a list or tuple's first item's;
    a dict's last value's."""
    if isinstance(out, TensorMeta):
        return list(out.shape)
    if isinstance(out, dict):
        return _size(list(out.values())[-1]) if out else []
    if isinstance(out, (list, tuple)) and out:
        return _size(out[0])
    return []


def _category(m: nn.Module, param: str) -> str:
    if isinstance(m, _NORM):
        return "norm"
    if isinstance(m, nn.PReLU):
        return "activation"
    kind = "conv" if isinstance(m, nn.modules.conv._ConvNd) else "linear" if isinstance(m, nn.Linear) else "other"
    return "bias" if param == "bias" and kind != "other" else kind


@convention("torchinfo", "torchinfo summary Mult-Adds: leaf weight + bias × output", tool="torchinfo")
def torchinfo(p: Profile, cov) -> dict:
    out = blank()
    for call in p.calls:
        m = call.module
        if any(m.children()):  # is_leaf_layer
            continue
        size = _size(call.out)
        conv = "Conv" in type(m).__name__
        for name, param in m.named_parameters():
            n = param.numel()
            if name.endswith("_orig") and hasattr(m, name[:-5] + "_mask"):  # get_param_count
                mask, name = getattr(m, name[:-5] + "_mask"), name[:-5]
                if mask.is_meta:
                    cov.missing[f"{type(m).__name__}.{name} (pruned: torchinfo counts its mask's ones, "
                                "values --device cpu reads)"] += 1
                    continue
                n = int(mask.sum())
            if name in ("weight", "bias"):
                per = math.prod(size[:1] + size[2:]) if conv else size[0]
            elif "weight" in name or "bias" in name:
                per = math.prod(size[:2])
            else:
                continue
            out[_category(m, name)] += per * n
    return out
