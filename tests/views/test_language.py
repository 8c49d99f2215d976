"""Spanish by default, English on request, and the choice sticks."""
from __future__ import annotations


def test_login_page_is_in_spanish_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="es">' in html and "Iniciar sesión" in html


def test_switch_to_english_sticks_through_a_cookie(client):
    response = client.post("/lang", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html


def test_logged_in_users_choice_is_stored_on_their_account(client, db, make_user, login_as):
    user = make_user("observer")
    login_as(user)
    client.post("/lang", data={"lang": "en"})
    db.session.refresh(user)
    assert user.locale == "en"


def test_unknown_language_falls_back_to_spanish(client):
    client.post("/lang", data={"lang": "xx"})
    assert '<html lang="es">' in client.get("/login").get_data(as_text=True)
