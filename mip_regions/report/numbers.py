"""Very large integers as a person reads them, and as JSON carries them.

The bounds of a large architecture are integers with thousands of digits (784 inputs and 16
layers of 1024 units: about 49,000 digits), beyond Python's default int-to-str limit of 4,300
digits. :func:`int_text` writes such a number as ``1.2345e+49012 (49,013 digits)`` unless the
exact digits are asked for; :func:`unlimited_digits` lifts the limit for one block (JSON output
always carries the exact integer).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

SHORT = 30   # numbers up to this many digits are always written in full


def digits(n: int) -> int:
    """Number of decimal digits of |n| (exact, without converting the whole number)."""
    n = abs(int(n))
    if n < 10:
        return 1
    d = int(n.bit_length() * 0.30102999566398120) + 1
    return d if n >= 10 ** (d - 1) else d - 1


def int_text(n: int | None, exact: bool = False) -> str:
    """``n`` in full when short or when ``exact``, else ``m.mmmme+E (D digits)``; '-' for None."""
    if n is None:
        return "-"
    d = digits(n)
    if exact or d <= SHORT:
        with unlimited_digits():
            return str(n)
    shift = d - 17
    lead = abs(int(n)) // 10 ** shift          # the first 17 digits, exactly
    mant = lead / 10 ** 16
    sign = "-" if n < 0 else ""
    return f"{sign}{mant:.4f}e+{d - 1} ({d:,} digits)"


@contextmanager
def unlimited_digits():
    """Lift Python's int-to-str digit limit inside the block (no-op where it does not exist)."""
    get = getattr(sys, "get_int_max_str_digits", None)
    if get is None:
        yield
        return
    old = get()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(old)


__all__ = ["digits", "int_text", "unlimited_digits"]
