"""A submission's votes are written by one statement and their audit events by another, however many items it
carries, and they write what the per-vote path wrote: the same vote rows, and audit rows equal, column for
column, to those `audit.record` writes for each cast or changed vote. Under a race between two submissions of
the same voter (or country) with many items, every item keeps exactly one vote and neither request fails."""
from __future__ import annotations


import pytest
from sqlalchemy import func, select, text

from whitepaper import audit
from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
from whitepaper.delphi.ballots import queries as ballot_queries
from whitepaper.delphi.ballots import votes as ballot_votes
from whitepaper.models import AuditEvent, User
from whitepaper.models.ballot import Ballot, BallotItem, Vote

from .conftest import build_committee
from .test_concurrency import _race

DIMENSIONS = ("institutional", "design", "implementation", "outcomes", "sustainable_agenda")


def _open_ballot(db, setup, *, unit: str, secret: bool, number: int = 1, extra_items: int = 0) -> Ballot:
    """An open ballot on the five dimensions (and `extra_items` more subjects), built directly: the writing of
    votes is tested here, not the stage rules."""
    b = Ballot(committee=setup.committee, catalogue_version=setup.committee.catalogue_version, number=number,
               stage="dimensions_levels", unit=unit, is_secret=secret)
    db.session.add(b)
    subjects = list(DIMENSIONS) + [f"extra-{n}" for n in range(extra_items)]
    for position, subject in enumerate(subjects):
        db.session.add(BallotItem(ballot=b, position=position, subject=subject, dimension_key="design"))
    db.session.flush()
    ballot_lifecycle.open_ballot(setup.facilitator, b)
    db.session.commit()
    return b


def _item_ids(db, b: Ballot) -> dict[str, int]:
    return dict(db.session.execute(select(BallotItem.subject, BallotItem.id)
                                   .where(BallotItem.ballot_id == b.id)).all())


def _raw_audit_rows(db, first_id: int) -> list[tuple]:
    """The audit rows after `first_id` as stored (JSON as text), every column but the id and the time."""
    return [tuple(row) for row in db.session.execute(text(
        "SELECT actor_id, action, object_type, object_id, CAST(before AS TEXT), CAST(after AS TEXT) "
        "FROM audit_events WHERE id > :first ORDER BY id"), {"first": first_id})]


def _last_audit_id(db) -> int:
    return db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))


@pytest.mark.parametrize("unit", ["member", "country"])
def test_a_submission_is_one_vote_statement_and_one_audit_statement_whatever_its_size(db, count_queries, unit):
    setup = build_committee(db, members=[("CHL", True), ("ARG", True)], prefix=f"size-{unit}")
    db.session.commit()
    counted = {}
    for number, extra in ((1, 0), (2, 60)):
        b = _open_ballot(db, setup, unit=unit, secret=True, number=number, extra_items=extra)
        ids = _item_ids(db, b)
        inputs = {item_id: ballot_votes.VoteInput("approve") for item_id in ids.values()}
        voter = db.session.get(User, setup.members[0].id)
        loaded = ballot_queries.ballot(b.id)
        with count_queries() as counter:
            summary = ballot_votes.cast_votes(voter, loaded, inputs)
        db.session.commit()
        assert summary.cast == len(ids)
        writes = [s for s in counter.statements if s.lstrip().upper().startswith("INSERT")]
        assert len([s for s in writes if "INTO votes" in s]) == 1, writes
        assert len([s for s in writes if "INTO audit_events" in s]) == 1, writes
        counted[len(ids)] = counter.n
        assert db.session.scalar(select(func.count()).select_from(Vote).join(BallotItem)
                                 .where(BallotItem.ballot_id == b.id)) == len(ids)
    assert counted[5] == counted[65], counted   # the same queries for 5 items as for 65


@pytest.mark.parametrize("unit,secret", [("member", True), ("member", False), ("country", True),
                                         ("country", False)])
