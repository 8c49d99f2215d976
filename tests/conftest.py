"""Fixtures: an app per test on a fresh copy of a migrated database (SQLite, and PostgreSQL when its
binaries exist), a client, login_as, factories and a query counter."""
from __future__ import annotations

import contextvars
import itertools
import os
import shutil
import tempfile
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event

from . import pg
from .system import has_postgres, require

BACKENDS = ("sqlite", "postgresql")
FAST_HASH = "pbkdf2:sha256:1000"  # tests only: scrypt would make every factory user cost ~50 ms
PASSWORD = "correct-horse-battery"

_session_tmp = tempfile.mkdtemp(prefix="wp-tests-")
os.environ["WHITEPAPER_INSTANCE"] = os.path.join(_session_tmp, "instance")


def base_config(url: str) -> dict[str, Any]:
    return {"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": FAST_HASH, "UPLOAD_FOLDER": os.path.join(_session_tmp, "evidence"),
            "PDF_CACHE_FOLDER": tempfile.mkdtemp(prefix="pdf-cache-", dir=_session_tmp), "SERVER_NAME": "localhost"}


def prepare_database(url: str) -> None:
    """Migrates an empty database and loads the catalogue, as `make run` does."""
    from flask_migrate import upgrade

    from whitepaper import create_app
    from whitepaper.catalogue import loader
    from whitepaper.extensions import db
    app = create_app(base_config(url))
    with app.app_context():
        upgrade()
        loader.load()
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str | None]:
    """The PostgreSQL server the tests use: TEST_DATABASE_URL (an existing server, as
    postgresql+psycopg://USER@HOST:PORT, whose user may create databases), else a throwaway one started here
    (needs root and postgresql-15), else None (the PostgreSQL runs skip, or fail under REQUIRE_ALL=1)."""
    existing = os.environ.get("TEST_DATABASE_URL")
    if existing:
        yield existing.rstrip("/")
        return
    if not has_postgres():
        yield None
        return
    with pg.throwaway_server() as server:
        yield server


class TemplateDatabases:
    """One migrated template per backend, made once; each test gets its own copy."""
    counter = itertools.count()

    def __init__(self, pg_server: str | None):
        self.pg_server = pg_server
        self.prefix = f"wp_{os.getpid()}"
        self.sqlite_template: str | None = None
        self.pg_ready = False

    def sqlite(self) -> str:
        if self.sqlite_template is None:
            self.sqlite_template = os.path.join(_session_tmp, "template.sqlite")
            prepare_database("sqlite:///" + self.sqlite_template)
        path = os.path.join(_session_tmp, f"test-{next(self.counter)}.sqlite")
        shutil.copyfile(self.sqlite_template, path)
        return "sqlite:///" + path

    def _admin(self) -> sa.Engine:
        return sa.create_engine(f"{self.pg_server}/postgres", isolation_level="AUTOCOMMIT")

    def postgresql(self) -> str:
        assert self.pg_server
        engine = self._admin()
        with engine.connect() as conn:
            if not self.pg_ready:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {self.prefix}_template"))
                conn.execute(sa.text(f"CREATE DATABASE {self.prefix}_template"))
                prepare_database(f"{self.pg_server}/{self.prefix}_template")
                self.pg_ready = True
            name = f"{self.prefix}_test_{next(self.counter)}"
            conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {self.prefix}_template STRATEGY FILE_COPY"))
        engine.dispose()
        return f"{self.pg_server}/{name}"

    def drop(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.remove(url[len("sqlite:///"):] + suffix)
                except FileNotFoundError:
                    pass
            return
        name = url.rsplit("/", 1)[1]
        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        engine.dispose()


@pytest.fixture(scope="session")
def templates(pg_server) -> Iterator[TemplateDatabases]:
    made = TemplateDatabases(pg_server)
    yield made
    if made.pg_ready:  # on a server that outlives the session (TEST_DATABASE_URL), leave nothing behind
        made.drop(f"{pg_server}/{made.prefix}_template")


@contextmanager
def fresh_database(templates: TemplateDatabases, backend: str) -> Iterator[str]:
    if backend == "postgresql":
        require(templates.pg_server is not None, "PostgreSQL 15 (postgresql-15)")
    url = templates.sqlite() if backend == "sqlite" else templates.postgresql()
    try:
        yield url
    finally:
        templates.drop(url)


@pytest.fixture(params=[pytest.param(name, marks=[pytest.mark.pg] if name == "postgresql" else [])
                        for name in BACKENDS])
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(templates, backend) -> Iterator[str]:
    with fresh_database(templates, backend) as url:
        yield url


class IsolatedClient(FlaskClient):
    """Each request runs as it would in production: in its own application context, with its own database
    session and `g`, not inside the test's context. Around it, the test's session commits what the test set
    up, and afterwards forgets what it had loaded, so the test reads what the request really stored."""

    def open(self, *args, **kwargs):
        from whitepaper.extensions import db
        if not has_app_context():  # a redirect being followed: already isolated
            return super().open(*args, **kwargs)
        db.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            db.session.rollback()


@pytest.fixture
def app(database_url):
    from whitepaper import create_app
    from whitepaper.extensions import db
    app = create_app(base_config(database_url))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db(app):
    from whitepaper.extensions import db as database
    return database


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(client) -> Callable:
    """Logs the test client in as a user, as the login page would."""
    def login(user) -> None:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
    return login


@pytest.fixture
def make_user(db) -> Callable:
    """Factory: make_user("assessor", country="CRI") creates and commits a user with a known password."""
    from whitepaper.auth import services as accounts
    numbers = itertools.count(1)

    def make(*roles: str, country: str | None = None, email: str | None = None, name: str = "",
             password: str = PASSWORD):
        n = next(numbers)
        user = accounts.create_user(None, email or f"user{n}-{'-'.join(roles) or 'none'}@example.org",
                                    roles=set(roles), name=name or f"User {n}", country_iso3=country,
                                    password=password)
        db.session.commit()
        return user
    return make


@pytest.fixture
def count_queries(db) -> Callable:
    """Counts the SQL statements run inside a `with count_queries() as counter:` block (counter.n)."""
    @contextmanager
    def counting():
        class Counter:
            n = 0
            statements: list[str] = []

        def before(_conn, _cursor, statement, *_args):
            Counter.n += 1
            Counter.statements.append(statement)
        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield Counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
    return counting
