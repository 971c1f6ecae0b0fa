"""`costcalc sweep` and `costcalc plot ratio`, run in a subprocess as a user runs them: every
format, charts on disk, one-line errors with exit 2, no progress bar when piped, and the
other commands still importing neither pandas nor matplotlib."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, cli_env
from costcalc.archs import resolve_model

PNG = b"\x89PNG\r\n\x1a\n"


def _ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout


def _error(result, fragment: str):
    assert result.returncode == 2, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("costcalc: error:"), lines[0]
    assert fragment in lines[0], lines[0]
    assert result.stdout == ""


def test_sweep_table_default_grid(costcalc_cli):
    out = _ok(costcalc_cli("sweep", "mobilenet_v1"))
    assert "16 cells" in out
    assert "568,740,352" in out and "4,209,088" in out  # α = 1, 224: `costcalc model`
    assert "41,030,272" in out  # α = 0.25, 224
    assert "70.6" in out and "50.6" in out  # Table 6
    assert "Tables 4, 5, 6, 7, 8, 9" in out  # 1.0 MobileNet-224 is in Table 8 too


def test_sweep_json_cells(costcalc_cli):
    data = json.loads(_ok(costcalc_cli("sweep", "mobilenet_v2", "--alpha", "0.35:1.4:0.35",
                                       "--resolution", "96,160,224", "--format", "json")))
    assert data["alphas"] == [0.35, 0.7, 1.05, 1.4]
    assert len(data["cells"]) == 12
    for cell in data["cells"]:
        # the csv columns; top1 where the paper measured the cell (v2 1.4@224: 74.7%)
        assert set(cell) - {"top1"} == {"alpha", "resolution", "macs", "params", "share"}
        m = resolve_model("mobilenet_v2", cell["alpha"], cell["resolution"])
        assert (cell["macs"], cell["params"]) == (m.macs, m.params())
    assert data["method"] == "closed form"


def test_sweep_csv_and_param_convention(costcalc_cli):
    out = _ok(costcalc_cli("sweep", "mobilenet_v1", "-a", "0.5,1", "-r", "160,224", "--params",
                           "bn", "--format", "csv"))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["alpha"] for r in rows] == ["0.5", "0.5", "1.0", "1.0"]
    assert int(rows[-1]["params"]) == resolve_model("mobilenet_v1").params("bn")
    assert rows[1]["top1"] == "63.7"


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_sweep_text_formats(costcalc_cli, fmt):
    out = _ok(costcalc_cli("sweep", "mobilenet_v1", "-a", "1", "-r", "224", "--format", fmt))
    assert "568,740,352" in out


def test_sweep_writes_chart(costcalc_cli, tmp_path):
    target = tmp_path / "heat.png"
    result = costcalc_cli("sweep", "mobilenet_v1", "--chart", "heatmap", "--out", str(target),
                          "--format", "json")
    json.loads(_ok(result))  # the chart's note goes to stderr: stdout stays parseable
    assert f"wrote {target}" in result.stderr
    assert target.read_bytes().startswith(PNG)
    assert [p.name for p in tmp_path.iterdir()] == ["heat.png"]


def test_plot_ratio(costcalc_cli, tmp_path):
    out = _ok(costcalc_cli("plot", "ratio", "--kernel", "3,5,7", "--channels", "8:1024"))
    assert "1/N + 1/Dk²" in out
    for n in ("8", "16", "512", "1024"):
        assert f"│ {n:>4} │" in out
    assert "0.1121 (8.92×)" in out  # 1/1024 + 1/9
    target = tmp_path / "ratio.svg"
    data = json.loads(_ok(costcalc_cli("plot", "ratio", "-k", "3", "-c", "32,64", "--out",
                                       str(target), "-f", "json")))
    # 1/32 + 1/9 = 41/288: ratios to 6 significant digits in JSON, the exact fraction beside them
    assert data["ratios"][0] == {"kernel": 3, "channels": 32, "ratio": 0.142361,
                                 "exact": "41/288", "saving": 7.02439}
    assert target.read_text().startswith("<?xml")


ERRORS = [
    (("sweep", "mobilenet_v1", "--resolution", "128:224"),
     "--resolution: range '128:224' doubles past 224 at once, so it holds only 128; give a smaller "
     "step, e.g. 128:224:24"),
    (("sweep", "mobilenet_v1", "--alpha", "big"), "--alpha: value 'big' is not a number"),
    (("sweep", "mobilenet_v1", "--resolution", "224.5"), "not a whole number"),
    (("sweep", "mobilenet_v1", "--resolution", "16"), "too small for mobilenet_v1"),
    (("sweep", "mobilenet_v9"), "unknown model 'mobilenet_v9'"),
    (("sweep", "mobilenet_v1", "--chart", "heatmap"), "--chart heatmap needs --out"),
    (("sweep", "mobilenet_v1", "--out", "{tmp}/chart.jpg"), "unknown chart format '.jpg'"),
    (("sweep", "mobilenet_v1", "--out", "{tmp}/missing/chart.png"), "does not exist"),
    (("sweep", "dense1_mobilenet", "--chart", "accuracy", "--out", "{tmp}/a.png"),
     "no published top-1 accuracy for dense1_mobilenet"),
    (("sweep", "mobilenet_v1", "--chart", "pie", "--out", "{tmp}/a.png"), "'--chart'"),
    (("plot", "ratio", "--channels", "8:4"), "--channels: range '8:4' stops below its start"),
    (("plot", "ratio", "--kernel", "3,x"), "--kernel: value 'x' is not a number"),
    (("plot", "ratio", "--out", "{tmp}/r.gif"), "unknown chart format '.gif'"),
]


@pytest.mark.parametrize("args, fragment", ERRORS)
def test_errors_are_one_line(capsys, tmp_path, args, fragment):
    # in-process through the same entry point as the console script (fast); a few run as
    # real subprocesses below
    from costcalc.cli import main

    with pytest.raises(SystemExit) as exit_:
        main([a.format(tmp=tmp_path) for a in args])
    captured = capsys.readouterr()
    _error(subprocess.CompletedProcess(args, exit_.value.code, captured.out, captured.err), fragment)
    assert list(tmp_path.iterdir()) == []  # no partial or temp file


@pytest.mark.parametrize("args, fragment", [ERRORS[0], ERRORS[5], ERRORS[6]])
def test_errors_in_a_subprocess(costcalc_cli, tmp_path, args, fragment):
    _error(costcalc_cli(*(a.format(tmp=tmp_path) for a in args)), fragment)
    assert list(tmp_path.iterdir()) == []


def test_large_grid_piped_has_no_progress_bar(costcalc_cli):
    result = costcalc_cli("sweep", "mobilenet_v2", "-a", "0.25:1.5:0.0125", "-r", "96:320:2",
                          "-f", "csv")  # 101 × 113 = 11,413 cells
    out = _ok(result)
    assert out.count("\n") == 1 + 101 * 113
    assert result.stderr == ""


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_large_grid_on_a_terminal_shows_progress(tmp_path):
    import pty

    master, slave = pty.openpty()
    env = dict(cli_env(), TERM="xterm-256color", COLUMNS="100")
    env.pop("NO_COLOR", None)
    try:
        proc = subprocess.run([sys.executable, "-m", "costcalc", "sweep", "mobilenet_v2", "-a",
                               "0.25:1.5:0.0125", "-r", "96:320:2", "-f", "csv"],
                              stdout=subprocess.PIPE, stderr=slave, env=env, cwd=ROOT, timeout=120)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert b"sweeping mobilenet_v2" in seen


def test_sweep_module_keeps_other_commands_light():
    code = ("import sys, costcalc.cli; from costcalc.cli import sweep; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=cli_env(), cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_chart_choices_match_the_library():
    from costcalc.cli.sweep import Chart
    from costcalc.sweep import CHARTS

    assert tuple(c.value for c in Chart) == CHARTS
