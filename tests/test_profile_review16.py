"""New-user review of profile / reconcile (issue #16): parameters under `costcalc model`'s names,
of the modules the forward ran; batch-norm bytes without the unread counter; ONNX scalar
constants are not parameters; all-ops pooling per window; model-only options; the 80-column
summary."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from costcalc.archs import resolve_model  # noqa: E402
from costcalc.profile import memory  # noqa: E402
from costcalc.profile.aten_ops import profile_model  # noqa: E402
from costcalc.profile.conventions import evaluate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_params_carry_model_names_and_values():
    p = profile_model("mobilenet_v2")
    m = resolve_model("mobilenet_v2")
    # weights 3,469,760; + the classifier's 1,000 biases; + BN γ, β 2·17,056 = 3,504,872
    assert p.param_counts == {"weights": m.params("weights"), "bias": m.params("bias"),
                              "all": m.params("bn")} == {"weights": 3_469_760, "bias": 3_470_760,
                                                          "all": 3_504_872}


class _Aux(nn.Module):
    """A head the forward never runs, and a child whose weight the parent reads directly."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, bias=False)  # 8·3·3·3 = 216
        self.head = nn.Linear(8, 4)  # read through F.linear: 32 + 4
        self.aux = nn.Linear(8, 100)  # never run: 800 + 100
        self.scale = nn.Parameter(torch.ones(8))  # the root's own: 8

    def forward(self, x):
        x = self.conv(x).mean((2, 3)) * self.scale
        return F.linear(x, self.head.weight, self.head.bias)


def test_params_are_those_the_forward_reaches():
    p = profile_model(_Aux(), (1, 3, 8, 8))
    # weights 216 + 32 = 248; bias + 4 = 252; all + the root's scale 8 = 260
    assert p.param_counts == {"weights": 248, "bias": 252, "all": 260}
    assert p.unused_params == {"aux": 900} and p.total_params == 260


def test_googlenet_aux_heads_named_not_counted(costcalc_cli):
    r = costcalc_cli("profile", "torchvision:googlenet", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    # in eval torchvision's GoogLeNet never runs aux1 / aux2: 6,624,904 + 6,379,984 = 13,004,888
    assert d["params_by_convention"]["all"] == d["params"] == 6_624_904
    assert sum(d["unused_params"].values()) == 6_379_984
    assert {k.split(".")[0] for k in d["unused_params"]} == {"aux1", "aux2"}


def test_batch_norm_bytes_leave_out_num_batches_tracked():
    model = nn.Sequential(nn.Conv2d(3, 32, 3, bias=False), nn.BatchNorm2d(32))
    p = profile_model(model, (1, 3, 8, 8))
    (bn,) = [m for e, m in zip(p.rows, memory.layer_memory(p)) if e.category == "norm"]
    assert bn.param_bytes == 32 * 4 * 4  # γ, β, running mean, var: 512 (not 516)


def test_all_ops_pools_per_window_as_documented():
    p = profile_model("alexnet_two_tower")
    pool1 = [e for e in p.rows if e.category == "pool"][0]
    assert pool1.ops == 96 * 27 * 27 * 9  # 629,856: 9 comparisons per output, not 290,400 inputs
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(l for l in readme.splitlines() if l.startswith("| `all-ops` |"))
    assert "k² per output element" in row and "pooling (1 per input element)" not in row
    from costcalc.profile import conventions

    assert "one op per input element), residual" not in conventions.__doc__
    assert evaluate(p, ["all-ops"])["all-ops"].by_category["pool"] > 0


def test_onnx_scalar_initializers_are_constants_not_parameters():
    onnx = pytest.importorskip("onnx")
    np = pytest.importorskip("numpy")
    from onnx import TensorProto, helper, numpy_helper

    from costcalc.onnx.count import profile_onnx

    w = numpy_helper.from_array(np.zeros((8, 3, 3, 3), np.float32), "w")
    lo = numpy_helper.from_array(np.array(0, np.float32), "lo")  # 0-d: Clip's bounds
    hi = numpy_helper.from_array(np.array(6, np.float32), "hi")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[3, 3]),
             helper.make_node("Clip", ["c", "lo", "hi"], ["y"])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 6, 6])],
                          initializer=[w, lo, hi])
    p = profile_onnx(helper.make_model(g, opset_imports=[helper.make_opsetid("", 20)]))
    assert p.total_params == 8 * 3 * 3 * 3 and p.graph.float_scalars == 2  # 216, not 218


@pytest.mark.parametrize("command", ["profile", "reconcile"])
def test_model_only_options_point_to_costcalc_model(costcalc_cli, command):
    r = costcalc_cli(command, "mobilenet_v2", "--alpha", "0.5")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "no --alpha" in r.stderr and "costcalc model NAME --alpha" in r.stderr
    assert "--alpha" not in costcalc_cli(command, "--help").stdout


def test_readme_names_no_reconcile_per_layer(costcalc_cli):
    assert "--per-layer" not in costcalc_cli("reconcile", "--help").stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("`costcalc reconcile` shows"):readme.index("`--verify` also runs")]
    assert not re.search(r"^`--per-layer` adds", section, re.M)


def test_long_peak_location_folds_at_80_columns(costcalc_cli):
    # ViT's peak is at a 76-character id: the `at` column folds; the table is not stacked records
    r = costcalc_cli("profile", "torchvision:vit_b_16", env={"COLUMNS": "80"})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[1].startswith("┏") and max(len(l) for l in lines if l.startswith("│")) <= 80
    assert any(l.startswith("│ params (weights)") for l in lines)
    assert any(l.startswith("folded to fit 80 columns: at") for l in lines)
    assert not any(l.strip() == "at" for l in lines)


def test_stacked_records_skip_empty_cells():
    from costcalc.report.tables import Column, Report, Table, terminal_text

    t = Table([Column("quantity", "quantity", primary=True), Column("value", "value", "right"),
               Column("at", "at")], [{"quantity": "total", "value": "1", "at": ""},
                                     {"quantity": "peak", "value": "2", "at": "x" * 30}])
    out = terminal_text(Report([t], {}), 20)
    assert "  at" not in out.split("peak")[0] and "at" in out.split("peak")[1]


class _Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(16, 2)

    def forward(self, x):
        return self.mha(x, x, x, need_weights=False)[0]


def test_report_page_params_are_profiles():
    from costcalc.report.page import profile_page

    p = profile_model(_Attn(), (4, 1, 16))
    # in_proj 3·16·16 = 768 + out_proj 16·16 = 256: 1,024 weights; + 48 + 16 biases = 1,088
    assert p.param_counts == {"weights": 1024, "bias": 1088, "all": 1088}
    header = {h["key"]: h["value"] for h in profile_page(p).header}
    assert {k: header[f"params.{k}"] for k in p.param_counts} == p.param_counts