def test_votes_and_audit_rows_are_those_the_per_vote_path_wrote(db, unit, secret):
    setup = build_committee(db, members=[("CHL", True), ("CHL", False), ("ARG", True)], prefix=f"same-{unit}")
    db.session.commit()
    b = _open_ballot(db, setup, unit=unit, secret=secret)
    ids = _item_ids(db, b)
    voter = db.session.get(User, setup.members[0].id)
    chile = voter.country_id

    def submit(choices: dict[str, ballot_votes.VoteInput]) -> ballot_votes.VoteSummary:
        summary = ballot_votes.cast_votes(voter, ballot_queries.ballot(b.id), {ids[s]: v for s, v in choices.items()})
        db.session.commit()
        return summary

    # first submission, in an order other than the items': three new votes
    before = _last_audit_id(db)
    first = {"outcomes": ballot_votes.VoteInput("reject", "  too vague  "),
             "institutional": ballot_votes.VoteInput("approve"),
             "design": ballot_votes.VoteInput("abstain", "ignored: an abstention carries no reason")}
    assert submit(first) == ballot_votes.VoteSummary(cast=3, changed=0, unchanged=0)
    after_first = _last_audit_id(db)
    new_rows = _raw_audit_rows(db, before)

    # second: one unchanged, one changed, one new (and the order of the form again)
    second = {"implementation": ballot_votes.VoteInput("approve"),
              "institutional": ballot_votes.VoteInput("approve"),
              "outcomes": ballot_votes.VoteInput("approve")}
    assert submit(second) == ballot_votes.VoteSummary(cast=1, changed=1, unchanged=1)
    new_rows += _raw_audit_rows(db, after_first)

    # what the per-vote path recorded: one audit.record per cast or changed vote, in the submission's order
    reference_start = _last_audit_id(db)
    for action, subject in (("vote.cast", "outcomes"), ("vote.cast", "institutional"), ("vote.cast", "design"),
                            ("vote.cast", "implementation"), ("vote.change", "outcomes")):
        audit.record(voter, action, object_type="ballot_items", object_id=ids[subject], after={"ballot": b.id})
    db.session.flush()
    reference = _raw_audit_rows(db, reference_start)
    db.session.rollback()
    assert new_rows == reference   # every column, in the order of each submission's form
    assert all(row[4] is None or row[4] == "null" for row in new_rows)   # never a vote's content

    stored = {row.item_id: (row.voter_id, row.country_id, row.choice, row.reason, row.proposed_value, row.revision)
              for row in db.session.scalars(select(Vote).join(BallotItem).where(BallotItem.ballot_id == b.id))}
    country = chile if unit == "country" else None
    assert stored == {
        ids["outcomes"]: (voter.id, country, "approve", None, None, 2),
        ids["institutional"]: (voter.id, country, "approve", None, None, 1),
        ids["design"]: (voter.id, country, "abstain", None, None, 1),
        ids["implementation"]: (voter.id, country, "approve", None, None, 1),
    }
    first_reason = db.session.scalar(select(func.count()).select_from(Vote).where(Vote.reason == "too vague"))
    assert first_reason == 0   # replaced by the approval

    ballot_lifecycle.close_ballot(setup.facilitator, ballot_queries.ballot(b.id))
    db.session.commit()
    tallied = {i.subject: (i.approve, i.reject, i.abstain) for i in ballot_queries.ballot(b.id).items}
    assert (tallied["outcomes"], tallied["design"], tallied["sustainable_agenda"]) == ((1, 0, 0), (0, 0, 1),
                                                                                    (0, 0, 0))
    remaining = db.session.scalar(select(func.count()).select_from(Vote).join(BallotItem)
                                  .where(BallotItem.ballot_id == b.id))
    assert remaining == (0 if secret else 4)   # a secret ballot keeps no vote once closed


ROUNDS = 8


@pytest.mark.parametrize("unit", ["member", "country"])
def test_two_whole_submissions_racing_for_one_unit_leave_one_vote_per_item(pg_app, unit):
    """The two requests name the items in opposite orders: the rows are still locked in one order (no
    deadlock), and each item ends with one vote that both writes changed, one after the other."""
    from whitepaper.extensions import db
    setup = build_committee(db, members=[("CHL", True), ("CHL", False), ("ARG", True)], prefix=f"race-{unit}")
    db.session.commit()
    b = _open_ballot(db, setup, unit=unit, secret=True, extra_items=25)
    ids = sorted(_item_ids(db, b).values())
    voter_id = setup.members[0].id

    def caster(order: list[int], vote: ballot_votes.VoteInput):
        def prepare():
            user = db.session.get(User, voter_id)
            loaded = ballot_queries.ballot(b.id)
            db.session.commit()
            return lambda: ballot_votes.cast_votes(user, loaded, {item_id: vote for item_id in order})
        return prepare

    for n in range(ROUNDS):
        first = ballot_votes.VoteInput("reject", f"round {n}")
        second = ballot_votes.VoteInput("abstain" if n % 2 == 0 else "approve")
        errors = _race(pg_app, caster(ids, first), caster(list(reversed(ids)), second))
        assert errors == []
        db.session.expire_all()
        rows = db.session.execute(select(Vote.item_id, Vote.voter_id, Vote.revision).where(
            Vote.item_id.in_(ids))).all()
        assert sorted(r.item_id for r in rows) == ids          # one vote per item, none twice
        assert {(r.voter_id, r.revision) for r in rows} == {(voter_id, 2 * n + 2)}
        db.session.commit()
    events = dict(db.session.execute(
        select(AuditEvent.action, func.count()).where(AuditEvent.object_type == "ballot_items",
                                                      AuditEvent.object_id.in_(ids))
        .group_by(AuditEvent.action)).all())
    assert events == {"vote.cast": len(ids), "vote.change": (2 * ROUNDS - 1) * len(ids)}
