"""`costcalc check` and `costcalc audit` at the command line: output, JSON, exit codes 0/1/2.

Most calls go through ``costcalc.cli.main`` in-process (fast); the import check and one full
run use a subprocess, as a user would.
"""

from __future__ import annotations

import json
import re

import pytest

from costcalc.cli import main


def run(capsys, *args):
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out, err = capsys.readouterr()
    return e.value.code, out, err


def test_equal_exits_0(capsys):
    code, out, err = run(capsys, "check", "D_K . D_K . M . N . D_F . D_F", "--as", "standard")
    assert code == 0 and "✓ equal" in out and err == ""


def test_not_equal_exits_1_with_counterexample_and_condition(capsys):
    code, out, _ = run(capsys, "check", "h·w·d'·t·(d' + k² + d'')", "--as", "v2_block")
    assert code == 1
    assert "✗ not equal" in out
    assert "15,805,440" in out and "7,564,032" in out  # yours vs the registry at the 1st config
    assert re.search(r"agrees when\s*│\s*h = Df", out)


def test_json_verdict_and_parts(capsys):
    code, out, _ = run(capsys, "check", "1/N + 1/9", "--as", "ratio", "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["verdict"] == "not_equal"
    assert data["reference"] == "1/N + 1/Dk**2"
    assert data["conditions"] == ["Dk = 3"]
    assert data["counterexample"]["at"] == {"Dk": 5, "N": 40}
    code, out, _ = run(capsys, "check", "M x Dp2 x N", "--as", "pointwise", "-f", "json")
    assert code == 0 and json.loads(out)["verdict"] == "equal"


def test_reference_in_the_authors_symbols(capsys):
    code, out, _ = run(capsys, "check", "MxPxPx(RxR + N)", "--as", "separable",
                       "--let", "P=Df,R=Dk", "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["reference_pretty"] == "M·P²·(R² + N)"
    assert data["bindings"] == {"M": "M", "P": "Df", "R": "Dk", "N": "N"}


def test_at_prints_the_value(capsys):
    code, out, _ = run(capsys, "check", "1/N + 1/Dk2", "--as", "ratio", "--at", "N=512,Dk=3")
    assert code == 0
    assert "0.1131 → 8.84× fewer MACs" in out  # 1/512 + 1/9 = 521/4608; 4608/521 = 8.84
    assert "'Dk2' read as Dk²" in out


def test_chain_without_as(capsys):
    code, out, _ = run(capsys, "check", "D_K^2 M D_F^2 + M N D_F^2 = M D_F^2 (D_K^2 + N)")
    assert code == 0
    code, out, _ = run(capsys, "check", "(2N-k+1)/(k(N-k+1)) = 2/k")
    assert code == 1 and "for large N" in out


@pytest.mark.parametrize("args, message", [
    (("check", "MxPxPx(RxR + N)", "--as", "separable"), "unknown symbols 'P', 'R'"),
    (("check", "eval(M)", "--as", "standard"), "calls are not allowed"),
    (("check", "Dk^2 M", "--as", "nonsense"), "unknown kind 'nonsense'"),
    (("check", "Dk^2 M"), "nothing to compare"),
    (("check", "Dk^2 M", "--as", "standard", "--let", "P"), "--let expects SYM=ROLE"),
    (("audit", "/nonexistent/article.md"), "no such file"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("costcalc: error: ") and err.count("\n") == 1
    assert message in err


def test_audit_exits_1_on_a_wrong_formula(capsys, tmp_path):
    art = tmp_path / "a.md"
    art.write_text("The standard convolution costs $D_K^2 M N D_F^2$.\n\n"
                   "The depthwise layer costs $D_K^2 \\cdot M \\cdot N \\cdot D_F^2$.\n",
                   encoding="utf-8")
    code, out, _ = run(capsys, "audit", str(art), "-f", "json")
    data = json.loads(out)
    assert code == 1
    assert [(f["line"], f["verdict"]) for f in data["claims"]] == [(1, "equal"), (3, "not_equal")]
    first = data["claims"][0]
    assert set(first) >= {"line", "sentence", "claim", "kind", "decided_by", "binding", "verdict", "note"}
    assert first["kind"] == "standard" and "'standard'" in first["decided_by"]


def test_audit_exits_0_when_nothing_is_false_and_annotates(capsys, tmp_path):
    art = tmp_path / "a.txt"
    art.write_text("A standard convolution costs Dk x Dk x M x N x Df x Df mult-adds.\n\n"
                   "Depthwise separable layers cost 52.3 million mult-adds.\n", encoding="utf-8")
    out_md = tmp_path / "reviewed.md"
    code, out, err = run(capsys, "audit", str(art), "--annotate", str(out_md), "-f", "csv")
    assert code == 0 and err == ""  # equal and unverifiable: nothing false
    assert out.splitlines()[0] == "line,sentence,claim,kind,binding,verdict,note"
    reviewed = out_md.read_text(encoding="utf-8").split("\n")
    assert reviewed[2].startswith("> ✓ costcalc, line 1:")
    assert reviewed[6].startswith("> ? costcalc, line 3:") and "unverifiable" in reviewed[6]


def test_audit_annotate_errors_are_one_line(capsys, tmp_path):
    art = tmp_path / "a.md"
    art.write_text("The standard convolution costs $D_K^2 M N D_F^2$.\n", encoding="utf-8")
    code, out, err = run(capsys, "audit", str(art), "--annotate", str(art))
    assert code == 2 and "never modified" in err and err.count("\n") == 1
    code, out, err = run(capsys, "audit", str(art), "--annotate", str(tmp_path / "no" / "x.md"))
    assert code == 2 and "no such directory" in err


@pytest.mark.parametrize("args", [("check", "D_K . D_K . M", "--as", "depthwise_params"),
                                  ("audit", "tests/articles/notes_networks.md", "-f", "json")])
def test_check_does_not_import_torch_pandas_matplotlib(costcalc_cli, args):
    r = costcalc_cli(*args, python_flags=("-X", "importtime"))
    assert r.returncode in (0, 1), r.stderr  # the article has false claims on purpose
    modules = {ln.rsplit("|", 1)[-1].strip() for ln in r.stderr.splitlines() if "|" in ln}
    assert "sympy" in modules  # the import log was read
    tops = {m.split(".")[0] for m in modules}
    assert not tops & {"torch", "pandas", "matplotlib"}, sorted(tops & {"torch", "pandas", "matplotlib"})
