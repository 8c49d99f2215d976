"""Committees, the ready-made first round, round transitions, locked settings, and answering: drafts,
submission, changes until closing, refusal after closing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from whitepaper.delphi import committees as delphi_committees
from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries


def test_one_committee_per_model_consulting_the_current_or_consulted_version(db, make_user):
    from whitepaper.catalogue import queries as catalogue
    admin = make_user("admin")
    committees = delphi_committees.ensure_committees(admin)
    again = delphi_committees.ensure_committees(admin)
    assert [c.id for c in committees] == [c.id for c in again]
    by_key = {c.planning_model.key: c for c in committees}
    assert set(by_key) == {"national", "subnational", "sectoral", "vision"}
    for key, committee in by_key.items():
        model = catalogue.model_by_key(key)
        assert committee.catalogue_version_id == catalogue.current_version(model).id


def test_round_one_comes_ready_made_with_the_three_questions_in_both_languages(db, committee):
    sectoral = committee("sectoral")
    vision = committee("vision")
    a = round_queries.round_detail(round_lifecycle.create_open_round(sectoral.facilitator, sectoral.committee).id)
    b = round_queries.round_detail(round_lifecycle.create_open_round(vision.facilitator, vision.committee).id)
    assert [i.kind for i in a.items] == ["open_text", "open_text", "ranking"]
    for item in a.items + b.items:
        assert item.text["es"] and item.text["en"]
    assert "sectorial" in a.items[0].text["es"] and "sectoral" in a.items[0].text["en"]
    assert "visión de desarrollo de largo plazo" in b.items[0].text["es"]
    assert "obstacles" in a.items[1].text["en"] and "su país" in a.items[1].text["es"]
    ranking = a.items[2]
    assert ranking.option_keys == ["institutional", "design", "implementation", "outcomes", "sustainable_agenda"]
    assert ranking.comment_prompt["es"] and ranking.comment_prompt["en"]  # the reason for the ranking
    assert a.kind == "open" and a.status == "draft" and a.number == 1


def test_round_transitions_and_refusals(db, client, login_as, committee):
    from whitepaper.models import Round
    world = committee()
    round_ = round_lifecycle.create_open_round(world.facilitator, world.committee)
    db.session.commit()
    login_as(world.facilitator)
    assert client.post(f"/committees/rounds/{round_.id}/publish").status_code == 409
    assert client.post(f"/committees/rounds/{round_.id}/close").status_code == 409
    assert client.post(f"/committees/rounds/{round_.id}/open").status_code == 302
    assert client.post(f"/committees/rounds/{round_.id}/open").status_code == 409
    assert db.session.get(Round, round_.id).status == "open"
    assert client.post(f"/committees/rounds/{round_.id}/close").status_code == 302
    assert client.post(f"/committees/rounds/{round_.id}/publish").status_code == 302
    assert db.session.get(Round, round_.id).status == "published"
    login_as(world.members[0])
    assert client.post(f"/committees/rounds/{round_.id}/close").status_code == 403


def test_scale_and_rule_cannot_change_once_the_round_has_opened(db, client, login_as, committee):
    from whitepaper.errors import InvalidTransition
    from whitepaper.models import Round
    world = committee()
    round_ = round_lifecycle.create_closed_round(world.facilitator, world.committee, scale=5, rule="default")
    round_items.add_agreement_item(world.facilitator, round_, {"es": "Uno", "en": "One"})
    db.session.commit()
    login_as(world.facilitator)
    changed = client.post(f"/committees/rounds/{round_.id}/settings", data={"scale": "9", "rule": "70_15"})
    assert changed.status_code == 302
    assert (db.session.get(Round, round_.id).scale, db.session.get(Round, round_.id).rule) == (9, "70_15")
    assert client.post(f"/committees/rounds/{round_.id}/open").status_code == 302

    refused = client.post(f"/committees/rounds/{round_.id}/settings", data={"scale": "9", "rule": "rand_ucla"})
    assert refused.status_code == 409
    assert "locked" in refused.get_data(as_text=True)
    refused = client.post(f"/committees/rounds/{round_.id}/settings",
                          data={"scale": "9", "rule": "70_15", "band_low": "6", "band_high": "9"})
    assert refused.status_code == 409
    stored = db.session.get(Round, round_.id)
    assert (stored.scale, stored.rule, stored.band) == (9, "70_15", None)
    with pytest.raises(InvalidTransition):
        stored.rule = "rand_ucla"  # the model itself refuses, whatever the path
    with pytest.raises(InvalidTransition):
        stored.scale = 5
    db.session.rollback()
    # The closing date may still move while the round is open.
    moved = client.post(f"/committees/rounds/{round_.id}/settings",
                        data={"scale": "9", "rule": "70_15", "closes_at": "2099-01-31T12:00"})
    assert moved.status_code == 302
    assert db.session.get(Round, round_.id).closes_at.year == 2099


class OpenRound:
    """An open round 1 and its items' ids, read once (requests expire what the test session loaded)."""

    def __init__(self, db, world):
        round_ = round_lifecycle.create_open_round(world.facilitator, world.committee)
        round_lifecycle.open_round(world.facilitator, round_)
        db.session.commit()
        round_ = round_queries.round_detail(round_.id)
        self.round = round_
        self.id = round_.id
        self.good, self.obstacles, self.ranking = (i.id for i in round_.items)
        self.keys = round_.items[2].option_keys


def _open_round(db, world) -> OpenRound:
    return OpenRound(db, world)


def _form(round_: OpenRound, good="Buena coordinación", obstacles="Rotación del personal", ranks=(1, 2, 3, 4, 5),
          reason=""):
    data = {f"text-{round_.good}": good, f"text-{round_.obstacles}": obstacles, f"comment-{round_.ranking}": reason}
    for key, rank in zip(round_.keys, ranks):
        data[f"rank-{round_.ranking}-{key}"] = str(rank) if rank else ""
    return data


