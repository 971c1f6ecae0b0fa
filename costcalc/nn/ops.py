"""Functional operations as leaf modules, so forward hooks see them (adds, scaling,
concatenation)."""

from __future__ import annotations

import torch
from torch import nn


class Add(nn.Module):
    """Residual add of two tensors."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a + b


class Scale(nn.Module):
    """Per-channel scaling: an N×C×H×W map times an N×C×1×1 gate (squeeze-and-excitation)."""

    def forward(self, x: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
        return x * gate


class Concat(nn.Module):
    """Concatenation along channels (dense connections, inception branches)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=1)
