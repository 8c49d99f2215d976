"""The tally of docs/methods.md §5.4 through the services and the API: hand-worked boundary cases (exactly two
thirds, one vote short of quorum, everyone abstaining, no eligible voter, the cap on rejections, a country with
several members), and a property: whatever the votes and their changes, the stored result is tally_item of the
final votes."""
from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
from whitepaper.delphi.ballots import queries as ballot_queries
from whitepaper.delphi.ballots import tally
from whitepaper.errors import NotAllowed
from whitepaper.models.ballot import BallotItem, Vote

from .conftest import build_committee, run_ballot, vote

A, R, X = "approve", ("reject", "No convence."), "abstain"


def _api(client, login_as, user, ballot_id) -> dict:
    login_as(user)
    response = client.get(f"/api/v1/ballots/{ballot_id}/result")
    assert response.status_code == 200
    return response.get_json()


def _by_subject(result: dict) -> dict[str, dict]:
    return {item["subject"]: item for item in result["items"]}


def test_boundary_cases_with_the_default_rule(db, client, login_as, committee_setup):
    setup = committee_setup()   # six members, one vote each
    plan = {
        # institutional: 4 approve, 2 reject: exactly two thirds -> approved
        # design: 3 approve, 2 reject, 1 abstains: 3/5 < 2/3 -> rejected
        # implementation: 2 approve (2 of 6 cast, 2·2 < 6): one vote short of quorum -> not decided
        # outcomes: 3 approve (2·3 = 6): quorum exactly met -> approved
        # sustainable_agenda: everyone abstains -> quorum met, but not decided
        0: {"institutional": A, "design": A, "implementation": A, "outcomes": A, "sustainable_agenda": X},
        1: {"institutional": A, "design": A, "implementation": A, "outcomes": A, "sustainable_agenda": X},
        2: {"institutional": A, "design": A, "outcomes": A, "sustainable_agenda": X},
        3: {"institutional": A, "design": R, "sustainable_agenda": X},
        4: {"institutional": R, "design": R, "sustainable_agenda": X},
        5: {"institutional": R, "design": X, "sustainable_agenda": X},
    }
    ballot = run_ballot(db, setup, "dimensions_levels", plan)
    result = _api(client, login_as, setup.members[0], ballot.id)
    assert (result["stage"], result["status"], result["unit"]) == ("dimensions_levels", "closed", "member")
    assert (result["quorum"], result["threshold"], result["reject_cap"]) == ("1/2", "2/3", None)
    got = {s: (i["approve"], i["reject"], i["abstain"], i["eligible"], i["quorum_met"], i["outcome"])
           for s, i in _by_subject(result).items()}
    assert got == {
        "institutional": (4, 2, 0, 6, True, "approved"),
        "design": (3, 2, 1, 6, True, "rejected"),
        "implementation": (2, 0, 0, 6, False, "not_decided"),
        "outcomes": (3, 0, 0, 6, True, "approved"),
        "sustainable_agenda": (0, 0, 6, 6, True, "not_decided"),
    }


def test_cap_on_rejections_with_two_thirds(db, client, login_as, committee_setup):
    setup = committee_setup(members=[(iso3, True) for iso3 in ("ARG", "BRA", "CHL", "COL", "CRI", "MEX", "PER",
                                                               "URY")])
    rule = tally.BallotRule(reject_cap=Fraction(1, 4))
    plan = {i: {"institutional": A if i < 6 else R,       # 6 A, 2 R: 2/8 = 1/4 exactly -> approved
                "design": A if i < 5 else (R if i < 7 else X)}  # 5 A, 2 R: 5/7 ≥ 2/3 but 2/7 > 1/4 -> rejected
            for i in range(8)}
    ballot = run_ballot(db, setup, "dimensions_levels", plan, rule=rule)
    items = _by_subject(_api(client, login_as, setup.facilitator, ballot.id))
    assert items["institutional"]["outcome"] == "approved"
    assert (items["design"]["approve"], items["design"]["reject"], items["design"]["outcome"]) == (5, 2, "rejected")


def test_no_eligible_voter_leaves_every_item_not_decided(db, client, login_as, committee_setup):
    setup = committee_setup(members=[("CHL", False), ("ARG", False)])   # nobody is a voting representative
    ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels",
                                           rule=tally.BallotRule(unit="country"))
    assert ballot_lifecycle.open_ballot(setup.facilitator, ballot) == 0
    db.session.commit()
    with pytest.raises(NotAllowed):
        vote(db, ballot, setup.members[0], {"design": A})
    db.session.rollback()
    ballot_lifecycle.close_ballot(setup.facilitator, ballot_queries.ballot(ballot.id))
    db.session.commit()
    items = _api(client, login_as, setup.facilitator, ballot.id)["items"]
    assert {(i["eligible"], i["quorum_met"], i["outcome"]) for i in items} == {(0, False, "not_decided")}


