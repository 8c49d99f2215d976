"""Editing and removing committee members through the committee pages: what changes, what is audited, and
what is refused."""
from __future__ import annotations

from sqlalchemy import select

from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.models import AuditEvent, Membership


def _membership(db, membership_id):
    db.session.expire_all()
    return db.session.get(Membership, membership_id)


def test_a_manager_edits_a_members_country_expertise_and_vote(db, client, login_as, committee):
    world = committee()
    target = world.memberships[0]
    login_as(world.admin)
    url = f"/committees/{world.committee.id}/members/{target.id}"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"country": "URY", "expertise": "Presupuesto por resultados",
                                      "is_voting_representative": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#members")
    stored = _membership(db, target.id)
    assert (stored.country.iso3, stored.expertise, stored.is_voting_representative) == \
        ("URY", "Presupuesto por resultados", True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "committee.membership.update"))
    assert event is not None and event.before != event.after


def test_an_edit_without_a_country_is_refused_and_changes_nothing(db, client, login_as, committee):
    world = committee()
    target = world.memberships[1]
    before = (target.country.iso3, target.expertise)
    login_as(world.admin)
    response = client.post(f"/committees/{world.committee.id}/members/{target.id}",
                           data={"country": "", "expertise": "Otra cosa"})
    assert response.status_code == 400
    stored = _membership(db, target.id)
    assert (stored.country.iso3, stored.expertise) == before


def test_a_member_who_never_answered_is_removed_and_the_removal_is_audited(db, client, login_as, committee):
    world = committee()
    removed, kept = world.memberships[2].id, world.memberships[0].id
    login_as(world.admin)
    response = client.post(f"/committees/{world.committee.id}/members/{removed}/remove")
    assert response.status_code == 302
    assert _membership(db, removed) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "committee.membership.remove"))
    assert _membership(db, kept) is not None  # the others stay


def test_a_member_who_answered_a_round_cannot_be_removed(db, client, login_as, committee):
    world = committee()
    round_ = round_lifecycle.create_open_round(world.facilitator, world.committee)
    round_lifecycle.open_round(world.facilitator, round_)
    first = round_.items[0]
    round_answers.save_response(world.members[0], round_, {first.id: round_answers.AnswerInput(text="Una idea")},
                                submit=False)
    db.session.commit()
    login_as(world.admin)
    response = client.post(f"/committees/{world.committee.id}/members/{world.memberships[0].id}/remove")
    assert response.status_code == 409
    assert _membership(db, world.memberships[0].id) is not None


def test_members_cannot_edit_or_remove_each_other(db, client, login_as, committee):
    world = committee()
    login_as(world.members[0])
    other = world.memberships[1]
    base = f"/committees/{world.committee.id}/members/{other.id}"
    assert client.post(base, data={"country": "CHL", "expertise": "x"}).status_code in (403, 404)
    assert client.post(base + "/remove").status_code in (403, 404)
    stored = _membership(db, other.id)
    assert stored is not None and stored.expertise != "x"
