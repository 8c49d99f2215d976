"""The workflow draft → submitted → validated | returned → published: every transition, every refusal (409 with
a message), and who may do each step."""
from __future__ import annotations

import pytest

from whitepaper.errors import InvalidTransition
from whitepaper.models import Assessment

from ..helpers import outbox
from .conftest import level_rating


def _status(db, assessment_id):
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id).status


@pytest.mark.parametrize("method, allowed", [
    ("submit", {"draft", "returned"}),
    ("validate", {"submitted"}),
    ("return_for_changes", {"submitted", "validated"}),
    ("publish", {"validated"}),
])
def test_each_transition_is_allowed_only_from_its_statuses(method, allowed):
    for status in ("draft", "submitted", "returned", "validated", "published"):
        assessment = Assessment(status=status)
        call = getattr(assessment, method)
        args = (33, 33) if method == "submit" else ()
        if status in allowed:
            call(*args)
        else:
            with pytest.raises(InvalidTransition):
                call(*args)
            assert assessment.status == status


def test_submit_refuses_an_incomplete_assessment_and_says_how_far_it_is():
    assessment = Assessment(status="draft")
    with pytest.raises(InvalidTransition) as refused:
        assessment.submit(32, 33)
    assert "32" in refused.value.message and "33" in refused.value.message
    assert assessment.status == "draft"


def test_assessor_submits_a_complete_draft_and_facilitators_are_told(client, db, make_user, login_as,
                                                                        make_assessment, assigned_facilitator):
    assessor = make_user("assessor", country="CRI")
    assigned_facilitator("CRI", email="fac@example.org")
    a = make_assessment(rate="all", author=assessor)
    login_as(assessor)
    response = client.post(f"/assessments/{a.id}/submit")
    assert response.status_code == 302
    assert _status(db, a.id) == "submitted"
    assert any("Costa Rica" in m.subject for m in outbox(db, "fac@example.org"))


def test_submitting_an_incomplete_draft_answers_409_with_a_message(client, db, make_user, login_as,
                                                                   make_assessment):
    assessor = make_user("assessor", country="CRI")
    a = make_assessment(rate=lambda c: level_rating(c, complete=c.code != "NAC-1-01"), author=assessor)
    login_as(assessor)
    response = client.post(f"/assessments/{a.id}/submit")
    assert response.status_code == 409
    assert "32" in response.get_data(as_text=True)
    assert _status(db, a.id) == "draft"


def test_a_rating_without_means_of_verification_is_not_complete_but_not_applicable_needs_only_a_reason(
        client, db, make_user, login_as, make_assessment):
    from whitepaper.assessment.forms import RatingData
    assessor = make_user("assessor", country="CRI")

    def rule(c):
        if c.code == "NAC-1-01":
            return RatingData(kind="not_applicable", justification="No corresponde en este período.")
        return level_rating(c)
    a = make_assessment(rate=rule, author=assessor)
    login_as(assessor)
    assert client.post(f"/assessments/{a.id}/submit").status_code == 302
    assert _status(db, a.id) == "submitted"


def test_facilitator_validates_then_publishes_and_the_assessment_becomes_read_only(
        client, db, make_user, login_as, make_assessment, assigned_facilitator):
    facilitator = assigned_facilitator("CRI")
    a = make_assessment(status="submitted")
    login_as(facilitator)
    review = client.get(f"/assessments/{a.id}/review")
    assert review.status_code == 200
    page = review.get_data(as_text=True)
    assert 'id="validate"' in page and 'id="return"' in page and "NAC-2-08" in page
    assert client.post(f"/assessments/{a.id}/validate", data={"comments": ""}).status_code == 302
    assert _status(db, a.id) == "validated"
    assert client.post(f"/assessments/{a.id}/publish", data={"is_public": "y"}).status_code == 302
    db.session.expire_all()
    published = db.session.get(Assessment, a.id)
    assert published.status == "published" and published.is_public and published.published_at is not None

    admin = make_user("admin")
    login_as(admin)
    response = client.post(f"/assessments/{a.id}/criteria/NAC-1-01", data={"choice": "elements", "version": "1"})
    assert response.status_code == 409
    autosave = client.post(f"/assessments/{a.id}/criteria/NAC-1-01/autosave", data={"choice": "na"})
    assert autosave.status_code == 409 and autosave.get_json()["error"]["code"] == "invalid_transition"


