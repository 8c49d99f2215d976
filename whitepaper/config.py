"""Configuration: defaults, then the environment, then the mapping given to create_app."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from typing import Any, Mapping

ENV_KEYS = ("SECRET_KEY", "DATABASE_URL", "UPLOAD_FOLDER", "WHITEPAPER_ENV", "MAIL_SERVER", "MAIL_PORT",
            "MAIL_SENDER", "MAIL_MAX_ATTEMPTS", "PDF_CACHE_FOLDER", "MAX_UPLOAD_MB", "METRICS_TOKEN",
            "CODE_SUGGESTER")
# Sessions, sign-in throttling and the links in e-mails (read by _sessions_and_links).
SESSION_ENV_KEYS = ("PUBLIC_URL", "TRUSTED_HOSTS", "IDLE_TIMEOUT_MINUTES", "REMEMBER_COOKIE_DAYS",
                    "ADDRESS_RETENTION_DAYS", "PROXY_COUNT")
MIN_SECRET_KEY_BYTES = 32
MAX_REMEMBER_DAYS = 30


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
        "MAIL_MAX_ATTEMPTS": 10,   # then the message is marked failed (retries wait 1, 2, 4 … minutes)
        "BABEL_DEFAULT_LOCALE": "es",
        "LANGUAGES": ("es", "en"),
        "PASSWORD_HASH_METHOD": "scrypt",
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_MINUTES": 15,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
        "LINK_REQUESTS_PER_ACCOUNT": 3,
        "LINK_REQUESTS_PER_ADDRESS": 10,
        "INVITATIONS_PER_SENDER": 100,
        "LINK_WINDOW_MINUTES": 60,
        "TOKEN_HOURS": {"invitation": 24 * 7, "password_reset": 1},
        "IDLE_TIMEOUT_MINUTES": 8 * 60,
        "REMEMBER_COOKIE_DAYS": MAX_REMEMBER_DAYS,
        "ADDRESS_RETENTION_DAYS": 90,
        "PUBLIC_URL": None,
        "PROXY_COUNT": 0,  # reverse proxies in front whose X-Forwarded-For/-Proto are believed (deploy/: 1)
        "TRUSTED_HOSTS": None,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PER_PAGE": 25,
        "CODE_SUGGESTER": None,  # "package.module:Class" of a Suggester (delphi/rounds/suggestions.py); None: TF-IDF
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
    for key in ENV_KEYS + SESSION_ENV_KEYS:
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
    if production and len(str(config["SECRET_KEY"]).encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(f"SECRET_KEY is too short for production: it needs at least {MIN_SECRET_KEY_BYTES} bytes "
                          "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`).")
    _sessions_and_links(config, production)
    if production:
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    url = config.get("DATABASE_URL") or "sqlite:///" + os.path.join(instance_path, "whitepaper.sqlite")
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    config["SQLALCHEMY_DATABASE_URI"] = url
    config["DATABASE_URL"] = url
    return config


def _sessions_and_links(config: dict[str, Any], production: bool) -> None:
    """Idle timeout, remember-me (at most 30 days), the public URL of e-mailed links and the served hosts."""
    config["IDLE_TIMEOUT_MINUTES"] = int(config["IDLE_TIMEOUT_MINUTES"])
    config["ADDRESS_RETENTION_DAYS"] = int(config["ADDRESS_RETENTION_DAYS"])
    config["PROXY_COUNT"] = int(config["PROXY_COUNT"])
    duration = config.get("REMEMBER_COOKIE_DURATION") or timedelta(days=int(config["REMEMBER_COOKIE_DAYS"]))
    if not isinstance(duration, timedelta):
        duration = timedelta(seconds=int(duration))
    config["REMEMBER_COOKIE_DURATION"] = min(duration, timedelta(days=MAX_REMEMBER_DAYS))
    public_url = (config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if not public_url:
        if production:
            raise ConfigError("WHITEPAPER_ENV=production needs PUBLIC_URL in the environment: the address people use "
                              "to reach the platform, e.g. https://planbarometro.cepal.org (links in e-mails use it).")
        public_url = f"http://127.0.0.1:{os.environ.get('PORT') or 5000}"
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"PUBLIC_URL must be an http(s) address such as https://planbarometro.cepal.org, "
                          f"not {public_url!r}.")
    config["PUBLIC_URL"] = public_url
    hosts = config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):
        hosts = [host.strip() for host in hosts.split(",") if host.strip()]
    if production and not hosts:
        hosts = [parts.hostname]  # production serves only the configured hosts; development any Host
    config["TRUSTED_HOSTS"] = list(hosts) if hosts else None
