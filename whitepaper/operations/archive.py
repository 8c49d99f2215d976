"""The backup archive shared by `flask backup` and `flask restore`: its layout, its manifest, and the helpers both
sides use (row counts, the schema revision, SHA-256 of files, the PostgreSQL client programs).

An archive is a gzip-compressed tar file:

    manifest.json                  written last, it describes everything before it
    database/whitepaper.sqlite     a SQLite snapshot (online backup API), or
    database/whitepaper.pgdump     a PostgreSQL dump (`pg_dump --format=custom`)
    evidence/<stored name>         every evidence file, byte for byte

The manifest names the format, the schema revision (Alembic), the row count of every table and the SHA-256 and
size of every other member."""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import sqlite3
from typing import Any, BinaryIO, Iterator

import sqlalchemy as sa

FORMAT = "whitepaper-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_SNAPSHOT = "database/whitepaper.sqlite"
PG_DUMP = "database/whitepaper.pgdump"
EVIDENCE = "evidence/"
VERSION_TABLE = "alembic_version"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def table_names(connection: sa.Connection) -> list[str]:
    """The application's tables in a database (Alembic's own table left out), sorted by name."""
    return sorted(name for name in sa.inspect(connection).get_table_names() if name != VERSION_TABLE)


def row_counts(connection: sa.Connection) -> dict[str, int]:
    """Rows per application table, read on the given connection (inside its transaction)."""
    counts = {}
    for name in table_names(connection):
        table = sa.table(name)
        counts[name] = connection.scalar(sa.select(sa.func.count()).select_from(table))
    return counts


def revision_of(connection: sa.Connection) -> str | None:
    """The Alembic revision the database is at, or None (no schema, or never migrated)."""
    if VERSION_TABLE not in sa.inspect(connection).get_table_names():
        return None
    return connection.scalar(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))


def sqlite_tables(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows per application table of a SQLite file opened with the sqlite3 module."""
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in names if name != VERSION_TABLE}


def sqlite_revision(connection: sqlite3.Connection) -> str | None:
    found = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (VERSION_TABLE,)).fetchone()
    if not found:
        return None
    row = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
    return row[0] if row else None


def sqlite_path(url: sa.URL) -> str:
    """The file of a SQLite database URL; an in-memory database has none and cannot be backed up."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError(f"The SQLite database {url.render_as_string()} is not a plain file: "
                          "back up and restore a database stored in a file.")
    return url.database


def hashed_copy(source: BinaryIO, target: BinaryIO) -> tuple[str, int]:
    """Copies a stream and returns the SHA-256 (hex) and size of what went through."""
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        target.write(chunk)
    return digest.hexdigest(), size


def evidence_files(folder: str, leave_out: str | None = None) -> Iterator[tuple[str, str]]:
    """(name inside the folder with `/` separators, full path) of every regular file under the evidence folder,
    sorted; the folder `leave_out` (the PDF cache, should it sit inside) is skipped."""
    if not os.path.isdir(folder):
        return
    skipped = os.path.realpath(leave_out) if leave_out else None
    found = []
    for directory, subfolders, files in os.walk(folder):
        subfolders[:] = [name for name in subfolders
                         if os.path.realpath(os.path.join(directory, name)) != skipped]
        for name in files:
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path):
                found.append((os.path.relpath(path, folder).replace(os.sep, "/"), path))
    yield from sorted(found)


def safe_member_name(name: str) -> bool:
    """Whether a name inside the archive may be written under a folder: relative, no `..`, no odd characters."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return False
    parts = name.split("/")
    return all(part not in ("", ".", "..") for part in parts)


def pg_program(name: str) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore): on PATH, else in PG_BIN, else in the
    newest /usr/lib/postgresql/<version>/bin."""
    candidates = [shutil.which(name)]
    if os.environ.get("PG_BIN"):
        candidates.insert(0, os.path.join(os.environ["PG_BIN"], name))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(path.split("/")[-2])
                      if path.split("/")[-2].isdigit() else 0)
    candidates += [os.path.join(path, name) for path in reversed(versions)]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    raise BackupError(f"{name} was not found (install the PostgreSQL client, e.g. postgresql-client-15, "
                      "or set PG_BIN to the folder holding it).")


def pg_connection(url: sa.URL) -> tuple[str, dict[str, Any]]:
    """A libpq connection string (without the password) and the environment to run a client program with; the
    password travels in PGPASSWORD, never on the command line."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    plain = sa.URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                          database=url.database, query=url.query)
    return plain.render_as_string(hide_password=False), environment


def describe(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
