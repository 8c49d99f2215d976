"""Shared public pages (whitepaper/shared_pages.py): an anonymous visitor's catalogue and published pages are
rendered once per address, language and data revision, and never shown stale, personal or with another
visitor's CSRF token."""
from __future__ import annotations

import re

import pytest
from flask import flash

from whitepaper import create_app
from whitepaper.extensions import db as database
from whitepaper.models import Criterion, DataRevision
from whitepaper.models.revision import current, touched
from tests.conftest import base_config

from .conftest import level_rating

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _anonymous(app):
    return app.test_client()


def _criterion_page(tree):
    version = tree("national")
    criterion = version.dimensions[0].criteria[0]
    return f"/catalogue/national/{version.label}/criteria/{criterion.code}", criterion


def test_a_second_anonymous_view_is_the_kept_page_read_with_one_query(app, tree, count_queries):
    path, _ = _criterion_page(tree)
    first = _anonymous(app).get(path)
    with count_queries() as counter:
        second = _anonymous(app).get(path)
    assert first.status_code == second.status_code == 200
    assert counter.n == 1 and "data_revisions" in counter.statements[0]   # the revisions; no rendering
    # the same page but for each visitor's own token
    strip = lambda html: TOKEN.sub("", html)   # noqa: E731
    assert strip(first.get_data(as_text=True)) == strip(second.get_data(as_text=True))


def test_a_catalogue_change_is_shown_at_the_next_view(app, db, tree):
    path, criterion = _criterion_page(tree)
    assert "Título corregido" not in _anonymous(app).get(path).get_data(as_text=True)
    row = db.session.get(Criterion, criterion.id)
    row.title = {**row.title, "es": "Título corregido del criterio"}
    db.session.commit()
    assert "Título corregido del criterio" in _anonymous(app).get(path).get_data(as_text=True)


def test_publishing_shows_at_once_on_the_published_list_in_every_process(app, database_url, make_assessment):
    other_worker = create_app(base_config(database_url))   # another process: its own kept pages
    first = make_assessment("CHL", status="published", is_public=True)
    with other_worker.app_context():
        before = _anonymous(other_worker).get("/assessments/published").get_data(as_text=True)
        database.session.remove()
    assert f"/assessments/{first.id}/scorecard" in before
    second = make_assessment("ARG", status="published", is_public=True, period=(2015, 2018))
    with other_worker.app_context():
        after = _anonymous(other_worker).get("/assessments/published").get_data(as_text=True)
        database.session.remove()
        database.engine.dispose()
    assert f"/assessments/{second.id}/scorecard" in after


def test_a_scorecard_no_longer_public_is_not_served_from_what_was_kept(app, db, make_assessment):
    assessment = make_assessment("CHL", status="published", is_public=True)
    path = f"/assessments/{assessment.id}/scorecard"
    assert _anonymous(app).get(path).status_code == 200
    assessment.is_public = False
    db.session.commit()
    assert _anonymous(app).get(path).status_code in (403, 404)


def test_each_visitor_gets_a_token_of_their_own_that_the_language_switch_accepts(database_url, tree):
    app = create_app({**base_config(database_url), "WTF_CSRF_ENABLED": True})
    path, _ = _criterion_page_in(app)
    first, second = app.test_client(), app.test_client()
    token_one = TOKEN.search(first.get(path).get_data(as_text=True))[1]
    token_two = TOKEN.search(second.get(path).get_data(as_text=True))[1]   # the kept page
    assert token_one != token_two and "csrf-" not in token_two
    switched = second.post("/lang", data={"csrf_token": token_two, "lang": "en", "next": path})
    assert switched.status_code == 302
    refused = second.post("/lang", data={"csrf_token": token_one, "lang": "en", "next": path})
    assert refused.status_code == 400   # another visitor's token is not accepted
    with app.app_context():
        database.session.remove()
        database.engine.dispose()


def _criterion_page_in(app):
    from whitepaper.catalogue.queries import current_version, model_by_key, version_tree
    with app.app_context():
        version = version_tree(current_version(model_by_key("national")).id)
        path = f"/catalogue/national/{version.label}/criteria/{version.dimensions[0].criteria[0].code}"
        database.session.remove()
    return path, None


def test_each_language_is_kept_apart(app, tree):
    path, _ = _criterion_page(tree)
    spanish = _anonymous(app)
    english = _anonymous(app)
    english.set_cookie("lang", "en")
    for _ in range(2):
        assert '<html lang="es">' in spanish.get(path).get_data(as_text=True)
        assert '<html lang="en">' in english.get(path).get_data(as_text=True)


def test_signed_in_users_get_their_own_page_and_it_is_never_kept(app, tree, make_user, login_as, client):
    path, _ = _criterion_page(tree)
    user = make_user("observer", name="Observadora Única")
    login_as(user)
    assert "Observadora Única" in client.get(path).get_data(as_text=True)
    assert "Observadora Única" not in _anonymous(app).get(path).get_data(as_text=True)
    assert "Observadora Única" in client.get(path).get_data(as_text=True)


