"""The small oddities a new user met, one test each: a huge count printed as 1.131e+04T; the
suggestion of build_model for a file that defines build; the no-torch line; a module that never
ran listed under "no module rule"; bench's header leaving out functional calls profile counts."""

from __future__ import annotations

import json

import pytest

from costcalc.cli import main
from costcalc.units import human


def run(capsys, *argv):
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    out, err = capsys.readouterr()
    return e.value.code, out, err


@pytest.mark.parametrize("n, text", [
    (462_422_016, "462.4M"),
    (999_999, "1M"),  # not '1e+03K'
    (11_314_500_001_024_000, "11.31P"),  # mobilenet_v1 at 1,000,000 px: was '1.131e+04T'
    (22_629_000_002_048_000, "22.63P"),
    (2.5e18, "2.5E"),
    (1.131e21, "1.131e+21"),  # past E: plain scientific notation
    (512, "512"),
])
def test_human_never_prints_a_mantissa_over_999(n, text):
    assert human(n) == text


def test_huge_resolution_reads_in_peta(capsys):
    code, out, _ = run(capsys, "model", "mobilenet_v1", "--resolution", "1000000", "--wide")
    assert code == 0 and "11.31P" in out and "e+0" not in out
    assert "11,314,500,001,024,000" in out  # the exact count, whole


def test_file_without_callable_suggests_what_it_defines(tmp_path, capsys):
    f = tmp_path / "net.py"
    f.write_text("import torch\n\ndef build():\n    return torch.nn.Conv2d(3, 8, 3)\n\n"
                 "class Net(torch.nn.Module):\n    pass\n\n_private = 1\n")
    code, _, err = run(capsys, "profile", str(f))
    assert code == 2
    assert err == (f"costcalc: error: '{f}': name the callable too, as {f}:build "
                   f"({f} defines build, Net)\n")
    pytest.importorskip("torch")
    code, _, err = run(capsys, "profile", f"{f}:build_model")
    assert code == 2 and err.endswith(f"{f} has no attribute 'build_model'; it defines build, Net\n")


def test_no_torch_names_the_extra():
    # the line itself, as test_cli_robustness runs it with torch hidden
    import inspect

    from costcalc import cli

    assert "pip install 'costcalc[torch]'" in inspect.getsource(cli._run)


UNUSED = '''
import torch
from torch import nn

class WithSpare(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.up = nn.Upsample(scale_factor=2)   # defined, never called
        self.shuffle = nn.PixelShuffle(2)       # no costcalc rule, called below

    def forward(self, x):
        return self.shuffle(self.conv(x))

def build():
    return WithSpare()
'''


def test_a_module_that_never_ran_is_not_listed_as_uncounted(tmp_path, capsys):
    pytest.importorskip("torch")
    f = tmp_path / "spare.py"
    f.write_text(UNUSED)
    code, out, _ = run(capsys, "profile", f"{f}:build", "-i", "1,3,8,8", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["unsupported_modules"] == {"shuffle": "PixelShuffle"}  # 'up' never ran
    code, out, _ = run(capsys, "profile", f"{f}:build", "-i", "1,3,8,8", "--wide")
    assert "no module rule (counted from their aten ops instead): shuffle (PixelShuffle)" in out
    assert "up (Upsample)" not in out


ATTENTION = '''
import torch
from torch import nn

class Attend(nn.Module):
    """A conv stem, then single-head self-attention written with torch.matmul (functional)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.qkv = nn.Linear(16, 48, bias=False)

    def forward(self, x):
        t = self.stem(x).flatten(2).transpose(1, 2)      # 1 x 64 tokens x 16
        q, k, v = self.qkv(t).chunk(3, dim=-1)
        a = torch.matmul(q, k.transpose(1, 2)).softmax(-1)  # 64·64·16 MACs
        return torch.matmul(a, v)                         # 64·64·16 MACs

def build():
    return Attend()
'''


def test_bench_header_total_counts_functional_calls_as_profile_does(tmp_path, capsys):
    pytest.importorskip("torch")
    f = tmp_path / "attend.py"
    f.write_text(ATTENTION)
    target = f"{f}:build"
    code, out, _ = run(capsys, "profile", target, "-i", "1,3,8,8", "-f", "json")
    profile_total = json.loads(out)["total"]
    # stem 3·3·3·16·64 = 27,648; qkv 16·48·64 = 49,152; two matmuls 2·64·64·16 = 131,072
    assert profile_total == 27_648 + 49_152 + 131_072 == 207_872
    bench = ["bench", target, "-i", "1,3,8,8", "-n", "1", "-w", "0", "--threads", "1"]
    code, out, _ = run(capsys, *bench, "-f", "json")
    data = json.loads(out)
    assert (data["macs_total"], data["macs"], data["macs_functional"]) == (207_872, 76_800, 131_072)
    code, out, _ = run(capsys, *bench, "--wide")
    assert "207,872 MACs" in out.splitlines()[0]  # the header total = profile's
    assert ("MACs: 207,872 in the whole forward pass (the paper convention, as `costcalc "
            "profile` counts them): 76,800 in leaf modules (the rows above) and 131,072 in "
            "functional calls outside them") in out
