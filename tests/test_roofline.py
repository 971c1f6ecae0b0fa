"""costcalc roofline (issue #6): layer kinds, closed-form intensities, the ridge point, the chart
on disk (atomically), and one-line errors raised before any counting."""

from __future__ import annotations

import json
import math
import subprocess
from fractions import Fraction

import pytest

torch = pytest.importorskip("torch")

from costcalc.errors import CostcalcError  # noqa: E402
from costcalc.profile.aten_ops import profile_model  # noqa: E402
from costcalc.profile.roofline import EXAMPLE_MACHINE, Machine, classify, roofline  # noqa: E402
from costcalc.profile.target import load_model  # noqa: E402
from costcalc.report import plots  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
GIVEN = Machine(1000.0, 100.0)  # ridge 1000 / 100 = 10 FLOP/byte


@pytest.fixture(scope="module")
def v1():
    return profile_model(load_model("mobilenet_v1"), (1, 3, 224, 224), "meta", "mobilenet_v1")


@pytest.fixture(scope="module")
def roof(v1):
    return roofline(v1, GIVEN, "float32")


def _layer(r, name):
    return next(x for x in r.layers if x.name == name)


# -- the model ------------------------------------------------------------------------------------

def test_ridge_point_is_peak_over_bandwidth():
    assert GIVEN.ridge == 10.0
    assert Machine(768, 51.2).ridge == pytest.approx(15.0)
    assert GIVEN.attainable(10.0) == 1000.0  # the ridge: both roofs meet
    assert GIVEN.attainable(2.5) == 250.0  # slope: 2.5 FLOP/B × 100 GB/s
    assert GIVEN.attainable(50.0) == 1000.0  # flat: the peak


def test_depthwise_closed_form(roof):
    # b7_dw: 3×3 depthwise, M = 512, Df = 14, stride 1, no bias, float32 (4 B):
    #   MACs  = Dk²·M·Df²      = 3*3*512*14*14           =   903,168  -> FLOPs 1,806,336
    #   bytes = weights 3*3*512*4 = 18,432 + input 512*14*14*4 = 401,408
    #           + output 512*14*14*4 = 401,408          =   821,248
    #   intensity = 1,806,336 / 821,248 = 2·9·196 / (4·(9 + 2·196)) = 882/401 ≈ 2.1995 FLOP/B
    #   (M cancels: every 14×14×C depthwise layer has the same intensity)
    x = _layer(roof, "b7_dw")
    assert (x.kind, x.kernel, x.groups) == ("depthwise", "3×3", 512)
    assert x.macs == 903_168 and x.flops == 1_806_336
    assert (x.param_bytes, x.in_bytes, x.out_bytes, x.moved) == (18_432, 401_408, 401_408, 821_248)
    assert Fraction(x.flops, x.moved) == Fraction(882, 401)
    assert roof.attainable(x) == pytest.approx(882 / 401 * 100)  # memory roof: I × 100 GB/s
    assert roof.bound(x) == "memory"


def test_pointwise_closed_form(roof):
    # b7_pw: 1×1, M = N = 512, Df = 14: MACs 512*512*196 = 51,380,224; bytes
    # 4·(512*512 + 2*512*196) = 1,851,392; intensity 102,760,448 / 1,851,392 = 6272/113 ≈ 55.5
    x = _layer(roof, "b7_pw")
    assert x.kind == "pointwise" and x.moved == 1_851_392
    assert Fraction(x.flops, x.moved) == Fraction(6272, 113)
    assert roof.attainable(x) == 1000.0 and roof.bound(x) == "compute"


def test_depthwise_is_memory_bound_pointwise_is_not(roof):
    dw = [x for x in roof.layers if x.kind == "depthwise"]
    pw = [x for x in roof.layers if x.kind == "pointwise"]
    assert len(dw) == len(pw) == 13
    assert max(x.intensity for x in dw) < min(x.intensity for x in pw)
    assert all(roof.bound(x) == "memory" for x in dw)
    assert all(roof.bound(x) == "compute" for x in pw)  # lowest, b1_pw: 10.6 > 10


