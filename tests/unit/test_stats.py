"""Delphi statistics (whitepaper.delphi.stats) against docs/methods.md §3 and against numpy."""

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whitepaper.delphi.stats import (
    RankingResult,
    agreement_stats,
    cv_change,
    kendall_w,
    mid_ranks,
    quantile_linear,
    stability,
)
from whitepaper.numbers import round_half_up

DESIGN_EXAMPLE = [2, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5]


# --- the docs/design.md §3.4 example ------------------------------------------------------------------


def test_design_example_gives_the_published_round_results():
    result = agreement_stats(DESIGN_EXAMPLE)
    assert result.n == 12
    assert result.median == 4
    assert result.q1 == Fraction(15, 4)
    assert result.q3 == 5
    assert result.iqr == Fraction(5, 4)
    assert result.mean == Fraction(49, 12)
    assert round_half_up(result.mean, 4) == Decimal("4.0833")
    assert round_half_up(result.sd, 4) == Decimal("0.9962")
    assert round_half_up(result.cv, 4) == Decimal("0.2440")
    assert result.percent_agreement == 75
    assert result.distribution == {1: 0, 2: 1, 3: 2, 4: 4, 5: 5}
    assert result.consensus is False
    assert result.consensus_outcome == "none"


# --- quantiles ----------------------------------------------------------------------------------------


def test_quantile_linear_interpolates_between_order_statistics():
    values = [1, 2, 4, 7]
    assert quantile_linear(values, 0) == 1
    assert quantile_linear(values, 1) == 7
    assert quantile_linear(values, Fraction(1, 2)) == 3
    assert quantile_linear(values, Fraction(1, 4)) == Fraction(7, 4)  # h = 0.75
    assert quantile_linear(values, Fraction(3, 10)) == Fraction(19, 10)  # h = 0.9
    assert quantile_linear([5], Fraction(7, 10)) == 5


def test_quantile_linear_refuses_no_values_and_p_outside_0_1():
    with pytest.raises(ValueError, match="^the quantile of no values is undefined$"):
        quantile_linear([], Fraction(1, 2))
    with pytest.raises(ValueError, match=r"^p must lie in 0\.\.1, not 11/10$"):
        quantile_linear([1, 2], Fraction(11, 10))
    with pytest.raises(ValueError, match=r"^p must lie in 0\.\.1, not -1/2$"):
        quantile_linear([1, 2], -0.5)


def test_quantile_linear_reads_a_float_p_as_the_decimal_it_prints():
    # 0.3 as a binary double is slightly below 3/10; read as printed, h = 0.9 exactly.
    assert quantile_linear([1, 2, 4, 7], 0.3) == Fraction(19, 10)
    assert quantile_linear([1, 2, 4, 7], 0.7) == quantile_linear([1, 2, 4, 7], Fraction(7, 10)) == Fraction(43, 10)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 9), min_size=1, max_size=60),
    st.fractions(min_value=0, max_value=1, max_denominator=100),
)
def test_quantile_linear_matches_numpy_linear_percentile(values, p):
    ordered = sorted(values)
    expected = np.percentile(np.array(values), float(p) * 100, method="linear")
    assert float(quantile_linear(ordered, p)) == pytest.approx(expected, rel=1e-12, abs=1e-12)


# --- agreement items against numpy --------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(1, 5)), max_size=80))
def test_agreement_statistics_match_numpy_on_five_point_ratings(ratings):
    result = agreement_stats(ratings)
    valid = np.array([r for r in ratings if r is not None], dtype=float)
    assert result.n == len(valid)
    if len(valid) == 0:
        return
    assert float(result.median) == pytest.approx(np.percentile(valid, 50, method="linear"))
    assert float(result.q1) == pytest.approx(np.percentile(valid, 25, method="linear"))
    assert float(result.q3) == pytest.approx(np.percentile(valid, 75, method="linear"))
    assert float(result.mean) == pytest.approx(valid.mean())
    if len(valid) >= 2:
        assert result.sd == pytest.approx(np.std(valid, ddof=1), rel=1e-12, abs=1e-12)
        assert result.cv == pytest.approx(np.std(valid, ddof=1) / valid.mean(), rel=1e-12, abs=1e-12)
    else:
        assert result.sd is None and result.cv is None
    assert float(result.percent_agreement) == pytest.approx(100 * np.mean(valid >= 4))
    assert sum(result.distribution.values()) == len(valid)
    assert all(result.distribution[p] == int(np.sum(valid == p)) for p in range(1, 6))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=80))
