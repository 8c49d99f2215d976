"""Unexpected errors answer a 500 page (or JSON under /api/), in the user's language, never a traceback."""
from __future__ import annotations


def _crashing(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internals")
    for name in ("boom", "api_boom"):
        app.view_functions[name].is_public = True


def test_an_unexpected_error_is_a_500_page_without_internals(app, client):
    _crashing(app)
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in html
    assert "<h1>Error 500</h1>" in html and "Se produjo un error en la plataforma" in html
    english = app.test_client()
    english.post("/lang", data={"lang": "en"})
    assert "Something went wrong on our side" in english.get("/boom").get_data(as_text=True)


def test_an_unexpected_api_error_is_json(app, client):
    _crashing(app)
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"
    assert "secret" not in response.get_data(as_text=True)
