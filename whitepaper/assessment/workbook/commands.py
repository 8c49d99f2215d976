"""`flask workbook export|import`: the same workbook as the assessment's page, from the command line (for a
facilitator preparing a workshop, or importing the groups' workbooks afterwards). Heavy modules (openpyxl)
are imported only when a command runs."""
from __future__ import annotations

import click
from flask.cli import AppGroup

workbook_cli = AppGroup("workbook", help="Self-evaluation workbooks (XLSX): export and import.")


def _draft(assessment_id: int):
    from ...extensions import db
    from ...models import Assessment
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise click.ClickException(f"There is no assessment {assessment_id}.")
    if not assessment.is_editable:
        raise click.ClickException(f"Assessment {assessment_id} is {assessment.status}: only a draft (or a returned "
                                   "assessment) takes ratings from a workbook.")
    return assessment


@workbook_cli.command("export")
@click.argument("assessment_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The .xlsx file to write.")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True)
@click.option("--blank", is_flag=True, help="Without the ratings stored now.")
@click.option("--group", "group_ref", default=None, help="A workshop group (id or name): that group's workbook.")
def workbook_export(assessment_id: int, out: str, lang: str, blank: bool, group_ref: str | None) -> None:
    """Write a draft assessment's workbook (consolidated ratings, or one workshop group's)."""
    from . import export, queries
    assessment = _draft(assessment_id)
    group = queries.group_by_reference(assessment, group_ref) if group_ref else None
    if group_ref and group is None:
        names = ", ".join(f"{g.id} ({g.name})" for g in queries.groups_of(assessment)) or "none"
        raise click.ClickException(f"Assessment {assessment_id} has no workshop group «{group_ref}» "
                                   f"(groups: {names}).")
    data = export.build(assessment, lang=lang, blank=blank, group=group)
    with open(out, "wb") as handle:
        handle.write(data)
    click.echo(f"Wrote {out}" + (f" (group «{group.name}»)" if group else ""))


@workbook_cli.command("import")
@click.argument("assessment_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--apply", "do_apply", is_flag=True, help="Apply the changes (without it: only the preview).")
@click.option("--overwrite", is_flag=True, help="Also replace criteria changed on the web since the download.")
def workbook_import(assessment_id: int, path: str, do_apply: bool, overwrite: bool) -> None:
    """Check a filled workbook and print what it would change; with --apply, apply it as one audited change."""
    from flask_babel import force_locale

    from ...errors import DomainError
    from ...extensions import db
    from . import importer, reading
    assessment = _draft(assessment_id)
    with open(path, "rb") as handle:
        data = handle.read()
    with force_locale("en"):
        try:
            plan = importer.plan(assessment, path, data)
        except reading.WorkbookRefused as refused:
            db.session.rollback()
            for problem in refused.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(f"{len(refused.problems)} problem(s): nothing was applied.") from None
        who = f"group «{plan.group.name}»" if plan.group else "consolidated ratings"
        click.echo(f"Workbook of assessment {assessment.id} ({who}), downloaded {plan.meta.downloaded_at}: "
                   f"{len(plan.changes)} change(s), {plan.unchanged} unchanged, {plan.untouched} left as downloaded.")
        for change in plan.changes:
            flag = "  [changed on the web since the download]" if change.conflict else ""
            click.echo(f"  {change.code}: {', '.join(change.fields())}{flag}")
        if not do_apply:
            db.session.rollback()
            click.echo("Preview only: run again with --apply to apply it.")
            return
        try:
            result = importer.apply(None, assessment, plan, overwrite=overwrite)
        except DomainError as error:  # a save on the web in the meantime: nothing of the import stays
            db.session.rollback()
            raise click.ClickException(f"{error.message} Nothing was applied: run the import again.") from None
    db.session.commit()
    click.echo(f"Applied: {len(result.changed) + len(result.overwritten)} criteria changed"
               + (f"; kept as on the web: {', '.join(result.kept)} (use --overwrite to replace them)"
                  if result.kept else "") + ".")
