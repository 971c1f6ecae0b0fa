"""The real ``costcalc`` command line, run in a subprocess as a user runs it.

Covers: what `compare` prints in every format, `--verify`, `derive`, `--version`, bad input (one
line on stderr, exit 2, nothing on stdout, no traceback) and that plain `compare` stays light
(no torch, pandas, matplotlib or sympy imported).
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

import costcalc
from costcalc.derivations import TOPICS

TABLE3 = ("--kernel", "3", "--channels", "512")


def _ok(result):
    assert result.returncode == 0, (
        f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    assert "Traceback" not in result.stderr
    return result.stdout


# -- output formats ---------------------------------------------------------------------------

def test_table(costcalc_cli):
    out = _ok(costcalc_cli("compare", *TABLE3))
    assert "462,422,016" in out  # 3*3*512*512*14*14
    assert "52,283,392" in out
    assert "1/N + 1/Dk²" in out


def test_json(costcalc_cli):
    data = json.loads(_ok(costcalc_cli("compare", *TABLE3, "--format", "json")))
    rows = data["rows"]
    assert isinstance(rows, list) and rows
    for row in rows:
        assert isinstance(row["layer"], str)
        assert type(row["macs"]) is int and type(row["params"]) is int
        assert isinstance(row["ratio_to_standard"], float)
    by_layer = {r["layer"]: r for r in rows}
    assert (by_layer["standard"]["macs"], by_layer["standard"]["params"]) == (462_422_016, 2_359_296)
    assert (by_layer["separable"]["macs"], by_layer["separable"]["params"]) == (52_283_392, 266_752)
    assert by_layer["separable_alpha"]["macs"] == 29_578_752
    assert by_layer["separable_alpha_rho"]["macs"] == 15_091_200
    assert data["ratio"]["fraction"] == "521/4608"  # 1/512 + 1/9
    assert data["ratio"]["simplified_pretty"] == "1/N + 1/Dk²"
    assert data["ratio"]["value"] == 0.113064  # 521/4608 = 0.1130642…, 6 significant digits


def test_csv(costcalc_cli):
    rows = list(csv.DictReader(io.StringIO(_ok(costcalc_cli("compare", *TABLE3, "--format", "csv")))))
    by_layer = {r["layer"]: r for r in rows}
    assert int(by_layer["standard"]["macs"]) == 462_422_016
    assert int(by_layer["separable"]["params"]) == 266_752


def test_markdown(costcalc_cli):
    out = _ok(costcalc_cli("compare", *TABLE3, "--format", "markdown"))
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| layer"))
    assert re.fullmatch(r"\|( :?-{3,}:? \|)+", lines[header + 1]), lines[header + 1]
    assert "462,422,016" in out


def test_latex(costcalc_cli):
    out = _ok(costcalc_cli("compare", *TABLE3, "--format", "latex"))
    assert r"\begin{tabular}" in out and r"\end{tabular}" in out
    assert "separable\\_alpha" in out  # underscores escaped


def test_verify(costcalc_cli):
    result = costcalc_cli("compare", *TABLE3, "--verify", python_flags=("-X", "importtime"))
    out = _ok(result)
    # the import check below must be able to fail: --verify does need torch
    assert "torch" in _imported(result)
    rows = [line for line in out.splitlines() if re.search(r"\d{1,3}(,\d{3})+", line) and "│" in line]
    assert len(rows) == 7, out
    assert all("✓" in line for line in rows), out
    assert "✗" not in out


def test_verify_json(costcalc_cli):
    data = json.loads(_ok(costcalc_cli("compare", "--kernel", "5", "--channels", "64", "--groups", "4",
                                       "--stride", "2", "--verify", "--format", "json")))
    assert [r["verified"] for r in data["rows"]] == [True] * len(data["rows"])


def test_derive_separable_latex(costcalc_cli):
    out = _ok(costcalc_cli("derive", "separable", "--latex"))
    assert r"\begin{align*}" in out and r"\end{align*}" in out
    assert r"\frac{1}{N} + \frac{1}{D_K^{2}}" in out


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_derive_every_topic(topic, capsys):
    # in-process through the same entry point as the console script (a subprocess per topic is slow)
    from costcalc.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["derive", topic, "--format", "json"])
    assert exit_.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["topic"] == topic


def test_derive_subprocess(costcalc_cli):
    out = _ok(costcalc_cli("derive", "alpha-rho"))
    assert "✓" in out and "✗" not in out


def test_version(costcalc_cli):
    out = _ok(costcalc_cli("--version"))
    assert out.strip() == f"costcalc {costcalc.__version__}"


def test_no_arguments_prints_help(costcalc_cli):
    out = _ok(costcalc_cli())
    assert "compare" in out and "derive" in out


# -- bad input --------------------------------------------------------------------------------

BAD = [
    ("--kernel", "0"),
    ("--kernel", "-3"),
    ("--kernel", "abc"),
    ("--channels", "0"),
    ("--groups", "3"),  # does not divide 512
    ("--kernel", "9", "--input-size", "3", "--padding", "0"),  # kernel larger than the padded input
    ("--alpha", "0"),
    ("--rho", "-1"),
    ("--alpha", "inf"),  # would overflow round(α·M)
    ("--rho", "nan"),
    ("--format", "xml"),
    ("--no-such-option",),
    ("--alpha", "0.0001"),  # rounds α·M to zero channels
    ("--kernel", "4", "--size", "3", "--padding", "3"),  # no input side gives Df = 3
]


@pytest.mark.parametrize("args", BAD, ids=" ".join)
def test_bad_input(args, costcalc_cli):
    result = costcalc_cli("compare", *args)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("costcalc: error:"), lines[0]


def test_unknown_command_and_topic(costcalc_cli):
    for args in (("no-such-command",), ("derive", "no-such-topic")):
        result = costcalc_cli(*args)
        assert result.returncode == 2
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("costcalc: error:"), result.stderr


# -- import cost ------------------------------------------------------------------------------

HEAVY = {"torch", "pandas", "matplotlib", "sympy"}  # sympy: printed forms come from costcalc/_forms.py


def _imported(result) -> set[str]:
    """Top-level packages in a ``-X importtime`` log (lines end '|   <indent>package.module')."""
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_compare_imports_no_torch_pandas_matplotlib_sympy(costcalc_cli):
    result = costcalc_cli("compare", *TABLE3, python_flags=("-X", "importtime"))
    assert result.returncode == 0, result.stderr[-2000:]
    imported = _imported(result)
    assert {"costcalc", "typer", "rich"} <= imported  # the log was read correctly
    assert not HEAVY & imported, f"plain `costcalc compare` imported {sorted(HEAVY & imported)}"
    for line in result.stderr.splitlines():
        assert not re.search(r"\|\s*(torch|pandas|matplotlib|sympy)$", line), line


def test_compare_latex_and_derive_still_print_with_sympy(costcalc_cli):
    """The forms table covers every printer compare uses; derive imports sympy itself."""
    result = costcalc_cli("compare", *TABLE3, "--groups", "2", "--format", "latex",
                          python_flags=("-X", "importtime"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sympy" not in _imported(result)
    assert r"\frac{D_F^{2} \cdot D_K^{2} \cdot M \cdot N}{g}" in result.stdout  # the grouped row
    result = costcalc_cli("derive", "separable", python_flags=("-X", "importtime"))
    assert result.returncode == 0 and "sympy" in _imported(result)

