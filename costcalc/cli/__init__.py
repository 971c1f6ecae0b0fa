"""The ``costcalc`` command line: each command parses options, makes one library call, renders.

Errors a user can cause reach the terminal as one line on stderr (exit 2, or 1 for a failed
check); a traceback never does. Output that cannot be written is one line too: a closed pipe
(``costcalc ... | head``) is a normal end (exit 0, nothing printed); any other write error
(``> /dev/full``: no space left) is ``costcalc: error: cannot write the output: ...``, exit 74
(``EX_IOERR``).
"""

from __future__ import annotations

import errno
import os
import sys

import typer

from .. import __version__
from ..errors import CostcalcError
from .common import App

# typer >= 0.29 vendors click privately; reach its exception classes through the public API.
_EXC = {c.__name__: c for c in typer.BadParameter.__mro__}
UsageError, ClickException = _EXC["UsageError"], _EXC["ClickException"]

EXIT_IO = 74  # sysexits.h EX_IOERR: the output could not be written

app = App(
    name="costcalc",
    help="Exact, symbolic cost of convolutional networks: MACs, parameters, memory.",
    no_args_is_help=True,
    add_completion=True,
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


class OutputError(Exception):
    """Writing to stdout failed; ``closed`` when the reader went away (a normal end)."""

    def __init__(self, error: OSError):
        super().__init__(error.strerror or str(error))
        self.closed = isinstance(error, BrokenPipeError) or error.errno in (errno.EPIPE, errno.EINVAL)


class _Stdout:
    """stdout, with its write errors raised as :class:`OutputError`: click turns an EPIPE into
    exit 1, and nothing else may mistake a full disk for a problem of the command's own."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, s):
        try:
            return self._stream.write(s)
        except OSError as e:
            raise OutputError(e) from None

    def flush(self):
        try:
            return self._stream.flush()
        except OSError as e:
            raise OutputError(e) from None

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null, so the interpreter's last flush cannot fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _run(argv: list[str] | None) -> None:
    try:
        rc = app(args=argv, prog_name="costcalc", standalone_mode=False)
    except CostcalcError as e:
        fail(getattr(e, "cli_message", str(e)), e.exit_code)
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] != "torch":
            raise
        fail("this command runs PyTorch, which is not installed: pip install 'costcalc[torch]' "
             "(only profile, reconcile, roofline, bench and --verify need it)", 2)
    except UsageError as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # `costcalc` alone: the help, once
            text = e.format_message()  # rich help printed itself when the error was made
            if text:
                print(text)
            raise SystemExit(0)
        hint = ""
        if e.ctx is not None and e.ctx.command_path:
            hint = f" (see '{e.ctx.command_path} --help')"
        # typer phrases a bad choice through pydantic: "Value error, 'x' is not one of ..."
        fail(e.format_message().replace("\n", " ").replace("Value error, ", "") + hint, 2)
    except ClickException as e:
        fail(e.format_message().replace("\n", " "), e.exit_code)
    except typer.Exit as e:
        raise SystemExit(e.exit_code)
    except typer.Abort:
        fail("aborted", 130)
    raise SystemExit(rc if isinstance(rc, int) else 0)


def main(argv: list[str] | None = None) -> None:
    stdout = sys.stdout
    guarded = _Stdout(stdout) if not isinstance(stdout, _Stdout) else stdout
    sys.stdout = guarded
    try:
        try:
            _run(argv)
        finally:
            guarded.flush()  # inside the try: a failed last write is reported, not lost
    except OutputError as e:
        _silence_stdout()
        if e.closed:
            raise SystemExit(0)
        print(f"costcalc: error: cannot write the output: {e}", file=sys.stderr)
        raise SystemExit(EXIT_IO)
    finally:
        sys.stdout = stdout


# Each module registers its commands on `app`; order here is the order in --help.
from . import analytic, model, sweep, fit, check, profile, roofline, bench  # noqa: E402,F401
from . import export  # noqa: E402,F401
from . import papers  # noqa: E402,F401
from . import report  # noqa: E402,F401
