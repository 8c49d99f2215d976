"""The demo ballots: the sectoral committee's three ballots closed, one criterion rejected with answered reasons,
one item not decided at first and approved in a follow-up, the version adopted by a recorded CRP decision; the
vision committee's ballot on dimensions open. Loading twice changes nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from whitepaper.catalogue import queries as catalogue_queries
from whitepaper.delphi.ballots import queries as ballot_queries
from whitepaper.models.ballot import Ballot, BallotItem, CommentResolution, Vote
from whitepaper.models.delphi import Committee


def _counts(db) -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Ballot, BallotItem, Vote))


def test_demo_ballots(db, client, login_as):
    from whitepaper import demo
    demo.load()
    first = _counts(db)
    demo.load()
    assert _counts(db) == first

    committees = {c.planning_model.key: c for c in db.session.scalars(select(Committee))}
    sectoral = ballot_queries.committee_ballots(committees["sectoral"].id)
    assert [(b.stage, b.status) for b in sectoral] == [("dimensions_levels", "closed"), ("criteria", "closed"),
                                                       ("optimal_levels", "closed"), ("optimal_levels", "closed")]
    latest = ballot_queries.latest_items(committees["sectoral"].id)
    assert latest[("criteria", "SEC-2-05")].outcome == "rejected"
    first_optimal = {i.subject: i.outcome for i in ballot_queries.items_of(sectoral[2])}
    assert first_optimal["SEC-3-02"] == "not_decided" and first_optimal["SEC-1-02"] == "rejected"
    assert latest[("optimal_levels", "SEC-3-02")].outcome == "approved"
    assert sectoral[3].follow_up_of_id == sectoral[2].id and sectoral[3].unit == "country"
    reasons = db.session.scalars(select(CommentResolution).join(BallotItem)
                                 .where(BallotItem.ballot_id == sectoral[1].id, BallotItem.subject == "SEC-2-05")).all()
    assert len(reasons) == 7 and all(r.is_answered for r in reasons)

    model = catalogue_queries.model_by_key("sectoral")
    current = catalogue_queries.current_version(model)
    assert (current.label, current.status, current.crp_reference is not None) == ("2026-crp", "approved", True)
    codes = {c.code for d in catalogue_queries.version_tree(current.id).dimensions for c in d.criteria}
    assert "SEC-2-05" not in codes and len(codes) == 20

    vision = ballot_queries.committee_ballots(committees["vision"].id)
    assert [(b.stage, b.status) for b in vision] == [("dimensions_levels", "open")]
    demo_member = db.session.scalar(select(Committee).where(Committee.id == committees["vision"].id)).members[0].user
    assert [b.id for b in ballot_queries.voter_ballots(demo_member)] == [vision[0].id]

    # the pages of the demo render
    from whitepaper.auth import services as accounts
    login_as(accounts.user_by_email("facilitadora@demo.cepal.org"))
    sectoral_id = committees["sectoral"].id
    for url in [f"/ballots/committee/{sectoral_id}/", f"/ballots/committee/{sectoral_id}/results",
                f"/ballots/committee/{sectoral_id}/consultation", f"/ballots/{sectoral[1].id}/comments",
                f"/ballots/{sectoral[3].id}/results", f"/ballots/{vision[0].id}/participation"]:
        assert client.get(url).status_code == 200, url