def test_kinds_and_table_2_shares(roof):
    # 28 layers with MACs: conv1, 13 dw, 13 pw, fc; the MACs shares are the paper's Table 2
    # (Conv 1×1 94.86%, Conv DW 3×3 3.06%, Conv 3×3 1.19% ... here conv1 alone: 1.91%, FC 0.18%)
    rows = {r["kind"]: r for r in roof.by_kind()}
    assert [k for k in rows] == ["conv", "depthwise", "pointwise", "linear", "total"]
    assert {k: r["layers"] for k, r in rows.items()} == {"conv": 1, "depthwise": 13, "pointwise": 13,
                                                       "linear": 1, "total": 28}
    assert round(100 * rows["pointwise"]["macs_share"], 2) == 94.86
    assert round(100 * rows["depthwise"]["macs_share"], 2) == 3.06
    assert round(100 * rows["linear"]["macs_share"], 2) == 0.18
    assert rows["total"]["macs"] == 568_740_352  # `costcalc model mobilenet_v1`
    # the point of issue #6: 3% of the MACs, over a third of the bytes
    assert rows["depthwise"]["bytes_share"] > 0.3
    assert rows["depthwise"]["memory_bound"] == 13 and rows["pointwise"]["memory_bound"] == 0
    assert rows["depthwise"]["median_intensity"] == pytest.approx(882 / 401)
    assert math.isclose(sum(r["time_share"] for k, r in rows.items() if k != "total"), 1.0)
    # not plotted: BN and ReLU after each of the 27 convs, and the pool: no MACs
    assert roof.not_plotted == 2 * 27 + 1


def test_dtype_scales_intensity(v1):
    half = roofline(v1, GIVEN, "float16")
    assert Fraction(_layer(half, "b7_dw").flops, _layer(half, "b7_dw").moved) == Fraction(2 * 882, 401)


def test_classify_modules_and_functional_convs():
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.full = nn.Conv2d(3, 8, 5, padding=2)
            self.grouped = nn.Conv2d(8, 16, 3, padding=1, groups=4)
            self.dw_weight = nn.Parameter(torch.zeros(16, 1, 3, 3))
            self.pw_weight = nn.Parameter(torch.zeros(12, 16, 1, 1))
            self.fc = nn.Linear(12, 5)

        def forward(self, x):
            x = self.grouped(self.full(x))
            x = F.conv2d(x, self.dw_weight, padding=1, groups=16)  # functional depthwise
            x = F.conv2d(x, self.pw_weight)  # functional pointwise
            return self.fc(x.mean((2, 3)))

    p = profile_model(Net(), (1, 3, 8, 8))
    got = [(e.name, classify(e)) for e in p.rows if e.macs]
    assert got == [("full", ("conv", "5×5", 1)), ("grouped", ("grouped", "3×3", 4)),
                   ("F.conv2d", ("depthwise", "3×3", 16)),  # weight (16, 1, 3, 3) on 16 channels
                   ("F.conv2d", ("pointwise", "1×1", 1)), ("fc", ("linear", "", 0))]


def test_machine_rejects_bad_figures():
    for bad in (-1.0, 0.0, float("nan"), float("inf")):
        with pytest.raises(CostcalcError, match="^peak_gflops must be positive"):
            Machine(bad, 10.0)
        with pytest.raises(CostcalcError, match="^bandwidth_gbs must be positive"):
            Machine(10.0, bad)
    assert EXAMPLE_MACHINE.assumed and EXAMPLE_MACHINE.ridge == pytest.approx(15.0)


# -- the chart ------------------------------------------------------------------------------------

def test_chart_is_log_log_with_roof_ridge_and_legend(roof, tmp_path):
    kinds = {"depthwise": "depthwise conv", "pointwise": "pointwise 1×1 conv", "conv": "conv",
             "linear": "linear"}
    fig = plots.roofline(roof.layer_rows(), 1000.0, 100.0, kinds, title="mobilenet_v1")
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert "FLOP/byte" in ax.get_xlabel() and "2·MACs" in ax.get_xlabel()
    assert "GFLOP/s" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("roof: min(1000 GFLOP/s") and set(kinds.values()) <= set(labels)
    assert any("ridge point\n10 FLOP/byte" == t.get_text() for t in ax.texts)
    roofline_line = ax.lines[0]
    assert list(roofline_line.get_ydata())[1:] == [1000.0, 1000.0]
    path = plots.save(fig, tmp_path / "roof.png")
    assert path.read_bytes().startswith(PNG) and path.stat().st_size > 10_000


