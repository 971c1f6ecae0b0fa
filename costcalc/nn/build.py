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
