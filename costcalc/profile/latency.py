"""Real forward-pass latency, per leaf module and in total, beside each layer's exact MACs.

MACs say what a layer must compute; latency says what it costs on this machine. The two
disagree most for depthwise convolutions: a 3×3 depthwise conv does only Dk² = 9 MACs per
output element, so memory traffic rather than arithmetic bounds it, and it takes a larger share
of the time than of the MACs (issue #6). :func:`bench_model` measures both on one module:

- MACs per leaf module come from :class:`costcalc.counting.hooks.HookCounter` (the formulas of
  :mod:`costcalc.layers`), run once on the same module and input.
- Each timed run is one plain forward pass (no hooks: the latency a user gets) followed by one
  pass with a pre/post hook pair on every leaf module (``time.perf_counter`` on CPU, CUDA events
  on a GPU). Each layer's time is the median over the runs; the spread is the interquartile
  range. The hooks cost time of their own: the difference between the two totals is reported as
  the hook overhead, and the part of the hooked pass outside any leaf module (Python glue,
  functional calls such as ``torch.cat`` or ``F.relu`` in a ``forward``) is reported too.
- Layer kinds are the MobileNet paper's Table 2 types for convolutions and FC (the names
  :mod:`costcalc.resolve` tags resolved layers with), then BN, activation, pool, add, concat,
  other.

Registered architectures are built on the meta device without weights; they are materialised on
CPU, initialised from a fixed seed as torchvision initialises MobileNet (Kaiming-normal convs,
BN γ=1 β=0, FC N(0, 0.01)) so activations stay normal floats (denormals would slow the CPU
down and distort the timing), then moved to the device. A model that comes with weights keeps
them. Nothing here prints.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from ..counting.hooks import ACTIVATIONS, HookCounter, is_leaf
from ..errors import CostcalcError, OptionError, require_positive
from ..layers import conv_tag
from ..nn import ops
from .timing import KIND_ORDER, SPREAD, KindTiming, Stats, _kind_key, by_kind  # noqa: F401  (moved; torch-free)

MACS_CONVENTION = "conv + FC multiply-accumulates, no bias (the papers' mult-adds), from module hooks"
INIT = "Kaiming-normal conv (fan_out), BN γ=1 β=0 mean 0 var 1, FC N(0, 0.01), biases 0"


# -- layer kinds ---------------------------------------------------------------------------------

def layer_kind(module: nn.Module) -> str:
    """The by-type row a leaf module falls in: Table 2's conv / FC types, then the rest."""
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        return "ConvTranspose " + "×".join(map(str, module.kernel_size))
    if isinstance(module, nn.modules.conv._ConvNd):
        return conv_tag(module.in_channels, module.groups, module.kernel_size)
    if isinstance(module, nn.Linear):
        return "FC"
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return "BN"
    if isinstance(module, ACTIVATIONS):
        return "activation"
    if type(module).__module__ == nn.AvgPool2d.__module__:  # torch.nn.modules.pooling
        return "pool"
    if isinstance(module, ops.Add):
        return "add"
    if isinstance(module, ops.Concat):
        return "concat"
    return "other"


# -- options, device, weights --------------------------------------------------------------------

