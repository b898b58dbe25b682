"""Reading one number of a network (weights, biases, domain bounds) exactly and with its field
named in every error (nets/network.py's exact semantics)."""

from __future__ import annotations

import math
import numbers
from fractions import Fraction

import numpy as np

from ..errors import NetworkError


def parse_number(value, *, where=None) -> tuple[float, Fraction | None]:
    """Read one number: int, float, Fraction, or a string "p/q" (also "-3", "0.25").

    Returns ``(float value, written Fraction or None)``: None for a float, whose exact value is
    ``Fraction(float value)`` (see the module docstring). Raises :class:`NetworkError` for booleans, non-finite values
    and malformed strings. ``where`` is a dict of NetworkError keyword arguments.
    """
    where = where or {}
    if isinstance(value, bool) or value is None:
        raise NetworkError(f"expected a number, got {value!r}", **where)
    if isinstance(value, (int, np.integer)):
        return _finite(Fraction(int(value)), value, where), Fraction(int(value))
    if isinstance(value, Fraction):
        return _finite(value, value, where), value
    if isinstance(value, str):
        if len(value) > 10_000:
            raise NetworkError(f"a number of {len(value):,} characters is too long", **where)
        try:
            exact = Fraction(value.replace(" ", ""))
        except (ValueError, ZeroDivisionError):
            raise NetworkError(
                f"malformed number {_short(value)} (expected an integer, a float or a string 'p/q' with q != 0)",
                **where) from None
        return _finite(exact, value, where), exact
    if isinstance(value, (float, np.floating)) or isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            raise NetworkError(f"non-finite number {value!r}", **where)
        return v, None
    raise NetworkError(f"expected a number, got {type(value).__name__} {value!r}", **where)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:30] + f"... ({len(text):,} characters)"


def _finite(exact: Fraction, written, where) -> float:
    """The float64 value of an exact number, or a NetworkError when it is beyond float64's range
    (the engines compute with float64; a number like 10**400 cannot be counted with)."""
    try:
        return float(exact)
    except OverflowError:
        raise NetworkError(f"the number {_short(written)} is too large (beyond float64's range, "
                           "about 1.8e308)", **where) from None


def _parse_vector(values, *, where) -> tuple[np.ndarray, tuple[Fraction, ...] | None]:
    if not isinstance(values, (list, tuple, np.ndarray)):
        raise NetworkError(f"expected a list of numbers, got {type(values).__name__}", **where)
    floats, exacts = [], []
    for k, v in enumerate(values):
        f, e = parse_number(v, where=where)
        floats.append(f)
        exacts.append(e)
    exact = None if any(e is None for e in exacts) else tuple(exacts)
    return np.array(floats, dtype=float), exact
