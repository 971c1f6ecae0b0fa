"""Symbolic = hooks = aten, layer by layer, for every registered architecture — and proof that
the check can fail — plus the hook counter's own contract (costcalc.counting.hooks).

All on the meta device: no weights are initialised and no convolution is run.
"""

from __future__ import annotations

import dataclasses

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from costcalc import layers  # noqa: E402
from costcalc.archs import ARCHS, resolve_model  # noqa: E402
from costcalc.counting import hooks  # noqa: E402
from costcalc.counting.hooks import HookCounter, count  # noqa: E402
from costcalc.counting.verify import Verification, verify_model  # noqa: E402
from costcalc.nn.build import build_model  # noqa: E402
from costcalc.resolve import Resolved, Resolver  # noqa: E402
from costcalc.archs.spec import loads  # noqa: E402


# -- the three-way check over the registry ---------------------------------------------------

@pytest.mark.parametrize("alpha", [1.0, 0.5])
@pytest.mark.parametrize("resolution", [224, 160])
@pytest.mark.parametrize("name", list(ARCHS))
def test_symbolic_hooks_aten_agree(name, resolution, alpha):
    m = resolve_model(name, alpha=alpha, resolution=resolution)
    v = verify_model(m)
    assert v.mismatches == []
    assert v.unsupported == {}
    assert v.ok
    assert [c.id for c in v.checks] == [l.id for l in m.layers]  # joined on every layer id
    assert all(c.hook_macs is not None for c in v.checks)
    assert v.torch_params == m.params("bn")
    assert v.torch_bn_stats == m.params("bn_stats") - m.params("bn")
    assert v.aten_total == m.macs
    assert sum(c.hook_macs for c in v.checks) == m.macs


@pytest.mark.parametrize("name", list(ARCHS))
def test_shape_rules_count_what_torch_kernels_count(name):
    """count()'s shape rules (costcalc.counting.shapes) on every architecture: every record —
    name, input shape, cost and output shape — equals a pass that runs torch's meta kernels."""
    m = resolve_model(name, resolution=160)
    model = build_model(m)
    shape = (2, 3, 160, 160)
    fast, slow = count(model, shape), count(model, shape, shape_rules=False)
    assert fast.shape_rules and not slow.shape_rules
    assert fast.records == slow.records and fast.total_macs == 2 * m.macs
    assert all(r.shape_ok for r in fast.records)


def test_count_leaves_training_flags_as_they_were():
    with torch.device("meta"):
        net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Dropout(0.5))
    net[2].eval()  # a mixed model: one leaf already in eval mode
    seen = []
    net[1].register_forward_pre_hook(lambda mod, i: seen.append(mod.training))
    count(net, (1, 3, 8, 8))
    assert seen == [False]  # counted in eval mode
    assert [mod.training for mod in net.modules()] == [True, True, True, False]


def test_batch_scales_every_column():
    m = resolve_model("mobilenet_v2", alpha=0.5, resolution=96)
    v = verify_model(m, batch=3)
    assert v.ok
    assert v.aten_total == 3 * m.macs
    assert sum(c.hook_macs for c in v.checks) == 3 * m.macs
    assert v.torch_params == m.params("bn")  # weights do not scale with the batch


def test_custom_spec_with_dense_block_and_transition_verifies():
    # avg_pool (the transition's) is in no registered architecture; check it here.
    r = Resolver(resolution=32, width_rule="none")
    loads("""name = "tiny"
[[layers]]
block = "conv"
id = "stem"
c = 16
[[layers]]
block = "dense_block"
id = "db"
units = 3
growth = 8
[[layers]]
block = "transition"
id = "t"
[[layers]]
block = "global_pool"
id = "pool"
[[layers]]
block = "fc"
id = "fc"
classes = 10
""").build(r)
    m = Resolved("tiny", 1.0, 32, tuple(r.layers), {})
    v = verify_model(m)
    assert v.ok, v.mismatches
    assert v.aten_total == m.macs
    assert v.torch_params == m.params("bn")


# -- the check can fail ------------------------------------------------------------------------

def _with_cost(m: Resolved, layer_id: str, **changes) -> Resolved:
    """A copy of ``m`` whose one layer's symbolic cost is changed (the cached original is not)."""
    new = tuple(dataclasses.replace(l, cost=dataclasses.replace(l.cost, **changes)) if l.id == layer_id else l
                for l in m.layers)
    return dataclasses.replace(m, layers=new)


def test_wrong_symbolic_macs_is_caught():
    m = resolve_model("mobilenet_v1")
    true = m.layer("b3_pw").cost.macs  # 128·128·56·56 = 51,380,224
    assert true == 128 * 128 * 56 * 56
    bad = _with_cost(m, "b3_pw", macs=true + 1)
    v = verify_model(bad)
    assert not v.ok
    [c] = v.mismatches
    assert (c.id, c.symbolic_macs, c.hook_macs, c.aten_macs) == ("b3_pw", true + 1, true, true)
    assert verify_model(m).ok  # the registry's own copy is untouched


def test_wrong_symbolic_params_is_caught():
    m = resolve_model("mobilenet_v2", resolution=96)
    bad = _with_cost(m, "b5_dw_bn", bn_affine=0)  # forget BN γ, β on one layer
    [c] = verify_model(bad).mismatches
    assert c.id == "b5_dw_bn" and c.symbolic_params == 0 and c.hook_params == 2 * 192