def test_country_unit_counts_one_vote_per_country_through_its_representative(db, client, login_as,
                                                                              committee_setup):
    setup = committee_setup(members=[("CHL", True), ("CHL", False), ("CHL", False), ("ARG", True), ("BRA", True)])
    chile_rep, chile_other = setup.by_country["CHL"][0], setup.by_country["CHL"][1]
    ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels",
                                           rule=tally.BallotRule(unit="country", secret=False))
    assert ballot_lifecycle.open_ballot(setup.facilitator, ballot) == 3        # three countries, not five members
    db.session.commit()

    with pytest.raises(NotAllowed):
        vote(db, ballot, chile_other, {"design": A})
    db.session.rollback()
    login_as(chile_other)
    page = client.get(f"/ballots/{ballot.id}/vote")
    assert page.status_code == 403 and "designated voting representative" in page.get_data(as_text=True)

    vote(db, ballot, chile_rep, {"design": R, "institutional": A})
    vote(db, ballot, chile_rep, {"design": A})      # the representative changes Chile's vote: still one vote
    vote(db, ballot, setup.by_country["ARG"][0], {"design": A, "institutional": A})
    vote(db, ballot, setup.by_country["BRA"][0], {"design": R})
    # one row per (item, country): Chile design and institutional, Argentina both, Brazil design
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.country_id.is_not(None))) == 5
    ballot_lifecycle.close_ballot(setup.facilitator, ballot_queries.ballot(ballot.id))
    db.session.commit()

    result = _api(client, login_as, setup.facilitator, ballot.id)
    assert result["unit"] == "country"
    items = _by_subject(result)
    assert (items["design"]["approve"], items["design"]["reject"], items["design"]["eligible"]) == (2, 1, 3)
    assert items["design"]["outcome"] == "approved"                   # 2/3 exactly
    assert (items["institutional"]["approve"], items["institutional"]["outcome"]) == (2, "approved")  # 2 of 3 cast
    # roll-call with the country unit: published per country
    assert {v["country"] for v in items["design"]["votes"]} == {"CHL", "ARG", "BRA"}


def test_a_vote_after_closing_is_refused(db, committee_setup):
    from whitepaper.errors import Conflict
    setup = committee_setup()
    ballot = run_ballot(db, setup, "dimensions_levels", {0: {"design": A}})
    with pytest.raises(Conflict, match="closed"):
        vote(db, ballot, setup.members[1], {"design": A})
    db.session.rollback()
    # nothing was stored: a secret ballot keeps no vote once closed, only who voted
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0
    assert [e.voted_items for e in ballot_queries.eligibility_rows(ballot)] == [1, 0, 0, 0, 0, 0]


# --- a property ---------------------------------------------------------------------------------------------

FRACTIONS = st.sampled_from([Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(1)])
THRESHOLDS = st.sampled_from([Fraction(1, 2), Fraction(3, 5), Fraction(2, 3), Fraction(3, 4), Fraction(1)])
CAPS = st.sampled_from([None, Fraction(0), Fraction(1, 4), Fraction(1, 3)])
CHOICE = st.sampled_from(["approve", "reject", "abstain"])
examples = itertools.count()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(histories=st.lists(st.lists(CHOICE, max_size=3), min_size=1, max_size=7), quorum=FRACTIONS,
       threshold=THRESHOLDS, cap=CAPS, by_country=st.booleans())
def test_the_stored_result_is_the_tally_of_the_final_votes(db, histories, quorum, threshold, cap, by_country):
    """Each member votes a sequence of choices on one item (changing their mind); the result stored at closing
    equals tally_item over each voter's last choice. Every example runs in a transaction rolled back."""
    countries = ["ARG", "BRA", "CHL", "COL", "CRI", "MEX", "PER"]
    try:
        setup = build_committee(db, members=[(countries[i], True) for i in range(len(histories))],
                                prefix=f"p{next(examples)}")
        rule = tally.BallotRule(unit="country" if by_country else "member", quorum=quorum, threshold=threshold,
                                reject_cap=cap)
        ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels", rule=rule,
                                               subjects=["design"])
        ballot_lifecycle.open_ballot(setup.facilitator, ballot)
        for user, history in zip(setup.members, histories):
            for choice in history:
                given = (choice, "Porque sí.") if choice == "reject" else choice
                vote(db, ballot, user, {"design": given}, commit=False)
        ballot_lifecycle.close_ballot(setup.facilitator, ballot_queries.ballot(ballot.id))
        item = db.session.scalar(select(BallotItem).where(BallotItem.ballot_id == ballot.id))
        finals = [history[-1] for history in histories if history]
        expected = tally.tally_item(finals.count("approve"), finals.count("reject"), finals.count("abstain"),
                                    len(histories), rule)
        assert (item.approve, item.reject, item.abstain, item.eligible, item.quorum_met, item.outcome) == (
            expected.approve, expected.reject, expected.abstain, expected.eligible, expected.quorum_met,
            expected.outcome)
        # the ballot was secret: its votes are gone, who voted is recorded (docs/methods.md §5.4)
        assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.item_id == item.id)) == 0
        assert sum(e.voted_items for e in ballot_queries.eligibility_rows(ballot)) == len(finals)
    finally:
        db.session.rollback()
