"""`costcalc check`: commands registered on the shared app (see costcalc/cli/__init__.py)."""

from . import app  # noqa: F401
