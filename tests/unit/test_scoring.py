"""Self-evaluation scoring (whitepaper.assessment.scoring) against docs/methods.md §2."""

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whitepaper.assessment.scoring import (
    AlertSpec,
    CriterionSpec,
    RatingInput,
    alert_severity,
    band,
    compare,
    divergent,
    regional_comparison,
    score_assessment,
)

DIMS = ("institutional", "design", "implementation", "outcomes", "sustainable_agenda")
TINY = Fraction(1, 10**9)


def levels(code, dim="institutional", k=3, optimal=None, weight=1):
    return CriterionSpec(code, dim, weight, k, optimal or k, "levels")


def elements(code, dim="institutional", e=6, optimal=None, weight=1):
    return CriterionSpec(code, dim, weight, e, optimal or e, "elements")


def value(v, complete=True):
    return RatingInput.of(v, complete)


def na(complete=True):
    return RatingInput.not_applicable(complete)


def no_info(complete=True):
    return RatingInput.no_information(complete)


def score(criteria, ratings, alerts=(), dims=DIMS, validated=True):
    return score_assessment(criteria, ratings, alerts, dims, validated)


# --- bands --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "score_value, expected",
    [
        (Fraction(0), "incipient"),
        (Fraction(100, 3) - TINY, "incipient"),
        (Fraction(100, 3), "developing"),
        (Fraction(200, 3) - TINY, "developing"),
        (Fraction(200, 3), "consolidated"),
        (Fraction(100) - TINY, "consolidated"),
        (Fraction(100), "optimal"),
    ],
)
def test_band_boundaries_are_exact(score_value, expected):
    assert band(score_value) == expected


def test_band_refuses_scores_outside_zero_to_hundred():
    with pytest.raises(ValueError):
        band(Fraction(-1, 10))
    with pytest.raises(ValueError):
        band(Fraction(1001, 10))


@pytest.mark.parametrize(
    "alert_value, expected",
    [
        (Fraction(0), "red"),
        (Fraction(100, 3) - TINY, "red"),
        (Fraction(100, 3), "orange"),
        (Fraction(200, 3) - TINY, "orange"),
        (Fraction(200, 3), "yellow"),
        (Fraction(100) - TINY, "yellow"),
        (Fraction(100), "green"),
        (None, None),
    ],
)
def test_alert_severity_boundaries_are_exact(alert_value, expected):
    assert alert_severity(alert_value) == expected


# --- dimension scores ---------------------------------------------------------------------------------


def test_every_criterion_at_level_one_of_three_scores_exactly_one_third_and_is_developing():
    criteria = [levels("A-1"), levels("A-2"), levels("A-3")]
    card = score(criteria, {c.code: value(1) for c in criteria})
    institutional = card.dimension("institutional")
    assert institutional.score == Fraction(100, 3)
    assert institutional.band == "developing"


def test_every_criterion_at_level_two_of_three_scores_exactly_two_thirds_and_is_consolidated():
    criteria = [levels("A-1"), levels("A-2")]
    card = score(criteria, {c.code: value(2) for c in criteria})
    assert card.dimension("institutional").score == Fraction(200, 3)
    assert card.dimension("institutional").band == "consolidated"


def test_only_all_criteria_at_the_optimum_make_a_dimension_optimal():
    criteria = [levels("A-1", k=4), levels("A-2", k=5, optimal=4)]
    card = score(criteria, {"A-1": value(4), "A-2": value(4)})
    assert card.dimension("institutional").score == 100
    assert card.dimension("institutional").band == "optimal"
    card = score(criteria, {"A-1": value(3), "A-2": value(4)})
    assert card.dimension("institutional").band == "consolidated"


def test_attainment_is_the_value_over_the_optimal_value():
    criteria = [levels("A-1", k=4), levels("A-2", k=4, optimal=3), elements("A-3", e=8, optimal=6)]
    card = score(criteria, {"A-1": value(2), "A-2": value(2), "A-3": value(3)})
    assert card.criterion("A-1").attainment == Fraction(1, 2)
    assert card.criterion("A-2").attainment == Fraction(2, 3)
    assert card.criterion("A-3").attainment == Fraction(1, 2)
    # 100 × (1/2 + 2/3 + 1/2) / 3
    assert card.dimension("institutional").score == Fraction(500, 9)


