"""Help that reads well and shell completion, for every command (walked from the app, so a new
command is checked the day it lands): printed once, no ``<bool>``, choice values as whole words,
``NAME`` (not ``{name}``) in usage lines, summaries that are whole sentences; completion scripts
for bash, zsh and fish that complete model and convention names."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import typer

from conftest import ROOT, cli_env, run_costcalc
from costcalc.cli import app, main
from costcalc.cli.common import CONVENTION_NAMES


def _commands():
    group = typer.main.get_command(app)
    ctx = group.make_context("costcalc", [], resilient_parsing=True)

    def walk(cmd, path):
        yield path, cmd
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), path + (name,))

    return list(walk(group, ()))


COMMANDS = _commands()


def _help(capsys, monkeypatch, path, width=80):
    monkeypatch.setenv("COLUMNS", str(width))
    with pytest.raises(SystemExit) as e:
        main([*path, "--help"])
    out, err = capsys.readouterr()
    assert e.value.code == 0 and err == ""
    return out


@pytest.mark.parametrize("path, cmd", COMMANDS, ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_help_reads_whole(capsys, monkeypatch, path, cmd):
    out = _help(capsys, monkeypatch, path)
    assert out.count("Usage:") == 1
    assert "<bool>" not in out
    usage = next(line for line in out.splitlines() if "Usage:" in line)
    assert "{" not in usage and "}" not in usage, usage
    words = set(re.findall(r"[\w.-]+", out))
    for p in cmd.params:
        desc = getattr(p, "type_descriptor", None)
        if desc is not None and desc.is_choice:
            for c in desc.choices:  # every choice printed as one word, none split across lines
                assert str(getattr(c, "value", c)) in {w.rstrip(".") for w in words}, (p.name, c)
    flat = " ".join(out.split())
    if cmd.help:  # the summary and the help are whole sentences, not cut at a source line
        assert " ".join(cmd.help.split("\n\n")[0].split()) in flat


def test_top_level_summaries_are_whole_sentences(capsys, monkeypatch):
    out = " ".join(_help(capsys, monkeypatch, ()).split())
    for path, cmd in COMMANDS:
        if len(path) == 1:
            assert cmd.short_help.endswith("."), (path, cmd.short_help)
            assert " ".join(cmd.short_help.split()).replace("│ ", "") in out.replace("│ ", ""), path
    # check's and audit's first sentences used to stop mid-line ("..., a")
    check = dict(COMMANDS)[("check",)]
    assert check.short_help.endswith("and when the two agree.")


@pytest.mark.parametrize("args", [(), ("plot",)])
def test_no_arguments_prints_help_once(args):
    r = run_costcalc(*args)  # python -m costcalc
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.count("Usage:") == 1


def test_the_installed_script_prints_help_once():
    script = Path(sys.executable).parent / "costcalc"
    if not script.exists():
        pytest.skip("no costcalc console script next to this interpreter")
    import subprocess

    r = subprocess.run([str(script)], capture_output=True, text=True, env=cli_env(), cwd=ROOT)
    assert r.returncode == 0 and r.stdout.count("Usage:") == 1


# -- completion ---------------------------------------------------------------------------------

def _complete(shell: str, words: str, **extra) -> list[str]:
    env = {"_COSTCALC_COMPLETE": f"complete_{shell}", **extra}
    if shell == "bash":
        env.update(COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - 1 + words.endswith(" ")))
    else:
        parts = words.split()
        env.update(_TYPER_COMPLETE_ARGS=words,
                   _TYPER_COMPLETE_WORD_TO_COMPLETE="" if words.endswith(" ") else parts[-1])
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    r = run_costcalc(env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell):
    r = run_costcalc("--show-completion", shell,
                     env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert r.returncode == 0 and "_COSTCALC_COMPLETE" in r.stdout


def test_install_completion_writes_the_shell_files(tmp_path):
    r = run_costcalc("--install-completion", "bash",
                     env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1", "HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert "costcalc" in (tmp_path / ".bashrc").read_text()


def test_completes_model_names():
    got = _complete("bash", "costcalc model mobilenet_v3")
    assert got == ["mobilenet_v3_large", "mobilenet_v3_small"]
    assert "mobilenet_v1_shallow" in _complete("bash", "costcalc sweep mob")
    assert " ".join(_complete("zsh", "costcalc profile v")) == """_arguments '*: :(("vgg16"))'"""


def test_completes_convention_and_choice_names():
    assert _complete("bash", "costcalc profile mobilenet_v1 --convention t") == [
        n for n in CONVENTION_NAMES if n.startswith("t")]
    assert _complete("bash", "costcalc derive sh") == ["shuffle"]
    assert _complete("bash", "costcalc models --format c") == ["csv"]
    assert "int8" in _complete("bash", "costcalc roofline mobilenet_v1 --dtype i")
    assert _complete("bash", "costcalc check x --as spatial_r") == ["spatial_ratio"]
    assert set(_complete("fish", "costcalc profile x --convention ")) >= set(CONVENTION_NAMES)


def test_completion_is_light():
    """Completing a name never imports torch (a TAB must answer at once)."""
    r = run_costcalc(env={"_COSTCALC_COMPLETE": "complete_bash", "COMP_WORDS": "costcalc model mob",
                          "COMP_CWORD": "2", "PYTHONPROFILEIMPORTTIME": "1"})
    assert r.returncode == 0
    imported = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in r.stderr.splitlines()
                if line.startswith("import time:")}
    assert "costcalc" in imported and "torch" not in imported and "sympy" not in imported
