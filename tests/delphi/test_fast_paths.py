"""The faster ways the results pages compute and print (issue 14) give exactly what the slower ones gave:
numbers formatted once per locale against Babel's own formatting, agreement statistics from counts against the
statistics of the ratings themselves, Kendall's W in integers against a plain rational computation, and the
chart's text cleaning against the character-by-character rule it replaced."""
from __future__ import annotations

import random
import unicodedata
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from babel import Locale
from babel.numbers import format_decimal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whitepaper import formatting
from whitepaper.charts import svg
from whitepaper.delphi import stats
from whitepaper.numbers import round_half_up

# --- numbers -------------------------------------------------------------------------------------------------


def babel_reference(value, digits: int, locale: str) -> str:
    """What formatting.number printed before issue 14: the exact rounding, then Babel with the pattern."""
    exact = value if isinstance(value, Fraction) else Fraction(value)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(round_half_up(exact, digits), format=pattern, locale=locale)


def many_values() -> list:
    rng = random.Random(14)
    values: list = [0, 1, -1, 5, 999, 1000, -1000, 999999, 1000000, 12345678901234, True, Fraction(1, 2),
                    Fraction(-1, 2), Fraction(1, 20), Fraction(-1, 20), Fraction(-1, 200), Fraction(2, 3),
                    Fraction(-5, 3), Fraction(100, 3), Fraction(200, 3), 0.05, -0.05, 66.65, 2.675, 1e-9, -1e-9,
                    123456.785, 0.1 + 0.2, Decimal("66.65"), Decimal("-0.049999"), Decimal("1234.5"),
                    Decimal("-999.95"), Decimal("0E-7")]
    for _ in range(1500):
        kind = rng.randrange(4)
        if kind == 0:
            values.append(Fraction(rng.randint(-10**9, 10**9), rng.randint(1, 10**4)))
        elif kind == 1:
            values.append(rng.uniform(-1e7, 1e7))
        elif kind == 2:
            values.append(rng.randint(-10**12, 10**12))
        else:
            values.append(Decimal(rng.randint(-10**8, 10**8)).scaleb(-rng.randint(0, 6)))
    return values


@pytest.mark.parametrize("locale", ["es", "en", "fr", "de_CH"])
def test_the_number_format_of_a_locale_prints_exactly_what_babel_prints(locale):
    fmt = formatting.NumberFormat(Locale.parse(locale))
    # the platform's two languages are formatted by the fast path; Babel drops de_CH's "'" group symbol (it reads
    # quotes in its output as pattern quotes), the check sees it, and Babel itself formats that locale
    assert fmt.exact == (locale != "de_CH")
    for value in many_values():
        for digits in (0, 1, 2, 3):
            assert fmt.format(value, digits) == babel_reference(value, digits, locale), (value, digits)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_num_filter_in_a_request_prints_babels_strings_in_the_readers_language(app, lang):
    with app.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        for value in many_values()[:400]:
            for digits in (1, 2):
                assert formatting.number(value, digits) == babel_reference(value, digits, lang)
        assert formatting.number(None) == formatting.DASH
        assert formatting.number(Fraction(12345, 10)) == {"es": "1.234,5", "en": "1,234.5"}[lang]


def test_values_that_cannot_be_rounded_fail_as_before():
    fmt = formatting.NumberFormat(Locale.parse("en"))
    for value in (float("nan"), float("inf"), Decimal("NaN")):
        with pytest.raises((ValueError, OverflowError)):
            fmt.format(value)


def test_a_locale_whose_symbols_do_not_reproduce_babel_is_formatted_by_babel(monkeypatch):
    monkeypatch.setattr(formatting, "get_group_symbol", lambda locale: "#")  # a wrong symbol: the check catches it
    fmt = formatting.NumberFormat(Locale.parse("en"))
    assert not fmt.exact
    assert fmt.format(Fraction(12345, 10)) == "1,234.5"


# --- agreement statistics and Kendall's W ---------------------------------------------------------------------

ratings_5 = st.lists(st.one_of(st.none(), st.integers(1, 5)), max_size=60)
ratings_9 = st.lists(st.one_of(st.none(), st.integers(1, 9)), max_size=60)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ratings=st.one_of(ratings_5.map(lambda r: (r, 5)), ratings_9.map(lambda r: (r, 9))),
       rule_pick=st.integers(0, 1))
