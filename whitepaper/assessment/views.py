"""Self-evaluation pages: the list, creating and setting up an assessment, the rating form (dimension by
dimension, with autosave), evidence, the review workflow and the scorecard. Views stay thin: load, check
permission, call one service, commit once, respond."""
from __future__ import annotations

import os
from typing import Any, Optional

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from .. import formatting, permissions
from ..errors import DomainError, InvalidInput, InvalidTransition
from ..extensions import db
from ..ids import MAX_PAGE, arg_int, parse_id
from ..links import external_url
from ..models import MODEL_KEYS, Assessment, CatalogueVersion, Country, Criterion, Evidence, Rating, WorkshopGroup
from ..models.assessment import ASSESSMENT_STATUSES, status_label
from ..shared_pages import shared_page
from ..web import public
from . import comparability, queries, services, uploads
from .forms import AssessmentForm, FormValues, PublishForm, ReviewForm, form_labels, lines, parse_rating, people

bp = Blueprint("assessment", __name__, url_prefix="/assessments")


@bp.app_template_filter("day")
def day(value: Any) -> str:
    """A date in the reader's locale ("—" for none)."""
    return format_date(value, "medium") if value else formatting.DASH


# --- loading and permission checks ----------------------------------------------------------------------

def _load(assessment_id: int) -> Assessment:
    """The assessment if the reader may see it; otherwise 404, for anonymous readers too, exactly as for a
    missing one (never a hint that a draft or a private assessment exists; the 404 page offers to log in)."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not permissions.can_view_assessment(current_user, assessment):
        abort(404)
    return assessment


def _require_edit(assessment: Assessment) -> None:
    if permissions.can_edit_assessment(current_user, assessment):
        return
    if permissions.is_assessment_editor(current_user, assessment):
        raise InvalidTransition(_("This assessment is %(status)s: its content can no longer change.",
                                  status=status_label(assessment.status)))
    abort(403)


def _require_reviewer(assessment: Assessment) -> None:
    if not permissions.is_assessment_reviewer(current_user, assessment):
        abort(403)


def _group(assessment: Assessment, raw: str | None) -> Optional[WorkshopGroup]:
    if not raw:
        return None
    group_id = parse_id(raw)
    group = db.session.get(WorkshopGroup, group_id) if group_id is not None else None
    if group is None or group.assessment_id != assessment.id:
        abort(404)
    return group


def _criterion(assessment: Assessment, code: str) -> Criterion:
    criterion = queries.criterion_in_version(assessment, code)
    if criterion is None:
        abort(404)
    return criterion


def _link(assessment: Assessment) -> str:
    return external_url("assessment.public_detail", assessment_id=assessment.id)


# --- list and creation ----------------------------------------------------------------------------------

@bp.route("/")
def index():
    filters = queries.Filters(
        country=request.args.get("country", "").upper()[:3], model=request.args.get("model", ""),
        status=request.args.get("status", ""),
        year=arg_int(request.args, "year", minimum=1, maximum=9999))
    if filters.model not in MODEL_KEYS:
        filters.model = ""
    if filters.status not in ASSESSMENT_STATUSES:
        filters.status = ""
    page = queries.list_page(current_user, filters, arg_int(request.args, "page", 1, minimum=1, maximum=MAX_PAGE),
                             current_app.config["PER_PAGE"])
    return render_template("assessment/index.html", page=page, filters=filters, countries=queries.countries(),
                           models=MODEL_KEYS, statuses=ASSESSMENT_STATUSES,
                           can_create=permissions.can_create_assessment(current_user))


@bp.route("/published")
@public
@shared_page("catalogue", "published")
def public_index():
    page = queries.list_page(None, queries.Filters(status="published"),
                             arg_int(request.args, "page", 1, minimum=1, maximum=MAX_PAGE),
                             current_app.config["PER_PAGE"])
    return render_template("assessment/public_index.html", page=page)


def _version_choices() -> list[tuple[int, str]]:
    out = []
    for version in queries.usable_versions():
        state = _("approved") if version.status == "approved" else _("draft open for piloting")
        out.append((version.id, f"{formatting.text(version.planning_model.title)} — {version.label} ({state})"))
    return out


def _country_choices() -> list[tuple[str, str]]:
    lang = formatting.current_lang()
    return sorted(((c.iso3, c.name(lang)) for c in queries.countries()), key=lambda pair: pair[1])


@bp.route("/new", methods=["GET", "POST"])
def create():
    if not permissions.can_create_assessment(current_user):
        abort(403)
    admin = permissions.is_admin(current_user)
    form = AssessmentForm(_version_choices(), _country_choices() if admin else None)
    if request.method == "GET" and request.args.get("model"):
        wanted = next((v for v in queries.usable_versions() if v.planning_model.key == request.args["model"]), None)
        if wanted is not None:
            form.version_id.data = wanted.id
    if form.validate_on_submit():
        if admin:
            country = db.session.scalar(db.select(Country).where(Country.iso3 == form.country.data))
        else:
            country = current_user.country
        version = db.session.get(CatalogueVersion, form.version_id.data)
        if country is None or version is None or not permissions.can_create_assessment(current_user, country.id):
            abort(403)
        try:
            assessment = services.create_assessment(
                current_user, country=country, version=version, scope_name=form.scope_name.data or "",
                period_start=form.period_start.data, period_end=form.period_end.data,
                organizations=lines(form.organizations.data), people=people(form.participants.data),
                groups=lines(form.groups.data), is_public=form.is_public.data)
        except InvalidInput as error:
            db.session.rollback()
            form.scope_name.errors = [*form.scope_name.errors, error.message]
            return render_template("assessment/form.html", form=form, assessment=None), 400
        db.session.commit()
        flash(_("The self-evaluation is created. Rate its criteria dimension by dimension; everything is saved "
                "as you go."), "success")
        return redirect(url_for("assessment.rate", assessment_id=assessment.id))
    return render_template("assessment/form.html", form=form, assessment=None), \
        400 if request.method == "POST" else 200


def _person_line(participant: Any, group_name: str) -> str:
    parts = [participant.name, participant.organization, group_name]
    while parts and not parts[-1]:
        parts.pop()
    return "; ".join(parts)


@bp.route("/<int:assessment_id>/settings", methods=["GET", "POST"])
def settings(assessment_id: int):
    assessment = _load(assessment_id)
    _require_edit(assessment)
    info = queries.detail(assessment)
    data = None
    if request.method == "GET":
        groups_by_id = {g.id: g.name for g in info.groups}
        data = {
            "scope_name": assessment.scope_name, "period_start": assessment.period_start,
            "period_end": assessment.period_end, "is_public": assessment.is_public,
            "organizations": "\n".join(p.name for p in info.participants if p.kind == "organization"),
            "participants": "\n".join(_person_line(p, groups_by_id.get(p.group_id, ""))
                                      for p in info.participants if p.kind == "person"),
            "groups": "\n".join(g.name for g in info.groups)}
    form = AssessmentForm(None, None, data=data)
    if form.validate_on_submit():
        try:
            services.update_setup(current_user, assessment, scope_name=form.scope_name.data or "",
                                  period_start=form.period_start.data, period_end=form.period_end.data,
                                  organizations=lines(form.organizations.data), people=people(form.participants.data),
                                  groups=lines(form.groups.data), is_public=form.is_public.data)
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("assessment/form.html", form=form, assessment=assessment), 400
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("assessment.public_detail", assessment_id=assessment.id))
    return render_template("assessment/form.html", form=form, assessment=assessment), \
        400 if request.method == "POST" else 200


# --- overview -------------------------------------------------------------------------------------------

@bp.route("/<int:assessment_id>")
@public
def public_detail(assessment_id: int):
    assessment = _load(assessment_id)
    info = queries.detail(assessment)
    return render_template("assessment/detail.html", a=assessment, info=info, publish_form=PublishForm(
        data={"is_public": assessment.is_public}))


# --- the rating form ------------------------------------------------------------------------------------

def _values(row: queries.CriterionRow, posted: Optional[FormValues] = None) -> FormValues:
    return posted if posted is not None else FormValues.stored(row.criterion, row.editing, row.editing_marks)


@bp.route("/<int:assessment_id>/rate")
@bp.route("/<int:assessment_id>/rate/<dimension_key>")
def rate(assessment_id: int, dimension_key: str | None = None):
    assessment = _load(assessment_id)
    group = _group(assessment, request.args.get("group"))
    page = queries.rating_page(assessment, dimension_key, group)
    if page is None:
        abort(404)
    return render_template("assessment/rate.html", a=assessment, page=page, values=_values, L=form_labels(),
                           editable=permissions.can_edit_assessment(current_user, assessment),
                           max_mb=current_app.config["MAX_UPLOAD_MB"], errors={}, posted_code=None)


def _criterion_page(assessment: Assessment, criterion: Criterion, group: Optional[WorkshopGroup], *,
                    posted: Optional[FormValues] = None, errors: dict[str, str] | None = None,
                    conflict: Optional[dict[str, Any]] = None, status: int = 200):
    dimension = queries.dimension_of(criterion)
    page = queries.rating_page(assessment, dimension.key, group)
    row = page.all_rows[criterion.code]
    return render_template("assessment/criterion.html", a=assessment, page=page, row=row, L=form_labels(),
                           posted=posted, values=_values, errors=errors or {}, conflict=conflict,
                           editable=permissions.can_edit_assessment(current_user, assessment),
                           max_mb=current_app.config["MAX_UPLOAD_MB"]), status


@bp.route("/<int:assessment_id>/criteria/<code>", methods=["GET", "POST"])
def criterion(assessment_id: int, code: str):
    assessment = _load(assessment_id)
    criterion = _criterion(assessment, code)
    group = _group(assessment, request.args.get("group"))
    if request.method == "GET":
        return _criterion_page(assessment, criterion, group)
    _require_edit(assessment)
    max_mb = current_app.config["MAX_UPLOAD_MB"]
    # Parse an oversize file rather than fail the whole request, so the rest of the form can be kept.
    request.max_content_length = max_mb * 4 * 1024 * 1024 + 1024 * 1024
    data, errors = parse_rating(criterion, request.form, group=group is not None)
    upload = request.files.get("evidence_file") if group is None else None
    file_bytes: bytes | None = None
    status = 400
    if upload is not None and upload.filename:
        upload.stream.seek(0, os.SEEK_END)
        size = upload.stream.tell()
        upload.stream.seek(0)
        if size > max_mb * 1024 * 1024:
            errors["evidence_file"] = services.too_large(upload.filename, size, max_mb)
            status = 413
        else:
            file_bytes = upload.read()
            problem = services.upload_problem(upload.filename, file_bytes, max_mb)
            if problem:
                errors["evidence_file"] = problem
    if errors:
        return _criterion_page(assessment, criterion, group, posted=FormValues.posted(data), errors=errors,
                               status=status)
    stored: list[str] = []
    folder = current_app.config["UPLOAD_FOLDER"]
    try:
        rating = services.save_rating(current_user, assessment, criterion, data, group=group)
        if group is None and data.link_url:
            services.add_link(current_user, assessment, rating, data.link_url, data.link_label)
        if group is None and file_bytes is not None:
            evidence = services.add_file(current_user, assessment, rating, filename=upload.filename,
                                         data=file_bytes, folder=folder, max_mb=max_mb)
            stored.append(evidence.stored_name)
        db.session.commit()
    except services.RatingConflict as conflict:
        db.session.rollback()
        for name in stored:
            uploads.discard(folder, name)
        return _conflict_page(assessment, criterion, group, data, conflict, file_lost=file_bytes is not None)
    except Exception:
        for name in stored:
            uploads.discard(folder, name)
        raise
    flash(_("%(code)s saved.", code=criterion.code), "success")
    dimension = queries.dimension_of(criterion)
    return redirect(url_for("assessment.rate", assessment_id=assessment.id, dimension_key=dimension.key,
                            group=group.id if group else None) + f"#c-{criterion.code}")


def _summary(criterion: Criterion, values: FormValues) -> dict[str, Any]:
    """A rating in words, for the conflict view (theirs and yours side by side)."""
    if values.choice == "na":
        choice = _("Not applicable")
    elif values.choice == "ni":
        choice = _("No information")
    elif values.choice == "elements" or (criterion.scoring == "elements" and values.marks):
        present = sum(1 for v in values.marks.values() if v == "present")
        absent = sum(1 for v in values.marks.values() if v == "absent")
        choice = _("Verification elements: %(present)d present, %(absent)d absent, %(open)d unanswered",
                   present=present, absent=absent, open=len(criterion.elements) - present - absent)
    elif values.choice:
        level = next((lv for lv in criterion.levels if str(lv.value) == values.choice), None)
        choice = _("Level %(n)s", n=values.choice) + (f": {formatting.text(level.descriptor)}" if level else "")
    else:
        choice = _("Unrated")
    marks = {e.id: e for e in criterion.elements}
    labels = {"present": _("present"), "absent": _("absent")}
    return {
        "choice": choice,
        "elements": [f"{marks[eid].code}: {labels[v]}" for eid, v in values.marks.items() if v and eid in marks],
        "justification": values.justification,
        "means_of_verification": values.means_of_verification,
        "action": " · ".join(x for x in (values.action_what, values.action_who, values.action_due) if x),
    }


def _theirs(assessment: Assessment, criterion: Criterion, group: Optional[WorkshopGroup]):
    if group is None:
        rating = queries.rating_for_update(assessment, criterion.id, with_author=True)
    else:
        rating = queries.group_rating_for_update(group, criterion.id, with_author=True)
    marks = {m.element_id: m.is_present for m in rating.element_marks} if rating else {}
    return rating, FormValues.stored(criterion, rating, marks)


def _conflict_page(assessment: Assessment, criterion: Criterion, group: Optional[WorkshopGroup], data,
                   conflict: services.RatingConflict, file_lost: bool):
    rating, theirs = _theirs(assessment, criterion, group)
    mine = FormValues.posted(data)
    mine.version = theirs.version  # "overwrite with mine" saves against the version now stored
    return _criterion_page(assessment, criterion, group, posted=mine, status=409, conflict={
        "message": conflict.message, "theirs": _summary(criterion, theirs), "yours": _summary(criterion, mine),
        "by": rating.updated_by.display_name() if rating is not None and rating.updated_by else "",
        "at": formatting.when(rating.updated_at) if rating is not None else "", "file_lost": file_lost,
        "theirs_values": theirs})


def _json_error(status: int, code: str, message: str, **extra: Any):
    return jsonify({"error": {"code": code, "message": message}, **extra}), status


@bp.route("/<int:assessment_id>/criteria/<code>/autosave", methods=["POST"])
def autosave(assessment_id: int, code: str):
    """The same save as the form, for fetch(): answers JSON with the new version and the progress."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not permissions.can_view_assessment(current_user, assessment):
        return _json_error(404, "not_found", _("We could not find that page."))
    if not permissions.can_edit_assessment(current_user, assessment):
        if permissions.is_assessment_editor(current_user, assessment):
            return _json_error(409, "invalid_transition",
                               _("This assessment is %(status)s: its content can no longer change.",
                                 status=status_label(assessment.status)))
        return _json_error(403, "forbidden", _("You do not have permission to do this."))
    # The criterion's shape (levels, elements) comes from the light version spec, which the progress needs too.
    spec = queries.version_spec(assessment.version_id, with_alerts=False)
    criterion = queries.criterion_shape(spec, code)
    raw_group = request.args.get("group", "")
    group_id = parse_id(raw_group)
    group = db.session.get(WorkshopGroup, group_id) if group_id is not None else None
    if criterion is None or (raw_group and (group is None or group.assessment_id != assessment.id)):
        return _json_error(404, "not_found", _("We could not find that page."))
    data, errors = parse_rating(criterion, request.form, group=group is not None)
    if errors:
        return _json_error(400, "invalid", _("Some answers need correcting."), fields=errors)
    try:
        rating = services.save_rating(current_user, assessment, criterion, data, group=group)
        # Everything the answer needs is read inside the transaction, before the commit expires it.
        inputs = queries.stored_inputs(spec, [assessment.id])[assessment.id]
        if group is None:  # for a group's rating, its own state; the progress is always the consolidated one
            entry = inputs.get(criterion.code)
        else:
            entry = queries.rating_input(spec, rating, {m.element_id: m.is_present for m in rating.element_marks})
        answer = {"version": rating.version, "saved_at": formatting.when(rating.updated_at, "short"),
                  "status": "unrated" if entry is None else entry.kind,
                  "complete": bool(entry and entry.complete), "value": entry.value if entry else None,
                  "progress": queries.progress_of(spec, inputs).as_json()}
        # Nothing is read after the commit: expiring would only make the after-request hooks reload the user.
        db.session().expire_on_commit = False  # this request's session only: a new one is made for the next
        db.session.commit()
    except services.RatingConflict as conflict:
        db.session.rollback()
        full = queries.criterion_in_version(assessment, code)
        stored, theirs = _theirs(assessment, full, group)
        return _json_error(409, "conflict", conflict.message, version=theirs.version,
                           theirs=_summary(full, theirs), yours=_summary(full, FormValues.posted(data)),
                           by=stored.updated_by.display_name() if stored is not None and stored.updated_by else "",
                           at=formatting.when(stored.updated_at) if stored is not None else "")
    except DomainError as error:
        db.session.rollback()
        return _json_error(error.status, error.code, error.message)
    return jsonify(answer)


