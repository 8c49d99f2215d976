"""Who reaches what: an assessor of one country never reaches another country's draft (pages, API, evidence
files: 404, never data); published assessments for readers; published and public ones for everyone."""
from __future__ import annotations

import io
import re

import pytest

from whitepaper.models import Evidence, Rating

from .conftest import level_rating

PDF = b"%PDF-1.4\n% test evidence\n"


def _with_evidence(client, db, login_as, assessor, assessment):
    login_as(assessor)
    response = client.post(f"/assessments/{assessment.id}/criteria/NAC-1-01", data={
        "choice": "elements", "version": "0", "justification": "Texto reservado del borrador",
        "evidence_file": (io.BytesIO(PDF), "informe.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    evidence = db.session.scalar(db.select(Evidence).join(Rating).where(Rating.assessment_id == assessment.id))
    return evidence


def _pages(a, evidence_id):
    return [f"/assessments/{a.id}", f"/assessments/{a.id}/scorecard", f"/assessments/{a.id}/rate",
            f"/assessments/{a.id}/rate/design", f"/assessments/{a.id}/criteria/NAC-1-01",
            f"/assessments/{a.id}/settings", f"/assessments/{a.id}/review",
            f"/assessments/{a.id}/evidence/{evidence_id}",
            f"/api/v1/assessments/{a.id}", f"/api/v1/assessments/{a.id}/scorecard"]


def test_an_assessor_never_reaches_another_countrys_draft(client, db, make_user, login_as, make_assessment):
    chile = make_user("assessor", country="CHL")
    draft = make_assessment("CHL", author=chile)
    evidence = _with_evidence(client, db, login_as, chile, draft)

    login_as(make_user("assessor", country="CRI"))
    for url in _pages(draft, evidence.id):
        response = client.get(url)
        assert response.status_code == 404, url
        body = response.get_data(as_text=True)
        assert "Texto reservado" not in body and "Chile" not in body and PDF.decode() not in body, url
    for url, data in [(f"/assessments/{draft.id}/criteria/NAC-1-01", {"choice": "na", "version": "1"}),
                      (f"/assessments/{draft.id}/criteria/NAC-1-01/autosave", {"choice": "na", "version": "1"}),
                      (f"/assessments/{draft.id}/submit", {}), (f"/assessments/{draft.id}/revise", {}),
                      (f"/assessments/{draft.id}/evidence/{evidence.id}/delete", {}),
                      (f"/assessments/{draft.id}/settings", {"period_start": 2019, "period_end": 2022})]:
        assert client.post(url, data=data).status_code == 404, url
    listed = client.get("/assessments/").get_data(as_text=True)
    assert f"/assessments/{draft.id}\"" not in listed
    api = client.get("/api/v1/assessments").get_json()["assessments"]
    assert draft.id not in [row["id"] for row in api]
    db.session.expire_all()
    assert db.session.get(Rating, evidence.rating_id).kind == "value"


def test_evidence_of_one_assessment_cannot_be_fetched_through_another(client, db, make_user, login_as,
                                                                       make_assessment):
    chile = make_user("assessor", country="CHL")
    evidence = _with_evidence(client, db, login_as, chile, make_assessment("CHL", author=chile))
    costa_rica = make_user("assessor", country="CRI")
    own = make_assessment("CRI", author=costa_rica)
    login_as(costa_rica)
    assert client.get(f"/assessments/{own.id}/evidence/{evidence.id}").status_code == 404
    assert client.post(f"/assessments/{own.id}/evidence/{evidence.id}/delete").status_code == 404


def test_the_assessor_downloads_their_own_evidence_as_an_attachment(client, db, make_user, login_as,
                                                                    make_assessment, app):
    import os
    assessor = make_user("assessor", country="CRI")
    a = make_assessment(author=assessor)
    evidence = _with_evidence(client, db, login_as, assessor, a)
    path = os.path.join(app.config["UPLOAD_FOLDER"], evidence.stored_name)
    assert os.path.isfile(path) and not evidence.stored_name.endswith(".pdf")
    assert not os.path.abspath(path).startswith(os.path.abspath(app.static_folder))
    response = client.get(f"/assessments/{a.id}/evidence/{evidence.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "informe.pdf" in response.headers["Content-Disposition"]
    assert response.mimetype == "application/pdf"


@pytest.mark.parametrize("role, draft_visible, published_visible", [  # the facilitator is not assigned to Chile
    ("admin", True, True), ("facilitator", False, True), ("observer", False, True), ("member", False, False)])
def test_reading_rights_by_role(client, make_user, login_as, make_assessment, role, draft_visible,
                                published_visible):
    draft = make_assessment("CHL")
    published = make_assessment("COL", status="published", is_public=False)
    login_as(make_user(role))
    assert (client.get(f"/assessments/{draft.id}").status_code == 200) is draft_visible
    assert (client.get(f"/assessments/{published.id}/scorecard").status_code == 200) is published_visible
    assert (client.get(f"/api/v1/assessments/{published.id}/scorecard").status_code == 200) is published_visible
    assert (client.get(f"/api/v1/assessments/{draft.id}").status_code == 200) is draft_visible


def test_an_assessor_reads_other_countries_published_assessments_but_cannot_edit_them(
        client, make_user, login_as, make_assessment):
    published = make_assessment("CHL", status="published")
    login_as(make_user("assessor", country="CRI"))
    assert client.get(f"/assessments/{published.id}/scorecard").status_code == 200
    assert client.get(f"/assessments/{published.id}/rate").status_code == 200
    assert client.post(f"/assessments/{published.id}/criteria/NAC-1-01",
                       data={"choice": "na", "version": "1"}).status_code == 403
    assert client.post(f"/assessments/{published.id}/revise").status_code == 403


def test_anonymous_readers_see_published_public_assessments_only(client, make_assessment):
    public = make_assessment("COL", status="published", is_public=True)
    private = make_assessment("CHL", status="published", is_public=False)
    draft = make_assessment("CRI", is_public=True)
    assert client.get(f"/assessments/{public.id}/scorecard").status_code == 200
    assert client.get(f"/assessments/{public.id}").status_code == 200
    assert client.get(f"/api/v1/assessments/{public.id}/scorecard").status_code == 200
    assert client.get("/assessments/published").get_data(as_text=True).count("/scorecard") == 1
    for a in (private, draft):  # the trust issue: not visible answers 404, the same as missing, for anyone
        assert client.get(f"/assessments/{a.id}/scorecard").status_code == 404
        assert client.get(f"/api/v1/assessments/{a.id}").status_code == 404
        assert client.get(f"/api/v1/assessments/{a.id}/scorecard").status_code == 404
    assert [row["id"] for row in client.get("/api/v1/assessments").get_json()["assessments"]] == [public.id]
    assert client.get("/assessments/").status_code == 302  # the full list needs logging in


def test_an_assessment_a_reader_may_not_see_answers_exactly_as_a_missing_one(client, db, make_user, login_as,
                                                                               make_assessment):
    """Anonymous or logged in, a draft or a private assessment answers as a missing one does (status and body,
    but for its number), in the pages, the PDF and the API: nothing tells which exist."""
    from whitepaper.models import Assessment
    hidden = make_assessment("CHL", status="published", is_public=False)
    draft = make_assessment("CHL")
    missing = db.session.scalar(db.select(db.func.max(Assessment.id))) + 1000
    paths = ("/assessments/{}", "/assessments/{}/scorecard", "/assessments/{}/scorecard.pdf",
             "/api/v1/assessments/{}", "/api/v1/assessments/{}/scorecard")

    def answers(id_: int) -> list[tuple[int, str]]:
        out = []
        for path in paths:
            response = client.get(path.format(id_))
            body = re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))
            body = re.sub(r"(Referencia|Reference): [\w.-]+", "REFERENCE", body)   # each request's own id
            out.append((response.status_code, re.sub(r"\d+", "N", body)))
        return out

    for reader in (None, make_user("assessor", country="CRI")):
        if reader is not None:
            login_as(reader)
        for a in (hidden, draft):
            if reader is not None and a is hidden:
                continue  # a logged-in reader may read published assessments
            assert answers(a.id) == answers(missing), (reader, a.status)
            assert {status for status, _body in answers(a.id)} == {404}


def test_creating_an_assessment(client, db, make_user, login_as, tree):
    from whitepaper.models import Assessment, AssessmentParticipant, CatalogueVersion, WorkshopGroup
    version_id = tree("subnational").id
    login_as(make_user("observer"))
    assert client.get("/assessments/new").status_code == 403
    assessor = make_user("assessor", country="CRI")
    login_as(assessor)
    page = client.get("/assessments/new?model=subnational").get_data(as_text=True)
    assert f'<option selected value="{version_id}">' in page
    # the draft sectoral model is not offered until an admin opens it for piloting
    assert "2026-draft" not in page
    response = client.post("/assessments/new", data={
        "version_id": version_id, "scope_name": "Región Chorotega", "period_start": 2023, "period_end": 2026,
        "organizations": "MIDEPLAN\nMunicipalidad de Liberia", "groups": "Grupo A\nGrupo B",
        "participants": "Ana Rojas; MIDEPLAN; Grupo A\nLuis Mora; ; Grupo B\nEva Solís"})
    assert response.status_code == 302
    a = db.session.scalar(db.select(Assessment).where(Assessment.scope_name == "Región Chorotega"))
    assert a.country.iso3 == "CRI" and a.status == "draft" and a.created_by_id == assessor.id
    groups = db.session.scalars(db.select(WorkshopGroup).where(WorkshopGroup.assessment_id == a.id)).all()
    assert sorted(g.name for g in groups) == ["Grupo A", "Grupo B"]
    people = db.session.scalars(db.select(AssessmentParticipant).where(AssessmentParticipant.assessment_id == a.id)
                                .order_by(AssessmentParticipant.position)).all()
    assert [(p.kind, p.name) for p in people][:2] == [("organization", "MIDEPLAN"),
                                                      ("organization", "Municipalidad de Liberia")]
    assert people[2].group_id is not None and people[4].group_id is None

    # a scope is required outside the national model, and years must be in order
    bad = client.post("/assessments/new", data={"version_id": version_id, "scope_name": "",
                                                "period_start": 2026, "period_end": 2023})
    assert bad.status_code == 400

    # the draft version becomes available once opened for piloting
    sectoral = tree("sectoral")
    db.session.get(CatalogueVersion, sectoral.id).is_open_for_piloting = True
    db.session.commit()
    assert "2026-draft" in client.get("/assessments/new").get_data(as_text=True)


def test_an_assessor_creates_only_for_their_own_country(client, db, make_user, login_as, tree):
    from whitepaper.models import Assessment
    login_as(make_user("assessor", country="CRI"))
    client.post("/assessments/new", data={"version_id": tree("national").id, "country": "CHL",
                                          "period_start": 2019, "period_end": 2022})
    created = db.session.scalars(db.select(Assessment)).all()
    assert [a.country.iso3 for a in created] == ["CRI"]


def test_settings_keep_groups_that_have_ratings(client, db, make_user, login_as, make_assessment, criterion_of):
    from whitepaper.assessment import services
    from whitepaper.models import WorkshopGroup
    assessor = make_user("assessor", country="CRI")
    a = make_assessment(author=assessor, groups=["G1", "G2"])
    g1 = db.session.scalar(db.select(WorkshopGroup).where(WorkshopGroup.assessment_id == a.id,
                                                          WorkshopGroup.name == "G1"))
    services.save_rating(assessor, a, criterion_of(a, "NAC-1-01"), level_rating(criterion_of(a, "NAC-1-01")),
                         group=g1)
    db.session.commit()
    login_as(assessor)
    response = client.post(f"/assessments/{a.id}/settings", data={
        "scope_name": "Costa Rica", "period_start": 2019, "period_end": 2022, "groups": "G2"})
    assert response.status_code == 400
    assert "G1" in response.get_data(as_text=True)
    ok = client.post(f"/assessments/{a.id}/settings", data={
        "scope_name": "Costa Rica", "period_start": 2018, "period_end": 2022, "groups": "G1\nG3"})
    assert ok.status_code == 302
    names = db.session.scalars(db.select(WorkshopGroup.name).where(WorkshopGroup.assessment_id == a.id)
                               .order_by(WorkshopGroup.position)).all()
    assert names == ["G1", "G3"]


def test_list_filters_paginate_and_show_empty_states(client, app, assigned_facilitator, login_as, make_assessment):
    app.config["PER_PAGE"] = 2
    make_assessment("CRI", period=(2015, 2018), status="published")
    make_assessment("CRI", period=(2019, 2022))
    make_assessment("CHL", period=(2019, 2022), status="published")
    login_as(assigned_facilitator("CRI"))
    first = client.get("/assessments/").get_data(as_text=True)
    assert 'rel="next"' in first
    by_country = client.get("/assessments/?country=CHL").get_data(as_text=True)
    assert "Chile" in by_country and "Costa Rica" not in by_country.split("<table")[1]
    by_year = client.get("/assessments/?year=2016").get_data(as_text=True)
    assert "2015–2018" in by_year and "2019–2022" not in by_year
    assert "2019–2022" not in client.get("/assessments/?status=published&country=CRI").get_data(as_text=True)
    empty = client.get("/assessments/?model=vision").get_data(as_text=True)
    assert 'class="empty"' in empty
