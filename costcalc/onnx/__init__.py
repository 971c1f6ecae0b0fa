"""ONNX models in, ONNX Runtime latency out (issue #18).

- :mod:`.graph` reads a ``.onnx`` file with the ``onnx`` package, binds its dynamic dimensions to
  ``--input`` and runs onnx's shape inference;
- :mod:`.count` prices every node with the formulas of :mod:`costcalc.layers` (the registry the
  PyTorch path uses) into rows the memory and roofline code read as they read a torch profile;
- :mod:`.conventions` re-totals those rows under the named conventions (``paper``, ``flops``,
  ``all-ops``) and under ``onnx-tool``'s own per-node rules;
- :mod:`.export` writes a model to ONNX through ``torch.onnx.export``;
- :mod:`.runtime` times the file on ONNX Runtime, per node from its profiler.

Nothing here imports torch except :mod:`.export`, so a TensorFlow / Keras user with only the
``costcalc[onnx]`` extra can count and time a ``tf2onnx`` file.
"""

from __future__ import annotations

import importlib

from ..errors import CostcalcError

_WHY = {"onnx": "reading .onnx files", "onnxruntime": "timing on ONNX Runtime",
        "onnxscript": "torch.onnx.export (its dynamo exporter)"}


def require(name: str = "onnx"):
    """Import an optional package of the ``[onnx]`` extra, or say in one line how to get it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise CostcalcError(f"{_WHY.get(name, name)} needs the {name} package, which is not installed: "
                            "pip install 'costcalc[onnx]'") from None


def is_onnx_target(text: str) -> bool:
    """True for a TARGET that names an ONNX file (``model.onnx``)."""
    return text.strip().lower().endswith(".onnx")