def test_a_visitor_with_a_message_waiting_sees_it(app, tree):
    path, _ = _criterion_page(tree)
    _anonymous(app).get(path)   # the page is kept
    visitor = _anonymous(app)
    with app.test_request_context():
        flash("Mensaje para esta visita")
        waiting = dict(__import__("flask").session)
    with visitor.session_transaction() as session:
        session.update(waiting)
    assert "Mensaje para esta visita" in visitor.get(path).get_data(as_text=True)


def test_an_error_page_is_not_kept(app, tree, count_queries):
    version = tree("national")
    path = f"/catalogue/national/{version.label}/criteria/NO-SUCH-CODE"
    assert _anonymous(app).get(path).status_code == 404
    with count_queries() as counter:
        assert _anonymous(app).get(path).status_code == 404
    assert counter.n > 1   # rendered again


def test_what_raises_each_revision(app, db, make_assessment, tree, make_user):
    assessment = make_assessment("CHL")   # a draft
    before = current(("catalogue", "published"))
    from whitepaper.assessment import services
    criterion = tree("national").dimensions[0].criteria[0]
    services.save_rating(make_user("admin"), assessment, criterion, level_rating(criterion))
    db.session.commit()
    assert current(("catalogue", "published")) == before   # a draft's rating touches neither
    published = make_assessment("ARG", status="published", is_public=True)
    after_publishing = current(("catalogue", "published"))
    assert after_publishing[0] == before[0] and after_publishing[1] > before[1]
    published.is_public = False
    assert touched(db.session) == {"published"}
    db.session.rollback()
    row = db.session.get(Criterion, criterion.id)
    row.title = {**row.title, "en": "A corrected title"}
    assert touched(db.session) == {"catalogue"}
    db.session.commit()
    assert current(("catalogue",))[0] == after_publishing[0] + 1
    assert {row.name for row in db.session.query(DataRevision)} == {"catalogue", "published"}


def test_an_unknown_revision_name_is_refused_when_the_view_is_declared():
    from whitepaper.shared_pages import shared_page
    with pytest.raises(ValueError, match="unknown data revisions"):
        shared_page("catalogue", "ratings")


# --- the published scorecard in the API (shared_pages.kept_json) -------------------------------------------

def test_a_published_scorecard_is_computed_once_and_read_again_with_three_queries(app, make_assessment,
                                                                                   count_queries):
    assessment = make_assessment("CHL", status="published", is_public=True)
    path = f"/api/v1/assessments/{assessment.id}/scorecard"
    first = _anonymous(app).get(path)
    with count_queries() as counter:
        second = _anonymous(app).get(path)
    assert first.status_code == second.status_code == 200 and first.get_json() == second.get_json()
    # the assessment (the permission check), its previous one (who may see the change), the revisions
    assert counter.n == 3 and "data_revisions" in counter.statements[-1]


def test_a_new_publication_changes_the_kept_scorecard_at_once(app, make_assessment, tree):
    first = [make_assessment(iso3, status="published", is_public=True) for iso3 in ("CHL", "ARG", "MEX")]
    path = f"/api/v1/assessments/{first[0].id}/scorecard"
    before = _anonymous(app).get(path).get_json()
    make_assessment("COL", status="published", is_public=True)    # a fourth country in the region
    after = _anonymous(app).get(path).get_json()
    assert before["regional"]["countries"] + 1 == after["regional"]["countries"]


def test_the_change_since_the_previous_assessment_is_kept_apart_for_readers_who_may_not_see_it(
        app, client, make_assessment, make_user, login_as):
    previous = make_assessment("CHL", status="published", is_public=False, period=(2015, 2018))
    current = make_assessment("CHL", status="published", is_public=True)
    path = f"/api/v1/assessments/{current.id}/scorecard"
    login_as(make_user("admin"))
    seen = client.get(path).get_json()                          # kept first, for a reader who sees the previous one
    assert seen["previous"]["id"] == previous.id and seen["change"] is not None
    anonymous = _anonymous(app).get(path).get_json()
    assert anonymous["previous"] is None and anonymous["change"] is None   # the private one stays hidden


def test_a_draft_scorecard_is_never_kept(app, db, client, make_assessment, make_user, login_as, criterion_of):
    from whitepaper.assessment import services
    admin = make_user("admin")
    login_as(admin)
    draft = make_assessment("CRI")
    path = f"/api/v1/assessments/{draft.id}/scorecard"
    assert client.get(path).get_json()["completeness"] == 0
    criterion = criterion_of(draft, "NAC-1-01")
    services.save_rating(admin, draft, criterion, level_rating(criterion))
    db.session.commit()
    assert client.get(path).get_json()["completeness"] > 0


def test_the_api_model_document_is_kept_until_the_catalogue_changes(app, db, tree, client, count_queries):
    path = "/api/v1/models/national"
    first = client.get(path).get_json()
    with count_queries() as counter:
        assert client.get(path).get_json() == first
    assert counter.n <= 4    # the model, its version (the permission check) and the revisions: no document
    _, criterion = _criterion_page(tree)
    row = db.session.get(Criterion, criterion.id)
    row.title = {**row.title, "es": "Título corregido para la API"}
    db.session.commit()
    titles = [c["title"]["es"] for d in client.get(path).get_json()["dimensions"] for c in d["criteria"]]
    assert "Título corregido para la API" in titles