def test_statistics_from_counts_are_the_statistics_of_the_ratings(ratings, rule_pick):
    values, scale = ratings
    rule = "default" if scale == 5 else ("70_15", "rand_ucla")[rule_pick]
    valid = sorted(v for v in values if v is not None)
    from_counts = stats.agreement_stats_from_counts(Counter(valid), scale, rule)
    assert from_counts == stats.agreement_stats(values, scale, rule)
    if valid:  # and the quantiles are those of the generic interpolation, on the sorted ratings
        assert from_counts.median == stats.quantile_linear(valid, Fraction(1, 2))
        assert from_counts.q1 == stats.quantile_linear(valid, Fraction(1, 4))
        assert from_counts.q3 == stats.quantile_linear(valid, Fraction(3, 4))
        assert from_counts.mean == Fraction(sum(valid), len(valid))
        assert from_counts.sd == stats.sample_sd(valid)


def test_counts_outside_the_scale_are_refused_like_ratings_outside_it():
    with pytest.raises(ValueError):
        stats.agreement_stats_from_counts({6: 1}, 5)
    with pytest.raises(ValueError):
        stats.agreement_stats_from_counts({3: -1}, 5)


def plain_kendall(rankings):
    """Kendall's W written out with rationals and nothing clever (ties share the mean of their positions)."""
    options = list(rankings[0])
    r, c = len(rankings), len(options)
    sums = {o: Fraction(0) for o in options}
    ties = 0
    for ranking in rankings:
        for option in options:
            below = sum(1 for other in options if ranking[other] < ranking[option])
            same = sum(1 for other in options if ranking[other] == ranking[option])
            sums[option] += Fraction(2 * below + same + 1, 2)
        ties += sum(t ** 3 - t for t in Counter(ranking.values()).values())
    s = sum((total - Fraction(r * (c + 1), 2)) ** 2 for total in sums.values())
    denominator = r * r * (c ** 3 - c) - r * ties
    return sums, ties, s, (None if denominator == 0 else 12 * s / denominator)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(1, 5).flatmap(lambda c: st.lists(
    st.lists(st.integers(1, c), min_size=c, max_size=c), min_size=1, max_size=12)))
def test_kendalls_w_in_integers_is_the_plain_rational_computation(raw):
    rankings = [{f"o{i}": rank for i, rank in enumerate(ranks)} for ranks in raw]
    result = stats.kendall_w(rankings)
    sums, ties, s, w = plain_kendall(rankings)
    assert result.rank_sums == sums and result.ties == ties and result.s == s and result.w == w
    assert result.mean_ranks == {o: sums[o] / len(rankings) for o in result.mean_ranks}
    assert list(result.mean_ranks) == sorted(sums, key=lambda o: (sums[o], o))


# --- chart text -----------------------------------------------------------------------------------------------


def clean_by_characters(text: str) -> str:
    """The rule of charts.svg._clean, one character at a time."""
    kept = []
    for ch in text:
        cp = ord(ch)
        if ch in "\t\n\r" or unicodedata.category(ch) in ("Zl", "Zp"):
            kept.append(" ")
        elif cp < 0x20 or 0x7F <= cp <= 0x9F or 0xD800 <= cp <= 0xDFFF or cp in (0xFFFE, 0xFFFF):
            continue
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())


def test_cleaning_a_label_treats_every_code_point_as_the_character_rule_does():
    for start in range(0, 0x110000, 2048):
        text = " x\u00a0".join(chr(cp) for cp in range(start, min(start + 2048, 0x110000)))
        assert svg._clean(text) == clean_by_characters(text), hex(start)
    assert svg._clean("  a\tb\u2028c\x00d\x85e  ") == "a b cde"


def test_a_remembered_wrap_is_never_changed_by_its_callers():
    first = svg._wrap("Totalmente en desacuerdo con esto", 60, 10)
    first.append("changed")
    first[0] = "changed"
    again = svg._wrap("Totalmente en desacuerdo con esto", 60, 10)
    assert "changed" not in again
    assert again == list(svg._wrapped.__wrapped__("Totalmente en desacuerdo con esto", 60.0, 10.0, 3, False))


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.tuples(st.integers(1, 4), st.sampled_from([int, float, Fraction])), min_size=4,
                         max_size=4), min_size=1, max_size=8))
def test_ranks_of_any_number_type_tie_and_order_by_their_value(raw):
    as_ints = [{f"o{i}": rank for i, (rank, _kind) in enumerate(ranks)} for ranks in raw]
    mixed = [{f"o{i}": kind(rank) for i, (rank, kind) in enumerate(ranks)} for ranks in raw]
    assert stats.kendall_w(mixed) == stats.kendall_w(as_ints)
