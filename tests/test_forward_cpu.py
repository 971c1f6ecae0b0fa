"""Every registered architecture is a real nn.Module: built on CPU with initialised weights, it
runs a real forward pass on a real random tensor. Small resolution (64 px) keeps it quick.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from costcalc.archs import ARCHS, resolve_model  # noqa: E402
from costcalc.counting.hooks import count  # noqa: E402
from costcalc.nn.build import GraphNet, build_model  # noqa: E402

RES = 64


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.mark.parametrize("name", list(ARCHS))
def test_forward_on_cpu(name):
    res = max(RES, ARCHS[name].min_side)  # the two-tower AlexNet needs 67 px
    m = resolve_model(name, resolution=res)
    model = build_model(m, device="cpu").eval()
    assert isinstance(model, GraphNet)
    # module names are the spec's layer ids, one module per layer
    assert set(dict(model.named_children())) == {l.id for l in m.layers}
    assert len(list(model.children())) == len(m.layers)
    p = next(model.parameters())
    assert p.device.type == "cpu" and not p.is_meta
    assert sum(p.numel() for p in model.parameters()) == m.params("bn")
    x = torch.randn(1, 3, res, res)
    with torch.no_grad():
        y = model(x)
    assert y.shape == (1, 1000)
    assert y.dtype == torch.float32
    assert torch.isfinite(y).all()
    assert y.std() > 0  # a real computation, not a constant


@pytest.mark.parametrize("name", ["mobilenet_v2", "dense2_mobilenet", "googlenet"])
def test_hooks_on_real_tensors_match_spec(name):
    # The hook counter on CPU tensors: same totals and per-layer shapes as the spec.
    m = resolve_model(name, alpha=0.5, resolution=RES)
    model = build_model(m, device="cpu")
    c = count(model, (2, 3, RES, RES), device="cpu")
    assert c.unsupported == {}
    assert c.total_macs == 2 * m.macs
    recs = c.by_name()
    for l in m.layers:
        assert recs[l.id].actual_out_shape == tuple(l.out_shape), l.id


def test_train_mode_forward_and_backward():
    # A real module trains: gradients reach the first conv through BN, ReLU6 and residual adds.
    m = resolve_model("mobilenet_v2", alpha=0.35, resolution=RES)
    model = build_model(m, device="cpu").train()
    y = model(torch.randn(2, 3, RES, RES))
    y.logsumexp(dim=1).mean().backward()
    g = model.get_submodule("conv1").weight.grad
    assert g is not None and torch.isfinite(g).all() and g.abs().sum() > 0
