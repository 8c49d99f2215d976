"""Feedback once published (the member's own answer highlighted, anonymous comments, the codebook summary),
and the audit trail: that an answer was given or changed, never its content."""
from __future__ import annotations

import json

from sqlalchemy import select

from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import codebook as round_codebook
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries


def test_feedback_waits_for_publication_and_highlights_the_members_own_answer(db, client, login_as,
                                                                            closed_round):
    world = closed_round([[2, 4, 4, 5]], status="closed", comments={(0, 3): "Depende del sector."})
    login_as(world.members[0])
    assert client.get(f"/committees/rounds/{world.round.id}/feedback").status_code == 403
    assert client.get(f"/api/v1/rounds/{world.round.id}/results").status_code == 403
    round_lifecycle.publish_round(world.facilitator, world.round)
    db.session.commit()
    page = client.get(f"/committees/rounds/{world.round.id}/feedback").get_data(as_text=True)
    assert "Your answer" in page and "<strong>2</strong>" in page
    assert "your answer</text>" in page  # the chart marks the member's own rating
    assert "Depende del sector." in page  # anonymous comments
    assert "Median" in page and "75.0 %" in page


def test_open_round_feedback_summarises_the_codebook(db, client, login_as, committee):
    from whitepaper.models import Answer
    world = committee("sectoral", ("CHL", "ARG", "MEX"))
    fac = world.facilitator
    round_ = round_lifecycle.create_open_round(fac, world.committee)
    round_lifecycle.open_round(fac, round_)
    round_ = round_queries.round_detail(round_.id)
    good, obstacles, ranking = round_.items
    for member in world.members:
        round_answers.save_response(member, round_, {
            good.id: round_answers.AnswerInput(text="Texto"), obstacles.id: round_answers.AnswerInput(text="Otro"),
            ranking.id: round_answers.AnswerInput(ranking={k: i + 1 for i, k in enumerate(ranking.option_keys)})},
            submit=True)
    round_lifecycle.close_round(fac, round_)
    code = round_codebook.add_code(fac, round_, label_es="Coordinación", label_en="Coordination",
                             definition_en="Working with other sectors.")
    for answer in db.session.scalars(select(Answer).where(Answer.item_id.in_([good.id, obstacles.id]))):
        round_codebook.assign_code(fac, answer, code)
    round_lifecycle.publish_round(fac, round_)
    db.session.commit()
    login_as(world.members[1])
    page = client.get(f"/committees/rounds/{round_.id}/feedback").get_data(as_text=True)
    assert "Coordination" in page and "Working with other sectors." in page
    assert "Kendall" in page and "Texto" not in page


def test_the_audit_trail_records_answers_given_and_changed_never_their_content(db, committee):
    from whitepaper.models import AuditEvent
    world = committee()
    round_ = round_lifecycle.create_closed_round(world.facilitator, world.committee)
    item = round_items.add_agreement_item(world.facilitator, round_, {"es": "x", "en": "x"})
    round_lifecycle.open_round(world.facilitator, round_)
    member = world.members[0]
    round_answers.save_response(member, round_, {item.id: round_answers.AnswerInput(rating=2, comment="COMENTARIO-SECRETO")},
                           submit=False)
    round_answers.save_response(member, round_, {item.id: round_answers.AnswerInput(rating=3)}, submit=True)
    round_answers.save_response(member, round_, {item.id: round_answers.AnswerInput(rating=5)}, submit=True)
    round_answers.save_response(member, round_, {item.id: round_answers.AnswerInput(rating=5)}, submit=True)  # no change
    round_lifecycle.close_round(world.facilitator, round_)
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == member.id)
                                .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["delphi_response.save", "delphi_response.submit", "delphi_response.change"]
    for event in events:
        stored = json.dumps([event.before, event.after])
        assert "COMENTARIO" not in stored and '"rating"' not in stored
        assert set(event.after) == {"round", "status", "items_changed"}
    transitions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("delphi_round.%")).order_by(AuditEvent.id))]
    assert transitions == ["delphi_round.create", "delphi_round.open", "delphi_round.close"]
