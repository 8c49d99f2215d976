"""Links in e-mails come from PUBLIC_URL, never from the request's Host; production serves only its trusted hosts
and refuses a short SECRET_KEY; a password reset is single-use, lasts an hour and revokes the user's API tokens and
other links; the outbox page never shows a usable link."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from whitepaper import create_app
from whitepaper.config import ConfigError
from whitepaper.models import ActionToken

from ..conftest import PASSWORD, base_config
from ..helpers import link_in, outbox

PUBLIC = "https://planbarometro.example.org"
SECRET = "a-long-random-secret-from-the-environment"


@pytest.fixture
def public_app(database_url):
    """The app as deployed: no SERVER_NAME, so URLs would follow the request's Host; PUBLIC_URL set."""
    from whitepaper.extensions import db
    app = create_app({**base_config(database_url), "SERVER_NAME": None, "PUBLIC_URL": PUBLIC})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_a_forged_host_still_gets_a_reset_link_to_the_public_url(public_app, make_user):
    from whitepaper.extensions import db
    user = make_user("observer")
    email = user.email
    db.session.commit()
    response = public_app.test_client().post("/password/reset", data={"email": email},
                                             headers={"Host": "evil.example"})
    assert response.status_code == 302
    [mail] = outbox(db, email)
    assert f"{PUBLIC}/password/reset/" in mail.body and "evil.example" not in mail.body


def test_invitations_link_to_the_public_url(public_app, make_user):
    from whitepaper.extensions import db
    admin = make_user("admin")
    email = admin.email
    db.session.commit()
    client, forged = public_app.test_client(), {"Host": "evil.example"}
    assert client.post("/login", data={"email": email, "password": PASSWORD}, headers=forged).status_code == 302
    response = client.post("/admin/users/invite", data={"email": "new@example.org", "roles": ["observer"],
                                                        "country": ""}, headers=forged)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    [mail] = outbox(db, "new@example.org")
    assert f"{PUBLIC}/invitation/" in mail.body and "evil.example" not in mail.body


def test_development_derives_the_public_url_from_the_port(monkeypatch, tmp_path):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    assert create_app(base_config(f"sqlite:///{tmp_path}/x.sqlite")).config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    monkeypatch.setenv("PORT", "8123")
    assert create_app(base_config(f"sqlite:///{tmp_path}/x.sqlite")).config["PUBLIC_URL"] == "http://127.0.0.1:8123"


def test_development_accepts_any_host(client):
    assert client.get("/login", headers={"Host": "laptop.local:5000"}).status_code == 200


# --- production -----------------------------------------------------------------------------------------------

@pytest.fixture
def production(monkeypatch, tmp_path):
    monkeypatch.setenv("WHITEPAPER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("PUBLIC_URL", PUBLIC)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    return {"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"}


def test_production_needs_a_public_url(production, monkeypatch):
    monkeypatch.delenv("PUBLIC_URL")
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app(production)


def test_production_refuses_a_short_secret_key(production, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 31)
    with pytest.raises(ConfigError, match="SECRET_KEY.*32 bytes"):
        create_app(production)
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    assert create_app(production).config["SECRET_KEY"] == "x" * 32


def test_production_serves_only_the_public_host_by_default(production):
    app = create_app(production)
    with app.app_context():
        client = app.test_client()
        assert client.get("/login", base_url=PUBLIC).status_code == 200
        refused = client.get("/login", base_url="https://evil.example")
        assert refused.status_code == 400
        assert client.get("/login", base_url=PUBLIC, headers={"Host": "evil.example"}).status_code == 400


def test_production_serves_the_configured_trusted_hosts(production, monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "planbarometro.example.org, www.planbarometro.example.org")
    app = create_app(production)
    assert app.config["TRUSTED_HOSTS"] == ["planbarometro.example.org", "www.planbarometro.example.org"]
    with app.app_context():
        client = app.test_client()
        assert client.get("/login", base_url="https://www.planbarometro.example.org").status_code == 200
        assert client.get("/login", base_url="https://other.example.org").status_code == 400


# --- reset links ----------------------------------------------------------------------------------------------

def test_a_reset_link_lasts_one_hour(client, db, make_user):
    user = make_user("observer")
    client.post("/password/reset", data={"email": user.email})
    token = db.session.scalar(select(ActionToken))
    assert token.expires_at - token.created_at <= timedelta(hours=1, seconds=1)
    assert "1 hora" in outbox(db, user.email)[0].body


def test_a_reset_revokes_api_tokens_and_every_other_link(client, db, make_user, login_as):
    user = make_user("observer")
    login_as(user)
    page = client.post("/account/tokens", data={"name": "script"}).get_data(as_text=True)
    raw_api_token = page.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert client.get("/api/v1/models/sectoral", headers={"Authorization": f"Bearer {raw_api_token}"}).status_code == 200
    client.post("/logout")
    client.post("/password/reset", data={"email": user.email})
    client.post("/password/reset", data={"email": user.email})
    first, second = (link_in(m.body) for m in outbox(db, user.email))
    stranger = client.application.test_client()
    assert stranger.post(second, data={"password": "brand-new-password",
                                       "confirm": "brand-new-password"}).status_code == 302
    assert client.get(first).status_code == 404
    assert client.post(first, data={"password": "attacker-password", "confirm": "attacker-password"}).status_code == 404
    api = client.application.test_client()
    assert api.get("/api/v1/models/sectoral", headers={"Authorization": f"Bearer {raw_api_token}"}).status_code == 401


def test_the_outbox_page_masks_reset_and_invitation_links(client, db, make_user, login_as):
    user = make_user("observer")
    client.post("/password/reset", data={"email": user.email})
    login_as(make_user("admin"))
    client.post("/admin/users/invite", data={"email": "new@example.org", "roles": ["observer"], "country": ""})
    tokens = [link_in(m.body).rsplit("/", 1)[1] for m in outbox(db) if "/password/reset/" in m.body
              or "/invitation/" in m.body]
    assert len(tokens) == 2
    page = client.get("/admin/outbox").get_data(as_text=True)
    for token in tokens:
        assert token not in page and f"…{token[-4:]}" in page
    assert outbox(db, user.email)[0].body.count(tokens[0]) == 1  # the mail itself keeps the working link


def test_the_real_server_mails_a_reset_link_to_the_public_url_even_for_a_forged_host(public_app, make_user):
    """End to end: a WSGI server on 127.0.0.1 takes a reset request whose Host header is forged, the worker's
    delivery hands the message to a real SMTP server on 127.0.0.1, and the link in the e-mail received points
    at PUBLIC_URL."""
    import http.client
    import threading
    from urllib.parse import urlencode

    from werkzeug.serving import make_server

    from whitepaper.extensions import db
    from whitepaper.mail import delivery

    from ..smtp import SmtpSink
    user = make_user("observer")
    email = user.email
    db.session.commit()
    sink = SmtpSink()
    public_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_SENDER="planbarometro@cepal.org")
    server = make_server("127.0.0.1", 0, public_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sink.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        connection.request("POST", "/password/reset", body=urlencode({"email": email}),
                           headers={"Host": "evil.example", "Content-Type": "application/x-www-form-urlencoded"})
        assert connection.getresponse().status == 302
        connection.close()
        with public_app.app_context():  # the worker's side, with the deployed app's mail settings
            assert delivery.deliver_due() == 1
    finally:
        server.shutdown()
        thread.join(5)
        sink.stop()
    [received] = sink.received
    assert received.rcpt_tos == [email]
    assert f"{PUBLIC}/password/reset/" in received.text and "evil.example" not in received.text
