"""Every page requires logging in except the public ones; roles are enforced with 403, never 500."""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

# Every endpoint reachable without logging in, named one by one: a new public view fails the test below until it
# is added here on purpose. Those marked * check the object themselves (published and public only).
PUBLIC_ENDPOINTS = {
    "auth.login", "auth.reset_request", "auth.reset_password", "auth.accept_invitation",  # signing in
    "main.healthz", "main.set_language",                                                  # health, language
    "catalogue.index", "catalogue.browse", "catalogue.criterion", "catalogue.printable",  # approved versions *
    "catalogue.sdg_index", "catalogue.sdg_goal",                   # the SDGs, with approved versions' criteria
    "api.models", "api.model_detail",                                                     # approved versions *
    "api.assessments", "api.assessment_detail", "api.assessment_scorecard",               # published public *
    "assessment.public_index", "assessment.public_detail", "assessment.public_scorecard",  # published public *
    "assessment.public_evidence", "reports.scorecard_pdf",                                # published public *
    "assessment.coherence_page",                          # two published public (national, subnational) *
    "observability.metrics",                                      # only with METRICS_TOKEN, else 404 *
}


def _urls(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {arg: ("1" if isinstance(rule._converters.get(arg), IntegerConverter) else "x")
                  for arg in rule.arguments}
        url = rule.rule
        for arg, value in values.items():
            url = re.sub(r"<(?:[^:>]+:)?%s>" % arg, value, url)
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule.endpoint, method, url


def test_anonymous_visitors_are_sent_to_login_from_every_private_page(app, client):
    checked = 0
    for endpoint, method, url in _urls(app):
        view = app.view_functions[endpoint]
        if getattr(view, "is_public", False):
            continue
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, url
            assert response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, (url, response.status_code)
            assert response.headers["Location"].startswith("/login"), url
        checked += 1
    assert checked > 10


def test_only_the_documented_pages_are_public(app):
    public = {e for e, v in app.view_functions.items() if getattr(v, "is_public", False)}
    assert public == PUBLIC_ENDPOINTS


@pytest.mark.parametrize("role", ["facilitator", "member", "assessor", "observer"])
def test_non_admins_get_403_on_every_admin_page(app, client, make_user, login_as, role):
    login_as(make_user(role, country="CRI" if role == "assessor" else None))
    for endpoint, method, url in _urls(app):
        if endpoint.startswith("admin."):
            response = client.open(url, method=method)
            assert response.status_code == 403, url


def test_admin_pages_render(client, make_user, login_as):
    login_as(make_user("admin"))
    for url in ["/admin/users", "/admin/users/invite", "/admin/countries", "/admin/outbox", "/admin/audit"]:
        assert client.get(url).status_code == 200, url


def test_unknown_page_is_a_404_page_and_unknown_api_path_is_json(client, make_user, login_as):
    login_as(make_user("observer"))
    assert client.get("/no-such-page").status_code == 404
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_security_headers_are_sent(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_session_cookie_is_http_only_and_same_site(client, make_user):
    from ..conftest import PASSWORD
    user = make_user("observer")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
