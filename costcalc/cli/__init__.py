"""The ``costcalc`` command line: each command parses options, makes one library call, renders.

Errors a user can cause reach the terminal as one line on stderr (exit 2, or 1 for a failed
check); a traceback never does.
"""

from __future__ import annotations

import sys

import typer

from .. import __version__
from ..errors import CostcalcError

# typer >= 0.29 vendors click privately; reach its exception classes through the public API.
_EXC = {c.__name__: c for c in typer.BadParameter.__mro__}
UsageError, ClickException = _EXC["UsageError"], _EXC["ClickException"]

app = typer.Typer(
    name="costcalc",
    help="Exact, symbolic cost of convolutional networks: MACs, parameters, memory.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool):
    if value:
        print(f"costcalc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")):
    """Exact, symbolic cost of convolutional networks: MACs, parameters, memory."""


def fail(message: str, code: int = 2) -> "None":
    print(f"costcalc: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    try:
        rc = app(args=argv, prog_name="costcalc", standalone_mode=False)
    except CostcalcError as e:
        fail(str(e), e.exit_code)
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] != "torch":
            raise
        fail("this command runs PyTorch, which is not installed: pip install torch (only "
             "profile, reconcile, roofline, bench and --verify need it)", 2)
    except UsageError as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # `costcalc` alone prints help
            text = e.ctx.get_help()  # typer's rich help prints itself and returns ""
            if text:
                print(text)
            raise SystemExit(0)
        hint = ""
        if e.ctx is not None and e.ctx.command_path:
            hint = f" (see '{e.ctx.command_path} --help')"
        fail(e.format_message().replace("\n", " ") + hint, 2)
    except ClickException as e:
        fail(e.format_message().replace("\n", " "), e.exit_code)
    except typer.Exit as e:
        raise SystemExit(e.exit_code)
    except typer.Abort:
        fail("aborted", 130)
    except BrokenPipeError:
        raise SystemExit(0)
    raise SystemExit(rc if isinstance(rc, int) else 0)


# Each module registers its commands on `app`; order here is the order in --help.
from . import analytic, model, sweep, check, profile, roofline, bench  # noqa: E402,F401
from . import export  # noqa: E402,F401
from . import papers  # noqa: E402,F401
