"""Run the real peer tools, where installed, on a model: the check behind ``reconcile --verify``.

Each tool is called the way its documentation shows, on a fresh model instance (some tools
leave hooks or attributes behind), its printing silenced: fvcore ``FlopCountAnalysis(model,
x).total()``; ptflops ``get_model_complexity_info(model, ...)`` (default pytorch backend);
ultralytics-thop ``profile(model, inputs=(x,))``; torchprofile ``profile_macs(model, x)``;
torchinfo ``summary(model, input_data=x).total_mult_adds``; torch's ``FlopCounterMode``. Tools
that can count on the ``meta`` device do; those that trace or patch Python functions
(fvcore, torchprofile, ptflops: torch's Python meta kernels call the patched functions) run on
cpu, with the weights materialised as zeros.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import io
import logging
import warnings
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .latency import _has_meta

# convention -> (module to import, distribution for the version, runs on meta)
TOOLS = {
    "flops": ("torch.utils.flop_counter", "torch", True),
    "fvcore": ("fvcore.nn", "fvcore", False),
    "torchprofile": ("torchprofile", "torchprofile", False),
    "ptflops": ("ptflops", "ptflops", False),
    "thop": ("thop", "ultralytics-thop", True),
    "torchinfo": ("torchinfo", "torchinfo", True),
}


@dataclass
class Outcome:
    """A real tool's own total on the model, or why there is none."""

    tool: str
    version: str = ""
    total: int | float | None = None
    error: str = ""  # 'not installed', or the tool's failure in one line
    device: str = ""


def _fvcore(mod, model, x):
    a = mod.FlopCountAnalysis(model, x)
    a.unsupported_ops_warnings(False)
    a.uncalled_modules_warnings(False)
    return a.total()


def _ptflops(mod, model, x):
    macs, _ = mod.get_model_complexity_info(model, tuple(x.shape[1:]), as_strings=False,
                                            print_per_layer_stat=False, input_constructor=lambda _: x)
    if macs is None:  # ptflops prints the exception and returns None
        raise RuntimeError("get_model_complexity_info returned None")
    return macs


def _thop(mod, model, x):
    return mod.profile(model, inputs=(x,), verbose=False)[0]


def _torchprofile(mod, model, x):
    return mod.profile_macs(model, x)


def _torchinfo(mod, model, x):
    return mod.summary(model, input_data=x, verbose=0, device=x.device).total_mult_adds


def _flops(mod, model, x):
    with torch.no_grad(), mod.FlopCounterMode(display=False) as fc:
        model(x)
    return fc.get_total_flops()


_RUN = {"flops": _flops, "fvcore": _fvcore, "torchprofile": _torchprofile, "ptflops": _ptflops,
        "thop": _thop, "torchinfo": _torchinfo}


def on_device(model: nn.Module, device: str) -> nn.Module:
    """``model`` on ``device``; weights that exist only as shapes (meta) become zeros there (the
    tools count shapes; ``latency.materialise`` initialises properly, for timing)."""
    if device != "meta" and _has_meta(model):
        model = model.to_empty(device=device)
        with torch.no_grad():
            for t in list(model.parameters()) + list(model.buffers()):
                t.zero_()
        return model
    return model.to(device)


def version(tool: str) -> str:
    try:
        return importlib.metadata.version(TOOLS[tool][1])
    except importlib.metadata.PackageNotFoundError:
        return ""


def run(tool: str, build: Callable[[], nn.Module], input_shape: tuple, device: str = "meta") -> Outcome:
    """The installed ``tool``'s own total for a fresh ``build()`` on a zero input of ``input_shape``.

    ``device`` is where costcalc counted; a tool that cannot count on meta runs on cpu instead,
    and one that fails on meta is tried once more on cpu.
    """
    module, _, meta_ok = TOOLS[tool]
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return Outcome(tool, error="not installed")
    except Exception as e:  # installed but broken (ptflops imports torchvision, which may not load)
        return Outcome(tool, version(tool), error=f"cannot import: {type(e).__name__}: {str(e).splitlines()[0]}"[:160])
    where = device if device != "meta" or meta_ok else "cpu"
    out = _run(tool, mod, build, input_shape, where)
    if out.error and where == "meta":  # a model that needs values (pruning masks): run it for real
        out = _run(tool, mod, build, input_shape, "cpu")
    return out


def _integral(total):
    """A tool's float total that is a whole number (thop's, fvcore's) as an int: 99,790,858, not
    99790858.0, in every table and JSON file."""
    if isinstance(total, float) and total.is_integer():
        return int(total)
    return total


def _run(tool, mod, build, input_shape, where) -> Outcome:
    out = Outcome(tool, version(tool), device=where)
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            model = on_device(build(), where).eval()
            x = torch.zeros(input_shape, device=where)
            out.total = _integral(_RUN[tool](mod, model, x))
    except Exception as e:  # the tool's own failure on this model, reported in one line
        out.error = f"fails: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:160]
    finally:
        logging.disable(logging.NOTSET)
    return out
