"""Where users get the documents: scorecard PDFs on demand, CRP reports through the job queue."""
from __future__ import annotations

import os

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..catalogue import queries as catalogue_queries
from ..extensions import db
from ..models import Assessment, Job
from ..web import public
from . import documents, jobs

bp = Blueprint("reports", __name__)


def _lang() -> str:
    lang = request.args.get("lang", "")
    from ..formatting import current_lang
    return lang if lang in ("es", "en") else current_lang()


@bp.route("/assessments/<int:assessment_id>/scorecard.pdf")
@public
def scorecard_pdf(assessment_id: int):
    """Public for published, public assessments, like their scorecard page; otherwise as the page allows."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not permissions.can_view_assessment(current_user, assessment):
        abort(404)  # the same answer as for a missing assessment, logged in or not
    lang = _lang()
    html = documents.scorecard_html(assessment, lang, viewer=current_user)
    name = f"ficha-{assessment.country.iso3}-{assessment.period_start}-{assessment.period_end}-{lang}.pdf"
    return current_app.response_class(documents.cached_pdf(html), mimetype="application/pdf",
                                      headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/reports/")
def index():
    if not permissions.can_view_crp_reports(current_user):
        abort(403)
    models = catalogue_queries.planning_models()
    recent = db.session.scalars(db.select(Job).where(Job.kind == "crp_report").order_by(Job.id.desc()).limit(10)).all()
    return render_template("reports/index.html", models=models, jobs=recent)


@bp.route("/reports/crp/<key>", methods=["POST"])
def request_crp(key: str):
    if not permissions.can_view_crp_reports(current_user):
        abort(403)
    if catalogue_queries.model_by_key(key) is None:
        abort(404)
    lang = request.form.get("lang") if request.form.get("lang") in ("es", "en") else _lang()
    job, created = jobs.enqueue_once("crp_report", {"model": key, "lang": lang}, actor_id=current_user.id)
    db.session.commit()
    if not created:
        flash(_("This report is already being prepared: here is its progress."), "info")
    return redirect(url_for("reports.job", job_id=job.id))


@bp.route("/reports/jobs/<int:job_id>")
def job(job_id: int):
    job = db.get_or_404(Job, job_id)
    if job.kind != "crp_report" or not permissions.can_view_crp_reports(current_user):
        abort(404)
    if request.args.get("format") == "json":
        return jsonify({"status": job.status, "progress": job.progress, "message": job.message,
                        "download": url_for("reports.download", job_id=job.id) if job.status == "done" else None})
    return render_template("reports/job.html", job=job)


@bp.route("/reports/jobs/<int:job_id>/download")
def download(job_id: int):
    job = db.get_or_404(Job, job_id)
    if job.kind != "crp_report" or not permissions.can_view_crp_reports(current_user):
        abort(404)
    if job.status != "done" or not job.result_path or not os.path.exists(job.result_path):
        abort(404)
    return send_file(job.result_path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"informe-crp-{job.params['model']}-{job.params.get('lang', 'es')}.pdf")


@jobs.handler("crp_report")
def run_crp_report(job: Job, progress) -> str:
    """Renders a CRP report in the worker; an unchanged report is taken from the cache."""
    from . import crp
    html = crp.crp_html(job.params["model"], job.params.get("lang", "es"), progress)
    progress(60, _("Rendering the PDF"))
    documents.cached_pdf(html)
    return os.path.join(current_app.config["PDF_CACHE_FOLDER"], documents.html_hash(html) + ".pdf")
