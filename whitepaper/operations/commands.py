"""The commands `flask backup` and `flask restore` (registered by `whitepaper.cli`). The work is done in
`backup` and `restore`, imported when a command runs."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .archive import BackupError, describe, human_size


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="The archive to write (a .tar.gz file).")
@with_appcontext
def backup_command(out: str) -> None:
    """Write one archive with a consistent snapshot of the database, every evidence file and a manifest."""
    from ..extensions import db
    from . import backup
    try:
        written = backup.create(out)
    except BackupError as error:
        raise click.ClickException(error.message) from error
    database = written.manifest["database"]
    click.echo(f"Wrote {written.path}: the {database['dialect']} database {describe(db.engine.url)} at schema "
               f"revision {database['revision']} ({len(database['tables'])} tables, {written.rows} rows) and "
               f"{written.evidence_count} evidence file(s) ({human_size(written.evidence_bytes)}).")
    if written.missing_evidence:
        click.echo(f"Warning: {len(written.missing_evidence)} evidence file(s) named in the database are not in "
                   f"the evidence folder: {', '.join(written.missing_evidence[:5])}", err=True)


@click.command("restore")
@click.argument("archive_path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True,
              help="Replace what the target database and evidence folder hold (otherwise they must be empty).")
@with_appcontext
def restore_command(archive_path: str, force: bool) -> None:
    """Restore a backup into the database and evidence folder this instance is configured with."""
    from . import restore
    try:
        restored = restore.restore(archive_path, force=force)
    except BackupError as error:
        raise click.ClickException(error.message) from error
    manifest = restored.manifest
    tables = manifest["database"]["tables"]
    evidence = restored.unpacked.evidence()
    click.echo(f"Restored {restored.archive} (made {manifest.get('created_at', '?')} on "
               f"{manifest['database']['dialect']}, schema revision {manifest['database']['revision']}):")
    click.echo(f"  database {restored.target}: {len(tables)} tables, {sum(tables.values())} rows"
               + (f", then migrated to {restored.head}" if restored.head != manifest["database"]["revision"] else ""))
    for name, count in sorted(tables.items()):
        if count:
            click.echo(f"    {name:28} {count:>9}")
    click.echo(f"  evidence folder {restored.folder}: {len(evidence)} file(s) ({human_size(restored.evidence_bytes)})")
    click.echo("  and one audit entry recording this restore.")
