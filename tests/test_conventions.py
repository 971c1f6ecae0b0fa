"""Each named convention equals the tool's own output, exactly (tools are optional: importorskip).

Needs, installed next to torch: fvcore, ptflops, ultralytics-thop, torchprofile.
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


TOOLS = {"fvcore": ("fvcore", _fvcore), "ptflops": ("ptflops", _ptflops),
         "thop": ("thop", _thop), "torchprofile": ("torchprofile", _torchprofile)}


@pytest.mark.parametrize("target,shape", CASES, ids=["v1", "v2", "functional"])
@pytest.mark.parametrize("tool", list(TOOLS))
def test_convention_equals_tool(tool, target, shape):
    module, run = TOOLS[tool]
    pytest.importorskip(module)
    m = load_model(target)
    ours = sum(totals(profile_model(m, shape), [tool])[tool].values())
    m = m.to_empty(device="cpu").eval()
    x = torch.zeros(shape)
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            theirs = run(m, x)
    finally:
        logging.disable(logging.NOTSET)
    assert ours == theirs


def test_reconcile_explains_v2_gap():
    """Category by category: the totals differ only where the rules differ."""
    t = totals(profile_model(load_model("mobilenet_v2"), (1, 3, 224, 224)))
    assert len({t[n]["conv"] for n in t if n != "flops"}) == 1  # everyone agrees on conv MACs
    assert t["flops"]["conv"] == 2 * t["paper"]["conv"]
    # BN over 6,678,112 elements: fvcore/ptflops 2 each (affine), thop 4, torchprofile 1
    assert (t["fvcore"]["norm"], t["thop"]["norm"], t["torchprofile"]["norm"]) == (13_356_224, 26_712_448, 6_678_112)
