"""Feedback once published (the member's own answer highlighted, anonymous comments, the codebook summary),
and the audit trail: that an answer was given or changed, never its content."""
from __future__ import annotations

import json

from sqlalchemy import select


def test_feedback_waits_for_publication_and_highlights_the_members_own_answer(db, client, login_as,
                                                                            closed_round):
    from whitepaper.delphi import services
    world = closed_round([[2, 4, 4, 5]], status="closed", comments={(0, 3): "Depende del sector."})
    login_as(world.members[0])
    assert client.get(f"/committees/rounds/{world.round.id}/feedback").status_code == 403
    assert client.get(f"/api/v1/rounds/{world.round.id}/results").status_code == 403
    services.publish_round(world.facilitator, world.round)
    db.session.commit()
    page = client.get(f"/committees/rounds/{world.round.id}/feedback").get_data(as_text=True)
    assert "Your answer" in page and "<strong>2</strong>" in page
    assert "your answer</text>" in page  # the chart marks the member's own rating
    assert "Depende del sector." in page  # anonymous comments
    assert "Median" in page and "75.0 %" in page


def test_open_round_feedback_summarises_the_codebook(db, client, login_as, committee):
    from whitepaper.delphi import queries, services
    from whitepaper.models import Answer
    world = committee("sectoral", ("CHL", "ARG", "MEX"))
    fac = world.facilitator
    round_ = services.create_open_round(fac, world.committee)
    services.open_round(fac, round_)
    round_ = queries.round_detail(round_.id)
    good, obstacles, ranking = round_.items
    for member in world.members:
        services.save_response(member, round_, {
            good.id: services.AnswerInput(text="Texto"), obstacles.id: services.AnswerInput(text="Otro"),
            ranking.id: services.AnswerInput(ranking={k: i + 1 for i, k in enumerate(ranking.option_keys)})},
            submit=True)
    services.close_round(fac, round_)
    code = services.add_code(fac, round_, label_es="Coordinación", label_en="Coordination",
                             definition_en="Working with other sectors.")
    for answer in db.session.scalars(select(Answer).where(Answer.item_id.in_([good.id, obstacles.id]))):
        services.assign_code(fac, answer, code)
    services.publish_round(fac, round_)
    db.session.commit()
    login_as(world.members[1])
    page = client.get(f"/committees/rounds/{round_.id}/feedback").get_data(as_text=True)
    assert "Coordination" in page and "Working with other sectors." in page
    assert "Kendall" in page and "Texto" not in page


def test_the_audit_trail_records_answers_given_and_changed_never_their_content(db, committee):
    from whitepaper.delphi import services
    from whitepaper.models import AuditEvent
    world = committee()
    round_ = services.create_closed_round(world.facilitator, world.committee)
    item = services.add_agreement_item(world.facilitator, round_, {"es": "x", "en": "x"})
    services.open_round(world.facilitator, round_)
    member = world.members[0]
    services.save_response(member, round_, {item.id: services.AnswerInput(rating=2, comment="COMENTARIO-SECRETO")},
                           submit=False)
    services.save_response(member, round_, {item.id: services.AnswerInput(rating=3)}, submit=True)
    services.save_response(member, round_, {item.id: services.AnswerInput(rating=5)}, submit=True)
    services.save_response(member, round_, {item.id: services.AnswerInput(rating=5)}, submit=True)  # no change
    services.close_round(world.facilitator, round_)
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
