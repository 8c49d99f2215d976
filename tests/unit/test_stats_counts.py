"""Delphi statistics from stored counts, the sample standard deviation and the small-cell rule
(whitepaper.delphi.stats) against docs/methods.md §3.3, §3.10."""

import math
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whitepaper.delphi.stats import (
    agreement_stats,
    agreement_stats_from_counts,
    check_min_cell_size,
    sample_sd,
    visible_groups,
)
from whitepaper.numbers import round_half_up

DESIGN_EXAMPLE = [2, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5]


# --- statistics from counts per scale point -----------------------------------------------------------


def test_counts_of_the_design_example_give_its_published_results():
    result = agreement_stats_from_counts({2: 1, 3: 2, 4: 4, 5: 5})
    assert (result.n, result.median, result.q1, result.q3) == (12, 4, Fraction(15, 4), 5)
    assert result.mean == Fraction(49, 12)
    assert round_half_up(result.sd, 4) == Decimal("0.9962")
    assert result.percent_agreement == 75
    assert result.distribution == {1: 0, 2: 1, 3: 2, 4: 4, 5: 5}
    assert (result.consensus, result.consensus_outcome) == (False, "none")
    assert result == agreement_stats(DESIGN_EXAMPLE)


def test_points_left_out_or_counted_zero_are_the_same():
    assert agreement_stats_from_counts({4: 3, 5: 1}) == agreement_stats_from_counts({1: 0, 2: 0, 4: 3, 5: 1})


@pytest.mark.parametrize("scale, rule", [(5, "default"), (9, "70_15"), (9, "rand_ucla")])
def test_no_counts_leave_every_statistic_undefined(scale, rule):
    for counts in ({}, {1: 0, scale: 0}):
        result = agreement_stats_from_counts(counts, scale, rule)
        assert result.n == 0
        assert (result.median, result.sd, result.percent_agreement) == (None, None, None)
        assert result.distribution == dict.fromkeys(range(1, scale + 1), 0)
        assert (result.consensus, result.consensus_outcome) == (False, "none")


def test_counts_follow_the_rule_scale_and_band_of_the_round():
    seventy = agreement_stats_from_counts({8: 14, 2: 2, 5: 4}, 9, "70_15")
    assert seventy.band == (7, 9)
    assert (seventy.seventy_fifteen.percent_7_9, seventy.seventy_fifteen.percent_1_3) == (70, 10)
    assert (seventy.consensus_outcome, seventy.consensus) == ("in", True)
    rand = agreement_stats_from_counts({1: 2, 3: 2, 6: 3}, 9, "rand_ucla")
    assert rand.rand_ucla.ipr == rand.rand_ucla.ipras == Fraction(17, 5)
    assert rand.consensus_outcome == "inappropriate"
    own_band = agreement_stats_from_counts({3: 1, 4: 1, 5: 2}, band=(5, 5))
    assert (own_band.band, own_band.percent_agreement) == ((5, 5), 50)


@pytest.mark.parametrize(
    "point, message",
    [(0, "rating 0 is outside the scale 1..5"), (6, "rating 6 is outside the scale 1..5"),
     (True, "rating True is outside"), ("4", "rating '4' is outside"), (2.0, "rating 2.0 is outside")],
)
def test_counts_for_points_outside_the_scale_are_refused(point, message):
    with pytest.raises(ValueError, match=message):
        agreement_stats_from_counts({3: 1, point: 1})


@pytest.mark.parametrize("count", [-1, True, 1.0, "2", None])
def test_counts_must_be_whole_numbers_of_ratings(count):
    with pytest.raises(ValueError, match=rf"the count of rating 4 must be a whole number, not {count!r}"):
        agreement_stats_from_counts({3: 1, 4: count})


def test_counts_refuse_a_rule_or_band_that_does_not_fit_the_scale():
    with pytest.raises(ValueError, match="needs a 9-point scale"):
        agreement_stats_from_counts({3: 1}, 5, "70_15")
    with pytest.raises(ValueError, match="band 4..6 does not fit"):
        agreement_stats_from_counts({3: 1}, band=(4, 6))


