"""Formula = forward hooks = FlopCounterMode, on random conv / transposed conv / linear layers.

For each random configuration hypothesis draws, three independent counts must agree to the
integer: :mod:`costcalc.layers` (the formula), :func:`costcalc.counting.hooks.count` (the
formula applied to the shapes a real ``nn.Module`` sees, and its real output shape) and
:func:`costcalc.counting.aten.count_macs` (PyTorch's ``FlopCounterMode`` FLOPs / 2, which knows
nothing of costcalc). Parameters must equal ``sum(p.numel())``. Everything runs on the ``meta``
device with batch 1, so no memory is allocated and no convolution is computed.
"""

from __future__ import annotations

import dataclasses

import pytest

torch = pytest.importorskip("torch")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402

from costcalc import layers  # noqa: E402
from costcalc.counting import aten, hooks  # noqa: E402

PROPERTY = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _divisors_of_both(a: int, b: int) -> list[int]:
    return [g for g in range(1, min(a, b) + 1) if a % g == 0 and b % g == 0]


@st.composite
def channels_and_groups(draw):
    if draw(st.booleans()):  # depthwise-like: groups = in = out channels, often
        c = draw(st.integers(1, 64))
        return c, c, c
    c_in, c_out = draw(st.integers(1, 64)), draw(st.integers(1, 64))
    return c_in, c_out, draw(st.sampled_from(_divisors_of_both(c_in, c_out)))


def _pair(lo: int, hi: int):
    """A (height, width) pair; square half the time."""
    side = st.integers(lo, hi)
    return st.one_of(side.map(lambda v: (v, v)), st.tuples(side, side))


def _check(module: nn.Module, input_shape: tuple, expected: layers.Cost):
    counter = hooks.count(module, input_shape)
    assert not counter.unsupported
    assert len(counter.records) == 1
    rec = counter.records[0]
    assert rec.shape_ok, (rec.cost.out_shape, rec.actual_out_shape)
    assert tuple(rec.actual_out_shape) == tuple(expected.out_shape)
    assert rec.cost.macs == expected.macs == counter.total_macs
    assert rec.cost.params == expected.params
    assert rec.cost.bias == expected.bias
    aten_macs = aten.count_macs(module, input_shape)
    assert aten_macs[""] == expected.macs, (aten_macs, expected.macs)
    assert expected.params + expected.bias == sum(p.numel() for p in module.parameters())
    assert expected.params == module.weight.numel()
    assert expected.bias == (0 if module.bias is None else module.bias.numel())


@PROPERTY
@given(cg=channels_and_groups(), k=_pair(1, 7), s=_pair(1, 3), p=_pair(0, 3), d=_pair(1, 3),
       size=_pair(1, 64), bias=st.booleans())
def test_conv2d(cg, k, s, p, d, size, bias):
    c_in, c_out, g = cg
    # skip when the (dilated) kernel is larger than the padded input
    assume(all(i + 2 * pp >= dd * (kk - 1) + 1 for i, kk, pp, dd in zip(size, k, p, d)))
    expected = layers.conv2d(c_in, c_out, *size, *k, stride=s, padding=p, dilation=d, groups=g, bias=bias)
    with torch.device("meta"):
        module = nn.Conv2d(c_in, c_out, k, stride=s, padding=p, dilation=d, groups=g, bias=bias)
    _check(module, (1, c_in, *size), expected)


@PROPERTY
@given(cg=channels_and_groups(), k=_pair(1, 7), s=_pair(1, 3), p=_pair(0, 3), d=_pair(1, 3),
       op=_pair(0, 2), size=_pair(1, 64), bias=st.booleans())
