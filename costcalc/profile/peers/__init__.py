"""The peer counting tools' default rules, one module per tool, re-implemented on a profile.

Each module registers its convention (:func:`costcalc.profile.conventions.convention`) and holds
its rules as tables — module type or op name -> function — with each function naming the
handler of the tool it mirrors, so a reviewer can check them line by line against the tool's
source. :mod:`.calls` and :mod:`.jit` say what the tools see of a forward pass that costcalc's
profile does not show directly (torch's Python functionals from inside; a jit trace's ops).
"""

from . import fvcore, torchprofile, ptflops, thop, torchinfo  # noqa: F401  (reconcile's column order)
