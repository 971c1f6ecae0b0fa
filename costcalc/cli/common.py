"""What every command shares: one vocabulary of options, the help layout, the output path.

A command opts in by being registered on :data:`costcalc.cli.app` (an :class:`App`) and, when
it prints a report, by taking ``fmt: FormatOpt`` and ending with ``emit(report, fmt)``:

- :class:`App.command` gives it :class:`Command` (help printed whole: flags without ``<bool>``,
  choice lists as words, summaries as whole sentences, ``NAME`` in the usage line) and, when it
  has a ``fmt`` parameter, the view options ``--wide``, ``--columns`` and ``--table``
  (:func:`with_view`), which :func:`emit` hands to the renderer;
- short flags mean one thing everywhere (:data:`SHORT_FLAGS`; a test holds every command to it);
- value lists and ranges go through :func:`costcalc.ranges.parse_values` (:data:`RANGE_HELP`);
- fixed sets of values are ``Literal``/``Enum`` choices, or :func:`names` (help and completion
  from a list, the library validating) where the set lives in a module too heavy to import for
  ``--help`` or has aliases.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import re
from pathlib import Path
from typing import Annotated, Callable, Literal, Optional

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from ..report.tables import Format, Report, View, render
from ..units import DTYPE_BYTES

# -- one vocabulary ---------------------------------------------------------------------------

# Every short flag, and the one long option it spells, across all commands.
SHORT_FLAGS = {
    "-a": "--alpha", "-c": "--channels", "-f": "--format", "-g": "--groups", "-h": "--help",
    "-i": "--input", "-k": "--kernel", "-m": "--in-channels", "-n": "--repeats", "-o": "--out",
    "-r": "--resolution", "-s": "--size", "-w": "--warmup",
}

RANGE_HELP = ("a list '0.5,1.0' or a range: START:STOP doubles (8:64 = 8, 16, 32, 64), "
              "START:STOP:STEP adds STEP, START:STOP:xF multiplies by F; STOP is included when "
              "on the grid")

# The names costcalc.profile.conventions registers (a PyTorch model) and those only
# costcalc.onnx.conventions has (an ONNX file): those modules import torch and onnx, which
# `--help` and shell completion must not (tests/test_cli_vocabulary.py holds the lists equal).
CONVENTION_NAMES = ("paper", "all-ops", "flops", "fvcore", "torchprofile", "ptflops", "thop",
                    "torchinfo")
CONVENTION_ALIASES = ("macs",)  # = paper (costcalc.profile.conventions.ALIASES)
ONNX_CONVENTION_NAMES = ("onnx-tool",)

Dtype = Literal[tuple(DTYPE_BYTES)]  # float32, float16, bfloat16, int8


def names(values: Callable[[], tuple] | tuple) -> Callable[[str], list[str]]:
    """Shell completion from a list of names (or a function giving them, called on TAB only)."""
    def complete(incomplete: str) -> list[str]:
        got = values() if callable(values) else values
        return [v for v in got if v.startswith(incomplete)]

    return complete


def _model_names() -> tuple:
    from ..archs import ARCHS

    return tuple(ARCHS)


def _targets() -> tuple:
    return _model_names() + ("torchvision:", "timm:")


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format: table for "
                      "people; json and csv for machines (raw numbers; shares as fractions of 1 "
                      "to 6 decimals); markdown or latex for documents.", case_sensitive=False)]
ModelArg = Annotated[str, typer.Argument(metavar="NAME", autocompletion=names(_model_names),
                     help="A registered architecture (see `costcalc models`) or a spec file "
                          "(path/to/net.toml).")]
TargetArg = Annotated[str, typer.Argument(
    metavar="TARGET", autocompletion=names(_targets),
    help="A registered architecture, a spec file net.toml, path/to/file.py:callable, "
         "package.module:callable, torchvision:NAME, timm:NAME or model.onnx.")]
AlphaOpt = Annotated[float, typer.Option("--alpha", "-a", help="Width multiplier α.")]
ResolutionOpt = Annotated[Optional[int], typer.Option("--resolution", "-r",
                          help="Input side in pixels (default 224).")]
RhoOpt = Annotated[Optional[float], typer.Option("--rho", help="Resolution multiplier ρ: "
                   "input = round(224·ρ).")]
GrowthOpt = Annotated[Optional[int], typer.Option("--growth-rate",
                      help="Dense-MobileNet growth rate (default 32).")]
InputOpt = Annotated[Optional[str], typer.Option("--input", "-i", metavar="N,C,H,W",
                     help="Input shape (default: a registered network's or spec "
                     "file's own side, as `costcalc model` counts it; an ONNX file's own; else 1,3,224,224).")]
DeviceOpt = Annotated[str, typer.Option("--device", autocompletion=names(("meta", "cpu", "cuda")),
                      help="meta (no compute), cpu or cuda.")]
ConventionOpt = Annotated[str, typer.Option(
    "--convention", metavar="NAME",
    autocompletion=names(CONVENTION_NAMES + CONVENTION_ALIASES + ONNX_CONVENTION_NAMES),
    help="Counting convention: paper (also macs: conv + linear MACs, no bias), all-ops (costcalc's "
         "full count, what --convention macs meant before macs meant MACs), "
         + ", ".join(CONVENTION_NAMES[2:]) + "; for a .onnx file also "
         + " and ".join(ONNX_CONVENTION_NAMES) + " (see `costcalc reconcile`).")]
OutOpt = Annotated[Optional[Path], typer.Option(
    "--out", "-o", help="Write a chart to this file: .png, .svg or .pdf (atomically).")]


# -- the view options and emit ------------------------------------------------------------------

_VIEW: contextvars.ContextVar[View | None] = contextvars.ContextVar("costcalc_view", default=None)

WideOpt = Annotated[bool, typer.Option("--wide", help="Show every column at full width, however "
                    "wide the terminal (for a pager: `| less -S`).")]
ColumnsOpt = Annotated[Optional[str], typer.Option(
    "--columns", metavar="KEY,...", help="Show only these columns (by their csv/json names) "
    "beside the ones that name each row.")]
TableOpt = Annotated[Optional[str], typer.Option(
    "--table", metavar="NAME", help="Show only this table; the one table csv writes (default: "
    "the main one; a note names the others).")]


def emit(report: Report, fmt: Format) -> None:
    """Print ``report`` in ``fmt``, laid out as the command's view options ask."""
    render(report, fmt, view=_VIEW.get())


