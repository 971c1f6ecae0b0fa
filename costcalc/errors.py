"""Errors a user can cause. The CLI turns each into one line on stderr and exit code 2."""


class CostcalcError(Exception):
    """Bad input or an impossible request; the message is shown to the user as is."""

    exit_code = 2


class ShapeError(CostcalcError):
    """A layer that cannot be applied to its input (kernel larger than the padded input, ...)."""


class VerificationError(CostcalcError):
    """Two independent counts disagree. Exit code 1: the input was fine, the result is not."""

    exit_code = 1


def require_positive(name: str, value, whole: bool = False, maximum: float | None = None):
    """A user-given count or multiplier: finite, > 0, optionally whole and bounded."""
    import math

    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise CostcalcError(f"--{name} must be positive, got {value}")
    if maximum is not None and value > maximum:
        raise CostcalcError(f"--{name} must be positive (at most {maximum:g}), got {value}")
    if whole and int(value) != value:
        raise CostcalcError(f"--{name} must be a whole number, got {value}")
    return value
