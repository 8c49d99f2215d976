"""The three stages depend on each other (docs/methods.md §5.5): a criterion is voted only once its dimension is
approved, its optimal value only once the criterion is approved; follow-up ballots take exactly what the rules
allow; a ballot's rule is fixed once it opens; transitions refuse what they do not allow."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
from whitepaper.delphi.ballots import queries as ballot_queries
from whitepaper.delphi.ballots import resolution as ballot_resolution
from whitepaper.delphi.ballots import tally
from whitepaper.errors import Conflict, InvalidInput, InvalidTransition
from whitepaper.models.ballot import BallotItem

from .conftest import run_ballot, vote

ALL = {i: {"*": "approve"} for i in range(6)}


def _subjects(db, ballot) -> list[str]:
    return list(db.session.scalars(select(BallotItem.subject).where(BallotItem.ballot_id == ballot.id)
                                   .order_by(BallotItem.position)))


def test_criteria_wait_for_their_dimension(db, client, login_as, committee_setup):
    setup = committee_setup()
    with pytest.raises(Conflict, match="No dimension is approved yet"):
        ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "criteria")
    db.session.rollback()
    login_as(setup.facilitator)
    response = client.post(f"/ballots/committee/{setup.committee.id}/new",
                           data={"stage": "criteria", "unit": "member", "quorum": "1/2", "threshold": "2/3"},
                           headers={"Referer": f"http://localhost/ballots/committee/{setup.committee.id}/"})
    assert response.status_code == 409 and "No dimension is approved yet" in response.get_data(as_text=True)

    # design approved, implementation rejected, the others not decided (nobody voted on them)
    plan = {i: {"design": "approve", "implementation": ("reject", "No.")} for i in range(6)}
    run_ballot(db, setup, "dimensions_levels", plan)
    ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "criteria")
    assert _subjects(db, ballot) == [f"SEC-2-0{n}" for n in range(1, 7)]
    db.session.rollback()
    with pytest.raises(Conflict, match="SEC-3-01 cannot be voted yet"):
        ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "criteria", subjects=["SEC-3-01"])
    db.session.rollback()


def test_optimal_values_wait_for_their_criterion_and_a_rejected_criterion_leaves(db, committee_setup):
    setup = committee_setup()
    with pytest.raises(Conflict, match="No criterion is approved yet"):
        ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "optimal_levels")
    db.session.rollback()
    run_ballot(db, setup, "dimensions_levels", {i: {"institutional": "approve"} for i in range(6)})
    run_ballot(db, setup, "criteria", {i: {"*": "approve", "SEC-1-02": ("reject", "Sobra.")} for i in range(6)})
    with pytest.raises(Conflict, match="left the model"):
        ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "optimal_levels", subjects=["SEC-1-02"])
    db.session.rollback()
    ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "optimal_levels")
    items = db.session.scalars(select(BallotItem).where(BallotItem.ballot_id == ballot.id)
                               .order_by(BallotItem.position)).all()
    assert [i.subject for i in items] == ["SEC-1-01", "SEC-1-03", "SEC-1-04"]
    assert all((i.proposed_value, i.value_max) == (4, 4) for i in items)   # the catalogue's optimum of 4 levels
    db.session.commit()
    with pytest.raises(Conflict, match="already on a ballot"):
        ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "optimal_levels")
    db.session.rollback()

    # a rejecter may propose another value, within 1..k and different from the one voted
    ballot_lifecycle.open_ballot(setup.facilitator, ballot)
    db.session.commit()
    for value in (0, 4, 5):
        with pytest.raises(InvalidInput):
            vote(db, ballot, setup.members[0], {"SEC-1-01": ("reject", "Muy alto.", value)})
        db.session.rollback()
    vote(db, ballot, setup.members[0], {"SEC-1-01": ("reject", "Muy alto.", 3)})


def test_another_value_is_proposed_only_in_the_optimal_stage(db, committee_setup):
    setup = committee_setup()
    ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels")
    ballot_lifecycle.open_ballot(setup.facilitator, ballot)
    db.session.commit()
    with pytest.raises(InvalidInput):
        vote(db, ballot, setup.members[0], {"design": ("reject", "No.", 2)})
    db.session.rollback()
    with pytest.raises(InvalidInput, match="reason"):
        vote(db, ballot, setup.members[0], {"design": ("reject", "   ")})


def test_follow_up_ballots_take_what_the_rules_allow(db, committee_setup):
    setup = committee_setup()
    plan = {i: {"institutional": "approve", "design": ("reject", "Confuso."), "implementation": "approve"}
            for i in range(6)}
    dims = run_ballot(db, setup, "dimensions_levels", plan)   # outcomes, sustainable_agenda: nobody voted
    items = {i.subject: i for i in ballot_queries.items_of(dims)}
    candidates = {c.item.subject: c.kind for c in ballot_queries.follow_up_candidates(dims)}
    assert candidates == {"design": "revise_dimension", "outcomes": "not_decided",
                          "sustainable_agenda": "not_decided"}
    Input = ballot_resolution.FollowUpInput
    with pytest.raises(Conflict, match="approved"):
        ballot_resolution.create_follow_up(setup.facilitator, dims, {items["institutional"].id: Input()})
    db.session.rollback()
    with pytest.raises(InvalidInput, match="revised proposal"):
        ballot_resolution.create_follow_up(setup.facilitator, dims, {items["design"].id: Input()})
    db.session.rollback()
    follow = ballot_resolution.create_follow_up(setup.facilitator, dims, {
        items["design"].id: Input(revised_text={"es": "Diseño revisado.", "en": ""}),
        items["outcomes"].id: Input()})
    db.session.commit()
    assert _subjects(db, follow) == ["design", "outcomes"]
    with pytest.raises(Conflict, match="already on ballot"):
        ballot_resolution.create_follow_up(setup.facilitator, dims, {items["outcomes"].id: Input()})
    db.session.rollback()

    # criteria: a rejected criterion cannot be followed up
    criteria = run_ballot(db, setup, "criteria", {i: {"*": "approve", "SEC-1-01": ("reject", "No.")}
                                                  for i in range(6)})
    rejected = next(i for i in ballot_queries.items_of(criteria) if i.subject == "SEC-1-01")
    assert ballot_queries.follow_up_candidates(criteria) == []
    with pytest.raises(Conflict, match="leaves the model"):
        ballot_resolution.create_follow_up(setup.facilitator, criteria, {rejected.id: Input()})
    db.session.rollback()

    # optimal values: a rejected value needs a different, valid, revised value
    optimal = run_ballot(db, setup, "optimal_levels", {i: {"*": "approve", "SEC-1-02": ("reject", "Alto.", 2)}
                                                       for i in range(6)})
    item = next(i for i in ballot_queries.items_of(optimal) if i.subject == "SEC-1-02")
    for bad in (None, 4, 9):
        with pytest.raises(InvalidInput):
            ballot_resolution.create_follow_up(setup.facilitator, optimal, {item.id: Input(revised_value=bad)})
        db.session.rollback()
    follow = ballot_resolution.create_follow_up(setup.facilitator, optimal, {item.id: Input(revised_value=2)})
    new_item = ballot_queries.items_of(follow)[0]
    assert (new_item.subject, new_item.proposed_value, new_item.follow_up_of_item_id) == ("SEC-1-02", 2, item.id)


def test_the_rule_is_fixed_once_the_ballot_opens_and_transitions_are_checked(db, committee_setup):
    setup = committee_setup()
    ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels")
    db.session.commit()
    with pytest.raises(InvalidTransition):
        ballot_lifecycle.close_ballot(setup.facilitator, ballot)
    db.session.rollback()
    ballot_lifecycle.update_ballot(setup.facilitator, ballot, rule=tally.BallotRule(quorum=tally.Fraction(2, 3)),
                                  opens_at=None, closes_at=None)
    ballot_lifecycle.open_ballot(setup.facilitator, ballot)
    db.session.commit()
    assert (ballot.quorum_num, ballot.quorum_den) == (2, 3)
    with pytest.raises(InvalidTransition):
        ballot_lifecycle.update_ballot(setup.facilitator, ballot, rule=tally.BallotRule(), opens_at=None,
                                      closes_at=None)
    db.session.rollback()
    with pytest.raises(InvalidTransition):
        ballot.threshold_num = 1
    db.session.rollback()
    with pytest.raises(InvalidTransition):
        ballot_lifecycle.open_ballot(setup.facilitator, ballot)
    db.session.rollback()
    with pytest.raises(InvalidTransition):
        ballot_lifecycle.delete_ballot(setup.facilitator, ballot)


def test_rules_are_read_as_exact_fractions(db):
    rule = ballot_lifecycle.parse_rule(unit="country", quorum="1/2", threshold="2/3", reject_cap="1/4", secret=False)
    assert (rule.unit, rule.quorum, rule.threshold, rule.reject_cap, rule.secret) == (
        "country", tally.Fraction(1, 2), tally.Fraction(2, 3), tally.Fraction(1, 4), False)
    for bad in ({"quorum": "half"}, {"threshold": "0"}, {"threshold": "4/3"}, {"reject_cap": "-1/4"},
                {"unit": "person"}):
        with pytest.raises(InvalidInput):
            ballot_lifecycle.parse_rule(**bad)


def test_a_committee_on_an_approved_version_cannot_hold_ballots(db, committee_setup):
    setup = committee_setup(model="national", prefix="nat")
    assert setup.committee.catalogue_version.status == "approved"
    with pytest.raises(Conflict, match="already approved"):
        ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels")
