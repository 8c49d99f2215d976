"""Vote rules (whitepaper.delphi.ballots.tally) against docs/methods.md §5."""

import hashlib
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from whitepaper.delphi.ballots.tally import (
    BallotRule,
    Obstacle,
    choice_line,
    choices_digest,
    closing_obstacles,
    consultation_can_close,
    count_votes,
    format_fraction,
    parse_fraction,
    tally_item,
    tally_votes,
)

DEFAULT = BallotRule()
ISO = BallotRule(reject_cap=Fraction(1, 4))


# --- the default rule ---------------------------------------------------------------------------------


def test_design_example_item_is_approved():
    result = tally_item(7, 2, 1, 12, DEFAULT)
    assert (result.cast, result.quorum_met, result.outcome) == (10, True, "approved")
    assert (result.approve, result.reject, result.abstain, result.eligible) == (7, 2, 1, 12)


@pytest.mark.parametrize(
    "approve, reject, expected",
    [
        (2, 1, "approved"),  # exactly two thirds
        (6, 3, "approved"),  # exactly two thirds
        (8, 4, "approved"),  # exactly two thirds
        (5, 3, "rejected"),  # 62.5 %
        (7, 4, "rejected"),  # 63.6 %: one approval short of two thirds
        (1, 0, "approved"),
        (0, 1, "rejected"),
    ],
)
def test_approval_needs_two_thirds_of_the_votes_that_are_not_abstentions(approve, reject, expected):
    assert tally_item(approve, reject, 0, approve + reject, DEFAULT).outcome == expected


def test_abstentions_count_for_quorum_but_not_for_approval():
    # 2 approve, 1 reject, 9 abstain of 12: quorum met, and 2/3 of the non-abstentions approve.
    result = tally_item(2, 1, 9, 12, DEFAULT)
    assert result.quorum_met is True
    assert result.outcome == "approved"


def test_one_vote_short_of_quorum_is_not_decided():
    short = tally_item(5, 0, 0, 12, DEFAULT)
    assert (short.quorum_met, short.outcome) == (False, "not_decided")
    enough = tally_item(5, 0, 1, 12, DEFAULT)
    assert (enough.quorum_met, enough.outcome) == (True, "approved")


def test_quorum_of_half_with_an_odd_electorate_needs_more_than_half_rounded_down():
    assert tally_item(5, 0, 0, 11, DEFAULT).quorum_met is False
    assert tally_item(6, 0, 0, 11, DEFAULT).quorum_met is True


def test_everyone_abstaining_is_not_decided_even_with_quorum():
    result = tally_item(0, 0, 12, 12, DEFAULT)
    assert result.quorum_met is True
    assert result.outcome == "not_decided"


def test_no_eligible_voter_is_not_decided_whatever_the_quorum():
    for rule in (DEFAULT, BallotRule(quorum=Fraction(0))):
        result = tally_item(0, 0, 0, 0, rule)
        assert (result.quorum_met, result.outcome) == (False, "not_decided")


# --- other rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "approve, reject, expected",
    [
        (3, 1, "approved"),  # reject 1 = 1/4 of 4: at the cap
        (9, 3, "approved"),  # reject 3 = 1/4 of 12: at the cap
        (8, 3, "rejected"),  # 8/11 ≥ 2/3 but reject 3 > 11/4
        (6, 3, "rejected"),  # two thirds, but reject 3 > 9/4
        (8, 2, "approved"),
    ],
)
def test_reject_cap_of_one_quarter_is_applied_at_its_exact_boundary(approve, reject, expected):
    assert tally_item(approve, reject, 0, approve + reject, ISO).outcome == expected


def test_a_simple_majority_threshold_approves_a_tie():
    majority = BallotRule(threshold=Fraction(1, 2))
    assert tally_item(3, 3, 0, 6, majority).outcome == "approved"
    assert tally_item(2, 3, 0, 5, majority).outcome == "rejected"


def test_a_two_thirds_quorum_is_compared_exactly():
    rule = BallotRule(quorum=Fraction(2, 3))
    assert tally_item(6, 0, 0, 9, rule).quorum_met is True
    assert tally_item(5, 0, 0, 9, rule).quorum_met is False
    assert tally_item(7, 0, 0, 10, rule).quorum_met is True  # 70 % ≥ 66.7 %
    assert tally_item(6, 0, 0, 10, rule).quorum_met is False


# --- inputs -------------------------------------------------------------------------------------------


def test_ballot_rule_defaults_are_member_half_two_thirds_no_cap_secret():
    assert DEFAULT.unit == "member"
    assert DEFAULT.quorum == Fraction(1, 2)
    assert DEFAULT.threshold == Fraction(2, 3)
    assert DEFAULT.reject_cap is None
    assert DEFAULT.secret is True


