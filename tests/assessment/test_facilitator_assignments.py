"""Least privilege for facilitators (docs/design.md §1.2): a facilitator reads a country's drafts and evidence, and
reviews, validates, returns and publishes its assessments, only when an administrator assigned them to that
country; published assessments stay readable to every facilitator, published public ones to everyone."""
from __future__ import annotations

import io

from whitepaper.models import Assessment, Evidence, Rating

from ..helpers import outbox

PDF = b"%PDF-1.4\n% evidence of a draft\n"


def _draft_with_evidence(client, db, login_as, make_user, make_assessment):
    assessor = make_user("assessor", country="CRI")
    draft = make_assessment("CRI", author=assessor)
    login_as(assessor)
    response = client.post(f"/assessments/{draft.id}/criteria/NAC-1-01", data={
        "choice": "elements", "version": "0", "justification": "Borrador reservado del taller",
        "evidence_file": (io.BytesIO(PDF), "acta.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    evidence = db.session.scalar(db.select(Evidence).join(Rating).where(Rating.assessment_id == draft.id))
    return draft, evidence


def test_a_facilitator_reads_drafts_and_evidence_only_of_the_countries_assigned_to_them(
        client, db, login_as, make_user, make_assessment, assigned_facilitator):
    draft, evidence = _draft_with_evidence(client, db, login_as, make_user, make_assessment)
    published = make_assessment("CHL", status="published", is_public=False)
    pages = [f"/assessments/{draft.id}", f"/assessments/{draft.id}/rate", f"/assessments/{draft.id}/scorecard",
             f"/assessments/{draft.id}/criteria/NAC-1-01", f"/assessments/{draft.id}/evidence/{evidence.id}",
             f"/assessments/{draft.id}/scorecard.pdf", f"/api/v1/assessments/{draft.id}"]

    login_as(assigned_facilitator("CHL"))  # a facilitator, but not of Costa Rica
    for url in pages:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Borrador reservado" not in response.data and PDF not in response.data, url
    assert f'/assessments/{draft.id}"' not in client.get("/assessments/").get_data(as_text=True)
    assert draft.id not in [a["id"] for a in client.get("/api/v1/assessments").get_json()["assessments"]]
    # what is published stays readable to every facilitator
    assert client.get(f"/assessments/{published.id}/scorecard").status_code == 200

    login_as(assigned_facilitator("CRI"))
    for url in pages[:5]:
        assert client.get(url).status_code == 200, url
    assert client.get(f"/assessments/{draft.id}/evidence/{evidence.id}").data == PDF
    assert f'/assessments/{draft.id}"' in client.get("/assessments/").get_data(as_text=True)


def test_only_the_facilitators_of_its_country_review_validate_and_publish_an_assessment(
        client, db, login_as, make_assessment, assigned_facilitator):
    submitted = make_assessment("CRI", status="submitted")
    published = make_assessment("CRI", period=(2015, 2018), status="published", is_public=False)

    login_as(assigned_facilitator("CHL"))
    assert client.get(f"/assessments/{submitted.id}/review").status_code == 404  # not theirs to see
    assert client.post(f"/assessments/{submitted.id}/validate", data={"comments": ""}).status_code == 404
    # a published assessment is seen by every facilitator, but only its country's facilitators act on it
    assert client.post(f"/assessments/{published.id}/visibility", data={"is_public": "y"}).status_code == 403
    assert client.post(f"/assessments/{published.id}/return", data={"comments": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Assessment, submitted.id).status == "submitted"
    assert db.session.get(Assessment, published.id).is_public is False

    login_as(assigned_facilitator("CRI"))
    assert 'id="validate"' in client.get(f"/assessments/{submitted.id}/review").get_data(as_text=True)
    assert client.post(f"/assessments/{submitted.id}/validate", data={"comments": ""}).status_code == 302
    assert client.post(f"/assessments/{submitted.id}/publish", data={"is_public": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, submitted.id).status == "published"


def test_a_submission_is_announced_to_its_countrys_facilitators_or_else_to_the_admins(
        client, db, login_as, make_user, make_assessment, assigned_facilitator):
    assessor = make_user("assessor", country="CRI")
    ours = assigned_facilitator("CRI", email="ours@example.org")
    assigned_facilitator("CHL", email="theirs@example.org")
    make_user("admin", email="boss@example.org")
    login_as(assessor)
    first = make_assessment("CRI", rate="all", author=assessor)
    assert client.post(f"/assessments/{first.id}/submit").status_code == 302
    assert outbox(db, "ours@example.org") and not outbox(db, "theirs@example.org")
    assert not outbox(db, "boss@example.org")

    from whitepaper.admin import assignments
    assignments.assign(make_user("admin"), db.session.merge(ours), committees=[], countries=[])
    db.session.commit()  # Costa Rica has no facilitator any more
    second = make_assessment("CRI", period=(2015, 2018), rate="all", author=assessor)
    assert client.post(f"/assessments/{second.id}/submit").status_code == 302
    assert outbox(db, "boss@example.org") and not outbox(db, "theirs@example.org")
