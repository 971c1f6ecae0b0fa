"""The profile's speed-ups change nothing it says: replayed shapes (costcalc/profile/replay.py),
models built on meta with their initialisers skipped (costcalc/profile/target.py:build), the
garbage collector paused. Every comparison is field by field (tests/profile_facts.py); the zoo
suite makes the same one on its 41 models (tests/zoo/test_zoo.py)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from costcalc.profile import replay  # noqa: E402
from costcalc.profile.aten_ops import Profiler, profile_model  # noqa: E402
from costcalc.profile.target import build, load_model  # noqa: E402
from profile_facts import differences, facts  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
FUNCTIONAL = f"{FIXTURES / 'functional_net.py'}:build"
RECURRENT = f"{FIXTURES / 'recurrent_net.py'}:build"


def _same(build_model, shape):
    """Unreplayed, then replayed from an empty cache (records made as it goes), then replayed
    from the records: the same facts each time."""
    replay.clear()
    plain = facts(profile_model(build_model(), shape, replay=False))
    for _ in range(2):
        assert differences(plain, facts(profile_model(build_model(), shape))) == []
    return plain


@pytest.mark.parametrize("target,shape", [("mobilenet_v2", (2, 3, 96, 96)), ("mobilenet_v3_small", (1, 3, 64, 64)),
                                          ("dense2_mobilenet", (1, 3, 64, 64)), ("shufflenet_v1_g3", (1, 3, 64, 64)),
                                          (FUNCTIONAL, (1, 3, 32, 32)), (RECURRENT, (1, 3, 32, 32))],
                         ids=["v2", "v3-small", "dense2", "shufflenet", "functional", "recurrent-pruned"])
def test_replay_changes_nothing(target, shape):
    res = shape[-1] if ":" not in target else None
    _same(lambda: load_model(target, resolution=res), shape)


def test_replay_changes_nothing_on_torchvision():
    tv = pytest.importorskip("torchvision")
    for name in ("resnet18", "mobilenet_v3_small", "vit_b_16"):
        _same(lambda: build(f"torchvision:{name}").model, (1, 3, 224, 224))
    assert tv  # the zoo suite runs all 41 models


class _Layout(nn.Module):
    """Branches on what replayed tensors must reproduce: memory layout and identity."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.act = nn.ReLU(inplace=True)
        self.drop = nn.Dropout(0.1)
        self.lin = nn.Linear(8, 4)

    def forward(self, x):
        y = x.contiguous(memory_format=torch.channels_last) * 2  # replayed: its strides are kept
        y = y + 1 if y.is_contiguous() else y - 1  # channels_last stays channels_last: sub
        y = self.conv(y)
        z = self.act(y)
        z = z * 3 if z is y else z / 3  # in-place ReLU returns its input: mul
        w = self.drop(z)
        w = w.mean((2, 3)) if w is z else w.sum((2, 3))  # Dropout in eval returns its input: mean
        return self.lin(w) + self.lin(w)  # the same layer twice: one record, two calls


def test_replay_keeps_layout_and_identity():
    got = _same(lambda: _Layout().to("meta"), (2, 3, 8, 8))
    ops = [e[2] for e in got["events"] if e[1] == "function"]
    assert ops.count("torch.Tensor.mul") == 2 and "torch.Tensor.sub" in ops and "torch.Tensor.mean" in ops
    assert ops.count("torch.Tensor.add") == 1 and "torch.Tensor.div" not in ops and "torch.Tensor.sum" not in ops


def test_layers_with_hooks_of_their_own_are_not_replayed():
    """A forward pre-hook may change what a layer computes: such a layer always runs."""
    m = _Layout().to("meta")
    seen = []
    m.conv.register_forward_pre_hook(lambda mod, args: seen.append(args[0].shape))
    replay.clear()
    plain = facts(profile_model(m, (1, 3, 8, 8), replay=False))
    assert differences(plain, facts(profile_model(m, (1, 3, 8, 8)))) == []
    assert not any(k[0] is nn.Conv2d for k in replay._CACHE) and len(seen) == 2


