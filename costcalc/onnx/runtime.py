"""Latency on ONNX Runtime, in total and per node from its profiler, beside each node's MACs.

The PyTorch ``bench`` (:mod:`costcalc.profile.latency`) times leaf modules with hooks; ONNX
Runtime times its own kernels: with ``SessionOptions.enable_profiling`` every run writes one
``"cat": "Node"`` event per executed kernel (``dur`` in µs) with the shapes it ran on. Two
sessions are made, both at ORT's default ``ORT_ENABLE_ALL`` optimisation (what a deployment gets):

- a plain one, timed around ``InferenceSession.run`` with ``time.perf_counter`` — the latency;
- a profiling one, whose per-kernel ``dur`` values give each node's median time.

ORT rewrites the graph before it runs it: activations and residual adds are fused into the Conv
before them (``FusedConv`` / ``nchwc`` Conv with a ``Sum`` input), and on x86 the NCHWc layout
transformer inserts ``ReorderInput`` / ``ReorderOutput`` nodes. Its node names are its own, so
MACs are priced from each kernel's own shapes — a Conv from its weight and output shapes through
:func:`costcalc.layers.conv2d`, a Gemm / MatMul through :func:`costcalc.layers.linear` — and their
sum is checked against the file's ``paper`` total (:mod:`costcalc.onnx.count`): equal, or the
difference is named. A fused activation's time is inside its Conv's; the by-kind table says so.
Nothing here imports torch.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field

from .. import layers
from ..errors import CostcalcError, require_positive
from ..layers import conv_tag
from ..profile.timing import KindTiming, Stats, by_kind
from . import require
from .count import OnnxProfile, profile_graph
from .conventions import paper
from .graph import _numel, load

PAPER_CONVENTION = "conv + FC multiply-accumulates, no bias (the papers' mult-adds), of the file's graph"
KERNEL_MACS_CONVENTION = ("conv + FC multiply-accumulates, no bias, on the shapes each kernel ran in ORT's "
                   "profile (under NCHWc, channel counts padded to ORT's SIMD block)")
_ACT = {"Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "LeakyRelu", "Gelu",
        "Softmax", "Elu", "Erf", "PRelu"}
_POOL = {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax"}


@dataclass(frozen=True)
class NodeTiming:
    name: str  # ORT's node name
    op: str  # ORT's op name (FusedConv, Conv, ReorderInput, ...)
    kind: str
    macs: int
    time: Stats
    shapes: str = ""


@dataclass
class OrtLatency:
    label: str
    input_shape: tuple
    threads: int | None  # intra-op threads asked for (None: ORT's default)
    warmup: int
    repeats: int
    total: Stats  # session.run of the plain session
    profiled: Stats  # session.run of the profiling session
    nodes: list[NodeTiming]
    file_macs: int  # the file's paper total (costcalc.onnx.count)
    version: str = ""
    provider: str = "CPUExecutionProvider"
    optimization: str = "ORT_ENABLE_ALL"
    load_average: float | None = None
    bound: list = field(default_factory=list)

    @property
    def macs(self) -> int:
        return sum(n.macs for n in self.nodes)

    @property
    def node_sum(self) -> float:
        return sum(n.time.median for n in self.nodes)

    @property
    def gmacs_per_s(self) -> float:
        return self.file_macs / self.total.median / 1e9 if self.total.median > 0 else 0.0

    def by_kind(self) -> list[KindTiming]:
        return by_kind((n.kind, n.macs, n.time.median) for n in self.nodes)

    def time_share(self, n: NodeTiming) -> float:
        return n.time.median / self.node_sum if self.node_sum else 0.0


def _shapes(arg) -> list:
    out = []
    for d in arg or []:
        out.extend(list(v) for v in d.values())
    return out


def kernel_cost(op: str, ins: list, outs: list) -> tuple[str, int]:
    """(kind, MACs) of one executed kernel from the shapes ORT ran it on."""
    y = outs[0] if outs else []
    if op in ("Conv", "FusedConv", "ConvTranspose") and len(ins) >= 2 and len(ins[0]) == 4:
        x, w = ins[0], ins[1]
        if op == "ConvTranspose":
            g = x[1] // w[0] if w[0] else 1
            cost = layers.conv_transpose2d(x[1], w[1] * g, x[2], x[3], w[2], w[3], groups=g)
            return "ConvTranspose " + "×".join(map(str, w[2:])), x[0] * cost.macs
        g = x[1] // w[1] if w[1] else 1
        # The kernel's output side is all that MACs depend on: a stride-1 'same' conv on a
        # Ho×Wo input has the weights·Ho·Wo MACs of the real (strided, padded) one.
        cost = layers.conv2d(x[1], w[0], y[2], y[3], w[2], w[3], padding="same", groups=g)
        return conv_tag(x[1], g, (w[2], w[3])), y[0] * cost.macs
    # ORT prepacks constant weights and may then list only A among a product's inputs.
    if op in ("Gemm", "FusedGemm") and ins and len(y) == 2:
        m, n = y
        return "FC", m * layers.linear(_numel(ins[0]) // m, n).macs
    if op in ("MatMul", "FusedMatMul") and ins and y:
        n = y[-1]
        return "FC", layers.linear(ins[0][-1], n).macs * (_numel(y) // n)
    if op.startswith("Reorder"):
        return "layout", 0
    if op in _ACT:
        return "activation", 0
    if op in _POOL:
        return "pool", 0
    if op in ("Add", "Sum"):
        return "add", 0
    if op == "BatchNormalization":
        return "BN", 0
    if op == "Concat":
        return "concat", 0
    return "other", 0


def _feeds(g, np):
    feeds = {}
    rng = np.random.default_rng(0)
    elem = {vi.name: vi.type.tensor_type.elem_type for vi in g.model.graph.input}
    for name, shape in g.inputs:
        t = elem.get(name, 1)
        if t == 1:
            feeds[name] = rng.standard_normal(shape, dtype=np.float32)
        elif t == 10:
            feeds[name] = rng.standard_normal(shape).astype(np.float16)
        elif t in (6, 7):
            feeds[name] = np.zeros(shape, dtype=np.int64 if t == 7 else np.int32)
        else:
            raise CostcalcError(f"input {name!r}: element type {t} is not one costcalc can feed")
    return feeds


def check_options(repeats: int, warmup: int, threads: int | None) -> None:
    require_positive("repeats", repeats, whole=True)
    if warmup is None or not isinstance(warmup, int) or warmup < 0:
        raise CostcalcError(f"--warmup must be 0 or more, got {warmup}")
    if threads is not None:
        require_positive("threads", threads, whole=True)


def bench_onnx(path_or_model, shape: tuple | None = None, repeats: int = 20, warmup: int = 3,
               threads: int | None = None, label: str | None = None) -> OrtLatency:
    """Time the file on ORT's CPU provider: plain runs, then profiled runs read per kernel."""
    check_options(repeats, warmup, threads)
    ort = require("onnxruntime")
    import numpy as np

    g = load(path_or_model, shape, label)
    p: OnnxProfile = profile_graph(g)
    file_macs = sum(paper(p).values())
    data = g.model.SerializeToString()
    feeds = _feeds(g, np)
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else None

    def options(profile_dir=None):
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads is not None:
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
        so.log_severity_level = 3  # ORT's warnings (layout notes) are not for the user's terminal
        if profile_dir:
            so.enable_profiling = True
            so.profile_file_prefix = os.path.join(profile_dir, "ort")
        return so

    def timed(sess):
        out = []
        for i in range(warmup + repeats):
            t0 = time.perf_counter()
            sess.run(None, feeds)
            t1 = time.perf_counter()
            if i >= warmup:
                out.append(t1 - t0)
        return out

    try:
        plain = timed(ort.InferenceSession(data, options(), providers=["CPUExecutionProvider"]))
        with tempfile.TemporaryDirectory(prefix="costcalc-ort-") as d:
            sess = ort.InferenceSession(data, options(d), providers=["CPUExecutionProvider"])
            profiled = timed(sess)
            with open(sess.end_profiling(), encoding="utf-8") as f:
                events = json.load(f)
    except CostcalcError:
        raise
    except Exception as e:  # ORT's own message: an op it does not implement, a bad shape
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise CostcalcError(f"onnxruntime could not run {g.label}: {type(e).__name__}: {msg}") from None
    times, facts = {}, {}
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time"):
            continue
        name = e["name"][: -len("_kernel_time")]
        times.setdefault(name, []).append(e["dur"] / 1e6)
        if name not in facts:
            args = e.get("args", {})
            op = args.get("op_name", "?")
            ins, outs = _shapes(args.get("input_type_shape")), _shapes(args.get("output_type_shape"))
            kind, macs = kernel_cost(op, ins, outs)
            facts[name] = (op, kind, macs, " ".join("×".join(map(str, s)) for s in ins[:2]))
    nodes = []
    for name, ts in times.items():
        ts = ts[warmup:] if len(ts) > warmup else ts  # one event per run: drop the warm-up runs
        op, kind, macs, shapes = facts[name]
        nodes.append(NodeTiming(name, op, kind, macs, Stats.of(ts), shapes))
    return OrtLatency(g.label, tuple(g.inputs[0][1]), threads, warmup, repeats, Stats.of(plain),
                      Stats.of(profiled), nodes, file_macs, ort.__version__, load_average=load_avg,
                      bound=list(g.bound))