def test_rand_ucla_percentiles_match_numpy(ratings):
    detail = agreement_stats(ratings, 9, "rand_ucla").rand_ucla
    assert float(detail.p30) == pytest.approx(np.percentile(ratings, 30, method="linear"))
    assert float(detail.p70) == pytest.approx(np.percentile(ratings, 70, method="linear"))
    assert detail.ipr == detail.p70 - detail.p30
    assert detail.ipras == Fraction(47, 20) + Fraction(3, 2) * abs(5 - (detail.p30 + detail.p70) / 2)


# --- edge cases ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("ratings", [[], [None, None]])
@pytest.mark.parametrize("scale, rule", [(5, "default"), (9, "70_15"), (9, "rand_ucla")])
def test_no_valid_rating_leaves_every_statistic_undefined(ratings, scale, rule):
    result = agreement_stats(ratings, scale, rule)
    assert result.n == 0
    for name in ("median", "q1", "q3", "iqr", "mean", "sd", "cv", "percent_agreement"):
        assert getattr(result, name) is None, name
    assert result.distribution == {p: 0 for p in range(1, scale + 1)}
    assert result.consensus is False
    assert result.consensus_outcome == "none"


def test_one_rating_has_quartiles_but_no_standard_deviation():
    result = agreement_stats([4])
    assert (result.n, result.median, result.q1, result.q3, result.iqr) == (1, 4, 4, 4, 0)
    assert result.mean == 4
    assert result.sd is None
    assert result.cv is None


def test_two_ratings_have_a_standard_deviation():
    result = agreement_stats([2, 5])
    assert result.median == Fraction(7, 2)
    assert result.q1 == Fraction(11, 4)
    assert result.sd == pytest.approx(math.sqrt(4.5))


def test_identical_ratings_have_zero_spread_not_undefined():
    result = agreement_stats([3, 3, 3, 3])
    assert result.sd == 0.0
    assert result.cv == 0.0
    assert result.iqr == 0
    assert result.percent_agreement == 0


def test_dont_know_answers_are_excluded_from_n_and_every_statistic():
    with_dont_know = agreement_stats([None, 5, 5, None, 4, None])
    without = agreement_stats([5, 5, 4])
    assert with_dont_know == without
    assert with_dont_know.n == 3
    assert with_dont_know.percent_agreement == 100


def test_ties_are_counted_in_the_distribution():
    result = agreement_stats([1, 1, 1, 5, 5], band=(5, 5))
    assert result.distribution == {1: 3, 2: 0, 3: 0, 4: 0, 5: 2}
    assert result.percent_agreement == 40


def test_the_default_band_on_a_nine_point_scale_is_7_to_9():
    result = agreement_stats([6, 7, 8, 9], 9, "70_15")
    assert result.band == (7, 9)
    assert result.percent_agreement == 75


def test_a_round_may_set_its_own_agreement_band():
    assert agreement_stats([3, 4, 5, 5], band=(5, 5)).percent_agreement == 50
    assert agreement_stats([3, 4, 5, 5], band=(3, 5)).percent_agreement == 100


# --- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scale, rule",
    [(9, "default"), (5, "70_15"), (5, "rand_ucla"), (7, "default"), (5, "majority")],
)
def test_rule_and_scale_must_fit_together(scale, rule):
    with pytest.raises(ValueError):
        agreement_stats([3], scale, rule)


@pytest.mark.parametrize("bad", [0, 6, -1, True, 2.5, "4"])
def test_ratings_outside_the_scale_are_refused(bad):
    with pytest.raises(ValueError):
        agreement_stats([3, bad])