def test_ballot_rule_accepts_stored_strings_and_refuses_inexact_floats():
    rule = BallotRule(unit="country", quorum="3/5", threshold="3/4", reject_cap="1/4")
    assert (rule.quorum, rule.threshold, rule.reject_cap) == (Fraction(3, 5), Fraction(3, 4), Fraction(1, 4))
    with pytest.raises(TypeError):
        BallotRule(threshold=0.6667)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"unit": "person"},
        {"quorum": Fraction(3, 2)},
        {"quorum": Fraction(-1, 2)},
        {"threshold": Fraction(0)},
        {"threshold": Fraction(4, 3)},
        {"reject_cap": Fraction(5, 4)},
        {"threshold": "two thirds"},
    ],
)
def test_ballot_rule_refuses_impossible_parameters(kwargs):
    with pytest.raises(ValueError):
        BallotRule(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"unit": "person"}, "^the voting unit is 'member' or 'country', not 'person'$"),
        ({"quorum": Fraction(3, 2)}, r"^the quorum must lie in 0\.\.1, not 3/2$"),
        ({"threshold": Fraction(0)}, r"^the threshold must lie in \(0, 1\], not 0$"),
        ({"reject_cap": "5/4"}, r"^the cap on rejections must lie in 0\.\.1, not 5/4$"),
        ({"quorum": "half"}, "^quorum is not a fraction: 'half'$"),
        ({"threshold": "two thirds"}, "^threshold is not a fraction: 'two thirds'$"),
        ({"reject_cap": "1/0"}, "^reject_cap is not a fraction: '1/0'$"),
    ],
)
def test_ballot_rule_errors_name_the_parameter_and_its_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BallotRule(**kwargs)


@pytest.mark.parametrize("name, value", [("quorum", 0.5), ("threshold", True), ("reject_cap", 0.25)])
def test_ballot_rule_refuses_inexact_parameters_by_name(name, value):
    message = rf"^{name} must be exact \(a Fraction, an int or a string like '2/3'\), not {value!r}$"
    with pytest.raises(TypeError, match=message):
        BallotRule(**{name: value})


@pytest.mark.parametrize("counts", [(-1, 0, 0, 3), (2, 2, 0, 3), (1, 0, 0, -1), (1.0, 0, 0, 3)])
def test_tally_refuses_negative_counts_and_more_votes_than_voters(counts):
    with pytest.raises(ValueError):
        tally_item(*counts, DEFAULT)


@pytest.mark.parametrize(
    "counts, message",
    [
        ((-1, 0, 0, 3), "^approve must be a non-negative integer, not -1$"),
        ((0, True, 0, 3), "^reject must be a non-negative integer, not True$"),
        ((0, 0, 1.0, 3), r"^abstain must be a non-negative integer, not 1\.0$"),
        ((0, 0, 0, -2), "^eligible must be a non-negative integer, not -2$"),
        ((2, 1, 1, 3), "^4 votes cast but only 3 eligible voters$"),
    ],
)
def test_tally_errors_name_the_count_at_fault(counts, message):
    with pytest.raises(ValueError, match=message):
        tally_item(*counts, DEFAULT)


def test_count_votes_counts_each_voters_final_choice():
    votes = [("m1", "approve"), ("m2", "reject"), ("m3", "approve"), ("m4", "abstain")]
    counts = count_votes(votes)
    assert (counts.approve, counts.reject, counts.abstain, counts.cast) == (2, 1, 1, 4)
    result = tally_votes(votes, eligible=5, rule=DEFAULT)
    assert (result.approve, result.reject, result.abstain, result.outcome) == (2, 1, 1, "approved")


def test_tally_votes_applies_the_rule_it_is_given():
    votes = [("m1", "approve"), ("m2", "reject"), ("m3", "approve"), ("m4", "reject")]
    assert tally_votes(votes, eligible=4).outcome == "rejected"  # 1/2 < 2/3 by default
    assert tally_votes(votes, eligible=4, rule=BallotRule(threshold=Fraction(1, 2))).outcome == "approved"
    assert tally_votes(votes, eligible=9, rule=BallotRule(threshold=Fraction(1, 2))).outcome == "not_decided"


def test_count_votes_counts_countries_under_the_country_unit():
    votes = [("CRI", "approve"), ("CHL", "approve"), ("MEX", "reject")]
    result = tally_votes(votes, eligible=4, rule=BallotRule(unit="country"))
    assert (result.cast, result.outcome) == (3, "approved")


def test_count_votes_refuses_two_final_votes_from_one_voter_and_unknown_choices():
    with pytest.raises(ValueError, match="more than one"):
        count_votes([("m1", "approve"), ("m1", "reject")])
    with pytest.raises(ValueError, match="unknown choice"):
        count_votes([("m1", "yes")])


