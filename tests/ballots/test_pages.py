"""Ballot pages, one journey through every route: a facilitator prepares, opens, reminds and closes; members vote
(and are refused after closing); results, comments, follow-up, the close of the consultation, the committee's
results for the CRP. Plus who may do what."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.helpers import outbox
from whitepaper.delphi import results as delphi_results
from whitepaper.delphi.ballots import adoption as ballot_adoption
from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
from whitepaper.delphi.ballots import queries as ballot_queries
from whitepaper.delphi.ballots import votes as ballot_votes
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.models import AuditEvent
from whitepaper.models.ballot import Ballot, BallotItem, Vote

from .conftest import run_ballot


def _ballot(db, number: int = 1) -> Ballot:
    return db.session.scalar(select(Ballot).where(Ballot.number == number))


def _items(db, ballot) -> dict[str, int]:
    return {i.subject: i.id for i in db.session.scalars(select(BallotItem).where(BallotItem.ballot_id == ballot.id))}


def test_a_ballot_from_preparation_to_results_through_the_pages(db, client, login_as, committee_setup):
    setup = committee_setup()
    committee_id = setup.committee.id
    login_as(setup.facilitator)
    page = client.get(f"/ballots/committee/{committee_id}/")
    assert page.status_code == 200 and "Prepare the ballot" in page.get_data(as_text=True)

    response = client.post(f"/ballots/committee/{committee_id}/new",
                           data={"stage": "dimensions_levels", "unit": "member", "quorum": "1/2",
                                 "threshold": "2/3", "reject_cap": "", "is_secret": "y"})
    assert response.status_code == 302
    ballot = _ballot(db)
    assert (ballot.status, ballot.is_secret, ballot.stage) == ("draft", True, "dimensions_levels")
    assert client.get(f"/ballots/{ballot.id}/").status_code == 200

    response = client.post(f"/ballots/{ballot.id}/settings",
                           data={"unit": "member", "quorum": "2/3", "threshold": "3/4", "reject_cap": "1/4"})
    assert response.status_code == 302
    db.session.expire_all()
    ballot = _ballot(db)
    assert (ballot.quorum_num, ballot.quorum_den, ballot.threshold_num, ballot.reject_cap_den, ballot.is_secret) \
        == (2, 3, 3, 4, False)

    assert client.post(f"/ballots/{ballot.id}/open").status_code == 302
    db.session.expire_all()
    assert _ballot(db).status == "open"
    assert len(outbox(db, setup.members[0].email)) == 1
    assert setup.committee.catalogue_version.status == "in_consultation"

    # a member votes; the sheet shows what is still unvoted
    items = _items(db, ballot)
    login_as(setup.members[0])
    sheet = client.get(f"/ballots/{ballot.id}/vote").get_data(as_text=True)
    assert "5" in sheet and f'name="choice-{items["design"]}"' in sheet
    response = client.post(f"/ballots/{ballot.id}/vote", data={f"choice-{items['design']}": "reject"})
    assert response.status_code == 400              # a rejection needs a reason: nothing saved
    assert db.session.scalar(select(Vote).where(Vote.item_id == items["design"])) is None
    response = client.post(f"/ballots/{ballot.id}/vote", data={
        f"choice-{items['design']}": "reject", f"reason-{items['design']}": "Falta el vínculo con el presupuesto.",
        f"choice-{items['institutional']}": "approve"})
    assert response.status_code == 302
    sheet = client.get(f"/ballots/{ballot.id}/vote").get_data(as_text=True)
    assert "Falta el vínculo con el presupuesto." in sheet
    # the last vote counts
    client.post(f"/ballots/{ballot.id}/vote", data={f"choice-{items['design']}": "abstain"})
    assert db.session.scalar(select(Vote.choice).where(Vote.item_id == items["design"])) == "abstain"

    # the facilitator sees who voted, reminds the others, and closes
    login_as(setup.facilitator)
    participation = client.get(f"/ballots/{ballot.id}/participation").get_data(as_text=True)
    assert setup.members[0].name in participation
    before = len(outbox(db))
    assert client.post(f"/ballots/{ballot.id}/remind").status_code == 302
    reminded = {m.to for m in outbox(db)[before:]}
    assert reminded == {m.email for m in setup.members}     # nobody has voted on every item
    assert client.post(f"/ballots/{ballot.id}/close").status_code == 302

    # after closing, a vote is refused with a clear message
    login_as(setup.members[1])
    response = client.post(f"/ballots/{ballot.id}/vote", data={f"choice-{items['design']}": "approve"},
                           headers={"Referer": f"http://localhost/ballots/{ballot.id}/vote"})
    assert response.status_code == 409
    assert "This ballot is closed: votes are no longer accepted." in response.get_data(as_text=True)
    assert db.session.scalar(select(Vote).where(Vote.voter_id == setup.members[1].id)) is None

    results = client.get(f"/ballots/{ballot.id}/results")
    assert results.status_code == 200 and "<svg" in results.get_data(as_text=True)
    assert client.get(f"/ballots/{ballot.id}/comments").status_code == 200
    assert client.get(f"/ballots/{ballot.id}/export.csv").status_code == 200
    assert client.get("/ballots/").status_code == 200


def test_facilitator_answers_comments_and_prepares_a_follow_up(db, client, login_as, committee_setup):
    setup = committee_setup()
    plan = {i: {"*": "approve"} for i in range(6)}
    plan.update({i: {"*": "approve", "outcomes": ("reject", f"Razón {i}")} for i in range(3)})
    ballot = run_ballot(db, setup, "dimensions_levels", plan)
    login_as(setup.facilitator)
    page = client.get(f"/ballots/{ballot.id}/comments").get_data(as_text=True)
    assert "Razón 0" in page and "Razón 2" in page
    resolution_id = int(re.search(r'id="comment-(\d+)"', page).group(1))
    response = client.post(f"/ballots/{ballot.id}/comments/{resolution_id}",
                           data={"decision": "accepted", "answer": "Se revisa la descripción."})
    assert response.status_code == 302
    assert "Se revisa la descripción." in client.get(f"/ballots/{ballot.id}/comments").get_data(as_text=True)

    outcomes_id = _items(db, ballot)["outcomes"]
    page = client.get(f"/ballots/{ballot.id}/follow-up")
    assert page.status_code == 200
    refused = client.post(f"/ballots/{ballot.id}/follow-up", data={f"include-{outcomes_id}": "1"},
                          headers={"Referer": f"http://localhost/ballots/{ballot.id}/follow-up"})
    assert refused.status_code == 400           # a rejected dimension needs a revised proposal
    response = client.post(f"/ballots/{ballot.id}/follow-up", data={
        f"include-{outcomes_id}": "1", f"revised_es-{outcomes_id}": "Resultados medidos con indicadores."})
    assert response.status_code == 302
    follow = _ballot(db, 2)
    assert (follow.follow_up_of_id, follow.stage, follow.status) == (ballot.id, "dimensions_levels", "draft")
    item = db.session.scalar(select(BallotItem).where(BallotItem.ballot_id == follow.id))
    assert (item.subject, item.revised_text["es"]) == ("outcomes", "Resultados medidos con indicadores.")


def test_consultation_and_committee_results_pages(db, client, login_as, committee_setup, count_queries):
    from .test_adoption import run_consultation
    setup = committee_setup()
    run_consultation(db, setup)
    login_as(setup.facilitator)
    page = client.get(f"/ballots/committee/{setup.committee.id}/consultation").get_data(as_text=True)
    assert "Close the consultation and build the version for the CRP" in page
    response = client.post(f"/ballots/committee/{setup.committee.id}/consultation")
    assert response.status_code == 302
    page = client.get(f"/ballots/committee/{setup.committee.id}/consultation").get_data(as_text=True)
    assert "2026-crp" in page and "SEC-2-05" in page and "SEC-1-02" in page

    with count_queries() as counter:
        page = client.get(f"/ballots/committee/{setup.committee.id}/results")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "2026-crp" in html
    assert counter.n < 45, counter.n


def test_the_crp_section_renders_without_a_request_and_prints_as_it_is(app, db, committee_setup):
    """The partial the CRP report includes: rendered in a worker (no request), no script, no inline style."""
    from flask import render_template_string

    from .test_adoption import run_consultation
    setup = committee_setup()
    run_consultation(db, setup)
    ballot_adoption.close_consultation(setup.facilitator, setup.committee)
    db.session.commit()
    html = render_template_string('{% include "reports/_committee_results.html" %}',
                                  committee_results=delphi_results.committee_results(setup.committee))
    assert "<script" not in html and "style=" not in html and "<svg" in html
    assert "2026-crp" in html and "SEC-2-05" in html          # rejected in a ballot, absent from the model
    assert html.count("<svg") == sum(len(ballot_queries.items_of(b)) for b in
                                     ballot_queries.committee_ballots(setup.committee.id))
    for member in setup.members:                               # aggregates only
        assert member.name not in html


def test_who_may_do_what(db, client, login_as, committee_setup, make_user):
    setup = committee_setup()
    ballot = run_ballot(db, setup, "dimensions_levels", {i: {"*": "approve"} for i in range(6)})
    outsider = make_user("member", country="PER")
    observer = make_user("observer")
    login_as(outsider)  # another committee's ballot: its pages answer 404, as a missing one (docs/design.md §1.2)
    assert client.get(f"/ballots/{ballot.id}/").status_code == 404
    assert client.get(f"/ballots/{ballot.id}/results").status_code == 404
    assert client.get(f"/api/v1/ballots/{ballot.id}/result").status_code == 403
    login_as(observer)
    assert client.get(f"/ballots/{ballot.id}/results").status_code == 200
    assert client.get(f"/ballots/{ballot.id}/participation").status_code == 403
    assert client.post(f"/ballots/{ballot.id}/follow-up").status_code == 403
    login_as(setup.members[0])
    assert client.post(f"/ballots/committee/{setup.committee.id}/new", data={"stage": "criteria"}).status_code == 403
    assert client.post(f"/ballots/committee/{setup.committee.id}/consultation").status_code == 403
    # a draft is only for those who run the committee
    draft = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "criteria")
    db.session.commit()
    assert client.get(f"/ballots/{draft.id}/").status_code == 404
    assert client.get(f"/api/v1/ballots/{draft.id}/result").status_code == 404


def test_voting_is_audited_without_its_content(db, client, login_as, committee_setup):
    setup = committee_setup()
    reason = "Una razón que no debe quedar en la auditoría"
    run_ballot(db, setup, "dimensions_levels", {0: {"design": ("reject", reason)}, 1: {"design": "approve"}})
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("vote.%"))).all()
    assert len(events) == 2
    for event in events:
        text = repr((event.before, event.after))
        assert reason not in text and "reject" not in text and "approve" not in text
    # the reason itself was kept where it belongs (the comment-resolution table), so its absence from the audit
    # trail is not an accident
    ballot = db.session.scalar(select(Ballot).where(Ballot.stage == "dimensions_levels"))
    login_as(setup.facilitator)
    assert reason in client.get(f"/ballots/{ballot.id}/comments").get_data(as_text=True)


def test_an_unresolved_question_becomes_a_statement_of_a_draft_round(db, client, login_as, committee_setup):
    from whitepaper.models.delphi import Item
    setup = committee_setup()
    ballot = run_ballot(db, setup, "dimensions_levels",
                        {0: {"design": ("reject", "¿Qué horizonte temporal debe tener el diseño?")}})
    round_ = round_lifecycle.create_closed_round(setup.facilitator, setup.committee)
    db.session.commit()
    row = ballot_queries.comment_table(ballot)[0]
    login_as(setup.facilitator)
    page = client.get(f"/ballots/{ballot.id}/comments").get_data(as_text=True)
    assert "Make it a statement of a consultation round" in page
    response = client.post(f"/ballots/{ballot.id}/comments/{row.resolution.id}/to-round",
                           data={"round_id": str(round_.id),
                                 "statement_es": "El diseño fija un horizonte de diez años.",
                                 "statement_en": "The design sets a ten-year horizon."})
    assert response.status_code == 302
    item = db.session.scalar(select(Item).where(Item.round_id == round_.id))
    assert (item.kind, item.text["es"]) == ("agreement", "El diseño fija un horizonte de diez años.")
    db.session.expire_all()
    assert ballot_queries.comment_table(ballot)[0].resolution.round_item_id == item.id


def test_votes_are_refused_once_the_closing_date_has_passed(db, committee_setup):
    from datetime import timedelta

    import pytest

    from whitepaper.errors import Conflict
    from whitepaper.models.base import utcnow
    setup = committee_setup()
    now = utcnow()
    ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels",
                                           closes_at=now + timedelta(days=1))
    ballot_lifecycle.open_ballot(setup.facilitator, ballot, now=now)
    db.session.commit()
    item_id = _items(db, ballot)["design"]
    loaded = ballot_queries.ballot(ballot.id)
    ballot_votes.cast_votes(setup.members[0], loaded, {item_id: ballot_votes.VoteInput("approve")},
                               now=now + timedelta(hours=23))
    with pytest.raises(Conflict, match="voting period ended"):
        ballot_votes.cast_votes(setup.members[1], loaded, {item_id: ballot_votes.VoteInput("approve")},
                                   now=now + timedelta(days=1))
