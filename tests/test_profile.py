"""costcalc profile: targets, hooks + aten pass, FlopCounterMode agreement, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from costcalc.errors import CostcalcError  # noqa: E402
from costcalc.profile.aten_ops import profile_model  # noqa: E402
from costcalc.profile.conventions import totals  # noqa: E402
from costcalc.profile.target import load_model, parse_target  # noqa: E402

FIXTURE = str(Path(__file__).parent / "fixtures" / "functional_net.py") + ":build"


def test_parse_target_forms():
    assert parse_target("mobilenet_v2").kind == "arch"
    assert parse_target("a/b.py:build").kind == "file"
    assert parse_target("pkg.mod:make.net").kind == "module"
    assert parse_target("torchvision:resnet18").kind == "torchvision"


@pytest.mark.parametrize("bad", ['os:system("rm")', "x.py", "a b:c", "mobilenet_v9", ":x", "pkg:1abc"])
def test_parse_target_rejects(bad):
    with pytest.raises(CostcalcError):
        parse_target(bad)


def test_hub_missing_is_one_line():
    pytest.importorskip  # torchvision is not a dependency; when absent the message says so
    try:
        import torchvision  # noqa: F401
    except ImportError:
        with pytest.raises(CostcalcError, match="torchvision is not installed"):
            load_model("torchvision:mobilenet_v2")


def test_functional_ops_are_counted():
    p = profile_model(load_model(FIXTURE), (1, 3, 32, 32))
    funcs = {e.op: e for e in p.rows if e.source == "function"}
    # matmul (1,24)@(24,10): 24*10 = 240 MACs
    assert funcs["torch.matmul"].macs == 240 and funcs["torch.matmul"].category == "linear"
    # global pool over 24x16x16 = 6,144 adds
    assert funcs["torch.nn.functional.adaptive_avg_pool2d"].ops == 6144
    assert funcs["torch.Tensor.add"].category == "add" and funcs["torch.Tensor.add"].ops == 16 * 16 * 16
    assert funcs["torch.cat"].category == "concat"
    assert not p.unattributed and not p.unsupported_modules


def test_unattributed_is_listed():
    class Odd(torch.nn.Module):
        def forward(self, x):
            return torch.logcumsumexp(x, 1)

    p = profile_model(Odd(), (1, 4))
    assert p.unattributed == {"logcumsumexp": 1}


@pytest.mark.parametrize("target,shape", [("mobilenet_v1", (1, 3, 224, 224)),
                                          ("mobilenet_v2", (2, 3, 160, 160)),
                                          (FIXTURE, (1, 3, 32, 32))])
def test_flops_convention_equals_flop_counter_mode(target, shape):
    from torch.utils.flop_counter import FlopCounterMode

    m = load_model(target)
    p = profile_model(m, shape)
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        m(torch.empty(shape, device="meta"))
    assert sum(totals(p, ["flops"])["flops"].values()) == fc.get_total_flops()


def test_paper_convention_mobilenets():
    # published: v1 569M, v2 300M mult-adds (exact counts below)
    p1 = profile_model(load_model("mobilenet_v1"), (1, 3, 224, 224))
    p2 = profile_model(load_model("mobilenet_v2"), (1, 3, 224, 224))
    assert sum(totals(p1, ["paper"])["paper"].values()) == 568_740_352
    assert sum(totals(p2, ["paper"])["paper"].values()) == 300_774_272


def test_cli_profile_json(costcalc_cli):
    r = costcalc_cli("profile", FIXTURE, "--input", "1,3,32,32", "--per-layer", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["total"] == 110592 + 36864 + 196608 + 240
    assert any(row["op"] == "torch.matmul" for row in d["layers"])


def test_cli_reconcile_table(costcalc_cli):
    r = costcalc_cli("reconcile", "mobilenet_v2", "--format", "csv")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "category,paper,all-ops,flops,fvcore,torchprofile,ptflops,thop,torchinfo"
    assert lines[-1].split(",")[0] == "total"


@pytest.mark.parametrize("args,msg", [(["torchvision:mobilenet_v2"], "torchvision is not installed"),
                                       (["mobilenet_v2", "--convention", "nope"], "unknown convention"),
                                       (["mobilenet_v2", "--input", "1,3,x"], "--input"),
                                       (["no/such.py:build"], "no such file")])
def test_cli_errors_one_line(costcalc_cli, args, msg):
    r = costcalc_cli("profile", *args)
    if "torchvision" in args[0]:
        try:
            import torchvision  # noqa: F401
            pytest.skip("torchvision installed")
        except ImportError:
            pass
    assert r.returncode == 2 and msg in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def _facts(p):
    """Everything a profile says per row, minus tensor identities (they differ run to run)."""
    return [(e.name, e.source, e.op, e.category, e.in_shapes, e.out_shape, e.macs, e.bias_ops, e.ops,
             e.flops, e.params, e.param_elems, e.stack, e.in_rule_leaf, e.in_params,
             [(a.name, a.category, a.macs, a.bias_ops, a.ops, a.flops) for a in e.aten])
            for e in p.events]


_DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device"))]


@pytest.mark.parametrize("device", _DEVICES)
@pytest.mark.parametrize("target,shape", [("mobilenet_v2", (1, 3, 64, 64)), (FIXTURE, (1, 3, 32, 32))],
                         ids=["v2", "file"])
def test_real_device_counts_equal_meta(target, shape, device):
    """A real forward pass (weights materialised, zeros in) sees what meta sees, row by row."""
    from costcalc.profile import memory

    build = (lambda: load_model(target, resolution=shape[-1])) if ":" not in target else (lambda: load_model(target))
    meta, real = profile_model(build(), shape), profile_model(build(), shape, device=device)
    assert _facts(real) == _facts(meta) and len(meta.events) > 10
    assert totals(real) == totals(meta)
    assert (real.total_params, real.unattributed, real.unsupported_modules) == \
        (meta.total_params, meta.unattributed, meta.unsupported_modules)
    assert memory.peak_activation(real, "float32") == memory.peak_activation(meta, "float32")
    assert memory.layer_memory(real, "float32") == memory.layer_memory(meta, "float32")


@pytest.mark.parametrize("target,shape", [("mobilenet_v2", "1,3,64,64"), (FIXTURE, "1,3,32,32")],
                         ids=["v2", "file"])
def test_cli_device_cpu(costcalc_cli, target, shape):
    out = {}
    for device in ("meta", "cpu"):
        r = costcalc_cli("profile", target, "--input", shape, "--device", device, "--per-layer",
                         "--format", "json")
        assert r.returncode == 0, r.stderr
        out[device] = json.loads(r.stdout)
    assert out["cpu"].pop("device") == "cpu" and out["meta"].pop("device") == "meta"
    # a file's model is built on meta for a meta count, as its code builds it for a real one
    built = "meta" if ":" not in target else "cpu"
    assert out["meta"].pop("built_on") == "meta" and out["cpu"].pop("built_on") == built
    assert out["cpu"] == out["meta"]
    rec = {}
    for device in ("meta", "cpu"):
        r = costcalc_cli("reconcile", target, "--input", shape, "--device", device, "--format", "json")
        assert r.returncode == 0, r.stderr
        rec[device] = json.loads(r.stdout)
    assert rec["cpu"].pop("device") == "cpu" and rec["meta"].pop("device") == "meta"
    assert rec["meta"].pop("built_on") == "meta" and rec["cpu"].pop("built_on") == built
    assert rec["cpu"] == rec["meta"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
@pytest.mark.parametrize("command", ["profile", "reconcile"])
def test_cli_device_cuda_without_cuda_is_one_line(costcalc_cli, command):
    r = costcalc_cli(command, "mobilenet_v2", "--device", "cuda")
    assert r.returncode == 2 and "no CUDA device is available" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_unknown_device_is_one_line(costcalc_cli):
    r = costcalc_cli("profile", "mobilenet_v2", "--device", "tpu")
    assert r.returncode == 2 and "--device must be meta, cpu or cuda" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_compare_and_model_do_not_import_torch(costcalc_cli):
    import subprocess
    import sys

    code = ("import sys, costcalc.cli; from costcalc.cli import profile; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
