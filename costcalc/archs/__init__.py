"""The architecture registry: every built-in architecture is a spec file (``*.toml`` here,
decoded by :mod:`costcalc.archs.spec`) resolved by :mod:`costcalc.resolve`; a user's spec file
is accepted wherever a registered name is (``resolve_model("my_net.toml")``).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from ..errors import CostcalcError, OptionError, require_positive
from ..resolve import Resolved, Resolver, check_resolution
from . import spec as _spec
from .published import PUBLISHED, Ref


@dataclass(frozen=True)
class Arch:
    name: str
    title: str
    build: Callable
    width_rule: str = "int"
    options: tuple = ()  # extra keyword options the build takes (e.g. growth_rate)
    min_side: int | None = 32  # None: the product of its strides (see min_side())
    default_resolution: int = 224
    published: list = field(default_factory=list)
    min_channels: int = 0
    in_channels: int = 3
    spec: object = None  # the costcalc.archs.spec.Spec it was read from, if any


ARCHS: dict[str, Arch] = {}
MAX_ALPHA = 1e6  # far past any real network; keeps every count a finite float for display
MAX_RHO = 1e3
HERE = Path(__file__).resolve().parent
# The built-in spec files, in the order `costcalc models` lists them.
BUILTIN = ("mobilenet_v1", "mobilenet_v1_conv", "mobilenet_v1_shallow", "mobilenet_v2",
           "mobilenet_v3_large", "mobilenet_v3_small", "dense1_mobilenet", "dense2_mobilenet",
           "vgg16", "googlenet", "squeezenet1_0", "squeezenet1_1", "alexnet", "alexnet_two_tower",
           "shufflenet_v1_g1", "shufflenet_v1_g2", "shufflenet_v1_g3", "shufflenet_v1_g4",
           "shufflenet_v1_g8")
# Documented build variants the published reference figures describe (costcalc.papers), as
# spec files in variants/: (registered name, build options) -> the variant's file. Resolved by
# resolve_build, not listed by `costcalc models`.
VARIANTS = {
    ("mobilenet_v3_large", (("rounding", "keras"),)): "mobilenet_v3_large_keras",
    ("mobilenet_v3_small", (("rounding", "keras"),)): "mobilenet_v3_small_keras",
    ("googlenet", (("variant", "torchvision"),)): "googlenet_torchvision",
}


def _register(arch: Arch) -> None:
    if arch.name in ARCHS:
        raise RuntimeError(f"architecture {arch.name!r} registered twice")
    ARCHS[arch.name] = arch.__class__(**{**arch.__dict__, "published": [
        *arch.published, *PUBLISHED.get(arch.name, [])]})


def from_spec(s, name: str | None = None) -> Arch:
    """The registry entry of a decoded spec file."""
    return Arch(name or s.name, s.title, s.build, s.width, tuple(s.options), s.min_side, s.side,
                list(s.published), s.min_channels, s.channels, s)


def _builtin(name: str, folder: Path = HERE) -> Arch:
    s = _spec.load(folder / f"{name}.toml")
    if s.name != name:
        raise RuntimeError(f"{name}.toml declares name = {s.name!r}")
    return from_spec(s)


for _name in BUILTIN:
    _register(_builtin(_name))
VARIANT_ARCHS = {v: _builtin(v, HERE / "variants") for v in VARIANTS.values()}


# -- spec files given by path ---------------------------------------------------------------

USER: dict[str, Arch] = {}  # path as given -> its entry
_LOADED: dict[str, tuple] = {}  # path as given -> (mtime_ns, size) it was read at


def is_spec_path(name: str) -> bool:
    """A spec file rather than a registered name: it ends in .toml or names a path."""
    return name.lower().endswith(".toml") or os.sep in name or "/" in name


def _user(path: str) -> Arch:
    p = Path(path)
    try:
        st = p.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = None
    if path in USER and _LOADED.get(path) == stamp:
        return USER[path]
    arch = from_spec(_spec.load(path), name=path)
    USER[path], _LOADED[path] = arch, stamp
    _resolve.cache_clear()  # the file may have changed under the same name
    _min_side.cache_clear()
    _resolve(path, 1.0, arch.default_resolution, ())  # every problem a file shows, now
    return arch


def get(name: str) -> Arch:
    """The architecture a name (or a spec file's path) stands for."""
    if name in ARCHS:
        return ARCHS[name]
    if name in VARIANT_ARCHS:
        return VARIANT_ARCHS[name]
    if is_spec_path(name):
        return _user(name)
    close = difflib.get_close_matches(name, ARCHS, n=1, cutoff=0.4)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(ARCHS)}"
    raise CostcalcError(f"unknown model {name!r}{hint} (or give a spec file, path/to/net.toml)") from None


