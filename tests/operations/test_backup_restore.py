"""`flask backup` and `flask restore` (issue 21, item 1): a backup of the demo data with evidence files restores
into a fresh instance with the same rows in every table and byte-identical files, on SQLite, from SQLite into
PostgreSQL and from PostgreSQL into PostgreSQL; a damaged or altered archive, or a target that is not empty, is
refused and nothing is written; the restore's own audit entry is the only row it adds."""
from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
import os
import sqlite3
import tarfile
import tempfile
from contextlib import contextmanager
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import base_config, fresh_database
from tests.system import require

PDF = b"%PDF-1.4\n% evidence of a planning law\n" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(3000)
CSV = "indicador;valor\nmetas cumplidas;12\nmetas pendientes;3\n".encode()
SNAPSHOT = "database/whitepaper.sqlite"
numbers = itertools.count()


# --- helpers ------------------------------------------------------------------------------------------------------

def make_app(url: str, instance: str):
    from whitepaper import create_app
    config = base_config(url)
    config.update(UPLOAD_FOLDER=os.path.join(instance, "evidence"),
                  PDF_CACHE_FOLDER=os.path.join(instance, "evidence", "pdf-cache"))
    return create_app(config)


def cli(app, *args: str):
    with app.app_context():
        try:
            return app.test_cli_runner().invoke(args=list(args))
        finally:
            from whitepaper.extensions import db
            db.session.remove()
            db.engine.dispose()


def rows_per_table(url: str) -> dict[str, int]:
    """Counted here, independently of the code under test."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            names = [name for name in sa.inspect(connection).get_table_names() if name != "alembic_version"]
            return {name: connection.scalar(sa.text(f'SELECT count(*) FROM "{name}"')) for name in names}
    finally:
        engine.dispose()


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, read through the models' column types, in primary-key order."""
    from whitepaper.extensions import db
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(
                sa.select(table).order_by(*table.primary_key.columns))] for table in db.metadata.sorted_tables}
    finally:
        engine.dispose()


def sql_nulls_in_json_columns(url: str) -> dict[str, int]:
    """SQL NULLs per JSON column: a JSON null written in their place would read back as the same None."""
    from whitepaper.extensions import db
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {f"{table.name}.{column.name}": connection.scalar(
                sa.select(sa.func.count()).select_from(table).where(column.is_(None)))
                for table in db.metadata.sorted_tables for column in table.columns
                if isinstance(column.type, sa.JSON) and column.nullable}
    finally:
        engine.dispose()


def files_in(folder: str) -> dict[str, bytes]:
    found = {}
    for directory, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, folder)] = handle.read()
    return found


def sqlite_file(url: str) -> str:
    return url[len("sqlite:///"):]


def add_demo_and_evidence(app) -> None:
    """The demo data and three evidence files added through the assessment service, plus a PDF in the cache."""
    from sqlalchemy import select

    from whitepaper import demo
    from whitepaper.assessment import services
    from whitepaper.extensions import db
    from whitepaper.models import Assessment, Country, Criterion, User
    with app.app_context():
        demo.load()
        assessor = db.session.scalar(select(User).where(User.email == "evaluadora@demo.cepal.org"))
        draft = db.session.scalar(select(Assessment).join(Country, Country.id == Assessment.country_id)
                                  .where(Country.iso3 == "CRI", Assessment.status == "draft").order_by(Assessment.id))
        criteria = db.session.scalars(select(Criterion).where(Criterion.version_id == draft.version_id)
                                      .order_by(Criterion.id).limit(2)).all()
        for criterion, (filename, data) in zip(itertools.cycle(criteria), [("ley.pdf", PDF), ("mapa.png", PNG),
                                                                          ("metas.csv", CSV)]):
            rating = services.ensure_rating(assessor, draft, criterion)
            services.add_file(assessor, draft, rating, filename=filename, data=data,
                              folder=app.config["UPLOAD_FOLDER"], max_mb=10)
        db.session.commit()
        os.makedirs(app.config["PDF_CACHE_FOLDER"], exist_ok=True)
        with open(os.path.join(app.config["PDF_CACHE_FOLDER"], "cached.pdf"), "wb") as handle:
            handle.write(PDF)
        db.session.remove()
        db.engine.dispose()