def with_view(fn):
    """``fn`` with ``--wide``, ``--columns`` and ``--table`` appended (for commands that take
    ``fmt``); they are held for :func:`emit` while ``fn`` runs."""
    sig = inspect.signature(fn, eval_str=True)
    if "fmt" not in sig.parameters:
        return fn
    extra = {"wide": (WideOpt, False), "columns": (ColumnsOpt, None), "table": (TableOpt, None)}

    @functools.wraps(fn)
    def wrapper(*args, wide=False, columns=None, table=None, **kwargs):
        cols = tuple(c.strip() for c in (columns or "").split(",") if c.strip())
        token = _VIEW.set(View(wide=wide, columns=cols, table=table))
        try:
            return fn(*args, **kwargs)
        finally:
            _VIEW.reset(token)

    params = list(sig.parameters.values()) + [
        inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
        for k, (a, d) in extra.items()]
    wrapper.__signature__ = sig.replace(parameters=params)
    wrapper.__annotations__ = {**{p.name: p.annotation for p in params
                                  if p.annotation is not inspect.Parameter.empty}}
    return wrapper


# -- help that reads well -----------------------------------------------------------------------

def _reflow(text: str | None) -> str | None:
    """A docstring's paragraphs as single lines (the source's line breaks are not the reader's)."""
    if not text:
        return text
    paras = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paras)


def first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(\s|$)", text.split("\n\n")[0])
    return m.group(1) if m else text.split("\n\n")[0]


def _tidy(p) -> None:
    """Flags show no type; a choice shows NAME and lists its values as words in the help."""
    if isinstance(p, TyperOption) and p.is_flag and p.metavar is None:
        p.metavar = ""
    if isinstance(p, (TyperOption, TyperArgument)):
        p.help = _reflow(p.help)
        desc = p.type_descriptor
        if desc.is_choice and desc.choices:
            values = [str(getattr(c, "value", c)) for c in desc.choices]
            if p.metavar is None:
                longs = [o for o in p.opts if o.startswith("--")]
                p.metavar = (longs[0][2:] if longs else p.name or "value").upper()
            said = {w.rstrip(".") for w in re.findall(r"[\w.-]+", p.help or "")}
            if not all(v in said for v in values):
                p.help = f"{(p.help or '').rstrip()} One of: {', '.join(values)}.".strip()
        if isinstance(p, TyperArgument):
            if p.metavar is None:
                p.metavar = (p.name or "arg").upper()
            # the NAME column says what it is; the type column would repeat <str> or the choices
            p.display_type_rich = lambda ctx: None


def _usage(params, ctx, options_metavar) -> list[str]:
    out = [options_metavar] if options_metavar else []
    for p in params:
        if isinstance(p, TyperArgument):
            name = p.metavar or (p.name or "arg").upper()
            name = name if p.required else f"[{name}]"
            out.append(name + ("..." if p.nargs != 1 else ""))
        else:
            out.extend(p.get_usage_pieces(ctx))
    return out


class _Tidy:
    """Help as whole sentences and words: see :func:`_tidy` (the help option and typer's
    completion options join the parameters late, so they are tidied as they are listed)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.help = _reflow(self.help)
        if self.help and not self.short_help:
            self.short_help = first_sentence(self.help)

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for p in params:
            if not getattr(p, "_costcalc_tidy", False):
                _tidy(p)
                p._costcalc_tidy = True
        return params


class Command(_Tidy, TyperCommand):
    """A costcalc command."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        return _usage(self.get_params(ctx), ctx, self.options_metavar)


class Group(_Tidy, TyperGroup):
    """A costcalc command group (``costcalc``, ``costcalc plot``)."""


class App(typer.Typer):
    """``typer.Typer`` whose commands are :class:`Command` with the view options."""

    def __init__(self, **kwargs):
        kwargs.setdefault("cls", Group)
        kwargs.setdefault("context_settings", {"help_option_names": ["-h", "--help"]})
        kwargs.setdefault("pretty_exceptions_enable", False)
        super().__init__(**kwargs)

    def command(self, name=None, *, cls=None, **kwargs):
        register = super().command(name, cls=cls or Command, **kwargs)

        def decorator(fn):
            register(with_view(fn))
            return fn

        return decorator
