"""`flask backup --out FILE`: one archive with a consistent snapshot of the database, every evidence file (the PDF
cache left out, it is rebuilt on demand) and a manifest (see `archive`).

The database is copied first and the evidence folder read afterwards, so every file a row of the snapshot
names is already on disk (files are written before their row is committed and never changed); a file added in
between is kept too, unreferenced and harmless."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from . import archive
from .archive import BackupError


@dataclass
class Snapshot:
    """The database part of a backup: the file written, and what the manifest says about it."""
    path: str
    member: str
    dialect: str
    revision: str
    tables: dict[str, int]
    evidence_names: set[str] = field(default_factory=set)


@dataclass
class Written:
    """What `create` put in the archive, for the command's report."""
    path: str
    manifest: dict[str, Any]
    missing_evidence: list[str]

    @property
    def rows(self) -> int:
        return sum(self.manifest["database"]["tables"].values())

    @property
    def evidence_count(self) -> int:
        return sum(1 for name in self.manifest["files"] if name.startswith(archive.EVIDENCE))

    @property
    def evidence_bytes(self) -> int:
        return sum(entry["size"] for name, entry in self.manifest["files"].items() if name.startswith(archive.EVIDENCE))


def create(out: str) -> Written:
    """Writes the archive at `out` (through a temporary file beside it, so a failed backup leaves no half
    archive behind) and returns what it holds."""
    out = os.path.abspath(out)
    if os.path.isdir(out):
        raise BackupError(f"{out} is a folder: give the path of the archive file to write.")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    work = tempfile.mkdtemp(prefix="wp-backup-")
    partial = f"{out}.partial"
    try:
        snapshot = _snapshot(db.engine, work)
        folder = current_app.config["UPLOAD_FOLDER"]
        files = list(archive.evidence_files(folder, current_app.config.get("PDF_CACHE_FOLDER")))
        manifest = _write(partial, snapshot, files)
        os.replace(partial, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if os.path.exists(partial):
            os.remove(partial)
    present = {name for name, _path in files}
    missing = sorted(name for name in snapshot.evidence_names if name not in present)
    return Written(out, manifest, missing)


def _snapshot(engine: sa.Engine, work: str) -> Snapshot:
    dialect = engine.dialect.name
    if dialect == "sqlite":
        snapshot = _sqlite_snapshot(archive.sqlite_path(engine.url), os.path.join(work, "whitepaper.sqlite"))
    elif dialect == "postgresql":
        snapshot = _postgresql_dump(engine, os.path.join(work, "whitepaper.pgdump"))
    else:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {dialect}.")
    if snapshot.revision is None:
        raise BackupError("The database has no schema revision (it was never migrated): run `flask db upgrade` "
                          "first, or check DATABASE_URL.")
    return snapshot


def _sqlite_snapshot(source_path: str, target: str) -> Snapshot:
    """SQLite's online backup API: a consistent copy while the platform keeps running. The copy is turned
    into a single self-contained file (rollback journal, not write-ahead log)."""
    if not os.path.isfile(source_path):
        raise BackupError(f"There is no database at {source_path}: check DATABASE_URL or WHITEPAPER_INSTANCE.")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        tables = archive.sqlite_tables(copy)
        revision = archive.sqlite_revision(copy)
        names = _stored_names_sqlite(copy) if "evidence" in tables else set()
    finally:
        copy.close()
        source.close()
    return Snapshot(target, archive.SQLITE_SNAPSHOT, "sqlite", revision, tables, names)


def _stored_names_sqlite(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT DISTINCT stored_name FROM evidence WHERE stored_name IS NOT NULL")
    return {row[0] for row in rows}


def _postgresql_dump(engine: sa.Engine, target: str) -> Snapshot:
    """`pg_dump --format=custom` inside a snapshot exported by a repeatable-read transaction: the dump, the
    row counts and the revision all see the same committed state."""
    program = archive.pg_program("pg_dump")
    conninfo, environment = archive.pg_connection(engine.url)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            exported = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            revision = archive.revision_of(connection)
            tables = archive.row_counts(connection)
            names = set()
            if "evidence" in tables:
                names = set(connection.scalars(sa.text(
                    "SELECT DISTINCT stored_name FROM evidence WHERE stored_name IS NOT NULL")))
            done = subprocess.run([program, "--format=custom", f"--snapshot={exported}", "--file", target,
                                   "--dbname", conninfo], env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip() or done.returncode}")
    return Snapshot(target, archive.PG_DUMP, "postgresql", revision, tables, names)


def _write(path: str, snapshot: Snapshot, evidence: list[tuple[str, str]]) -> dict[str, Any]:
    """The tar.gz: the database, the evidence files, and last the manifest with the hash of each member
    (computed while it is written, so each file is read once)."""
    files: dict[str, dict[str, Any]] = {}
    with tarfile.open(path, "w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
        files[snapshot.member] = _add(tar, snapshot.path, snapshot.member)
        for name, full_path in evidence:
            files[archive.EVIDENCE + name] = _add(tar, full_path, archive.EVIDENCE + name)
        manifest = {
            "format": archive.FORMAT,
            "format_version": archive.FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"dialect": snapshot.dialect, "file": snapshot.member, "revision": snapshot.revision,
                         "tables": snapshot.tables},
            "files": files,
        }
        data = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = _info(archive.MANIFEST, len(data))
        tar.addfile(info, io.BytesIO(data))
    return manifest


def _info(name: str, size: int, mtime: float | None = None) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(mtime if mtime is not None else datetime.now(UTC).timestamp())
    return info


def _add(tar: tarfile.TarFile, path: str, name: str) -> dict[str, Any]:
    """Adds one file, hashing it as it goes into the archive."""
    stat = os.stat(path)
    recorder = _Hashing(path)
    with recorder:
        tar.addfile(_info(name, stat.st_size, stat.st_mtime), recorder)
    if recorder.size != stat.st_size:
        raise BackupError(f"{path} changed while it was being backed up: run the backup again.")
    return {"sha256": recorder.digest.hexdigest(), "size": recorder.size}


class _Hashing:
    """A file read by tarfile that hashes what is read."""

    def __init__(self, path: str):
        self.path = path
        self.digest = hashlib.sha256()
        self.size = 0
        self.handle = None

    def __enter__(self) -> "_Hashing":
        self.handle = open(self.path, "rb")
        return self

    def __exit__(self, *_exc) -> None:
        self.handle.close()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk
