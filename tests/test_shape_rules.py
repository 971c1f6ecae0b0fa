"""The shape rules of costcalc.counting.shapes against torch's own meta kernels.

For random layer configurations and inputs — including ones torch rejects — a rule either
returns exactly the output torch's real ``forward`` returns (shape and dtype), or returns None
where torch raises. On the ordinary inputs generated here (batched NCHW meta tensors of the
weights' dtype) a rule may not decline a configuration torch accepts: that would make the
fast path silently fall back everywhere.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from hypothesis import given, settings, strategies as st  # noqa: E402
from torch import nn  # noqa: E402

from costcalc import layers  # noqa: E402
from costcalc.counting import hooks, shapes  # noqa: E402
from costcalc.nn import ops  # noqa: E402

small = st.integers(1, 5)
size = st.integers(1, 12)


def _agree(module: nn.Module, *inputs, must_apply: bool = True):
    ruled = shapes.output(module, *inputs)
    try:
        with torch.no_grad():
            real = type(module).forward(module, *inputs)
    except (RuntimeError, ValueError, IndexError) as e:
        assert ruled is None, f"torch raises ({str(e).splitlines()[0]}) but the rule gives {tuple(ruled.shape)}"
        return None
    if must_apply:
        assert ruled is not None, f"rule declined a valid {module} on {[tuple(x.shape) for x in inputs]}"
    if ruled is not None:
        assert ruled.shape == real.shape and ruled.dtype == real.dtype and ruled.device == real.device
    return real


def _x(n, c, h, w, dtype=torch.float32):
    return torch.empty((n, c, h, w), device="meta", dtype=dtype)


@settings(max_examples=300, deadline=None)
@given(c_in=small, mult=small, groups=st.integers(1, 3), k=st.tuples(small, small),
       s=st.tuples(small, small), d=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       p=st.one_of(st.tuples(st.integers(0, 3), st.integers(0, 3)), st.just("valid"), st.just("same")),
       h=size, w=size, n=st.integers(1, 2), extra_c=st.integers(0, 1),
       mode=st.sampled_from(["zeros", "reflect", "replicate", "circular"]), bias=st.booleans())
def test_conv2d(c_in, mult, groups, k, s, d, p, h, w, n, extra_c, mode, bias):
    if p == "same":
        s = (1, 1)  # nn.Conv2d refuses 'same' with a stride
    try:
        m = nn.Conv2d(c_in * groups, mult * groups, k, s, p, d, groups, bias, mode, device="meta")
    except (ValueError, RuntimeError):
        return  # a configuration the constructor refuses never reaches forward
    # extra_c: a channel count torch rejects; non-zero padding modes are left to torch
    _agree(m, _x(n, c_in * groups + extra_c, h, w), must_apply=mode == "zeros")


@settings(max_examples=200, deadline=None)
@given(c_in=small, c_out=small, groups=st.integers(1, 2), k=st.tuples(small, small),
       s=st.tuples(small, small), p=st.tuples(st.integers(0, 3), st.integers(0, 3)),
       op=st.tuples(st.integers(0, 2), st.integers(0, 2)), d=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       h=size, w=size)
def test_conv_transpose2d(c_in, c_out, groups, k, s, p, op, d, h, w):
    m = nn.ConvTranspose2d(c_in * groups, c_out * groups, k, s, p, op, groups, True, d, device="meta")
    # output_padding >= max(stride, dilation) and empty outputs fail on CPU but not in the meta
    # kernel: the rule declines them and leaves the meta kernel to decide
    out = [(n - 1) * a - 2 * pi + di * (ki - 1) + o + 1 for n, a, pi, di, ki, o in zip((h, w), s, p, d, k, op)]
    _agree(m, _x(1, c_in * groups, h, w),
           must_apply=all(o < max(a, b) for o, a, b in zip(op, s, d)) and min(out) > 0)


@settings(max_examples=100, deadline=None)
@given(n_in=small, n_out=small, lead=st.lists(st.integers(1, 3), max_size=3), extra=st.integers(0, 1))
def test_linear(n_in, n_out, lead, extra):
    m = nn.Linear(n_in, n_out, device="meta")
    _agree(m, torch.empty((*lead, n_in + extra), device="meta"))


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from([nn.MaxPool2d, nn.AvgPool2d]), k=st.tuples(small, small),
       s=st.one_of(st.none(), st.tuples(small, small)), p=st.tuples(st.integers(0, 3), st.integers(0, 3)),
       d=st.tuples(st.integers(1, 3), st.integers(1, 3)), ceil=st.booleans(), h=size, w=size)
def test_pool2d(kind, k, s, p, d, ceil, h, w):
    if kind is nn.MaxPool2d:
        m = kind(k, s, p, d, ceil_mode=ceil)
    else:
        m = kind(k, s, p, ceil_mode=ceil)
    real = _agree(m.to("meta"), _x(2, 3, h, w))
    if real is not None:  # and costcalc's pooling formula prices what torch accepts
        rec = hooks.count(m, (2, 3, h, w)).records[0]
        assert rec.shape_ok and rec.actual_out_shape == tuple(real.shape[1:])


def test_ceil_mode_window_starting_in_a_short_input():
    # 1 pixel, 2×2 window, stride 2, ceil_mode: torch gives one output; the last window starts
    # inside the input (floor((1 - 1 - 1 + 1) / 2) + 1 = 1)
    assert layers.out_side(1, 2, 2, 0, 1, ceil_mode=True) == 1
    assert hooks.count(nn.MaxPool2d(2, ceil_mode=True), (1, 3, 1, 5)).records[0].actual_out_shape == (3, 1, 3)


@settings(max_examples=100, deadline=None)
@given(kind=st.sampled_from([nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d]),
       out=st.one_of(small, st.tuples(st.one_of(st.none(), small), st.one_of(st.none(), small))),
       h=size, w=size)
def test_adaptive_pool2d(kind, out, h, w):
    _agree(kind(out), _x(1, 3, h, w))


@settings(max_examples=60, deadline=None)
@given(c=small, extra=st.integers(0, 1), affine=st.booleans(), h=size)
def test_batch_norm_and_shape_preserving(c, extra, affine, h):
    _agree(nn.BatchNorm2d(c, affine=affine, device="meta").eval(), _x(1, c + extra, h, h))
    # training mode: torch rejects one value per channel (1×1 maps, batch 1); the rule declines
    _agree(nn.BatchNorm2d(c, device="meta").train(), _x(1, c, h, h), must_apply=False)
    _agree(nn.PReLU(c, device="meta"), _x(1, c + extra, h, h))
    for m in (nn.ReLU6(), nn.Hardswish(), nn.Dropout(0.2), nn.Identity(), nn.PReLU(device="meta"),
              nn.GELU(), nn.GELU("tanh"), nn.Softmax(1)):
        assert _agree(m, _x(1, c, h, h)).shape == (1, c, h, h)
    _agree(nn.PReLU(device="meta"), _x(1, c, h, h, torch.float16))  # weight float32: torch refuses
    _agree(nn.GELU("bogus"), _x(1, c, h, h))  # torch refuses the approximation's name
    _agree(nn.Softmax(5), _x(1, c, h, h), must_apply=False)  # no such dim; meta lets it pass


@settings(max_examples=60, deadline=None)
@given(groups=small, c=st.integers(1, 12), h=size)
def test_channel_shuffle(groups, c, h):
    _agree(nn.ChannelShuffle(groups), _x(1, c, h, h))


@settings(max_examples=60, deadline=None)
@given(cs=st.lists(small, min_size=1, max_size=4), h=size, other_h=size)
def test_concat_and_add(cs, h, other_h):
    xs = [_x(1, c, h, h) for c in cs]
    assert _agree(ops.Concat(), *xs).shape == (1, sum(cs), h, h)
    _agree(ops.Concat(), *xs, _x(1, 2, other_h, other_h))  # spatial sizes differ when h != other_h
    _agree(ops.Add(), xs[0], xs[0])
    # a broadcasting add: torch allows it, the rule leaves it to torch (costcalc's Add never broadcasts)
    _agree(ops.Add(), _x(1, cs[0], h, h), _x(1, 1, h, h), must_apply=cs[0] == 1)
    # squeeze-and-excitation's gate: N×C×1×1; a gate of other channels or sides is torch's call
    _agree(ops.Scale(), xs[0], _x(1, cs[0], 1, 1))
    _agree(ops.Scale(), xs[0], _x(1, cs[0] + 1, 1, 1), must_apply=False)
    _agree(ops.Scale(), xs[0], _x(1, cs[0], other_h, other_h), must_apply=False)


def test_rules_decline_what_they_do_not_cover():
    conv = nn.Conv2d(3, 4, 3, device="meta")
    assert shapes.output(conv, torch.empty((3, 8, 8), device="meta")) is None  # unbatched
    assert shapes.output(conv, _x(1, 3, 8, 8, torch.float16)) is None  # dtype differs from weight
    assert shapes.output(nn.Conv2d(3, 4, 3), torch.empty((1, 3, 8, 8))) is None  # CPU
    assert shapes.output(nn.MaxPool2d(2, return_indices=True), _x(1, 3, 8, 8)) is None
    assert shapes.output(nn.Unflatten(1, (2, 2)), _x(1, 4, 1, 1)) is None  # no rule: real forward
