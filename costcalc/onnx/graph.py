"""Read an ONNX graph: bind its dynamic dimensions, infer every tensor's shape.

A file's input may say ``batch × 3 × H × W`` with symbolic (``dim_param``) or missing sizes;
nothing can be counted until each one is a number. ``--input`` gives the numbers; every size it
fills in is reported by name (``x: dim 0 'batch' = 1``), and a size it contradicts is an error.
Shapes of the intermediate tensors come from ``onnx.shape_inference`` (with data propagation, so
the ``Shape → Gather → Concat → Reshape`` chains exporters write resolve too). Nothing is run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..errors import CostcalcError
from . import require

# Element types whose initializers are weights (not int64 shape constants or index tables).
_FLOAT_TYPES = {1, 10, 11, 16}  # FLOAT, FLOAT16, DOUBLE, BFLOAT16


@dataclass
class Graph:
    """A shape-inferred ONNX graph, ready to count."""

    label: str
    model: object  # onnx.ModelProto, input shapes bound
    shapes: dict  # tensor name -> tuple of ints (every tensor whose shape is known)
    initializers: dict  # name -> shape, weights and constants stored in the file
    float_params: int  # elements of the floating-point initializers of rank 1 or more
    inputs: list  # (name, shape) of the graph inputs, bound
    outputs: list  # names
    bound: list = field(default_factory=list)  # ('x', 0, 'batch', 1): what --input filled in
    opset: int = 0
    producer: str = ""
    constants: dict = field(default_factory=dict)  # name -> small int lists (Constant / initializer)
    float_scalars: int = 0  # 0-d floating-point initializers: constants (Clip's bounds, GELU's 0.5)

    @property
    def nodes(self):
        return self.model.graph.node


def _dims(value_info) -> list:
    """[int | str | None] for a ValueInfo: a size, a symbolic name, or unknown."""
    t = value_info.type
    if not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
        return None
    out = []
    for d in t.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            out.append(int(d.dim_value))
        elif d.HasField("dim_param") and d.dim_param:
            out.append(d.dim_param)
        else:
            out.append(None)
    return out


def _read(path_or_model):
    onnx = require("onnx")
    if isinstance(path_or_model, (str, os.PathLike)):
        path = os.fspath(path_or_model)
        if not os.path.isfile(path):
            raise CostcalcError(f"{path}: no such file")
        try:
            return onnx.load(path), os.path.basename(path)
        except Exception as e:  # a truncated or non-ONNX file: protobuf's DecodeError, ...
            raise CostcalcError(f"{path}: not a readable ONNX model ({type(e).__name__}: "
                                f"{str(e).splitlines()[0] if str(e) else 'no detail'})") from None
    return path_or_model, path_or_model.graph.name or "model"


def _bind(inputs, shape: tuple | None) -> tuple[dict, list]:
    """{input: bound shape} and the list of what --input filled in."""
    bound, filled = {}, []
    first = True
    for vi in inputs:
        dims = _dims(vi)
        if dims is None:
            raise CostcalcError(f"input {vi.name!r} has no shape in the file; give --input")
        dynamic = [i for i, d in enumerate(dims) if not isinstance(d, int)]
        if first and shape is not None:
            if len(shape) != len(dims):
                raise CostcalcError(f"input {vi.name!r} has {len(dims)} dimensions "
                                    f"({_show(dims)}); --input gives {len(shape)} ({_show(shape)})")
            for i, (d, s) in enumerate(zip(dims, shape)):
                if isinstance(d, int) and d != s:
                    raise CostcalcError(f"input {vi.name!r} is {_show(dims)} in the file; --input "
                                        f"{_show(shape)} disagrees at dim {i} ({s} ≠ {d})")
                if not isinstance(d, int):
                    filled.append((vi.name, i, d or "?", int(s)))
            bound[vi.name] = tuple(int(s) for s in shape)
        elif dynamic:
            names = ", ".join(f"dim {i} {dims[i]!r}" if dims[i] else f"dim {i}" for i in dynamic)
            hint = "" if first else " (--input binds the first input only)"
            raise CostcalcError(f"input {vi.name!r} is {_show(dims)}: {names} "
                                f"{'is' if len(dynamic) == 1 else 'are'} dynamic; give --input, "
                                f"e.g. --input {_example(dims)}{hint}")
        else:
            bound[vi.name] = tuple(dims)
        first = False
    return bound, filled


def _show(dims) -> str:
    return "×".join(str(d) if d is not None else "?" for d in dims)


def _example(dims) -> str:
    guess = {0: 1}
    return ",".join(str(d) if isinstance(d, int) else str(guess.get(i, 224 if i >= 2 else 3))
                    for i, d in enumerate(dims))


def _set_shape(vi, shape) -> None:
    dims = vi.type.tensor_type.shape.dim
    for d, s in zip(dims, shape):
        d.Clear()
        d.dim_value = int(s)


def _small_ints(tensor, numpy_helper) -> list | None:
    if tensor.data_type in (6, 7) and _numel(tensor.dims) <= 64:  # INT32, INT64: axes, shapes
        return [int(v) for v in numpy_helper.to_array(tensor).reshape(-1)]
    return None


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def load(path_or_model, shape: tuple | None = None, label: str | None = None) -> Graph:
    """Read, bind (``shape`` is ``--input``, for the first graph input) and shape-infer."""
    onnx = require("onnx")
    from onnx import numpy_helper

    model, name = _read(path_or_model)
    model_copy = onnx.ModelProto()
    model_copy.CopyFrom(model)
    model = model_copy
    g = model.graph
    init = {t.name: t for t in g.initializer}
    inputs = [vi for vi in g.input if vi.name not in init]
    if not inputs:
        raise CostcalcError(f"{name}: the graph has no inputs to bind")
    bound, filled = _bind(inputs, shape)
    for vi in inputs:
        _set_shape(vi, bound[vi.name])
    try:
        inferred = onnx.shape_inference.infer_shapes(model, check_type=False, strict_mode=True,
                                                     data_prop=True)
    except Exception as e:  # an --input the graph cannot take (channels, a reshape's sizes)
        detail = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        raise CostcalcError(f"{name}: onnx shape inference failed on "
                            f"{', '.join(f'{k} {_show(v)}' for k, v in bound.items())}: {detail}") from None
    shapes = {}
    for vi in (*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output):
        dims = _dims(vi)
        if dims is not None and all(isinstance(d, int) for d in dims):
            shapes[vi.name] = tuple(dims)
    constants = {}
    for t in inferred.graph.initializer:
        shapes[t.name] = tuple(int(d) for d in t.dims)
        small = _small_ints(t, numpy_helper)
        if small is not None:
            constants[t.name] = small
    for node in inferred.graph.node:
        if node.op_type == "Constant" and node.output:
            for a in node.attribute:
                if a.name == "value":
                    shapes[node.output[0]] = tuple(int(d) for d in a.t.dims)
                    small = _small_ints(a.t, numpy_helper)
                    if small is not None:
                        constants[node.output[0]] = small
    opset = max((o.version for o in inferred.opset_import if o.domain in ("", "ai.onnx")), default=0)
    floats = [t for t in inferred.graph.initializer if t.data_type in _FLOAT_TYPES]
    float_params = sum(_numel(t.dims) for t in floats if len(t.dims))  # a 0-d one is a constant
    scalars = sum(1 for t in floats if not len(t.dims))
    return Graph(label or name, inferred, shapes, {k: tuple(int(d) for d in t.dims) for k, t in init.items()},
                 float_params, [(vi.name, bound[vi.name]) for vi in inputs],
                 [o.name for o in inferred.graph.output], filled, opset,
                 f"{inferred.producer_name} {inferred.producer_version}".strip(), constants, scalars)