ratings_on_a_scale = st.sampled_from([(5, "default"), (9, "70_15"), (9, "rand_ucla")]).flatmap(
    lambda sr: st.tuples(st.just(sr), st.lists(st.integers(1, sr[0]), max_size=60))
)


@settings(max_examples=200, deadline=None)
@given(ratings_on_a_scale)
def test_counts_give_exactly_what_the_ratings_give(case):
    (scale, rule), ratings = case
    assert agreement_stats_from_counts(Counter(ratings), scale, rule) == agreement_stats(ratings, scale, rule)


# --- the sample standard deviation --------------------------------------------------------------------


def test_sample_sd_divides_by_n_minus_one():
    assert sample_sd([2, 5]) == math.sqrt(4.5)
    assert sample_sd([1, 2, 3, 4]) == math.sqrt(Fraction(5, 3))
    assert round_half_up(sample_sd(DESIGN_EXAMPLE), 4) == Decimal("0.9962")


def test_sample_sd_is_zero_for_equal_values_and_undefined_below_two():
    assert sample_sd([3, 3, 3]) == 0.0
    assert sample_sd([4]) is None
    assert sample_sd([]) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=2, max_size=60))
def test_sample_sd_matches_numpy(values):
    assert sample_sd(values) == pytest.approx(np.std(values, ddof=1), rel=1e-12, abs=1e-12)
    assert sample_sd(values) == agreement_stats(values, 9, "70_15").sd


# --- the small-cell rule ------------------------------------------------------------------------------


def test_the_minimum_cell_size_is_an_integer_of_at_least_three():
    assert check_min_cell_size(3) == 3
    assert check_min_cell_size(10) == 10
    for bad in (2, 0, -3, True, 3.0, "3", None):
        with pytest.raises(ValueError, match=rf"the minimum cell size is an integer of at least 3, not {bad!r}"):
            check_min_cell_size(bad)


def test_every_group_at_the_minimum_shows_every_group():
    counts = {"south_america": 3, "caribbean": 7, "central_america_mexico": 4}
    assert visible_groups(counts, 3) == frozenset(counts)
    assert visible_groups(counts, 3, full=True) == frozenset(counts)


def test_one_small_group_hides_every_group_from_members_but_not_from_facilitators():
    counts = {"south_america": 5, "caribbean": 2, "central_america_mexico": 4}
    assert visible_groups(counts, 3) == frozenset()
    assert visible_groups(counts, 3, full=True) == {"south_america", "central_america_mexico"}


def test_a_group_with_a_single_rating_hides_the_breakdown_from_members():
    counts = {"south_america": 9, "caribbean": 1}
    assert visible_groups(counts, 3) == frozenset()
    assert visible_groups(counts, 3, full=True) == {"south_america"}


def test_empty_groups_hide_nothing_and_show_nothing():
    counts = {"south_america": 6, "caribbean": 0, None: 3}
    assert visible_groups(counts, 3) == {"south_america", None}
    assert visible_groups({"south_america": 0}, 3) == frozenset()


def test_a_committee_may_raise_the_minimum_cell_size():
    counts = {"south_america": 5, "caribbean": 4}
    assert visible_groups(counts, 4) == {"south_america", "caribbean"}
    assert visible_groups(counts, 5) == frozenset()
    assert visible_groups(counts, 5, full=True) == {"south_america"}


def test_the_small_cell_rule_refuses_bad_minimums_and_counts():
    with pytest.raises(ValueError, match="at least 3, not 2"):
        visible_groups({"caribbean": 5}, 2)
    for bad in (-1, True, 2.0, None):
        with pytest.raises(ValueError, match=rf"group 'caribbean' has an invalid count {bad!r}"):
            visible_groups({"south_america": 4, "caribbean": bad}, 3)
