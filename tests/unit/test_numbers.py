"""Exact half-up rounding and float output (whitepaper.numbers)."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whitepaper.numbers import round_half_up, to_float


@pytest.mark.parametrize(
    "value, expected",
    [
        (Fraction(200, 3), "66.7"),
        (Fraction(100, 3), "33.3"),
        (Fraction(1333, 20), "66.7"),  # 66.65 exactly: the half goes up
        (Fraction(1331, 20), "66.6"),  # 66.55 exactly: up, not to even
        (Fraction(1329, 20), "66.5"),  # 66.45 exactly
        (Fraction(13299, 200), "66.5"),  # 66.495: below the half
        (100, "100.0"),
        (0, "0.0"),
        (Fraction(1, 20), "0.1"),
    ],
)
def test_round_half_up_rounds_exact_values_with_halves_going_up(value, expected):
    assert round_half_up(value) == Decimal(expected)
    assert str(round_half_up(value)) == expected


def test_round_half_up_takes_negative_halves_away_from_zero():
    assert round_half_up(Fraction(-1, 20)) == Decimal("-0.1")
    assert round_half_up(Fraction(-1333, 20)) == Decimal("-66.7")


def test_round_half_up_never_prints_negative_zero():
    assert str(round_half_up(Fraction(-1, 100))) == "0.0"


def test_round_half_up_keeps_none_as_none():
    assert round_half_up(None) is None


def test_round_half_up_honours_the_number_of_digits():
    assert str(round_half_up(Fraction(49, 12), 4)) == "4.0833"
    assert str(round_half_up(Fraction(5, 2), 0)) == "3"
    assert str(round_half_up(Fraction(1, 8), 2)) == "0.13"


def test_round_half_up_rounds_a_float_as_it_prints():
    # The binary double nearest 66.65 is slightly below it; a person typing 66.65 expects 66.7.
    assert round_half_up(66.65) == Decimal("66.7")


def test_round_half_up_accepts_decimals_exactly():
    assert round_half_up(Decimal("2.25")) == Decimal("2.3")


def test_round_half_up_refuses_negative_digits_and_non_finite_numbers():
    with pytest.raises(ValueError, match="^digits must be 0 or more, not -1$"):
        round_half_up(Fraction(1, 3), -1)
    with pytest.raises(ValueError, match="^cannot round a non-finite number: nan$"):
        round_half_up(float("nan"))
    with pytest.raises(ValueError, match="^cannot round a non-finite number: -inf$"):
        round_half_up(float("-inf"))
    with pytest.raises(ValueError, match=r"^cannot round a non-finite number: Decimal\('Infinity'\)$"):
        round_half_up(Decimal("Infinity"))
    with pytest.raises(ValueError, match=r"^cannot round a non-finite number: Decimal\('NaN'\)$"):
        round_half_up(Decimal("NaN"))


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=-1000, max_value=1000), st.integers(min_value=0, max_value=4))
def test_round_half_up_matches_decimal_half_up_and_stays_within_half_a_unit(value, digits):
    rounded = round_half_up(value, digits)
    assert abs(Fraction(rounded) - value) <= Fraction(1, 2 * 10**digits)
    assert rounded.as_tuple().exponent == -digits
    # Independent check: where the value is a finite decimal, Decimal's own ROUND_HALF_UP agrees.
    scaled = value * 10**digits
    if scaled.denominator in (1, 2, 4, 5, 8, 10):
        exact = Decimal(scaled.numerator) / Decimal(scaled.denominator)
        assert rounded == exact.quantize(Decimal(1), rounding=ROUND_HALF_UP).scaleb(-digits)


def test_to_float_converts_fractions_and_keeps_none():
    assert to_float(Fraction(49, 12)) == 49 / 12
    assert to_float(Fraction(1, 3)) == 1 / 3
    assert to_float(7) == 7.0 and isinstance(to_float(7), float)
    assert to_float(None) is None