def test_wrong_symbolic_shape_is_caught():
    m = resolve_model("mobilenet_v1", resolution=128)
    bad = _with_cost(m, "b2_dw", out_shape=(64, 64, 64))  # stride ignored: 64 px, not 32
    [c] = verify_model(bad).mismatches
    assert c.id == "b2_dw" and not c.shape_ok


def test_wrong_hook_formula_is_caught(monkeypatch):
    # The classic mistake: a depthwise conv counted as a standard conv (groups ignored).
    def ignore_groups(mod, xs, y):
        _, c, h, w = xs[0].shape
        return layers.conv2d(c, mod.out_channels, h, w, *mod.kernel_size, stride=tuple(mod.stride),
                             padding=tuple(mod.padding), groups=1, bias=mod.bias is not None)

    monkeypatch.setitem(hooks._HANDLERS, nn.Conv2d, ignore_groups)
    m = resolve_model("mobilenet_v1", resolution=128)
    v = verify_model(m)
    wrong = {c.id for c in v.mismatches}
    assert wrong == {f"b{i}_dw" for i in range(1, 14)}
    c = next(c for c in v.checks if c.id == "b1_dw")
    # 3·3·32·64·64 (right, symbolic and aten) vs 3·3·32·32·64·64 (hooks): 32× too many
    assert c.symbolic_macs == c.aten_macs == 9 * 32 * 64 * 64
    assert c.hook_macs == 32 * c.symbolic_macs


def test_unsupported_module_fails_verification():
    v = Verification(checks=[], torch_params=0, torch_bn_stats=0, aten_total=0,
                     unsupported={"rnn": "LSTM"})
    assert not v.ok


# -- hook counter semantics --------------------------------------------------------------------

def _net():
    with torch.device("meta"):
        return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))


NET_MACS = 3 * 3 * 3 * 8 * 16 * 16 + 8 * 10  # conv 55,296 + linear 80 = 55,376


def _hooks_left(model):
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_counter_totals_and_no_accumulation():
    model = _net()
    x = torch.empty(1, 3, 16, 16, device="meta")
    counter = HookCounter(model)
    for _ in range(2):  # the same counter used twice starts from zero each time
        with counter:
            model(x)
        assert counter.total_macs == NET_MACS
        assert [r.name for r in counter.records] == ["0", "1", "2", "3", "4", "5"]
    a, b = count(model, (1, 3, 16, 16)), count(model, (1, 3, 16, 16))
    assert a.total_macs == b.total_macs == NET_MACS and len(a.records) == len(b.records) == 6


def test_counter_removes_hooks_on_exit_even_after_an_error():
    model = _net()
    before = {n: set(vars(m)) for n, m in model.named_modules()}
    assert _hooks_left(model) == 0
    with HookCounter(model):
        assert _hooks_left(model) == 6  # one per leaf
    assert _hooks_left(model) == 0
    with pytest.raises(RuntimeError):
        with HookCounter(model):
            model(torch.empty(1, 5, 16, 16, device="meta"))  # wrong channel count
    assert _hooks_left(model) == 0
    model(torch.empty(1, 3, 16, 16, device="meta"))  # runs unhooked afterwards
    # nothing was written onto the modules (state lives on the counter)
    assert {n: set(vars(m)) for n, m in model.named_modules()} == before


def test_counter_lists_unsupported_leaves():
    class Scale(nn.Module):  # a custom leaf: arithmetic the counter has no handler for
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))

        def forward(self, x):
            return x * self.w

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 1, bias=False)
            self.scale = Scale()
            self.rnn = nn.LSTM(4, 4, batch_first=True)

        def forward(self, x):
            y = self.scale(self.conv(x))
            out, _ = self.rnn(y.flatten(2).transpose(1, 2))
            return out

    with torch.device("meta"):
        model = Net()
    c = count(model, (1, 3, 8, 8))
    assert c.unsupported == {"scale": "Scale", "rnn": "LSTM"}
    assert [r.name for r in c.records] == ["conv"]  # never silently a zero record
    assert c.total_macs == 3 * 4 * 8 * 8


def test_counter_batch_and_linear_on_sequences():
    with torch.device("meta"):
        lin = nn.Linear(16, 32)
    c = count(lin, (2, 5, 16))  # 2·5 positions × 16·32 = 5,120
    assert c.total_macs == 2 * 5 * 16 * 32
    assert c.records[0].actual_out_shape == (32,)


def test_counter_at_4096_px_on_meta():
    # All sides divide: 4096/32 = 128 vs 224/32 = 7, so conv MACs scale by exactly (128/7)².
    fc = 1024 * 1000
    m224, m4096 = resolve_model("mobilenet_v1"), resolve_model("mobilenet_v1", resolution=4096)
    c = count(build_model(m4096), (1, 3, 4096, 4096))
    assert c.unsupported == {}
    assert c.total_macs == m4096.macs
    assert (c.total_macs - fc) * 7**2 == (m224.macs - fc) * 128**2
    assert c.by_name()["pool"].in_shape == (1, 1024, 128, 128)
    assert all(r.shape_ok for r in c.records)
