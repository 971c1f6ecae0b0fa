"""Each named convention equals the real tool's own output, exactly, rule by rule.

Small networks, one per rule that a tool prices differently (norm layers, subclasses of
counted modules, attention in its forms, pooling and resampling, arithmetic on traced sizes,
functional products, patched-function call syntax, dead code): every tool installed next to
torch (fvcore, ptflops, ultralytics-thop, torchprofile, torchinfo; importorskip) runs on each
through ``costcalc.profile.installed``, the same runner as ``reconcile --verify``. The zoo of
real models is ``tests/zoo``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from costcalc.errors import CostcalcError  # noqa: E402
from costcalc.profile import conventions, installed  # noqa: E402
from costcalc.profile.aten_ops import profile_model  # noqa: E402
from costcalc.profile.conventions import evaluate, totals  # noqa: E402
from costcalc.profile.target import load_model  # noqa: E402

FIXTURE = str(Path(__file__).parent / "fixtures" / "functional_net.py") + ":build"
TOOLS = ["fvcore", "torchprofile", "ptflops", "thop", "torchinfo", "flops"]


class Fn(nn.Module):
    """A module whose forward is ``f(self, x)``, with the given children."""

    def __init__(self, f, **children):
        super().__init__()
        self.f = f
        for k, v in children.items():
            setattr(self, k, v)

    def forward(self, x):
        return self.f(self, x)


class BatchNormAct(nn.BatchNorm2d):
    """timm's BatchNormAct2d: a BatchNorm2d subclass with a child, computing itself."""

    def __init__(self, c):
        super().__init__(c)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(super().forward(x))


class MyLinear(nn.Linear):  # timm's Linear: a subclass, counted by thop, not by ptflops' exact-type hooks
    pass


class Attention(nn.Module):
    """timm-style attention: qkv Linear, F.scaled_dot_product_attention, proj Linear."""

    def __init__(self, dim=16, heads=2):
        super().__init__()
        self.heads = heads
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        return self.proj(F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, c))


def _mha(**kw):
    need, mask = kw.pop("need_weights", False), kw.pop("mask", False)
    batch_first = kw.get("batch_first", False)

    def f(s, x):
        m = torch.zeros(x.shape[1], x.shape[1], device=x.device) if mask else None
        seq = x if batch_first else x.transpose(0, 1)
        out, w = s.attn(seq, seq, seq, need_weights=need, attn_mask=m)
        return out if w is None else out + w.sum()

    return lambda: Fn(f, attn=nn.MultiheadAttention(16, 2, **kw)), (1, 5, 16)


