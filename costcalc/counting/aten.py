"""An independent count at the aten level with PyTorch's own ``FlopCounterMode``.

``FlopCounterMode`` counts FLOPs as 2 x multiply-accumulates for convolutions and matrix
products (``torch/utils/flop_counter.py`` writes ``2 * m * n * k``) and leaves bias out, so
its figure halved is the papers' mult-add count. It knows nothing of costcalc's formulas, which
is what makes it a useful third opinion.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .hooks import is_leaf


def count_macs(model: nn.Module, input_shape: tuple, device: str = "meta") -> dict[str, int]:
    """MACs per leaf module name (and '' for the whole model), from one forward pass."""
    x = torch.empty(input_shape, device=device)
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        model(x)
    root = type(model).__name__
    counts = fc.get_flop_counts()
    leaves = {n for n, m in model.named_modules() if is_leaf(m)}
    out: dict[str, int] = {}
    for key, per_op in counts.items():
        name = "" if key in ("Global", root) else key[len(root) + 1:] if key.startswith(root + ".") else None
        if name is None or (name and name not in leaves):
            continue
        flops = sum(per_op.values())
        if flops % 2:
            raise AssertionError(f"odd FLOP count {flops} at {key}")
        out[name] = flops // 2
    out[""] = fc.get_total_flops() // 2
    return out
