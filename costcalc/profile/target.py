"""Turn a TARGET string into an ``nn.Module``, parsed strictly (never ``eval``-ed).

Accepted forms:

- a registered architecture name (``mobilenet_v2``) or a spec file (``my_net.toml``), built
  from its resolved spec;
- ``path/to/file.py:callable`` — the file is executed as a module (the user asked for it);
- ``package.module:callable`` — imported with :func:`importlib.import_module`;
- ``torchvision:NAME`` / ``timm:NAME`` — only when those packages are installed;
- ``path/to/model.onnx`` — an ONNX file, counted by :mod:`costcalc.onnx` (no module to load).

``callable`` is a dotted chain of Python identifiers; it is called with no arguments and must
return an ``nn.Module`` (a module instance itself is accepted as is).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import CostcalcError

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_ATTR = re.compile(rf"^{_IDENT}(\.{_IDENT})*$")
_HUB = {"torchvision", "timm"}


@dataclass(frozen=True)
class Target:
    kind: str  # arch | file | module | torchvision | timm | onnx
    where: str  # arch name, file path or module name
    attr: str = ""

    @property
    def label(self) -> str:
        return self.where if self.kind in ("arch", "onnx") else f"{self.where}:{self.attr}"


def parse_target(text: str) -> Target:
    """Split TARGET into its parts; every malformed form is a one-line CostcalcError."""
    text = text.strip()
    if not text:
        raise CostcalcError("empty TARGET")
    if text.lower().endswith(".onnx"):
        return Target("onnx", text)
    if ":" in text and not text.lower().endswith(".toml"):  # no registered name has a ':'
        return _callable_target(text)
    from ..archs import ARCHS, get, is_spec_path

    if text in ARCHS or (text.lower().endswith(".toml") and is_spec_path(text)):
        get(text)  # a spec file is read and checked now: one line if it is bad
        return Target("arch", text)
    if ":" not in text:
        if text.endswith(".py"):
            raise CostcalcError(f"{text!r}: name the callable too, {_suggest(text)}")
        get(text)  # raises 'unknown model ... did you mean'
    return _callable_target(text)


def _callable_target(text: str) -> Target:
    where, _, attr = text.rpartition(":")
    if not _ATTR.match(attr):
        raise CostcalcError(f"{text!r}: after ':' expected a Python name such as build_model, got {attr!r}")
    if where in _HUB:
        return Target(where, where, attr)
    if where.endswith(".py"):
        return Target("file", where, attr)
    if _ATTR.match(where):
        return Target("module", where, attr)
    raise CostcalcError(f"{text!r}: expected NAME, path/to/file.py:callable, package.module:callable, "
                        "torchvision:NAME or timm:NAME")


def top_level_names(path: str) -> list[str]:
    """The functions and classes ``path`` defines at top level, read without running it."""
    import ast

    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return []
    return [n.name for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and not n.name.startswith("_")]


def _suggest(path: str) -> str:
    """'as net.py:build (net.py defines build, Net)', from the file itself."""
    if not Path(path).is_file():
        return f"as {path}:NAME ({path}: no such file)"
    found = top_level_names(path)
    if not found:
        return f"as {path}:NAME ({path} defines no function or class at top level)"
    return f"as {path}:{found[0]} ({path} defines {', '.join(found[:8])})"


class _ConstructionFailed(CostcalcError):
    """The user's or the hub's code failed while making the model (it may need real values)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def _failed(label: str, e: BaseException, call: str = "") -> _ConstructionFailed:
    message = f"{label}{call + ' failed' if call else ''}: {type(e).__name__}: {e}".splitlines()[0]
    return _ConstructionFailed(message, f"{type(e).__name__}: {e}".splitlines()[0][:160])


def _hub_constructor(t: Target):
    try:
        pkg = importlib.import_module(t.kind)
    except ImportError:
        raise CostcalcError(f"{t.kind} is not installed; install it (pip install {t.kind}) to "
                            f"profile {t.label}") from None

    def make():
        try:
            if t.kind == "torchvision":
                return pkg.models.get_model(t.attr, **_no_weights(pkg, t.attr))
            return pkg.create_model(t.attr, pretrained=False)
        except Exception as e:  # the hub's own message names the problem
            raise _failed(t.label, e) from None

    return make


