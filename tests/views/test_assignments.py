"""Facilitator assignments (docs/design.md §1.2): administrators assign facilitators to committees and countries on
an admin page, every change is audited, only administrators add or remove a committee's facilitators, and the
demo facilitator is assigned to everything the demo shows."""
from __future__ import annotations

from sqlalchemy import select

from whitepaper.models import AuditEvent, CountryAssignment, Membership


def _committees(db, admin):
    from whitepaper.delphi import committees
    found = {c.planning_model.key: c for c in committees.ensure_committees(admin)}
    db.session.commit()
    return found


def _actions(db) -> list[tuple[str, dict | None, dict | None]]:
    return [(e.action, e.before, e.after) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_an_admin_assigns_a_facilitator_to_committees_and_countries_and_it_is_audited(client, db, make_user,
                                                                                      login_as):
    admin = make_user("admin")
    facilitator = make_user("facilitator", email="fer@example.org")
    sectoral = _committees(db, admin)["sectoral"]
    login_as(facilitator)
    assert client.get(f"/committees/{sectoral.id}/").status_code == 404  # not assigned: not theirs to see

    login_as(admin)
    assert "fer@example.org" in client.get("/admin/assignments").get_data(as_text=True)
    form = client.get(f"/admin/assignments/{facilitator.id}").get_data(as_text=True)
    assert f'value="{sectoral.id}"' in form and 'value="CRI"' in form
    response = client.post(f"/admin/assignments/{facilitator.id}",
                           data={"committees": [str(sectoral.id)], "countries": ["CRI", "CHL"]})
    assert response.status_code == 302
    assert db.session.scalar(select(Membership).where(Membership.user_id == facilitator.id)).role == "facilitator"
    assert sorted(a.country.iso3 for a in db.session.scalars(
        select(CountryAssignment).where(CountryAssignment.user_id == facilitator.id))) == ["CHL", "CRI"]
    added = [(a, after) for a, _before, after in _actions(db) if a.endswith(".add")]
    assert ("committee.membership.add", {"user": facilitator.id, "role": "facilitator",
                                         "committee": sectoral.id}) in added
    assert ("facilitator.country.add", {"user": facilitator.id, "country": "CRI"}) in added
    listing = client.get("/admin/assignments").get_data(as_text=True)
    assert "Costa Rica" in listing and "Chile" in listing

    login_as(facilitator)
    assert 'action="/committees/' in client.get(f"/committees/{sectoral.id}/").get_data(as_text=True)

    login_as(admin)  # saving without a choice removes every assignment, audited too
    assert client.post(f"/admin/assignments/{facilitator.id}", data={}).status_code == 302
    removed = [(a, before) for a, before, _after in _actions(db) if a.endswith(".remove")]
    assert ("facilitator.country.remove", {"user": facilitator.id, "country": "CHL"}) in removed
    assert [a for a, _b in removed].count("committee.membership.remove") == 1
    assert db.session.scalar(select(CountryAssignment).where(CountryAssignment.user_id == facilitator.id)) is None
    login_as(facilitator)
    assert client.get(f"/committees/{sectoral.id}/").status_code == 404


def test_only_facilitators_are_assigned_and_only_by_admins(client, db, make_user, login_as):
    admin = make_user("admin")
    observer = make_user("observer")
    facilitator = make_user("facilitator")
    login_as(admin)
    assert client.get(f"/admin/assignments/{observer.id}").status_code == 404
    assert client.post(f"/admin/assignments/{observer.id}", data={"countries": ["CRI"]}).status_code == 404
    login_as(facilitator)  # a facilitator does not assign themselves
    assert client.post(f"/admin/assignments/{facilitator.id}", data={"countries": ["CRI"]}).status_code == 403
    assert db.session.scalar(select(CountryAssignment)) is None


def test_a_member_of_a_committee_is_not_made_its_facilitator(client, db, make_user, login_as):
    from whitepaper.delphi import committees
    admin = make_user("admin")
    both = make_user("facilitator", "member", country="CHL")
    sectoral = _committees(db, admin)["sectoral"]
    committees.add_membership(admin, sectoral, both, notify=False)
    db.session.commit()
    login_as(admin)
    response = client.post(f"/admin/assignments/{both.id}", data={"committees": [str(sectoral.id)]})
    assert response.status_code == 409
    assert db.session.scalar(select(Membership).where(Membership.user_id == both.id)).role == "member"


def test_only_admins_add_or_remove_the_facilitators_of_a_committee(client, db, make_user, login_as):
    from whitepaper.delphi import committees
    admin = make_user("admin")
    running = make_user("facilitator")
    colleague = make_user("facilitator", email="colega@example.org")
    sectoral = _committees(db, admin)["sectoral"]
    own = committees.add_membership(admin, sectoral, running, role="facilitator", notify=False)
    db.session.commit()

    login_as(running)  # runs the committee: adds members, but not facilitators
    page = client.get(f"/committees/{sectoral.id}/").get_data(as_text=True)
    assert 'value="member"' in page and 'value="facilitator"' not in page
    invite = {"email": "colega@example.org", "country": "", "role": "facilitator"}
    assert client.post(f"/committees/{sectoral.id}/members", data=invite).status_code == 403
    assert client.post(f"/committees/{sectoral.id}/members/{own.id}/remove").status_code == 403
    assert sectoral.membership_of(colleague) is None and sectoral.membership_of(running) is not None

    login_as(admin)
    assert 'value="facilitator"' in client.get(f"/committees/{sectoral.id}/").get_data(as_text=True)
    assert client.post(f"/committees/{sectoral.id}/members", data=invite).status_code == 302
    db.session.expire_all()
    assert sectoral.membership_of(colleague, "facilitator") is not None


def test_the_demo_facilitator_is_assigned_to_every_committee_and_every_country_of_the_demo(client, db, login_as):
    from whitepaper import demo, permissions
    from whitepaper.delphi import committees
    from whitepaper.demo import assignments as demo_assignments
    from whitepaper.models import Assessment, User
    demo.load()
    facilitator = db.session.scalar(select(User).where(User.email == "facilitadora@demo.cepal.org"))
    for committee in committees.committees():
        assert permissions.can_manage_committee(facilitator, committee), committee
    demo_assessments = db.session.scalars(select(Assessment)).all()
    assert demo_assessments and all(permissions.can_view_assessment(facilitator, a) for a in demo_assessments)
    assert all(permissions.is_assessment_reviewer(facilitator, a) for a in demo_assessments)
    assert demo_assignments.load() == 0  # loading again changes nothing

    draft = next(a for a in demo_assessments if a.status == "draft")  # Costa Rica's own subnational draft
    login_as(facilitator)
    assert client.get(f"/assessments/{draft.id}").status_code == 200
