"""The participation page and reminders: only the members who have not submitted receive one."""
from __future__ import annotations

from sqlalchemy import select

from tests.helpers import outbox
from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries


def test_reminders_reach_only_the_members_who_have_not_submitted(db, client, login_as, committee):
    from whitepaper.models import AuditEvent
    world = committee("sectoral", ("CHL", "ARG", "ARG", "MEX"))
    fac = world.facilitator
    round_ = round_lifecycle.create_open_round(fac, world.committee)
    round_lifecycle.open_round(fac, round_)
    round_ = round_queries.round_detail(round_.id)
    good, obstacles, ranking = round_.items
    full = {good.id: round_answers.AnswerInput(text="a"), obstacles.id: round_answers.AnswerInput(text="b"),
            ranking.id: round_answers.AnswerInput(ranking={k: 1 for k in ranking.option_keys})}
    round_answers.save_response(world.members[0], round_, full, submit=True)               # submitted
    round_answers.save_response(world.members[1], round_, {good.id: round_answers.AnswerInput(text="a")}, submit=False)  # draft
    db.session.commit()
    before = len(outbox(db))
    login_as(fac)
    page = client.get(f"/committees/rounds/{round_.id}/participation").get_data(as_text=True)
    assert '<html lang="en">' in page and "25.0 %" in page  # 1 of 4 overall
    response = client.post(f"/committees/rounds/{round_.id}/remind", follow_redirects=True)
    assert response.status_code == 200
    reminded = {m.to for m in outbox(db)[before:]}
    assert reminded == {world.members[1].email, world.members[2].email, world.members[3].email}
    assert world.facilitator.email not in reminded
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delphi_round.remind"))
    assert event.after == {"reminded": 3}


def test_response_rate_by_country_and_overall(db, committee):
    world = committee("sectoral", ("CHL", "ARG", "ARG", "MEX"))
    round_ = round_lifecycle.create_closed_round(world.facilitator, world.committee)
    item = round_items.add_agreement_item(world.facilitator, round_, {"es": "x", "en": "x"})
    round_lifecycle.open_round(world.facilitator, round_)
    for member in world.members[:2]:
        round_answers.save_response(member, round_, {item.id: round_answers.AnswerInput(rating=4)}, submit=True)
    db.session.commit()
    result = round_queries.participation(round_queries.round_detail(round_.id))
    rates = {c.country.iso3: (c.members, c.submitted, c.rate) for c in result.by_country}
    assert rates == {"CHL": (1, 1, 100), "ARG": (2, 1, 50), "MEX": (1, 0, 0)}
    assert (result.overall.members, result.overall.submitted, result.overall.rate) == (4, 2, 50)
    assert [row.status for row in result.rows].count("submitted") == 2


def test_reminders_are_refused_when_the_round_is_not_open(db, client, login_as, closed_round):
    world = closed_round([[4, 5, 5]])
    login_as(world.facilitator)
    assert client.post(f"/committees/rounds/{world.round.id}/remind").status_code == 409
