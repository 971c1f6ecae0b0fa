"""Symbolic = hooks = aten, layer by layer, to the integer.

The symbolic column is the resolved spec's cost table (costcalc.layers formulas on the spec's
shapes); the hook column is the same formulas on the shapes torch actually produced; the aten
column is FlopCounterMode's count, which knows nothing of costcalc. A disagreement anywhere is
reported, never averaged away.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..resolve import Resolved


@dataclass(frozen=True)
class LayerCheck:
    id: str
    kind: str
    symbolic_macs: int
    hook_macs: int | None
    aten_macs: int | None
    symbolic_params: int
    hook_params: int | None
    shape_ok: bool

    @property
    def ok(self) -> bool:
        aten_ok = self.aten_macs is None or self.aten_macs == self.symbolic_macs
        return (self.hook_macs == self.symbolic_macs and aten_ok
                and self.hook_params == self.symbolic_params and self.shape_ok)


@dataclass(frozen=True)
class Verification:
    checks: list[LayerCheck]
    torch_params: int  # sum of p.numel() over the module
    torch_bn_stats: int  # running mean + var elements
    aten_total: int
    unsupported: dict

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and not self.unsupported

    @property
    def mismatches(self) -> list[LayerCheck]:
        return [c for c in self.checks if not c.ok]


def verify_model(resolved: Resolved, batch: int = 1) -> Verification:
    from . import aten, hooks
    from ..nn.build import build_model

    model = build_model(resolved)
    c = next((l.in_shape[0] for l in resolved.layers if "input" in l.inputs), 3)
    shape = (batch, c, resolved.resolution, resolved.resolution)
    counter = hooks.count(model, shape, shape_rules=False)  # torch's shapes
    records = counter.by_name()
    aten_macs = aten.count_macs(model, shape)
    checks = []
    for l in resolved.layers:
        rec = records.get(l.id)
        mac_kind = l.kind in ("conv2d", "linear")
        checks.append(LayerCheck(
            l.id, l.kind, l.cost.macs * batch,
            rec.cost.macs if rec else None,
            aten_macs.get(l.id, 0) if mac_kind else None,
            l.cost.params + l.cost.bias + l.cost.bn_affine,
            (rec.cost.params + rec.cost.bias + rec.cost.bn_affine) if rec else None,
            bool(rec) and rec.shape_ok and tuple(rec.actual_out_shape) == tuple(l.out_shape),
        ))
    torch_params = sum(p.numel() for p in model.parameters())
    bn_stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    return Verification(checks, torch_params, bn_stats, aten_macs[""], dict(counter.unsupported))
