"""Personal API tokens: shown once, stored hashed, read-only, revocable, with the owner's permissions."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from whitepaper.models import ApiToken


def _create(client, name="script"):
    html = client.post("/account/tokens", data={"name": name}).get_data(as_text=True)
    return re.search(r'id="new-token">([^<]+)<', html).group(1)


def test_token_is_shown_once_and_stored_hashed(client, db, make_user, login_as):
    login_as(make_user("observer"))
    raw = _create(client)
    assert raw.startswith("wp_")
    assert raw not in client.get("/account/tokens").get_data(as_text=True)
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash != raw and raw not in stored.token_hash


def test_bearer_token_reads_the_api_as_its_owner(app, client, make_user, login_as):
    login_as(make_user("observer"))
    raw = _create(client)
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/models/sectoral").status_code == 401
    response = anonymous.get("/api/v1/models/sectoral", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200 and response.get_json()["key"] == "sectoral"


def test_token_opens_no_page_outside_the_api(app, client, make_user, login_as):
    login_as(make_user("admin"))
    raw = _create(client)
    response = app.test_client().get("/admin/users", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 302


def test_token_cannot_write(app, client, db, make_user, login_as):
    from whitepaper.models import User
    owner = make_user("admin")
    login_as(owner)
    raw = _create(client)
    bearer = {"Authorization": f"Bearer {raw}"}
    other = app.test_client()
    # a write that needs a login: creating a token for the token's owner is refused and creates nothing
    response = other.post("/account/tokens", data={"name": "made by a token"}, headers=bearer)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
    # the language switch is public, but a token does not make it store the owner's preference
    locale_before = db.session.get(User, owner.id).locale
    assert other.post("/lang", data={"lang": "en" if locale_before != "en" else "es"},
                      headers=bearer).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, owner.id).locale == locale_before
    # revoking the token itself by token is refused too
    token_id = db.session.scalar(select(ApiToken.id))
    assert other.post(f"/account/tokens/{token_id}/revoke", headers=bearer).status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is None


def test_revoked_token_is_refused(app, client, db, make_user, login_as):
    login_as(make_user("observer"))
    raw = _create(client)
    token = db.session.scalar(select(ApiToken))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    response = app.test_client().get("/api/v1/models/sectoral", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401


def test_nobody_revokes_another_users_token(client, db, make_user, login_as):
    login_as(make_user("observer"))
    _create(client)
    token = db.session.scalar(select(ApiToken))
    login_as(make_user("admin"))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None
