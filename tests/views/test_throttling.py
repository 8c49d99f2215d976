"""Throttling: failed logins per account and per client address, decided atomically by the database (at most
the limit is evaluated even when the guesses arrive at once); reset and invitation requests per account and per
address or sender; a 429 says when to come back (Retry-After) in the user's language."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from whitepaper.auth import services
from whitepaper.models import ThrottleBucket

from ..conftest import PASSWORD
from ..helpers import outbox

ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
OFFICE = {"REMOTE_ADDR": "198.51.100.20"}


def post_login(client, email, password, address=ATTACKER):
    return client.post("/login", data={"email": email, "password": password}, environ_base=address)


def test_an_address_guessing_many_accounts_is_throttled(app, client, make_user):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    victims = [make_user("observer") for _ in range(4)]
    for victim in victims[:3]:
        assert post_login(client, victim.email, "wrong-password").status_code == 401
    response = post_login(client, victims[3].email, "wrong-password")
    assert response.status_code == 429
    assert "desde su red" in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= app.config["LOGIN_WINDOW_MINUTES"] * 60
    # the same account from another address is still evaluated
    assert post_login(client, victims[3].email, PASSWORD, address=OFFICE).status_code == 302


def test_a_throttled_account_says_when_to_come_back(app, client, make_user):
    user = make_user("observer")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_login(client, user.email, "wrong-password")
    response = post_login(client, user.email, "wrong-password", address=OFFICE)  # any address
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Demasiados intentos fallidos para esta cuenta" in response.get_data(as_text=True)


def test_the_refusal_speaks_the_users_language(app, client, make_user):
    user = make_user("observer")
    client.set_cookie("lang", "en", domain="localhost")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_login(client, user.email, "wrong-password")
    assert "Too many failed attempts for this account" in post_login(client, user.email, PASSWORD).get_data(
        as_text=True)


def test_successful_logins_and_page_views_are_never_limited(app, client, make_user):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 2
    users = [make_user("observer") for _ in range(5)]
    for user in users:  # five people behind one office address sign in
        assert post_login(client, user.email, PASSWORD, address=OFFICE).status_code == 302
        for _ in range(3):
            assert client.get("/", environ_base=OFFICE).status_code == 200
        client.post("/logout", environ_base=OFFICE)
    assert client.get("/catalogue/", environ_base=OFFICE).status_code == 200


def test_the_counters_hold_no_address_or_email(db, client, make_user):
    user = make_user("observer")
    post_login(client, user.email, "wrong-password")
    keys = db.session.scalars(select(ThrottleBucket.key)).all()
    assert len(keys) == 2 and all(len(k) == 64 and "@" not in k and "203.0" not in k for k in keys)


# --- simultaneous guesses: the decision is the database's ---------------------------------------------------

@pytest.mark.parametrize("backend", ["postgresql"])  # there requests really run in parallel
def test_simultaneous_guesses_are_evaluated_at_most_the_limit(app, db, make_user, monkeypatch):
    user = make_user("observer")
    limit, guesses = app.config["LOGIN_MAX_FAILURES"], 20
    evaluated, lock = [], threading.Lock()
    real_check = services.check_password_hash

    def counted_check(password_hash, password):
        with lock:
            evaluated.append(password)
        time.sleep(0.05)  # a real hash takes time: the window in which a check-then-act limit lets guesses in
        return real_check(password_hash, password)
    monkeypatch.setattr(services, "check_password_hash", counted_check)
    email = user.email
    db.session.commit()
    barrier, statuses = threading.Barrier(guesses), []

    def guess(n: int) -> None:
        client = app.test_client()  # its own requests, application contexts and database sessions
        barrier.wait(timeout=30)
        statuses.append(post_login(client, email, f"guess-{n}").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert len(statuses) == guesses
    assert len(evaluated) == limit
    assert sorted(statuses) == [401] * limit + [429] * (guesses - limit)


# --- e-mailed links -----------------------------------------------------------------------------------------

def reset(client, email, address=ATTACKER):
    return client.post("/password/reset", data={"email": email}, environ_base=address)


def test_reset_requests_are_limited_per_account(app, client, db, make_user):
    user = make_user("observer")
    per_account = app.config["LINK_REQUESTS_PER_ACCOUNT"]
    for n in range(per_account):
        assert reset(client, user.email, address={"REMOTE_ADDR": f"192.0.2.{n + 1}"}).status_code == 302
    response = reset(client, user.email, address=OFFICE)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= app.config["LINK_WINDOW_MINUTES"] * 60
    assert "Demasiadas solicitudes" in response.get_data(as_text=True)
    assert len(outbox(db, user.email)) == per_account


def test_reset_requests_are_limited_per_address_known_accounts_or_not(app, client, db, make_user):
    per_address = app.config["LINK_REQUESTS_PER_ADDRESS"]
    known = make_user("observer")
    for n in range(per_address):
        assert reset(client, f"someone{n}@example.org").status_code == 302
    assert reset(client, known.email).status_code == 429
    assert outbox(db, known.email) == []
    assert reset(client, known.email, address=OFFICE).status_code == 302


def test_invitations_are_limited_per_sender(app, client, db, make_user, login_as):
    app.config["INVITATIONS_PER_SENDER"] = 2
    login_as(make_user("admin"))
    for n in range(2):
        assert client.post("/admin/users/invite", data={"email": f"new{n}@example.org", "roles": ["observer"],
                                                        "country": ""}).status_code == 302
    response = client.post("/admin/users/invite", data={"email": "new2@example.org", "roles": ["observer"],
                                                         "country": ""})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Demasiadas solicitudes" in response.get_data(as_text=True)
    assert outbox(db, "new2@example.org") == []
