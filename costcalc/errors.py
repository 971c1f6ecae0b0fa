"""Errors a user can cause. The CLI turns each into one line on stderr and exit code 2."""


class CostcalcError(Exception):
    """Bad input or an impossible request; the message is shown to the user as is."""

    exit_code = 2


class ShapeError(CostcalcError):
    """A layer that cannot be applied to its input (kernel larger than the padded input, ...)."""


class VerificationError(CostcalcError):
    """Two independent counts disagree. Exit code 1: the input was fine, the result is not."""

    exit_code = 1
