"""Sessions end on the server: after logout, password change or reset a copied session or remember-me cookie
no longer works; an idle session ends; remember-me lasts at most 30 days, whatever the cookie says."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from whitepaper import create_app
from whitepaper.auth import sessions

from ..conftest import PASSWORD, base_config
from ..helpers import link_in, outbox

HOUR = 3600


def post_login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def copy_of(app, client, only: str | None = None):
    """Another browser holding a copy of the client's cookies (or only the one named)."""
    other = app.test_client()
    for cookie in client._cookies.values():
        if only is None or cookie.key == only:
            other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


def signed_in(client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, moved forward by clock.advance(seconds)."""
    class Clock:
        offset = 0.0

        def advance(self, seconds: float) -> None:
            self.offset += seconds
    moved = Clock()
    real = sessions.now
    monkeypatch.setattr(sessions, "now", lambda: real() + moved.offset)
    return moved


def test_a_copied_session_cookie_stops_working_after_logout(app, client, make_user):
    user = make_user("observer")
    post_login(client, user.email)
    thief = copy_of(app, client)
    assert signed_in(thief)
    client.post("/logout")
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_copied_remember_cookie_stops_working_after_logout(app, client, make_user):
    user = make_user("observer")
    post_login(client, user.email, remember="y")
    assert signed_in(copy_of(app, client, only="remember_token"))  # the cookie alone signs in
    remember_only, everything = copy_of(app, client, only="remember_token"), copy_of(app, client)
    client.post("/logout")
    assert not signed_in(remember_only)
    assert not signed_in(everything)


def test_a_password_reset_ends_the_sessions_of_every_device(app, client, db, make_user):
    user = make_user("observer")
    laptop = app.test_client()
    post_login(laptop, user.email, remember="y")
    client.post("/password/reset", data={"email": user.email})
    path = link_in(outbox(db, user.email)[0].body)
    assert client.post(path, data={"password": "brand-new-password", "confirm": "brand-new-password"}).status_code == 302
    assert signed_in(client)
    assert not signed_in(laptop)
    assert not signed_in(copy_of(app, laptop, only="remember_token"))


def test_an_idle_session_ends_after_the_timeout(app, client, make_user, clock):
    user = make_user("observer")
    post_login(client, user.email)
    idle = app.config["IDLE_TIMEOUT_MINUTES"] * 60
    assert idle == 8 * HOUR
    clock.advance(idle - 60)
    assert signed_in(client)                 # a request just in time: the idle time counts from here
    clock.advance(idle - 60)
    assert signed_in(client)
    clock.advance(idle + 1)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "inactividad" in client.get("/login").get_data(as_text=True)
    assert not signed_in(client)


def test_the_idle_timeout_is_configurable(app, client, make_user, clock):
    app.config["IDLE_TIMEOUT_MINUTES"] = 15
    post_login(client, make_user("observer").email)
    clock.advance(14 * 60)
    assert signed_in(client)
    clock.advance(16 * 60)
    assert not signed_in(client)


def test_remember_me_outlives_the_idle_timeout_but_not_30_days(app, client, make_user, clock):
    user = make_user("observer")
    post_login(client, user.email, remember="y")
    clock.advance(9 * HOUR)
    assert signed_in(client)                 # idle session ended; the remember-me cookie signed in again
    clock.advance(31 * 24 * HOUR)
    assert not signed_in(copy_of(app, client, only="remember_token"))


def test_the_remember_cookie_expires_within_30_days(client, make_user):
    user = make_user("observer")
    response = post_login(client, user.email, remember="y")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    lasts = expires - datetime.now(UTC)
    assert timedelta(days=29) < lasts <= timedelta(days=30)


@pytest.mark.parametrize("setting", [{"REMEMBER_COOKIE_DAYS": 365}, {"REMEMBER_COOKIE_DURATION": timedelta(days=90)},
                                     {"REMEMBER_COOKIE_DURATION": 400 * 24 * HOUR}])
def test_remember_me_is_clamped_to_30_days(tmp_path, setting):
    app = create_app({**base_config(f"sqlite:///{tmp_path}/x.sqlite"), **setting})
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


def test_a_shorter_remember_me_is_kept(tmp_path):
    app = create_app({**base_config(f"sqlite:///{tmp_path}/x.sqlite"), "REMEMBER_COOKIE_DAYS": "7"})
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=7)
