"""Shared helpers: run the real ``costcalc`` CLI in a subprocess with this interpreter."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIM = Path(__file__).resolve().parent / "torchvision_shim"

runpy.run_path(str(SHIM / "sitecustomize.py"))  # lets torchvision import here (see its docstring)


def cli_env() -> dict:
    """A predictable environment: UTF-8 output (✓, ², α), no colour, no forced terminal."""
    env = dict(os.environ)
    env.update(PYTHONUTF8="1", PYTHONIOENCODING="utf-8", NO_COLOR="1", MPLBACKEND="Agg")
    for var in ("FORCE_COLOR", "PYTHONWARNINGS", "COLUMNS", "LINES"):  # piped: natural width
        env.pop(var, None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SHIM), env.get("PYTHONPATH", "")) if p)
    return env


def run_costcalc(*args: str, timeout: float = 120, python_flags: tuple = (),
                 env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m costcalc ARGS`` as a user would run it; text out, never raises on failure.
    ``env`` adds variables (``{"COLUMNS": "80"}`` lays tables out for 80 columns)."""
    return subprocess.run([sys.executable, *python_flags, "-m", "costcalc", *args],
                          capture_output=True, text=True, encoding="utf-8",
                          env={**cli_env(), **(env or {})}, timeout=timeout, cwd=ROOT)


@pytest.fixture
def costcalc_cli():
    """Run ``python -m costcalc ARGS`` in a subprocess: ``costcalc_cli("compare", "--kernel", "3")``."""
    return run_costcalc


@pytest.fixture
def subprocess_env() -> dict:
    return cli_env()