def _no_weights(torchvision, name: str) -> dict:
    """``weights_backbone=None`` for the torchvision builders that take it (segmentation and
    detection): their default downloads a pretrained backbone, which counting never needs."""
    import inspect

    try:
        builder = torchvision.models.get_model_builder(name)
    except ValueError:
        return {}  # an unknown name: get_model says so
    return {"weights_backbone": None} if "weights_backbone" in inspect.signature(builder).parameters else {}


def _import_file(path: str):
    p = Path(path)
    if not p.is_file():
        raise CostcalcError(f"{path}: no such file")
    name = "_costcalc_target_" + re.sub(r"\W", "_", p.stem)
    spec = importlib.util.spec_from_file_location(name, p)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as e:  # a script's sys.exit() is a failure to load, not ours
        sys.modules.pop(name, None)
        raise CostcalcError(f"{path}: failed to load: {type(e).__name__}: {e}".splitlines()[0]) from None
    return module


@contextlib.contextmanager
def user_code():
    """Run user code with its prints on stderr, so `--format json` on stdout stays parseable."""
    with contextlib.redirect_stdout(sys.stderr):
        yield


DEFAULT_INPUT = (1, 3, 224, 224)


def default_input(t: Target | None) -> tuple:
    """The input a target is profiled at when ``--input`` is not given: a registered architecture
    or spec file at its own side and channels (alexnet_two_tower 227, a spec's ``resolution``), as
    ``costcalc model`` and ``models`` count it; anything else 1,3,224,224."""
    if t is None or t.kind != "arch":
        return DEFAULT_INPUT
    from ..archs import get

    a = get(t.where)
    return (1, a.in_channels, a.default_resolution, a.default_resolution)


def check_input(t: Target, shape: tuple) -> None:
    """Registered architectures take square batches of their input channels: N,C,H,H."""
    if t.kind != "arch":
        return
    from ..archs import get

    c = get(t.where).in_channels
    if len(shape) != 4 or shape[1] != c or shape[2] != shape[3]:
        what = "RGB images" if c == 3 else f"{c}-channel images"
        raise CostcalcError(f"{t.label} takes --input N,{c},H,H (a batch of square {what}), "
                            f"got {','.join(map(str, shape))}")


@dataclass(frozen=True)
class Built:
    """A model and where its weights were made: ``meta`` (none was initialised) or ``cpu``."""

    model: object  # nn.Module
    device: str
    why: str = ""  # why not on meta (the construction's own failure there, in one line)

    @property
    def note(self) -> str:
        if self.device == "meta":
            return "built on meta: no weight was made or initialised."
        return f"built on cpu: {self.why}." if self.why else "built on cpu."


def build(target: str | Target, alpha: float = 1.0, resolution: int | None = None) -> Built:
    """The model TARGET names, built on the meta device where its construction allows.

    Counting needs no weight: a ``torchvision:`` / ``timm:`` model, a ``file.py:callable`` or a
    ``package.module:callable`` is called under ``torch.device("meta")`` with torch's weight
    initialisers skipped (:func:`_NoInit`). Construction that needs real values (``.item()``,
    numpy, a branch on a tensor's value) fails there and runs again on cpu, its weights still
    left uninitialised (a count never reads them; :func:`load_model` makes them as its code
    does), and as its code has it if that fails too; :attr:`Built.why` keeps the failure. A
    module instance named directly is taken as it is.
    """
    import torch

    t = parse_target(target) if isinstance(target, str) else target
    make = _constructor(t, alpha, resolution)
    if t.kind == "arch":
        return Built(_module(t, make()), "meta")
    try:
        with torch.device("meta"), _NoInit():
            model = _module(t, make())
    except _ConstructionFailed as e:
        why = f"on meta its construction failed ({e.reason})"
        try:  # on cpu, still without initialising weights: a meta count never reads them
            with _NoInit(any_device=True):
                return Built(_module(t, make()), "cpu", why + "; weights left uninitialised")
        except _ConstructionFailed:  # construction that reads the weights it initialised
            return Built(_module(t, make()), "cpu", why)
    if not _all_meta(model):
        return Built(model, "cpu", "the target is a module instance" if getattr(make, "is_instance", False)
                     else "some of its tensors are made on cpu")
    return Built(model, "meta")