def test_a_value_above_the_optimum_gives_no_extra_credit_and_is_shown():
    criteria = [levels("A-1", k=5, optimal=3), levels("A-2", k=5, optimal=3)]
    card = score(criteria, {"A-1": value(5), "A-2": value(1)})
    above = card.criterion("A-1")
    assert above.attainment == 1
    assert above.above_optimal is True
    assert above.gap == 0
    assert above.value == 5
    assert card.criterion("A-2").above_optimal is False
    assert card.dimension("institutional").score == Fraction(100 * (1 + Fraction(1, 3)), 2)


def test_no_information_counts_as_zero_and_marks_the_dimension():
    criteria = [levels("A-1"), levels("A-2"), levels("B-1", "design")]
    card = score(criteria, {"A-1": value(3), "A-2": no_info(), "B-1": value(3)})
    institutional = card.dimension("institutional")
    assert institutional.score == 50
    assert institutional.rests_on_missing_information is True
    assert institutional.no_information == 1
    assert institutional.rated == 1
    assert card.dimension("design").rests_on_missing_information is False
    missing = card.criterion("A-2")
    assert missing.value is None
    assert missing.attainment == 0
    assert missing.gap == 3
    assert missing.status == "no_information"


def test_not_applicable_is_left_out_of_the_average_and_counted():
    criteria = [levels("A-1"), levels("A-2"), levels("A-3")]
    card = score(criteria, {"A-1": value(3), "A-2": na(), "A-3": value(2)})
    institutional = card.dimension("institutional")
    assert institutional.score == Fraction(100 * (1 + Fraction(2, 3)), 2)
    assert institutional.not_applicable == 1
    assert institutional.rated == 2
    assert institutional.rests_on_missing_information is False
    assert card.criterion("A-2").attainment is None
    assert card.criterion("A-2").gap is None
    assert card.criterion("A-2").flagged is False


def test_unrated_criteria_are_left_out_of_the_average_and_counted():
    criteria = [levels("A-1"), levels("A-2")]
    card = score(criteria, {"A-1": value(1)})
    institutional = card.dimension("institutional")
    assert institutional.score == Fraction(100, 3)
    assert institutional.unrated == 1
    assert card.criterion("A-2").status == "unrated"
    assert card.criterion("A-2").attainment is None


def test_the_four_counts_add_up_to_the_dimensions_criteria():
    criteria = [levels(f"A-{i}") for i in range(1, 6)]
    ratings = {"A-1": value(2), "A-2": value(3), "A-3": na(), "A-4": no_info()}
    d = score(criteria, ratings).dimension("institutional")
    assert (d.rated, d.not_applicable, d.no_information, d.unrated) == (2, 1, 1, 1)
    assert d.rated + d.not_applicable + d.no_information + d.unrated == 5
    assert d.criteria == ("A-1", "A-2", "A-3", "A-4", "A-5")


def test_a_dimension_without_a_scorable_criterion_has_no_score_never_zero():
    criteria = [levels("A-1"), levels("A-2"), levels("B-1", "design")]
    card = score(criteria, {"A-1": na(), "B-1": value(3)})
    assert card.dimension("institutional").score is None
    assert card.dimension("institutional").band is None
    # Dimensions without any criterion in this version have no score either.
    assert card.dimension("outcomes").score is None
    assert card.dimension("outcomes").rated == 0
    assert card.overall.score == 100


def test_weights_are_applied_within_a_dimension():
    criteria = [levels("A-1", weight=3), levels("A-2", weight=1)]
    card = score(criteria, {"A-1": value(3), "A-2": no_info()})
    assert card.dimension("institutional").score == 75


def test_overall_score_is_the_unweighted_mean_of_the_dimension_scores():
    criteria = [levels("A-1"), levels("B-1", "design"), levels("B-2", "design"), levels("B-3", "design")]
    ratings = {"A-1": value(3), "B-1": value(1), "B-2": value(1), "B-3": value(1)}
    card = score(criteria, ratings)
    # Dimensions 100 and 100/3 average to 200/3; pooling the four criteria would give 50.
    assert card.overall.score == Fraction(200, 3)
    assert card.overall.band == "consolidated"


def test_overall_score_is_none_when_no_dimension_has_a_score():
    card = score([levels("A-1")], {"A-1": na()})
    assert card.overall.score is None
    assert card.overall.band is None


def test_dimensions_come_in_the_order_given():
    card = score([levels("A-1")], {}, dims=("outcomes", "institutional"))
    assert [d.key for d in card.dimensions] == ["outcomes", "institutional"]


# --- element-scored criteria and validation -----------------------------------------------------------