def _shape_maths(s, x):
    b, c, h, w = x.shape
    y = x.reshape(b * c, h * w)  # 2 muls on sizes, kept
    n = int(h * 2)  # dead: turned into a Python int
    scale = x.shape[-1] ** -0.5 * 3  # 1 mul, kept (it scales x)
    pad = (-(w // -3) - 1) * 3 + 1 - w  # TF 'same' padding (ceil by floor division): 1 mul, kept by F.pad
    return F.pad(y.reshape(b, c, h, w) * scale, (0, max(pad, 0))).sum() + n


def _functional(s, x):
    y = torch.matmul(x.flatten(2), s.w)  # matmul on a parameter
    y = y.add(y) + y.mul(2) * 2  # Tensor.add / mul calls (ptflops patches them) and operators
    z = torch.einsum("bcn,nk->bck", x.flatten(2), s.w)
    dead = torch.bmm(y, y.transpose(1, 2))  # never used: a jit trace drops it  # noqa: F841
    return (y + z).mean(1) + (2 / (x.abs() + 1)).sum()


NETS = {
    "norms": (lambda: nn.Sequential(nn.Conv2d(3, 8, 3), nn.GroupNorm(2, 8), nn.InstanceNorm2d(8, affine=True),
                                    nn.InstanceNorm2d(8), nn.GroupNorm(4, 8, affine=False),
                                    nn.Flatten(2), nn.LayerNorm(36), nn.LayerNorm(36, elementwise_affine=False)),
              (1, 3, 8, 8)),
    "subclasses": (lambda: nn.Sequential(nn.Conv2d(3, 8, 3), BatchNormAct(8), nn.AdaptiveAvgPool2d(1),
                                         nn.Flatten(), MyLinear(8, 4), nn.Linear(4, 3)), (2, 3, 8, 8)),
    "timm-style attention": (lambda: nn.Sequential(nn.LayerNorm(16), Attention(), nn.GELU()), (1, 6, 16)),
    "mha self, sdpa path": _mha(batch_first=True),
    "mha need_weights": _mha(need_weights=True),
    "mha masked, bias_k": _mha(need_weights=True, mask=True, add_bias_kv=True),
    "mha separate kdim": (lambda: Fn(lambda s, x: s.attn(x, s.kv(x), s.kv(x))[0], attn=nn.MultiheadAttention(16, 2, kdim=8, vdim=8),
                                     kv=nn.Linear(16, 8)), (5, 1, 16)),
    "pooling": (lambda: nn.Sequential(nn.Conv2d(3, 4, 1), nn.AvgPool2d(3, 2, 1, ceil_mode=True),
                                      nn.AvgPool2d(3, 1, 1, count_include_pad=False), nn.MaxPool2d(2),
                                      nn.AdaptiveAvgPool2d(3), nn.AdaptiveMaxPool2d(2)), (1, 3, 11, 11)),
    "resampling": (lambda: Fn(lambda s, x: s.up(F.interpolate(x, scale_factor=2, mode="bilinear"))
                              + F.interpolate(x, size=(32, 32)) + F.interpolate(
                                  F.interpolate(x, scale_factor=2.0, mode="area"), scale_factor=2.0,
                                  mode="nearest", recompute_scale_factor=True),
                              up=nn.Upsample(scale_factor=2)), (1, 2, 8, 8)),
    "activations": (lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.PReLU(4), nn.LeakyReLU(), nn.ReLU6(),
                                          nn.ELU(), nn.Hardswish(), nn.Softmax(dim=1), nn.LogSoftmax(1)),
                    (1, 3, 6, 6)),
    "transposed and 1-d": (lambda: nn.Sequential(nn.ConvTranspose2d(3, 4, 3, stride=2), nn.BatchNorm2d(4),
                                                 nn.Flatten(2), nn.Conv1d(4, 5, 3), nn.BatchNorm1d(5)),
                           (2, 3, 4, 4)),
    "shape arithmetic": (lambda: Fn(_shape_maths), (1, 2, 6, 10)),
    "functional products": (lambda: Fn(_functional, w=nn.Parameter(torch.zeros(16, 5))), (2, 3, 4, 4)),
    "recurrent": (lambda: Fn(lambda s, x: s.lstm(x)[0].sum() + s.gru(x)[0].sum() + s.rnn(x)[0].sum()
                             + s.cell(x[0])[0].sum() + s.proj(x)[0].sum(),
                             lstm=nn.LSTM(4, 3, num_layers=2, bidirectional=True), gru=nn.GRU(4, 3, batch_first=True),
                             rnn=nn.RNN(4, 5, num_layers=2), cell=nn.LSTMCell(4, 3), proj=nn.LSTM(4, 6, proj_size=2)),
                  (5, 2, 4)),
    "bilinear, lrn, grid": (lambda: Fn(lambda s, x: s.bil(x, x).sum() + F.local_response_norm(x.unsqueeze(0), 2).sum()
                                       + F.grid_sample(x.unsqueeze(0).unsqueeze(0),
                                                       torch.zeros(1, 3, 3, 2, device=x.device), align_corners=False).sum(),
                                       bil=nn.Bilinear(4, 4, 3)), (3, 4)),
}


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("net", list(NETS))
def test_rule_equals_the_real_tool(net, tool):
    pytest.importorskip(installed.TOOLS[tool][0])
    build, shape = NETS[net]
    result = evaluate(profile_model(build(), shape), [tool])[tool]
    outcome = installed.run(tool, build, shape)
    assert not outcome.error, outcome.error
    assert result.exact, result.missing
    assert result.total == outcome.total


@pytest.mark.parametrize("target,shape", [("mobilenet_v1", (1, 3, 224, 224)), ("mobilenet_v2", (2, 3, 160, 160)),
                                          ("mobilenet_v3_small", (1, 3, 224, 224)), (FIXTURE, (1, 3, 32, 32))],
                         ids=["v1", "v2-batch2", "v3_small", "functional"])
@pytest.mark.parametrize("tool", TOOLS)
def test_convention_equals_tool_on_registered_models(tool, target, shape):
    pytest.importorskip(installed.TOOLS[tool][0])
    build = (lambda: load_model(target, resolution=shape[-1])) if ":" not in target else (lambda: load_model(target))
    result = evaluate(profile_model(build(), shape), [tool])[tool]
    outcome = installed.run(tool, build, shape)
    assert result.exact and result.total == outcome.total, (result.total, outcome)


def test_reconcile_explains_v2_gap():
    """Category by category: the totals differ only where the rules differ."""
    t = totals(profile_model(load_model("mobilenet_v2"), (1, 3, 224, 224)))
    assert len({t[n]["conv"] for n in t if n != "flops"}) == 1  # everyone agrees on conv MACs
    assert t["flops"]["conv"] == 2 * t["paper"]["conv"]
    # BN over 6,678,112 elements: fvcore/ptflops 2 each (affine), thop 4, torchprofile 1
    assert (t["fvcore"]["norm"], t["thop"]["norm"], t["torchprofile"]["norm"]) == (13_356_224, 26_712_448, 6_678_112)


def test_macs_is_paper_and_all_ops_is_the_full_count():
    p = profile_model(load_model("mobilenet_v2"), (1, 3, 224, 224))
    r = evaluate(p, ["macs", "paper", "all-ops"])
    assert r["macs"].total == r["paper"].total == 300_774_272  # what `costcalc model` prints as MACs
    assert r["all-ops"].total == 313_838_280  # conv + linear + bias + BN + activations + pools + adds
    with pytest.raises(CostcalcError, match="unknown convention 'nope'; known: paper, all-ops"):
        conventions.canonical("nope")


def test_shape_arithmetic_is_counted_only_when_kept():
    """torchprofile's 0-d aten::mul nodes: h*w and b*c reach a view, the scale multiplies x, the
    padding's (ceil - 1) * 3 reaches F.pad; h * 2 becomes a Python int, which a trace drops."""
    p = profile_model(NETS["shape arithmetic"][0](), (1, 2, 6, 10))
    assert p.shape_muls == 4


def _bare_ceil(s, x):
    return x.view(math.ceil(x.shape[1] / 2) * 2, -1)  # a trace bakes the ceil in: no mul


def _tensor_aware_ceil(s, x):
    n = x.shape[1]
    if isinstance(n, torch.Tensor):  # what a trace runs (sizes are tensors there), timm-style
        return x.view(((n / 2).ceil() * 2).int(), -1)
    return x.view(math.ceil(n / 2) * 2, -1)  # what costcalc sees: counted as the branch above


@pytest.mark.parametrize("f,muls", [(_bare_ceil, 0), (_tensor_aware_ceil, 1)])
def test_ceil_of_a_traced_size(f, muls):
    p = profile_model(Fn(f), (1, 4, 3))
    r = evaluate(p, ["torchprofile"])["torchprofile"]
    assert p.shape_muls == p.shape_muls_assumed == muls and r.exact and len(r.assumed) == muls
    pytest.importorskip("torchprofile")
    assert r.total == installed.run("torchprofile", lambda: Fn(f), (1, 4, 3)).total


def test_unmodelled_work_is_named_and_bounds_the_total():
    from torch.nn.utils import prune

    class Pruned(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)
            prune.l1_unstructured(self.fc, "weight", amount=0.5)

        def forward(self, x):
            return self.fc(x)

    r = evaluate(profile_model(Pruned(), (2, 4)), ["torchinfo", "thop"])
    assert list(r["torchinfo"].missing) == ["Linear.weight (pruned: torchinfo counts its mask's ones, "
                                            "values --device cpu reads)"]
    assert not r["torchinfo"].exact and r["thop"].exact
    real = evaluate(profile_model(Pruned(), (2, 4), device="cpu"), ["torchinfo"])["torchinfo"]
    # 6 of 12 weights kept, x 2 items, + 3 biases x 2 = 18
    assert real.exact and real.total == 18
    pytest.importorskip("torchinfo")
    assert installed.run("torchinfo", Pruned, (2, 4)).total == 18


# -- torchinfo's quirks, one layer each -------------------------------------------------------

def _quirks():
    class Stem(nn.Conv2d):  # a Conv2d whose class name lacks "Conv"
        pass

    class MyConv2d(nn.Conv2d):  # no costcalc module rule: read from its F.conv2d call
        pass

    class Quirks(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = Stem(3, 8, 3, padding=1, bias=False)
            self.conv = nn.Conv2d(8, 8, 3, padding=1, bias=True)
            self.bn = nn.BatchNorm2d(8, affine=False)
            self.gn = nn.GroupNorm(2, 8)
            self.prelu = nn.PReLU(8)
            self.myconv = MyConv2d(8, 8, 1)
            self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
            self.conv1d = nn.Conv1d(4, 6, 3, padding=1)
            self.bn1d = nn.BatchNorm1d(6)
            self.norm = nn.LayerNorm(6)
            self.fc = nn.Linear(6, 5)
            self.scale = nn.Parameter(torch.ones(5))

        def forward(self, x):
            x = self.prelu(self.gn(self.bn(self.conv(self.stem(x)))))
            x = self.prelu(self.myconv(x))  # a leaf called twice: counted per call
            x = self.up(x).flatten(2)
            x = self.bn1d(self.conv1d(x))
            x = self.norm(self.norm(x.transpose(1, 2)))
            return self.fc(x) * self.scale  # root parameter: not a leaf's, 0

    return Quirks()


def test_torchinfo_quirks_match_the_tool():
    m, shape = _quirks(), (2, 3, 8, 8)
    t = totals(profile_model(m, shape), ["torchinfo"])["torchinfo"]
    # batch 2, 8x8 output: stem 216*2 = 432 (no "Conv": once per item); conv 576*128 = 73,728;
    # myconv 64*128 = 8,192; up 128 weights * 2*16*16 outputs = 65,536 (true MACs: * 2*8*8
    # inputs = 16,384); conv1d 72*2*256 = 36,864
    assert t["conv"] == 432 + 73_728 + 8_192 + 65_536 + 36_864
    # bias x outputs: conv 8*128 = 1,024; myconv 1,024; up 4*512 = 2,048; conv1d 6*512 = 3,072;
    # fc 5*2 = 10 (once per item, not per token)
    assert t["bias"] == 1_024 + 1_024 + 2_048 + 3_072 + 10
    assert t["linear"] == 30 * 2  # (2, 256, 6) @ 6x5: 15,360 MACs, priced 60
    # bn (no affine) 0; gn 16*2; bn1d 12*2; layer norm 12*2 twice
    assert t["norm"] == 32 + 24 + 24 + 24
    assert t["activation"] == 8 * 2 * 2  # prelu slopes, two calls
    assert sum(t.values()) == 192_126
    pytest.importorskip("torchinfo")
    assert installed.run("torchinfo", _quirks, shape).total == 192_126


def test_torchinfo_counts_parameters_not_arithmetic():
    t = totals(profile_model(load_model("mobilenet_v2"), (1, 3, 224, 224)), ["torchinfo", "paper"])
    assert t["torchinfo"]["conv"] == t["paper"]["conv"] == 299_494_272  # unbiased Conv2d: exact
    # classifier 1280x1000 + 1000 bias once; BN 2 per channel, 17,056 channels
    assert (t["torchinfo"]["linear"], t["torchinfo"]["bias"], t["torchinfo"]["norm"]) == (1_280_000, 1_000, 34_112)
    assert sum(t["torchinfo"].values()) == 300_809_384
