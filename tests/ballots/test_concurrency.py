"""A vote is counted once even when the same voter sends it twice at the same moment, from two connections; and
a vote racing the close of its ballot is either refused or counted, never stored uncounted. PostgreSQL only:
there, requests really run in parallel (SQLite serializes every writer)."""
from __future__ import annotations

import threading
from typing import Callable

from sqlalchemy import func, select

from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
from whitepaper.delphi.ballots import queries as ballot_queries
from whitepaper.delphi.ballots import votes as ballot_votes
from whitepaper.errors import Conflict
from whitepaper.models import AuditEvent, User
from whitepaper.models.ballot import Ballot, BallotEligibility, BallotItem, Vote

from .conftest import build_committee

ROUNDS = 25


def _race(app, *jobs: Callable[[], None]) -> list[BaseException]:
    """Runs each job in its own thread, application context and database session, released together by a
    barrier; returns the exceptions raised (each job commits, or is rolled back)."""
    from whitepaper.extensions import db
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        with app.app_context():
            try:
                prepared = job()          # loads what it needs before the start line
                barrier.wait(timeout=30)
                prepared()
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 (reported to the test)
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a voting thread hung"
    return errors


def _open_ballot(db, setup, unit: str, number: int) -> Ballot:
    """A ballot on the five dimensions, opened (built directly: the race, not the stage rules, is tested)."""
    version = setup.committee.catalogue_version
    b = Ballot(committee=setup.committee, catalogue_version=version, number=number, stage="dimensions_levels",
               unit=unit)
    db.session.add(b)
    for position, key in enumerate(("institutional", "design", "implementation", "outcomes",
                                    "sustainable_agenda")):
        db.session.add(BallotItem(ballot=b, position=position, subject=key, dimension_key=key))
    db.session.flush()
    ballot_lifecycle.open_ballot(setup.facilitator, b)
    db.session.commit()
    return b


def _caster(app, ballot_id: int, user_id: int, item_id: int, vote: ballot_votes.VoteInput):
    def prepare():
        from whitepaper.extensions import db
        user = db.session.get(User, user_id)
        loaded = ballot_queries.ballot(ballot_id)
        db.session.commit()   # hold no snapshot or lock at the start line
        return lambda: ballot_votes.cast_votes(user, loaded, {item_id: vote})
    return prepare


def _check_same_voter_twice(pg_app, unit: str):
    from whitepaper.extensions import db
    setup = build_committee(db, members=[("CHL", True), ("CHL", False), ("ARG", True)], prefix=unit)
    db.session.commit()
    ballot = _open_ballot(db, setup, unit, number=1)
    item_id = db.session.scalar(select(BallotItem.id).where(BallotItem.ballot_id == ballot.id,
                                                            BallotItem.subject == "design"))
    voter = setup.members[0]     # Chile's designated representative
    revision = 0
    for n in range(ROUNDS):
        # Each writes something different from the other and from whatever won the previous round.
        first = ballot_votes.VoteInput("reject", f"round {n}: first connection")
        second = ballot_votes.VoteInput("abstain" if n % 2 == 0 else "approve")
        errors = _race(pg_app, _caster(pg_app, ballot.id, voter.id, item_id, first),
                       _caster(pg_app, ballot.id, voter.id, item_id, second))
        assert errors == []
        db.session.expire_all()
        rows = db.session.scalars(select(Vote).where(Vote.item_id == item_id)).all()
        assert len(rows) == 1, f"round {n}: {len(rows)} votes for one voter"
        assert rows[0].voter_id == voter.id
        assert rows[0].revision == revision + 2   # both writes applied, one after the other
        assert (rows[0].choice, rows[0].reason) in {(first.choice, first.reason), (second.choice, None)}
        revision = rows[0].revision
        db.session.commit()

    events = dict(db.session.execute(
        select(AuditEvent.action, func.count()).where(AuditEvent.object_type == "ballot_items",
                                                      AuditEvent.object_id == item_id)
        .group_by(AuditEvent.action)).all())
    assert events == {"vote.cast": 1, "vote.change": 2 * ROUNDS - 1}

    ballot_lifecycle.close_ballot(setup.facilitator, ballot_queries.ballot(ballot.id))
    db.session.commit()
    item = db.session.get(BallotItem, item_id)
    assert item.approve + item.reject + item.abstain == 1


