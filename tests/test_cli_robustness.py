"""What a new user hits first: missing torch, user code that exits or prints, inputs that do not
fit, conflicting options. Each ends in one `costcalc: error:` line and exit 2, or clean output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, cli_env

USER = '''
import torch
from torch import nn
print("hello from import")

def exits():
    raise SystemExit(3)

class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        print("hello from forward")
        if x.sum() > 0:  # needs real values
            return self.c(x)
        return self.c(x) * 2

def branchy():
    return Branchy()
'''


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "user_model.py"
    path.write_text(USER)
    return str(path)


def _one_line_error(r, message: str, code: int = 2):
    assert r.returncode == code, (r.returncode, r.stdout[-500:], r.stderr[-2000:])
    errors = [line for line in r.stderr.splitlines() if line.startswith("costcalc:")]
    assert errors == [errors[0]] and errors[0].startswith("costcalc: error:"), r.stderr
    assert message in errors[0], errors[0]
    assert "Traceback" not in r.stderr


NO_TORCH = ("import sys; sys.modules['torch'] = None; sys.argv[0] = 'costcalc'; "
            "from costcalc.cli import main; main(sys.argv[1:])")


@pytest.mark.parametrize("args", [
    ("roofline", "mobilenet_v1"), ("bench", "mobilenet_v1"), ("profile", "mobilenet_v2"),
    ("reconcile", "mobilenet_v2"), ("model", "mobilenet_v1", "--verify"),
    ("compare", "--verify"), ("export", "mobilenet_v1", "--onnx", "never-written.onnx"),
])
def test_torch_commands_without_torch_say_so_in_one_line(args):
    r = subprocess.run([sys.executable, "-c", NO_TORCH, *args], capture_output=True, text=True,
                       encoding="utf-8", env=cli_env(), cwd=ROOT, timeout=120)
    _one_line_error(r, f"costcalc {args[0]} runs PyTorch here, which is not installed: "
                       "pip install 'costcalc[torch]'")
    # the list of torch commands names this one (or its --verify)
    assert (args[0] if "--verify" not in args else "--verify") in r.stderr.split("(", 1)[1]
    assert r.stdout == ""


def test_analytic_commands_run_without_torch():
    r = subprocess.run([sys.executable, "-c", NO_TORCH, "model", "mobilenet_v2", "--memory", "-f", "json"],
                       capture_output=True, text=True, encoding="utf-8", env=cli_env(), cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["memory"]["peak_bytes"] == 401_408


@pytest.mark.parametrize("command", ["profile", "reconcile", "roofline", "bench"])
def test_a_target_that_calls_sys_exit_is_an_error(costcalc_cli, user_file, command):
    _one_line_error(costcalc_cli(command, f"{user_file}:exits", "--input", "1,3,16,16"),
                    "exits() failed: SystemExit: 3")


def test_user_prints_go_to_stderr_so_json_parses(costcalc_cli, user_file):
    r = costcalc_cli("profile", f"{user_file}:branchy", "--input", "1,3,16,16", "--device", "cpu", "-f", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["total"] == 3 * 3 * 3 * 4 * 14 * 14  # one 3x3 conv 3->4 on 16x16: 21,168
    assert "hello from import" in r.stderr and "hello from forward" in r.stderr


def test_value_dependent_model_on_meta_suggests_cpu(costcalc_cli, user_file):
    _one_line_error(costcalc_cli("profile", f"{user_file}:branchy", "--input", "1,3,16,16"),
                    "try --device cpu")
    r = costcalc_cli("roofline", f"{user_file}:branchy", "--input", "1,3,16,16", "--device", "cpu",
                     "--peak-gflops", "100", "--bandwidth-gbs", "10", "-f", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["layers"][0]["macs"] == 21_168


@pytest.mark.parametrize("shape", ["1,3,224,224,1", "1,3,224,160", "1,1,224,224", "224,224"])
def test_registered_architectures_take_square_rgb_batches(costcalc_cli, shape):
    _one_line_error(costcalc_cli("profile", "mobilenet_v1", "--input", shape), "takes --input N,3,H,H")


def test_roofline_write_failure_is_the_only_line(costcalc_cli, tmp_path, monkeypatch):
    # a path the early check accepts but the write refuses: /proc exists but takes no new files
    r = costcalc_cli("roofline", "mobilenet_v1", "--input", "1,3,64,64", "--out", "/proc/costcalc_test.png")
    _one_line_error(r, "cannot write /proc/costcalc_test.png")
    assert r.stdout == ""


@pytest.mark.parametrize("args, message", [
    (("compare", "--size", "14", "--input-size", "28"), "not both"),
    (("model", "mobilenet_v1", "--memory", "--dtype", ""),
     "Invalid value for '--dtype': '' is not one of 'float32', 'float16', 'bfloat16', 'int8'"),
])
def test_conflicting_or_empty_options(costcalc_cli, args, message):
    _one_line_error(costcalc_cli(*args), message)