@pytest.mark.parametrize("band", [(0, 5), (4, 6), (5, 4)])
def test_an_agreement_band_outside_the_scale_is_refused(band):
    with pytest.raises(ValueError, match=rf"^the agreement band {band[0]}\.\.{band[1]} does not fit the scale 1\.\.5$"):
        agreement_stats([3], band=band)


def test_a_band_may_span_the_whole_scale_or_stop_below_its_top():
    assert agreement_stats([1, 2, 5, 5], band=(1, 5)).percent_agreement == 100
    assert agreement_stats([1, 2, 5, 5], band=(1, 1)).percent_agreement == 25
    assert agreement_stats([3, 4, 5, 5], band=(3, 4)).percent_agreement == 50
    assert agreement_stats([6, 7, 8, 9], 9, "70_15", band=(6, 8)).percent_agreement == 75


@pytest.mark.parametrize(
    "scale, rule, message",
    [
        (7, "default", r"^the agreement scale is 1\.\.5 or 1\.\.9, not 1\.\.7$"),
        (5, "majority", r"^unknown consensus rule 'majority'; use one of default, 70_15, rand_ucla, iqr1_sd15$"),
        (9, "default", r"^the 'default' rule needs a 5-point scale, not 9$"),
        (5, "rand_ucla", r"^the 'rand_ucla' rule needs a 9-point scale, not 5$"),
    ],
)
def test_rule_and_scale_errors_say_what_would_fit(scale, rule, message):
    with pytest.raises(ValueError, match=message):
        agreement_stats([3], scale, rule)


def test_a_rating_outside_the_scale_is_named_in_the_error():
    with pytest.raises(ValueError, match=r"^rating 6 is outside the scale 1\.\.5$"):
        agreement_stats([3, 6])
    with pytest.raises(ValueError, match=r"^rating '4' is outside the scale 1\.\.9$"):
        agreement_stats([3, "4"], 9, "70_15")


@pytest.mark.parametrize("scale, rule", [(5, "default"), (9, "70_15"), (9, "rand_ucla")])
def test_every_result_names_its_scale_rule_and_band_and_only_its_own_rule_detail(scale, rule):
    for ratings in ([], [scale, scale - 1, 1]):
        result = agreement_stats(ratings, scale, rule)
        assert (result.scale, result.rule, result.band) == (scale, rule, (4, 5) if scale == 5 else (7, 9))
        if ratings and rule == "70_15":
            assert result.seventy_fifteen is not None
        else:
            assert result.seventy_fifteen is None
        if ratings and rule == "rand_ucla":
            assert result.rand_ucla is not None
        else:
            assert result.rand_ucla is None


# --- default rule -------------------------------------------------------------------------------------


def test_default_rule_reaches_consensus_exactly_at_75_percent_and_iqr_1():
    result = agreement_stats([1, 4, 4, 5])
    assert result.percent_agreement == 75
    assert result.iqr == 1
    assert result.consensus is True
    assert result.consensus_outcome == "in"


def test_default_rule_needs_both_agreement_and_a_narrow_spread():
    below_agreement = agreement_stats([3, 3, 3, 4, 4, 4, 4, 4, 4, 4])
    assert below_agreement.percent_agreement == 70
    assert below_agreement.iqr <= 1
    assert below_agreement.consensus_outcome == "none"
    wide = agreement_stats(DESIGN_EXAMPLE)
    assert wide.percent_agreement >= 75 and wide.iqr > 1
    assert wide.consensus is False


# --- 70/15 rule ---------------------------------------------------------------------------------------


def ratings_9(high, low, middle=0):
    return [8] * high + [2] * low + [5] * middle


def test_70_15_rule_reaches_in_at_exactly_70_percent_high_with_few_low():
    result = agreement_stats(ratings_9(high=14, low=2, middle=4), 9, "70_15")
    assert result.seventy_fifteen.percent_7_9 == 70
    assert (result.consensus_outcome, result.consensus) == ("in", True)


