"""Krippendorff's alpha for nominal data, exactly (no Flask, no database).

Each unit is the list of the values its coders gave (None: that coder gave none). Only units with at least two
values are pairable. From the coincidence matrix o[c][k] (each ordered pair of values within a unit weighs
1 / (m_u - 1), m_u the unit's number of values):

    alpha = 1 - (n - 1) * sum_{c != k} o[c][k] / sum_{c != k} n_c * n_k

with n_c the row sums and n their total. Undefined (None) when nothing is pairable or all values are the same
(no expected disagreement)."""
from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Hashable, Iterable, Optional, Sequence


def nominal_alpha(units: Iterable[Sequence[Optional[Hashable]]]) -> float | None:
    observed = Fraction(0)  # sum over c != k of o[c][k]
    totals: Counter = Counter()  # n_c
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        weight = Fraction(1, m - 1)
        for value, count in counts.items():
            totals[value] += count  # each value pairs with the m - 1 others: row sum = count
            observed += weight * count * (m - count)
    n = sum(totals.values())
    expected = Fraction(n * n - sum(c * c for c in totals.values()))
    if n < 2 or expected == 0:
        return None
    return float(1 - (n - 1) * observed / expected)
