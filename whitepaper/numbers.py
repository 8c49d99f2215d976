"""Exact rounding and output conversion for every number the platform shows (docs/methods.md §1).

Computation stays in exact rationals; these helpers are the only way a number leaves that world.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

Exact = Fraction | int | Decimal


def _as_fraction(x: Exact | float) -> Fraction:
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"cannot round a non-finite number: {x!r}")
        # A float reaching a display helper was typed by a person or read from JSON: round the decimal it
        # prints as (66.65 -> 66.7), not its binary approximation (66.6499...).
        return Fraction(repr(x))
    if isinstance(x, Decimal) and not x.is_finite():
        raise ValueError(f"cannot round a non-finite number: {x!r}")
    return Fraction(x)


def round_half_up(x: Exact | float | None, digits: int = 1) -> Decimal | None:
    """Round exactly to `digits` decimals, halves away from zero (66.65 -> 66.7, -0.05 -> -0.1).

    Returns a Decimal with exactly `digits` decimals (100 -> Decimal("100.0")); None stays None.
    """
    if x is None:
        return None
    if digits < 0:
        raise ValueError(f"digits must be 0 or more, not {digits}")
    exact = _as_fraction(x)
    units = math.floor(abs(exact) * 10**digits + Fraction(1, 2))
    # mutation: equivalent — `exact <= 0`: at exact == 0, units is 0 and the `and` gives 0 either way.
    sign = 1 if exact < 0 and units else 0
    return Decimal((sign, tuple(int(d) for d in str(units)), -digits))


def to_float(x: Exact | float | None) -> float | None:
    """The nearest float, for the JSON API (which gives unrounded values); None stays None."""
    if x is None:
        return None
    return float(x)