@contextmanager
def blank_postgresql(templates) -> Iterator[str]:
    """A PostgreSQL database with nothing in it, not even the schema."""
    require(templates.pg_server is not None, "PostgreSQL 15 (postgresql-15)")
    name = f"{templates.prefix}_blank_{next(numbers)}"
    admin = sa.create_engine(f"{templates.pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = f"{templates.pg_server}/{name}"
    try:
        yield url
    finally:
        templates.drop(url)


def rewrite(archive: str, out: str, change) -> None:
    """Copies the archive member by member; `change(name, data)` returns the new bytes, or None to leave the
    member out."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(out, "w:gz") as target:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            if data is None:
                continue
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))


def read_member(archive: str, name: str) -> bytes:
    with tarfile.open(archive, "r:gz") as tar:
        return tar.extractfile(name).read()


# --- fixtures -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_source(templates, tmp_path_factory) -> dict[str, Any]:
    """A SQLite instance holding the demo data and evidence files, and a backup of it (made once per module;
    each test works on copies)."""
    folder = str(tmp_path_factory.mktemp("source"))
    url = templates.sqlite()
    app = make_app(url, folder)
    add_demo_and_evidence(app)
    result = cli(app, "backup", "--out", os.path.join(folder, "backup.tar.gz"))
    assert result.exit_code == 0, result.output
    return {"url": url, "instance": folder, "archive": os.path.join(folder, "backup.tar.gz"), "output": result.output,
            "counts": rows_per_table(url), "files": files_in(os.path.join(folder, "evidence"))}


@pytest.fixture
def target(tmp_path):
    """A fresh SQLite instance: no database file yet, no evidence folder."""
    instance = str(tmp_path / "target")
    url = "sqlite:///" + os.path.join(instance, "whitepaper.sqlite")
    return {"url": url, "instance": instance, "app": make_app(url, instance),
            "evidence": os.path.join(instance, "evidence")}


def assert_restored(source: dict[str, Any], url: str, evidence: str) -> None:
    """Every table holds the source's rows; the only new row is the restore's audit entry; the evidence files
    are byte-identical (the PDF cache was not carried over)."""
    counts = rows_per_table(url)
    expected = dict(source["counts"], audit_events=source["counts"]["audit_events"] + 1)
    assert counts == expected
    evidence_files = {name: data for name, data in source["files"].items() if not name.startswith("pdf-cache")}
    assert len(evidence_files) == 3 and files_in(evidence) == evidence_files
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        last = connection.execute(sa.text("SELECT action, object_type, actor_id FROM audit_events "
                                          "ORDER BY id DESC LIMIT 1")).one()
    engine.dispose()
    assert tuple(last) == ("backup.restore", "platform", None)


# --- the round trips ----------------------------------------------------------------------------------------------

def test_the_archive_holds_the_snapshot_every_evidence_file_and_a_manifest(demo_source):
    with tarfile.open(demo_source["archive"], "r:gz") as tar:
        names = tar.getnames()
    manifest = json.loads(read_member(demo_source["archive"], "manifest.json"))
    evidence = sorted(name for name in names if name.startswith("evidence/"))
    assert names[-1] == "manifest.json" and SNAPSHOT in names
    assert len(evidence) == 3 and not any("pdf-cache" in name for name in names)
    assert manifest["database"]["tables"] == demo_source["counts"]
    assert manifest["database"]["revision"] == sqlite3.connect(sqlite_file(demo_source["url"])).execute(
        "SELECT version_num FROM alembic_version").fetchone()[0]
    for name in [SNAPSHOT, *evidence]:
        data = read_member(demo_source["archive"], name)
        assert manifest["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert f"{sum(demo_source['counts'].values())} rows" in demo_source["output"]


def test_a_sqlite_backup_restores_into_a_fresh_sqlite_instance(demo_source, target):
    result = cli(target["app"], "restore", demo_source["archive"])
    assert result.exit_code == 0, result.output
    assert_restored(demo_source, target["url"], target["evidence"])
    assert "3 file(s)" in result.output and f"{sum(demo_source['counts'].values())} rows" in result.output
    source_rows, restored_rows = table_rows(demo_source["url"]), table_rows(target["url"])
    restored_rows["audit_events"] = restored_rows["audit_events"][:-1]
    assert restored_rows == source_rows


@pytest.mark.pg
def test_a_sqlite_backup_restores_into_postgresql(demo_source, templates, tmp_path):
    with blank_postgresql(templates) as url:
        instance = str(tmp_path / "production")
        app = make_app(url, instance)
        result = cli(app, "restore", demo_source["archive"])
        assert result.exit_code == 0, result.output
        assert_restored(demo_source, url, os.path.join(instance, "evidence"))
        source_rows, restored_rows = table_rows(demo_source["url"]), table_rows(url)
        restored_rows["audit_events"] = restored_rows["audit_events"][:-1]
        assert restored_rows == source_rows  # JSON, dates, booleans and NULLs arrive as they were
        nulls = sql_nulls_in_json_columns(demo_source["url"])
        assert nulls["ballot_items.revised_text"] > 0 and sql_nulls_in_json_columns(url) == nulls
        with app.app_context():  # the sequences continue after the copied ids
            from whitepaper.auth import services as accounts
            from whitepaper.extensions import db
            user = accounts.create_user(None, "new@example.org", roles={"observer"}, name="Nueva",
                                        password="correct-horse-battery")
            db.session.commit()
            assert user.id == max(row[0] for row in source_rows["users"]) + 1
            db.session.remove()
            db.engine.dispose()


@pytest.mark.pg
def test_a_postgresql_backup_restores_into_postgresql(templates, tmp_path):
    with fresh_database(templates, "postgresql") as source_url, blank_postgresql(templates) as target_url:
        source_instance = str(tmp_path / "source")
        source_app = make_app(source_url, source_instance)
        add_demo_and_evidence(source_app)
        archive = str(tmp_path / "pg-backup.tar.gz")
        result = cli(source_app, "backup", "--out", archive)
        assert result.exit_code == 0, result.output
        with tarfile.open(archive, "r:gz") as tar:
            assert "database/whitepaper.pgdump" in tar.getnames()
        source = {"counts": rows_per_table(source_url), "files": files_in(os.path.join(source_instance, "evidence"))}
        target_instance = str(tmp_path / "target")
        result = cli(make_app(target_url, target_instance), "restore", archive)
        assert result.exit_code == 0, result.output
        assert_restored(source, target_url, os.path.join(target_instance, "evidence"))
        # a PostgreSQL backup does not go into SQLite
        sqlite_target = make_app("sqlite:///" + str(tmp_path / "other.sqlite"), str(tmp_path / "other"))
        refused = cli(sqlite_target, "restore", archive)
        assert refused.exit_code == 1 and "restores only into PostgreSQL" in refused.output
        assert not os.path.exists(tmp_path / "other.sqlite")


# --- refusals -----------------------------------------------------------------------------------------------------

def flip_snapshot_byte(name: str, data: bytes) -> bytes:
    if name != SNAPSHOT:
        return data
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


def drop_an_evidence_file(name: str, data: bytes) -> bytes | None:
    return None if name.startswith("evidence/") and data == CSV else data


def wrong_hash_in_manifest(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    entry = next(entry for key, entry in manifest["files"].items() if key.startswith("evidence/"))
    entry["sha256"] = hashlib.sha256(b"something else").hexdigest()
    return json.dumps(manifest).encode()


DAMAGES = {
    "a byte flipped in the database snapshot": (flip_snapshot_byte, "database/whitepaper.sqlite does not match"),
    "an evidence file missing": (drop_an_evidence_file, "is listed in the manifest but missing from the archive"),
    "a hash in the manifest that does not match": (wrong_hash_in_manifest, "does not match its SHA-256"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_archive_is_refused_and_nothing_is_written(demo_source, target, tmp_path, damage):
    change, message = DAMAGES[damage]
    damaged = str(tmp_path / "damaged.tar.gz")
    rewrite(demo_source["archive"], damaged, change)
    result = cli(target["app"], "restore", damaged)
    assert result.exit_code == 1
    assert message in result.output and "Nothing was restored." in result.output
    assert not os.path.exists(sqlite_file(target["url"]))
    assert files_in(target["evidence"]) == {}


def test_an_altered_snapshot_with_a_matching_manifest_is_refused(demo_source, target, tmp_path):
    """Rows deleted from the snapshot and its hash written into the manifest: the row counts give it away."""
    work = tmp_path / "work"
    work.mkdir()
    snapshot = work / "snapshot.sqlite"
    snapshot.write_bytes(read_member(demo_source["archive"], SNAPSHOT))
    with sqlite3.connect(snapshot) as connection:
        connection.execute("DELETE FROM votes")
    altered = snapshot.read_bytes()

    def change(name: str, data: bytes) -> bytes:
        if name == SNAPSHOT:
            return altered
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["files"][SNAPSHOT] = {"sha256": hashlib.sha256(altered).hexdigest(), "size": len(altered)}
            return json.dumps(manifest).encode()
        return data
    damaged = str(tmp_path / "altered.tar.gz")
    rewrite(demo_source["archive"], damaged, change)
    result = cli(target["app"], "restore", damaged)
    assert result.exit_code == 1 and "does not hold the tables, rows or schema revision" in result.output
    assert not os.path.exists(sqlite_file(target["url"])) and files_in(target["evidence"]) == {}


def test_a_truncated_or_corrupted_archive_file_is_refused(demo_source, target, tmp_path):
    data = open(demo_source["archive"], "rb").read()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    flipped = tmp_path / "flipped.tar.gz"
    middle = len(data) // 2
    flipped.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    not_gzip = tmp_path / "plain.tar.gz"
    not_gzip.write_bytes(gzip.decompress(data)[:5000])
    for broken in (cut, flipped, not_gzip):
        result = cli(target["app"], "restore", str(broken))
        assert result.exit_code == 1 and "Nothing was restored." in result.output, result.output
    assert not os.path.exists(sqlite_file(target["url"])) and files_in(target["evidence"]) == {}


def test_a_target_that_is_not_empty_is_refused_without_force(demo_source, templates, tmp_path):
    with fresh_database(templates, "sqlite") as url:  # migrated, with the catalogue loaded
        instance = str(tmp_path / "busy")
        app = make_app(url, instance)
        os.makedirs(os.path.join(instance, "evidence"))
        with open(os.path.join(instance, "evidence", "0123abcd"), "wb") as handle:
            handle.write(b"an older file")
        before_rows, before_files = table_rows(url), files_in(os.path.join(instance, "evidence"))
        result = cli(app, "restore", demo_source["archive"])
        assert result.exit_code == 1 and "The target is not empty" in result.output
        assert "evidence folder" in result.output and "--force" in result.output
        assert table_rows(url) == before_rows and files_in(os.path.join(instance, "evidence")) == before_files

        forced = cli(app, "restore", demo_source["archive"], "--force")
        assert forced.exit_code == 0, forced.output
        assert_restored(demo_source, url, os.path.join(instance, "evidence"))


def test_a_database_just_migrated_counts_as_empty(demo_source, target):
    """`flask db upgrade` writes the member countries and the data revision counters: that database takes a restore without --force."""
    os.makedirs(target["instance"])
    with target["app"].app_context():
        from flask_migrate import upgrade

        from whitepaper.extensions import db
        upgrade()
        db.engine.dispose()
    assert {name for name, count in rows_per_table(target["url"]).items() if count} == {"countries", "data_revisions"}
    result = cli(target["app"], "restore", demo_source["archive"])
    assert result.exit_code == 0, result.output
    assert_restored(demo_source, target["url"], target["evidence"])


def test_an_evidence_folder_with_files_alone_makes_the_target_not_empty(demo_source, target):
    os.makedirs(target["evidence"])
    with open(os.path.join(target["evidence"], "ffff"), "wb") as handle:
        handle.write(b"left over")
    result = cli(target["app"], "restore", demo_source["archive"])
    assert result.exit_code == 1 and "holds 1 file(s)" in result.output
    assert not os.path.exists(sqlite_file(target["url"]))
    assert files_in(target["evidence"]) == {"ffff": b"left over"}


def test_a_backup_made_by_a_newer_version_is_refused(demo_source, target, tmp_path):
    archive = str(tmp_path / "newer.tar.gz")
    work = tmp_path / "snap.sqlite"
    work.write_bytes(read_member(demo_source["archive"], SNAPSHOT))
    with sqlite3.connect(work) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    altered = work.read_bytes()

    def newer(name: str, data: bytes) -> bytes:
        if name == SNAPSHOT:
            return altered
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["database"]["revision"] = "9999"
            manifest["files"][SNAPSHOT] = {"sha256": hashlib.sha256(altered).hexdigest(), "size": len(altered)}
            return json.dumps(manifest).encode()
        return data
    rewrite(demo_source["archive"], archive, newer)
    result = cli(target["app"], "restore", archive)
    assert result.exit_code == 1 and "revision 9999 is unknown" in result.output
    assert not os.path.exists(sqlite_file(target["url"]))


# --- archives that are not what `flask backup` writes -------------------------------------------------------------

def members_of(archive: str) -> list[tuple[str, bytes]]:
    with tarfile.open(archive, "r:gz") as tar:
        return [(member.name, tar.extractfile(member).read()) for member in tar]


def pack(out: str, members: list[tuple[str, bytes]], symlink: str | None = None) -> None:
    with tarfile.open(out, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if symlink:
            link = tarfile.TarInfo(symlink)
            link.type = tarfile.SYMTYPE
            link.linkname = "/etc/passwd"
            tar.addfile(link)


def edit_manifest(members: list[tuple[str, bytes]], change) -> list[tuple[str, bytes]]:
    edited = []
    for name, data in members:
        if name == "manifest.json":
            manifest = json.loads(data)
            change(manifest)
            data = json.dumps(manifest).encode()
        edited.append((name, data))
    return edited


HOSTILE = {
    "a name climbing out of the folder": (lambda m: m + [("../escape", b"x")], None, "unexpected entry"),
    "a symbolic link": (lambda m: m, "evidence/link", "unexpected entry"),
    "a member twice": (lambda m: m + [m[-1]], None, "twice"),
    "no manifest": (lambda m: [item for item in m if item[0] != "manifest.json"], None, "has no manifest.json"),
    "a manifest that is not JSON": (lambda m: [(n, b"{not json" if n == "manifest.json" else d) for n, d in m], None,
                                    "manifest cannot be read"),
    "another format": (lambda m: edit_manifest(m, lambda x: x.update(format="something-else")), None,
                       "is not one `flask backup` writes"),
    "a later format version": (lambda m: edit_manifest(m, lambda x: x.update(format_version=2)), None,
                               "format version 2"),
    "a file not in the manifest": (lambda m: m + [("evidence/abcdef", b"smuggled")], None,
                                   "evidence/abcdef is in the archive but not in its manifest"),
    "the snapshot not listed": (lambda m: edit_manifest(m, lambda x: x["files"].pop(SNAPSHOT)), None,
                                "does not list the database snapshot"),
    "a snapshot that is not a database": (
        lambda m: edit_manifest([(n, b"not a database" * 100 if n == SNAPSHOT else d) for n, d in m],
                                lambda x: x["files"].update({SNAPSHOT: {
                                    "sha256": hashlib.sha256(b"not a database" * 100).hexdigest(), "size": 1400}})),
        None, "snapshot in the archive is damaged"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_an_archive_not_made_by_backup_is_refused(demo_source, target, tmp_path, case):
    change, symlink, message = HOSTILE[case]
    archive = str(tmp_path / "hostile.tar.gz")
    pack(archive, change(members_of(demo_source["archive"])), symlink)
    result = cli(target["app"], "restore", archive)
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Nothing was restored." in result.output
    assert not os.path.exists(sqlite_file(target["url"])) and files_in(target["evidence"]) == {}
    assert not os.path.exists(os.path.join(tempfile.gettempdir(), "escape"))  # beside the unpacking folder


def test_a_missing_archive_or_database_is_reported(target, tmp_path):
    missing = cli(target["app"], "restore", str(tmp_path / "nowhere.tar.gz"))
    assert missing.exit_code == 1 and "There is no archive at" in missing.output
    no_database = cli(target["app"], "backup", "--out", str(tmp_path / "b.tar.gz"))
    assert no_database.exit_code == 1 and "There is no database at" in no_database.output
    assert not os.path.exists(tmp_path / "b.tar.gz") and not os.path.exists(tmp_path / "b.tar.gz.partial")


def test_archive_helpers():
    from whitepaper.operations import archive
    assert archive.safe_member_name("evidence/ab12") and archive.safe_member_name(SNAPSHOT)
    for name in ("", "/etc/passwd", "evidence/../x", "a//b", "./x", "a\\b", "x\x00"):
        assert not archive.safe_member_name(name)
    assert [archive.human_size(n) for n in (5, 2048, 3 * 1024 ** 2, 5 * 1024 ** 3)] == [
        "5 bytes", "2.0 KB", "3.0 MB", "5.0 GB"]
    with pytest.raises(archive.BackupError, match="not a plain file"):
        archive.sqlite_path(sa.make_url("sqlite://"))
    with pytest.raises(archive.BackupError, match="was not found"):
        archive.pg_program("pg_no_such_program")
    conninfo, environment = archive.pg_connection(sa.make_url("postgresql+psycopg://wp:s3cret@db.example:5433/wp"))
    assert conninfo == "postgresql://wp@db.example:5433/wp" and environment["PGPASSWORD"] == "s3cret"


def test_a_backup_warns_of_evidence_files_missing_from_the_folder(demo_source, tmp_path):
    instance = tmp_path / "copy"
    instance.mkdir()
    with sqlite3.connect(sqlite_file(demo_source["url"])) as source, sqlite3.connect(instance / "wp.sqlite") as copy:
        source.backup(copy)
    evidence = instance / "evidence"
    evidence.mkdir()
    names = sorted(name for name in demo_source["files"] if not name.startswith("pdf-cache"))
    for name in names[1:]:
        (evidence / name).write_bytes(demo_source["files"][name])
    result = cli(make_app(f"sqlite:///{instance / 'wp.sqlite'}", str(instance)), "backup", "--out",
                 str(tmp_path / "b.tar.gz"))
    assert result.exit_code == 0
    assert f"Warning: 1 evidence file(s) named in the database are not in the evidence folder: {names[0]}" \
        in result.output
    assert "2 evidence file(s)" in result.output
