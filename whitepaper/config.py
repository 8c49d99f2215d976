"""Configuration: defaults, then the environment, then the mapping given to create_app."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

ENV_KEYS = ("SECRET_KEY", "DATABASE_URL", "UPLOAD_FOLDER", "WHITEPAPER_ENV", "MAIL_SERVER", "MAIL_PORT",
            "MAIL_SENDER", "PDF_CACHE_FOLDER", "MAX_UPLOAD_MB")


class ConfigError(RuntimeError):
    """A configuration that must not start (for example production without SECRET_KEY)."""


def defaults(instance_path: str) -> dict[str, Any]:
    return {
        "WHITEPAPER_ENV": "development",
        "DATABASE_URL": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "UPLOAD_FOLDER": os.path.join(instance_path, "evidence"),
        "PDF_CACHE_FOLDER": os.path.join(instance_path, "pdf-cache"),
        "MAX_UPLOAD_MB": 10,
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_SENDER": "planbarometro@cepal.org",
        "BABEL_DEFAULT_LOCALE": "es",
        "LANGUAGES": ("es", "en"),
        "PASSWORD_HASH_METHOD": "scrypt",
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_MINUTES": 15,
        "TOKEN_HOURS": {"invitation": 24 * 7, "password_reset": 2},
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PER_PAGE": 25,
    }


def _dev_secret(instance_path: str) -> str:
    """A development secret generated once and kept in instance/, so sessions survive restarts."""
    path = Path(instance_path) / "dev-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def build(instance_path: str, override: Mapping[str, Any] | None) -> dict[str, Any]:
    config = defaults(instance_path)
    for key in ENV_KEYS:
        if os.environ.get(key):
            config[key] = os.environ[key]
    config.update(override or {})
    config["MAX_UPLOAD_MB"] = int(config["MAX_UPLOAD_MB"])
    config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_MB"] * 1024 * 1024 + 256 * 1024
    production = config["WHITEPAPER_ENV"] == "production"
    if not config.get("SECRET_KEY"):
        if production:
            raise ConfigError("WHITEPAPER_ENV=production needs SECRET_KEY in the environment "
                              "(a long random value, e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`).")
        config["SECRET_KEY"] = _dev_secret(instance_path)
    if production:
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    url = config.get("DATABASE_URL") or "sqlite:///" + os.path.join(instance_path, "whitepaper.sqlite")
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    config["SQLALCHEMY_DATABASE_URI"] = url
    config["DATABASE_URL"] = url
    return config
