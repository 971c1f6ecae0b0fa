"""`costcalc bench`: real forward-pass timing per layer and in total, beside the MAC shares.

Timing varies from run to run, so nothing here asserts a time beyond its sign and order
(min ≤ q1 ≤ median ≤ q3 ≤ max). What is exact is asserted exactly: the MACs equal the model's
resolved count, shares sum to one, layer keys follow the hook counter's. Tiny inputs (32×32)
and 2–3 runs keep the file fast; the CLI runs in-process through ``costcalc.cli.main``.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from costcalc.archs import resolve_model  # noqa: E402
from costcalc.cli import main  # noqa: E402
from costcalc.errors import CostcalcError  # noqa: E402
from costcalc.profile.latency import Stats, bench_model, layer_kind, materialise  # noqa: E402
from costcalc.profile.target import load_model  # noqa: E402

FAST = ["--repeats", "2", "--warmup", "1", "--threads", "1"]


def run(capsys, *args):
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out, err = capsys.readouterr()
    return e.value.code, out, err


@pytest.fixture(scope="module")
def v1_json():
    """One JSON run of mobilenet_v1 at 32×32, shared by the structure tests."""
    import contextlib

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), pytest.raises(SystemExit) as e:
        main(["bench", "mobilenet_v1", "--input", "1,3,32,32", "--format", "json", *FAST])
    assert e.value.code == 0
    return json.loads(buf.getvalue())


def _ordered(s: dict) -> bool:
    return 0 < s["min_ms"] <= s["q1_ms"] <= s["median_ms"] <= s["q3_ms"] <= s["max_ms"]


# -- the numbers that are exact --------------------------------------------------------------------

def test_macs_equal_the_resolved_model(v1_json):
    exact = resolve_model("mobilenet_v1", resolution=32).macs
    assert v1_json["macs"] == exact
    assert sum(k["macs"] for k in v1_json["by_kind"]) == exact
    assert sum(l["macs"] for l in v1_json["layers"]) == exact


def test_shares_sum_to_one(v1_json):
    kinds, layers = v1_json["by_kind"], v1_json["layers"]
    # shares are printed to 6 decimals: each is off by at most 0.5e-6
    assert math.isclose(sum(k["macs_share"] for k in kinds), 1.0, abs_tol=0.5e-6 * len(kinds))
    assert math.isclose(sum(k["time_share"] for k in kinds), 1.0, abs_tol=0.5e-6 * len(kinds))
    assert math.isclose(sum(l["time_share"] for l in layers), 1.0, abs_tol=0.5e-6 * len(layers))
    assert all(round(k["macs_share"], 6) == k["macs_share"] for k in kinds)
    # times keep 6 significant digits: each of the n + 1 figures is off by at most 0.5e-5 of itself
    assert math.isclose(sum(k["time_ms"] for k in kinds), v1_json["layer_sum_ms"],
                        abs_tol=0.5e-5 * 2 * v1_json["layer_sum_ms"])
    assert all(float(f"{k['time_ms']:.6g}") == k["time_ms"] for k in kinds)


def test_kinds_are_table2_types(v1_json):
    by = {k["kind"]: k for k in v1_json["by_kind"]}
    assert list(by)[:4] == ["Conv 1×1", "Conv DW 3×3", "Conv 3×3", "FC"]  # Table 2's order
    assert {"BN", "activation", "pool"} <= set(by)
    # 13 separable blocks: 13 depthwise + 13 pointwise, one full 3×3 stem, 27 BN + 27 ReLU
    assert (by["Conv DW 3×3"]["layers"], by["Conv 1×1"]["layers"], by["Conv 3×3"]["layers"]) == (13, 13, 1)
    assert by["BN"]["layers"] == by["activation"]["layers"] == 27
    assert by["BN"]["macs"] == 0 and by["BN"]["gmacs_per_s"] is None
    assert by["Conv DW 3×3"]["gmacs_per_s"] > 0


def test_times_positive_and_ordered(v1_json):
    d = v1_json
    assert d["repeats"] == 2 and d["warmup"] == 1 and d["threads"] == 1 and d["device"] == "cpu"
    assert _ordered(d["total"]) and _ordered(d["hooked_total"])
    assert d["total"]["runs"] == d["hooked_total"]["runs"] == 2
    assert d["layer_sum_ms"] > 0 and d["gmacs_per_s"] > 0
    for l in d["layers"]:
        assert _ordered(l), l
    # the derived figures are the differences they are named after (JSON times keep 6
    # significant digits, so each side is within 1e-5 of the operands' size)
    hooked, plain, layers = d["hooked_total"]["median_ms"], d["total"]["median_ms"], d["layer_sum_ms"]
    assert math.isclose(d["hook_overhead_ms"], hooked - plain, abs_tol=1e-5 * (hooked + plain))
    assert math.isclose(d["outside_layers_ms"], hooked - layers, abs_tol=1e-5 * (hooked + layers))


def test_layers_are_the_modules_in_execution_order(v1_json):
    names = [l["name"] for l in v1_json["layers"]]
    model = load_model("mobilenet_v1", resolution=32)
    assert names == [id for id, _ in model.plan]  # every leaf, once, in the order it ran
    assert v1_json["layers"][0]["type"] == "Conv2d" and v1_json["layers"][-1]["type"] == "Linear"
    assert v1_json["weights"].startswith("random, seed 0")
    assert v1_json["unsupported_modules"] == {}


# -- the library on hand-made modules -------------------------------------------------------------

class _Odd(nn.Module):
    """A leaf with no costcalc rule."""

    def forward(self, x):
        return x * 2


class _Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.odd = _Odd()

    def forward(self, x):
        return self.odd(self.conv(self.conv(x)))  # the same conv called twice


def test_shared_module_and_unsupported_leaf():
    r = bench_model(_Shared(), (1, 4, 8, 8), repeats=2, warmup=0, threads=1)
    assert [l.name for l in r.layers] == ["conv", "conv#2", "odd"]  # HookCounter's keys
    # 3*3*4*4*8*8 = 9,216 MACs per call
    assert [l.macs for l in r.layers] == [9_216, 9_216, 0]
    assert r.unsupported == {"odd": "_Odd"}
    assert r.initialised is False  # built with weights: kept


def test_own_weights_kept_and_meta_initialised_deterministically():
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
    before = net[0].weight.detach().clone()
    model, fresh = materialise(net, "cpu")
    assert not fresh and torch.equal(model[0].weight, before)

    a, fa = materialise(load_model("mobilenet_v1", resolution=32), "cpu", seed=3)
    b, _ = materialise(load_model("mobilenet_v1", resolution=32), "cpu", seed=3)
    assert fa
    for (n, p), (_, q) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(p, q), n
        assert torch.isfinite(p).all(), n
    bn = a.conv1_bn
    assert torch.equal(bn.running_var, torch.ones_like(bn.running_var)) and bn.weight.eq(1).all()


@pytest.mark.parametrize("module, kind", [
    (nn.Conv2d(8, 8, 3, groups=8), "Conv DW 3×3"),
    (nn.Conv2d(8, 16, 1), "Conv 1×1"),
    (nn.Conv2d(8, 16, 3), "Conv 3×3"),
    (nn.Conv2d(8, 16, 3, groups=2), "Conv grouped 3×3"),
    (nn.Conv2d(8, 16, (1, 7)), "Conv 1×7"),
    (nn.Linear(4, 2), "FC"),
    (nn.BatchNorm2d(4), "BN"),
    (nn.ReLU6(), "activation"),
    (nn.AdaptiveAvgPool2d(1), "pool"),
    (nn.MaxPool2d(2), "pool"),
    (nn.ConvTranspose2d(8, 4, 4, stride=2), "ConvTranspose 4×4"),
    (nn.Conv1d(8, 4, 3), "Conv 3"),
    (nn.Flatten(), "other"),
])
def test_layer_kind(module, kind):
    assert layer_kind(module) == kind


def test_hook_overhead_note_reads_the_sign_and_the_spread():
    from types import SimpleNamespace

    from costcalc.cli.bench import _overhead_note

    def r(overhead, iqr):
        return SimpleNamespace(hook_overhead=overhead, total=SimpleNamespace(iqr=iqr))

    assert _overhead_note(r(0.002, 0.001)).startswith("the hooks cost 2.000 ms")
    assert "within the run-to-run spread" in _overhead_note(r(-0.0005, 0.001))
    assert "within the run-to-run spread" in _overhead_note(r(0.0005, 0.001))
    slower = _overhead_note(r(-0.010, 0.005))  # hooked passes 10 ms faster: load changed
    assert "ran 10.000 ms faster" in slower and "within" not in slower


def test_stats_quartiles():
    s = Stats.of([5, 1, 4, 2, 3])  # sorted 1..5: quartiles by linear interpolation
    assert (s.min, s.q1, s.median, s.q3, s.max, s.n) == (1, 2, 3, 4, 5, 5)
    assert s.iqr == 2
    one = Stats.of([0.5])
    assert one.median == one.q1 == one.q3 == 0.5


# -- the command line ------------------------------------------------------------------------------

def test_table_output(capsys):
    code, out, err = run(capsys, "bench", "mobilenet_v1", "-i", "1,3,32,32", "--per-layer", *FAST)
    assert code == 0 and err == ""
    assert "By layer kind: share of MACs vs share of time" in out
    assert "Conv DW 3×3" in out and "hook overhead" in out and "Per layer" in out
    exact = resolve_model("mobilenet_v1", resolution=32).macs
    assert f"{exact:,}" in out


@pytest.mark.parametrize("fmt", ["csv", "markdown", "latex"])
def test_other_formats(capsys, fmt):
    code, out, err = run(capsys, "bench", "mobilenet_v1", "-i", "1,3,32,32", "-f", fmt, *FAST)
    # csv holds one table; a note on stderr names the others
    assert code == 0 and err == ("costcalc: note: CSV holds one table, by_kind; the others "
                                 "(summary) with --table NAME\n" if fmt == "csv" else "")
    if fmt == "csv":
        first = next(csv.reader(io.StringIO(out)))  # the main table: by kind
        assert first == ["kind", "layers", "macs", "macs_share", "time_ms", "time_share",
                         "time_per_mac_share", "gmacs_per_s"]
        assert "Conv DW 3×3" in out
        code, out, err = run(capsys, "bench", "mobilenet_v1", "-i", "1,3,32,32", "-f", fmt,
                             "--table", "summary", *FAST)
        first = next(csv.reader(io.StringIO(out)))
        assert first == ["quantity", "median_ms", "q1_ms", "q3_ms", "min_ms", "gmacs_per_s"]
    elif fmt == "markdown":
        assert "| kind | layers | MACs |" in out
    else:
        assert r"\begin{tabular}" in out and r"\%" in out


def test_file_target(capsys):
    from pathlib import Path

    target = str(Path(__file__).parent / "fixtures" / "functional_net.py") + ":build"
    code, out, _ = run(capsys, "bench", target, "-i", "1,3,16,16", "-f", "json", *FAST)
    d = json.loads(out)
    assert code == 0 and d["weights"] == "the model's own"
    # hooks see the three convs only: 3*3*3*16*8*8 + 3*3*16*8*8 + 32*24*8*8 = 27,648 + 9,216 + 49,152
    assert d["macs"] == 86_016


@pytest.mark.parametrize("args, message", [
    (["--repeats", "0"], "--repeats must be positive"),
    (["--repeats", "-3"], "--repeats must be positive"),
    (["--warmup", "-1"], "--warmup must be 0 or more"),
    (["--threads", "0"], "--threads must be positive"),
    (["--device", "meta"], "nothing to time"),
    (["--device", "tpu"], "--device must be cpu or cuda"),
    (["--input", "1,3,a,32"], "--input must be comma-separated integers"),
    (["--input", "0,3,32,32"], "--input must be positive"),
    (["--input", "1,3,8,8"], "mobilenet_v1"),  # below the architecture's smallest side
])
def test_bad_input_is_one_line(capsys, args, message):
    code, out, err = run(capsys, "bench", "mobilenet_v1", *args)
    assert code == 2 and out == ""
    assert err.startswith("costcalc: error:") and len(err.strip().splitlines()) == 1
    assert message in err


def test_cuda_without_cuda(capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code, _, err = run(capsys, "bench", "mobilenet_v1", "--device", "cuda", "-i", "1,3,32,32")
    assert code == 2 and "no CUDA device is available" in err and len(err.strip().splitlines()) == 1


def test_forward_failure_is_one_line():
    with pytest.raises(CostcalcError, match="forward pass on"):
        bench_model(nn.Linear(4, 2), (1, 3), repeats=1, warmup=0)
