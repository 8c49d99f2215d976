"""The workbook pages, on the assessment blueprint: download (blank or filled, consolidated or one group's, in
Spanish or English), upload with a preview of every change, and the confirmation that applies it.

Between the preview and the confirmation the uploaded file waits under UPLOAD_FOLDER (the file store every
worker and host of the platform shares, as evidence does), named by a random token bound to the assessment and
the person; the confirmation reads it again and re-checks it against the ratings as stored then, so what is
applied is never older than what was confirmed. Nothing is kept in a process's memory (the app is stateless)."""
from __future__ import annotations

import io
import os
import re
import secrets
import time
from typing import Any, Optional

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import formatting, permissions
from ...errors import InvalidTransition
from ...extensions import db
from ...models import Assessment
from ...models.assessment import status_label
from ..views import bp
from . import queries

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_SECONDS = 24 * 3600  # an upload not confirmed within a day is deleted
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _editable(assessment_id: int) -> Assessment:
    """The assessment if the reader may rate it (404 when they may not even see it, 403 when they may see it
    but not rate it; a refusal to change a submitted one for its own editors)."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not permissions.can_view_assessment(current_user, assessment):
        abort(404)
    if permissions.can_edit_assessment(current_user, assessment):
        return assessment
    if permissions.is_assessment_editor(current_user, assessment):
        raise InvalidTransition(_("This assessment is %(status)s: its content can no longer change.",
                                  status=status_label(assessment.status)))
    abort(403)


def _page(assessment: Assessment, *, problems: Optional[list] = None, the_plan: Any = None, token: str = "",
          status: int = 200):
    return render_template("assessment/workbook.html", a=assessment, groups=queries.groups_of(assessment),
                           problems=problems or [], plan=the_plan, token=token, describe=_describe,
                           max_mb=current_app.config["MAX_UPLOAD_MB"]), status


@bp.route("/<int:assessment_id>/workbook")
def workbook(assessment_id: int):
    return _page(_editable(assessment_id))


@bp.route("/<int:assessment_id>/workbook/download")
def workbook_download(assessment_id: int):
    from .export import build, workbook_filename
    assessment = _editable(assessment_id)
    lang = request.args.get("lang", formatting.current_lang())
    lang = lang if lang in ("es", "en") else "es"
    raw_group = request.args.get("group", "")
    group = queries.group_by_reference(assessment, raw_group) if raw_group.isdigit() else None
    if raw_group and group is None:
        abort(404)
    data = build(assessment, lang=lang, blank=request.args.get("blank") in ("1", "y", "on"), group=group)
    db.session.rollback()  # read only
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=workbook_filename(assessment, group, lang), max_age=0)


def _folder() -> str:
    return os.path.join(current_app.config["UPLOAD_FOLDER"], "workbooks")


def _pending_path(assessment: Assessment, token: str) -> str:
    if not TOKEN.match(token or ""):
        abort(404)
    return os.path.join(_folder(), f"{assessment.id}-{current_user.id}-{token}.xlsx")


def _forget_old() -> None:
    folder = _folder()
    if not os.path.isdir(folder):
        return
    limit = time.time() - PENDING_SECONDS
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if os.path.getmtime(path) < limit:
                os.remove(path)
        except OSError:
            pass


@bp.route("/<int:assessment_id>/workbook/upload", methods=["POST"])
def workbook_upload(assessment_id: int):
    from .importer import plan
    from .reading import Problem, WorkbookRefused
    assessment = _editable(assessment_id)
    upload = request.files.get("workbook")
    if upload is None or not upload.filename:
        return _page(assessment, problems=[Problem(_("Choose the workbook to upload."))], status=400)
    data = upload.read(current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024 + 1)
    try:
        the_plan = plan(assessment, upload.filename, data)
    except WorkbookRefused as refused:
        db.session.rollback()
        return _page(assessment, problems=refused.problems, status=400)
    token = ""
    if the_plan.changes:
        _forget_old()
        os.makedirs(_folder(), exist_ok=True)
        token = secrets.token_hex(16)
        fd = os.open(_pending_path(assessment, token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    page = _page(assessment, the_plan=the_plan, token=token)
    db.session.rollback()  # nothing is written before the confirmation
    return page


@bp.route("/<int:assessment_id>/workbook/apply", methods=["POST"])
def workbook_apply(assessment_id: int):
    from .importer import apply, plan
    from .reading import WorkbookRefused
    assessment = _editable(assessment_id)
    token = request.form.get("token", "")
    path = _pending_path(assessment, token)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        flash(_("That upload is no longer waiting for confirmation: upload the workbook again."), "error")
        return redirect(url_for("assessment.workbook", assessment_id=assessment.id))
    try:
        the_plan = plan(assessment, "workbook.xlsx", data)
    except WorkbookRefused as refused:  # the assessment changed in a way the workbook no longer fits
        db.session.rollback()
        return _page(assessment, problems=refused.problems, status=400)
    if the_plan.digest() != request.form.get("plan", ""):
        page = _page(assessment, the_plan=the_plan, token=token, status=409)
        db.session.rollback()
        flash(_("The ratings changed on the web after the preview: check the new preview and confirm again."),
              "error")
        return page
    result = apply(current_user, assessment, the_plan, overwrite=request.form.get("overwrite") == "y")
    db.session.commit()
    os.remove(path)
    flash(_("Workbook imported. Criteria changed: %(n)d.", n=len(result.changed) + len(result.overwritten))
          + (" " + _("Kept as on the web (changed there after the download): %(codes)s.",
                     codes=", ".join(result.kept)) if result.kept else ""), "success")
    return redirect(url_for("assessment.public_detail", assessment_id=assessment.id))


def _describe(criterion: Any, values: list[Any]) -> str:
    """A rating's content (layout.content) in words, for the preview."""
    kind, level, marks = values[0], values[1], values[2]
    if kind == "not_applicable":
        return _("Not applicable")
    if kind == "no_information":
        return _("No information")
    if kind == "value" and criterion.scoring == "levels":
        return _("Level %(n)s", n=level)
    present = sum(1 for _eid, is_present in marks if is_present)
    absent = len(marks) - present
    if kind is None and not marks:
        return _("Unrated")
    return _("Verification elements: %(present)d present, %(absent)d absent, %(open)d unanswered",
             present=present, absent=absent, open=len(criterion.elements) - present - absent)
