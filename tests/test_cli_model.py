"""`costcalc model` and `costcalc models`, run as a user runs them (a subprocess), plus one
in-process run of the failing-verification path.

Covers: JSON / CSV / table output, --by-type (Table 2), --verify, that plain `model` imports no
torch, and bad input (one line on stderr starting 'costcalc: error:', exit 2, no traceback).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from costcalc.archs import ARCHS


def _ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout


def test_json(costcalc_cli):
    data = json.loads(_ok(costcalc_cli("model", "mobilenet_v1", "--format", "json")))
    assert data["model"] == "mobilenet_v1"
    assert data["macs"] == 568_740_352 and type(data["macs"]) is int
    assert data["params"] == 4_209_088 and type(data["params"]) is int
    assert data["flops"] == 2 * 568_740_352
    assert data["params_by_convention"]["bn"] == 4_231_976
    ids = [row["id"] for row in data["layers"]]
    assert ids[0] == "conv1" and ids[-1] == "fc" and len(ids) == len(set(ids))
    assert sum(row["macs"] for row in data["layers"]) == data["macs"]
    assert data["published"][0]["macs_m"] == 569
    assert "verification" not in data


def test_json_options(costcalc_cli):
    data = json.loads(_ok(costcalc_cli("model", "mobilenet_v1", "--alpha", "0.5", "--rho", "0.714",
                                       "--format", "json")))
    assert (data["alpha"], data["resolution"], data["macs"]) == (0.5, 160, 76_524_800)
    d = json.loads(_ok(costcalc_cli("model", "dense2_mobilenet", "--growth-rate", "16", "--format", "json")))
    assert d["growth_rate"] == 16


def test_table(costcalc_cli):
    out = _ok(costcalc_cli("model", "mobilenet_v1_conv"))
    assert "4,867,293,184" in out and "29,281,120" in out
    assert "4866M" in out  # the paper's figure, beside the exact one
    assert "4,866,269,184" in out  # and why they differ


def test_verify(costcalc_cli):
    r = costcalc_cli("model", "mobilenet_v2", "--verify")
    out = _ok(r)
    assert "verified" in out
    assert "3,504,872" in out  # torch's parameter count = params (bn)
    assert "MISMATCH" not in out


def test_verify_json(costcalc_cli):
    data = json.loads(_ok(costcalc_cli("model", "googlenet", "--verify", "--resolution", "96",
                                       "--format", "json")))
    v = data["verification"]
    assert v["ok"] is True and v["mismatches"] == [] and v["unsupported"] == {}
    assert v["aten_macs"] == data["macs"]
    assert v["torch_params"] == data["params_by_convention"]["bn"]


def test_by_type(costcalc_cli):
    out = _ok(costcalc_cli("model", "mobilenet_v1", "--by-type"))
    assert "94.86%" in out and "74.59%" in out and "24.33%" in out
    assert "1.91%" in out and "1.19%" in out  # exact and printed, side by side
    assert "99.29" in out  # the note on the paper's inconsistency


def test_by_type_json(costcalc_cli):
    data = json.loads(_ok(costcalc_cli("model", "mobilenet_v1", "--by-type", "--format", "json")))
    rows = {r["type"]: r for r in data["by_type"]}
    assert rows["Conv 1×1"]["macs"] == 539_492_352
    assert round(100 * rows["Conv 3×3"]["macs_share"], 2) == 1.91
    assert rows["Conv 3×3"]["paper_macs_share"] == pytest.approx(0.0119)


def test_per_layer_csv(costcalc_cli):
    r = costcalc_cli("model", "mobilenet_v1", "--per-layer", "--format", "csv")
    layers = list(csv.DictReader(io.StringIO(_ok(r))))  # one table per stream: the one asked for
    assert "CSV holds one table, layers; the others (summary) with --table NAME" in r.stderr
    out = _ok(costcalc_cli("model", "mobilenet_v1", "--per-layer", "-f", "csv", "--table", "summary"))
    totals = {row["quantity"]: row for row in csv.DictReader(io.StringIO(out))}
    assert int(totals["MACs"]["value"]) == 568_740_352
    assert float(totals["MACs"]["paper_millions"]) == 569 and "human" not in totals["MACs"]
    by_id = {row["id"]: row for row in layers}
    assert int(by_id["conv1"]["macs"]) == 10_838_016  # 3·3·3·32·112·112
    assert int(by_id["b13_pw"]["macs"]) == 1024 * 1024 * 7 * 7
    assert int(by_id["fc"]["params"]) == 1_024_000
    assert sum(int(r["macs"]) for r in layers) == 568_740_352  # BN / activations carry none


def test_models(costcalc_cli):
    out = _ok(costcalc_cli("models"))
    for name in ARCHS:
        assert name in out
    data = json.loads(_ok(costcalc_cli("models", "--format", "json")))
    assert [r["model"] for r in data["models"]] == list(ARCHS)
    rows = {r["model"]: r for r in data["models"]}
    assert rows["mobilenet_v2"]["macs"] == 300_774_272
    assert rows["vgg16"]["params"] == 138_344_128


def test_plain_model_imports_no_torch(costcalc_cli):
    r = costcalc_cli("model", "mobilenet_v1", python_flags=("-X", "importtime"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "568,740,352" in r.stdout
    modules = [line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines()
               if line.startswith("import time:") and "|" in line]
    assert "costcalc.archs" in modules  # the check sees the imports at all
    torchy = [mod for mod in modules if mod == "torch" or mod.startswith("torch.")]
    assert torchy == []


BAD = [
    (["mobilnet_v1"], "did you mean 'mobilenet_v1'"),
    (["mobilenet_v1", "--alpha", "0"], "--alpha"),
    (["mobilenet_v1", "--alpha", "-1"], "--alpha"),
    (["mobilenet_v1", "--resolution", "16"], "too small"),
    (["dense2_mobilenet", "--growth-rate", "0"], "--growth-rate"),
    (["mobilenet_v1", "--growth-rate", "8"], "does not apply"),
    (["mobilenet_v1", "--rho", "0.5", "--resolution", "128"], "--rho"),
    (["mobilenet_v1", "--rho", "0"], "--rho"),
    (["mobilenet_v1", "--alpha", "abc"], "alpha"),
]


@pytest.mark.parametrize("args,needle", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input(costcalc_cli, args, needle):
    r = costcalc_cli("model", *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("costcalc: error:")
    assert needle in lines[0]


@pytest.mark.parametrize("args", [["--alpha", "inf"], ["--rho", "inf"]])
def test_infinite_multiplier(costcalc_cli, args):
    r = costcalc_cli("model", "mobilenet_v1", *args)
    assert r.returncode == 2 and r.stderr.startswith("costcalc: error:")


def test_failed_verification_exits_1(monkeypatch, capsys):
    # In-process: a verification that disagrees must say so and exit 1 (input fine, result not).
    from costcalc.cli import main
    from costcalc.counting import verify
    from costcalc.counting.verify import LayerCheck, Verification

    bad = LayerCheck("b1_dw", "conv2d", 3_612_672, 115_605_504, 3_612_672, 288, 288, True)
    fake = Verification([bad], torch_params=0, torch_bn_stats=0, aten_total=0, unsupported={})
    monkeypatch.setattr(verify, "verify_model", lambda m, batch=1: fake)
    with pytest.raises(SystemExit) as e:
        main(["model", "mobilenet_v1", "--verify"])
    assert e.value.code == 1
    out, err = capsys.readouterr()
    assert "MISMATCH" in out and "b1_dw" in out
    assert err.startswith("costcalc: error:") and len(err.strip().splitlines()) == 1


def test_example_tour_runs():
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"}
    r = subprocess.run([sys.executable, str(root / "examples" / "model_tour.py")], capture_output=True,
                       text=True, encoding="utf-8", env=env, timeout=120, cwd=root)
    assert r.returncode == 0, r.stderr
    assert "568,740,352" in r.stdout and "MISMATCH" not in r.stdout
    assert len(re.findall(r" ok$", r.stdout, re.M)) == len(ARCHS)