def test_70_15_rule_misses_in_with_15_percent_low():
    result = agreement_stats(ratings_9(high=14, low=3, middle=3), 9, "70_15")
    assert result.seventy_fifteen.percent_1_3 == 15
    assert (result.consensus_outcome, result.consensus) == ("none", False)


def test_70_15_rule_misses_in_just_below_70_percent():
    result = agreement_stats(ratings_9(high=13, low=0, middle=7), 9, "70_15")
    assert result.consensus_outcome == "none"


def test_70_15_rule_reaches_out_when_70_percent_rate_low():
    result = agreement_stats(ratings_9(high=2, low=14, middle=4), 9, "70_15")
    assert (result.consensus_outcome, result.consensus) == ("out", True)
    result = agreement_stats(ratings_9(high=3, low=14, middle=3), 9, "70_15")
    assert result.consensus_outcome == "none"


def test_70_15_counts_the_whole_bands_1_3_and_7_9():
    result = agreement_stats([1, 2, 3, 7, 8, 9, 4, 5, 6, 9], 9, "70_15")
    assert result.seventy_fifteen.percent_7_9 == 40
    assert result.seventy_fifteen.percent_1_3 == 30


# --- RAND/UCLA ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("ratings", [[6, 6, 7, 7], [3, 3, 4, 4]])
def test_rand_ucla_median_of_6_5_or_3_5_is_uncertain(ratings):
    result = agreement_stats(ratings, 9, "rand_ucla")
    assert result.median in (Fraction(13, 2), Fraction(7, 2))
    assert result.rand_ucla.disagreement is False
    assert (result.consensus_outcome, result.consensus) == ("uncertain", False)


def test_rand_ucla_high_median_without_disagreement_is_appropriate():
    result = agreement_stats([7, 8, 8, 9, 9], 9, "rand_ucla")
    assert (result.consensus_outcome, result.consensus) == ("appropriate", True)


def test_rand_ucla_low_median_without_disagreement_is_inappropriate():
    result = agreement_stats([1, 2, 2, 3], 9, "rand_ucla")
    assert (result.consensus_outcome, result.consensus) == ("inappropriate", True)


def test_rand_ucla_disagreement_makes_a_high_median_uncertain():
    result = agreement_stats([1, 1, 1, 8, 9, 9, 9], 9, "rand_ucla")
    assert result.median == 8
    detail = result.rand_ucla
    assert (detail.p30, detail.p70, detail.ipr, detail.ai) == (1, 9, 8, 0)
    assert detail.ipras == Fraction(47, 20)
    assert detail.iprcp == 5
    assert detail.disagreement is True
    assert result.consensus_outcome == "uncertain"


def test_rand_ucla_ipr_equal_to_ipras_is_not_disagreement():
    # P30 = 2.6, P70 = 6, IPR = 3.4; IPRCP = 4.3, AI = 0.7, IPRAS = 2.35 + 1.05 = 3.4 exactly.
    result = agreement_stats([1, 1, 3, 3, 6, 6, 6], 9, "rand_ucla")
    detail = result.rand_ucla
    assert detail.ipr == detail.ipras == Fraction(17, 5)
    assert (detail.p30, detail.p70, detail.iprcp, detail.ai) == (Fraction(13, 5), 6, Fraction(43, 10), Fraction(7, 10))
    assert detail.disagreement is False
    assert result.consensus_outcome == "inappropriate"
    # One rating lower widens the range past its threshold: IPR 4.2 > IPRAS 4.0.
    wider = agreement_stats([1, 1, 2, 3, 6, 6, 6], 9, "rand_ucla")
    assert wider.rand_ucla.ipr == Fraction(21, 5)
    assert wider.rand_ucla.ipras == 4
    assert wider.consensus_outcome == "uncertain"


def test_rand_ucla_exact_boundary_also_holds_for_an_appropriate_item():
    result = agreement_stats([1, 4, 4, 7, 7, 9, 9], 9, "rand_ucla")
    assert result.rand_ucla.ipr == result.rand_ucla.ipras
    assert result.consensus_outcome == "appropriate"


# --- stability ----------------------------------------------------------------------------------------


