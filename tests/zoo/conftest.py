"""The zoo's helpers import as ``zoo``; torchvision's shim is applied by ``tests/conftest.py``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
