"""What a scorecard, a change and a regional comparison name and contain (whitepaper.assessment.scoring),
against docs/methods.md §2.9, §2.12, §2.13."""

from fractions import Fraction

import pytest

from whitepaper.assessment.scoring import (
    AlertSpec,
    CriterionSpec,
    DimensionChange,
    RatingInput,
    compare,
    regional_comparison,
    score_assessment,
)

DIMS = ("institutional", "design")


def card(institutional_level, design_level=None, dims=DIMS):
    criteria = [CriterionSpec("A-1", "institutional", 1, 3, 3)]
    ratings = {"A-1": RatingInput.of(institutional_level, True)}
    if "design" in dims:
        criteria.append(CriterionSpec("B-1", "design", 1, 3, 3))
        if design_level is not None:
            ratings["B-1"] = RatingInput.of(design_level, True)
    alert = AlertSpec("weak_plans", tuple(spec.code for spec in criteria))
    return score_assessment(criteria, ratings, [alert], dims, True)


def test_a_scorecard_lookup_of_an_unknown_key_names_it():
    scorecard = card(2)
    assert scorecard.criterion("B-1").status == "unrated"
    assert scorecard.dimension("design").score is None
    with pytest.raises(KeyError) as error:
        scorecard.criterion("Z-9")
    assert error.value.args == ("Z-9",)
    with pytest.raises(KeyError) as error:
        scorecard.dimension("outcomes")
    assert error.value.args == ("outcomes",)


def test_an_alert_result_carries_its_catalogue_key():
    assert [alert.key for alert in card(1, 3).alerts] == ["weak_plans"]


def test_the_overall_change_is_reported_under_its_own_name():
    previous, current = card(1, 3), card(3, 3)
    change = compare(previous, current)
    assert change.overall == DimensionChange("overall", Fraction(200, 3), Fraction(100), Fraction(100, 3))
    assert compare(card(1), card(2)).overall == DimensionChange(
        "overall", Fraction(100, 3), Fraction(200, 3), Fraction(100, 3)
    )


def test_regional_statistics_are_named_after_their_dimension_and_overall():
    cards = {"CRI": card(1, 3), "CHL": card(2), "MEX": card(3, 1)}
    regional = regional_comparison(cards, DIMS)
    assert regional.overall.key == "overall"
    assert [stat.key for stat in regional.dimensions] == ["institutional", "design"]
    # Overall scores: CRI (100/3 + 100)/2, CHL 200/3, MEX (100 + 100/3)/2, all 200/3.
    overall = regional.overall
    assert (overall.n, overall.countries) == (3, 3)
    assert (overall.mean, overall.minimum, overall.maximum) == (Fraction(200, 3),) * 3


def test_a_dimension_a_scorecard_lacks_counts_as_no_score_in_the_regional_comparison():
    cards = [("CRI", card(1, 3)), ("CHL", card(3, dims=("institutional",))), ("MEX", card(2, 2))]
    regional = regional_comparison(cards, DIMS)
    design = regional.dimensions[1]
    assert (design.key, design.n, design.countries) == ("design", 2, 2)
    assert (design.minimum, design.maximum) == (Fraction(200, 3), 100)


def test_a_criterion_result_carries_its_optimal_value_and_weight():
    spec = CriterionSpec("A-1", "institutional", 3, 5, 4)
    result = score_assessment([spec], {"A-1": RatingInput.of(2)}, [], DIMS, True).criterion("A-1")
    assert (result.optimal, result.weight, result.value, result.gap) == (4, 3, 2, 2)


def test_a_value_at_the_optimum_is_not_above_it():
    spec = CriterionSpec("A-1", "institutional", 1, 5, 4)
    at = score_assessment([spec], {"A-1": RatingInput.of(4)}, [], DIMS, True).criterion("A-1")
    above = score_assessment([spec], {"A-1": RatingInput.of(5)}, [], DIMS, True).criterion("A-1")
    assert (at.attainment, at.gap, at.above_optimal) == (1, 0, False)
    assert (above.attainment, above.gap, above.above_optimal) == (1, 0, True)