def check_options(device: str, repeats: int, warmup: int, threads: int | None = None) -> str:
    """Validate the user's timing options; return the device string torch understands."""
    require_positive("repeats", repeats, whole=True)
    if warmup is None or not isinstance(warmup, int) or warmup < 0:
        raise OptionError(f"{{0}} must be 0 or more, got {warmup}", "warmup")
    if threads is not None:
        require_positive("threads", threads, whole=True)
    if device == "meta":
        raise OptionError("{0} meta computes nothing, so there is nothing to time; use cpu or cuda",
                          "device")
    if not re.fullmatch(r"cpu|cuda(:\d+)?", device):
        raise OptionError(f"{{0}} must be cpu or cuda (or cuda:N), got {device!r}", "device")
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise CostcalcError(f"--device {device}: no CUDA device is available")
        index = int(device.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise CostcalcError(f"--device {device}: only {torch.cuda.device_count()} CUDA device(s)")
    return device


def _has_meta(model: nn.Module) -> bool:
    return any(t.is_meta for t in (*model.parameters(), *model.buffers()))


def initialise(model: nn.Module, seed: int = 0) -> nn.Module:
    """Deterministic weights, in place, for a model materialised from meta (``to_empty``)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for t in (*model.parameters(), *model.buffers()):
            t.zero_()  # to_empty leaves whatever the allocator held: NaNs, denormals
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for m in model.modules():
                if hasattr(m, "reset_parameters") and callable(m.reset_parameters):
                    m.reset_parameters()  # BN: γ=1 β=0 and running stats 0/1; others their own rule
        for m in model.modules():
            if isinstance(m, nn.modules.conv._ConvNd):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=g)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01, generator=g)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
    return model


def materialise(model: nn.Module, device: str, seed: int = 0) -> tuple[nn.Module, bool]:
    """The model on ``device`` in eval mode; True when its weights were initialised here."""
    fresh = _has_meta(model)
    if fresh:
        model = initialise(model.to_empty(device="cpu"), seed)
    return model.to(device).eval(), fresh


# -- timing --------------------------------------------------------------------------------------

def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


class _Clock:
    """perf_counter on CPU; CUDA events on a GPU, read after the pass is synchronised."""

    def __init__(self, device: str):
        self.cuda = device.startswith("cuda")
        self.device = device

    def mark(self):
        if self.cuda:
            e = torch.cuda.Event(enable_timing=True)
            e.record()
            return e
        return time.perf_counter()

    def seconds(self, start, end) -> float:
        return start.elapsed_time(end) / 1e3 if self.cuda else end - start


class LayerTimer:
    """``with LayerTimer(model, clock):`` run one pass, then call :meth:`end_pass`; repeat.

    Pre/post hooks on leaf modules only, keyed by ``named_modules()`` names (a module called twice
    in one pass: ``name``, ``name#2``, as :class:`HookCounter` keys it). State lives here; nothing
    is written onto modules and the hooks are removed on exit.
    """

    def __init__(self, model: nn.Module, clock: _Clock):
        self.model, self.clock = model, clock
        self.times: dict[str, list[float]] = {}  # key -> one time per pass, in execution order
        self.modules: dict[str, nn.Module] = {}
        self._handles: list = []
        self._open: dict[str, object] = {}
        self._calls: dict[str, int] = {}
        self._pass: list[tuple[str, object, object]] = []

    def __enter__(self) -> "LayerTimer":
        for name, module in self.model.named_modules():
            if not is_leaf(module):
                continue
            self._handles.append(module.register_forward_pre_hook(self._pre(name)))
            self._handles.append(module.register_forward_hook(self._post(name, module)))
        return self

    def __exit__(self, *exc) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()

    def _pre(self, name: str):
        def pre(module, inputs):
            self._open[name] = self.clock.mark()  # last thing before forward runs

        return pre

    def _post(self, name: str, module: nn.Module):
        def post(module_, inputs, output):
            end = self.clock.mark()  # first thing after forward returns
            n = self._calls[name] = self._calls.get(name, 0) + 1
            key = name if n == 1 else f"{name}#{n}"
            self.modules.setdefault(key, module)
            self._pass.append((key, self._open.pop(name), end))

        return post

    def end_pass(self, keep: bool = True) -> None:
        """Turn the pass's marks into seconds (keep=False: a warm-up pass, discarded)."""
        if keep:
            _sync(self.clock.device)
            for key, start, end in self._pass:
                self.times.setdefault(key, []).append(self.clock.seconds(start, end))
        self._pass.clear()
        self._calls.clear()
        self._open.clear()


def _timed(model: nn.Module, x: torch.Tensor, clock: _Clock) -> float:
    _sync(clock.device)
    start = clock.mark()
    model(x)
    end = clock.mark()
    _sync(clock.device)
    return clock.seconds(start, end)


# -- results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerTiming:
    name: str  # module name, '#2' for its second call in a pass
    module_type: str
    kind: str
    macs: int
    time: Stats

    @property
    def gmacs_per_s(self) -> float | None:
        return self.macs / self.time.median / 1e9 if self.macs and self.time.median > 0 else None


@dataclass
class Latency:
    """What :func:`bench_model` measured. Times in seconds."""

    label: str
    input_shape: tuple
    device: str
    threads: int
    warmup: int
    repeats: int
    initialised: bool  # weights drawn here (seed below), not the model's own
    seed: int
    total: Stats  # forward pass without hooks
    hooked: Stats  # forward pass with the timing hooks on every leaf module
    layers: list[LayerTiming]
    unsupported: dict = field(default_factory=dict)  # leaf name -> type: timed, no MAC rule
    load_average: float | None = None  # 1-minute load when the runs began: others competing

    @property
    def macs(self) -> int:
        return sum(l.macs for l in self.layers)

    @property
    def layer_sum(self) -> float:
        """Sum of the per-layer medians."""
        return sum(l.time.median for l in self.layers)

    @property
    def hook_overhead(self) -> float:
        return self.hooked.median - self.total.median

    @property
    def outside_layers(self) -> float:
        """Time of the hooked pass spent outside every leaf module (glue, functional calls)."""
        return self.hooked.median - self.layer_sum

    @property
    def gmacs_per_s(self) -> float:
        return self.macs / self.total.median / 1e9 if self.total.median > 0 else 0.0

    def by_kind(self) -> list[KindTiming]:
        return by_kind((l.kind, l.macs, l.time.median) for l in self.layers)

    def time_share(self, layer: LayerTiming) -> float:
        s = self.layer_sum
        return layer.time.median / s if s else 0.0


def bench_model(model: nn.Module, input_shape: tuple, device: str = "cpu", repeats: int = 20,
                warmup: int = 3, threads: int | None = None, label: str = "",
                seed: int = 0) -> Latency:
    """Time ``model`` on a random input of ``input_shape``: ``warmup`` untimed runs, then
    ``repeats`` timed runs, each a plain pass followed by a pass under per-layer hooks."""
    device = check_options(device, repeats, warmup, threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        model, fresh = materialise(model, device, seed)
        x = torch.randn(input_shape, generator=torch.Generator().manual_seed(seed)).to(device)
        try:
            with torch.no_grad(), HookCounter(model) as counter:
                model(x)
        except CostcalcError:
            raise
        except (Exception, SystemExit) as e:
            raise CostcalcError(f"forward pass on {tuple(input_shape)} failed: {type(e).__name__}: "
                                f"{str(e).splitlines()[0] if str(e) else ''}") from None
        macs = {r.name: int(r.cost.macs) for r in counter.records}
        clock = _Clock(device)
        plain, hooked = [], []
        timer = LayerTimer(model, clock)
        on_device = torch.cuda.device(device) if clock.cuda else contextlib.nullcontext()
        with torch.inference_mode(), on_device:  # events record on this device's current stream
            for i in range(warmup + repeats):
                keep = i >= warmup
                t = _timed(model, x, clock)  # plain pass: no hooks at all
                with timer:  # hooks on for this pass only
                    th = _timed(model, x, clock)
                timer.end_pass(keep)
                if keep:
                    plain.append(t)
                    hooked.append(th)
        threads_used = torch.get_num_threads()
    finally:
        torch.set_num_threads(previous_threads)
    layers = [LayerTiming(k, type(timer.modules[k]).__name__, layer_kind(timer.modules[k]),
                          macs.get(k, 0), Stats.of(v)) for k, v in timer.times.items()]
    return Latency(label or type(model).__name__, tuple(input_shape), device, threads_used, warmup,
                   repeats, fresh, seed, Stats.of(plain), Stats.of(hooked), layers,
                   dict(counter.unsupported), load)