def test_element_scored_criterion_may_have_no_favourable_element():
    card = score([elements("A-1", e=4)], {"A-1": value(0)})
    assert card.criterion("A-1").attainment == 0
    assert card.criterion("A-1").gap == 4
    assert card.dimension("institutional").score == 0
    assert card.dimension("institutional").band == "incipient"


@pytest.mark.parametrize(
    "spec, bad_value",
    [
        (levels("A-1", k=3), 0),
        (levels("A-1", k=3), 4),
        (levels("A-1", k=5), -1),
        (elements("A-1", e=4), 5),
        (elements("A-1", e=4), -1),
    ],
)
def test_a_value_outside_the_criterions_range_is_refused(spec, bad_value):
    with pytest.raises(ValueError, match="A-1"):
        score([spec], {"A-1": value(bad_value)})


def test_inconsistent_inputs_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="unknown criterion X-9"):
        score([levels("A-1")], {"X-9": value(1)})
    with pytest.raises(ValueError, match="unknown dimension"):
        score([levels("A-1", "nowhere")], {})
    with pytest.raises(ValueError, match="unknown criteria: X-9"):
        score([levels("A-1")], {}, alerts=[AlertSpec("a", ("A-1", "X-9"))])
    with pytest.raises(ValueError, match="twice"):
        score([levels("A-1"), levels("A-1")], {})


def test_criterion_specs_and_ratings_validate_themselves():
    with pytest.raises(ValueError):
        CriterionSpec("A-1", "institutional", 1, 3, 4)  # optimal above k
    with pytest.raises(ValueError):
        CriterionSpec("A-1", "institutional", 0, 3, 3)  # weight must be positive
    with pytest.raises(ValueError):
        CriterionSpec("A-1", "institutional", 1, 3, 3, "stars")
    with pytest.raises(ValueError):
        RatingInput("value", None)
    with pytest.raises(ValueError):
        RatingInput("not_applicable", 2)
    with pytest.raises(ValueError):
        RatingInput("guess", None)


# --- flags and alerts ---------------------------------------------------------------------------------


def test_a_criterion_is_flagged_when_its_attainment_is_below_its_dimension_score():
    criteria = [levels("A-1"), levels("A-2"), levels("A-3"), levels("B-1", "design")]
    ratings = {"A-1": value(3), "A-2": value(2), "A-3": no_info(), "B-1": value(1)}
    card = score(criteria, ratings)
    # institutional = 100 × (1 + 2/3 + 0) / 3 = 55.6
    assert card.criterion("A-1").flagged is False
    assert card.criterion("A-2").flagged is False  # 66.7 is above 55.6
    assert card.criterion("A-3").flagged is True  # no information counts as 0
    assert card.criterion("B-1").flagged is False  # equal to its dimension's score: not below


def test_no_criterion_is_flagged_when_all_sit_at_the_same_level():
    criteria = [levels("A-1"), levels("A-2")]
    card = score(criteria, {"A-1": value(1), "A-2": value(1)})
    assert not any(c.flagged for c in card.criteria)


def test_flag_compares_exact_values_not_rounded_ones():
    # Dimension score 100 × (1/3 + 1/3 + 1/3 + 1 + 1/2) / 5 = 50; A-5 (2 of 4) equals it exactly.
    criteria = [levels("A-1"), levels("A-2"), levels("A-3"), levels("A-4"), levels("A-5", k=4)]
    ratings = {"A-1": value(1), "A-2": value(1), "A-3": value(1), "A-4": value(3), "A-5": value(2)}
    card = score(criteria, ratings)
    assert card.dimension("institutional").score == 50
    assert card.criterion("A-5").flagged is False
    assert card.criterion("A-1").flagged is True


def test_named_alert_is_raised_by_any_flagged_criterion_and_names_its_criteria():
    criteria = [levels("A-1"), levels("A-2"), levels("A-3", k=4), levels("B-1", "design")]
    ratings = {"A-1": value(3), "A-2": value(3), "A-3": value(1), "B-1": value(2)}
    alerts = [AlertSpec("planes_no_se_implementan", ("A-3", "B-1")), AlertSpec("calm", ("A-1", "B-1"))]
    card = score(criteria, ratings, alerts)
    raised, calm = card.alerts
    assert raised.raised is True
    assert raised.criteria == ("A-3", "B-1")
    assert raised.flagged_criteria == ("A-3",)
    # 100 × (1/4 + 2/3) / 2, unweighted
    assert raised.value == Fraction(275, 6)
    assert raised.severity == "orange"
    assert calm.raised is False
    assert calm.value == Fraction(250, 3)
    assert calm.severity == "yellow"