def test_return_needs_comments_and_sends_them_to_the_author(client, db, make_user, login_as, make_assessment,
                                                           assigned_facilitator):
    assessor = make_user("assessor", country="CRI", email="eva@example.org")
    a = make_assessment(status="submitted", author=assessor)
    login_as(assigned_facilitator("CRI"))
    refused = client.post(f"/assessments/{a.id}/return", data={"comments": "  "})
    assert refused.status_code == 400
    assert _status(db, a.id) == "submitted"
    assert client.post(f"/assessments/{a.id}/return",
                       data={"comments": "Revisen NAC-2-08."}).status_code == 302
    assert _status(db, a.id) == "returned"
    assert any("Revisen NAC-2-08." in m.body for m in outbox(db, "eva@example.org"))

    # The assessor sees the comments, edits the returned assessment and submits it again.
    login_as(assessor)
    page = client.get(f"/assessments/{a.id}").get_data(as_text=True)
    assert "Revisen NAC-2-08." in page
    assert client.post(f"/assessments/{a.id}/submit").status_code == 302
    assert _status(db, a.id) == "submitted"


@pytest.mark.parametrize("endpoint, status", [("validate", "draft"), ("publish", "submitted"),
                                              ("validate", "published"), ("return", "draft")])
def test_invalid_review_steps_answer_409(client, db, assigned_facilitator, login_as, make_assessment, endpoint,
                                         status):
    a = make_assessment(status=status)
    login_as(assigned_facilitator("CRI"))
    response = client.post(f"/assessments/{a.id}/{endpoint}", data={"comments": "x", "is_public": "y"})
    assert response.status_code == 409
    assert _status(db, a.id) == status


@pytest.mark.parametrize("role", ["assessor", "observer", "member"])
def test_only_facilitators_and_admins_review(client, db, make_user, login_as, make_assessment, role):
    a = make_assessment(status="submitted")
    login_as(make_user(role, country="CRI" if role == "assessor" else None))
    for endpoint in ("validate", "return", "publish"):
        assert client.post(f"/assessments/{a.id}/{endpoint}", data={"comments": "x"}).status_code in (403, 404)
    assert client.get(f"/assessments/{a.id}/review").status_code in (403, 404)
    assert _status(db, a.id) == "submitted"


def test_a_correction_is_a_new_draft_that_records_what_it_revises(client, db, make_user, login_as,
                                                                  make_assessment):
    assessor = make_user("assessor", country="CRI")
    a = make_assessment(status="published", author=assessor)
    login_as(assessor)
    response = client.post(f"/assessments/{a.id}/revise")
    assert response.status_code == 302
    correction = db.session.scalar(db.select(Assessment).where(Assessment.revises_id == a.id))
    assert correction.status == "draft" and correction.period_end == a.period_end
    assert _status(db, a.id) == "published"
    # the copied ratings are complete: the correction can be submitted at once
    assert client.post(f"/assessments/{correction.id}/submit").status_code == 302
    # only one correction at a time
    assert client.post(f"/assessments/{a.id}/revise").status_code == 409


def test_a_draft_cannot_be_revised(client, make_user, login_as, make_assessment):
    assessor = make_user("assessor", country="CRI")
    a = make_assessment(author=assessor)
    login_as(assessor)
    assert client.post(f"/assessments/{a.id}/revise").status_code == 409


def test_visibility_of_a_published_assessment_is_changed_by_a_facilitator(client, db, assigned_facilitator, login_as,
                                                                          make_assessment):
    a = make_assessment(status="published", is_public=False)
    assert client.get(f"/assessments/{a.id}/scorecard").status_code == 404  # anonymous: as if it did not exist
    login_as(assigned_facilitator("CRI"))
    assert client.post(f"/assessments/{a.id}/visibility", data={"is_public": "y"}).status_code == 302
    with client.session_transaction() as session:
        session.clear()
    assert client.get(f"/assessments/{a.id}/scorecard").status_code == 200
