"""Scoring inputs (whitepaper.assessment.scoring): stored ratings, element values and the validation of specs
and ratings, against docs/methods.md §2.1–2.3."""

from fractions import Fraction

import pytest

from whitepaper.assessment.scoring import (
    AlertSpec,
    CriterionSpec,
    RatingInput,
    band,
    element_value,
    has_text,
    score_assessment,
    stored_rating_input,
)

# --- element-scored criteria --------------------------------------------------------------------------


def test_favourable_elements_are_present_positives_and_absent_negatives():
    polarities = ["positive", "negative", "positive", "negative"]
    assert element_value(polarities, [True, False, True, False]) == 4
    assert element_value(polarities, [False, True, False, True]) == 0
    assert element_value(polarities, [True, True, False, False]) == 2
    assert element_value(["positive"] * 3, [True, False, True]) == 2
    assert element_value(["negative"] * 3, [True, False, False]) == 2


def test_an_element_left_unanswered_leaves_the_criterion_unrated():
    assert element_value(["positive", "negative"], [True, None]) is None
    assert element_value(["positive", "negative"], [None, False]) is None


def test_a_criterion_without_elements_has_no_favourable_element():
    assert element_value([], []) == 0


def test_marks_must_match_the_elements_one_to_one():
    with pytest.raises(ValueError, match="^2 marks for 3 elements$"):
        element_value(["positive"] * 3, [True, False])


# --- stored ratings -----------------------------------------------------------------------------------


def test_text_counts_only_when_it_has_more_than_blanks():
    assert has_text("evidence") is True
    assert has_text("  law 123 \n") is True
    for blank in (None, "", "   ", "\n\t"):
        assert has_text(blank) is False


def test_a_stored_value_is_complete_with_a_justification_and_a_means_of_verification():
    assert stored_rating_input("value", 2, "why", "decree") == RatingInput("value", 2, True)
    assert stored_rating_input("value", 0, "why", "decree") == RatingInput("value", 0, True)
    assert stored_rating_input("value", 2, "why", " ") == RatingInput("value", 2, False)
    assert stored_rating_input("value", 2, None, "decree") == RatingInput("value", 2, False)
    assert stored_rating_input("value", 3, "", None) == RatingInput("value", 3, False)


def test_for_not_applicable_and_no_information_the_reason_is_the_justification():
    assert stored_rating_input("not_applicable", None, "no such body", None) == RatingInput(
        "not_applicable", None, True
    )
    assert stored_rating_input("not_applicable", None, "  ", "decree") == RatingInput("not_applicable", None, False)
    assert stored_rating_input("no_information", None, "not published", None) == RatingInput(
        "no_information", None, True
    )
    assert stored_rating_input("no_information", None, None, "x") == RatingInput("no_information", None, False)


def test_no_kind_or_an_unfinished_element_value_is_unrated():
    assert stored_rating_input(None, None, "why", "decree") is None
    assert stored_rating_input(None, 2, "why", "decree") is None
    assert stored_rating_input("value", None, "why", "decree") is None


def test_an_unknown_stored_kind_is_refused():
    with pytest.raises(ValueError, match="^unknown rating kind 'guess'$"):
        stored_rating_input("guess", 1, "why", "decree")


# --- specs and ratings validate themselves ------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (("A-1", "institutional", 1, 3, 3, "stars"), "A-1: scoring must be 'levels' or 'elements', not 'stars'"),
        (("A-1", "institutional", 1, 0, 1), "A-1: k must be at least 1, not 0"),
        (("A-1", "institutional", 1, 3, 4), r"A-1: optimal value 4 is outside 1\.\.3"),
        (("A-1", "institutional", 1, 3, 0), r"A-1: optimal value 0 is outside 1\.\.3"),
        (("A-1", "institutional", 0, 3, 3), "A-1: weight must be a positive integer, not 0"),
        (("A-1", "institutional", -2, 3, 3), "A-1: weight must be a positive integer, not -2"),
    ],
)
def test_a_criterion_spec_refuses_impossible_parameters_by_name(args, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        CriterionSpec(*args)


def test_the_smallest_possible_criterion_is_accepted():
    spec = CriterionSpec("A-1", "institutional", 1, 1, 1, "elements")
    assert (spec.k, spec.optimal, spec.weight, spec.lowest_value) == (1, 1, 1, 0)
    assert CriterionSpec("A-2", "institutional", 1, 1, 1).lowest_value == 1


@pytest.mark.parametrize(
    "kind, value, message",
    [
        ("value", None, "a rating of kind 'value' needs an integer value, not None"),
        ("value", True, "a rating of kind 'value' needs an integer value, not True"),
        ("value", 2.0, r"a rating of kind 'value' needs an integer value, not 2\.0"),
        ("not_applicable", 2, "a rating of kind 'not_applicable' carries no value"),
        ("no_information", 0, "a rating of kind 'no_information' carries no value"),
        ("guess", None, "unknown rating kind 'guess'"),
    ],
)
def test_a_rating_refuses_a_value_that_does_not_fit_its_kind(kind, value, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        RatingInput(kind, value)


def test_ratings_of_each_kind_keep_their_value_and_completeness():
    assert (RatingInput.of(0).kind, RatingInput.of(0).value, RatingInput.of(0).complete) == ("value", 0, False)
    assert RatingInput.of(2, True).complete is True
    assert RatingInput.not_applicable(True) == RatingInput("not_applicable", None, True)
    assert RatingInput.not_applicable() == RatingInput("not_applicable", None, False)
    assert RatingInput.no_information() == RatingInput("no_information", None, False)


# --- inconsistent inputs are named in the error -------------------------------------------------------


@pytest.mark.parametrize(
    "spec, bad, message",
    [
        (CriterionSpec("A-1", "institutional", 1, 3, 3), 4, r"^A-1: value 4 is outside 1\.\.3 \(levels\)$"),
        (CriterionSpec("A-1", "institutional", 1, 3, 3), 0, r"^A-1: value 0 is outside 1\.\.3 \(levels\)$"),
        (
            CriterionSpec("B-2", "institutional", 1, 4, 3, "elements"),
            5,
            r"^B-2: value 5 is outside 0\.\.4 \(favourable elements\)$",
        ),
    ],
)
def test_a_value_outside_its_range_is_refused_with_the_range_and_its_unit(spec, bad, message):
    with pytest.raises(ValueError, match=message):
        score_assessment([spec], {spec.code: RatingInput.of(bad)}, [], ["institutional"], True)


def test_repeated_dimensions_and_several_unknown_alert_criteria_are_refused_by_name():
    spec = CriterionSpec("A-1", "institutional", 1, 3, 3)
    with pytest.raises(ValueError, match="^a dimension key appears twice$"):
        score_assessment([spec], {}, [], ["institutional", "design", "institutional"], True)
    with pytest.raises(ValueError, match="^alert weak names unknown criteria: X-9, Y-1$"):
        score_assessment([spec], {}, [AlertSpec("weak", ("X-9", "A-1", "Y-1"))], ["institutional"], True)


def test_a_score_outside_0_to_100_has_no_band():
    with pytest.raises(ValueError, match="^a score lies in 0..100, not -1/10$"):
        band(Fraction(-1, 10))
    with pytest.raises(ValueError, match="^a score lies in 0..100, not 101$"):
        band(101)
