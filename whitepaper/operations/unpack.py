"""Reading a backup archive for `flask restore`: everything is unpacked into a private temporary folder and
checked against the manifest before anything of the platform is touched. A damaged or altered archive stops
here with a message saying what is wrong."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import tarfile
import zlib
from dataclasses import dataclass
from typing import Any

from . import archive
from .archive import BackupError

DATABASE_MEMBERS = {archive.SQLITE_SNAPSHOT: "sqlite", archive.PG_DUMP: "postgresql"}


@dataclass
class Unpacked:
    """A verified archive, unpacked in `folder`."""
    folder: str
    manifest: dict[str, Any]

    @property
    def dialect(self) -> str:
        return self.manifest["database"]["dialect"]

    @property
    def revision(self) -> str:
        return self.manifest["database"]["revision"]

    @property
    def tables(self) -> dict[str, int]:
        return self.manifest["database"]["tables"]

    @property
    def database_file(self) -> str:
        return os.path.join(self.folder, self.manifest["database"]["file"])

    def evidence(self) -> list[tuple[str, str, int]]:
        """(name in the evidence folder, unpacked path, size) of every evidence file, sorted."""
        return sorted((name[len(archive.EVIDENCE):], os.path.join(self.folder, name), entry["size"])
                      for name, entry in self.manifest["files"].items() if name.startswith(archive.EVIDENCE))


def unpack(path: str, folder: str) -> Unpacked:
    """Unpacks the archive at `path` into the (empty, private) `folder` and checks it: every member is listed in
    the manifest with its SHA-256 and size, every listed file is present, and the database snapshot is whole and
    holds the row counts the manifest states."""
    if not os.path.isfile(path):
        raise BackupError(f"There is no archive at {path}.")
    found = _read_members(path, folder)
    manifest = _manifest(folder, found)
    _check_files(manifest, found)
    unpacked = Unpacked(folder, manifest)
    if unpacked.dialect == "sqlite":
        _check_sqlite(unpacked)
    else:
        _check_dump(unpacked)
    return unpacked


def _read_members(path: str, folder: str) -> dict[str, tuple[str, int]]:
    """Writes every member under `folder`; returns name → (SHA-256, size). Only regular files with safe
    names are accepted."""
    found: dict[str, tuple[str, int]] = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = member.name
                if not member.isfile() or not archive.safe_member_name(name):
                    raise BackupError(f"The archive holds an unexpected entry {name!r}: it is not a backup made "
                                      "by `flask backup`, or it was altered. Nothing was restored.")
                if name in found:
                    raise BackupError(f"The archive holds {name} twice: it was altered. Nothing was restored.")
                target = os.path.join(folder, *name.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                source = tar.extractfile(member)
                with source, open(target, "wb") as handle:
                    found[name] = archive.hashed_copy(source, handle)
                if found[name][1] != member.size:
                    raise BackupError(f"{name} is cut short in the archive. Nothing was restored.")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(f"{path} cannot be read as a backup archive (damaged, cut short, or not a backup): "
                          f"{error}. Nothing was restored.") from error
    return found


def _manifest(folder: str, found: dict[str, tuple[str, int]]) -> dict[str, Any]:
    if archive.MANIFEST not in found:
        raise BackupError("The archive has no manifest.json: it is not a backup made by `flask backup`, or it is "
                          "cut short. Nothing was restored.")
    try:
        with open(os.path.join(folder, archive.MANIFEST), encoding="utf-8") as handle:
            manifest = json.load(handle)
        database = manifest["database"]
        files = manifest["files"]
        well_formed = (manifest["format"] == archive.FORMAT and isinstance(files, dict)
                       and all(isinstance(entry.get("sha256"), str) and isinstance(entry.get("size"), int)
                               for entry in files.values())
                       and isinstance(database["tables"], dict) and isinstance(database["revision"], str)
                       and DATABASE_MEMBERS.get(database["file"]) == database["dialect"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"The archive's manifest cannot be read ({error}): the archive is damaged or was "
                          "altered. Nothing was restored.") from error
    if not well_formed:
        raise BackupError("The archive's manifest is not one `flask backup` writes: the archive is damaged or "
                          "was altered. Nothing was restored.")
    if manifest.get("format_version") != archive.FORMAT_VERSION:
        raise BackupError(f"The archive has format version {manifest.get('format_version')}; this version of the "
                          f"platform reads version {archive.FORMAT_VERSION}. Nothing was restored.")
    return manifest


def _check_files(manifest: dict[str, Any], found: dict[str, tuple[str, int]]) -> None:
    listed = manifest["files"]
    if manifest["database"]["file"] not in listed:
        raise BackupError("The manifest does not list the database snapshot: the archive was altered. "
                          "Nothing was restored.")
    problems = []
    for name in sorted(listed):
        entry = listed[name]
        if name not in found:
            problems.append(f"{name} is listed in the manifest but missing from the archive")
        elif found[name] != (entry["sha256"], entry["size"]):
            problems.append(f"{name} does not match its SHA-256 in the manifest")
    extra = sorted(name for name in found if name not in listed and name != archive.MANIFEST)
    problems += [f"{name} is in the archive but not in its manifest" for name in extra]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise BackupError(f"The archive is damaged or was altered: {shown}. Nothing was restored.")


def _check_sqlite(unpacked: Unpacked) -> None:
    """The snapshot opens read-only, passes SQLite's integrity check and holds what the manifest states."""
    try:
        connection = sqlite3.connect(f"file:{unpacked.database_file}?mode=ro&immutable=1", uri=True)
        try:
            integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            tables = archive.sqlite_tables(connection)
            revision = archive.sqlite_revision(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"The database snapshot in the archive is damaged ({error}). Nothing was restored.") \
            from error
    if integrity != ["ok"]:
        raise BackupError(f"The database snapshot in the archive is damaged ({integrity[0]}). Nothing was "
                          "restored.")
    if tables != unpacked.tables or revision != unpacked.revision:
        raise BackupError("The database snapshot does not hold the tables, rows or schema revision its manifest "
                          "states: the archive was altered. Nothing was restored.")


def _check_dump(unpacked: Unpacked) -> None:
    """pg_restore can read the dump's table of contents (the row counts are compared after the restore)."""
    program = archive.pg_program("pg_restore")
    done = subprocess.run([program, "--list", unpacked.database_file], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"The PostgreSQL dump in the archive cannot be read ({done.stderr.strip()}). "
                          "Nothing was restored.")
