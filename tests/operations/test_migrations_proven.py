"""The migrations are proven (issue 21, item 2).

1. An empty database upgraded through every migration (migrations/versions/, found by Alembic, so a new file is
   included without editing this test) has exactly the schema of the models: Alembic's autogenerate comparison
   (what `alembic check` runs, here with types and server defaults compared too) finds no difference, on SQLite
   and on PostgreSQL.
2. No row is lost by an upgrade: the demo is loaded at head once; for each earlier revision R an empty database
   is upgraded to R, the demo's rows are copied into it (the tables and columns that exist at R), and the
   database is upgraded to head; every table then holds the same number of rows, with the same primary keys.
   On SQLite from every earlier revision; on PostgreSQL from the revision before head.

Rows the schema at R cannot hold are the only ones not copied, and they are named in UNREPRESENTABLE; any
other row that cannot be copied fails the test.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from ..conftest import _session_tmp, base_config

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

# Columns renamed by a migration: (table, name before) -> name at head.
RENAMED = {("outbox_messages", "error"): "last_error"}  # 0008: the delivery's last error
# Rows that exist at head but that an older schema cannot represent, by the NOT NULL column that refuses them.
# Before 0009 a comment resolution always answered a stored vote (vote_id NOT NULL); since 0009 a closed secret
# ballot keeps the reason on the resolution and deletes its votes, so those resolutions have no vote. Copied
# into a pre-0009 schema they would have no vote to point to; they are left out there, and only there.
UNREPRESENTABLE = {("comment_resolutions", "vote_id")}


def revisions() -> list[str]:
    """Every revision from the first to head, in order (one line of history: a branch fails here)."""
    from alembic.script import ScriptDirectory
    script = ScriptDirectory(str(MIGRATIONS))
    heads = script.get_heads()
    assert len(heads) == 1, f"the migrations have several heads: {heads}"
    return [r.revision for r in reversed(list(script.walk_revisions()))]


REVISIONS = revisions()
HEAD = REVISIONS[-1]


@contextmanager
def app_on(url: str) -> Iterator[object]:
    from whitepaper import create_app
    from whitepaper.extensions import db
    app = create_app(base_config(url))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    from flask_migrate import upgrade as flask_upgrade
    with app_on(url):
        flask_upgrade(revision=revision)


def schema_differences(url: str) -> list:
    """What `alembic check` would report, with column types and server defaults compared as well."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from whitepaper.extensions import db
    with app_on(url):
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "compare_server_default": True, "render_as_batch": True})
            return compare_metadata(context, db.metadata)


