"""`flask restore FILE [--force]`: puts a backup (see `archive`) into the database and evidence folder the
configuration names (DATABASE_URL, UPLOAD_FOLDER, WHITEPAPER_INSTANCE).

Order: the archive is unpacked and verified in a temporary folder (`unpack`); the target is checked to be empty
(or `--force` given); only then are the database and the files written. The database is restored at the backup's
schema revision, then migrated to this version's head. The last step records the restore in the audit trail: the
only row the restore adds.

- SQLite backup into SQLite: the online backup API, from the snapshot into the database file.
- SQLite backup into PostgreSQL (the move to production): the schema is built by the migrations, the rows are
  copied table by table in foreign-key order (SQLAlchemy Core), and the sequences are set past the highest ids.
- PostgreSQL backup into PostgreSQL: `pg_restore` of the custom-format dump.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..extensions import db
from . import archive
from .archive import BackupError
from .unpack import Unpacked, unpack

BATCH = 1000
# Rows the migrations themselves write (0001: the member countries; 0013: the data revision counters): a database
# holding only these is as `flask db upgrade` left it, and counts as empty.
SEEDED_BY_MIGRATIONS = frozenset({"countries", "data_revisions"})


@dataclass
class Restored:
    """What `restore` wrote, for the command's report."""
    archive: str
    unpacked: Unpacked
    target: str
    folder: str
    head: str
    evidence_bytes: int

    @property
    def manifest(self) -> dict:
        return self.unpacked.manifest


@dataclass
class TargetState:
    """What the target holds before the restore: tables with rows, and files in the evidence folder."""
    tables_with_rows: list[str]
    files: list[str]

    @property
    def empty(self) -> bool:
        return not self.tables_with_rows and not self.files


def restore(path: str, *, force: bool = False) -> Restored:
    """Verifies the archive, checks the target, then restores; raises BackupError, having written nothing,
    when the archive is damaged or the target is not empty (without `force`) or cannot take this backup."""
    engine = db.engine
    folder = current_app.config["UPLOAD_FOLDER"]
    work = tempfile.mkdtemp(prefix="wp-restore-")
    try:
        unpacked = unpack(os.path.abspath(path), work)
        head = _check_revision(unpacked.revision)
        _check_target_kind(unpacked, engine)
        state = target_state(engine, folder)
        if not state.empty and not force:
            raise BackupError(_not_empty(state, engine, folder))
        db.session.remove()
        _restore_database(unpacked, engine)
        _check_counts(engine, unpacked)
        if unpacked.revision != head:
            _upgrade("head")
        size = _restore_evidence(unpacked, folder)
        audit.record(None, "backup.restore", object_type="platform", after={
            "archive": os.path.basename(path), "created_at": unpacked.manifest.get("created_at"),
            "source": unpacked.dialect, "revision": unpacked.revision, "rows": sum(unpacked.tables.values()),
            "files": len(unpacked.evidence()), "replaced": not state.empty})
        db.session.commit()
        return Restored(os.path.abspath(path), unpacked, archive.describe(engine.url), folder, head, size)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- checks (nothing is written) ------------------------------------------------------------------------------

def _scripts():
    from alembic.script import ScriptDirectory
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def _check_revision(revision: str) -> str:
    """The head of this version's migrations; the backup's revision must be one of them."""
    from alembic.util import CommandError
    scripts = _scripts()
    try:
        known = scripts.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(f"The backup's schema revision {revision} is unknown to this version of the platform "
                          "(a backup made by a newer version?): restore it with that version. Nothing was restored.")
    return scripts.get_current_head()


def _check_target_kind(unpacked: Unpacked, engine: sa.Engine) -> None:
    target = engine.dialect.name
    if target not in ("sqlite", "postgresql"):
        raise BackupError(f"Restores support SQLite and PostgreSQL, not {target}. Nothing was restored.")
    if unpacked.dialect == "postgresql" and target != "postgresql":
        raise BackupError("This backup was made on PostgreSQL: it restores only into PostgreSQL (set DATABASE_URL "
                          "to a PostgreSQL database). Nothing was restored.")
    if target == "sqlite":
        archive.sqlite_path(engine.url)


def target_state(engine: sa.Engine, folder: str) -> TargetState:
    """Which tables of the target database hold rows (besides those the migrations fill), and which files the
    evidence folder holds."""
    tables: list[str] = []
    if engine.dialect.name != "sqlite" or os.path.exists(archive.sqlite_path(engine.url)):
        with engine.connect() as connection:
            for name in archive.table_names(connection):
                if name not in SEEDED_BY_MIGRATIONS and connection.scalar(sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)) is not None:
                    tables.append(name)
    files = [name for name, _path in archive.evidence_files(folder, current_app.config.get("PDF_CACHE_FOLDER"))]
    return TargetState(tables, files)


def _not_empty(state: TargetState, engine: sa.Engine, folder: str) -> str:
    parts = []
    if state.tables_with_rows:
        shown = ", ".join(state.tables_with_rows[:5]) + (", …" if len(state.tables_with_rows) > 5 else "")
        parts.append(f"the database {archive.describe(engine.url)} has rows in {len(state.tables_with_rows)} "
                     f"table(s) ({shown})")
    if state.files:
        parts.append(f"the evidence folder {folder} holds {len(state.files)} file(s)")
    return ("The target is not empty: " + "; ".join(parts) + ". Restore into an empty database and evidence "
            "folder, or add --force to replace what they hold. Nothing was restored.")


# --- the database -----------------------------------------------------------------------------------------------

