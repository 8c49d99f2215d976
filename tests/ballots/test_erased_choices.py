"""What remains of a secret ballot (docs/methods.md §5.4): once it closes, the tally, who voted, a SHA-256 digest
of the sorted choices and the reasons for rejecting (without their votes) remain, and no table links a voter to a
choice. A roll-call ballot keeps its votes. Pages, exports, the comment table and follow-up ballots still work."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
from whitepaper.delphi.ballots import queries as ballot_queries
from whitepaper.delphi.ballots import tally

from .conftest import run_ballot, vote

REASON = "Razón-que-no-debe-quedar-ligada"
PLAN = {0: {"design": "approve", "outcomes": "approve"},
        1: {"design": ("reject", REASON), "outcomes": "abstain"},
        2: {"design": ("reject", "Otra razón."), "outcomes": "approve"},
        3: {"design": "abstain"},
        4: {"design": "approve", "outcomes": ("reject", "Mezcla productos y resultados.")}}
DESIGN_CHOICES = ["approve", "reject", "reject", "abstain", "approve"]


def _independent_digest(lines: list[str]) -> str:
    """docs/methods.md §5.4, computed here without the platform's code."""
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8")).hexdigest()


def _secret_ballot(db, setup, *, secret: bool = True):
    ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels",
                                            rule=tally.BallotRule(secret=secret))
    return run_ballot(db, setup, "dimensions_levels", PLAN, ballot=ballot)


def _links_to_voters(db, users) -> list[tuple[str, str, object]]:
    """Every cell, in any table with a column pointing to a user, of the rows pointing to these users, that holds
    a choice or a reason."""
    from whitepaper.models.ballot import VOTE_CHOICES
    ids = [u.id for u in users]
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not any(fk.column.table.name == "users" for fk in column.foreign_keys):
                continue
            for row in db.session.execute(select(table).where(column.in_(ids))).mappings():
                for name, value in row.items():
                    if value in VOTE_CHOICES or (isinstance(value, str) and "razón" in value.lower()):
                        found.append((table.name, name, value))
    return found


def test_after_a_secret_ballot_closes_no_table_links_a_voter_to_a_choice(db, committee_setup):
    from whitepaper.models.ballot import CommentResolution, Vote
    setup = committee_setup()
    voters = setup.members[:5]
    ballot = _secret_ballot(db, setup)
    item_ids = [i.id for i in ballot.items]
    assert db.session.scalar(select(db.func.count()).select_from(Vote).where(Vote.item_id.in_(item_ids))) == 0
    assert _links_to_voters(db, voters) == []
    resolutions = db.session.scalars(select(CommentResolution).where(CommentResolution.item_id.in_(item_ids))).all()
    assert sorted(r.reason for r in resolutions) == sorted([REASON, "Otra razón.", "Mezcla productos y resultados."])
    assert all(r.vote_id is None for r in resolutions)
    # nor does the audit trail (docs/methods.md §4.4): that votes were cast and the ballot closed, never a choice
    from whitepaper.models import AuditEvent
    for event in db.session.scalars(select(AuditEvent)):
        text = repr((event.before, event.after))
        assert REASON not in text and not any(f"'{c}'" in text for c in ("approve", "reject", "abstain")), text
    # who voted remains: five voters, the sixth member did not vote
    voted = {e.voter_id: e.voted_items for e in ballot_queries.eligibility_rows(ballot)}
    assert voted == {setup.members[0].id: 2, setup.members[1].id: 2, setup.members[2].id: 2,
                     setup.members[3].id: 1, setup.members[4].id: 2, setup.members[5].id: 0}


def test_the_tally_is_kept_and_the_digest_matches_the_choices_cast(db, committee_setup):
    setup = committee_setup()
    ballot = _secret_ballot(db, setup)
    items = {i.subject: i for i in ballot.items}
    design = items["design"]
    expected = tally.tally_item(DESIGN_CHOICES.count("approve"), DESIGN_CHOICES.count("reject"),
                                DESIGN_CHOICES.count("abstain"), 6, tally.BallotRule())
    assert (design.approve, design.reject, design.abstain, design.eligible, design.outcome) == (
        2, 2, 1, 6, expected.outcome)
    assert design.choices_digest == _independent_digest(DESIGN_CHOICES)
    assert items["outcomes"].choices_digest == _independent_digest(["approve", "abstain", "approve", "reject"])
    assert items["institutional"].choices_digest == _independent_digest([])          # nobody voted on it
    assert tally.choices_digest([("reject", 3), ("approve", None)]) == _independent_digest(["approve", "reject:3"])


