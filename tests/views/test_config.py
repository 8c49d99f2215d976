"""Configuration: production needs a secret; production cookies are secure; the database is checked."""
from __future__ import annotations

import pytest

from whitepaper import create_app
from whitepaper.config import ConfigError

from ..conftest import base_config


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("WHITEPAPER_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"})


def test_production_sets_secure_cookies_and_hsts(monkeypatch, tmp_path):
    monkeypatch.setenv("WHITEPAPER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-secret-from-the-environment")
    monkeypatch.setenv("PUBLIC_URL", "https://planbarometro.example.org")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    with app.app_context():
        response = app.test_client().get("/login", base_url="https://planbarometro.example.org")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_development_generates_a_secret_once_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("WHITEPAPER_ENV", raising=False)
    monkeypatch.setenv("WHITEPAPER_INSTANCE", str(tmp_path))
    first = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"}).config["SECRET_KEY"]
    second = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path):
    from whitepaper.extensions import db
    app = create_app(base_config(f"sqlite:///{tmp_path}/x.sqlite"))
    with app.app_context():
        assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.remove()
        db.engine.dispose()


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({**base_config("postgresql+psycopg://nobody@127.0.0.1:1/none")})
    with app.app_context():
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["db"] == "unreachable"
