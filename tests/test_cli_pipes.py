"""Output that cannot be written: a closed pipe (``costcalc ... | head``) is a normal end (exit
0, nothing on stderr); a full disk (``> /dev/full``) or any other write error is one line on
stderr and exit 74 (EX_IOERR), never a traceback. Real subprocesses with real file
descriptors, for a table and for each machine format."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, cli_env

CASES = [
    ("model", "mobilenet_v2", "--per-layer"),  # the issue's: exited 1, silently
    ("model", "mobilenet_v2", "--per-layer", "-f", "csv", "--table", "layers"),
    ("sweep", "mobilenet_v1", "-f", "json"),
    ("models", "--help"),
]


def _run(args, stdout) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "costcalc", *args], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, encoding="utf-8", env=cli_env(),
                          cwd=ROOT, timeout=120)


@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_closed_pipe_is_a_quiet_success(args):
    r, w = os.pipe()
    os.close(r)  # the reader is gone before the first write: every write is EPIPE
    try:
        proc = _run(args, w)
    finally:
        os.close(w)
    assert proc.returncode == 0 and proc.stderr == ""


def test_head_of_a_shell_pipeline_exits_zero():
    script = (f"set -o pipefail; {sys.executable} -m costcalc sweep mobilenet_v1 -a 0.1:2:0.001 "
              f"-r 96:320:16 -f csv | head -1")
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=cli_env(),
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0 and r.stdout == "alpha,resolution,macs,params,share,top1\n"
    assert r.stderr == ""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_full_disk_is_one_line_and_exit_74(args):
    with open("/dev/full", "w") as full:
        proc = _run(args, full)
    assert proc.returncode == 74
    assert proc.stderr == "costcalc: error: cannot write the output: No space left on device\n"


def test_any_write_error_is_one_line(tmp_path):
    path = tmp_path / "read-only"
    path.write_text("")
    with open(path) as not_writable:  # a descriptor open for reading only: EBADF
        proc = _run(("models",), not_writable)
    assert proc.returncode == 74
    assert proc.stderr == "costcalc: error: cannot write the output: Bad file descriptor\n"


def test_errors_still_go_to_stderr_with_stdout_closed():
    r, w = os.pipe()
    os.close(r)
    try:
        proc = _run(("model", "nonet"), w)
    finally:
        os.close(w)
    assert proc.returncode == 2 and proc.stderr.startswith("costcalc: error: unknown model 'nonet'")