def test_alert_value_ignores_weights_and_not_applicable_criteria():
    criteria = [levels("A-1", weight=5), levels("A-2"), levels("A-3")]
    ratings = {"A-1": value(3), "A-2": no_info(), "A-3": na()}
    card = score(criteria, ratings, [AlertSpec("x", ("A-1", "A-2", "A-3"))])
    assert card.alerts[0].value == 50


@pytest.mark.parametrize(
    "ratings, expected_value, expected_severity",
    [
        ({"A-1": value(1), "A-2": value(1), "A-3": value(1)}, Fraction(100, 3), "orange"),
        ({"A-1": value(1), "A-2": value(1), "A-3": no_info()}, Fraction(200, 9), "red"),
        ({"A-1": value(2), "A-2": value(2), "A-3": value(2)}, Fraction(200, 3), "yellow"),
        ({"A-1": value(3), "A-2": value(3), "A-3": value(3)}, Fraction(100), "green"),
        ({"A-1": value(3), "A-2": value(3), "A-3": value(2)}, Fraction(800, 9), "yellow"),
    ],
)
def test_alert_severity_follows_its_exact_value(ratings, expected_value, expected_severity):
    criteria = [levels("A-1"), levels("A-2"), levels("A-3")]
    card = score(criteria, ratings, [AlertSpec("x", ("A-1", "A-2", "A-3"))])
    assert card.alerts[0].value == expected_value
    assert card.alerts[0].severity == expected_severity


def test_alert_without_any_scorable_criterion_has_no_value_and_is_not_raised():
    criteria = [levels("A-1"), levels("A-2"), levels("A-3")]
    ratings = {"A-1": na(), "A-3": value(1)}
    card = score(criteria, ratings, [AlertSpec("x", ("A-1", "A-2"))])
    assert card.alerts[0].value is None
    assert card.alerts[0].severity is None
    assert card.alerts[0].raised is False


# --- gaps, strengths, priorities ----------------------------------------------------------------------


def test_gaps_are_listed_by_largest_shortfall_then_code():
    criteria = [
        levels("A-2", k=3),  # 1/3: shortfall 2/3
        levels("A-1", k=4),  # 2/4: shortfall 1/2
        elements("B-9", "design", e=6),  # 2/6: shortfall 2/3, same as A-2
        levels("B-1", "design", k=5),  # 5/5: no gap
        levels("C-1", "outcomes", k=5, optimal=3),  # 4 ≥ 3: no gap
        levels("C-2", "outcomes"),  # no information: shortfall 1
        levels("C-3", "outcomes"),  # not applicable: no gap
    ]
    ratings = {
        "A-2": value(1),
        "A-1": value(2),
        "B-9": value(2),
        "B-1": value(5),
        "C-1": value(4),
        "C-2": no_info(),
        "C-3": na(),
    }
    card = score(criteria, ratings)
    assert [c.code for c in card.gaps] == ["C-2", "A-2", "B-9", "A-1"]
    assert [c.gap for c in card.gaps] == [3, 2, 4, 2]
    assert [c.code for c in card.strengths] == ["B-1", "C-1"]
    assert [c.code for c in card.priorities] == ["C-2", "A-2", "B-9", "A-1"]
    assert [c.attainment for c in card.priorities] == sorted(c.attainment for c in card.priorities)


# --- completeness and provisional ---------------------------------------------------------------------


def test_completeness_counts_complete_ratings_over_all_criteria_of_the_version():
    criteria = [levels("A-1"), levels("A-2"), levels("A-3"), levels("A-4")]
    ratings = {"A-1": value(2), "A-2": na(), "A-3": value(1, complete=False)}
    card = score(criteria, ratings, validated=True)
    assert card.completeness == Fraction(2, 4)
    assert card.provisional is True


def test_a_complete_but_unvalidated_assessment_is_provisional():
    criteria = [levels("A-1"), levels("A-2")]
    ratings = {"A-1": value(2), "A-2": no_info()}
    assert score(criteria, ratings, validated=False).provisional is True
    card = score(criteria, ratings, validated=True)
    assert card.completeness == 1
    assert card.provisional is False


def test_an_incomplete_rating_still_counts_in_the_scores():
    card = score([levels("A-1")], {"A-1": value(2, complete=False)})
    assert card.dimension("institutional").score == Fraction(200, 3)
    assert card.criterion("A-1").complete is False


