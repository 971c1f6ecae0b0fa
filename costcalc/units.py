"""Counting conventions and human formatting of counts.

The default convention is the MobileNet papers' "mult-adds": multiply-accumulates of conv and
linear layers, bias excluded. FLOPs = 2 x MACs is a convention too, and is always labelled.
"""

from __future__ import annotations

MACS = "macs"
FLOPS = "flops"

CONVENTIONS = {
    MACS: "multiply-accumulates of conv and linear layers, bias not counted (the papers' mult-adds)",
    FLOPS: "2 x MACs: one multiply and one add per multiply-accumulate",
}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 cell', '2 cells', '1,024 cells'; ``many`` for an irregular plural."""
    return f"{count:,} {noun if count == 1 else (many or noun + 's')}"


def fewer_or_more(ratio, what: str = "MACs") -> str:
    """A cost ratio (new ÷ old) as people say it: 1/8.8 → '8.84× fewer MACs', 9/8 → '1.12× more
    MACs' (never '0.89× fewer'), 1 → 'the same MACs'."""
    if ratio == 1:
        return f"the same {what}"
    return f"{1 / ratio:.2f}× fewer {what}" if ratio < 1 else f"{ratio:.2f}× more {what}"


def macs_to_flops(macs: int) -> int:
    return 2 * macs


_SUFFIXES = ((1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K"))


def human(n: int | float, unit: str = "") -> str:
    """462422016 -> '462.4M'; 1.1e16 -> '11.31P'. Exact integers stay available elsewhere; this
    is for reading. Past the E (10¹⁸) suffix it is plain scientific notation ('1.131e+21'),
    never a mantissa of 1000 or more before a suffix."""
    n = float(n)
    if abs(n) >= 999.95e18:
        return f"{n:.4g}{unit}"
    for div, suffix in _SUFFIXES:
        if abs(n) >= div * 0.99995:  # 999,999,999 reads 1G, not 1000M
            return f"{n / div:.4g}{suffix}{unit}"
    return f"{n:.4g}{unit}"


def grouped(n: int) -> str:
    """462422016 -> '462,422,016'."""
    return f"{int(n):,}"


# Bytes per activation / weight element, by the dtype names --dtype accepts.
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}


def dtype_bytes(dtype: str) -> int:
    """Bytes per element of ``dtype``; an unknown name is one clear error."""
    from .errors import CostcalcError

    try:
        return DTYPE_BYTES[dtype]
    except KeyError:
        raise CostcalcError(f"--dtype must be one of {', '.join(DTYPE_BYTES)}, got {dtype!r}") from None


_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
MAX_COUNT = 10**18


def parse_count(text: str, option: str = "--max-macs") -> int:
    """'150M' -> 150_000_000; '2.5M', '1.5G', '600k', '150e6', '150,000,000' alike. A whole,
    positive count, or one CostcalcError line (never eval)."""
    import re
    from decimal import Decimal, InvalidOperation

    from .errors import CostcalcError

    s = (text or "").strip().replace(",", "").replace("_", "")
    m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kKmMgGtT]?)", s)
    if not m:
        raise CostcalcError(f"{option}: expected a count such as 150M, 2.5M, 1.2G or 600000, "
                            f"got {text!r}")
    try:
        value = Decimal(m.group(1)) * _SUFFIX[m.group(2).lower()]
    except InvalidOperation:
        raise CostcalcError(f"{option}: {text!r} is not a number") from None
    if value > MAX_COUNT:
        raise CostcalcError(f"{option}: {text!r} is not a count costcalc takes (at most 1e18)")
    if value != value.to_integral_value():
        raise CostcalcError(f"{option}: {text!r} is not a whole count ({value})")
    if value <= 0:
        raise CostcalcError(f"{option}: must be positive, got {text!r}")
    return int(value)
