"""Errors a user can cause. The CLI turns each into one line on stderr and exit code 2."""


class CostcalcError(Exception):
    """Bad input or an impossible request; the message is shown to the user as is."""

    exit_code = 2


class ShapeError(CostcalcError):
    """A layer that cannot be applied to its input (kernel larger than the padded input, ...)."""


class OptionError(CostcalcError):
    """A bad argument, named the way the caller knows it: ``kernel must be positive`` from
    Python, ``--kernel must be positive`` on the command line (the CLI prints ``cli_message``).

    ``template`` holds ``{0}``, ``{1}``, ... where the parameter ``names`` (Python spelling,
    ``in_channels``) go; the CLI spells them as options (``--in-channels``).
    """

    def __init__(self, template: str, *names: str):
        self.template, self.names = template, names
        super().__init__(self._fill(names))

    def _fill(self, names) -> str:
        text = self.template
        for i, n in enumerate(names):
            text = text.replace("{%d}" % i, n)
        return text

    @property
    def cli_message(self) -> str:
        return self._fill(["--" + n.replace("_", "-") for n in self.names])


class VerificationError(CostcalcError):
    """Two independent counts disagree. Exit code 1: the input was fine, the result is not."""

    exit_code = 1


def did_you_mean(name, known, cutoff: float = 0.5) -> str:
    """' (did you mean 'separable'?)' for the closest known name, or ''."""
    import difflib

    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


def require_positive(name: str, value, whole: bool = False, maximum: float | None = None):
    """A user-given count or multiplier: finite, > 0, optionally whole and bounded. ``name`` is
    the Python parameter (``in_channels``); see :class:`OptionError`."""
    import math

    if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isfinite(value):
        raise OptionError(f"{{0}} must be positive and finite, got {value}", name)
    if value is None or not isinstance(value, (int, float)) or value <= 0:
        raise OptionError(f"{{0}} must be positive, got {value}", name)
    if maximum is not None and value > maximum:
        raise OptionError(f"{{0}} must be positive (at most {maximum:g}), got {value}", name)
    if whole and int(value) != value:
        raise OptionError(f"{{0}} must be a whole number, got {value}", name)
    return value