def test_an_empty_version_is_never_complete():
    card = score([], {}, validated=True)
    assert card.completeness == 0
    assert card.provisional is True
    assert card.overall.score is None


# --- workshop groups ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "group_values, expected",
    [
        ([1, 3], True),
        ([1, 2], False),
        ([2, 2, 4], True),
        ([4, 3, 5], True),
        ([3, 3], False),
        ([0, 2], True),  # elements: none favourable against two
        ([None, 1, 3], True),
        ([None, 3], False),
        ([], False),
    ],
)
def test_divergent_when_two_groups_differ_by_two_or_more(group_values, expected):
    assert divergent(group_values) is expected


# --- comparisons --------------------------------------------------------------------------------------


def test_compare_shows_each_score_as_its_own_version_computed_it():
    previous_version = [levels("A-1", k=3), levels("A-2"), levels("B-1", "design")]
    current_version = [levels("A-1", k=4), levels("A-3"), levels("B-1", "design")]
    previous = score(previous_version, {"A-1": value(2), "A-2": value(3), "B-1": na()})
    current = score(current_version, {"A-1": value(2), "A-3": value(3), "B-1": value(3)})
    change = compare(previous, current)
    institutional = next(d for d in change.dimensions if d.key == "institutional")
    assert institutional.previous == Fraction(500, 6)  # (2/3 + 1) / 2
    assert institutional.current == 75  # (1/2 + 1) / 2
    assert institutional.difference == 75 - Fraction(500, 6)
    design = next(d for d in change.dimensions if d.key == "design")
    assert (design.previous, design.current, design.difference) == (None, 100, None)
    assert [(c.code, c.previous, c.current, c.difference) for c in change.criteria] == [
        ("A-1", Fraction(2, 3), Fraction(1, 2), Fraction(-1, 6)),
        ("B-1", None, Fraction(1), None),
    ]
    assert change.only_in_previous == ("A-2",)
    assert change.only_in_current == ("A-3",)
    assert change.overall.difference == current.overall.score - previous.overall.score


def test_compare_keeps_dimensions_that_exist_in_only_one_assessment():
    previous = score([levels("A-1")], {"A-1": value(1)}, dims=("institutional", "legacy"))
    current = score([levels("A-1")], {"A-1": value(3)}, dims=("institutional",))
    change = compare(previous, current)
    assert [d.key for d in change.dimensions] == ["institutional", "legacy"]
    assert change.dimensions[0].difference == Fraction(200, 3)
    assert change.dimensions[1].current is None


def _card(institutional_level, design_rating=None):
    criteria = [levels("A-1"), levels("B-1", "design")]
    ratings = {"A-1": value(institutional_level)}
    if design_rating is not None:
        ratings["B-1"] = design_rating
    return score(criteria, ratings)


def test_regional_comparison_needs_three_countries():
    cards = {"CRI": _card(1), "CHL": _card(2)}
    assert regional_comparison(cards, DIMS) is None
    cards["MEX"] = _card(3)
    assert regional_comparison(cards, DIMS) is not None


def test_regional_comparison_gives_mean_minimum_and_maximum_per_dimension():
    cards = {"CRI": _card(1, value(3)), "CHL": _card(2, na()), "MEX": _card(3, value(1))}
    regional = regional_comparison(cards, DIMS)
    assert regional.countries == 3
    institutional, design = regional.dimensions[0], regional.dimensions[1]
    assert institutional.mean == Fraction(200, 3)
    assert (institutional.minimum, institutional.maximum) == (Fraction(100, 3), 100)
    assert institutional.n == 3
    # Chile's design dimension has no score: it is left out, not counted as 0.
    assert design.n == 2
    assert design.mean == Fraction(200, 3)
    assert (design.minimum, design.maximum) == (Fraction(100, 3), 100)
    outcomes = regional.dimensions[3]
    assert (outcomes.n, outcomes.mean, outcomes.minimum, outcomes.maximum) == (0, None, None, None)


def test_regional_comparison_counts_countries_not_scopes():
    pairs = [("BRA", _card(1)), ("BRA", _card(2)), ("ARG", _card(3))]
    assert regional_comparison(pairs, DIMS) is None
    pairs.append(("PER", _card(3)))
    regional = regional_comparison(pairs, DIMS)
    assert (regional.countries, regional.assessments) == (3, 4)
    assert regional.dimensions[0].n == 4
    assert regional.dimensions[0].countries == 3
    assert regional.dimensions[0].mean == Fraction(100 * (1 + 2 + 3 + 3), 3 * 4)