def test_same_voter_voting_twice_at_the_same_moment_is_counted_once(pg_app):
    _check_same_voter_twice(pg_app, "member")


def test_same_country_voting_twice_at_the_same_moment_is_counted_once(pg_app):
    _check_same_voter_twice(pg_app, "country")


def test_a_vote_and_the_close_in_flight_together_are_counted_or_refused_never_lost(pg_app):
    """Both orders are forced, on alternate rounds, by statement hooks: the vote holding its shared lock on the
    ballot when the close starts (the close waits, then counts it); or the close holding its exclusive lock when
    the vote starts (the vote waits, then is refused)."""
    from whitepaper.extensions import db
    setup = build_committee(db, members=[("CHL", True), ("ARG", True)], prefix="close")
    db.session.commit()
    voter_id, facilitator_id = setup.members[0].id, setup.facilitator.id
    for n in range(ROUNDS):
        vote_first = n % 2 == 0
        ballot = _open_ballot(db, setup, "member", number=n + 1)
        ballot_id = ballot.id
        item_id = db.session.scalar(select(BallotItem.id).where(BallotItem.ballot_id == ballot_id,
                                                                BallotItem.subject == "design"))
        locked = {"voter": threading.Event(), "closer": threading.Event()}
        errors: dict[str, BaseException] = {}

        def note_locks(_conn, _cursor, statement, *_args):
            me = threading.current_thread().name
            if me in locked and ("FOR SHARE" in statement or "FOR UPDATE" in statement):
                locked[me].set()

        def vote_job():
            with pg_app.app_context():
                try:
                    user = db.session.get(User, voter_id)
                    loaded = ballot_queries.ballot(ballot_id)
                    db.session.commit()
                    if not vote_first:
                        assert locked["closer"].wait(timeout=30)
                    ballot_votes.cast_votes(user, loaded, {item_id: ballot_votes.VoteInput("approve")})
                    db.session.commit()
                except BaseException as error:  # noqa: BLE001
                    db.session.rollback()
                    errors["voter"] = error
                finally:
                    locked["voter"].set()
                    db.session.remove()

        def close_job():
            with pg_app.app_context():
                try:
                    facilitator = db.session.get(User, facilitator_id)
                    loaded = ballot_queries.ballot(ballot_id)
                    db.session.commit()
                    if vote_first:
                        assert locked["voter"].wait(timeout=30)
                    ballot_lifecycle.close_ballot(facilitator, loaded)
                    db.session.commit()
                except BaseException as error:  # noqa: BLE001
                    db.session.rollback()
                    errors["closer"] = error
                finally:
                    locked["closer"].set()
                    db.session.remove()

        from sqlalchemy import event
        event.listen(db.engine, "after_cursor_execute", note_locks)
        try:
            threads = [threading.Thread(target=vote_job, name="voter"),
                       threading.Thread(target=close_job, name="closer")]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
        finally:
            event.remove(db.engine, "after_cursor_execute", note_locks)
        assert not any(t.is_alive() for t in threads)
        assert "closer" not in errors, errors

        db.session.expire_all()
        # a secret ballot: once closed it keeps no vote (docs/methods.md §5.4), only who voted
        stored = db.session.scalar(select(func.count()).select_from(Vote).where(Vote.item_id == item_id))
        voted = db.session.scalar(select(BallotEligibility.voted_items).where(
            BallotEligibility.ballot_id == ballot_id, BallotEligibility.voter_id == voter_id))
        item = db.session.get(BallotItem, item_id)
        assert db.session.get(Ballot, ballot_id).status == "closed" and stored == 0
        if vote_first:
            assert "voter" not in errors
            assert (voted, item.approve) == (1, 1)       # the close waited for the vote, and counted it
        else:
            assert isinstance(errors.get("voter"), Conflict)
            assert (voted, item.approve) == (0, 0)       # the vote waited for the close, and was refused
        db.session.commit()