def test_stability_counts_only_members_who_answered_in_both_rounds():
    previous = {"a": 4, "b": 5, "c": 3, "d": None, "f": 2}
    current = {"a": 4, "b": 4, "c": 3, "d": 5, "e": 2, "f": None}
    result = stability(previous, current)
    assert result.n_both == 3
    assert result.changed == 1
    assert result.changed_share == Fraction(1, 3)
    assert result.stable is False


def test_stability_is_stable_at_exactly_15_percent_changed():
    previous = {i: 3 for i in range(20)}
    current = {i: (4 if i < 3 else 3) for i in range(20)}
    assert stability(previous, current).changed_share == Fraction(3, 20)
    assert stability(previous, current).stable is True
    current[3] = 4
    assert stability(previous, current).stable is False


def test_stability_without_a_member_in_both_rounds_is_undefined():
    result = stability({"a": 3}, {"b": 4, "a": None})
    assert (result.n_both, result.changed, result.changed_share, result.stable) == (0, 0, None, None)


def test_cv_change_is_the_difference_and_undefined_when_either_cv_is():
    first = agreement_stats([1, 3, 5])
    second = agreement_stats([3, 3, 4])
    assert cv_change(first, second) == pytest.approx(second.cv - first.cv)
    assert cv_change(first, agreement_stats([4])) is None


# --- Kendall's W --------------------------------------------------------------------------------------


def test_perfect_agreement_gives_w_of_one():
    ranking = {"institutional": 1, "design": 2, "implementation": 3, "outcomes": 4, "sustainable_agenda": 5}
    result = kendall_w([ranking] * 4)
    assert result.w == 1
    assert result.r == 4 and result.c == 5
    assert result.mean_ranks["institutional"] == 1
    assert list(result.mean_ranks) == list(ranking)


def test_two_opposite_rankings_give_w_of_zero():
    result = kendall_w([{"a": 1, "b": 2, "c": 3}, {"a": 3, "b": 2, "c": 1}])
    assert result.w == 0
    assert set(result.mean_ranks.values()) == {2}


