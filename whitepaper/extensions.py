"""Flask extensions, created unbound and initialised by the application factory."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table, bindparam, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def upsert_insert(target: Any) -> Any:
    """An INSERT that takes ON CONFLICT clauses, for the database the session is bound to (PostgreSQL or
    SQLite). Only that database's dialect is imported: a SQLite deployment never loads PostgreSQL's."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(target)


def rows_insert(table: Table, rows: Sequence[Mapping[str, Any]]) -> tuple[Any, Any]:
    """One INSERT of many rows (all with the same keys) and the parameters to execute it with; it takes ON
    CONFLICT clauses and RETURNING, and inserts the rows in the order given.

    On PostgreSQL the rows travel as one array per column, `INSERT … SELECT … FROM unnest(:a, :b, …) WITH
    ORDINALITY ORDER BY ordinality`: a short statement whose text does not grow with the number of rows, so it is
    compiled, parsed by the driver and planned once. Elsewhere (SQLite) the rows go to SQLAlchemy's multi-row
    VALUES ("insertmanyvalues")."""
    columns = list(rows[0])
    if db.session.get_bind().dialect.name != "postgresql":
        return upsert_insert(table), list(rows)
    from sqlalchemy.dialects.postgresql import ARRAY, insert
    arrays = [bindparam(f"{name}_values", type_=ARRAY(table.c[name].type)) for name in columns]
    source = func.unnest(*arrays).table_valued(*columns, with_ordinality="ordinality").render_derived()
    query = select(*(source.c[name] for name in columns)).order_by(source.c.ordinality)
    return (insert(table).from_select(columns, query),
            {f"{name}_values": [row[name] for row in rows] for name in columns})


class Migrations:
    """Stands in `app.extensions["migrate"]` until Flask-Migrate is needed: by a `flask db …` command, by
    `flask_migrate.upgrade()`, or by `migrations/env.py`. The first attribute read wires the real Flask-Migrate
    into the app (which replaces this stand-in) and answers from it. Flask-Migrate brings Alembic with it, which
    no request and no other command needs, so a worker or a command that does not migrate never imports them."""

    def __init__(self, app: Flask, directory: str, **options: Any):
        self._app = app
        self._directory = directory
        self._options = options

    def load(self) -> Any:
        """Flask-Migrate's configuration for the app (wiring it in, the first time)."""
        if self._app.extensions.get("migrate") is self:
            from flask_migrate import Migrate
            Migrate(self._app, db, directory=self._directory, **self._options)
        return self._app.extensions["migrate"]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.load(), name)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, write-ahead log, and wait rather than fail on a busy file."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
