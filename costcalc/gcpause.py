"""The garbage collector paused while costcalc imports torch and profiles a model.

Importing torch and torchvision creates about two million objects, and CPython's cyclic
collector walks all of them on each full collection it makes while they are being created: a
fifth of ``import torch, torchvision``'s wall time on a 2-core machine. A profile creates tens of
thousands of small objects (events, shapes) that trigger the same collections. Almost none of
them are cyclic garbage, and reference counting frees the rest as usual, so the collector is
paused for the duration. A command that runs once (the CLI) also freezes what survived
(:func:`gc.freeze`: out of the collector's sight), so later collections walk only what is made
afterwards; a library call does not, so the cycles it leaves are still collected.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused(freeze: bool = False):
    """No cyclic collection inside; on exit the collector is as it was (a nested use leaves it
    to the outermost), after freezing the survivors when ``freeze``."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if freeze:
                gc.freeze()
            gc.enable()