def _all_meta(model) -> bool:
    return all(p.is_meta for p in model.parameters()) and all(b.is_meta for b in model.buffers())


def _no_init_functions() -> frozenset:
    import torch
    from torch.nn import init

    T = torch.Tensor
    public = [getattr(init, n) for n in dir(init) if n.endswith("_") and not n.startswith("_")]
    return frozenset({*public, T.uniform_, T.normal_, T.fill_, T.zero_, T.random_, T.bernoulli_,
                      T.exponential_, T.cauchy_, T.log_normal_, T.geometric_, T.erfinv_, T.clamp_})


def _NoInit(any_device: bool = False):
    """A TorchFunctionMode in which torch's weight initialisers (``nn.init.*``, ``Tensor.uniform_``
    and the other in-place fills) return a meta tensor untouched: there are no values to fill,
    and on meta those calls still cost Python shape checks. Everything else runs as usual.
    ``any_device``: a cpu tensor too is left as ``torch.empty`` made it (a model that must be
    built on cpu and is then counted on meta: its weights' values are never read)."""
    import torch
    from torch.overrides import TorchFunctionMode

    skip = _no_init_functions()
    scale = {torch.Tensor.mul_, torch.Tensor.add_}  # trunc_normal_'s affine step, by a number

    class NoInit(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if func in skip:
                t = args[0] if args else kwargs.get("tensor")  # nn.init passes tensor=...
                if type(t) in (torch.Tensor, torch.nn.Parameter) and (any_device or t.is_meta):
                    return t
            elif func in scale and len(args) == 2 and not kwargs and type(args[1]) in (int, float) \
                    and type(args[0]) in (torch.Tensor, torch.nn.Parameter) and (any_device or args[0].is_meta):
                return args[0]
            return func(*args, **kwargs)

    return NoInit()


def _constructor(t: Target, alpha: float, resolution: int | None):
    """A function of no arguments that makes TARGET's model. What it needs is imported now,
    outside any device context: a library's import-time tensors stay on cpu."""
    from torch import nn

    if t.kind == "onnx":
        raise CostcalcError(f"{t.label} is an ONNX file, not a PyTorch model: profile, reconcile, "
                            "roofline and bench take it as it is")
    if t.kind == "arch":
        from ..archs import resolve_model
        from ..nn.build import build_model

        return lambda: build_model(resolve_model(t.where, alpha, resolution))
    if t.kind in _HUB:
        return _hub_constructor(t)
    if t.kind == "file":
        module = _import_file(t.where)
    else:
        try:
            module = importlib.import_module(t.where)
        except ImportError as e:
            raise CostcalcError(f"cannot import {t.where}: {e}") from None
    obj = module
    for part in t.attr.split("."):
        if not hasattr(obj, part):
            hint = ""
            if t.kind == "file" and obj is module:
                found = top_level_names(t.where)
                hint = f"; it defines {', '.join(found[:8])}" if found else ""
            raise CostcalcError(f"{t.where} has no attribute {t.attr!r}{hint}")
        obj = getattr(obj, part)
    if isinstance(obj, nn.Module):
        def instance():
            return obj

        instance.is_instance = True
        return instance
    if not callable(obj):
        raise CostcalcError(f"{t.label} is neither an nn.Module nor callable")

    def make():
        try:
            return obj()
        except (Exception, SystemExit) as e:
            raise _failed(t.label, e, "()") from None

    return make


def _module(t: Target, obj):
    from torch import nn

    if not isinstance(obj, nn.Module):
        raise CostcalcError(f"{t.label} returned {type(obj).__name__}, not an nn.Module")
    return obj


def load_model(target: str | Target, alpha: float = 1.0, resolution: int | None = None):
    """The ``nn.Module`` TARGET names, on the meta device for registered architectures (as its
    code makes it otherwise; :func:`build` makes it on meta where it can)."""
    t = parse_target(target) if isinstance(target, str) else target
    return _module(t, _constructor(t, alpha, resolution)())
