"""Each named convention equals the tool's own output, exactly (tools are optional: importorskip).

Needs, installed next to torch: fvcore, ptflops, ultralytics-thop, torchprofile, torchinfo.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from costcalc.profile.aten_ops import profile_model  # noqa: E402
from costcalc.profile.conventions import totals  # noqa: E402
from costcalc.profile.target import load_model  # noqa: E402

FIXTURE = str(Path(__file__).parent / "fixtures" / "functional_net.py") + ":build"
CASES = [("mobilenet_v1", (1, 3, 224, 224)), ("mobilenet_v2", (1, 3, 224, 224)),
         ("mobilenet_v3_small", (1, 3, 224, 224)),  # SE: a gate multiply, h-swish, h-sigmoid
         (FIXTURE, (1, 3, 32, 32))]


def _fvcore(m, x):
    from fvcore.nn import FlopCountAnalysis

    a = FlopCountAnalysis(m, x)
    a.unsupported_ops_warnings(False)
    a.uncalled_modules_warnings(False)
    return a.total()


def _ptflops(m, x):
    from ptflops import get_model_complexity_info

    return get_model_complexity_info(m, tuple(x.shape[1:]), as_strings=False,
                                     print_per_layer_stat=False)[0]


def _thop(m, x):
    from thop import profile

    return profile(m, inputs=(x,), verbose=False)[0]


def _torchprofile(m, x):
    from torchprofile import profile_macs

    return profile_macs(m, x)


def _torchinfo(m, x):
    from torchinfo import summary

    return summary(m, input_size=tuple(x.shape), verbose=0, device="cpu").total_mult_adds


TOOLS = {"fvcore": ("fvcore", _fvcore), "ptflops": ("ptflops", _ptflops),
         "thop": ("thop", _thop), "torchprofile": ("torchprofile", _torchprofile),
         "torchinfo": ("torchinfo", _torchinfo)}


@pytest.mark.parametrize("target,shape", CASES, ids=["v1", "v2", "v3_small", "functional"])
@pytest.mark.parametrize("tool", list(TOOLS))
def test_convention_equals_tool(tool, target, shape):
    module, run = TOOLS[tool]
    pytest.importorskip(module)
    m = load_model(target)
    ours = sum(totals(profile_model(m, shape), [tool])[tool].values())
    assert ours == _theirs(run, m, shape)


def _theirs(run, m, shape):
    """The tool's own total on ``m`` (profiled on meta, so materialised on cpu first)."""
    m = m.to_empty(device="cpu").eval()
    x = torch.zeros(shape)
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            return run(m, x)
    finally:
        logging.disable(logging.NOTSET)


def test_reconcile_explains_v2_gap():
    """Category by category: the totals differ only where the rules differ."""
    t = totals(profile_model(load_model("mobilenet_v2"), (1, 3, 224, 224)))
    assert len({t[n]["conv"] for n in t if n != "flops"}) == 1  # everyone agrees on conv MACs
    assert t["flops"]["conv"] == 2 * t["paper"]["conv"]
    # BN over 6,678,112 elements: fvcore/ptflops 2 each (affine), thop 4, torchprofile 1
    assert (t["fvcore"]["norm"], t["thop"]["norm"], t["torchprofile"]["norm"]) == (13_356_224, 26_712_448, 6_678_112)


# -- torchinfo's quirks, one layer each -------------------------------------------------------

def _quirks():
    from torch import nn

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
    pytest.importorskip("torchinfo")
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
    # bn (no affine) 0; gn 16*2; bn1d 12*2 (running stats dropped); layer norm 12*2 twice
    assert t["norm"] == 32 + 24 + 24 + 24
    assert t["activation"] == 8 * 2 * 2  # prelu slopes, two calls
    assert sum(t.values()) == _theirs(_torchinfo, m, shape) == 192_126


def test_torchinfo_counts_parameters_not_arithmetic():
    t = totals(profile_model(load_model("mobilenet_v2"), (1, 3, 224, 224)), ["torchinfo", "paper"])
    assert t["torchinfo"]["conv"] == t["paper"]["conv"] == 299_494_272  # unbiased Conv2d: exact
    # classifier 1280x1000 + 1000 bias once; BN 2 per channel, 17,056 channels
    assert (t["torchinfo"]["linear"], t["torchinfo"]["bias"], t["torchinfo"]["norm"]) == (1_280_000, 1_000, 34_112)
    assert sum(t["torchinfo"].values()) == 300_809_384