def test_conv_transpose2d(cg, k, s, p, d, op, size, bias):
    c_in, c_out, g = cg
    # torch: output_padding must be smaller than either stride or dilation
    assume(all(o < max(ss, dd) for o, ss, dd in zip(op, s, d)))
    out = [layers.transposed_out_side(i, kk, ss, pp, dd, o)
           for i, kk, ss, pp, dd, o in zip(size, k, s, p, d, op)]
    assume(min(out) >= 1)
    expected = layers.conv_transpose2d(c_in, c_out, *size, *k, stride=s, padding=p, output_padding=op,
                                       dilation=d, groups=g, bias=bias)
    assert expected.out_shape == (c_out, *out)
    assert expected.macs == k[0] * k[1] * c_in * (c_out // g) * size[0] * size[1]  # on the input positions
    with torch.device("meta"):
        module = nn.ConvTranspose2d(c_in, c_out, k, stride=s, padding=p, output_padding=op,
                                    dilation=d, groups=g, bias=bias)
    _check(module, (1, c_in, *size), expected)


@PROPERTY
@given(n_in=st.integers(1, 64), n_out=st.integers(1, 64), bias=st.booleans(),
       lead=st.sampled_from([(), (1,), (5,), (3, 2)]))
def test_linear(n_in, n_out, bias, lead):
    # lead: extra dimensions before the features (a sequence, say); every row is one product
    rows = 1
    for x in lead:
        rows *= x
    per_row = layers.linear(n_in, n_out, bias=bias)
    assert per_row.macs == n_in * n_out
    expected = dataclasses.replace(per_row, macs=per_row.macs * rows)
    with torch.device("meta"):
        module = nn.Linear(n_in, n_out, bias=bias)
    _check(module, (1, *lead, n_in), expected)


# -- the counters themselves ------------------------------------------------------------------

def _small_net():
    with torch.device("meta"):
        return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                             nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.Conv2d(8, 16, 1),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


def test_small_net_all_counters_agree():
    net = _small_net()
    shape = (1, 3, 16, 16)
    counter = hooks.count(net, shape)
    by_name = counter.by_name()
    assert by_name["0"].cost.macs == 3 * 3 * 3 * 8 * 16 * 16  # 55,296
    assert by_name["3"].cost.macs == 3 * 3 * 8 * 16 * 16  # depthwise: 18,432
    assert by_name["4"].cost.macs == 8 * 16 * 16 * 16  # pointwise: 32,768
    assert by_name["7"].cost.macs == 16 * 10
    assert all(r.shape_ok for r in counter.records)
    assert not counter.unsupported
    per_module = aten.count_macs(net, shape)
    assert per_module[""] == counter.total_macs == 55_296 + 18_432 + 32_768 + 160
    for name in ("0", "3", "4", "7"):
        assert per_module[name] == by_name[name].cost.macs, name


def test_counts_do_not_accumulate_and_hooks_are_removed():
    net = _small_net()
    first = hooks.count(net, (1, 3, 16, 16)).total_macs
    assert hooks.count(net, (1, 3, 16, 16)).total_macs == first
    assert all(not m._forward_hooks for m in net.modules())


def test_meta_count_skips_shape_preserving_leaves_and_restores_them():
    """On meta, BN / activations are priced from their input shape without running their
    (Python-decomposed) meta kernels; the records equal a run that executes them."""
    net = _small_net()
    shape = (2, 3, 16, 16)
    x = torch.empty(shape, device="meta")
    with torch.no_grad(), hooks.HookCounter(net) as ran:  # every leaf runs
        net(x)
    calls = []
    real_bn_forward = nn.BatchNorm2d.forward
    try:  # spy on the class's forward: a skipped leaf never reaches it
        nn.BatchNorm2d.forward = lambda self, t: calls.append(t) or real_bn_forward(self, t)
        skipped = hooks.count(net, shape)
    finally:
        nn.BatchNorm2d.forward = real_bn_forward
    assert calls == []
    assert skipped.records == ran.records and skipped.total_macs == ran.total_macs
    assert all("forward" not in m.__dict__ for m in net.modules())  # nothing left on modules
    hooks.count(net, shape, device="meta")
    with torch.no_grad(), hooks.HookCounter(net, shape_rules=True):
        pass
    assert all("forward" not in m.__dict__ for m in net.modules())


def test_skipping_restores_an_instance_forward_and_survives_errors():
    net = _small_net()
    own = lambda t: t  # noqa: E731  a user's own per-instance forward
    net[2].forward = own
    with pytest.raises(RuntimeError):  # 5 channels into a 3-channel conv fails inside the block
        hooks.count(net, (1, 5, 16, 16))
    assert net[2].__dict__["forward"] is own
    assert "forward" not in net[1].__dict__ and not any(m._forward_hooks for m in net.modules())


def test_ruled_leaves_still_raise_what_torch_raises():
    """A shape rule never makes a bad model countable: where it does not apply, torch runs."""
    from costcalc.nn.ops import Add

    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.add = nn.Conv2d(4, 4, 3, stride=2, padding=1), Add()

        def forward(self, x):
            return self.add(x, self.conv(x))  # 8x8 + 4x4: not a valid residual

    with torch.device("meta"):
        net = Bad()
    with pytest.raises(RuntimeError, match="broadcast"):
        hooks.count(net, (1, 4, 8, 8))
    with torch.device("meta"):  # batch norm over the wrong number of channels
        wrong_bn = nn.Sequential(nn.Conv2d(3, 8, 1), nn.BatchNorm2d(6))
    with pytest.raises(RuntimeError):
        hooks.count(wrong_bn, (1, 3, 8, 8))
    with pytest.raises(RuntimeError):  # a conv fed the wrong number of channels
        hooks.count(nn.Conv2d(3, 8, 1, device="meta"), (1, 4, 8, 8))


def test_batch_scales_macs_not_params():
    with torch.device("meta"):
        conv = nn.Conv2d(4, 6, 3, bias=True)
    one, four = hooks.count(conv, (1, 4, 9, 9)), hooks.count(conv, (4, 4, 9, 9))
    assert four.total_macs == 4 * one.total_macs == aten.count_macs(conv, (4, 4, 9, 9))[""]
    assert four.records[0].cost.params == one.records[0].cost.params


def test_module_called_twice_is_recorded_twice():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)

        def forward(self, x):
            return self.conv(self.conv(x))

    with torch.device("meta"):
        net = Twice()
    counter = hooks.count(net, (1, 4, 8, 8))
    assert [r.name for r in counter.records] == ["conv", "conv#2"]
    assert counter.total_macs == 2 * 3 * 3 * 4 * 4 * 8 * 8 == aten.count_macs(net, (1, 4, 8, 8))[""]