def current_revision(url: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def sqlite_path(url: str) -> str:
    return url[len("sqlite:///"):]


def remove_sqlite(url: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(sqlite_path(url) + suffix):
            os.remove(sqlite_path(url) + suffix)


def copy_sqlite(source_url: str, name: str) -> str:
    """A copy of a SQLite database file (its engines disposed, so the write-ahead log is checkpointed)."""
    target = os.path.join(_session_tmp, name)
    for suffix in ("", "-wal"):
        if os.path.exists(sqlite_path(source_url) + suffix):
            shutil.copyfile(sqlite_path(source_url) + suffix, target + suffix)
    return "sqlite:///" + target


# --- copying the demo's rows into an older schema ----------------------------------------------------------

def _reflect(engine: sa.Engine) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(engine)
    return metadata


def _primary_keys(connection, table: sa.Table) -> set[tuple]:
    columns = list(table.primary_key.columns)
    assert columns, f"{table.name} has no primary key"
    return {tuple(row) for row in connection.execute(sa.select(*columns))}


def copy_rows(source_url: str, target_url: str) -> tuple[dict[str, int], dict[str, set[tuple]], dict[str, int]]:
    """Empties every table of the target (the rows its migrations seeded) and copies into it the source's rows
    of the tables and columns it has. Returns, per copied table, the rows copied, their primary keys, and the
    rows left out (only those UNREPRESENTABLE allows; any other row the target refuses fails here)."""
    source, target = sa.create_engine(source_url), sa.create_engine(target_url)
    try:
        source_tables, target_tables = _reflect(source).tables, _reflect(target)
        order = [t for t in target_tables.sorted_tables if t.name != "alembic_version"]
        copied, keys, left_out = {}, {}, {}
        with source.connect() as reading, target.begin() as writing:
            for table in reversed(order):
                writing.execute(table.delete())
            for table in order:
                assert table.name in source_tables, f"table {table.name} exists before head but not at head"
                rows, skipped = _rows_for(reading, source_tables[table.name], table)
                if rows:
                    writing.execute(table.insert(), rows)
                copied[table.name], left_out[table.name] = len(rows), skipped
                keys[table.name] = _primary_keys(writing, table)
                assert len(keys[table.name]) == len(rows)
        return copied, keys, left_out
    finally:
        source.dispose()
        target.dispose()


def _rows_for(reading, source: sa.Table, target: sa.Table) -> tuple[list[dict], int]:
    """The source's rows shaped for the target's columns (renamed ones followed), in primary-key order."""
    mapping = {}
    for column in target.columns:
        name = RENAMED.get((target.name, column.name), column.name)
        if name in source.columns:
            mapping[column.name] = name
        else:
            assert column.nullable or column.server_default is not None, (
                f"{target.name}.{column.name} is required before head but has no counterpart at head: "
                "name its new name in RENAMED")
    required = [c.name for c in target.columns if not c.nullable and c.name in mapping]
    rows, skipped = [], 0
    for row in reading.execute(sa.select(source).order_by(*source.primary_key.columns)).mappings():
        shaped = {column: row[name] for column, name in mapping.items()}
        refused = [c for c in required if shaped[c] is None]
        if refused:
            assert all((target.name, c) in UNREPRESENTABLE for c in refused), (
                f"a row of {target.name} cannot be copied: {refused} would be NULL ({dict(row)})")
            skipped += 1
            continue
        rows.append(shaped)
    return rows, skipped


def assert_nothing_lost(url: str, copied: dict[str, int], keys: dict[str, set[tuple]]) -> None:
    engine = sa.create_engine(url)
    try:
        tables = _reflect(engine).tables
        with engine.connect() as connection:
            for name, count in copied.items():
                after = connection.execute(sa.select(sa.func.count()).select_from(tables[name])).scalar()
                assert after == count, f"{name}: {count} rows before the upgrade, {after} after"
                assert _primary_keys(connection, tables[name]) == keys[name], f"{name}: primary keys changed"
    finally:
        engine.dispose()


# --- fixtures ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_at_head(templates) -> Iterator[str]:
    """A SQLite database at head with the catalogue and the whole demo."""
    from whitepaper import demo
    url = templates.sqlite()
    with app_on(url):
        demo.load()
    yield url
    templates.drop(url)


@pytest.fixture(scope="module")
def schemas_at() -> Iterator[dict[str, str]]:
    """{revision: an empty SQLite database at that revision}, built by upgrading one database step by step."""
    building = "sqlite:///" + os.path.join(_session_tmp, "migrating.sqlite")
    made = {}
    for revision in REVISIONS:
        upgrade(building, revision)
        made[revision] = copy_sqlite(building, f"schema-{revision}.sqlite")
    yield made
    for url in [building, *made.values()]:
        remove_sqlite(url)


@contextmanager
def empty_postgresql(templates, name: str) -> Iterator[str]:
    from ..system import require
    require(templates.pg_server is not None, "PostgreSQL 15 (postgresql-15)")
    url = f"{templates.pg_server}/{templates.prefix}_{name}"
    admin = sa.create_engine(f"{templates.pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {templates.prefix}_{name}"))
        connection.execute(sa.text(f"CREATE DATABASE {templates.prefix}_{name}"))
    admin.dispose()
    try:
        yield url
    finally:
        templates.drop(url)


# --- the tests -------------------------------------------------------------------------------------------------

def test_the_revisions_are_found_in_order():
    assert len(REVISIONS) >= 11 and REVISIONS[:2] == ["0001", "0002"]
    files = sorted(p.name for p in (MIGRATIONS / "versions").glob("*.py"))
    assert len(files) == len(REVISIONS)  # every file is a revision on the one line of history


def test_sqlite_upgraded_from_empty_equals_the_models(schemas_at):
    url = schemas_at[HEAD]
    assert current_revision(url) == HEAD
    assert schema_differences(url) == []


def test_the_comparison_sees_a_column_the_migrations_do_not_make(schemas_at):
    """The comparison can fail: a model column no migration creates is reported."""
    from whitepaper.extensions import db
    table = db.metadata.tables["jobs"]
    extra = sa.Column("not_migrated", sa.Integer(), nullable=True)
    table.append_column(extra)
    try:
        differences = schema_differences(schemas_at[HEAD])
    finally:
        table._columns.remove(extra)
    assert [d[0] for d in differences] == ["add_column"] and differences[0][3].name == "not_migrated"


@pytest.mark.pg
def test_postgresql_upgraded_from_empty_equals_the_models(templates):
    with empty_postgresql(templates, "migrations_empty") as url:
        upgrade(url)
        assert current_revision(url) == HEAD
        assert schema_differences(url) == []


@pytest.mark.parametrize("revision", REVISIONS[:-1])
def test_sqlite_upgrade_to_head_loses_no_demo_row(revision, schemas_at, demo_at_head):
    url = copy_sqlite(schemas_at[revision], f"filled-{revision}.sqlite")
    try:
        copied, keys, left_out = copy_rows(demo_at_head, url)
        assert sum(copied.values()) > 1000  # the demo really is there
        assert sum(left_out.values()) == 0 or REVISIONS.index(revision) < REVISIONS.index("0009")
        upgrade(url)
        assert current_revision(url) == HEAD
        assert_nothing_lost(url, copied, keys)
        assert schema_differences(url) == []
    finally:
        remove_sqlite(url)


def test_at_the_previous_revision_every_demo_row_fits(schemas_at, demo_at_head):
    """From the revision before head nothing is left out: every demo table and row is carried over."""
    url = copy_sqlite(schemas_at[REVISIONS[-2]], "filled-previous.sqlite")
    copied, _keys, left_out = copy_rows(demo_at_head, url)
    remove_sqlite(url)
    engine = sa.create_engine(demo_at_head)
    with engine.connect() as connection:
        tables = _reflect(engine).tables
        for name, count in copied.items():
            assert connection.execute(sa.select(sa.func.count()).select_from(tables[name])).scalar() == count
    engine.dispose()
    assert sum(left_out.values()) == 0


@pytest.mark.pg
def test_postgresql_upgrade_from_the_previous_revision_loses_no_demo_row(templates, demo_at_head):
    with empty_postgresql(templates, "migrations_previous") as url:
        upgrade(url, REVISIONS[-2])
        copied, keys, left_out = copy_rows(demo_at_head, url)
        assert sum(copied.values()) > 1000 and sum(left_out.values()) == 0
        upgrade(url)
        assert current_revision(url) == HEAD
        assert_nothing_lost(url, copied, keys)
        assert schema_differences(url) == []