def test_a_member_saves_a_draft_then_submits_and_may_change_until_closing(db, client, login_as, committee):
    from whitepaper.models import Response
    world = committee()
    round_ = _open_round(db, world)
    login_as(world.members[0])
    page = client.get(f"/committees/rounds/{round_.id}/answer")
    assert page.status_code == 200 and 'id="save-draft"' in page.get_data(as_text=True)

    draft = client.post(f"/committees/rounds/{round_.id}/answer",
                        data={**_form(round_, obstacles="", ranks=(1, None, None, None, None)), "action": "draft"},
                        follow_redirects=True)
    assert draft.status_code == 200
    response = db.session.scalar(select(Response))
    assert response.status == "draft" and response.submitted_at is None
    assert "Rotación" not in draft.get_data(as_text=True) and "Buena coordinación" in draft.get_data(as_text=True)

    incomplete = client.post(f"/committees/rounds/{round_.id}/answer",
                             data={**_form(round_, obstacles=""), "action": "submit"})
    assert incomplete.status_code == 400
    assert "missing: 2" in incomplete.get_data(as_text=True)
    assert db.session.scalar(select(Response)).status == "draft"

    submitted = client.post(f"/committees/rounds/{round_.id}/answer", data={**_form(round_), "action": "submit"},
                            follow_redirects=True)
    assert submitted.status_code == 200
    assert "your answers have been submitted" in submitted.get_data(as_text=True)
    response = db.session.scalar(select(Response))
    assert response.status == "submitted" and response.submitted_at is not None

    changed = client.post(f"/committees/rounds/{round_.id}/answer",
                          data={**_form(round_, good="Otra respuesta"), "action": "submit"}, follow_redirects=True)
    assert changed.status_code == 200 and "Otra respuesta" in changed.get_data(as_text=True)
    assert db.session.scalar(select(Response)).status == "submitted"


def test_answers_after_closing_are_refused_with_a_clear_message(db, client, login_as, committee):
    from whitepaper.errors import Conflict
    from whitepaper.models import Answer
    world = committee()
    round_ = _open_round(db, world)
    login_as(world.members[0])
    assert client.post(f"/committees/rounds/{round_.id}/answer",
                       data={**_form(round_), "action": "submit"}).status_code == 302
    round_lifecycle.close_round(world.facilitator, round_.round)
    db.session.commit()
    for member in world.members[:2]:
        login_as(member)
        refused = client.post(f"/committees/rounds/{round_.id}/answer",
                              data={**_form(round_, good="Tarde"), "action": "submit"})
        assert refused.status_code == 409
        assert "no longer" in refused.get_data(as_text=True)
    assert not db.session.scalars(select(Answer).where(Answer.text == "Tarde")).all()
    with pytest.raises(Conflict):
        round_answers.save_response(world.members[1], round_.round, {}, submit=False)


def test_answers_after_the_closing_date_are_refused_even_before_the_facilitator_closes(db, committee):
    from whitepaper.errors import Conflict
    from whitepaper.models.base import utcnow
    world = committee()
    round_ = round_lifecycle.create_open_round(world.facilitator, world.committee, closes_at=utcnow() + timedelta(days=2))
    round_lifecycle.open_round(world.facilitator, round_)
    db.session.commit()
    with pytest.raises(Conflict):
        round_answers.save_response(world.members[0], round_, {}, submit=False, now=utcnow() + timedelta(days=3))


def test_only_members_of_the_committee_answer_and_only_its_facilitators_run_it(db, client, login_as, committee,
                                                                              make_user):
    world = committee("sectoral")
    other = committee("vision")
    round_ = _open_round(db, world)
    # another committee's round is not theirs to see: 404, as if it did not exist (docs/design.md §1.2)
    login_as(other.members[0])
    assert client.get(f"/committees/rounds/{round_.id}/answer").status_code == 404
    assert client.post(f"/committees/rounds/{round_.id}/answer", data=_form(round_)).status_code == 404
    login_as(other.facilitator)
    for path in ("", "participation", "systemize", "results", "export/answers.csv"):
        assert client.get(f"/committees/rounds/{round_.id}/{path}").status_code == 404, path
    assert client.post(f"/committees/rounds/{round_.id}/close").status_code == 404
    login_as(world.members[0])  # sees the open round, but does not run it
    assert client.get(f"/committees/rounds/{round_.id}/participation").status_code == 403
    login_as(world.facilitator)
    assert client.get(f"/committees/rounds/{round_.id}/answer").status_code == 403  # facilitators do not answer


def test_a_member_is_invited_through_the_outbox(db, client, login_as, committee):
    from tests.helpers import outbox
    from whitepaper.models import Membership
    world = committee()
    login_as(world.facilitator)
    response = client.post(f"/committees/{world.committee.id}/members",
                           data={"email": "nueva@example.org", "name": "Nueva Experta", "role": "member",
                                 "country": "URY", "expertise": "Presupuesto", "is_voting_representative": "y"})
    assert response.status_code == 302
    mails = outbox(db, "nueva@example.org")
    assert len(mails) == 2  # the account invitation (choose a password) and the committee's
    membership = db.session.scalar(select(Membership).where(Membership.expertise == "Presupuesto"))
    assert membership.country.iso3 == "URY" and membership.is_voting_representative
    second = client.post(f"/committees/{world.committee.id}/members",
                         data={"email": "otra@example.org", "role": "member", "country": "URY",
                               "is_voting_representative": "y"})
    assert second.status_code == 409  # one voting representative per country