def min_side(arch: Arch) -> int:
    """The smallest input side the architecture takes: its declared one, or for a spec file
    the product of the strides along its deepest path (a smaller input reaches 1×1 only
    through padding)."""
    return arch.min_side if arch.min_side is not None else _min_side(arch.name)


@lru_cache(maxsize=256)
def _min_side(name: str) -> int:
    arch = get(name)
    m = _resolve(name, 1.0, arch.default_resolution, ())
    return strides_product(m)


def strides_product(m: Resolved) -> int:
    """The product of strides from the input to the deepest layer before any global pool."""
    from ..layers import _pair

    acc: dict = {"input": 1}
    best = 1
    for l in m.layers:
        ins = [acc.get(i) for i in l.inputs]
        if l.kind == "global_avg_pool" or len(l.out_shape) != 3 or any(v is None for v in ins):
            acc[l.id] = None  # past a global pool strides no longer matter
            continue
        s = 1
        if l.kind == "conv2d":
            s = max(_pair(l.args["stride"]))
        elif l.kind in ("max_pool", "avg_pool"):
            s = max(_pair(l.args.get("stride") or l.args["k"]))
        acc[l.id] = max(ins) * s
        best = max(best, acc[l.id])
    return best
def resolve_model(name: str, alpha: float = 1.0, resolution: int | None = None,
                  rho: float | None = None, growth_rate: int | None = None) -> Resolved:
    """Resolve a registered architecture at width α and an input resolution (or ρ·224)."""
    arch = get(name)
    require_positive("alpha", alpha, maximum=MAX_ALPHA)
    if resolution is not None and rho is not None:
        raise OptionError("give {0} or {1}, not both", "resolution", "rho")
    if rho is not None:
        require_positive("rho", rho, maximum=MAX_RHO)
        resolution = round(arch.default_resolution * rho)
    resolution = arch.default_resolution if resolution is None else resolution
    if int(resolution) != resolution:
        raise OptionError(f"{{0}} must be a whole number of pixels, got {resolution}", "resolution")
    check_resolution(int(resolution), min_side(arch), name)
    opts = {}
    if growth_rate is not None:
        if "growth_rate" not in arch.options:
            raise OptionError(f"{{0}} does not apply to {name} (only to "
                              f"{', '.join(n for n, a in ARCHS.items() if 'growth_rate' in a.options)}"
                              " and spec files that declare options = { growth_rate = ... })",
                              "growth_rate")
        require_positive("growth_rate", growth_rate, whole=True)
        opts["growth_rate"] = int(growth_rate)
    return _resolve(name, float(alpha), int(resolution), tuple(sorted(opts.items())))


def resolve_build(name: str, alpha: float = 1.0, resolution: int | None = None, build: tuple = ()) -> Resolved:
    """A registered architecture built as a documented variant (``build``: ((name, value),
    ...)), e.g. MobileNet v3 with Keras' width rule: the variants the published reference
    figures describe (:mod:`costcalc.papers`), each a spec file in ``variants/``."""
    if build:
        key = (name, tuple(sorted(build)))
        if key not in VARIANTS:
            raise CostcalcError(f"{name} has no build variant {dict(build)}; known: "
                                + ", ".join(f"{n} {dict(b)}" for n, b in VARIANTS))
        name = VARIANTS[key]
    arch = get(name)
    resolution = arch.default_resolution if resolution is None else resolution
    return _resolve(name, float(alpha), int(resolution), ())


@lru_cache(maxsize=4096)
def _resolve(name: str, alpha: float, resolution: int, opts: tuple) -> Resolved:
    arch = get(name)
    r = resolver(arch, alpha, resolution)
    arch.build(r, **dict(opts))
    return Resolved(name, alpha, resolution, tuple(r.layers), dict(opts), tuple(r.roundings))


def resolver(arch: Arch, alpha, resolution: int, width_rule: str | None = None) -> Resolver:
    """A Resolver set up as ``arch`` needs (its width rule, minimum width, input channels)."""
    return Resolver(alpha=alpha, resolution=resolution, width_rule=width_rule or arch.width_rule,
                    in_channels=arch.in_channels, min_channels=arch.min_channels)


__all__ = ["ARCHS", "Arch", "Ref", "get", "is_spec_path", "resolve_build", "resolve_model"]