def test_replayed_profile_on_a_real_device_runs_real_kernels():
    """--device cpu: nothing is replayed (no record holds a cpu tensor) and the kernels run."""
    replay.clear()
    calls = []
    m = _Layout()
    m.conv.register_forward_hook(lambda mod, args, out: calls.append(float(out.abs().sum())))
    p = profile_model(m, (1, 3, 8, 8), device="cpu")
    assert len(calls) == 1 and p.rows and not replay._CACHE and not replay._OPS


def test_profile_does_not_scale_with_resolution():
    """On meta nothing is computed: at 2048 px the same ops run as at 224 px, every tensor is a
    meta tensor (no storage), and the Python memory the pass takes does not grow."""
    m = load_model("mobilenet_v1")
    for side in (224, 2048):  # records made: the two passes below do the same work
        profile_model(m, (1, 3, side, side))
    kept = {}

    def run(side):
        tracemalloc.start()
        with torch.no_grad(), Profiler(m.eval()) as p:
            m(torch.empty(1, 3, side, side, device="meta"))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        kept[side] = list(p._keep.values())
        return p, peak

    (small, peak_small), (big, peak_big) = run(224), run(2048)
    # (2048 / 224)² MACs, rounded by the stride-2 layers: more than 80× as many
    assert sum(e.macs for e in big.events if e.source == "module") > 80 * sum(
        e.macs for e in small.events if e.source == "module")
    assert [(e.name, e.op, len(e.aten)) for e in big.events] == [(e.name, e.op, len(e.aten)) for e in small.events]
    assert all(t.is_meta for t in kept[224] + kept[2048])
    assert peak_big <= 1.1 * peak_small + 65536, (peak_small, peak_big)


def test_build_on_meta_and_fallback(tmp_path):
    assert build(FUNCTIONAL).device == "meta"
    b = build(FUNCTIONAL)
    assert all(p.is_meta for p in b.model.parameters()) and b.note.startswith("built on meta")
    f = tmp_path / "needs_values.py"
    f.write_text("import torch\nfrom torch import nn\n\n"
                 "def build():\n"
                 "    width = int(torch.tensor([4.0]).sum().item())  # a value: fails on meta\n"
                 "    return nn.Sequential(nn.Conv2d(3, width, 3), nn.ReLU())\n\n"
                 "model = build()\n", encoding="utf-8")
    b = build(f"{f}:build")
    assert b.device == "cpu" and "item" in b.why and b.note.startswith("built on cpu: on meta its construction failed")
    assert not any(p.is_meta for p in b.model.parameters())
    inst = build(f"{f}:model")
    assert inst.device == "cpu" and inst.why == "the target is a module instance"
    # the same profile either way
    assert differences(facts(profile_model(b.model, (1, 3, 8, 8))), facts(profile_model(load_model(f"{f}:build"), (1, 3, 8, 8)))) == []


def test_build_skips_only_initialisers():
    """Under the no-init mode a meta parameter is returned untouched by nn.init and the in-place
    fills; the model's structure is the one its code makes."""
    b = build(FUNCTIONAL)
    ref = load_model(FUNCTIONAL)
    assert [(n, tuple(p.shape), p.dtype) for n, p in b.model.named_parameters()] == \
        [(n, tuple(p.shape), p.dtype) for n, p in ref.named_parameters()]
    assert [(n, tuple(t.shape)) for n, t in b.model.named_buffers()] == [(n, tuple(t.shape)) for n, t in ref.named_buffers()]


def test_profile_model_takes_a_target():
    p = profile_model(FUNCTIONAL, (1, 3, 32, 32))
    assert p.built_on == "meta" and p.label.endswith("functional_net.py:build")
    assert differences(facts(p), facts(profile_model(load_model(FUNCTIONAL), (1, 3, 32, 32), label=p.label))) == []
