"""What every signed-in request pays before its own work: the user and their roles in one query, by session or
by API token (tests/delphi/test_query_counts.py: a committee's pages do not load the roles of every member)."""
from __future__ import annotations

import re

from sqlalchemy import update

from whitepaper.models import ApiToken, User


def _reads_of(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if re.search(rf"\bFROM {table}\b", s)]


def _roles_queries(statements: list[str]) -> list[str]:
    return [s for s in statements if re.search(r"\bFROM user_roles\b", s)]


def test_a_signed_in_request_loads_the_user_and_roles_in_one_query(client, make_user, login_as, count_queries):
    login_as(make_user("observer", "member"))
    assert client.get("/account/tokens").status_code == 200
    with count_queries() as counter:
        page = client.get("/account/tokens")
    assert page.status_code == 200
    users = _reads_of(counter.statements, "users")
    assert len(users) == 1 and "user_roles" in users[0], counter.statements
    assert _roles_queries(counter.statements) == [], "roles read by a query of their own"
    # the roles were really loaded: the menu offers the committees to a member and observer
    assert 'href="/committees/"' in page.get_data(as_text=True)


def test_an_api_token_finds_its_user_and_roles_in_one_query(app, client, db, make_user, login_as, count_queries):
    login_as(make_user("observer"))
    html = client.post("/account/tokens", data={"name": "script"}).get_data(as_text=True)
    raw = re.search(r'id="new-token">([^<]+)<', html).group(1)
    anonymous = app.test_client()
    with count_queries() as counter:
        response = anonymous.get("/api/v1/committees", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    tokens = _reads_of(counter.statements, "users")
    assert len(tokens) == 1 and "api_tokens" in tokens[0] and "user_roles" in tokens[0], counter.statements
    assert _roles_queries(counter.statements) == []
    # an inactive owner's token opens nothing, a revoked one neither
    db.session.execute(update(User).values(is_active_account=False))
    db.session.commit()
    assert anonymous.get("/api/v1/committees", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    db.session.execute(update(User).values(is_active_account=True))
    db.session.execute(update(ApiToken).values(revoked_at=db.func.now()))
    db.session.commit()
    assert anonymous.get("/api/v1/committees", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
