"""costcalc: exact, symbolic cost of convolutional networks (MACs, parameters, memory).

Public API (what the CLI calls)::

    from costcalc import compare_layer, derive, cost, KINDS
    c = compare_layer(kernel=3, channels=512)      # MobileNet v1 Table 3
    c.row("separable").macs                        # 52283392
    c.ratio_simplified                             # 1/N + 1/Dk**2
    c.to_frame()                                   # pandas view
    derive("separable").steps                      # sympy-checked derivation
"""

__version__ = "0.1.0"

from .compare import Comparison, compare_layer, verify  # noqa: E402
from .derive import Derivation, derive  # noqa: E402
from .errors import CostcalcError  # noqa: E402
from .layers import KINDS, Cost, cost  # noqa: E402

__all__ = ["Comparison", "CostcalcError", "Cost", "Derivation", "KINDS", "compare_layer", "cost",
           "derive", "verify", "__version__"]