# --- evidence -------------------------------------------------------------------------------------------

def _evidence(assessment: Assessment, evidence_id: int) -> tuple[Evidence, Rating]:
    evidence = db.session.get(Evidence, evidence_id)
    rating = db.session.get(Rating, evidence.rating_id) if evidence is not None else None
    if rating is None or rating.assessment_id != assessment.id:
        abort(404)
    return evidence, rating


@bp.route("/<int:assessment_id>/evidence/<int:evidence_id>")
@public
def public_evidence(assessment_id: int, evidence_id: int):
    """Evidence files are served only here, after the same check as the assessment, as attachments."""
    assessment = _load(assessment_id)
    evidence, _rating = _evidence(assessment, evidence_id)
    if evidence.kind != "file":
        abort(404)
    try:
        path = uploads.path_of(current_app.config["UPLOAD_FOLDER"], evidence.stored_name)
    except ValueError:
        abort(404)
    if not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype=evidence.content_type or "application/octet-stream", as_attachment=True,
                         download_name=evidence.filename or "evidence", max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/<int:assessment_id>/evidence/<int:evidence_id>/delete", methods=["POST"])
def delete_evidence(assessment_id: int, evidence_id: int):
    assessment = _load(assessment_id)
    _require_edit(assessment)
    evidence, rating = _evidence(assessment, evidence_id)
    stored_name = services.remove_evidence(current_user, assessment, evidence)
    db.session.commit()
    if stored_name:
        uploads.discard(current_app.config["UPLOAD_FOLDER"], stored_name)
    flash(_("The evidence was removed."), "success")
    code = db.session.get(Criterion, rating.criterion_id).code
    return redirect(url_for("assessment.criterion", assessment_id=assessment.id, code=code))


