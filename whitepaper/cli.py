"""Command-line interface (`flask --app wsgi …`), with the names fixed in docs/design.md §3.2."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from .errors import DomainError
from .extensions import db
from .models import ROLES

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "role", required=True, type=click.Choice(ROLES))
@click.option("--country", "country", default=None, help="ISO 3166 alpha-3 code, e.g. CRI.")
@click.option("--name", "name", default="", help="Full name.")
def users_create(email: str, role: str, country: str | None, name: str) -> None:
    """Create an account; the password is the first line of standard input."""
    from .auth import services as accounts
    from .mail import check_address
    try:
        check_address(email.strip())
    except DomainError as error:
        raise click.ClickException(error.message) from error
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = accounts.create_user(None, email, roles={role}, name=name, country_iso3=country, password=password)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.email} ({role}).")


@click.command("demo")
def demo_command() -> None:
    """Load the demo data (idempotent) and print the demo accounts."""
    from . import demo
    accounts = demo.load()
    click.echo("Demo accounts (e-mail / password / role):")
    for email, password, role in accounts:
        click.echo(f"  {email:34} {password:18} {role}")


catalog_cli = AppGroup("catalog", help="Validate and load the catalogue files in criteria/.")


@catalog_cli.command("check")
@click.option("--folder", default=None, help="Folder with the catalogue files (default: criteria/).")
def catalog_check(folder: str | None) -> None:
    """Validate every catalogue file and report every error at once."""
    from .catalogue import loader
    catalogue = loader.read(folder or loader.DEFAULT_FOLDER)
    if catalogue.errors:
        for error in catalogue.errors:
            click.echo(error, err=True)
        click.echo(f"{len(catalogue.errors)} error(s).", err=True)
        sys.exit(1)
    total = 0
    for key, per_dimension in catalogue.counts().items():
        n = sum(per_dimension.values())
        total += n
        detail = ", ".join(f"{dim} {count}" for dim, count in per_dimension.items())
        click.echo(f"{key}: {n} criteria ({detail})")
    for key, mapping in catalogue.mappings.items():
        links = sum(len(pair["to"]) for pair in mapping["pairs"])
        click.echo(f"mapping {key}: {len(mapping['pairs'])} {mapping['from']} criteria paired with {links} "
                   f"{mapping['to']} criteria")
    click.echo(f"OK: {len(catalogue.models)} models, {total} criteria.")


@catalog_cli.command("load")
@click.option("--folder", default=None, help="Folder with the catalogue files (default: criteria/).")
def catalog_load(folder: str | None) -> None:
    """Load the catalogue; a second run changes nothing."""
    from .catalogue import loader
    try:
        result = loader.load(folder or loader.DEFAULT_FOLDER)
    except loader.CatalogueInvalid as error:
        db.session.rollback()
        for line in error.errors:
            click.echo(line, err=True)
        click.echo("Nothing was loaded.", err=True)
        sys.exit(1)
    db.session.commit()
    for line in result.created:
        click.echo(f"loaded {line}")
    for line in result.annotated:
        click.echo(f"provenance and editorial notes updated: {line}")
    if not result.created and not result.annotated:
        click.echo("The catalogue is already loaded: nothing changed.")


@click.command("scorecard")
@click.argument("assessment_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The PDF to write.")
@click.option("--html", "html_out", default=None, type=click.Path(dir_okay=False),
              help="Also write the exact, self-contained HTML that was rendered.")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True)
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Render anew, neither reading nor filling the PDF cache the scorecard page uses.")
def scorecard_command(assessment_id: int, out: str, html_out: str | None, lang: str, no_cache: bool) -> None:
    """Render an assessment's PDF scorecard (from the PDF cache when exactly this HTML was rendered before)."""
    from .models import Assessment
    from .reports import documents
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise click.ClickException(f"There is no assessment {assessment_id}.")
    html = documents.scorecard_html(assessment, lang)
    if html_out:
        with open(html_out, "w", encoding="utf-8") as handle:
            handle.write(html)
    with open(out, "wb") as handle:
        handle.write(documents.cached_pdf(html, use_cache=not no_cache))
    click.echo(f"Wrote {out}" + (f" and {html_out}" if html_out else ""))


report_cli = AppGroup("report", help="Reports for the Regional Council for Planning.")


@report_cli.command("crp")
@click.option("--model", "model_key", required=True, type=click.Choice(["national", "subnational", "sectoral",
                                                                         "vision"]))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True)
def report_crp(model_key: str, out: str, lang: str) -> None:
    """Render the CRP regional report of a planning model (always rendered anew)."""
    from .reports import crp, documents
    html = crp.crp_html(model_key, lang)
    with open(out, "wb") as handle:
        handle.write(documents.cached_pdf(html, use_cache=False))
    click.echo(f"Wrote {out}")


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the queued jobs and send the mail that is due, then stop.")
def worker_command(once: bool) -> None:
    """Run queued jobs (regional reports) and deliver the outbox's mail until stopped (SIGTERM or Ctrl-C)."""
    import signal

    from .mail import delivery
    from .reports import jobs
    stop = jobs.StopSignal()
    mailed = {"messages": 0}

    def deliver() -> int:
        count = delivery.deliver_due(should_stop=lambda: stop.requested)
        mailed["messages"] += count
        return count
    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        mail_note = "delivering mail" if delivery.is_configured() else "mail stays in the outbox (no MAIL_SERVER)"
        click.echo(f"Worker waiting for jobs; {mail_note}.")
        ran = jobs.work(once=once, should_stop=lambda: stop.requested, guard=stop.during_job, between_jobs=deliver)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo(f"Worker stopped after {ran} job(s) and {mailed['messages']} mail delivery attempt(s).")


audit_cli = AppGroup("audit", help="The audit trail and the personal data it keeps.")


@audit_cli.command("purge-addresses")
def audit_purge_addresses() -> None:
    """Delete stored client addresses older than ADDRESS_RETENTION_DAYS (run it daily, e.g. from cron)."""
    from .auth import privacy
    removed = privacy.purge_client_addresses()
    db.session.commit()
    click.echo(f"Removed {removed} row(s) with client addresses or stale counters.")


class MigrationCommands(click.Group):
    """`flask db …`: Flask-Migrate's own command group, imported (with Alembic) only when a `db` command runs;
    `flask --help` and every other command start without them."""

    def __init__(self) -> None:
        super().__init__("db", help="Perform database migrations (Flask-Migrate).")

    @staticmethod
    def _group() -> click.Group:
        from flask_migrate.cli import db as migrate_group
        return migrate_group

    def make_context(self, info_name, args, parent=None, **extra):
        # the context (hence its options, help and subcommands) is Flask-Migrate's group itself
        return self._group().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._group().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return self._group().get_command(ctx, cmd_name)


def register(app: Flask) -> None:
    from .assessment.workbook.commands import workbook_cli
    app.cli.add_command(workbook_cli)
    from .operations.commands import backup_command, restore_command
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(MigrationCommands())
    app.cli.add_command(audit_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(scorecard_command)
    app.cli.add_command(report_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(catalog_cli)
    app.cli.add_command(demo_command)
