"""Let PyPI's torchvision 0.28.0 import beside the CPU build of torch 2.13.0 (tests only).

That torchvision wheel is built for CUDA: importing it runs ``torchvision._meta_registrations``,
which registers meta kernels for compiled ops (``torchvision::nms``, ...) that the CPU torch
here cannot load, so ``import torchvision`` raises ``RuntimeError: operator torchvision::nms
does not exist``. Its model code is pure Python and needs none of those ops. Putting an empty
module in that name's place before the first ``import torchvision`` lets the models build and
run on CPU and meta. This lives in the tests, never in the package: a user's torchvision is
their own. ``tests/conftest.py`` imports it for in-process tests and puts this folder on
``PYTHONPATH`` for the CLI subprocesses (Python imports ``sitecustomize`` at start-up).
"""

import sys
import types

sys.modules.setdefault("torchvision._meta_registrations",
                       types.ModuleType("torchvision._meta_registrations"))
