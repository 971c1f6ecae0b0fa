"""The architecture registry: each entry is a paper-like spec, resolved by costcalc.resolve."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Callable

from ..errors import CostcalcError, OptionError, require_positive
from ..resolve import Resolved, Resolver, check_resolution
from . import classic, dense_mobilenet, mobilenet_v1, mobilenet_v2, mobilenet_v3, shufflenet
from .published import PUBLISHED, Ref


@dataclass(frozen=True)
class Arch:
    name: str
    title: str
    build: Callable
    width_rule: str = "int"
    options: tuple = ()  # extra keyword options the build takes (e.g. growth_rate)
    min_side: int = 32  # five stride-2 stages
    default_resolution: int = 224
    published: list = field(default_factory=list)


ARCHS: dict[str, Arch] = {}
MAX_ALPHA = 1e6  # far past any real network; keeps every count a finite float for display
MAX_RHO = 1e3


def _register(arch: Arch) -> None:
    if arch.name in ARCHS:
        raise RuntimeError(f"architecture {arch.name!r} registered twice")
    ARCHS[arch.name] = arch.__class__(**{**arch.__dict__, "published": PUBLISHED.get(arch.name, [])})


_register(Arch("mobilenet_v1", "MobileNet v1", mobilenet_v1.build))
_register(Arch("mobilenet_v1_conv", "MobileNet v1, full convolutions",
               partial(mobilenet_v1.build, variant="conv")))
_register(Arch("mobilenet_v1_shallow", "Shallow MobileNet v1",
               partial(mobilenet_v1.build, variant="shallow")))
_register(Arch("mobilenet_v2", "MobileNet v2", mobilenet_v2.build, width_rule="divisible8"))
_register(Arch("mobilenet_v3_large", "MobileNet v3 Large", partial(mobilenet_v3.build, size="large"),
               width_rule="divisible8"))
_register(Arch("mobilenet_v3_small", "MobileNet v3 Small", partial(mobilenet_v3.build, size="small"),
               width_rule="divisible8"))
_register(Arch("dense1_mobilenet", "Dense1-MobileNet", dense_mobilenet.build_dense1,
               options=("growth_rate",)))
_register(Arch("dense2_mobilenet", "Dense2-MobileNet", dense_mobilenet.build_dense2,
               options=("growth_rate",)))
_register(Arch("vgg16", "VGG-16", classic.build_vgg16))
_register(Arch("googlenet", "GoogLeNet (Inception v1)", classic.build_googlenet))
_register(Arch("squeezenet1_0", "SqueezeNet 1.0", partial(classic.build_squeezenet, version="1_0")))
_register(Arch("squeezenet1_1", "SqueezeNet 1.1", partial(classic.build_squeezenet, version="1_1")))
_register(Arch("alexnet", "AlexNet (torchvision, one tower)", classic.build_alexnet, min_side=63))
_register(Arch("alexnet_two_tower", "AlexNet (the 2012 paper, two towers)",
               partial(classic.build_alexnet, form="two_tower"), min_side=67, default_resolution=227))
for _g in shufflenet.STAGE2:
    _register(Arch(f"shufflenet_v1_g{_g}", f"ShuffleNet v1, g={_g}", partial(shufflenet.build, groups=_g)))


def get(name: str) -> Arch:
    try:
        return ARCHS[name]
    except KeyError:
        close = difflib.get_close_matches(name, ARCHS, n=1, cutoff=0.4)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(ARCHS)}"
        raise CostcalcError(f"unknown model {name!r}{hint}") from None


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
    check_resolution(int(resolution), arch.min_side, name)
    opts = {}
    if growth_rate is not None:
        if "growth_rate" not in arch.options:
            raise OptionError(f"{{0}} does not apply to {name} (only to "
                              f"{', '.join(n for n, a in ARCHS.items() if 'growth_rate' in a.options)})",
                              "growth_rate")
        require_positive("growth_rate", growth_rate, whole=True)
        opts["growth_rate"] = int(growth_rate)
    return _resolve(name, float(alpha), int(resolution), tuple(sorted(opts.items())))


def resolve_build(name: str, alpha: float = 1.0, resolution: int | None = None, build: tuple = ()) -> Resolved:
    """A registered architecture built with extra spec options (``build``: ((name, value),
    ...)), e.g. MobileNet v3 with Keras' width rule: the documented variants the published
    reference figures describe (:mod:`costcalc.papers`), not command-line options."""
    arch = get(name)
    resolution = arch.default_resolution if resolution is None else resolution
    return _resolve(name, float(alpha), int(resolution), tuple(sorted(build)))


@lru_cache(maxsize=4096)
def _resolve(name: str, alpha: float, resolution: int, opts: tuple) -> Resolved:
    arch = ARCHS[name]
    r = Resolver(alpha=alpha, resolution=resolution, width_rule=arch.width_rule)
    arch.build(r, **dict(opts))
    return Resolved(name, alpha, resolution, tuple(r.layers), dict(opts))


__all__ = ["ARCHS", "Arch", "Ref", "get", "resolve_build", "resolve_model"]
