"""Review findings on the profile commands: a registered network's own input side by default,
attention's score matrix in peak activations, whole tool totals as ints, MHA's output shape."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from costcalc.archs import resolve_model  # noqa: E402
from costcalc.cli.profile import _shape  # noqa: E402
from costcalc.profile import installed, memory  # noqa: E402
from costcalc.profile.aten_ops import profile_model  # noqa: E402
from costcalc.profile.conventions import evaluate  # noqa: E402

SPEC = "examples/specs/efficientnet_v2_s.toml"


# -- A5: a registered architecture or spec file at its own side -----------------------------------

def test_default_input_is_the_networks_own_side():
    assert _shape(None, "alexnet_two_tower") == (1, 3, 227, 227)
    assert _shape(None, SPEC) == (1, 3, 384, 384)
    assert _shape(None, "mobilenet_v2") == (1, 3, 224, 224)
    assert _shape(None, "torchvision:resnet50") == (1, 3, 224, 224)  # no side of its own
    assert _shape("1,3,160,160", "alexnet_two_tower") == (1, 3, 160, 160)  # --input wins


def test_profile_model_default_equals_costcalc_model():
    p = profile_model("alexnet_two_tower")
    assert p.input_shape == (1, 3, 227, 227)
    # costcalc model / models: 724,406,816 MACs at 227 (643,026,048 at 224 was the old default)
    assert evaluate(p, ["paper"])["paper"].total == resolve_model("alexnet_two_tower").macs == 724_406_816


def test_cli_profile_spec_at_its_resolution(costcalc_cli):
    r = costcalc_cli("profile", SPEC, "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["input"] == [1, 3, 384, 384]
    assert d["total"] == resolve_model(SPEC).macs == 8_365_617_152


# -- A8: what attention materialises counts in peak activations -----------------------------------

L, E = 1024, 64
X = L * E  # 65,536 elements of x (1, 1024, 64)
SCORES = L * L  # 1,048,576 elements of the score matrix, and as many of its softmax


class Manual(nn.Module):
    def forward(self, x):
        return torch.softmax(x @ x.transpose(-1, -2), -1) @ x


class Sdpa(nn.Module):
    def forward(self, x):
        return F.scaled_dot_product_attention(x, x, x)


class Mha(nn.Module):
    def __init__(self, need_weights):
        super().__init__()
        self.mha, self.need_weights = nn.MultiheadAttention(E, 1, batch_first=True), need_weights

    def forward(self, x):
        o, w = self.mha(x, x, x, need_weights=self.need_weights)
        return o if w is None else o + w.sum()


def _peak(model, device="meta"):
    return memory.peak_activation(profile_model(model, (1, L, E), device), "float32")


def test_manual_attention_peak():
    # at the softmax: x, the scores and their softmax, 4·(65,536 + 2·1,048,576) = 8,650,752 B
    assert _peak(Manual()) == (4 * (X + 2 * SCORES), "torch.softmax")


@pytest.mark.parametrize("model", [Sdpa(), Mha(False), Mha(True)], ids=["sdpa", "mha", "mha_weights"])
def test_fused_attention_counts_scores_and_softmax(model):
    peak, where = _peak(model)
    manual, _ = _peak(Manual())
    # the same scores and softmax as the manual version, plus the projections / scaled q it makes
    assert peak >= manual, (peak, where)
    assert peak >= 4 * (X + 2 * SCORES)
    assert "attention" in where


def test_sdpa_peak_exact():
    # x, q·scale (the math path scales q and kᵀ; one is gone by the softmax), scores, softmax:
    # 4·(65,536 + 65,536 + 2·1,048,576) = 8,912,896 B
    assert _peak(Sdpa()) == (4 * (2 * X + 2 * SCORES), "F.scaled_dot_product_attention")


def test_scratch_is_the_same_replayed():
    m = Mha(False)
    a = profile_model(m, (1, L, E), replay=False)
    for _ in range(2):
        b = profile_model(m, (1, L, E))
        assert [e.scratch for e in b.rows] == [e.scratch for e in a.rows]


def test_convolutions_hold_no_scratch():
    p = profile_model("mobilenet_v2")
    assert all(e.scratch == 0 for e in p.rows if e.source == "module")
    assert memory.peak_activation(p)[0] == 9_633_792  # the README's figure, unchanged


# -- D: whole totals print as ints; MHA's output as the module returns it ------------------------

def test_fvcore_einsum_total_is_an_int():
    class Ein(nn.Module):
        def forward(self, x):
            return torch.einsum("bchw,bchw->bc", x, x)

    t = evaluate(profile_model(Ein(), (2, 3, 8, 8)), ["fvcore"])["fvcore"].total
    assert type(t) is int


def test_installed_tool_totals_are_ints():
    pytest.importorskip("thop")
    o = installed.run("thop", lambda: nn.Conv2d(3, 8, 3), (1, 3, 8, 8))
    assert o.total == 3 * 8 * 9 * 36 and type(o.total) is int  # 7,776 MACs, thop's float made whole


def test_per_layer_mha_output_batch_first(costcalc_cli, tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import torch.nn as nn\n"
                 "class M(nn.Module):\n"
                 "    def __init__(self):\n"
                 "        super().__init__()\n"
                 "        self.attn = nn.MultiheadAttention(48, 4, batch_first=True)\n"
                 "    def forward(self, x):\n"
                 "        return self.attn(x, x, x)[0]\n"
                 "def build():\n    return M()\n")
    r = costcalc_cli("profile", f"{f}:build", "--input", "2,384,48", "--per-layer", "-f", "json")
    assert r.returncode == 0, r.stderr
    rows = {x["name"]: x for x in json.loads(r.stdout)["layers"]}
    assert rows["attn:F.multi_head_attention_forward"]["out"] == "2×384×48"