# --- properties ---------------------------------------------------------------------------------------

SMALL_DIMS = DIMS[:3]


@st.composite
def criterion_specs(draw, code):
    scoring = draw(st.sampled_from(["levels", "elements"]))
    k = draw(st.integers(3, 5)) if scoring == "levels" else draw(st.integers(2, 12))
    return CriterionSpec(
        code=code,
        dimension=draw(st.sampled_from(SMALL_DIMS)),
        weight=draw(st.integers(1, 3)),
        k=k,
        optimal=draw(st.integers(1, k)),
        scoring=scoring,
    )


@st.composite
def ratings_for(draw, spec):
    kind = draw(st.sampled_from(["value", "value", "value", "not_applicable", "no_information", None]))
    if kind is None:
        return None
    complete = draw(st.booleans())
    if kind == "value":
        low = 1 if spec.scoring == "levels" else 0
        return RatingInput("value", draw(st.integers(low, spec.k)), complete)
    return RatingInput(kind, None, complete)


@st.composite
def assessments(draw):
    count = draw(st.integers(1, 8))
    specs = [draw(criterion_specs(f"C-{i:02d}")) for i in range(count)]
    ratings = {}
    for spec in specs:
        rating = draw(ratings_for(spec))
        if rating is not None:
            ratings[spec.code] = rating
    return specs, ratings


def scores_of(card):
    return [d.score for d in card.dimensions] + [card.overall.score]


@settings(max_examples=200, deadline=None)
@given(assessments())
def test_every_score_lies_between_0_and_100(assessment):
    specs, ratings = assessment
    card = score(specs, ratings, dims=SMALL_DIMS)
    for s in scores_of(card) + [a.value for a in card.alerts]:
        assert s is None or 0 <= s <= 100
    for c in card.criteria:
        assert c.attainment is None or 0 <= c.attainment <= 1


@settings(max_examples=200, deadline=None)
@given(assessments(), st.data())
def test_raising_a_value_never_lowers_a_score(assessment, data):
    specs, ratings = assessment
    raisable = [
        s.code
        for s in specs
        if (r := ratings.get(s.code)) is not None and r.kind == "value" and r.value < s.k
    ]
    if not raisable:
        return
    code = data.draw(st.sampled_from(raisable))
    before = score(specs, ratings, dims=SMALL_DIMS)
    raised = dict(ratings)
    raised[code] = replace(ratings[code], value=ratings[code].value + 1)
    after = score(specs, raised, dims=SMALL_DIMS)
    for old, new in zip(scores_of(before), scores_of(after)):
        assert (old is None) == (new is None)
        assert old is None or new >= old


@settings(max_examples=200, deadline=None)
@given(assessments(), st.sampled_from(SMALL_DIMS), st.integers(3, 5))
def test_adding_a_not_applicable_criterion_changes_no_score(assessment, dimension, k):
    specs, ratings = assessment
    before = score(specs, ratings, dims=SMALL_DIMS)
    extra = CriterionSpec("Z-99", dimension, 1, k, k)
    after = score([*specs, extra], {**ratings, "Z-99": na()}, dims=SMALL_DIMS)
    assert scores_of(after) == scores_of(before)
    assert [(c.attainment, c.flagged) for c in after.criteria[:-1]] == [
        (c.attainment, c.flagged) for c in before.criteria
    ]
    assert after.dimension(dimension).not_applicable == before.dimension(dimension).not_applicable + 1


@settings(max_examples=200, deadline=None)
@given(assessments())
def test_dimension_score_equals_an_independent_float_computation(assessment):
    specs, ratings = assessment
    card = score(specs, ratings, dims=SMALL_DIMS)
    for key in SMALL_DIMS:
        numerator = denominator = 0.0
        for spec in specs:
            rating = ratings.get(spec.code)
            if spec.dimension != key or rating is None or rating.kind == "not_applicable":
                continue
            level = rating.value if rating.kind == "value" else 0
            numerator += spec.weight * min(level, spec.optimal) / spec.optimal
            denominator += spec.weight
        expected = None if denominator == 0 else 100 * numerator / denominator
        actual = card.dimension(key).score
        assert (actual is None) == (expected is None)
        if expected is not None:
            assert float(actual) == pytest.approx(expected, rel=1e-12, abs=1e-12)
