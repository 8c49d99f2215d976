"""CSRF on every state-changing route: generated from app.url_map, so a new route is covered by being added.

An administrator (who may do anything) posts to every POST/PUT/PATCH/DELETE rule without a token; each post
must be refused with 400 and change nothing. The same post with a valid token gets past the check (so the
refusal is the token's, not a permission's or a missing object's)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import base_config

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _url(rule) -> str:
    """The rule's path with every variable filled: ids with 1, other parts with a plain word."""
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(r"<(?:[^:<>]+:)?%s>" % re.escape(name), "1" if name.endswith("id") else "x", url)
    return url


def _write_rules(app):
    return sorted(((rule, method) for rule in app.url_map.iter_rules() if not rule.endpoint == "static"
                   for method in sorted(rule.methods & WRITE_METHODS)), key=lambda pair: (pair[0].rule, pair[1]))


@pytest.fixture
def csrf_app(database_url):
    from whitepaper import create_app
    from whitepaper.extensions import db
    app = create_app({**base_config(database_url), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _admin_client(app):
    from whitepaper.auth import services as accounts
    from whitepaper.extensions import db
    admin = accounts.create_user(None, "csrf-admin@example.org", roles={"admin"}, name="Admin",
                                 password="correct-horse-battery")
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    return client


def _audit_rows():
    from whitepaper.extensions import db
    from whitepaper.models import AuditEvent
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_every_state_changing_route_refuses_a_post_without_a_csrf_token(csrf_app):
    client = _admin_client(csrf_app)
    rules = _write_rules(csrf_app)
    assert len(rules) > 40  # the sweep covers the application, not a handful of routes
    before = _audit_rows()
    accepted = []
    for rule, method in rules:
        response = client.open(_url(rule), method=method, data={"name": "x", "lang": "en"})
        if response.status_code != 400:
            accepted.append((method, rule.rule, response.status_code))
    assert accepted == []
    assert _audit_rows() == before


def test_the_same_posts_with_a_valid_token_get_past_the_check(csrf_app):
    """The control: with the session's token the language switch and logout go through."""
    from tests.helpers import csrf_token
    client = _admin_client(csrf_app)
    token = csrf_token(client, "/account/tokens")
    assert client.post("/lang", data={"lang": "en", "csrf_token": token}).status_code == 302
    assert client.post("/account/tokens", data={"name": "ok", "csrf_token": token}).status_code == 200
