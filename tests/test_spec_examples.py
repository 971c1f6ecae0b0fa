"""The example spec files (examples/specs/*.toml) against the real networks: torchvision's own
modules, counted on the meta device by FlopCounterMode (FLOPs / 2) and by their parameters.
Each must equal costcalc's count of the spec to the integer, MACs, conv + FC weights and every
torch parameter, and each spec must pass the three-way check (symbolic = hooks = aten).
"""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

from costcalc.archs import resolve_model  # noqa: E402
from costcalc.counting.aten import count_macs  # noqa: E402
from costcalc.counting.verify import verify_model  # noqa: E402

SPECS = Path(__file__).resolve().parent.parent / "examples" / "specs"


def _torchvision(name: str, resolution: int, **kwargs) -> tuple[int, int, int]:
    """(MACs, conv + FC weights, all parameters) of a torchvision model, on meta."""
    with torch.device("meta"):
        model = torchvision.models.get_model(name, **kwargs)
    macs = count_macs(model, (1, 3, resolution, resolution))[""]
    weights = sum(p.numel() for p in model.parameters() if p.dim() > 1)
    return macs, weights, sum(p.numel() for p in model.parameters())


CASES = [
    # spec, torchvision model (kwargs), alpha, resolution, the published exact MACs where known
    ("mobilenet_v2", "mobilenet_v2", {}, 1.0, 224, 300_774_272),
    ("mobilenet_v2", "mobilenet_v2", {"width_mult": 0.35}, 0.35, 160, None),
    ("mobilenet_v2", "mobilenet_v2", {"width_mult": 1.4}, 1.4, 224, None),
    ("mnasnet1_0", "mnasnet1_0", {}, 1.0, 224, 314_415_872),
    ("mnasnet1_0", "mnasnet0_5", {}, 0.5, 224, None),
    ("mnasnet1_0", "mnasnet0_75", {}, 0.75, 192, None),
    ("efficientnet_b0", "efficientnet_b0", {}, 1.0, 224, 385_814_752),
    ("efficientnet_b0", "efficientnet_b0", {}, 1.0, 160, None),
    ("efficientnet_v2_s", "efficientnet_v2_s", {}, 1.0, 224, None),
]


@pytest.mark.parametrize("spec,tv,kwargs,alpha,res,published", CASES,
                         ids=[f"{c[1]}-{c[3]:g}-{c[4]}" for c in CASES])
def test_spec_equals_torchvision(spec, tv, kwargs, alpha, res, published):
    m = resolve_model(str(SPECS / f"{spec}.toml"), alpha=alpha, resolution=res)
    macs, weights, params = _torchvision(tv, res, **kwargs)
    assert (m.macs, m.params(), m.params("bn")) == (macs, weights, params)
    if published is not None:
        assert m.macs == published


def test_the_issue_numbers():
    # mobilenet_v2: 300,774,272 MACs, 3,469,760 weights, 3,504,872 torch parameters;
    # efficientnet_b0: 385,814,752 / 5,236,192 / 5,288,548; mnasnet1_0: 314,415,872 / 4,344,392
    # / 4,383,312 (torchvision's published num_params for all three)
    expect = {"mobilenet_v2": (300_774_272, 3_469_760, 3_504_872),
              "efficientnet_b0": (385_814_752, 5_236_192, 5_288_548),
              "mnasnet1_0": (314_415_872, 4_344_392, 4_383_312)}
    for spec, counts in expect.items():
        m = resolve_model(str(SPECS / f"{spec}.toml"))
        assert (m.macs, m.params(), m.params("bn")) == counts, spec
    # the spec file and the built-in mobilenet_v2 are the same network, layer by layer
    a, b = resolve_model(str(SPECS / "mobilenet_v2.toml")), resolve_model("mobilenet_v2")
    assert [(l.id, l.kind, l.cost) for l in a.layers] == [(l.id, l.kind, l.cost) for l in b.layers]


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_example_spec_verifies(path):
    for alpha, res in ((1.0, None), (0.5, 128)):
        m = resolve_model(str(path), alpha=alpha, resolution=res)
        v = verify_model(m)
        assert v.ok, (path.name, v.mismatches)
        assert v.torch_params == m.params("bn") and v.aten_total == m.macs
