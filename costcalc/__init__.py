"""costcalc: exact, symbolic cost of convolutional networks (MACs, parameters, memory).

Public API (what the CLI calls)::

    from costcalc import compare_layer, derive, cost, KINDS
    c = compare_layer(kernel=3, channels=512)      # MobileNet v1 Table 3
    c.row("separable").macs                        # 52283392
    c.ratio_simplified                             # 1/N + 1/Dk**2
    c.to_frame()                                   # pandas view
    derive("separable").steps                      # sympy-checked derivation

    from costcalc import profile_model, evaluate    # any PyTorch model (needs torch)
    p = profile_model("torchvision:resnet50", (1, 3, 224, 224))   # built on meta, counted
    evaluate(p, ["paper", "thop"])["thop"].total
"""

__version__ = "0.1.0"

_EXPORTS = {
    "Comparison": "compare", "compare_layer": "compare", "verify": "compare",
    "Derivation": "derivations", "derive": "derivations", "CostcalcError": "errors",
    "KINDS": "layers", "Cost": "layers", "cost": "layers",
    # any PyTorch model (imports torch): profile_model("torchvision:resnet50"), build(...), evaluate(p)
    "profile_model": "profile.aten_ops", "build": "profile.target", "evaluate": "profile.conventions",
}
__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    """Import the public API on first use: ``import costcalc`` stays cheap (no sympy)."""
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'costcalc' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