def test_w_with_ties_uses_the_tie_correction():
    # Rank sums a 3, b 6.5, c 8.5; S = 9 + 0.25 + 6.25 = 15.5; T = 2³ − 2 = 6;
    # W = 12 × 15.5 / (3² × 24 − 3 × 6) = 186 / 198 = 31/33.
    rankings = [{"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2, "c": 2}, {"a": 1, "b": 2, "c": 3}]
    result = kendall_w(rankings)
    assert result.ties == 6
    assert result.s == Fraction(31, 2)
    assert result.w == Fraction(31, 33)
    assert result.mean_ranks == {"a": 1, "b": Fraction(13, 6), "c": Fraction(17, 6)}


def test_tied_options_share_the_mean_of_the_ranks_they_span():
    assert mid_ranks({"a": 1, "b": 2, "c": 2, "d": 4}) == (
        {"a": 1, "b": Fraction(5, 2), "c": Fraction(5, 2), "d": 4},
        6,
    )
    # Dense ranks with a tie at the top are normalised the same way.
    assert mid_ranks({"a": 1, "b": 1, "c": 2}) == ({"a": Fraction(3, 2), "b": Fraction(3, 2), "c": 3}, 6)
    assert mid_ranks({"a": 2, "b": 2, "c": 2}) == ({"a": 2, "b": 2, "c": 2}, 24)


def test_w_is_undefined_when_its_denominator_is_zero():
    assert kendall_w([]) == RankingResult(r=0, c=0, mean_ranks={}, rank_sums={}, s=None, ties=0, w=None)
    assert kendall_w([{"a": 1}, {"a": 1}]).w is None
    assert kendall_w([{"a": 1, "b": 1}, {"a": 2, "b": 2}]).w is None


def test_rankings_of_different_options_are_refused():
    with pytest.raises(ValueError, match="^every ranking must rank the same options$"):
        kendall_w([{"a": 1, "b": 2}, {"a": 1, "c": 2}])
    with pytest.raises(ValueError, match="^every ranking must rank the same options$"):
        kendall_w([{"a": 1, "b": 2}, {"a": 1, "b": 2, "c": 3}])


def test_rank_sums_are_listed_with_the_mean_ranks_best_first():
    rankings = [{"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2, "c": 2}, {"a": 1, "b": 2, "c": 3}]
    result = kendall_w(rankings)
    assert result.rank_sums == {"a": 3, "b": Fraction(13, 2), "c": Fraction(17, 2)}
    assert list(result.rank_sums) == list(result.mean_ranks) == ["a", "b", "c"]


def test_options_with_equal_mean_ranks_are_listed_by_name():
    result = kendall_w([{"pear": 1, "fig": 2, "apple": 3}, {"pear": 2, "fig": 1, "apple": 3}])
    assert list(result.mean_ranks) == ["fig", "pear", "apple"]
    assert result.mean_ranks == {"fig": Fraction(3, 2), "pear": Fraction(3, 2), "apple": 3}


def test_ranks_may_be_any_finite_real_numbers_that_order_the_options():
    assert mid_ranks({"a": 0.5, "b": 2.5, "c": 2.5, "d": 10}) == (
        {"a": 1, "b": Fraction(5, 2), "c": Fraction(5, 2), "d": 4},
        6,
    )
    assert mid_ranks({"a": Fraction(1, 3), "b": Fraction(1, 4)}) == ({"a": 2, "b": 1}, 0)
    assert kendall_w([{"a": 1.0, "b": 2.0}, {"a": 1, "b": 2}]).w == 1


def test_options_need_only_be_hashable_not_comparable():
    # Tied options of different types are never compared with each other.
    ranks, ties = mid_ranks({None: 2, "design": 2, 3: 1, ("a", 1): 2})
    assert ranks == {3: 1, None: 3, "design": 3, ("a", 1): 3}
    assert ties == 24
    assert kendall_w([{None: 1, "x": 2}, {None: 1, "x": 2}]).w == 1


@pytest.mark.parametrize(
    "rank, message",
    [
        (True, "^a rank must be a number, not True$"),
        ("1", "^a rank must be a number, not '1'$"),
        (None, "^a rank must be a number, not None$"),
        (float("inf"), "^a rank must be finite, not inf$"),
        (float("nan"), "^a rank must be finite, not nan$"),
    ],
)
def test_ranks_that_are_not_finite_numbers_are_refused(rank, message):
    with pytest.raises(ValueError, match=message):
        mid_ranks({"a": 1, "b": rank})


def reference_w(rankings):
    """A straightforward, independent float implementation: mid-ranks by counting, then the formula."""
    options = list(rankings[0])
    r, c = len(rankings), len(options)
    sums = dict.fromkeys(options, 0.0)
    tie_total = 0
    for ranking in rankings:
        for option in options:
            less = sum(1 for other in options if ranking[other] < ranking[option])
            equal = sum(1 for other in options if ranking[other] == ranking[option])
            sums[option] += less + (equal + 1) / 2
        for group_value in set(ranking.values()):
            t = sum(1 for option in options if ranking[option] == group_value)
            tie_total += t**3 - t
    s = sum((total - r * (c + 1) / 2) ** 2 for total in sums.values())
    denominator = r * r * (c**3 - c) - r * tie_total
    return None if denominator == 0 else 12 * s / denominator, {o: sums[o] / r for o in options}


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda c: st.lists(
            st.lists(st.integers(1, c), min_size=c, max_size=c).map(
                lambda ranks: {f"option-{i}": rank for i, rank in enumerate(ranks)}
            ),
            min_size=1,
            max_size=15,
        )
    )
)
def test_kendall_w_matches_an_independent_implementation(rankings):
    expected_w, expected_means = reference_w(rankings)
    result = kendall_w(rankings)
    if expected_w is None:
        assert result.w is None
    else:
        assert float(result.w) == pytest.approx(expected_w, rel=1e-9, abs=1e-12)
        assert 0 <= result.w <= 1
    for option, mean in expected_means.items():
        assert float(result.mean_ranks[option]) == pytest.approx(mean)
