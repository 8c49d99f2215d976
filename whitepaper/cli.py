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
    if not result.created:
        click.echo("The catalogue is already loaded: nothing changed.")


@click.command("scorecard")
@click.argument("assessment_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The PDF to write.")
@click.option("--html", "html_out", default=None, type=click.Path(dir_okay=False),
              help="Also write the exact, self-contained HTML that was rendered.")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True)
def scorecard_command(assessment_id: int, out: str, html_out: str | None, lang: str) -> None:
    """Render an assessment's PDF scorecard (always rendered anew, no cache)."""
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
        handle.write(documents.cached_pdf(html, use_cache=False))
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
@click.option("--once", is_flag=True, help="Run the queued jobs, then stop.")
def worker_command(once: bool) -> None:
    """Run queued jobs (regional reports) until stopped."""
    import signal

    from .reports import jobs
    stopping = {"now": False}

    def stop(_signum, _frame):
        stopping["now"] = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ran = jobs.work(once=once, should_stop=lambda: stopping["now"])
    click.echo(f"Worker stopped after {ran} job(s).")


def register(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(scorecard_command)
    app.cli.add_command(report_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(catalog_cli)
    app.cli.add_command(demo_command)
