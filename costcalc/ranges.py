"""The one parser of value lists and ranges, for every option that takes several values.

``parse_values("0.25,0.5,0.75,1.0")``, ``parse_values("96:320:32", integer=True)``: a
comma-separated list whose items are numbers or ranges, each range read one way everywhere:

- ``START:STOP`` doubles: START, 2·START, 4·START, ... (``8:1024`` = 8, 16, ..., 1024;
  ``0.25:1`` = 0.25, 0.5, 1) — the same as ``START:STOP:x2``;
- ``START:STOP:STEP`` adds STEP (``128:224:32`` = 128, 160, 192, 224);
- ``START:STOP:xF`` multiplies by F (``8:1024:x4`` = 8, 32, 128, 512).

STOP is included when it lands on the grid. Decimal arithmetic keeps ``0.25:1.0:0.05`` on its
16 exact values (0.3 is ``float("0.3")``, not 0.30000000000000004). Values are positive,
duplicates dropped, order kept. A range that holds a single value although STOP > START
(``128:224`` doubles past 224 at once) is an error that suggests a step, so a grid is never
silently one point; so is ``START:START`` (write the value). A factor need not be whole
(``128:224:x1.5`` = 128, 192) as long as every value it gives is. Bad input: one :class:`~costcalc.errors.CostcalcError` line, starting with
the option's name. No numpy here: any command may parse its options before importing anything.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import CostcalcError

MAX_VALUES = 10_000  # values in one list


def parse_values(text: str, *, integer: bool = False, option: str = "values") -> list:
    """The values ``text`` lists (see the module docstring): floats, or ints with ``integer``."""
    text = (text or "").strip()
    if not text:
        raise CostcalcError(f"{option}: empty list (give values such as {_example(integer)})")
    values: list = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise CostcalcError(f"{option}: empty item in {text!r}")
        if ":" in item:
            values += _range(item, integer, option)
        else:
            values.append(_number(item, integer, option))
        if len(values) > MAX_VALUES:
            raise CostcalcError(f"{option}: more than {MAX_VALUES:,} values")
    seen, out = set(), []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(int(v) if integer else float(v))
    return out


def _example(integer: bool) -> str:
    return "'128,160,192,224' or '128:224:32'" if integer else "'0.25,0.5,0.75,1.0' or '0.25:1.0:0.05'"


def _decimal(s: str, option: str, what: str = "value") -> Decimal:
    try:
        d = Decimal(s.strip())
    except InvalidOperation:
        raise CostcalcError(f"{option}: {what} {s.strip()!r} is not a number") from None
    if not d.is_finite():
        raise CostcalcError(f"{option}: {what} {s.strip()!r} is not a finite number")
    return d


def _number(s: str, integer: bool, option: str, what: str = "value") -> Decimal:
    d = _decimal(s, option, what)
    if integer and d != d.to_integral_value():
        raise CostcalcError(f"{option}: {what} {s.strip()!r} is not a whole number")
    if d <= 0:
        raise CostcalcError(f"{option}: {what} {s.strip()!r} must be positive")
    return d


def _range(item: str, integer: bool, option: str) -> list[Decimal]:
    parts = item.split(":")
    if len(parts) not in (2, 3):
        raise CostcalcError(f"{option}: range {item!r} must read START:STOP, START:STOP:STEP or "
                            "START:STOP:xF")
    start = _number(parts[0], integer, option, "range start")
    stop = _number(parts[1], integer, option, "range stop")
    if stop < start:
        raise CostcalcError(f"{option}: range {item!r} stops below its start")
    if stop == start:
        raise CostcalcError(f"{option}: range {item!r} holds the one value {parts[0].strip()}; "
                            f"write {parts[0].strip()}, or give a STOP above the start")
    step = parts[2].strip() if len(parts) == 3 else None
    if step is None or step[:1] in ("x", "×", "*"):
        # the factor need not be whole (128:224:x1.5 = 128, 192); every value it gives must be
        factor = Decimal(2) if step is None else _number(step[1:], False, option, "step factor")
        if factor <= 1:
            raise CostcalcError(f"{option}: step factor {step!r} must be greater than 1")
        out, v = [], start
        while v <= stop:
            if integer and v != v.to_integral_value():
                raise CostcalcError(f"{option}: range {item!r} reaches {v.normalize()}, not a whole "
                                    f"number; give a factor that keeps every value whole")
            out.append(v)
            if len(out) > MAX_VALUES:
                raise CostcalcError(f"{option}: range {item!r} has more than {MAX_VALUES:,} values")
            v *= factor
    else:
        d = _number(step, integer, option, "step")
        n = int((stop - start) / d) + 1
        if n > MAX_VALUES:
            raise CostcalcError(f"{option}: range {item!r} has {n:,} values, more than {MAX_VALUES:,}")
        out = [start + i * d for i in range(n)]
    if len(out) == 1 and stop > start:
        how = "doubles" if step is None else f"steps by {step}"
        hint = (stop - start) / 4
        hint = max(hint.to_integral_value(), Decimal(1)) if integer else hint.normalize()
        raise CostcalcError(f"{option}: range {item!r} {how} past {parts[1].strip()} at once, so it "
                            f"holds only {parts[0].strip()}; give a smaller step, e.g. "
                            f"{parts[0].strip()}:{parts[1].strip()}:{hint}")
    return out