def test_format_fraction_gives_the_api_form():
    assert format_fraction(Fraction(2, 3)) == "2/3"
    assert format_fraction(Fraction(1, 2)) == "1/2"
    assert format_fraction(Fraction(4, 6)) == "2/3"
    assert format_fraction(1) == "1"
    assert format_fraction(None) is None
    assert parse_fraction(format_fraction(Fraction(1, 4))) == Fraction(1, 4)


def test_parse_fraction_names_what_it_could_not_read():
    assert parse_fraction("3/5") == Fraction(3, 5)
    assert parse_fraction(" 1 ") == 1
    for text in ("two thirds", "1/0", ""):
        with pytest.raises(ValueError, match=f"^fraction is not a fraction: {text!r}$"):
            parse_fraction(text)


# --- what remains of a secret ballot ------------------------------------------------------------------


def test_a_final_vote_is_written_as_its_choice_and_any_value_proposed():
    assert choice_line("approve") == "approve"
    assert choice_line("abstain") == "abstain"
    assert choice_line("reject") == "reject"
    assert choice_line("reject", 3) == "reject:3"
    assert choice_line("reject", 0) == "reject:0"
    with pytest.raises(ValueError, match="^unknown choice 'yes'; use approve, reject or abstain$"):
        choice_line("yes")


def test_the_digest_is_the_sha256_of_the_sorted_lines_and_names_nobody():
    votes = [("reject", 3), ("approve", None), ("abstain", None), ("approve", None), ("reject", None)]
    expected = hashlib.sha256(b"abstain\napprove\napprove\nreject\nreject:3").hexdigest()
    assert choices_digest(votes) == expected
    assert choices_digest(reversed(votes)) == expected  # the order of voting leaves no trace
    assert choices_digest([("approve", None)]) == hashlib.sha256(b"approve").hexdigest()
    assert choices_digest([]) == hashlib.sha256(b"").hexdigest()


def test_the_digest_changes_with_the_tally_or_a_proposed_value():
    base = choices_digest([("approve", None), ("reject", 2)])
    assert choices_digest([("approve", None), ("reject", 3)]) != base
    assert choices_digest([("approve", None), ("reject", None)]) != base
    assert choices_digest([("approve", None), ("approve", None), ("reject", 2)]) != base
    with pytest.raises(ValueError, match="unknown choice 'maybe'"):
        choices_digest([("approve", None), ("maybe", None)])


# --- properties ---------------------------------------------------------------------------------------

counts = st.integers(0, 40)
fractions_0_1 = st.fractions(min_value=0, max_value=1, max_denominator=12)


@st.composite
def rules(draw):
    threshold = draw(fractions_0_1.filter(lambda f: f > 0))
    cap = draw(st.one_of(st.none(), fractions_0_1))
    return BallotRule(quorum=draw(fractions_0_1), threshold=threshold, reject_cap=cap)


@settings(max_examples=200, deadline=None)
@given(counts, counts, counts, st.integers(0, 10), rules())
def test_adding_an_approval_never_turns_approved_into_rejected(approve, reject, abstain, spare, rule):
    eligible = approve + reject + abstain + 1 + spare
    before = tally_item(approve, reject, abstain, eligible, rule).outcome
    after = tally_item(approve + 1, reject, abstain, eligible, rule).outcome
    if before == "approved":
        assert after == "approved"
    if before == "rejected":
        assert after in ("approved", "rejected")


@settings(max_examples=200, deadline=None)
@given(counts, counts, counts, st.integers(0, 10), rules())
def test_adding_a_rejection_never_turns_rejected_into_approved(approve, reject, abstain, spare, rule):
    eligible = approve + reject + abstain + 1 + spare
    before = tally_item(approve, reject, abstain, eligible, rule).outcome
    after = tally_item(approve, reject + 1, abstain, eligible, rule).outcome
    if before == "rejected":
        assert after == "rejected"


@settings(max_examples=200, deadline=None)
@given(counts, counts, counts, st.integers(0, 10), rules())
def test_outcome_matches_the_rule_stated_with_exact_fractions(approve, reject, abstain, spare, rule):
    eligible = approve + reject + abstain + spare
    result = tally_item(approve, reject, abstain, eligible, rule)
    cast = approve + reject + abstain
    decided = eligible > 0 and Fraction(cast, eligible) >= rule.quorum and approve + reject > 0
    assert result.quorum_met == (eligible > 0 and Fraction(cast, eligible) >= rule.quorum)
    if not decided:
        assert result.outcome == "not_decided"
        return
    share = Fraction(approve, approve + reject)
    capped = rule.reject_cap is None or Fraction(reject, approve + reject) <= rule.reject_cap
    assert result.outcome == ("approved" if share >= rule.threshold and capped else "rejected")


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 60), st.integers(0, 60))
def test_two_thirds_boundary_is_exact_for_every_size(total, approve):
    assume(approve <= total)
    outcome = tally_item(approve, total - approve, 0, total, DEFAULT).outcome
    assert outcome == ("approved" if 3 * approve >= 2 * total else "rejected")