def _restore_database(unpacked: Unpacked, engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        _sqlite_into_sqlite(unpacked.database_file, archive.sqlite_path(engine.url), engine)
    elif unpacked.dialect == "postgresql":
        _dump_into_postgresql(unpacked.database_file, engine)
    else:
        _sqlite_into_postgresql(unpacked, engine)


def _sqlite_into_sqlite(snapshot: str, target: str, engine: sa.Engine) -> None:
    """The online backup API, the other way: the target file becomes a page-for-page copy of the snapshot
    (schema included); whatever it held before is replaced in one step."""
    engine.dispose()
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    source = sqlite3.connect(f"file:{snapshot}?mode=ro&immutable=1", uri=True)
    destination = sqlite3.connect(target, timeout=30)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    engine.dispose()


def _drop_everything(engine: sa.Engine) -> None:
    """Drops every table of the target (they are empty, or --force was given), Alembic's included."""
    with engine.begin() as connection:
        tables = sa.MetaData()
        tables.reflect(connection)
        tables.drop_all(connection)


def _upgrade(revision: str) -> None:
    from flask_migrate import upgrade
    db.session.remove()
    upgrade(revision=revision)


def _dump_into_postgresql(dump: str, engine: sa.Engine) -> None:
    _drop_everything(engine)
    engine.dispose()
    program = archive.pg_program("pg_restore")
    conninfo, environment = archive.pg_connection(engine.url)
    done = subprocess.run([program, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                           "--dbname", conninfo, dump], env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip() or done.returncode}")


def _sqlite_into_postgresql(unpacked: Unpacked, engine: sa.Engine) -> None:
    """Builds the schema with the migrations at the backup's revision, then, in one transaction, replaces the
    rows they seed by every table's rows in foreign-key order and sets each sequence past the highest id."""
    _drop_everything(engine)
    _upgrade(unpacked.revision)
    engine.dispose()
    source_engine = sa.create_engine(f"sqlite:///file:{unpacked.database_file}?mode=ro&immutable=1&uri=true")
    try:
        with source_engine.connect() as source, engine.begin() as target:
            source_tables = sa.MetaData()
            source_tables.reflect(source)
            target_tables = sa.MetaData()
            target_tables.reflect(target)
            for table in reversed(target_tables.sorted_tables):  # rows the migrations seed (the countries)
                if table.name != archive.VERSION_TABLE:
                    target.execute(table.delete())
            for table in target_tables.sorted_tables:
                if table.name == archive.VERSION_TABLE:
                    continue
                if table.name not in source_tables.tables:
                    raise BackupError(f"The snapshot has no table {table.name} although the migrations at its "
                                      f"revision {unpacked.revision} create it.")
                _copy_table(source, source_tables.tables[table.name], target, table)
            _reset_sequences(target, target_tables)
    finally:
        source_engine.dispose()


def _copy_table(source: sa.Connection, source_table: sa.Table, target: sa.Connection, table: sa.Table) -> None:
    """Copies one table's rows in primary-key order, in batches. JSON travels as its text, so a JSON null and an
    SQL NULL stay what they were."""
    names = [column.name for column in table.columns]
    missing = [name for name in names if name not in source_table.columns]
    if missing:
        raise BackupError(f"The snapshot's table {table.name} lacks the column(s) {', '.join(missing)}.")
    selected, values = [], {}
    for name in names:
        column = table.columns[name]
        parameter = f"v_{name}"
        if isinstance(column.type, sa.JSON):
            selected.append(sa.type_coerce(source_table.columns[name], sa.Text).label(name))
            values[name] = sa.cast(sa.bindparam(parameter, type_=sa.Text), column.type)
        else:
            selected.append(source_table.columns[name])
            values[name] = sa.bindparam(parameter, type_=column.type)
    order = [source_table.columns[column.name] for column in table.primary_key.columns] or \
        [source_table.columns[name] for name in names]
    statement = sa.insert(table).values(values)
    result = source.execute(sa.select(*selected).order_by(*order))
    for batch in result.mappings().partitions(BATCH):
        target.execute(statement, [{f"v_{name}": row[name] for name in names} for row in batch])


def _reset_sequences(target: sa.Connection, tables: sa.MetaData) -> None:
    """Each serial or identity column's sequence continues after the highest id copied."""
    for table in tables.sorted_tables:
        for column in table.primary_key.columns:
            sequence = target.scalar(sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                                     {"table": table.name, "column": column.name})
            if sequence is None:
                continue
            highest = target.scalar(sa.select(sa.func.max(column)))
            target.execute(sa.text("SELECT setval(:sequence, :value, :called)"),
                           {"sequence": sequence, "value": highest or 1, "called": highest is not None})


def _check_counts(engine: sa.Engine, unpacked: Unpacked) -> None:
    """After the database is written: every table of the backup holds exactly the rows the manifest states."""
    with engine.connect() as connection:
        counts = archive.row_counts(connection)
    wrong = [f"{name} ({counts.get(name)} rows, the manifest says {expected})"
             for name, expected in sorted(unpacked.tables.items()) if counts.get(name) != expected]
    if wrong:
        raise BackupError("The restored database does not hold the rows the manifest states: "
                          + "; ".join(wrong[:5]) + ". Restore again (with --force) after finding the cause.")


# --- the evidence files -----------------------------------------------------------------------------------------

def _restore_evidence(unpacked: Unpacked, folder: str) -> int:
    """Empties the evidence folder (it is empty, or --force was given; the PDF cache is left alone) and moves the
    archive's files in. Returns the bytes restored."""
    for _name, path in archive.evidence_files(folder, current_app.config.get("PDF_CACHE_FOLDER")):
        os.remove(path)
    total = 0
    for name, source, size in unpacked.evidence():
        target = os.path.join(folder, *name.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.move(source, target)
        os.chmod(target, 0o600)
        total += size
    return total
