"""The rating form: plain submit and autosave save the same thing; element marks become a value with the
polarity applied; errors keep what was typed; a concurrent edit is detected and nothing is overwritten;
workshop groups rate separately and their divergence is shown, never averaged."""
from __future__ import annotations

import re

from whitepaper.models import Evidence, GroupRating, ImprovementAction, Rating, WorkshopGroup

from ..helpers import csrf_token


def _rating(db, assessment, code):
    from whitepaper.models import Criterion
    db.session.expire_all()
    return db.session.scalar(db.select(Rating).join(Criterion, Criterion.id == Rating.criterion_id)
                             .where(Rating.assessment_id == assessment.id, Criterion.code == code))


def _setup(make_user, login_as, make_assessment, **kwargs):
    assessor = make_user("assessor", country="CRI")
    a = make_assessment(author=assessor, **kwargs)
    login_as(assessor)
    return a


def test_a_level_rating_is_saved_by_plain_submit_and_shown_again(client, db, make_user, login_as, make_assessment):
    a = _setup(make_user, login_as, make_assessment, model="subnational", scope="Jalisco")
    response = client.post(f"/assessments/{a.id}/criteria/SUB-1-01", data={
        "choice": "2", "version": "0", "justification": "Hay profesionales, pocos procesos.",
        "means_of_verification": "Organigrama", "action_what": "Capacitar", "action_who": "Unidad X",
        "action_due": "2027-06-30", "link_url": "https://example.org/informe", "link_label": "Informe"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/rate/institutional#c-SUB-1-01")
    rating = _rating(db, a, "SUB-1-01")
    assert (rating.kind, rating.level, rating.version) == ("value", 2, 1)
    action = db.session.scalar(db.select(ImprovementAction).where(ImprovementAction.rating_id == rating.id))
    assert (action.what, action.who, action.due_date.isoformat()) == ("Capacitar", "Unidad X", "2027-06-30")
    link = db.session.scalar(db.select(Evidence).where(Evidence.rating_id == rating.id))
    assert (link.kind, link.url, link.label) == ("link", "https://example.org/informe", "Informe")

    page = client.get(f"/assessments/{a.id}/rate/institutional").get_data(as_text=True)
    assert re.search(r'value="2" id="SUB-1-01-l2" checked', page)
    assert "Hay profesionales, pocos procesos." in page and 'href="https://example.org/informe"' in page
    assert 'data-progress-text="institutional">1 ' in page.replace("de ", "")  # 1 of 4 complete

    # Emptying the action removes it; switching to "not applicable" drops the level.
    client.post(f"/assessments/{a.id}/criteria/SUB-1-01", data={"choice": "na", "version": "1",
                                                               "justification": "No corresponde."})
    rating = _rating(db, a, "SUB-1-01")
    assert (rating.kind, rating.level, rating.version) == ("not_applicable", None, 2)
    assert db.session.scalar(db.select(ImprovementAction).where(ImprovementAction.rating_id == rating.id)) is None


def test_element_marks_give_the_number_of_favourable_elements_with_polarity(client, db, make_user, login_as,
                                                                            make_assessment, criterion_of):
    a = _setup(make_user, login_as, make_assessment)
    criterion = criterion_of(a, "NAC-1-02")
    negative = [e for e in criterion.elements if e.polarity == "negative"]
    assert negative, "NAC-1-02 has a negatively worded element"
    data = {"choice": "elements", "version": "0", "justification": "J", "means_of_verification": "M"}
    for e in criterion.elements:
        data[f"element-{e.position}"] = "present"
    assert client.post(f"/assessments/{a.id}/criteria/NAC-1-02", data=data).status_code == 302
    api = client.get(f"/api/v1/assessments/{a.id}").get_json()
    entry = next(r for r in api["ratings"] if r["criterion"] == "NAC-1-02")
    # every element present: the negatively worded ones are unfavourable
    assert entry["value"] == len(criterion.elements) - len(negative)
    assert entry["elements_present"] == [e.code for e in criterion.elements]
    card = client.get(f"/api/v1/assessments/{a.id}/scorecard").get_json()
    row = next(c for c in card["criteria"] if c["code"] == "NAC-1-02")
    assert row["value"] == entry["value"]
    assert row["attainment"] == entry["value"] / criterion.optimal

    # marking the negative element absent makes it favourable
    data[f"element-{negative[0].position}"] = "absent"
    data["version"] = "1"
    client.post(f"/assessments/{a.id}/criteria/NAC-1-02", data=data)
    entry = next(r for r in client.get(f"/api/v1/assessments/{a.id}").get_json()["ratings"]
                 if r["criterion"] == "NAC-1-02")
    assert entry["value"] == len(criterion.elements) - len(negative) + 1


def test_an_element_left_unanswered_leaves_the_criterion_unrated(client, db, make_user, login_as, make_assessment,
                                                                 criterion_of):
    a = _setup(make_user, login_as, make_assessment)
    criterion = criterion_of(a, "NAC-1-03")
    data = {"choice": "elements", "version": "0", "justification": "J", "means_of_verification": "M"}
    for e in criterion.elements[1:]:
        data[f"element-{e.position}"] = "absent"
    client.post(f"/assessments/{a.id}/criteria/NAC-1-03", data=data)
    from whitepaper.models import ElementMark
    marks = db.session.scalar(db.select(db.func.count()).select_from(ElementMark)
                              .where(ElementMark.rating_id == _rating(db, a, "NAC-1-03").id))
    assert marks == len(criterion.elements) - 1
    assert "NAC-1-03" not in [r["criterion"] for r in client.get(f"/api/v1/assessments/{a.id}").get_json()["ratings"]]
    card = client.get(f"/api/v1/assessments/{a.id}/scorecard").get_json()
    assert next(c for c in card["criteria"] if c["code"] == "NAC-1-03")["status"] == "unrated"


def test_an_invalid_answer_is_refused_and_everything_typed_is_kept(client, db, make_user, login_as,
                                                                  make_assessment):
    a = _setup(make_user, login_as, make_assessment, model="subnational", scope="Jalisco")
    response = client.post(f"/assessments/{a.id}/criteria/SUB-1-01", data={
        "choice": "9", "version": "0", "justification": "Mi texto largo", "means_of_verification": "Mi medio",
        "action_due": "mañana", "link_url": "javascript:alert(1)"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Mi texto largo" in page and "Mi medio" in page and "mañana" in page
    assert page.count('class="error"') >= 3
    assert _rating(db, a, "SUB-1-01") is None


def test_autosave_answers_json_with_the_new_version_and_progress(client, db, make_user, login_as, make_assessment):
    a = _setup(make_user, login_as, make_assessment, model="subnational", scope="Jalisco")
    first = client.post(f"/assessments/{a.id}/criteria/SUB-1-01/autosave",
                        data={"choice": "3", "version": "0", "justification": "J"})
    assert first.status_code == 200
    body = first.get_json()
    assert body["version"] == 1 and body["status"] == "value" and body["complete"] is False
    assert body["progress"]["dimensions"]["institutional"] == {"complete": 0, "rated": 1, "total": 4}
    second = client.post(f"/assessments/{a.id}/criteria/SUB-1-01/autosave",
                         data={"choice": "3", "version": "1", "justification": "J", "means_of_verification": "M"})
    body = second.get_json()
    assert body["version"] == 2 and body["complete"] is True
    assert body["progress"]["complete"] == 1 and body["progress"]["total"] == 35
    bad = client.post(f"/assessments/{a.id}/criteria/SUB-1-01/autosave", data={"choice": "7", "version": "2"})
    assert bad.status_code == 400 and "choice" in bad.get_json()["fields"]


def test_autosave_needs_the_csrf_token_in_the_header(app, client, make_user, login_as, make_assessment):
    a = _setup(make_user, login_as, make_assessment, model="subnational", scope="Jalisco")
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/assessments/{a.id}/criteria/SUB-1-01/autosave"
    assert client.post(url, data={"choice": "1", "version": "0"}).status_code == 400
    token = csrf_token(client, f"/assessments/{a.id}/rate")
    ok = client.post(url, data={"choice": "1", "version": "0"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_two_saves_from_the_same_version_conflict_and_nothing_is_overwritten(client, db, make_user, login_as,
                                                                           make_assessment):
    a = _setup(make_user, login_as, make_assessment, model="subnational", scope="Jalisco")
    url = f"/assessments/{a.id}/criteria/SUB-1-02"
    client.post(url, data={"choice": "1", "version": "0", "justification": "Primera versión"})
    # Both people loaded version 1; Ana saves first.
    ana = client.post(url, data={"choice": "2", "version": "1", "justification": "Texto de Ana"})
    assert ana.status_code == 302
    luis = client.post(url, data={"choice": "3", "version": "1", "justification": "Texto de Luis"})
    assert luis.status_code == 409
    page = luis.get_data(as_text=True)
    assert "Texto de Ana" in page and "Texto de Luis" in page
    assert 'name="version" value="2"' in page  # "overwrite with mine" saves against the stored version
    rating = _rating(db, a, "SUB-1-02")
    assert (rating.level, rating.justification, rating.version) == (2, "Texto de Ana", 2)

    # Luis chooses to overwrite with his version.
    assert client.post(url, data={"choice": "3", "version": "2", "justification": "Texto de Luis"}).status_code == 302
    rating = _rating(db, a, "SUB-1-02")
    assert (rating.level, rating.justification, rating.version) == (3, "Texto de Luis", 3)


def test_autosave_conflict_returns_both_values_as_json(client, db, make_user, login_as, make_assessment):
    a = _setup(make_user, login_as, make_assessment, model="subnational", scope="Jalisco")
    url = f"/assessments/{a.id}/criteria/SUB-1-02/autosave"
    assert client.post(url, data={"choice": "1", "version": "0", "justification": "Suyo"}).status_code == 200
    # A second person also started from "nothing saved yet" (version 0).
    clash = client.post(url, data={"choice": "3", "version": "0", "justification": "Mío"})
    assert clash.status_code == 409
    body = clash.get_json()
    assert body["error"]["code"] == "conflict" and body["version"] == 1
    assert body["theirs"]["justification"] == "Suyo" and body["yours"]["justification"] == "Mío"
    assert "1" in body["theirs"]["choice"] and "3" in body["yours"]["choice"]
    assert _rating(db, a, "SUB-1-02").justification == "Suyo"


def test_a_save_that_races_another_between_read_and_write_is_a_conflict(db, make_user, make_assessment,
                                                                        criterion_of):
    """The version check is also enforced by the UPDATE itself (WHERE version = loaded)."""
    import pytest
    from sqlalchemy import update

    from whitepaper.assessment import services
    from .conftest import level_rating
    a = make_assessment(model="subnational", scope="Jalisco")
    criterion = criterion_of(a, "SUB-1-01")
    actor = make_user("admin")
    services.save_rating(actor, a, criterion, level_rating(criterion, 1))
    db.session.commit()
    rating = _rating(db, a, "SUB-1-01")
    data = level_rating(criterion, 2)
    data.loaded_version = rating.version  # this request has read version 1 ...
    with db.engine.begin() as other:  # ... and another request commits version 2 before this one writes
        other.execute(update(Rating).where(Rating.id == rating.id).values(version=Rating.version + 1, level=3))
    with pytest.raises(services.RatingConflict):
        services.save_rating(actor, a, criterion, data)
    db.session.rollback()
    assert _rating(db, a, "SUB-1-01").level == 3


def test_groups_rate_separately_and_a_divergence_is_shown_side_by_side(client, db, make_user, login_as,
                                                                      make_assessment):
    a = _setup(make_user, login_as, make_assessment, model="subnational", scope="Jalisco", groups=["Norte", "Sur"])
    norte, sur = db.session.scalars(db.select(WorkshopGroup).where(WorkshopGroup.assessment_id == a.id)
                                    .order_by(WorkshopGroup.position)).all()
    for group, level in ((norte, 1), (sur, 3)):
        response = client.post(f"/assessments/{a.id}/criteria/SUB-2-01?group={group.id}",
                               data={"choice": str(level), "version": "0", "justification": f"Razones {group.name}"})
        assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(GroupRating)) == 2
    assert _rating(db, a, "SUB-2-01") is None  # never averaged into a consolidated rating
    page = client.get(f"/assessments/{a.id}/rate/design").get_data(as_text=True)
    section = page.split('id="form-SUB-2-01"')[1].split("</form>")[0]
    assert "divergent" in section and "Razones Norte" in section and "Razones Sur" in section
    assert "Norte" in section and "Sur" in section
    not_divergent = page.split('id="form-SUB-2-02"')[1].split("</form>")[0]
    assert "divergence" not in not_divergent
    # a group's own page edits the group's rating
    own = client.get(f"/assessments/{a.id}/rate/design?group={norte.id}").get_data(as_text=True)
    assert re.search(r'value="1" id="SUB-2-01-l1" checked', own)
    # a group from another assessment is refused
    other = make_assessment(model="subnational", scope="Otra", groups=["X"])
    x = db.session.scalar(db.select(WorkshopGroup).where(WorkshopGroup.assessment_id == other.id))
    assert client.post(f"/assessments/{a.id}/criteria/SUB-2-01?group={x.id}",
                       data={"choice": "1", "version": "0"}).status_code == 404


def test_removing_evidence_deletes_the_stored_file(client, db, app, make_user, login_as, make_assessment):
    import io
    import os
    a = _setup(make_user, login_as, make_assessment)
    client.post(f"/assessments/{a.id}/criteria/NAC-1-01", data={
        "choice": "", "version": "0", "evidence_file": (io.BytesIO(b"a,b\n1,2\n"), "datos.csv")},
        content_type="multipart/form-data")
    evidence = db.session.scalar(db.select(Evidence))
    assert evidence.content_type == "text/csv"
    path = os.path.join(app.config["UPLOAD_FOLDER"], evidence.stored_name)
    assert os.path.isfile(path)
    assert client.post(f"/assessments/{a.id}/evidence/{evidence.id}/delete").status_code == 302
    assert not os.path.exists(path)
    assert db.session.scalar(db.select(db.func.count()).select_from(Evidence)) == 0