# --- closing the consultation -------------------------------------------------------------------------

DIMENSIONS = ["institutional", "design"]
CRITERIA = ["NAC-1-01", "NAC-2-01", "NAC-2-02"]


def all_approved():
    latest = {("dimensions_levels", d): "approved" for d in DIMENSIONS}
    latest.update({("criteria", c): "approved" for c in CRITERIA})
    latest.update({("optimal_levels", c): "approved" for c in CRITERIA})
    return latest


def test_consultation_can_close_when_everything_is_approved():
    assert consultation_can_close(DIMENSIONS, CRITERIA, all_approved()) is True
    assert closing_obstacles(DIMENSIONS, CRITERIA, all_approved()) == ()


def test_a_rejected_criterion_leaves_the_model_and_needs_no_optimal_value():
    latest = all_approved()
    latest[("criteria", "NAC-2-02")] = "rejected"
    del latest[("optimal_levels", "NAC-2-02")]
    assert consultation_can_close(DIMENSIONS, CRITERIA, latest) is True


def test_any_latest_outcome_not_decided_keeps_the_consultation_open():
    latest = all_approved()
    latest[("optimal_levels", "NAC-2-01")] = "not_decided"
    assert consultation_can_close(DIMENSIONS, CRITERIA, latest) is False
    assert closing_obstacles(DIMENSIONS, CRITERIA, latest) == (
        Obstacle("optimal_levels", "NAC-2-01", "not_decided"),
    )


def test_a_rejected_or_unvoted_dimension_keeps_the_consultation_open():
    latest = all_approved()
    latest[("dimensions_levels", "design")] = "rejected"
    assert closing_obstacles(DIMENSIONS, CRITERIA, latest) == (
        Obstacle("dimensions_levels", "design", "rejected"),
    )
    del latest[("dimensions_levels", "design")]
    assert closing_obstacles(DIMENSIONS, CRITERIA, latest) == (
        Obstacle("dimensions_levels", "design", "not_voted"),
    )


def test_a_retained_criterion_needs_an_approved_optimal_value():
    latest = all_approved()
    latest[("optimal_levels", "NAC-1-01")] = "rejected"
    del latest[("optimal_levels", "NAC-2-01")]
    assert closing_obstacles(DIMENSIONS, CRITERIA, latest) == (
        Obstacle("optimal_levels", "NAC-1-01", "rejected"),
        Obstacle("optimal_levels", "NAC-2-01", "not_voted"),
    )


def test_a_criterion_not_yet_voted_keeps_the_consultation_open():
    latest = all_approved()
    del latest[("criteria", "NAC-2-02")]
    del latest[("optimal_levels", "NAC-2-02")]
    assert closing_obstacles(DIMENSIONS, CRITERIA, latest) == (Obstacle("criteria", "NAC-2-02", "not_voted"),)


def test_a_not_decided_criterion_is_reported_once():
    latest = all_approved()
    latest[("criteria", "NAC-2-02")] = "not_decided"
    del latest[("optimal_levels", "NAC-2-02")]
    assert closing_obstacles(DIMENSIONS, CRITERIA, latest) == (
        Obstacle("criteria", "NAC-2-02", "not_decided"),
    )


def test_unknown_stages_and_outcomes_are_refused():
    with pytest.raises(ValueError, match="^unknown ballot stage 'levels' for x$"):
        consultation_can_close(DIMENSIONS, CRITERIA, {**all_approved(), ("levels", "x"): "approved"})
    with pytest.raises(ValueError, match="^unknown outcome 'passed' for criteria x$"):
        consultation_can_close(DIMENSIONS, CRITERIA, {**all_approved(), ("criteria", "x"): "passed"})


def test_a_rejected_criterion_does_not_hide_the_obstacles_of_the_criteria_after_it():
    latest = all_approved()
    latest[("criteria", "NAC-1-01")] = "rejected"
    del latest[("optimal_levels", "NAC-1-01")]
    del latest[("criteria", "NAC-2-01")]
    latest[("optimal_levels", "NAC-2-02")] = "rejected"
    assert closing_obstacles(DIMENSIONS, CRITERIA, latest) == (
        Obstacle("criteria", "NAC-2-01", "not_voted"),
        Obstacle("optimal_levels", "NAC-2-02", "rejected"),
    )