def test_a_roll_call_ballot_keeps_its_votes(db, committee_setup):
    from whitepaper.models.ballot import CommentResolution, Vote
    setup = committee_setup()
    ballot = _secret_ballot(db, setup, secret=False)
    item_ids = [i.id for i in ballot.items]
    assert db.session.scalar(select(db.func.count()).select_from(Vote).where(Vote.item_id.in_(item_ids))) == 9
    assert all(i.choices_digest is None for i in ballot.items)
    rows = ballot_queries.comment_table(ballot)
    assert {(row.voter.id, row.resolution.reason) for row in rows} >= {(setup.members[1].id, REASON)}
    assert all(r.vote_id is not None for r in db.session.scalars(
        select(CommentResolution).where(CommentResolution.item_id.in_(item_ids))))


def test_pages_exports_and_the_api_still_work_after_the_choices_are_erased(db, client, login_as, committee_setup):
    setup = committee_setup()
    ballot = _secret_ballot(db, setup)
    design = next(i for i in ballot.items if i.subject == "design")
    login_as(setup.facilitator)
    results = client.get(f"/ballots/{ballot.id}/results").get_data(as_text=True)
    assert design.choices_digest in results and "<svg" in results
    comments = client.get(f"/ballots/{ballot.id}/comments").get_data(as_text=True)
    assert REASON in comments and setup.members[1].name not in comments
    assert REASON in client.get(f"/ballots/{ballot.id}/export.csv?kind=comments").get_data(as_text=True)
    participation = client.get(f"/ballots/{ballot.id}/participation").get_data(as_text=True)
    assert participation.count("2 of 5") == 4 and "1 of 5" in participation and "0 of 5" in participation
    result = client.get(f"/api/v1/ballots/{ballot.id}/result").get_json()
    by_subject = {i["subject"]: i for i in result["items"]}
    assert by_subject["design"]["choices_digest"] == design.choices_digest
    assert (by_subject["design"]["approve"], by_subject["design"]["reject"]) == (2, 2)
    login_as(setup.members[1])
    sheet = client.get(f"/ballots/{ballot.id}/vote").get_data(as_text=True)
    assert "the choices were erased" in sheet and REASON not in sheet
    page = client.get(f"/ballots/committee/{setup.committee.id}/results").get_data(as_text=True)
    # who voted, by subregion, from the record kept at closing: ARG, BRA, CHL, COL; CRI but not MEX
    assert "4 of 4" in page and "1 of 2" in page


def test_proposed_values_and_follow_ups_survive_the_erasure(db, committee_setup):
    setup = committee_setup()
    run_ballot(db, setup, "dimensions_levels", {i: {"*": "approve"} for i in range(6)})
    run_ballot(db, setup, "criteria", {i: {"*": "approve"} for i in range(6)})
    optimal = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "optimal_levels",
                                             subjects=["SEC-1-02"])
    optimal = run_ballot(db, setup, "optimal_levels", {
        0: {"SEC-1-02": ("reject", "Alto.", 2)}, 1: {"SEC-1-02": ("reject", "Muy alto.", 2)},
        2: {"SEC-1-02": ("reject", "Exigente.", 3)}, 3: {"SEC-1-02": ("reject", "Sin valor.")},
        4: {"SEC-1-02": "approve"}}, ballot=optimal)
    item = ballot_queries.items_of(optimal)[0]
    assert item.outcome == "rejected"
    assert item.choices_digest == _independent_digest(["reject:2", "reject:2", "reject:3", "reject", "approve"])
    assert dict(ballot_queries.proposed_values(optimal)[item.id]) == {2: 2, 3: 1}
    candidates = ballot_queries.follow_up_candidates(optimal)
    assert [(c.item.id, c.kind, c.suggested_value) for c in candidates] == [(item.id, "revise_value", 2)]
    table = ballot_queries.comment_table(optimal)
    assert sorted((r.resolution.reason, r.resolution.proposed_value) for r in table) == [
        ("Alto.", 2), ("Exigente.", 3), ("Muy alto.", 2), ("Sin valor.", None)]
    assert all(r.voter is None and r.country is None for r in table)


def test_a_vote_after_the_close_finds_nothing_to_change(db, committee_setup):
    """The erasure happens in the closing transaction: a vote arriving later is refused and stores nothing."""
    import pytest

    from whitepaper.errors import Conflict
    from whitepaper.models.ballot import Vote
    setup = committee_setup()
    ballot = _secret_ballot(db, setup)
    with pytest.raises(Conflict, match="closed"):
        vote(db, ballot, setup.members[5], {"design": "approve"})
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Vote)) == 0
