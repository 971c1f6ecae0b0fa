"""Every script in examples/ runs to completion (exit 0), including ones added later."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted(p for p in (Path(__file__).resolve().parent.parent / "examples").glob("*.py")
                  if not p.name.startswith("_"))  # _helpers.py, __init__.py: not scripts


def test_there_are_examples():
    assert EXAMPLES, "examples/ holds no scripts"


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path, tmp_path, subprocess_env):
    # run from a scratch directory, so a script that writes files leaves the tree clean
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=subprocess_env,
                            capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode == 0, (
        f"{script.name} exited {result.returncode}\nstdout:\n{result.stdout[-3000:]}\n"
        f"stderr:\n{result.stderr[-3000:]}")
