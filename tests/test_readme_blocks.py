"""README console blocks are real output: a few cheap commands are rerun and compared line by
line (piped: natural width), so a changed note or explanation cannot leave the README stale."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from costcalc.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")

COMMANDS = [  # torch-free and fast (each well under a second)
    'costcalc derive separable',
    'costcalc check "MxPxPx(RxR + N)" --as separable --let P=Di --let R=Df',
    'costcalc check "1/N + 1/Dk2" --as ratio --at N=512,Dk=3',
]


def _block(command: str) -> str:
    """What the README shows after ``$ command``: up to the next prompt or the fence."""
    start = README.index(f"$ {command}\n") + len(command) + 3
    ends = [i for i in (README.find("\n$ ", start - 1), README.find("```", start)) if i >= 0]
    return README[start:min(ends)].rstrip("\n")


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_block_is_the_real_output(command, capsys):
    with pytest.raises(SystemExit):
        main(shlex.split(command)[1:])
    out = capsys.readouterr().out.rstrip("\n")
    assert out == _block(command)
