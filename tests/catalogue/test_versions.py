"""Version statuses and transitions exactly as docs/methods.md §6.1, the current version, and the audit."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from whitepaper.catalogue import queries, services
from whitepaper.errors import InvalidTransition
from whitepaper.models import AuditEvent, CatalogueVersion


def _version(db, key):
    model = queries.model_by_key(key)
    return model, queries.current_version(model)


def _new_draft(db, model, label="2030"):
    source = queries.current_version(model)
    content = queries.version_content(queries.version_tree(source.id))
    return services.build_version(model, content, label=label, status="draft", source="test")


def test_current_version_is_the_approved_one_else_the_latest_not_retired(db):
    model, current = _version(db, "national")
    assert current.status == "approved" and current.label == "2017"
    draft = _new_draft(db, model)
    db.session.commit()
    model = queries.model_by_key("national")
    assert queries.current_version(model).label == "2017"   # approved wins over a newer draft
    sectoral, version = _version(db, "sectoral")
    assert version.status == "draft"
    newer = _new_draft(db, sectoral, "2027-draft")
    db.session.commit()
    assert queries.current_version(queries.model_by_key("sectoral")).id == newer.id
    assert draft.id != newer.id


@pytest.mark.parametrize("status, action", [
    ("approved", lambda v: v.open_consultation()),
    ("retired", lambda v: v.open_consultation()),
    ("draft", lambda v: v.close_consultation()),
    ("approved", lambda v: v.close_consultation()),
    ("in_consultation", lambda v: v.approve(date(2027, 1, 1), "CRP/1")),
    ("retired", lambda v: v.approve(date(2027, 1, 1), "CRP/1")),
    ("approved", lambda v: v.approve(date(2027, 1, 1), "CRP/1")),
    ("approved", lambda v: v.set_piloting(True)),
])
def test_transitions_other_than_the_allowed_ones_are_refused(db, status, action):
    version = CatalogueVersion(status=status)
    with pytest.raises(InvalidTransition):
        action(version)
    assert version.status == status


def test_consultation_opens_and_closes(db):
    _model, version = _version(db, "sectoral")
    services.open_consultation(None, version)
    assert version.status == "in_consultation"
    services.close_consultation(None, version)
    assert version.status == "retired"


def test_crp_approval_retires_the_previous_approved_version_and_is_audited(db, make_user):
    admin = make_user("admin")
    model, old = _version(db, "national")
    draft = _new_draft(db, model)
    services.record_crp_approval(admin, draft, date(2030, 11, 20), "CRP/XIX/02")
    db.session.commit()
    assert draft.status == "approved" and draft.crp_reference == "CRP/XIX/02"
    assert old.status == "retired"
    assert queries.current_version(queries.model_by_key("national")).id == draft.id
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"catalogue_version.approve", "catalogue_version.retire"} <= actions


def test_admin_opens_a_draft_for_piloting_from_the_page(client, db, make_user, login_as):
    login_as(make_user("admin"))
    response = client.post("/catalogue/sectoral/2026-draft/piloting", data={"open": "1"})
    assert response.status_code == 302
    _model, version = _version(db, "sectoral")
    assert version.is_open_for_piloting and version.is_usable_for_assessment


def test_only_admins_change_versions(client, db, make_user, login_as):
    login_as(make_user("facilitator"))
    assert client.post("/catalogue/sectoral/2026-draft/piloting", data={"open": "1"}).status_code == 403
    assert client.post("/catalogue/sectoral/2026-draft/approve",
                       data={"decision_date": "2027-01-01", "reference": "x"}).status_code == 403


def test_recording_the_crp_decision_through_the_page(client, db, make_user, login_as):
    login_as(make_user("admin"))
    response = client.post("/catalogue/sectoral/2026-draft/approve",
                           data={"decision_date": "2027-03-15", "reference": "CRP/XX/01"})
    assert response.status_code == 302
    _model, version = _version(db, "sectoral")
    assert version.status == "approved" and version.crp_decision_date == date(2027, 3, 15)


def test_approving_an_approved_version_answers_409_with_a_message(client, db, make_user, login_as):
    login_as(make_user("admin"))
    response = client.post("/catalogue/national/2017/approve",
                           data={"decision_date": "2027-03-15", "reference": "CRP/XX/01"})
    assert response.status_code == 409
    assert "aprobada" in response.get_data(as_text=True)
