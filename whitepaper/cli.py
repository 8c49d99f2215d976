"""Command-line interface (`flask --app wsgi …`), with the names fixed in DESIGN.md section 5."""
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


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(catalog_cli)
    app.cli.add_command(demo_command)