# -- the command ----------------------------------------------------------------------------------

def _run(capsys, *args):
    from costcalc.cli import main

    with pytest.raises(SystemExit) as exit_:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return exit_.value.code, captured.out, captured.err


def test_cli_writes_png_and_json(capsys, tmp_path):
    target = tmp_path / "roof.png"
    code, out, err = _run(capsys, "roofline", "mobilenet_v1", "--out", target, "--peak-gflops",
                          "1000", "--bandwidth-gbs", "100", "--format", "json")
    assert code == 0, err
    data = json.loads(out)  # notes go to stderr: stdout stays parseable
    assert data["ridge_flop_per_byte"] == 10.0
    assert data["machine"] == {"name": "given", "peak_gflops": 1000.0, "bandwidth_gbs": 100.0,
                               "assumed": False}
    assert len(data["layers"]) == 28
    b7 = next(x for x in data["layers"] if x["name"] == "b7_dw")
    assert (b7["bytes"], b7["bound"]) == (821_248, "memory")
    assert b7["intensity"] == pytest.approx(882 / 401)
    assert f"wrote {target}" in err and "assumed" not in err
    assert target.read_bytes().startswith(PNG)
    assert [p.name for p in tmp_path.iterdir()] == ["roof.png"]  # no temp file left


def test_cli_default_machine_is_named_as_assumed(capsys):
    code, out, err = _run(capsys, "roofline", "mobilenet_v1", "--per-layer")
    assert code == 0, err
    assert "peak and bandwidth assumed (example laptop CPU, 768 GFLOP/s, 51.2 GB/s)" in err
    assert "example laptop CPU (assumed): 768 GFLOP/s, 51.2 GB/s, ridge 15 FLOP/B" in out
    assert "ASSUMED machine, not yours" in out
    assert "b13_dw" in out and "memory" in out and "compute" in out  # per-layer table


def test_cli_failed_write_leaves_nothing(capsys, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    def broken(self, f, **kwargs):
        f.write(b"\x89PNG partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", broken)
    code, out, err = _run(capsys, "roofline", "mobilenet_v1", "--out", tmp_path / "roof.png")
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1] == \
        f"costcalc: error: cannot write {tmp_path / 'roof.png'}: No space left on device"
    assert list(tmp_path.iterdir()) == []


ERRORS = [
    (("--peak-gflops", "-5", "--bandwidth-gbs", "10"), "--peak-gflops must be positive, got -5.0"),
    (("--peak-gflops", "nan", "--bandwidth-gbs", "10"), "--peak-gflops must be positive and finite, got nan"),
    (("--peak-gflops", "100", "--bandwidth-gbs", "0"), "--bandwidth-gbs must be positive, got 0.0"),
    (("--peak-gflops", "100"), "give both --peak-gflops and --bandwidth-gbs, or neither"),
    (("--out", "{tmp}/roof.jpg"), "unknown chart format '.jpg' (use .png, .svg or .pdf)"),
    (("--out", "{tmp}/missing/roof.png"), "missing does not exist"),
    (("--dtype", "float64"), "Invalid value for '--dtype': 'float64' is not one of 'float32', "
                             "'float16', 'bfloat16', 'int8'"),
    (("--input", "1,3,x"), "--input must be comma-separated integers"),
]


@pytest.mark.parametrize("args, fragment", ERRORS)
def test_errors_are_one_line_and_come_before_counting(capsys, tmp_path, monkeypatch, args, fragment):
    import costcalc.cli.roofline as cmd

    def never(*a, **k):  # bad options must fail before the model is built or counted
        raise AssertionError("counted before validating")

    monkeypatch.setattr(cmd, "_profile", never)
    code, out, err = _run(capsys, "roofline", "mobilenet_v1", *(a.format(tmp=tmp_path) for a in args))
    result = subprocess.CompletedProcess(args, code, out, err)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("costcalc: error:") and fragment in lines[0], lines
    assert list(tmp_path.iterdir()) == []