def test_unsupported_module_is_reported_not_zero():
    class Odd(nn.Module):  # a leaf type with no handler
        def forward(self, x):
            return x * 2

    with torch.device("meta"):
        net = nn.Sequential(nn.Conv2d(3, 4, 3), Odd())
    counter = hooks.count(net, (1, 3, 8, 8))
    assert counter.unsupported == {"1": "Odd"}


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("k,d", [(3, 1), (5, 2), (4, 1), (2, 3), (4, 2)])
def test_conv2d_padding_same(k, d):
    # torch pads 'same' asymmetrically when d·(k−1) is odd (k = 4, d = 1: 1 before, 2 after);
    # the output side always equals the input side.
    with torch.device("meta"):
        conv = nn.Conv2d(4, 6, k, padding="same", dilation=d, bias=False)
    counter = hooks.count(conv, (1, 4, 10, 10))
    rec = counter.records[0]
    assert tuple(rec.actual_out_shape) == (6, 10, 10)
    assert rec.shape_ok, f"hooks expected {rec.cost.out_shape}, torch gave {rec.actual_out_shape}"
    assert counter.total_macs == k * k * 4 * 6 * 10 * 10 == aten.count_macs(conv, (1, 4, 10, 10))[""]


# -- calls the counter must take as torch takes them (from a new-user review) -----------------

class _Calls(nn.Module):
    """One conv called by keyword, one pool returning indices, one unbatched conv."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.single = nn.Conv2d(4, 2, 1)
        self.shuffle = nn.ChannelShuffle(2)

    def forward(self, x):
        y = self.conv(input=x)  # keyword argument
        y, _ = self.pool(y)
        z = self.single(y[0])  # C×H×W: torch takes it as one image
        return self.shuffle(z.unsqueeze(0).flatten(2))  # 1×2×16: a 3-D channel shuffle


@pytest.mark.parametrize("shape_rules", [True, False])
def test_keyword_calls_indices_and_unbatched_inputs(shape_rules):
    with torch.device("meta"):
        net = _Calls()
    c = hooks.count(net, (2, 3, 8, 8), shape_rules=shape_rules)
    r = c.by_name()
    assert r["conv"].cost.macs == 2 * 3 * 3 * 3 * 4 * 8 * 8  # 13,824: batch 2 scales it
    assert r["pool"].actual_out_shape == (4, 4, 4) and r["pool"].shape_ok
    assert r["single"].in_shape == (4, 4, 4) and r["single"].actual_out_shape == (2, 4, 4)
    assert r["single"].cost.macs == 4 * 2 * 4 * 4  # 128: one image, not four
    assert r["shuffle"].actual_out_shape == (2, 16) and r["shuffle"].shape_ok
    assert all(x.shape_ok for x in c.records) and not c.unsupported
    per_module = aten.count_macs(net, (2, 3, 8, 8))
    assert per_module["conv"] == r["conv"].cost.macs and per_module["single"] == r["single"].cost.macs


def test_conv_transpose_checks_torch_makes_on_cpu_but_not_on_meta():
    from costcalc.errors import ShapeError

    with torch.device("meta"):
        up = nn.ConvTranspose2d(4, 6, 3)
    with pytest.raises(ShapeError, match="fed 5 channels"):
        hooks.count(up, (1, 5, 5, 5))
    with torch.device("meta"):
        bad_op = nn.ConvTranspose2d(4, 6, 3, stride=1, output_padding=1)
    with pytest.raises(ShapeError, match="output padding"):
        hooks.count(bad_op, (1, 4, 5, 5))
    with pytest.raises(RuntimeError):  # and CPU agrees that it is an error
        nn.ConvTranspose2d(4, 6, 3, stride=1, output_padding=1)(torch.zeros(1, 4, 5, 5))


def test_conv_transpose_with_output_size():
    class Up(nn.Module):
        def __init__(self):
            super().__init__()
            self.up = nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1)

        def forward(self, x):
            return self.up(x, output_size=[12, 12])  # 11×11 by default; 12×12 asked for

    with torch.device("meta"):
        net = Up()
    rec = hooks.count(net, (1, 4, 6, 6)).records[0]
    assert rec.actual_out_shape == (4, 12, 12) and rec.shape_ok
    assert rec.cost.macs == 3 * 3 * 4 * 4 * 6 * 6  # 5,184: on the input positions either way


def test_batch_statistics_checks_survive_the_shape_rules():
    with torch.device("meta"):  # eval, but no running statistics: batch statistics, as training
        bn = nn.BatchNorm2d(3, track_running_stats=False)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        hooks.count(bn, (1, 3, 1, 1))