# --- workflow -------------------------------------------------------------------------------------------

@bp.route("/<int:assessment_id>/submit", methods=["POST"])
def submit(assessment_id: int):
    assessment = _load(assessment_id)
    if not permissions.is_assessment_editor(current_user, assessment):
        abort(403)
    services.submit(current_user, assessment, link=_link(assessment))
    db.session.commit()
    flash(_("Submitted: the facilitators will review it."), "success")
    return redirect(url_for("assessment.public_detail", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/review")
def review(assessment_id: int):
    assessment = _load(assessment_id)
    _require_reviewer(assessment)
    return _review_page(assessment, ReviewForm())


def _review_page(assessment: Assessment, form: ReviewForm, status: int = 200):
    page = queries.rating_page(assessment, all_dimensions=True)
    view = queries.scorecard_for(assessment, current_user, with_regional=False)
    return render_template("assessment/review.html", a=assessment, page=page, view=view, form=form,
                           info=queries.detail(assessment),
                           publish_form=PublishForm(data={"is_public": assessment.is_public})), status


@bp.route("/<int:assessment_id>/validate", methods=["POST"])
def validate(assessment_id: int):
    assessment = _load(assessment_id)
    _require_reviewer(assessment)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _review_page(assessment, form, 400)
    services.validate(current_user, assessment, form.comments.data or "", link=_link(assessment))
    db.session.commit()
    flash(_("Validated. It can now be published."), "success")
    return redirect(url_for("assessment.review", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/return", methods=["POST"])
def return_for_changes(assessment_id: int):
    assessment = _load(assessment_id)
    _require_reviewer(assessment)
    form = ReviewForm()
    if form.validate_on_submit() and not (form.comments.data or "").strip():
        form.comments.errors = [_("Say what has to change: the comments go to the assessors.")]
        return _review_page(assessment, form, 400)
    if form.errors:
        return _review_page(assessment, form, 400)
    services.return_for_changes(current_user, assessment, form.comments.data, link=_link(assessment))
    db.session.commit()
    flash(_("Returned to the assessors with your comments."), "success")
    return redirect(url_for("assessment.public_detail", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/publish", methods=["POST"])
def publish(assessment_id: int):
    assessment = _load(assessment_id)
    _require_reviewer(assessment)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    services.publish(current_user, assessment, bool(form.is_public.data), link=_link(assessment))
    db.session.commit()
    flash(_("Published."), "success")
    return redirect(url_for("assessment.public_scorecard", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/visibility", methods=["POST"])
def visibility(assessment_id: int):
    assessment = _load(assessment_id)
    _require_reviewer(assessment)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_visibility(current_user, assessment, bool(form.is_public.data))
    db.session.commit()
    flash(_("Visible to everyone.") if assessment.is_public else _("Visible only to logged-in readers."), "success")
    return redirect(url_for("assessment.public_detail", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/revise", methods=["POST"])
def revise(assessment_id: int):
    assessment = _load(assessment_id)
    if not permissions.is_assessment_editor(current_user, assessment):
        abort(403)
    correction = services.start_revision(current_user, assessment)
    db.session.commit()
    flash(_("A correction is started as a new draft, with the published ratings copied. It records which "
            "assessment it revises."), "success")
    return redirect(url_for("assessment.public_detail", assessment_id=correction.id))


# --- scorecard ------------------------------------------------------------------------------------------

@bp.route("/<int:assessment_id>/scorecard")
@public
@shared_page("catalogue", "published")
def public_scorecard(assessment_id: int):
    assessment = _load(assessment_id)
    view = queries.scorecard_for(assessment, current_user if current_user.is_authenticated else None)
    # The PDF of the same view-model, when the reports feature is installed (it needs logging in).
    pdf_url = url_for("reports.scorecard_pdf", assessment_id=assessment.id) \
        if current_user.is_authenticated and "reports.scorecard_pdf" in current_app.view_functions else None
    return render_template("assessment/scorecard.html", a=assessment, view=view, pdf_url=pdf_url,
                           fingerprint=comparability.fingerprint_of(assessment), mode_label=comparability.mode_label)
