"""Torch layers for the rows of :func:`costcalc.compare.compare_layer` (``--verify``)."""

from __future__ import annotations

import torch
from torch import nn


def _conv(c_in, c_out, k, stride=1, padding=0, groups=1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, k, stride=stride, padding=padding, groups=groups, bias=False)


def build_compare_row(layer: str, st, groups: int = 1) -> tuple[nn.Module, tuple]:
    """The torch layers for one comparison row, on the meta device, and their input shape."""
    k, M, N, s, p, Di, Df = st.Dk, st.M, st.N, st.s, st.p, st.Di, st.Df
    with torch.device("meta"):
        dw = lambda: _conv(M, M, k, s, p, groups=M)
        pw = lambda: _conv(M, N, 1)
        if layer == "standard":
            return _conv(M, N, k, s, p), (1, M, Di, Di)
        if layer == "depthwise":
            return dw(), (1, M, Di, Di)
        if layer == "pointwise":
            return pw(), (1, M, Df, Df)
        if layer in ("separable", "separable_alpha", "separable_alpha_rho"):
            return nn.Sequential(dw(), pw()), (1, M, Di, Di)
        if layer == "spatial_separable":
            return nn.Sequential(_conv(M, N, (k, 1), padding=(p, 0)),
                                 _conv(N, N, (1, k), padding=(0, p))), (1, M, Di, Di)
        if layer == "grouped":
            return _conv(M, N, k, s, p, groups=groups), (1, M, Di, Di)
    raise KeyError(layer)


ACTIVATIONS = {"relu": nn.ReLU, "relu6": nn.ReLU6, "hardswish": nn.Hardswish,
               "hardsigmoid": nn.Hardsigmoid, "sigmoid": nn.Sigmoid, "silu": nn.SiLU}


def _module(layer) -> nn.Module:
    from .ops import Add, Concat, Scale

    a = layer.args
    if layer.kind == "conv2d":
        return nn.Conv2d(a["c_in"], a["c_out"], (a["kh"], a["kw"]), stride=a["stride"],
                         padding=a["padding"], groups=a["groups"], bias=a["bias"])
    if layer.kind == "batch_norm":
        return nn.BatchNorm2d(a["c"])
    if layer.kind == "activation":
        return ACTIVATIONS[layer.act]()
    if layer.kind == "linear":
        return nn.Linear(a["in_features"], a["out_features"], bias=a["bias"])
    if layer.kind == "global_avg_pool":
        return nn.AdaptiveAvgPool2d(1)
    if layer.kind == "avg_pool":
        return nn.AvgPool2d(a["k"], a["stride"], a["padding"])
    if layer.kind == "max_pool":
        return nn.MaxPool2d(a["k"], a["stride"], a["padding"], ceil_mode=a.get("ceil_mode", False))
    if layer.kind == "adaptive_avg_pool":
        return nn.AdaptiveAvgPool2d((a["oh"], a["ow"]))
    if layer.kind == "channel_shuffle":
        return nn.ChannelShuffle(a["groups"])
    if layer.kind == "flatten":
        return nn.Flatten()
    if layer.kind == "add":
        return Add()
    if layer.kind == "concat":
        return Concat()
    if layer.kind == "scale":
        return Scale()
    raise KeyError(f"no torch module for layer kind {layer.kind!r}")


class GraphNet(nn.Module):
    """Runs resolved layers in order; each reads the outputs named in its ``inputs``.

    Module names are the spec's layer ids, so hooks, FlopCounterMode and the symbolic table
    all key their rows the same way.
    """

    def __init__(self, resolved_layers):
        super().__init__()
        self.plan = [(l.id, tuple(l.inputs)) for l in resolved_layers]
        for l in resolved_layers:
            if hasattr(self, l.id):  # a spec's id such as "forward" or "training"
                from ..errors import CostcalcError

                raise CostcalcError(f"layer id {l.id!r} is a name torch's nn.Module uses; "
                                    f"rename that layer in the spec")
            self.add_module(l.id, _module(l))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = {"input": x}
        y = x
        for id, inputs in self.plan:
            y = self._modules[id](*(outs[i] for i in inputs))
            outs[id] = y
        return y


def build_model(resolved, device: str = "meta") -> GraphNet:
    """The nn.Module of a resolved architecture (on the meta device unless told otherwise)."""
    with torch.device(device):
        return GraphNet(resolved.layers)
