"""Accounts: log in and out, throttling, passwords, invitations, reset links."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from whitepaper.models import ActionToken, LoginAttempt, ThrottleBucket, User

from ..conftest import PASSWORD, base_config
from ..helpers import link_in, outbox


def post_login(client, email, password, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_login_with_right_password_opens_a_session(client, make_user):
    user = make_user("assessor", country="CRI")
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_with_wrong_password_is_refused_with_a_message(client, make_user):
    user = make_user("observer")
    response = post_login(client, user.email, "wrong-password")
    assert response.status_code == 401
    assert "no son correctos" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_next_parameter_never_redirects_off_site(client, make_user):
    user = make_user("observer")
    response = client.post("/login?next=https://evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    response = client.post("/logout")
    response = client.post("/login?next=/admin/users", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users"


def test_deactivated_account_cannot_log_in(client, db, make_user):
    user = make_user("observer")
    user.is_active_account = False
    db.session.commit()
    assert post_login(client, user.email, PASSWORD).status_code == 401


def test_repeated_failures_throttle_the_account_even_with_the_right_password(client, app, make_user):
    user = make_user("observer")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert post_login(client, user.email, "nope-nope-nope").status_code == 401
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Demasiados intentos" in response.get_data(as_text=True)


def test_throttling_is_shared_by_every_process_through_the_database(app, database_url, make_user):
    """A second application instance (another worker) on the same database sees the same failures."""
    from whitepaper import create_app
    user = make_user("observer")
    first = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_login(first, user.email, "nope-nope-nope")
    other = create_app(base_config(database_url))
    with other.app_context():
        response = post_login(other.test_client(), user.email, PASSWORD)
        from whitepaper.extensions import db
        db.session.remove()
    assert response.status_code == 429


def test_throttling_ends_when_the_window_passes(client, db, app, make_user):
    user = make_user("observer")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_login(client, user.email, "nope-nope-nope")
    for bucket in db.session.scalars(select(ThrottleBucket)):
        bucket.window_started_at -= timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"] + 1)
    db.session.commit()
    assert post_login(client, user.email, PASSWORD).status_code == 302


def test_successful_logins_are_not_counted_and_failures_are_logged(client, db, app, make_user):
    user = make_user("observer")
    post_login(client, user.email, "nope-nope-nope")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        assert post_login(client, user.email, PASSWORD).status_code == 302
        client.post("/logout")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert post_login(client, user.email, "nope-nope-nope").status_code == 401
    assert post_login(client, user.email, "nope-nope-nope").status_code == 429
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == app.config["LOGIN_MAX_FAILURES"]


def test_logout_needs_a_post_and_ends_the_session(client, make_user, login_as):
    login_as(make_user("observer"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_remember_me_sets_a_lasting_http_only_cookie(client, make_user):
    user = make_user("observer")
    response = post_login(client, user.email, PASSWORD, remember="y")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "Expires" in cookie


def test_password_change_ends_other_sessions(app, client, make_user):
    user = make_user("observer")
    post_login(client, user.email, PASSWORD)
    other_device = app.test_client()
    post_login(other_device, user.email, PASSWORD)
    response = client.post("/account/password", data={"current": PASSWORD, "password": "a-new-long-password",
                                                      "confirm": "a-new-long-password"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200            # this session carries on
    assert other_device.get("/").status_code == 302      # the other one is logged out
    assert post_login(app.test_client(), user.email, "a-new-long-password").status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(client, db, make_user, login_as):
    user = make_user("observer")
    login_as(user)
    before = user.password_hash
    response = client.post("/account/password", data={"current": "wrong", "password": "a-new-long-password",
                                                      "confirm": "a-new-long-password"})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.password_hash == before


def test_password_reset_link_works_once(client, db, make_user):
    user = make_user("observer")
    client.post("/password/reset", data={"email": user.email})
    [mail] = outbox(db, user.email)
    path = link_in(mail.body)
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "brand-new-password", "confirm": "brand-new-password"})
    assert response.status_code == 302
    client.post("/logout")
    assert post_login(client, user.email, "brand-new-password").status_code == 302
    client.post("/logout")
    again = client.post(path, data={"password": "another-password-1", "confirm": "another-password-1"})
    assert again.status_code == 404


def test_expired_reset_link_is_refused(client, db, make_user):
    user = make_user("observer")
    client.post("/password/reset", data={"email": user.email})
    path = link_in(outbox(db, user.email)[0].body)
    for token in db.session.scalars(select(ActionToken)):
        token.expires_at -= timedelta(days=1)
    db.session.commit()
    assert client.get(path).status_code == 404


def test_reset_request_for_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post("/password/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "Si existe una cuenta" in response.get_data(as_text=True)
    assert outbox(db) == []


def test_tokens_are_stored_hashed(client, db, make_user):
    user = make_user("observer")
    client.post("/password/reset", data={"email": user.email})
    raw = link_in(outbox(db, user.email)[0].body).rsplit("/", 1)[1]
    stored = db.session.scalars(select(ActionToken.token_hash)).all()
    assert raw not in stored and len(stored) == 1


def test_admin_invitation_lets_the_person_choose_a_password(client, db, make_user, login_as):
    admin = make_user("admin")
    login_as(admin)
    response = client.post("/admin/users/invite", data={"email": "New.Person@Example.org", "name": "Nueva Persona",
                                                        "roles": ["assessor"], "country": "PER"})
    assert response.status_code == 302
    invited = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert invited.roles == {"assessor"} and invited.country.iso3 == "PER" and invited.password_hash is None
    path = link_in(outbox(db, invited.email)[0].body)
    client.post("/logout")
    assert client.post(path, data={"password": "my-own-password", "confirm": "my-own-password"}).status_code == 302
    assert client.get("/").status_code == 200


def test_invitation_of_an_existing_address_is_refused_and_keeps_the_form(client, db, make_user, login_as):
    admin = make_user("admin")
    login_as(admin)
    response = client.post("/admin/users/invite", data={"email": admin.email, "name": "Dup", "roles": ["observer"],
                                                        "country": ""})
    assert response.status_code == 409
    assert 'value="Dup"' in response.get_data(as_text=True)


def test_assessor_needs_a_country(client, make_user, login_as):
    login_as(make_user("admin"))
    response = client.post("/admin/users/invite", data={"email": "x@example.org", "roles": ["assessor"],
                                                        "country": ""})
    assert response.status_code == 400


def test_csrf_is_enforced_on_forms(database_url, make_user):
    from whitepaper import create_app
    app = create_app({**base_config(database_url), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        client = app.test_client()
        response = client.post("/login", data={"email": "a@b.org", "password": "x"})
        assert response.status_code == 400
        assert "formulario" in response.get_data(as_text=True)
        from whitepaper.extensions import db
        db.session.remove()


@pytest.mark.parametrize("email", ["", "not-an-email"])
def test_user_create_refuses_bad_addresses(runner, email):
    result = runner.invoke(args=["users", "create", email, "--role", "observer"], input="long-password-1\n")
    assert result.exit_code != 0


def test_login_with_an_unknown_email_is_refused_exactly_like_a_wrong_password(client, make_user):
    known = make_user("observer")
    wrong = post_login(client, known.email, "wrong-password")
    unknown = post_login(client, "nobody-here@example.org", "wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    message = "no son correctos"
    assert message in unknown.get_data(as_text=True) and message in wrong.get_data(as_text=True)
    assert "nobody-here@example.org" not in unknown.get_data(as_text=True).split("<form")[0]  # no echo above the form
    assert client.get("/").status_code == 302  # no session was opened
